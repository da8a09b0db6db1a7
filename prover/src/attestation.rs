//! The proving flow, one for every attestation: commitment + liabilities + policy + parameters
//! -> a verified proof bundle and the verifying key beside it.
//!
//! In order, and nothing is written unless every step passes:
//! 1. the commitment is read once (its root recomputed from the leaves);
//! 2. the policy (`--policy FILE`, or [`Policy::par`]) is checked natively on the leaves: a
//!    violation names the positions (exit 2), before any key is loaded;
//! 3. the [`AttestationStatement`] is built: root, epoch, custodian, as-of day, ratio (the
//!    policy's `min_ratio_bps` unless given), the policy's public encoding and the liabilities
//!    table;
//! 4. coverage is checked natively, exactly as the circuit compares it: reserves counted after
//!    haircuts that do not cover the table's sum at the ratio are refused (exit 1);
//! 5. parameters and keys are loaded (or generated and cached), the proof is made, and verified
//!    with the verifying key that is about to be written;
//! 6. the verifying key and the bundle are written atomically.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use bondproof_circuits::merkle_sum::Leaf;
use bondproof_circuits::policy::{Policy, PolicyReport};
use bondproof_circuits::{AttestationCircuit, AttestationStatement, AttestationWitness, CircuitKind};
use bondproof_verifier::bundle::{
    address_hex, CircuitInfo, DeploymentLabel, Metadata, ProofBundle, StatementJson, Transcript, FORMAT_VERSION,
};
use bondproof_verifier::verify::verify_proof_with;

use crate::commitment::Commitment;
use crate::error::{Error, Result};
use crate::ingest::{circuit_days, load_liabilities, parse_date, InputError, Liabilities, LineKind};
use crate::keys::{load_for_proving, ProvingSetup};

pub use crate::error::usd;

/// What to prove, and where to write it.
pub struct ProveRequest<'a> {
    pub commitment: &'a Path,
    pub liabilities: &'a Path,
    pub params: &'a Path,
    /// The bundle; the verifying key goes beside it as `<stem>.vk.bin`.
    pub out: &'a Path,
    /// `None`: the policy's `min_ratio_bps`.
    pub ratio_bps: Option<u32>,
    /// A policy file; `None`: [`Policy::par`], the default policy.
    pub policy: Option<&'a Path>,
    /// The custodian's address, a public input: the registry accepts the attestation only from
    /// it. The zero address is allowed (for a first run) and accepted by no registry.
    pub custodian: [u8; 20],
    /// A name for the custodian, recorded as unverified metadata.
    pub custodian_label: Option<String>,
    /// Keccak for the direct EVM verifier, Poseidon for a proof to be compressed.
    pub transcript: Transcript,
}

/// A proof made, verified and written.
pub struct ProveOutcome {
    pub bundle: ProofBundle,
    /// What the proof binds (the bundle's `public_inputs`, parsed).
    pub statement: AttestationStatement,
    pub vk_path: PathBuf,
    pub policy: Policy,
    /// The native evaluation: face total and the total counted after haircuts.
    pub report: PolicyReport,
    pub liabilities: Liabilities,
    /// Real (non-padding) leaves of the commitment.
    pub positions: usize,
    pub insecure_setup: bool,
    pub keys_generated: bool,
    pub keygen: Duration,
    pub prove: Duration,
    pub verify: Duration,
}

impl ProveOutcome {
    pub fn proof_bytes(&self) -> usize {
        self.bundle.proof.len().saturating_sub(2) / 2
    }
}

/// What a bundle records as its prover.
pub const PROVER: &str = concat!("bondproof ", env!("CARGO_PKG_VERSION"));

/// Now, as a bundle records it (RFC 3339, UTC, seconds).
pub fn created_at() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The path `<stem>.vk.bin` beside an output file.
pub fn vk_path_for(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "attestation".into());
    out.with_file_name(format!("{stem}.vk.bin"))
}

/// Reads and validates a policy file.
pub fn load_policy(path: &Path) -> Result<Policy> {
    let err = |message: String| Error::PolicyFile { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    Policy::from_json(&text).map_err(err)
}

/// The policy file, or the default policy when none is given.
pub fn policy_or_par(path: Option<&Path>) -> Result<Policy> {
    path.map_or_else(|| Ok(Policy::par()), load_policy)
}

/// The native check `commit` and `prove` run before any proving: every violating position.
pub fn check_policy(policy: &Policy, leaves: &[Leaf], as_of_days: u64) -> Result<PolicyReport> {
    let report = policy.evaluate(leaves, as_of_days);
    if !report.ok() {
        return Err(Error::Violations { policy: policy.name.clone(), violations: report.violations });
    }
    Ok(report)
}

/// The whole flow (see the module comment). `on_step` names each long step for a progress line.
pub fn prove_attestation(req: &ProveRequest, on_step: &dyn Fn(&str)) -> Result<ProveOutcome> {
    on_step("reading the commitment, the policy and the liabilities");
    let (commitment, leaves, tree) = Commitment::read_for_proving(req.commitment)?;
    let as_of_days = parse_date(&commitment.as_of)
        .and_then(circuit_days)
        .map_err(|m| InputError::new(req.commitment, format!("as-of date: {m}")).field("as_of"))?;
    let policy = policy_or_par(req.policy)?;
    let report = check_policy(&policy, &leaves, as_of_days)?;
    let liabilities = load_liabilities(req.liabilities)?;
    let ratio_bps = match req.ratio_bps {
        Some(r) => r,
        // `Policy::validate` keeps it below 2^32.
        None => u32::try_from(policy.min_ratio_bps).map_err(|_| Error::PolicyFile {
            path: req.policy.map_or("par".into(), |p| p.display().to_string()),
            message: "min_ratio_bps must be below 2^32".into(),
        })?,
    };
    let statement = AttestationStatement {
        root: tree.root().hash(),
        epoch: commitment.epoch,
        custodian: req.custodian,
        as_of_days,
        ratio_bps,
        policy: policy.instance(),
        deployments: liabilities.table(),
    };
    // The same comparison the circuit makes, on the same table: if this fails no proof exists.
    if !report.covers(statement.liabilities_cents(), u64::from(ratio_bps)) {
        return Err(Error::Uncovered {
            policy: policy.name.clone(),
            counted_cents: report.counted_cents(),
            liabilities_cents: statement.liabilities_cents(),
            ratio_bps,
        });
    }

    let ProvingSetup { params, info, keys, keygen } =
        load_for_proving(CircuitKind::Attestation, req.params, commitment.depth, on_step)?;
    on_step("proving");
    let t = Instant::now();
    let instances = statement.to_instances();
    let circuit = AttestationCircuit::new(AttestationWitness::new(tree, statement));
    let proof = crate::prove::prove_with(&params, &keys.pk, circuit, &instances, req.transcript)?;
    let prove = t.elapsed();

    // Nothing is written unless the proof verifies with the key written beside it.
    on_step("verifying");
    let t = Instant::now();
    verify_proof_with(&keys.vk, &instances, &proof, req.transcript)
        .map_err(|e| Error::Proof(format!("the proof just made does not verify: {e}")))?;
    let verify = t.elapsed();

    let bundle = ProofBundle {
        format_version: FORMAT_VERSION,
        circuit: CircuitInfo {
            name: CircuitKind::Attestation.name().into(),
            k: params.k(),
            depth: commitment.depth as u32,
        },
        public_inputs: StatementJson::from_statement(&statement),
        proof: format!("0x{}", hex::encode(&proof)),
        transcript: req.transcript,
        vk_hash: keys.vk.hash_hex(),
        metadata: Metadata {
            policy: policy.name.clone(),
            as_of: commitment.as_of.clone(),
            created_at: created_at(),
            custodian: req.custodian_label.clone(),
            deployments: deployment_labels(&liabilities),
            insecure_setup: info.insecure,
            prover: PROVER.into(),
        },
    };
    let vk_path = vk_path_for(req.out);
    bondproof_verifier::atomic::write_atomic(&vk_path, &keys.vk.bytes).map_err(Error::write(&vk_path))?;
    bundle.write(req.out).map_err(Error::write(req.out))?;
    Ok(ProveOutcome {
        bundle,
        statement,
        vk_path,
        policy,
        report,
        liabilities,
        positions: commitment.positions,
        insecure_setup: info.insecure,
        keys_generated: keys.generated,
        keygen,
        prove,
        verify,
    })
}

/// The unproved labels of each line, in slot order: its kind, chain, token and registry as the
/// liabilities file names them (the proved part is the slot's domain and supply).
fn deployment_labels(liabilities: &Liabilities) -> Vec<DeploymentLabel> {
    liabilities
        .deployments
        .iter()
        .enumerate()
        .map(|(slot, line)| match &line.kind {
            LineKind::OnChain { chain_id, token, registry, block, .. } => DeploymentLabel {
                slot,
                kind: "chain".into(),
                chain_id: Some(*chain_id),
                token: Some(address_hex(token)),
                registry: Some(address_hex(registry)),
                register: None,
                nav_usd: Some(line.nav_usd.to_string()),
                block_number: block.map(|b| b.number),
                block_hash: block.map(|b| format!("0x{}", hex::encode(b.hash))),
            },
            LineKind::BookEntry { register, .. } => DeploymentLabel {
                slot,
                kind: "book-entry".into(),
                chain_id: None,
                token: None,
                registry: None,
                register: Some(*register),
                nav_usd: Some(line.nav_usd.to_string()),
                block_number: None,
                block_hash: None,
            },
        })
        .collect()
}
