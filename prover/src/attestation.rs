//! The `prove` flow: commitment + liabilities + parameters -> a verified proof bundle and the
//! verifying key beside it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bondproof_circuits::public_inputs::domain_tag;
use bondproof_circuits::{Fr, SolvencyPublicInputs};
use bondproof_verifier::bundle::{CircuitInfo, Metadata, PolicyRecord, ProofBundle, PublicInputsJson, FORMAT_VERSION};
use bondproof_verifier::verify::verify_proof_bytes;
use bondproof_verifier::VerifierKey;
use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use ff::Field;

use crate::commitment::Commitment;
use crate::input_error::InputError;
use crate::keys::{load_for_proving, CircuitKind, KeyError, ProvingSetup};
use crate::liabilities::{load_liabilities, Liabilities};

pub struct ProveRequest<'a> {
    pub commitment: &'a Path,
    pub liabilities: &'a Path,
    pub params: &'a Path,
    pub out: &'a Path,
    /// `None`: 10000, or the policy's minimum when a policy is given.
    pub ratio_bps: Option<u32>,
    pub domain: Option<(u64, [u8; 20])>,
    pub custodian: Option<String>,
    /// Prove under this policy file (circuit `policy-solvency`) instead of plain solvency.
    pub policy: Option<&'a Path>,
}

impl ProveRequest<'_> {
    /// The domain public input: the registry the proof is bound to, or 0.
    pub fn domain_tag(&self) -> Fr {
        self.domain.map_or(Fr::ZERO, |(chain, registry)| domain_tag(chain, registry))
    }
}

pub struct ProveOutcome {
    pub bundle: ProofBundle,
    pub vk_path: PathBuf,
    pub total_cents: u128,
    pub liabilities: Liabilities,
    pub insecure_setup: bool,
    pub keys_generated: bool,
    pub keygen: Duration,
    pub prove: Duration,
    pub verify: Duration,
    /// With a policy: its name and the reserves counted after haircuts.
    pub policy: Option<(String, u128)>,
}

#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Keys(#[from] KeyError),
    #[error("reserves of {} do not cover liabilities of {} at a ratio of {ratio_bps} bps (needed {}): no proof can be made", usd(*total), usd(*liabilities), usd_ceil(*liabilities * *ratio_bps as u128, 10_000))]
    Uncovered { total: u128, liabilities: u128, ratio_bps: u32 },
    #[error("{0}")]
    Proof(String),
    #[error("{0}")]
    Policy(#[from] crate::policy_prove::PolicyProveError),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

impl AttestError {
    /// 1 when the statement cannot be proved, 2 when the input or the environment is at fault.
    pub fn exit_code(&self) -> i32 {
        match self {
            AttestError::Uncovered { .. } | AttestError::Proof(_) => 1,
            AttestError::Policy(e) => e.exit_code(),
            _ => 2,
        }
    }
}

/// `$1,234.56` from cents.
pub fn usd(cents: u128) -> String {
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

fn usd_ceil(num: u128, den: u128) -> String {
    usd(num.div_ceil(den))
}

/// The path `<stem>.vk.bin` beside an output file.
pub fn vk_path_for(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "attestation".into());
    out.with_file_name(format!("{stem}.vk.bin"))
}

pub fn prove_attestation(req: &ProveRequest, on_step: &dyn Fn(&str)) -> Result<ProveOutcome, AttestError> {
    if let Some(policy) = req.policy {
        return prove_policy_attestation(req, policy, on_step);
    }
    let ratio_bps = req.ratio_bps.unwrap_or(10_000);
    on_step("reading the commitment");
    let (commitment, leaves, tree) = Commitment::read(req.commitment)?;
    let liabilities = load_liabilities(req.liabilities)?;
    let total = tree.total();
    if total * 10_000 < liabilities.total_cents * ratio_bps as u128 {
        return Err(AttestError::Uncovered { total, liabilities: liabilities.total_cents, ratio_bps });
    }
    let ProvingSetup { params, info, keys, keygen } = load_for_proving(CircuitKind::Solvency, req.params, commitment.depth, on_step)?;

    let inputs = SolvencyPublicInputs {
        root: tree.root(),
        liabilities: liabilities.total_cents,
        ratio_bps,
        epoch: commitment.epoch,
        domain: req.domain_tag(),
    };
    on_step("proving");
    let t = Instant::now();
    let circuit_leaves: Vec<_> = leaves.iter().map(|l| l.to_leaf()).collect();
    let circuit = crate::prove::solvency_circuit(&circuit_leaves, &inputs);
    let proof = crate::prove::prove(&params, &keys.pk, circuit, &inputs.to_instances()).map_err(|e| AttestError::Proof(e.to_string()))?;
    let prove = t.elapsed();
    finish(
        req,
        Proved {
            circuit: "solvency",
            k: params.k(),
            depth: commitment.depth,
            instances: inputs.to_instances(),
            inputs,
            proof,
            vk: keys.vk,
            as_of: commitment.as_of,
            insecure_setup: info.insecure,
            keys_generated: keys.generated,
            keygen,
            prove,
            total_cents: total,
            liabilities,
            policy: None,
        },
        on_step,
    )
}

/// A proof just made, by either flow, not yet verified or written.
struct Proved {
    circuit: &'static str,
    k: u32,
    depth: usize,
    inputs: SolvencyPublicInputs,
    /// All the public inputs (a policy proof's include the policy).
    instances: Vec<Fr>,
    proof: Vec<u8>,
    vk: VerifierKey,
    as_of: String,
    insecure_setup: bool,
    keys_generated: bool,
    keygen: Duration,
    prove: Duration,
    total_cents: u128,
    liabilities: Liabilities,
    /// The policy proved, and the reserves counted after its haircuts.
    policy: Option<(PolicyRecord, u128)>,
}

/// Verifies the proof (nothing is written unless it verifies), then writes the verifying key
/// and the bundle.
fn finish(req: &ProveRequest, p: Proved, on_step: &dyn Fn(&str)) -> Result<ProveOutcome, AttestError> {
    on_step("verifying");
    let t = Instant::now();
    verify_proof_bytes(&p.vk, &p.instances, &p.proof).map_err(|e| AttestError::Proof(e.to_string()))?;
    let verify = t.elapsed();
    let bundle = ProofBundle {
        format_version: FORMAT_VERSION,
        circuit: CircuitInfo { name: p.circuit.into(), k: p.k, depth: p.depth as u32 },
        public_inputs: PublicInputsJson::from_inputs(&p.inputs),
        proof: format!("0x{}", hex::encode(&p.proof)),
        vk_hash: p.vk.hash_hex(),
        metadata: Metadata {
            as_of: p.as_of,
            created_at: created_at(),
            custodian: req.custodian.clone(),
            insecure_setup: p.insecure_setup,
            prover: PROVER.into(),
        },
        policy: p.policy.as_ref().map(|(record, _)| record.clone()),
    };
    let vk_path = write_outputs(&bundle, &p.vk.bytes, req.out)?;
    Ok(ProveOutcome {
        bundle,
        vk_path,
        total_cents: p.total_cents,
        liabilities: p.liabilities,
        insecure_setup: p.insecure_setup,
        keys_generated: p.keys_generated,
        keygen: p.keygen,
        prove: p.prove,
        verify,
        policy: p.policy.map(|(record, counted)| (record.parameters.name, counted)),
    })
}

/// What a bundle records as its prover.
pub const PROVER: &str = concat!("bondproof ", env!("CARGO_PKG_VERSION"));

/// Now, as a bundle records it (RFC 3339, UTC, seconds).
pub fn created_at() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Writes the verifying key beside the bundle, then the bundle; returns the key's path.
fn write_outputs(bundle: &ProofBundle, vk_bytes: &[u8], out: &Path) -> Result<PathBuf, AttestError> {
    let vk_path = vk_path_for(out);
    let write_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| AttestError::Write { path, source }
    };
    bondproof_verifier::atomic::write_atomic(&vk_path, vk_bytes).map_err(write_err(&vk_path))?;
    bundle.write(out).map_err(write_err(out))?;
    Ok(vk_path)
}

fn prove_policy_attestation(req: &ProveRequest, policy: &Path, on_step: &dyn Fn(&str)) -> Result<ProveOutcome, AttestError> {
    use crate::policy_prove::{prove_policy_from_commitment, POLICY_CIRCUIT};
    let p = prove_policy_from_commitment(req, policy, on_step)?;
    let record = PolicyRecord { parameters: p.policy, as_of_days: p.inputs.as_of_days };
    finish(
        req,
        Proved {
            circuit: POLICY_CIRCUIT,
            k: p.k,
            depth: p.depth,
            instances: p.inputs.to_instances(),
            inputs: p.inputs.solvency,
            proof: p.proof,
            vk: p.vk,
            as_of: p.as_of,
            insecure_setup: p.insecure_setup,
            keys_generated: p.keys_generated,
            keygen: p.keygen,
            prove: p.prove,
            total_cents: p.report.face_total,
            liabilities: p.liabilities,
            policy: Some((record, p.report.counted_total)),
        },
        on_step,
    )
}
