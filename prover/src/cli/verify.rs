//! `bondproof verify`: checks an attestation against a key the verifier trusts (rebuilt from the
//! circuit code and a ceremony with `--srs`, or pinned with its setup named or explicitly left
//! unchecked; see [`super::keys`]), and shows what the proof binds apart from what the bundle
//! merely says.

use std::path::PathBuf;

use bondproof_circuits::{AttestationStatement, CircuitKind};
use bondproof_prover::chain::config::RpcSettings;
use bondproof_prover::chain::provenance::{check_chain, LineCheck};
use bondproof_prover::compress::{rebuild_compression_key, RebuiltCompressionKey};
use bondproof_prover::Error;
use bondproof_verifier::compressed::{verify_compressed, CompressedBundle, CompressionKey};
use bondproof_verifier::{verify_bundle, ProofBundle};
use serde_json::json;

use super::keys::{SetupCheck, TrustArgs};
use super::show::{print_statement, print_unverified, statement_json};
use super::{print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The attestation bundle (`attestation.json`), or a compressed bundle (`compress`), which is
    /// checked under the same key rules (`--srs` rebuilds the compression key and the inner keys it embeds).
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

/// A compressed bundle, under the same key rules as a direct one: with `--srs` the compression
/// key is rebuilt from the circuit code and the ceremony (its inner keys too, since the outer
/// circuit embeds them) and a pinned `--vk` must equal it; else the pinned key's setup is checked
/// by `--setup-id` or explicitly left unchecked. Then the outer proof, the accumulator's pairing,
/// and each inner statement.
fn verify_compressed_bundle(a: &Args, json: bool) -> Result<(), Failure> {
    let t = &a.trust;
    let name = a.attestation.display();
    let pinned =
        t.vk.as_ref()
            .map(|p| {
                CompressionKey::read(p)
                    .map_err(|e| Error::VerifyingKey { path: p.display().to_string(), message: e.to_string() })
            })
            .transpose()?;
    let bundle = CompressedBundle::read(&a.attestation).map_err(|e| Error::Invalid(e.to_string()))?;
    let (key, check) = match &t.srs {
        Some(srs) => {
            // Without a pinned key the outer k and the depths are the bundle's claims: other
            // values give another key, which the proof does not verify against.
            let (k, depths): (u32, Vec<u32>) = match &pinned {
                Some(p) => (p.k(), p.header.inner.iter().map(|i| i.depth).collect()),
                None => (
                    bundle.k.ok_or_else(|| {
                        Error::Usage(format!("{name} does not record its outer k: pin its compression key with --vk"))
                    })?,
                    bundle.inner.iter().map(|i| i.circuit.depth).collect(),
                ),
            };
            let pb = spinner(json);
            let step = |m: &str| pb.set_message(format!("rebuilding the compression key: {m}"));
            let rebuilt = rebuild_compression_key(srs, k, &depths, &step);
            pb.finish_and_clear();
            let RebuiltCompressionKey { key, file_sha256, format } = rebuilt?;
            if let Some(p) = &pinned {
                key.check_pinned(p).map_err(|e| Error::Refused(e.to_string()))?;
            }
            (key, SetupCheck::Ceremony { file: srs.clone(), sha256: file_sha256, format })
        }
        None => {
            let key = pinned.expect("clap requires --vk without --srs");
            let check = t.named_setup(&key.setup_id(), key.has_standard_generators())?;
            (key, check)
        }
    };
    let statements = verify_compressed(&bundle, &key).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
    if json {
        print_json(&json!({
            "ok": true, "valid": true, "compressed": true, "vk_hash": key.hash_hex(), "k": key.k(),
            "key": {"vk_hash": key.hash_hex(), "k": key.k(), "pinned": t.vk,
                "rebuilt": matches!(check, SetupCheck::Ceremony { .. })},
            "setup": check.json(&key.setup_id()),
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
    check.print(&key.hash_hex(), &key.setup_id(), t.vk.as_deref());
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
