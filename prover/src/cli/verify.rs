//! `bondproof verify`: checks an attestation against the key the verifier pins, and shows what
//! the proof binds apart from what the bundle merely says.

use std::path::PathBuf;

use bondproof_prover::Error;
use bondproof_verifier::{verify_bundle, ProofBundle};
use serde_json::json;

use super::show::{print_statement, print_unverified, statement_json};
use super::{print_json, read_vk, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The attestation bundle (`attestation.json`).
    #[arg(long)]
    pub attestation: PathBuf,
    /// The verifying key you pin: one you derived, or one whose hash you checked; a bundle only
    /// carries the hash of the key it was made for.
    #[arg(long)]
    pub vk: PathBuf,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    if !a.attestation.exists() {
        return Err(Error::Usage(format!("{}: no such file", a.attestation.display())).into());
    }
    let key = read_vk(&a.vk)?;
    // A bundle that does not parse is an invalid attestation (exit 1), as a partial download is.
    let bundle = ProofBundle::read(&a.attestation).map_err(|e| Error::Invalid(e.to_string()))?;
    let statement = verify_bundle(&bundle, &key).map_err(|e| Error::Invalid(e.to_string()))?;
    if json {
        print_json(&json!({
            "ok": true, "valid": true, "vk_hash": bundle.vk_hash, "circuit": bundle.circuit,
            "public_inputs": bundle.public_inputs,
            "proved": statement_json(&statement),
            "unverified": bundle.metadata,
        }));
        return Ok(());
    }
    println!(
        "VALID: the proof verifies against the pinned key {} ({} circuit, depth {}, k {})",
        key.hash_hex(),
        key.circuit,
        key.depth,
        key.k()
    );
    println!("Proved (public inputs the proof binds): the positions committed under the root are eligible under the");
    println!("policy below and, counted after its haircuts, cover the sum of the deployments' supplies at the ratio.");
    print_statement(&statement);
    print_unverified(&bundle.metadata);
    Ok(())
}
