//! Proving under a policy (issue 7): `prove --policy FILE`. The holdings are checked natively
//! against the policy first (a violation names the positions at fault, exit 2), then the
//! [`PolicySolvencyCircuit`] is proved with the policy's parameters as public inputs and the
//! proof verified before it is returned.
//!
//! Keys are cached beside the parameters file as `keys/policy-solvency-d<depth>-k<k>-<setup>`,
//! apart from the plain solvency keys (a different circuit at the same depth).

use std::path::Path;
use std::time::{Duration, Instant};

use bondproof_circuits::halo2_proofs::{
    halo2curves::bn256::Bn256,
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::policy::{
    policy_witness, Policy, PolicyPublicInputs, PolicyReport, PolicySolvencyCircuit, Violation, DAYS_MAX,
};
use bondproof_circuits::SolvencyPublicInputs;
use bondproof_verifier::VerifierKey;
use chrono::NaiveDate;

use crate::attestation::usd;
use crate::commitment::{days_since_epoch, Commitment};
use crate::input_error::InputError;
use crate::keys::{load_for_proving, CircuitKeys, CircuitKind, KeyError, ProvingSetup};
use crate::liabilities::{load_liabilities, Liabilities};

/// The circuit name recorded in the verifying-key file and the bundle.
pub use bondproof_circuits::policy::POLICY_CIRCUIT;

#[derive(Debug, thiserror::Error)]
pub enum PolicyProveError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{path}: {message}")]
    Policy { path: String, message: String },
    #[error("the holdings break the policy \"{policy}\":\n{}", .violations.iter().map(|v| format!("  {v}")).collect::<Vec<_>>().join("\n"))]
    Violations { policy: String, violations: Vec<Violation> },
    #[error("counted reserves of {} (after the policy's haircuts) do not cover liabilities of {} at a ratio of {ratio_bps} bps: no proof can be made", usd(*counted), usd(*liabilities))]
    Uncovered { counted: u128, liabilities: u128, ratio_bps: u32 },
    #[error("{0}")]
    Keys(#[from] KeyError),
    #[error("{0}")]
    Proof(String),
}

impl PolicyProveError {
    /// 2 for bad input (including a holdings file that breaks the policy), 1 when the
    /// statement cannot be proved.
    pub fn exit_code(&self) -> i32 {
        match self {
            PolicyProveError::Uncovered { .. } | PolicyProveError::Proof(_) => 1,
            _ => 2,
        }
    }
}

/// Reads and validates a policy file.
pub fn load_policy(path: &Path) -> Result<Policy, PolicyProveError> {
    let err = |message: String| PolicyProveError::Policy { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    Policy::from_json(&text).map_err(err)
}

/// Days since 1970-01-01 of an ISO date, checked against the circuit's bound.
pub fn as_of_days(iso: &str) -> Result<u64, String> {
    let d = NaiveDate::parse_from_str(iso, "%Y-%m-%d").map_err(|e| format!("as-of date {iso:?}: {e}"))?;
    let days = days_since_epoch(d);
    if days > DAYS_MAX {
        return Err(format!("as-of date {iso} is past the circuit's range (2149-06-06)"));
    }
    Ok(days)
}

/// The native check `commit` and `prove` run before any proving: every violating position.
pub fn check_policy(policy: &Policy, leaves: &[Leaf], as_of: u64) -> Result<PolicyReport, PolicyProveError> {
    let report = policy.evaluate(leaves, as_of);
    if !report.ok() {
        return Err(PolicyProveError::Violations { policy: policy.name.clone(), violations: report.violations });
    }
    Ok(report)
}

/// The circuit for these leaves and public inputs.
pub fn policy_circuit(leaves: &[Leaf], inputs: &PolicyPublicInputs) -> PolicySolvencyCircuit {
    let tree = TreeWitness::build(leaves);
    let depth = tree.depth();
    PolicySolvencyCircuit::new(depth, policy_witness(tree, inputs))
}

/// Proves; returns the proof bytes. The caller verifies before it writes anything
/// (`attestation::prove_attestation`).
pub fn prove_policy_leaves(
    params: &ParamsKZG<Bn256>,
    keys: &CircuitKeys,
    leaves: &[Leaf],
    inputs: &PolicyPublicInputs,
) -> Result<Vec<u8>, PolicyProveError> {
    let circuit = policy_circuit(leaves, inputs);
    crate::prove::prove(params, &keys.pk, circuit, &inputs.to_instances()).map_err(|e| PolicyProveError::Proof(e.to_string()))
}

pub struct PolicyProof {
    pub policy: Policy,
    /// The commitment's as-of date (ISO), for the bundle's metadata.
    pub as_of: String,
    pub inputs: PolicyPublicInputs,
    pub report: PolicyReport,
    pub liabilities: Liabilities,
    pub proof: Vec<u8>,
    pub vk: VerifierKey,
    pub k: u32,
    pub depth: usize,
    pub insecure_setup: bool,
    pub keys_generated: bool,
    pub keygen: Duration,
    pub prove: Duration,
}

/// The whole `prove --policy` flow up to the proof (the caller writes the bundle and the key).
/// `policy` is the file the caller took out of `req.policy`.
pub fn prove_policy_from_commitment(
    req: &crate::attestation::ProveRequest,
    policy: &Path,
    on_step: &dyn Fn(&str),
) -> Result<PolicyProof, PolicyProveError> {
    on_step("reading the policy and the commitment");
    let policy = load_policy(policy)?;
    let (commitment, leaves, tree) = Commitment::read(req.commitment)?;
    let as_of = as_of_days(&commitment.as_of).map_err(|m| InputError::new(req.commitment, m))?;
    let circuit_leaves: Vec<Leaf> = leaves.iter().map(|l| l.to_leaf()).collect();
    let report = check_policy(&policy, &circuit_leaves, as_of)?;
    let liabilities = load_liabilities(req.liabilities)?;
    let ratio_bps = req.ratio_bps.unwrap_or(policy.min_ratio_bps as u32);
    if !report.covers(liabilities.total_cents, u64::from(ratio_bps)) {
        return Err(PolicyProveError::Uncovered { counted: report.counted_total, liabilities: liabilities.total_cents, ratio_bps });
    }
    let ProvingSetup { params, info, keys, keygen } = load_for_proving(CircuitKind::Policy, req.params, commitment.depth, on_step)?;
    let inputs = PolicyPublicInputs {
        solvency: SolvencyPublicInputs {
            root: tree.root(),
            liabilities: liabilities.total_cents,
            ratio_bps,
            epoch: commitment.epoch,
            domain: req.domain_tag(),
        },
        as_of_days: as_of,
        policy: policy.instance(),
    };
    on_step("proving");
    let t = Instant::now();
    let proof = prove_policy_leaves(&params, &keys, &circuit_leaves, &inputs)?;
    let prove = t.elapsed();
    Ok(PolicyProof {
        as_of: commitment.as_of.clone(),
        policy,
        inputs,
        report,
        liabilities,
        proof,
        k: params.k(),
        depth: commitment.depth,
        insecure_setup: info.insecure,
        keys_generated: keys.generated,
        vk: keys.vk,
        keygen,
        prove,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::circuit_keys;
    use bondproof_circuits::Fr;
    use ff::Field;
    use bondproof_verifier::verify::verify_proof_bytes;
    use bondproof_circuits::policy::cusip_field;

    fn leaves(depth: usize, positions: &[(&str, u64, u64)]) -> Vec<Leaf> {
        (0..1usize << depth)
            .map(|i| {
                let salt = Fr::from(77 + i as u64);
                match positions.get(i) {
                    Some(&(c, face, mat)) => {
                        Leaf::new(cusip_field(c.as_bytes().try_into().expect("9")), face, mat, salt)
                    }
                    None => Leaf::new(Fr::ZERO, 0, 0, salt),
                }
            })
            .collect()
    }

    /// A real prove/verify round trip per preset, and a changed policy parameter rejected.
    #[test]
    fn round_trip_per_preset() {
        bondproof_circuits::ensure_max_degree();
        let depth = 2;
        let as_of = 20_600;
        let ls = leaves(depth, &[("912797UD7", 6_000_00, as_of + 3), ("912797WA1", 3_000_00, as_of + 30), ("91282CHX2", 1_000_00, as_of + 300)]);
        let root = TreeWitness::build(&ls).root().hash();
        let k = PolicySolvencyCircuit::min_k(depth);
        let params = crate::keys::setup_insecure(k);
        let keys = circuit_keys(CircuitKind::Policy, None, &params, depth).expect("keys");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/policies");
        for name in ["par", "sec-15c3-1", "basel", "rule-2a-7"] {
            let policy = load_policy(&Path::new(dir).join(format!("{name}.json"))).expect("preset");
            let report = check_policy(&policy, &ls, as_of).expect("compliant");
            let inputs = PolicyPublicInputs {
                solvency: SolvencyPublicInputs { root, liabilities: report.counted_total, ratio_bps: 10_000, epoch: 1, domain: Fr::ZERO },
                as_of_days: as_of,
                policy: policy.instance(),
            };
            let proof = prove_policy_leaves(&params, &keys, &ls, &inputs).unwrap_or_else(|e| panic!("{name}: {e}"));
            verify_proof_bytes(&keys.vk, &inputs.to_instances(), &proof).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut changed = inputs.to_instances();
            changed[PolicyPublicInputs::MAX_MATURITY] += Fr::ONE;
            assert!(verify_proof_bytes(&keys.vk, &changed, &proof).is_err(), "{name}");
        }
    }

    /// Prove time of the plain and the policy circuit at the same depths, in one run:
    /// `cargo test -p bondproof-prover --release --lib policy_prove::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        use bondproof_circuits::SolvencyCircuit;
        bondproof_circuits::ensure_max_degree();
        let as_of = 20_600;
        let policy: Policy = Policy::from_json(include_str!("../../fixtures/policies/sec-15c3-1.json")).expect("preset");
        for depth in [3usize, 5, 8] {
            let n = (1usize << depth) - 1;
            // Distinct valid Treasury CUSIPs 912797AA?.. in increasing order.
            let mut pos = Vec::new();
            for i in 0..n {
                let mut c = *b"912797AA0";
                c[6] = b'A' + (i / 26) as u8;
                c[7] = b'A' + (i % 26) as u8;
                c[8] = b'0' + bondproof_circuits::policy::cusip_check_digit(&c[..8]).expect("valid") as u8;
                pos.push((String::from_utf8(c.to_vec()).expect("ascii"), 1_000_000_00u64, as_of + 10 + i as u64));
            }
            let refs: Vec<(&str, u64, u64)> = pos.iter().map(|(c, f, m)| (c.as_str(), *f, *m)).collect();
            let ls = leaves(depth, &refs);
            let report = check_policy(&policy, &ls, as_of).expect("compliant");
            let root = TreeWitness::build(&ls).root().hash();
            let solv = SolvencyPublicInputs { root, liabilities: report.counted_total, ratio_bps: 10_000, epoch: 1, domain: Fr::ZERO };
            // Plain.
            let kp = SolvencyCircuit::min_k(depth);
            let params = crate::keys::setup_insecure(kp);
            let plain_keys = circuit_keys(CircuitKind::Solvency, None, &params, depth).expect("keys");
            // Best of three: single runs on 2 cores vary by a fifth.
            let best = |f: &dyn Fn()| {
                (0..3)
                    .map(|_| {
                        let t = Instant::now();
                        f();
                        t.elapsed()
                    })
                    .min()
                    .expect("three runs")
            };
            let plain = best(&|| {
                crate::prove::prove(&params, &plain_keys.pk, crate::prove::solvency_circuit(&ls, &solv), &solv.to_instances())
                    .expect("plain");
            });
            // Policy.
            let k = PolicySolvencyCircuit::min_k(depth);
            let params = crate::keys::setup_insecure(k);
            let keys = circuit_keys(CircuitKind::Policy, None, &params, depth).expect("keys");
            let inputs = PolicyPublicInputs { solvency: solv, as_of_days: as_of, policy: policy.instance() };
            let pol = best(&|| {
                crate::prove::prove(&params, &keys.pk, policy_circuit(&ls, &inputs), &inputs.to_instances()).expect("policy");
            });
            println!(
                "depth {depth}: plain rows {} k {kp} prove {:.2?} | policy rows {} k {k} prove {:.2?} (best of 3)",
                SolvencyCircuit::rows(depth),
                plain,
                PolicySolvencyCircuit::rows(depth),
                pol
            );
        }
    }
}
