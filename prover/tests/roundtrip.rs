//! A real keygen / prove / verify round trip of the attestation circuit at a small depth, and
//! the verifier's rejections.
//!
//! Proving is the slow part, so one proof is made once (first test to need it) and every negative
//! case tampers with a copy of it. Each rejection is checked to be an `Err`, never an unwinding
//! panic: a verifier that panics on hostile input is a denial of service for whoever runs it.

use std::sync::OnceLock;

use bondproof_circuits::cusip::Eligibility;
use bondproof_circuits::policy::Policy;
use bondproof_circuits::statement::{book_entry_domain, domain_tag};
use bondproof_circuits::{AttestationCircuit, AttestationStatement, CircuitKind, Deployment, Fr, DEPLOYMENT_SLOTS};
use bondproof_prover::attestation::{prove_attestation, ProveRequest};
use bondproof_prover::commitment::commit;
use bondproof_prover::ingest::{aggregate_by_cusip, load_holdings};
use bondproof_prover::keys::{circuit_keys, params_for, setup_insecure, write_params, ParamsInfo};
use bondproof_verifier::bundle::{DeploymentJson, StatementJson};
use bondproof_verifier::verify::verify_proof_bytes;
use bondproof_verifier::{verify_bundle, ProofBundle, VerifierKey, VerifyError};
use chrono::NaiveDate;
use ff::Field;

const DEPTH: usize = 2;
const OTHER_DEPTH: usize = 3;
const EPOCH: u64 = 7;
// Not the default 10000, so a verifier that silently assumed 100% would be caught.
const RATIO_BPS: u32 = 10_500;
const CUSTODIAN: [u8; 20] = [0xc5; 20];
const REGISTRY_BASE: [u8; 20] = [0x5a; 20];
const REGISTRY_MAINNET: [u8; 20] = [0x11; 20];

// Two accounts in one CUSIP (aggregated into one leaf), a dollar amount with cents, and a padding
// leaf: the shapes a real file has, at a size that proves quickly.
const HOLDINGS: &str = "cusip,face_value_usd,maturity,account\n\
912797UD7,1500000.00,2027-03-18,fund-a\n\
912797UD7,250000.50,2027-03-18,fund-b\n\
91282CJJ1,400000,2033-11-15,fund-a\n";
const RESERVES_CENTS: u128 = 215_000_050;
// A token on two chains plus book-entry shares: $1,500,000.00 on Base, $400,000.00 on mainnet,
// and 100,000.005 shares at $1 on the register, rounded up on its own to $100,000.01.
// $2,000,000.01 in total, covered at 105% by $2,150,000.50.
const LIABILITIES_JSON: &str = r#"{"deployments": [
  {"chain_id": 8453, "token": "0x1111111111111111111111111111111111111111", "registry": "0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
   "decimals": 6, "total_supply": "1500000000000", "nav_usd": "1"},
  {"chain_id": 1, "token": "0x2222222222222222222222222222222222222222", "registry": "0x1111111111111111111111111111111111111111",
   "decimals": 18, "total_supply": "400000000000000000000000"},
  {"book_entry": true, "total_shares": "100000.005", "nav_usd": "1", "register": 0}
]}"#;
const SUPPLIES: [u128; 3] = [150_000_000, 40_000_000, 10_000_001];

struct Fixture {
    key: VerifierKey,
    bundle: ProofBundle,
    proof: Vec<u8>,
    statement: AttestationStatement,
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
    let k = AttestationCircuit::min_k(DEPTH).max(AttestationCircuit::min_k(OTHER_DEPTH));
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
        policy: None,
        custodian: CUSTODIAN,
        custodian_label: Some("roundtrip test".into()),
        transcript: bondproof_verifier::bundle::Transcript::Keccak,
    };
    let outcome = prove_attestation(&req, &|_| {}).expect("an honest statement proves");
    assert_eq!(outcome.report.face_total, RESERVES_CENTS);
    assert_eq!(outcome.liabilities.total_cents(), SUPPLIES.iter().sum::<u128>());

    // What a verifier has: the files on disk, not the prover's in-memory values.
    let key = VerifierKey::read(&outcome.vk_path).unwrap();
    let bundle = ProofBundle::read(&out).unwrap();
    assert_eq!(bundle, outcome.bundle);
    let proof = bundle.proof_bytes().unwrap();
    let statement = bundle.statement().unwrap();
    assert_eq!(statement, outcome.statement);

    let depth_params = params_for(CircuitKind::Attestation, params.clone(), OTHER_DEPTH, &params_path).unwrap();
    let other_depth_key =
        circuit_keys(CircuitKind::Attestation, Some(&params_path), &depth_params, OTHER_DEPTH).unwrap().vk;
    let other_params = params_for(CircuitKind::Attestation, setup_insecure(k), DEPTH, &params_path).unwrap();
    let other_setup_key = circuit_keys(CircuitKind::Attestation, None, &other_params, DEPTH).unwrap().vk;

    Fixture { key, bundle, proof, statement, other_root: other_tree.root(), other_depth_key, other_setup_key }
}

/// Runs `f`, failing the test if it unwinds: rejection must come back as a value.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| panic!("{what}: the verifier panicked"))
}

fn check_instances(key: &VerifierKey, instances: &[Fr], proof: &[u8], what: &str) -> Result<(), VerifyError> {
    no_panic(what, || verify_proof_bytes(key, instances, proof))
}

fn check_bytes(key: &VerifierKey, s: &AttestationStatement, proof: &[u8], what: &str) -> Result<(), VerifyError> {
    check_instances(key, &s.to_instances(), proof, what)
}

fn check_bundle(bundle: &ProofBundle, key: &VerifierKey, what: &str) -> Result<AttestationStatement, VerifyError> {
    no_panic(what, || verify_bundle(bundle, key))
}

/// A statement change must be caught by the proof itself (InvalidProof), both on raw
/// instances and through the bundle, whose JSON is what a verifier actually receives.
fn assert_statement_rejected(changed: AttestationStatement, what: &str) {
    let fx = fixture();
    assert_ne!(changed, fx.statement, "{what}: the variant must differ from the proved statement");
    match check_bytes(&fx.key, &changed, &fx.proof, what) {
        Err(VerifyError::InvalidProof(_)) => {}
        other => panic!("{what}: raw verification gave {other:?}, expected InvalidProof"),
    }
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs = StatementJson::from_statement(&changed);
    match check_bundle(&bundle, &fx.key, what) {
        Err(VerifyError::InvalidProof(_)) => {}
        other => panic!("{what}: bundle verification gave {other:?}, expected InvalidProof"),
    }
}

fn with(f: impl FnOnce(&mut AttestationStatement)) -> AttestationStatement {
    let mut s = fixture().statement;
    f(&mut s);
    s
}

#[test]
fn honest_proof_verifies_with_the_statement_it_was_made_for() {
    let fx = fixture();
    let mut deployments = [Deployment::default(); DEPLOYMENT_SLOTS];
    deployments[0] = Deployment { domain: domain_tag(8453, REGISTRY_BASE), supply_cents: SUPPLIES[0] };
    deployments[1] = Deployment { domain: domain_tag(1, REGISTRY_MAINNET), supply_cents: SUPPLIES[1] };
    deployments[2] = Deployment { domain: book_entry_domain(0), supply_cents: SUPPLIES[2] };
    let expected = AttestationStatement {
        root: fx.statement.root,
        epoch: EPOCH,
        custodian: CUSTODIAN,
        as_of_days: 20_781,
        ratio_bps: RATIO_BPS,
        // No --policy: the default policy.
        policy: Policy::par().instance(),
        deployments,
    };
    assert_eq!(fx.statement, expected);
    assert_eq!(fx.bundle.metadata.policy, "par");
    assert_eq!(fx.bundle.metadata.as_of, "2026-11-24");
    assert_eq!(fx.bundle.circuit.name, "attestation");
    assert_eq!(fx.bundle.circuit.depth, DEPTH as u32);
    assert_eq!(fx.bundle.circuit.k, AttestationCircuit::min_k(DEPTH));
    assert_eq!(fx.bundle.vk_hash, fx.key.hash_hex());
    assert!(fx.bundle.metadata.insecure_setup);
    check_bytes(&fx.key, &fx.statement, &fx.proof, "honest proof").expect("the honest proof verifies");
    assert_eq!(check_bundle(&fx.bundle, &fx.key, "honest bundle").expect("the honest bundle verifies"), expected);
}

/// Every single public input, moved by one, breaks the proof: none is left out of what the
/// proof binds (the policy's parameters and the unused table slots included).
#[test]
fn rejects_each_public_input_changed() {
    let fx = fixture();
    let instances = fx.statement.to_instances();
    assert_eq!(instances.len(), AttestationStatement::COUNT);
    let names = AttestationStatement::names();
    for i in 0..instances.len() {
        for delta in [Fr::ONE, -Fr::ONE] {
            let mut v = instances.clone();
            v[i] += delta;
            let r = check_instances(&fx.key, &v, &fx.proof, &names[i]);
            assert!(
                matches!(r, Err(VerifyError::InvalidProof(_))),
                "public input {i} ({}) changed gave {r:?}",
                names[i]
            );
        }
    }
}

#[test]
fn rejects_changed_root() {
    let fx = fixture();
    assert_statement_rejected(with(|s| s.root = fx.other_root), "root of the same holdings with other salts");
    assert_statement_rejected(with(|s| s.root += Fr::ONE), "root + 1");
    assert_statement_rejected(with(|s| s.root = Fr::ZERO), "root 0");
}

#[test]
fn rejects_changed_liabilities_table() {
    // Lower supplies are the forger's direction; higher ones must fail too, or the statement
    // the proof binds to is not the one in the bundle.
    assert_statement_rejected(with(|s| s.deployments[0].supply_cents -= 1), "slot 0 supply - 1 cent");
    assert_statement_rejected(with(|s| s.deployments[1].supply_cents += 1), "slot 1 supply + 1 cent");
    assert_statement_rejected(with(|s| s.deployments[2].supply_cents = 0), "book-entry line dropped to 0");
    assert_statement_rejected(with(|s| s.deployments[0].supply_cents = (1u128 << 96) - 1), "supply 2^96 - 1");
    // Moving value between chains keeps the total but changes what each registry checks.
    assert_statement_rejected(
        with(|s| {
            s.deployments[0].supply_cents -= 100;
            s.deployments[1].supply_cents += 100;
        }),
        "100 cents moved from Base to mainnet",
    );
    assert_statement_rejected(with(|s| s.deployments.swap(0, 1)), "slots swapped");
    assert_statement_rejected(
        with(|s| s.deployments[0].domain = domain_tag(1, REGISTRY_BASE)),
        "other chain, same registry",
    );
    let mut other_registry = REGISTRY_BASE;
    other_registry[19] ^= 1;
    assert_statement_rejected(
        with(|s| s.deployments[0].domain = domain_tag(8453, other_registry)),
        "same chain, other registry",
    );
    assert_statement_rejected(with(|s| s.deployments[2].domain = book_entry_domain(1)), "other register");
    assert_statement_rejected(
        with(|s| s.deployments[3] = Deployment { domain: domain_tag(10, [0x33; 20]), supply_cents: 0 }),
        "an unused slot claimed by another chain at 0",
    );
    assert_statement_rejected(with(|s| s.deployments[15].supply_cents = 1), "1 cent in the last unused slot");
}

#[test]
fn rejects_changed_ratio_epoch_custodian_and_as_of() {
    assert_statement_rejected(with(|s| s.ratio_bps = RATIO_BPS - 1), "ratio - 1 bp");
    assert_statement_rejected(with(|s| s.ratio_bps = RATIO_BPS + 1), "ratio + 1 bp");
    assert_statement_rejected(with(|s| s.ratio_bps = 10_000), "ratio 10000 (the default)");
    // Replaying an old proof for a new epoch is the attack the epoch exists to stop.
    assert_statement_rejected(with(|s| s.epoch = EPOCH + 1), "epoch + 1");
    assert_statement_rejected(with(|s| s.epoch = u64::MAX), "epoch u64::MAX");
    // Another custodian cannot submit this proof under its own address.
    assert_statement_rejected(with(|s| s.custodian[19] ^= 1), "custodian, last bit");
    assert_statement_rejected(with(|s| s.custodian = [0; 20]), "custodian zero");
    assert_statement_rejected(with(|s| s.as_of_days -= 1), "as-of a day earlier");
    assert_statement_rejected(with(|s| s.as_of_days += 1), "as-of a day later");
}

#[test]
fn rejects_changed_policy() {
    assert_statement_rejected(with(|s| s.policy.eligible = Eligibility::AnyCusip), "eligibility loosened to any-cusip");
    assert_statement_rejected(with(|s| s.policy.max_maturity_days = 397), "a maturity bound");
    assert_statement_rejected(with(|s| s.policy.buckets[0].1 = 50), "first haircut 50 bps");
    assert_statement_rejected(with(|s| s.policy.buckets[11] = (100, 0)), "last haircut slot's max_days");
    assert_statement_rejected(with(|s| s.policy.wam_enabled = true), "WAM enabled");
    assert_statement_rejected(with(|s| s.policy.max_wam_days = 60), "WAM bound");
    assert_statement_rejected(with(|s| s.policy.weekly_enabled = true), "weekly liquidity enabled");
    assert_statement_rejected(with(|s| s.policy.min_weekly_liquid_bps = 1), "weekly liquidity floor");
}

#[test]
fn rejects_wrong_number_of_public_inputs() {
    let fx = fixture();
    let instances = fx.statement.to_instances();
    for n in [0, 5, AttestationStatement::COUNT - 1, AttestationStatement::COUNT + 1] {
        let mut v = instances.clone();
        v.resize(n, Fr::ZERO);
        let r = check_instances(&fx.key, &v, &fx.proof, "instance count");
        assert!(
            matches!(r, Err(VerifyError::InstanceCount { .. })),
            "{n} public inputs instead of {} gave {r:?}",
            instances.len()
        );
    }
    // The table in a bundle has exactly 16 slots: a 15th-slot-only bundle is not read as zeros.
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs.deployments.pop();
    assert!(matches!(check_bundle(&bundle, &fx.key, "15 slots"), Err(VerifyError::Malformed(_))));
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs.deployments.push(DeploymentJson { domain: "0".into(), supply_cents: "0".into() });
    assert!(matches!(check_bundle(&bundle, &fx.key, "17 slots"), Err(VerifyError::Malformed(_))));
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs.policy.haircuts.pop();
    assert!(matches!(check_bundle(&bundle, &fx.key, "11 haircut slots"), Err(VerifyError::Malformed(_))));
}

#[test]
fn metadata_is_not_part_of_the_statement() {
    // Labels change nothing that is verified: a bundle with other labels verifies, and the
    // verified statement is the same. (This is why `verify` shows them as unverified.)
    let fx = fixture();
    let mut bundle = fx.bundle.clone();
    bundle.metadata.policy = "sec-15c3-1".into();
    bundle.metadata.custodian = Some("someone else".into());
    bundle.metadata.as_of = "2030-01-01".into();
    assert_eq!(check_bundle(&bundle, &fx.key, "relabelled").unwrap(), fx.statement);
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
    assert!(matches!(
        check_bytes(other, &fx.statement, &fx.proof, "other depth, raw"),
        Err(VerifyError::InvalidProof(_))
    ));
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
        let r = check_bytes(&fx.key, &fx.statement, &fx.proof[..len], "truncated");
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
        let r = check_bytes(&fx.key, &fx.statement, &p, "extended");
        assert!(
            matches!(&r, Err(VerifyError::InvalidProof(m)) if m.contains("unexpected bytes")),
            "proof with {} extra bytes gave {r:?}",
            ext.len()
        );
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
            match check_bytes(&fx.key, &fx.statement, &p, "bit flip") {
                Err(VerifyError::InvalidProof(m)) => caught_panics += usize::from(m.contains("malformed proof data")),
                other => panic!("flipping bit {bit} of byte {pos} of {n} gave {other:?}"),
            }
        }
    }
    // Not a failure (verify_proof_bytes turns halo2's panics into errors), but worth seeing.
    eprintln!(
        "{} bit flips rejected, {caught_panics} of them through a panic caught inside the verifier",
        positions.len() * 8
    );
}

#[test]
fn rejects_malformed_encoding_in_bundle() {
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
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs.custodian = "0x1234".into();
    assert!(matches!(check_bundle(&bundle, &fx.key, "short custodian"), Err(VerifyError::Malformed(_))));
    let mut bundle = fx.bundle.clone();
    bundle.public_inputs.policy.eligible = "corporates".into();
    assert!(matches!(check_bundle(&bundle, &fx.key, "unknown eligibility"), Err(VerifyError::Malformed(_))));
}
