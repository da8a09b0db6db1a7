//! `bondproof keystore new`: a standard encrypted JSON keystore from a private key.

use std::path::PathBuf;

use bondproof_prover::chain::keystore;
use bondproof_prover::Error;
use serde_json::json;

use super::{print_json, Failure};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Encrypt the private key in BONDPROOF_PRIVATE_KEY (hex) into a keystore file, with the
    /// password from BONDPROOF_KEYSTORE_PASSWORD or a prompt (neither is ever a flag).
    New {
        /// The keystore file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: Command, json: bool) -> Result<(), Failure> {
    let Command::New { out } = command;
    let address = keystore::create(&out).map_err(Error::from)?;
    if json {
        print_json(&json!({"ok": true, "out": out, "address": address}));
    } else {
        println!("wrote {}: the keystore of {address}", out.display());
    }
    Ok(())
}
