//! `bondproof verify`: checks an attestation against a key the verifier trusts (rebuilt from the
//! circuit code and a ceremony with `--srs`, or pinned with its setup named or explicitly left
//! unchecked; see [`super::keys`]), and shows what the proof binds apart from what the bundle
//! merely says.

use std::path::PathBuf;

use bondproof_circuits::{AttestationStatement, CircuitKind};
use bondproof_prover::chain::config::RpcSettings;
use bondproof_prover::chain::provenance::{check_chain, LineCheck};
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
    /// Re-read the bundle's provenance from chain CHAIN's node at URL (repeatable): the block
    /// each of its lines was read at (its hash must match), and the token's supply there, valued
    /// at the line's NAV, against the proved line. Any mismatch exits 1.
    #[arg(long = "rpc", value_name = "CHAIN=URL", value_parser = parse_rpc)]
    pub rpc: Vec<(u64, String)>,
}

fn parse_rpc(s: &str) -> Result<(u64, String), String> {
    let (chain, url) = s.split_once('=').ok_or_else(|| format!("expected CHAIN=URL, found {s:?}"))?;
    let chain = chain.trim().parse().map_err(|_| format!("chain id {chain:?} is not a number in {s:?}"))?;
    Ok((chain, url.trim().to_string()))
}

/// Every `--rpc` chain's lines re-read; the checks, and whether all matched.
fn provenance(a: &Args, bundle: &ProofBundle, statement: &AttestationStatement) -> Result<Vec<LineCheck>, Error> {
    let mut checks = Vec::new();
    for (chain, url) in &a.rpc {
        let settings = RpcSettings::default();
        checks.extend(check_chain(*chain, url, &bundle.metadata.deployments, statement, &settings)?);
    }
    Ok(checks)
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
    let checks = provenance(a, &bundle, &statement)?;
    let mismatched = checks.iter().filter(|c| !c.matches()).count();
    let checks_json: Vec<_> = checks
        .iter()
        .map(|c| {
            json!({"chain_id": c.chain_id, "slot": c.slot, "block": c.block, "token": c.token,
                "total_supply": c.total_supply, "decimals": c.decimals, "read_cents": c.read_cents.to_string(),
                "proved_cents": c.proved_cents.to_string(), "matches": c.matches()})
        })
        .collect();
    let result = if mismatched == 0 {
        Ok(())
    } else {
        Err(Failure {
            error: Error::Invalid(format!(
                "{mismatched} line(s) of the proved table do not match the supply their chain shows at the recorded block"
            )),
            reported: json,
        })
    };
    if json {
        let trust = trusted.json();
        print_json(&json!({
            "ok": true, "valid": true, "vk_hash": key.hash_hex(), "circuit": bundle.circuit,
            "key": trust["key"], "setup": trust["setup"],
            "public_inputs": bundle.public_inputs,
            "proved": statement_json(&statement),
            "unverified": bundle.metadata,
            "provenance": checks_json,
        }));
        return result;
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
    for c in &checks {
        println!(
            "Chain {} (slot {}) at block {}: supply {} (decimals {}) = {} cents; proved {} cents: {}",
            c.chain_id,
            c.slot,
            c.block,
            c.total_supply,
            c.decimals,
            c.read_cents,
            c.proved_cents,
            if c.matches() { "MATCHES" } else { "MISMATCH" }
        );
    }
    result
}
