//! `bondproof verify`: checks an attestation against a key the verifier trusts (rebuilt from the
//! circuit code and a ceremony with `--srs`, or pinned with its setup named or explicitly left
//! unchecked; see [`super::keys`]), and shows what the proof binds apart from what the bundle
//! merely says.

use std::path::PathBuf;

use bondproof_circuits::{AttestationStatement, CircuitKind};
use bondproof_prover::chain::config::RpcSettings;
use bondproof_prover::chain::provenance::{check_chain, LineCheck};
use bondproof_prover::Error;
use bondproof_verifier::compressed::{verify_compressed, CompressedBundle, CompressionKey};
use bondproof_verifier::verify::VerifyError;
use bondproof_verifier::{verify_bundle, ProofBundle};
use serde_json::json;

use super::keys::TrustArgs;
use super::show::{print_statement, print_unverified, statement_json};
use super::{print_json, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The attestation bundle (`attestation.json`), or a compressed bundle (`compress`), which is
    /// checked against its pinned compression key (`--vk`, with `--setup-id`).
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
    if std::fs::read_to_string(&a.attestation).is_ok_and(|t| CompressedBundle::is_compressed(&t)) {
        return verify_compressed_bundle(a, json);
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

/// A compressed bundle: the pinned compression key (`--vk`) with its setup named
/// (`--setup-id`) or explicitly unchecked, the outer proof and the accumulator's pairing; then
/// each inner statement. `--srs` does not rebuild a compression key (that is a key generation
/// of the outer circuit, minutes long): it is refused with a pointer to `--setup-id`.
fn verify_compressed_bundle(a: &Args, json: bool) -> Result<(), Failure> {
    let t = &a.trust;
    if t.srs.is_some() {
        return Err(Error::Usage(
            "a compressed bundle is checked against a pinned compression key: give --vk with --setup-id \
             (rebuilding a compression key from a ceremony is not supported)"
                .into(),
        )
        .into());
    }
    let vk_path = t.vk.as_ref().expect("clap requires --vk without --srs");
    let key = CompressionKey::read(vk_path)
        .map_err(|e| Error::VerifyingKey { path: vk_path.display().to_string(), message: e.to_string() })?;
    let checked = match (&t.setup_id, t.allow_unchecked_setup) {
        (Some(id), _) => {
            let named = bondproof_verifier::vk_file::parse_setup_id(id)
                .ok_or_else(|| Error::Usage(format!("--setup-id '{id}' is not a setup id (64 hex digits)")))?;
            if key.setup_id() != named {
                let e = VerifyError::SetupMismatch { key: key.setup_id(), named };
                return Err(Error::Refused(e.to_string()).into());
            }
            if !key.has_standard_generators() {
                return Err(Error::Refused(VerifyError::NonStandardGenerators.to_string()).into());
            }
            true
        }
        (None, true) => false,
        (None, false) => {
            return Err(Error::Refused(format!(
                "the compression key's setup ({}) is not checked: name the setup you trust with --setup-id ID, or \
                 pass --allow-unchecked-setup for a test run",
                key.setup_id()
            ))
            .into())
        }
    };
    let name = a.attestation.display();
    let bundle = CompressedBundle::read(&a.attestation).map_err(|e| Error::Invalid(e.to_string()))?;
    let statements = verify_compressed(&bundle, &key).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
    if json {
        print_json(&json!({
            "ok": true, "valid": true, "compressed": true, "vk_hash": key.hash_hex(), "k": key.k(),
            "setup": {"id": key.setup_id(), "checked": checked, "checked_by": if checked { "setup-id" } else { "unchecked" }},
            "inner_keys": key.header.inner,
            "proved": statements.iter().map(statement_json).collect::<Vec<_>>(),
            "unverified": bundle.inner.iter().map(|i| &i.metadata).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    println!(
        "VALID: the compression proof verifies against the key {} (k {}) and its accumulator's pairing holds",
        key.hash_hex(),
        key.k()
    );
    if checked {
        println!("  setup        {}: MATCHES the setup id you named", key.setup_id());
    } else {
        println!(
            "  setup        {}: UNCHECKED (--allow-unchecked-setup): whoever made this setup could forge proofs",
            key.setup_id()
        );
    }
    for (i, (s, inner)) in statements.iter().zip(&bundle.inner).enumerate() {
        println!();
        println!(
            "Attestation {i} (inner key {}, depth {}; the compression key pins it):",
            key.header.inner[i].vk_hash, key.header.inner[i].depth
        );
        println!(
            "Proved (public inputs the proof binds): the positions committed under the root are eligible under the"
        );
        println!(
            "policy below and, counted after its haircuts, cover the sum of the deployments' supplies at the ratio."
        );
        print_statement(s);
        print_unverified(&inner.metadata);
    }
    Ok(())
}
