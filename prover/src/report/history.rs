//! The attestation history: every `*.json` in the folder, each verified against the pinned key
//! while the report is built. A bundle that does not verify (or does not parse) stays in the
//! history as failed, with the reason: a report never drops a file it was given.

use std::path::Path;

use bondproof_circuits::AttestationStatement;
use bondproof_verifier::bundle::{
    address_hex, domain_json, fr_hex, fr_to_decimal, Metadata, PolicyJson, ProofBundle, FORMAT_VERSION,
};
use bondproof_verifier::{verify_bundle, VerifierKey};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::ingest::iso_day;

/// One file of the folder.
pub struct Entry {
    /// The file's name in the folder (and under `bundles/` in the site).
    pub file: String,
    /// The bytes that were verified: the site publishes exactly these, not a second read.
    /// `None` for a file that is not an attestation bundle at all: it is listed as failed but
    /// not published (it could be anything the folder happened to hold).
    pub bytes: Option<Vec<u8>>,
    pub outcome: Outcome,
}

pub enum Outcome {
    /// The proof verifies against the pinned key: `statement` is what it proves.
    Verified { statement: Box<AttestationStatement>, metadata: Metadata },
    /// It does not, or the file is not a bundle. `claimed_epoch` is the epoch the file states,
    /// if it states one: only used to place the row, and always shown as claimed.
    Failed { reason: String, claimed_epoch: Option<u64> },
}

impl Entry {
    /// The proved epoch, or the claimed one of a failed bundle.
    pub fn epoch(&self) -> Option<u64> {
        match &self.outcome {
            Outcome::Verified { statement, .. } => Some(statement.epoch),
            Outcome::Failed { claimed_epoch, .. } => *claimed_epoch,
        }
    }

    pub fn verified(&self) -> Option<(&AttestationStatement, &Metadata)> {
        match &self.outcome {
            Outcome::Verified { statement, metadata } => Some((statement, metadata)),
            Outcome::Failed { .. } => None,
        }
    }

    pub fn is_verified(&self) -> bool {
        self.verified().is_some()
    }

    /// Where the site publishes the file (`bundles/<name>`), or `None` if it does not.
    pub fn published_path(&self) -> Option<String> {
        self.bytes.as_ref().map(|_| format!("bundles/{}", self.file))
    }
}

/// Reads every `*.json` file in `dir` (not its subfolders) and verifies each against `key`, in
/// parallel. Sorted by epoch (proved, or claimed by a failed bundle), files without an epoch
/// last, then by file name.
pub fn load(dir: &Path, key: &VerifierKey) -> Result<Vec<Entry>> {
    let bad = |message: String| Error::Usage(format!("{}: {message}", dir.display()));
    let listing = std::fs::read_dir(dir).map_err(|e| bad(format!("cannot read the attestations folder: {e}")))?;
    let mut files = Vec::new();
    for item in listing {
        let item = item.map_err(|e| bad(format!("cannot list the attestations folder: {e}")))?;
        let path = item.path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(bad("no attestation bundles (*.json files) in this folder".into()));
    }
    files.sort();
    let mut entries = files
        .par_iter()
        .map(|path| {
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes =
                std::fs::read(path).map_err(|e| Error::Usage(format!("{}: cannot read: {e}", path.display())))?;
            let value = serde_json::from_slice::<Value>(&bytes).ok();
            // The custodian's commitment holds every position and salt: publishing the folder
            // must never publish it, so its presence is an error, not a failed entry.
            if value.as_ref().is_some_and(|v| v.get("leaves").is_some() && v.get("proof").is_none()) {
                return Err(Error::Usage(format!(
                    "{}: this is a custodian's private commitment (every position and its salt), not an attestation \
                     bundle; move it out of the attestations folder, whose files the report publishes",
                    path.display()
                )));
            }
            let (outcome, is_bundle) = check(value, key);
            Ok(Entry { file, bytes: is_bundle.then_some(bytes), outcome })
        })
        .collect::<Result<Vec<_>>>()?;
    entries.sort_by(|a, b| (a.epoch().is_none(), a.epoch(), &a.file).cmp(&(b.epoch().is_none(), b.epoch(), &b.file)));
    Ok(entries)
}

/// One file's verdict, and whether it is an attestation bundle at all (only those are
/// published). Everything wrong with a bundle is a failed entry, not an error.
fn check(value: Option<Value>, key: &VerifierKey) -> (Outcome, bool) {
    let Some(value) = value else {
        return (Outcome::Failed { reason: "not a proof bundle: not JSON".into(), claimed_epoch: None }, false);
    };
    let claimed_epoch = value.pointer("/public_inputs/epoch").and_then(Value::as_str).and_then(|s| s.parse().ok());
    let failed = |reason: String, is_bundle: bool| (Outcome::Failed { reason, claimed_epoch }, is_bundle);
    match value.get("format_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => return failed(format!("not a proof bundle of format {FORMAT_VERSION} (format_version {v})"), false),
        None => return failed("not a proof bundle (no format_version)".into(), false),
    }
    // An inclusion bundle names one position and its face value: not an attestation, and never
    // published by the report.
    let bundle = match serde_json::from_value::<ProofBundle>(value) {
        Ok(b) if b.circuit.name == bondproof_circuits::CircuitKind::Attestation.name() => b,
        Ok(b) => return failed(format!("not an attestation bundle (circuit '{}')", b.circuit.name), false),
        Err(e) => return failed(format!("not an attestation bundle: {e}"), false),
    };
    match verify_bundle(&bundle, key) {
        Ok(statement) => (Outcome::Verified { statement: Box::new(statement), metadata: bundle.metadata }, true),
        Err(e) => failed(e.to_string(), true),
    }
}

/// The latest entry: the highest epoch (proved, or claimed by a failed bundle). A failed bundle
/// claiming a later epoch than every verified one is the latest, and the page says it failed.
pub fn latest(entries: &[Entry]) -> Option<&Entry> {
    entries.iter().rfind(|e| e.epoch().is_some()).or(entries.last())
}

/// The proven lower bound on counted reserves, in cents: the circuit proves counted reserves
/// (after haircuts) >= liabilities * ratio_bps / 10000; rounded down, so still a lower bound.
pub fn proven_minimum_cents(s: &AttestationStatement) -> u128 {
    s.liabilities_cents() * u128::from(s.ratio_bps) / 10_000
}

/// `site/attestations.json`: the same history as the page, every entry with its status; for a
/// verified one its proved statement and, apart, the bundle's unverified labels; for a failed
/// one the reason and only the epoch it claims.
pub fn history_json(entries: &[Entry], key: &VerifierKey, trust: &super::trust::Trust) -> Value {
    let attestations: Vec<Value> = entries
        .iter()
        .map(|e| match &e.outcome {
            Outcome::Verified { statement: s, metadata } => json!({
                "file": e.published_path(),
                "name": e.file,
                "status": "verified",
                "proved": {
                    "root": fr_hex(&s.root),
                    "epoch": s.epoch,
                    "custodian": address_hex(&s.custodian),
                    "as_of_days": s.as_of_days,
                    "as_of": iso_day(s.as_of_days),
                    "ratio_bps": s.ratio_bps,
                    "liabilities_cents": s.liabilities_cents().to_string(),
                    "proven_minimum_reserves_cents": proven_minimum_cents(s).to_string(),
                    "policy": PolicyJson::from_instance(&s.policy),
                    "registry_policy_id": format!("0x{}", hex::encode(bondproof_verifier::solidity::policy_id(&s.policy))),
                    "deployments": s.used_deployments().map(|(slot, d)| json!({
                        "slot": slot,
                        "domain": fr_to_decimal(&d.domain),
                        "decoded": domain_json(&d.domain),
                        "supply_cents": d.supply_cents.to_string(),
                    })).collect::<Vec<_>>(),
                },
                "unverified": metadata,
            }),
            Outcome::Failed { reason, claimed_epoch } => json!({
                "file": e.published_path(),
                "name": e.file,
                "status": "failed",
                "error": reason,
                "claimed_epoch_unverified": claimed_epoch,
            }),
        })
        .collect();
    let verified = entries.iter().filter(|e| e.is_verified()).count();
    let latest = latest(entries).map(|e| {
        json!({"file": e.published_path(),
                "name": e.file, "epoch": e.epoch(),
            "status": if e.is_verified() { "verified" } else { "failed" }})
    });
    json!({
        "format": "bondproof-report/1",
        "generated_by": crate::attestation::PROVER,
        "verifying_key": {
            "file": "attestation.vk.bin",
            "hash": key.hash_hex(),
            "circuit": key.circuit.name(),
            "depth": key.depth,
            "k": key.k(),
            "setup_id": key.setup_id(),
            "setup_check": trust.json(),
        },
        "summary": {"attestations": entries.len(), "verified": verified, "failed": entries.len() - verified, "latest": latest},
        "attestations": attestations,
    })
}
