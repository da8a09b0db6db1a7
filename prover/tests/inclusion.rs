//! Inclusion proofs end to end: real proofs at depth 3 for the first, a middle and the last
//! position (whose sibling is padding) verify; they do not verify under another root or epoch;
//! and the auditor's CLI flow (prove --all, verify, reconcile) gives the right verdicts and exit
//! codes. MockProver failures (wrong sibling, salt, face value, root) are in
//! circuits/tests/inclusion_mock.rs.

use std::path::Path;
use std::sync::OnceLock;

use bondproof_circuits::{Fr, InclusionPublicInputs};
use bondproof_prover::commitment::commit;
use bondproof_prover::inclusion::{BatchPlan, InclusionProver};
use bondproof_prover::ingest::{aggregate_by_cusip, load_holdings};
use bondproof_prover::keys::{setup_insecure, write_params, ParamsInfo};
use bondproof_prover::Error;
use bondproof_verifier::inclusion_bundle::InclusionBundle;
use bondproof_verifier::verify::verify_proof_bytes;
use bondproof_verifier::{verify_inclusion_bundle, VerifierKey, VerifyError};
use chrono::NaiveDate;
use ff::Field;
use tempfile::TempDir;

mod common;
use common::{bondproof, Run};

const AS_OF: &str = "2026-11-24";
const EPOCH: u64 = 4;
const K: u32 = 9;
// Five CUSIPs in a depth-3 tree (8 leaves): index 4, the last real one, has a padding sibling.
// 912797UD7 is held in two accounts and is one leaf of 1,500,000.00 + 250,000.50.
const HOLDINGS: &str = "cusip,face_value_usd,maturity,account\n\
912797UD7,1500000.00,2027-03-18,fund-a\n\
912797UD7,250000.50,2027-03-18,fund-b\n\
912797WL7,410000,2027-03-25,fund-a\n\
91282CJJ1,400000,2033-11-15,fund-a\n\
912810PW2,25185,2038-02-15,fund-b\n\
912810TJ7,199840.25,2052-08-15,fund-a\n";
const DEPTH: usize = 3;

fn as_of() -> NaiveDate {
    NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap()
}

/// Writes the holdings, a k = 9 insecure setup and a depth-3 commitment into `dir`.
fn commit_into(dir: &Path) {
    std::fs::write(dir.join("holdings.csv"), HOLDINGS).unwrap();
    let holdings_path = dir.join("holdings.csv");
    let positions = load_holdings(&holdings_path, as_of()).unwrap();
    let aggregated = aggregate_by_cusip(&positions, &holdings_path).unwrap();
    let (c, _, _) = commit(&aggregated, EPOCH, as_of(), Some(DEPTH), &holdings_path).unwrap();
    c.write(&dir.join("commitment.json")).unwrap();
    let info = ParamsInfo { k: K, insecure: true, source: "test".into() };
    write_params(&setup_insecure(K), &dir.join("params.bin"), &info).unwrap();
}

struct Fixture {
    _dir: TempDir,
    prover: InclusionProver,
    /// The same holdings committed again: fresh salts, a genuine root, not the proved one.
    other_root: Fr,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        commit_into(dir.path());
        let prover =
            InclusionProver::load(&dir.path().join("commitment.json"), &dir.path().join("params.bin")).unwrap();
        let other = tempfile::tempdir().unwrap();
        commit_into(other.path());
        let other_root = InclusionProver::load(&other.path().join("commitment.json"), &other.path().join("params.bin"))
            .unwrap()
            .root();
        Fixture { _dir: dir, prover, other_root }
    })
}

fn inputs_and_proof(b: &InclusionBundle) -> (InclusionPublicInputs, Vec<u8>) {
    (b.public_inputs.to_inputs().unwrap(), b.proof_bytes().unwrap())
}

#[test]
fn first_middle_and_last_positions_prove_and_verify() {
    let fx = fixture();
    let p = &fx.prover;
    assert_eq!(p.real_positions(), vec![0, 1, 2, 3, 4]);
    assert_eq!(p.depth(), DEPTH);
    assert_eq!(p.k(), K);
    // The key the verifier reads back from its file is the inclusion circuit's.
    let key = VerifierKey::from_bytes(&p.keys.vk.bytes).unwrap();
    assert_eq!((key.circuit.name(), key.depth), ("inclusion", DEPTH as u32));
    for index in [0, 2, 4] {
        let b = p.prove_index(index).unwrap();
        let inputs = verify_inclusion_bundle(&b, &key, Some(&p.root())).unwrap_or_else(|e| panic!("leaf {index}: {e}"));
        assert_eq!(inputs.root, p.root());
        assert_eq!(inputs.epoch, EPOCH);
        assert_eq!(b.public_inputs.cusip, p.commitment.leaves[index].cusip);
        assert_eq!(b.public_inputs.face_value, p.commitment.leaves[index].face_value);
    }
    // Found by CUSIP and account: one leaf, its two accounts summed.
    let b = p.prove_index(p.index_of("912797UD7", Some("fund-b")).unwrap()).unwrap();
    assert_eq!((b.public_inputs.cusip.as_str(), b.public_inputs.face_value.as_str()), ("912797UD7", "175000050"));
}

#[test]
fn a_proof_does_not_verify_under_another_root_or_epoch() {
    let fx = fixture();
    let key = &fx.prover.keys.vk;
    let b = fx.prover.prove_index(1).unwrap();
    let (inputs, proof) = inputs_and_proof(&b);
    verify_proof_bytes(key, &inputs.to_instances(), &proof).unwrap();

    let other_root = InclusionPublicInputs { root: fx.other_root, ..inputs };
    assert_ne!(fx.other_root, inputs.root);
    assert!(matches!(verify_proof_bytes(key, &other_root.to_instances(), &proof), Err(VerifyError::InvalidProof(_))));
    let other_epoch = InclusionPublicInputs { epoch: EPOCH + 1, ..inputs };
    assert!(matches!(verify_proof_bytes(key, &other_epoch.to_instances(), &proof), Err(VerifyError::InvalidProof(_))));
    let other_face = InclusionPublicInputs { face_value: inputs.face_value + 1, ..inputs };
    assert!(matches!(verify_proof_bytes(key, &other_face.to_instances(), &proof), Err(VerifyError::InvalidProof(_))));
    let other_cusip = InclusionPublicInputs { cusip: inputs.cusip + Fr::ONE, ..inputs };
    assert!(matches!(verify_proof_bytes(key, &other_cusip.to_instances(), &proof), Err(VerifyError::InvalidProof(_))));

    // The same, through the bundle: a pinned root that is not the proof's is refused outright,
    // and a bundle relabelled with the other root or epoch does not verify.
    assert!(matches!(verify_inclusion_bundle(&b, key, Some(&fx.other_root)), Err(VerifyError::RootMismatch { .. })));
    let mut relabelled = b.clone();
    relabelled.public_inputs.epoch = (EPOCH + 1).to_string();
    assert!(matches!(verify_inclusion_bundle(&relabelled, key, None), Err(VerifyError::InvalidProof(_))));
    let mut relabelled = b.clone();
    relabelled.public_inputs.root = other_root_hex(fx);
    assert!(matches!(
        verify_inclusion_bundle(&relabelled, key, Some(&fx.other_root)),
        Err(VerifyError::InvalidProof(_))
    ));
}

fn other_root_hex(fx: &Fixture) -> String {
    bondproof_prover::commitment::fr_hex(&fx.other_root)
}

#[test]
fn cusip_and_account_are_checked_against_the_commitment() {
    let p = &fixture().prover;
    // Tree order is CUSIP order.
    assert_eq!(p.index_of("912797UD7", Some("fund-a")).unwrap(), 0);
    assert_eq!(p.index_of(" 91282CJJ1 ", None).unwrap(), 4);
    assert!(matches!(p.index_of("912797UD7", Some("fund-z")), Err(Error::AccountNotListed { .. })));
    assert!(matches!(p.index_of("91282CJA0", None), Err(Error::NotCommitted { .. })));
    let e = p.index_of("912797UD8", None).unwrap_err();
    assert!(matches!(e, Error::Input(_)) && e.exit_code() == 2, "{e}");
}

#[test]
fn batch_plans_cover_the_threads() {
    assert_eq!(BatchPlan::with_threads_per_proof(2, 1), BatchPlan { concurrent: 2, threads_per_proof: 1 });
    assert_eq!(BatchPlan::with_threads_per_proof(2, 2), BatchPlan { concurrent: 1, threads_per_proof: 2 });
    assert_eq!(BatchPlan::with_threads_per_proof(1, 4), BatchPlan { concurrent: 1, threads_per_proof: 1 });
    assert_eq!(BatchPlan::with_threads_per_proof(8, 3), BatchPlan { concurrent: 2, threads_per_proof: 3 });
}

// ---- the CLI, as the custodian and the auditor run it

/// A folder with a commitment and `proofs/` from `inclusion prove --all`; returns it and the root.
fn proved_all() -> (TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    commit_into(dir.path());
    let r = bondproof(
        dir.path(),
        &[
            "inclusion",
            "prove",
            "--commitment",
            "commitment.json",
            "--all",
            "--params",
            "params.bin",
            "--out",
            "proofs",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
    let out: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(out["proved"], 5);
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("proofs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["912797UD7.json", "912797WL7.json", "912810PW2.json", "912810TJ7.json", "91282CJJ1.json", "inclusion.vk.bin"]
    );
    (dir, out["root"].as_str().unwrap().to_string())
}

fn reconcile(dir: &Path, statement: &str, root: &str, json: bool) -> Run {
    let mut args = vec![
        "inclusion",
        "reconcile",
        "--statement",
        statement,
        "--proofs",
        "proofs",
        "--vk",
        "proofs/inclusion.vk.bin",
        "--allow-unchecked-setup",
        "--root",
        root,
        "--as-of",
        AS_OF,
    ];
    if json {
        args.push("--json");
    }
    bondproof(dir, &args)
}

#[test]
fn cli_prove_all_then_reconcile_the_same_holdings_matches_everything() {
    let (dir, root) = proved_all();
    let r = reconcile(dir.path(), "holdings.csv", &root, false);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stdout.contains("5 positions on the statement: 5 matched, 0 missing, 0 mismatched"), "{}", r.describe());
    assert_eq!(r.stdout.lines().filter(|l| l.starts_with("matched ")).count(), 5, "{}", r.describe());

    // Against another root nothing matches: the proofs are for this tree only.
    let other = format!("0x{}", "0".repeat(63) + "1");
    let r = reconcile(dir.path(), "holdings.csv", &other, true);
    assert_eq!(r.code, 1, "{}", r.describe());
    let out: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!((out["matched"].as_u64(), out["mismatched"].as_u64()), (Some(0), Some(5)), "{}", r.describe());
}

#[test]
fn cli_reconcile_reports_a_missing_position_and_a_changed_face_value() {
    let (dir, root) = proved_all();
    std::fs::remove_file(dir.path().join("proofs/912810PW2.json")).unwrap();
    // The statement shows one more cent of 91282CJJ1 than the tree holds.
    let statement = HOLDINGS.replace("91282CJJ1,400000,", "91282CJJ1,400000.01,");
    std::fs::write(dir.path().join("statement.csv"), statement).unwrap();

    let r = reconcile(dir.path(), "statement.csv", &root, false);
    assert_eq!(r.code, 1, "{}", r.describe());
    assert!(r.stdout.contains("3 matched, 1 missing, 1 mismatched"), "{}", r.describe());
    let line = |cusip: &str| r.stdout.lines().find(|l| l.contains(cusip)).unwrap_or_default().to_string();
    assert!(line("912810PW2").starts_with("MISSING"), "{}", r.describe());
    assert!(
        line("91282CJJ1").starts_with("MISMATCHED") && line("91282CJJ1").contains("face value differs"),
        "{}",
        r.describe()
    );
    assert!(r.stderr.contains("2 of 5 statement positions are not matched"), "{}", r.describe());

    let r = reconcile(dir.path(), "statement.csv", &root, true);
    assert_eq!(r.code, 1, "{}", r.describe());
    let out: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let status = |cusip: &str| {
        out["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["cusip"] == cusip)
            .map(|p| p["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("912810PW2").as_deref(), Some("missing"));
    assert_eq!(status("91282CJJ1").as_deref(), Some("mismatched"));
    assert_eq!(status("912797UD7").as_deref(), Some("matched"));
}

#[test]
fn cli_verify_pins_the_root() {
    let (dir, root) = proved_all();
    let verify = |root: Option<&str>| {
        let mut args = vec![
            "inclusion",
            "verify",
            "--proof",
            "proofs/912797UD7.json",
            "--vk",
            "proofs/inclusion.vk.bin",
            "--allow-unchecked-setup",
        ];
        if let Some(r) = root {
            args.extend(["--root", r]);
        }
        bondproof(dir.path(), &args)
    };
    let r = verify(Some(&root));
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stdout.contains("VALID: 912797UD7 at $1,750,000.50"), "{}", r.describe());
    assert_eq!(verify(None).code, 0);

    let wrong = format!("0x{}", "0".repeat(63) + "1");
    let r = verify(Some(&wrong));
    assert_eq!(r.code, 1, "{}", r.describe());
    assert!(r.stderr.contains("not the expected root"), "{}", r.describe());

    // Not a root at all, or a key that is not an inclusion key: bad input, not an invalid proof.
    assert_eq!(verify(Some("0x1234")).code, 2);
    let r = bondproof(dir.path(), &["inclusion", "verify", "--proof", "proofs/912797UD7.json", "--vk", "holdings.csv"]);
    assert_eq!(r.code, 2, "{}", r.describe());

    // One position, by CUSIP and account, with the key written beside it.
    let r = bondproof(
        dir.path(),
        &[
            "inclusion",
            "prove",
            "--commitment",
            "commitment.json",
            "--cusip",
            "912797UD7",
            "--account",
            "fund-b",
            "--params",
            "params.bin",
            "--out",
            "one.json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
    let r = bondproof(
        dir.path(),
        &[
            "inclusion",
            "verify",
            "--proof",
            "one.json",
            "--vk",
            "one.vk.bin",
            "--allow-unchecked-setup",
            "--root",
            &root,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
    let r = bondproof(
        dir.path(),
        &[
            "inclusion",
            "prove",
            "--commitment",
            "commitment.json",
            "--cusip",
            "912797UD7",
            "--account",
            "fund-z",
            "--params",
            "params.bin",
            "--out",
            "bad.json",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains(
            "commitment.json: CUSIP 912797UD7 has no position in account 'fund-z' (its accounts: fund-a, fund-b)"
        ),
        "{}",
        r.describe()
    );
}
