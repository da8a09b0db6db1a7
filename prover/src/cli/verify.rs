//! `bondproof verify`: checks an attestation against a key the verifier trusts (rebuilt from the
//! circuit code and a ceremony with `--srs`, or pinned with its setup named or explicitly left
//! unchecked; see [`super::keys`]), and shows what the proof binds apart from what the bundle
//! merely says.

use std::path::PathBuf;

use bondproof_circuits::CircuitKind;
use bondproof_prover::Error;
use bondproof_verifier::{verify_bundle, ProofBundle};
use serde_json::json;

use super::keys::TrustArgs;
use super::show::{print_statement, print_unverified, statement_json};
use super::{print_json, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The attestation bundle (`attestation.json`).
    #[arg(long)]
    pub attestation: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    if !a.attestation.exists() {
        return Err(Error::Usage(format!("{}: no such file", a.attestation.display())).into());
    }
    // A bundle that does not parse is an invalid attestation (exit 1), as a partial download is;
    // a bad key file (exit 2) is reported first.
    let bundle = ProofBundle::read(&a.attestation);
    // The depth to rebuild at is the bundle's claim; a wrong one gives another key, which the
    // bundle's proof does not verify against.
    let depth = || bundle.as_ref().map(|b| b.circuit.depth as usize).map_err(|e| Error::Invalid(e.to_string()));
    let trusted = a.trust.key(CircuitKind::Attestation, json, depth)?;
    let bundle = bundle.map_err(|e| Error::Invalid(e.to_string()))?;
    let key = &trusted.key;
    let statement =
        verify_bundle(&bundle, key).map_err(|e| Error::Invalid(format!("{}: {e}", a.attestation.display())))?;
    if json {
        let trust = trusted.json();
        print_json(&json!({
            "ok": true, "valid": true, "vk_hash": key.hash_hex(), "circuit": bundle.circuit,
            "key": trust["key"], "setup": trust["setup"],
            "public_inputs": bundle.public_inputs,
            "proved": statement_json(&statement),
            "unverified": bundle.metadata,
        }));
        return Ok(());
    }
    println!(
        "VALID: the proof verifies against the key {} ({} circuit, depth {}, k {})",
        key.hash_hex(),
        key.circuit,
        key.depth,
        key.k()
    );
    trusted.print();
    println!("Proved (public inputs the proof binds): the positions committed under the root are eligible under the");
    println!("policy below and, counted after its haircuts, cover the sum of the deployments' supplies at the ratio.");
    print_statement(&statement);
    print_unverified(&bundle.metadata);
    Ok(())
}
