//! A real keygen / prove / verify round trip at a small depth, and the verifier's rejections.
//!
//! Proving is the slow part, so one proof is made once (first test to need it) and every negative
//! case tampers with a copy of it. Each rejection is checked to be an `Err`, never an unwinding
//! panic: a verifier that panics on hostile input is a denial of service for whoever runs it.

use std::sync::OnceLock;

use bondproof_circuits::public_inputs::domain_tag;
use bondproof_circuits::{Fr, SolvencyCircuit, SolvencyPublicInputs};
use bondproof_prover::attestation::{prove_attestation, ProveRequest};
use bondproof_prover::commitment::commit;
use bondproof_prover::holdings::{aggregate_by_cusip, load_holdings};
use bondproof_prover::keys::{circuit_keys, params_for, setup_insecure, write_params, CircuitKind, ParamsInfo};
use bondproof_verifier::bundle::PublicInputsJson;
use bondproof_verifier::verify::verify_proof_bytes;
use bondproof_verifier::{verify_bundle, ProofBundle, VerifierKey, VerifyError};
use chrono::NaiveDate;
use ff::Field;

const DEPTH: usize = 2;
const OTHER_DEPTH: usize = 3;
const EPOCH: u64 = 7;
// Not the default 10000, so a verifier that silently assumed 100% would be caught.
const RATIO_BPS: u32 = 10_500;
const CHAIN_ID: u64 = 8453;
const REGISTRY: [u8; 20] = [0x5a; 20];

// Two accounts in one CUSIP (aggregated into one leaf), a dollar amount with cents, and a padding
// leaf: the shapes a real file has, at a size that proves in well under a second.
const HOLDINGS: &str = "cusip,face_value_usd,maturity,account\n\
912797UD7,1500000.00,2027-03-18,fund-a\n\
912797UD7,250000.50,2027-03-18,fund-b\n\
91282CJJ1,400000,2033-11-15,fund-a\n";
const RESERVES_CENTS: u128 = 215_000_050;
// 2,000,000 tokens of 6 decimals at $1: $2,000,000.00, covered at 105% by $2,150,000.50.
const LIABILITIES_JSON: &str = r#"{"deployments": [{"chain_id": 8453, "token": "0x1111111111111111111111111111111111111111",
  "decimals": 6, "total_supply": "2000000000000", "nav_usd": "1"}]}"#;
const LIABILITIES_CENTS: u128 = 200_000_000;

struct Fixture {
    key: VerifierKey,
    bundle: ProofBundle,
    proof: Vec<u8>,
    inputs: SolvencyPublicInputs,
    /// Root of the same holdings committed again with fresh salts: a genuine root, just not
    /// the one that was proved.
    other_root: Fr,
    /// Same setup and k, other tree depth: the circuit differs, nothing else does.
    other_depth_key: VerifierKey,
    /// Same circuit and depth, another (insecure) setup: a different tau.
    other_setup_key: VerifierKey,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn build_fixture() -> Fixture {
    // Everything is read back into memory, so the directory can go when this returns.
    let dir = tempfile::tempdir().unwrap();
    let holdings = dir.path().join("holdings.csv");
    std::fs::write(&holdings, HOLDINGS).unwrap();
    let liabilities = dir.path().join("liabilities.json");
    std::fs::write(&liabilities, LIABILITIES_JSON).unwrap();

    let positions = load_holdings(&holdings, as_of()).unwrap();
    let aggregated = aggregate_by_cusip(&positions, &holdings).unwrap();
    assert_eq!(aggregated.len(), 2, "the two fund-a/fund-b rows share a CUSIP");
    let (commitment, _, tree) = commit(&aggregated, EPOCH, as_of(), Some(DEPTH), &holdings).unwrap();
    assert_eq!(tree.total(), RESERVES_CENTS);
    let commitment_path = dir.path().join("commitment.json");
    commitment.write(&commitment_path).unwrap();
    let (_, _, other_tree) = commit(&aggregated, EPOCH, as_of(), Some(DEPTH), &holdings).unwrap();
    assert_ne!(other_tree.root(), tree.root(), "fresh salts give a fresh root");

    // One setup large enough for both depths; prove_attestation cuts it down to what depth 2 needs.
    let k = SolvencyCircuit::min_k(DEPTH).max(SolvencyCircuit::min_k(OTHER_DEPTH));
    let params = setup_insecure(k);
    let params_path = dir.path().join("params.bin");
    write_params(&params, &params_path, &ParamsInfo { k, insecure: true, source: "roundtrip test".into() }).unwrap();

    let out = dir.path().join("attestation.json");
    let req = ProveRequest {
        commitment: &commitment_path,
        liabilities: &liabilities,
        params: &params_path,
        out: &out,
        ratio_bps: Some(RATIO_BPS),
        domain: Some((CHAIN_ID, REGISTRY)),
        custodian: Some("roundtrip test".into()),
        policy: None,
    };
    let outcome = prove_attestation(&req, &|_| {}).expect("an honest statement proves");
    assert_eq!(outcome.total_cents, RESERVES_CENTS);
    assert_eq!(outcome.liabilities.total_cents, LIABILITIES_CENTS);

    // What a verifier has: the files on disk, not the prover's in-memory values.
    let key = VerifierKey::read(&outcome.vk_path).unwrap();
    let bundle = ProofBundle::read(&out).unwrap();
    assert_eq!(bundle, outcome.bundle);
    let proof = bundle.proof_bytes().unwrap();
    let inputs = bundle.public_inputs.to_inputs().unwrap();

    let depth_params = params_for(CircuitKind::Solvency, params.clone(), OTHER_DEPTH, &params_path).unwrap();
    let other_depth_key = circuit_keys(CircuitKind::Solvency, Some(&params_path), &depth_params, OTHER_DEPTH).unwrap().vk;
    let other_params = params_for(CircuitKind::Solvency, setup_insecure(k), DEPTH, &params_path).unwrap();
    let other_setup_key = circuit_keys(CircuitKind::Solvency, Some(&params_path), &other_params, DEPTH).unwrap().vk;

    Fixture { key, bundle, proof, inputs, other_root: other_tree.root(), other_depth_key, other_setup_key }
}

/// Runs `f`, failing the test if it unwinds: rejection must come back as a value.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what}: the verifier panicked"))
}

fn check_bytes(key: &VerifierKey, inputs: &SolvencyPublicInputs, proof: &[u8], what: &str) -> Result<(), VerifyError> {
    no_panic(what, || verify_proof_bytes(key, &inputs.to_instances(), proof))
}

fn check_bundle(bundle: &ProofBundle, key: &VerifierKey, what: &str) -> Result<SolvencyPublicInputs, VerifyError> {
    no_panic(what, || verify_bundle(bundle, key))
}

/// A public-input change must be caught by the proof itself (InvalidProof), both on raw
/// instances and through the bundle, whose JSON is what a verifier actually receives.
fn assert_statement_rejected(changed: SolvencyPublicInputs, what: &str) {
    let fx = fixture();
    assert_ne!(changed, fx.inputs, "{what}: the variant must differ from the proved inputs");
    match check_bytes(&fx.key, &changed, &fx.proof, what) {
        Err(VerifyError::InvalidProof(_)) => {}
        other => panic!("{what}: raw verification gave {other:?}, expected InvalidProof"),
    }
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs = PublicInputsJson::from_inputs(&changed);
    match check_bundle(&bundle, &fx.key, what) {
        Err(VerifyError::InvalidProof(_)) => {}
        other => panic!("{what}: bundle verification gave {other:?}, expected InvalidProof"),
    }
}

fn with(f: impl FnOnce(&mut SolvencyPublicInputs)) -> SolvencyPublicInputs {
    let mut p = fixture().inputs;
    f(&mut p);
    p
}

#[test]
fn honest_proof_verifies_with_the_statement_it_was_made_for() {
    let fx = fixture();
    let expected = SolvencyPublicInputs {
        root: fx.inputs.root,
        liabilities: LIABILITIES_CENTS,
        ratio_bps: RATIO_BPS,
        epoch: EPOCH,
        domain: domain_tag(CHAIN_ID, REGISTRY),
    };
    assert_eq!(fx.inputs, expected);
    assert_eq!(fx.bundle.circuit.depth, DEPTH as u32);
    assert_eq!(fx.bundle.circuit.k, SolvencyCircuit::min_k(DEPTH));
    assert_eq!(fx.bundle.vk_hash, fx.key.hash_hex());
    assert!(fx.bundle.metadata.insecure_setup);
    check_bytes(&fx.key, &fx.inputs, &fx.proof, "honest proof").expect("the honest proof verifies");
    assert_eq!(check_bundle(&fx.bundle, &fx.key, "honest bundle").expect("the honest bundle verifies"), expected);
}

#[test]
fn rejects_changed_root() {
    let fx = fixture();
    assert_statement_rejected(with(|p| p.root = fx.other_root), "root of the same holdings with other salts");
    assert_statement_rejected(with(|p| p.root += Fr::ONE), "root + 1");
    assert_statement_rejected(with(|p| p.root -= Fr::ONE), "root - 1");
    assert_statement_rejected(with(|p| p.root = Fr::ZERO), "root 0");
}

#[test]
fn rejects_changed_liabilities() {
    // Lower liabilities are the forger's direction; higher ones must fail too, or the statement
    // the proof binds to is not the one in the bundle.
    assert_statement_rejected(with(|p| p.liabilities -= 1), "liabilities - 1 cent");
    assert_statement_rejected(with(|p| p.liabilities += 1), "liabilities + 1 cent");
    assert_statement_rejected(with(|p| p.liabilities = 0), "liabilities 0");
    assert_statement_rejected(with(|p| p.liabilities = (1u128 << 96) - 1), "liabilities 2^96 - 1");
}

#[test]
fn rejects_changed_ratio() {
    assert_statement_rejected(with(|p| p.ratio_bps = RATIO_BPS - 1), "ratio - 1 bp");
    assert_statement_rejected(with(|p| p.ratio_bps = RATIO_BPS + 1), "ratio + 1 bp");
    assert_statement_rejected(with(|p| p.ratio_bps = 10_000), "ratio 10000 (the default)");
    assert_statement_rejected(with(|p| p.ratio_bps = 0), "ratio 0");
}

#[test]
fn rejects_changed_epoch() {
    // Replaying an old proof for a new epoch is the attack the epoch exists to stop.
    assert_statement_rejected(with(|p| p.epoch = EPOCH + 1), "epoch + 1");
    assert_statement_rejected(with(|p| p.epoch = EPOCH - 1), "epoch - 1");
    assert_statement_rejected(with(|p| p.epoch = 0), "epoch 0");
    assert_statement_rejected(with(|p| p.epoch = u64::MAX), "epoch u64::MAX");
}

#[test]
fn rejects_changed_domain() {
    // Stripping the binding (domain 0) would let a proof made for one registry be used anywhere.
    assert_statement_rejected(with(|p| p.domain = Fr::ZERO), "domain 0 (unbound)");
    assert_statement_rejected(with(|p| p.domain = domain_tag(1, REGISTRY)), "other chain, same registry");
    let mut other_registry = REGISTRY;
    other_registry[19] ^= 1;
    assert_statement_rejected(with(|p| p.domain = domain_tag(CHAIN_ID, other_registry)), "same chain, other registry");
    assert_statement_rejected(with(|p| p.domain += Fr::ONE), "domain + 1");
}

#[test]
fn rejects_wrong_number_of_public_inputs() {
    let fx = fixture();
    let instances = fx.inputs.to_instances();
    for n in [0, 4, 6] {
        let mut v = instances.clone();
        v.resize(n, Fr::ZERO);
        let r = no_panic("instance count", || verify_proof_bytes(&fx.key, &v, &fx.proof));
        assert!(r.is_err(), "{n} public inputs instead of 5 must be rejected");
    }
}

#[test]
fn rejects_bundle_whose_vk_hash_differs_from_the_pinned_key() {
    let fx = fixture();
    let mut bundle = fx.bundle.clone();
    // Last hex digit changed: the hash of some other key.
    let last = bundle.vk_hash.pop().unwrap();
    bundle.vk_hash.push(if last == '0' { '1' } else { '0' });
    assert!(matches!(check_bundle(&bundle, &fx.key, "vk hash"), Err(VerifyError::VkMismatch { .. })));
    bundle.vk_hash = String::new();
    assert!(matches!(check_bundle(&bundle, &fx.key, "empty vk hash"), Err(VerifyError::VkMismatch { .. })));
}

#[test]
fn rejects_key_of_another_depth() {
    let fx = fixture();
    let other = &fx.other_depth_key;
    assert_ne!(other.hash_hex(), fx.key.hash_hex());
    assert_eq!(other.depth, OTHER_DEPTH as u32);
    assert!(matches!(check_bundle(&fx.bundle, other, "other depth"), Err(VerifyError::VkMismatch { .. })));
    // A bundle relabelled to name the other key gets past the metadata checks: the proof itself
    // must still fail against a circuit it was not made for.
    let mut relabelled = fx.bundle.clone();
    relabelled.vk_hash = other.hash_hex();
    relabelled.circuit.depth = other.depth;
    relabelled.circuit.k = other.k();
    assert!(matches!(check_bundle(&relabelled, other, "relabelled other depth"), Err(VerifyError::InvalidProof(_))));
    assert!(matches!(check_bytes(other, &fx.inputs, &fx.proof, "other depth, raw"), Err(VerifyError::InvalidProof(_))));
}

#[test]
fn rejects_key_of_another_setup() {
    let fx = fixture();
    let other = &fx.other_setup_key;
    assert_ne!(other.hash_hex(), fx.key.hash_hex(), "the key hash must pin the setup, not only the circuit");
    assert!(matches!(check_bundle(&fx.bundle, other, "other setup"), Err(VerifyError::VkMismatch { .. })));
    let mut relabelled = fx.bundle.clone();
    relabelled.vk_hash = other.hash_hex();
    assert!(matches!(check_bundle(&relabelled, other, "relabelled other setup"), Err(VerifyError::InvalidProof(_))));
}

#[test]
fn rejects_bundle_whose_circuit_differs_from_the_pinned_key() {
    let fx = fixture();
    let mut bundle = fx.bundle.clone();
    bundle.circuit.depth = OTHER_DEPTH as u32;
    assert!(matches!(check_bundle(&bundle, &fx.key, "depth"), Err(VerifyError::CircuitMismatch { .. })));
    let mut bundle = fx.bundle.clone();
    bundle.circuit.name = "inclusion".into();
    assert!(matches!(check_bundle(&bundle, &fx.key, "name"), Err(VerifyError::CircuitMismatch { .. })));
}

#[test]
fn rejects_truncated_proof() {
    let fx = fixture();
    let n = fx.proof.len();
    for len in [0, 1, 31, 32, 64, n / 2, n - 32, n - 1] {
        let r = check_bytes(&fx.key, &fx.inputs, &fx.proof[..len], "truncated");
        assert!(matches!(r, Err(VerifyError::InvalidProof(_))), "proof cut to {len} of {n} bytes gave {r:?}");
    }
    let mut bundle = fx.bundle.clone();
    bundle.proof.truncate(bundle.proof.len() - 2);
    assert!(matches!(check_bundle(&bundle, &fx.key, "truncated bundle"), Err(VerifyError::InvalidProof(_))));
}

#[test]
fn rejects_extended_proof() {
    // halo2 stops reading once it has what it needs; trailing bytes must still be refused, or
    // one proof has many encodings (and many distinct bundle hashes).
    let fx = fixture();
    let extensions: [Vec<u8>; 4] = [vec![0], vec![0xff; 32], fx.proof[..64].to_vec(), fx.proof.clone()];
    for ext in extensions {
        let mut p = fx.proof.clone();
        p.extend_from_slice(&ext);
        let r = check_bytes(&fx.key, &fx.inputs, &p, "extended");
        assert!(matches!(&r, Err(VerifyError::InvalidProof(m)) if m.contains("unexpected bytes")),
            "proof with {} extra bytes gave {r:?}", ext.len());
    }
    let mut bundle = fx.bundle.clone();
    bundle.proof.push_str("00");
    assert!(matches!(check_bundle(&bundle, &fx.key, "extended bundle"), Err(VerifyError::InvalidProof(_))));
}

#[test]
fn rejects_every_single_bit_flip_at_sampled_positions() {
    let fx = fixture();
    let n = fx.proof.len();
    // 64 positions evenly spread (first and last byte included), so every kind of transcript
    // element is hit: commitments (curve points) and evaluations (scalars).
    let positions: Vec<usize> = (0..64).map(|i| i * (n - 1) / 63).collect();
    let mut caught_panics = 0;
    for &pos in &positions {
        for bit in 0..8 {
            let mut p = fx.proof.clone();
            p[pos] ^= 1 << bit;
            match check_bytes(&fx.key, &fx.inputs, &p, "bit flip") {
                Err(VerifyError::InvalidProof(m)) => caught_panics += usize::from(m.contains("malformed proof data")),
                other => panic!("flipping bit {bit} of byte {pos} of {n} gave {other:?}"),
            }
        }
    }
    // Not a failure (verify_proof_bytes turns halo2's panics into errors), but worth seeing.
    eprintln!("{} bit flips rejected, {caught_panics} of them through a panic caught inside the verifier", positions.len() * 8);
}

#[test]
fn rejects_malformed_proof_encoding_in_bundle() {
    let fx = fixture();
    let hex = fx.bundle.proof.strip_prefix("0x").unwrap().to_string();
    for (proof, what) in [
        (hex.clone(), "no 0x prefix"),
        (format!("0x{}", &hex[1..]), "odd number of hex digits"),
        (format!("0xzz{}", &hex[2..]), "non-hex digits"),
    ] {
        let mut bundle = fx.bundle.clone();
        bundle.proof = proof;
        assert!(matches!(check_bundle(&bundle, &fx.key, what), Err(VerifyError::Malformed(_))), "{what}");
    }
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs.epoch = "-7".into();
    assert!(matches!(check_bundle(&bundle, &fx.key, "negative epoch"), Err(VerifyError::Malformed(_))));
}
