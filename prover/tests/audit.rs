//! `bondproof audit` as an auditor runs it: the fixtures committed with `bondproof commit` (no
//! proving), then audited against statements and commitments that differ in one way each. The
//! commitments an attacker would hand over are rewritten consistently (root, total and count
//! recomputed, accepted by the strict reader), so only the completeness check can catch them.

use std::path::{Path, PathBuf};

use bondproof_circuits::Fr;
use bondproof_prover::commitment::{build_tree, fr_hex, Commitment, CommittedLeaf, LeafRecord};
use bondproof_prover::ingest::{check_digit, Cusip};
use chrono::NaiveDate;
use ff::Field;
use tempfile::TempDir;

mod common;
use common::{bondproof, Run};

const AS_OF: &str = "2026-11-24";

fn fixture_holdings() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/holdings.csv");
    assert!(p.exists(), "missing fixture {}", p.display());
    p.to_str().unwrap().to_string()
}

/// Commits the fixture holdings into `dir/<name>`; returns the published root.
fn commit(dir: &Path, name: &str) -> String {
    let holdings = fixture_holdings();
    let run =
        bondproof(dir, &["commit", "--holdings", &holdings, "--epoch", "7", "--out", name, "--as-of", AS_OF, "--json"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let j: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    j["root"].as_str().unwrap().to_string()
}

fn audit(dir: &Path, commitment: &str, statement: &str, root: &str, json: bool) -> Run {
    let mut args = vec!["audit", "--commitment", commitment, "--statement", statement, "--root", root];
    if json {
        args.push("--json");
    }
    bondproof(dir, &args)
}

fn json_of(run: &Run) -> serde_json::Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", run.describe()))
}

/// The statement: the fixture holdings with `edit` applied to its text.
fn statement(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = edit(std::fs::read_to_string(fixture_holdings()).unwrap());
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

/// A valid CUSIP from its first eight characters.
fn cusip(first8: &str) -> Cusip {
    Cusip::parse(&format!("{first8}{}", check_digit(first8.as_bytes()).unwrap())).unwrap()
}

/// Rewrites the commitment `dir/from` into `dir/to` with `edit` applied to its leaves, and the
/// root, total and position count recomputed; returns the new root.
fn rewrite(dir: &Path, from: &str, to: &str, edit: impl Fn(&mut Vec<CommittedLeaf>, &mut Vec<LeafRecord>)) -> String {
    let (mut c, mut leaves, _) = Commitment::read(&dir.join(from)).unwrap();
    edit(&mut leaves, &mut c.leaves);
    let tree = build_tree(&leaves);
    c.root = fr_hex(&tree.root());
    c.total_face_value = tree.total().to_string();
    c.positions = leaves.iter().filter(|l| l.cusip.is_some()).count();
    c.write(&dir.join(to)).unwrap();
    c.root
}

/// Sets leaf `i` (in both forms) to this position.
fn set_leaf(leaves: &mut [CommittedLeaf], records: &mut [LeafRecord], i: usize, leaf: CommittedLeaf) {
    records[i] = LeafRecord {
        cusip: leaf.cusip.map(|c| c.to_string()).unwrap_or_default(),
        face_value: leaf.face_value.to_string(),
        maturity: leaf.maturity.format("%Y-%m-%d").to_string(),
        salt: fr_hex(&leaf.salt),
        accounts: vec![],
    };
    leaves[i] = leaf;
}

#[test]
fn the_committed_holdings_audit_exactly() {
    let dir = TempDir::new().unwrap();
    let root = commit(dir.path(), "commitment.json");
    let run = audit(dir.path(), "commitment.json", &fixture_holdings(), &root, false);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(run.stdout.contains("EXACT: the tree under root"), "{}", run.describe());
    assert!(run.stdout.contains("26 matched, 0 extra, 0 missing, 0 changed, 0 structure"), "{}", run.describe());

    let j = json_of(&audit(dir.path(), "commitment.json", &fixture_holdings(), &root, true));
    assert_eq!(j["ok"], true);
    assert_eq!(j["exit_code"], 0);
    assert_eq!(j["root"], root.as_str());
    assert_eq!(j["matched"], 26);
    assert_eq!(j["positions"].as_array().unwrap().len(), 26);
    // Two statement rows, one leaf: the statement is summed per CUSIP, as commit sums it.
    let jj1 = j["positions"].as_array().unwrap().iter().find(|r| r["cusip"] == "91282CJJ1").unwrap();
    assert_eq!(jj1["statement"]["face_value"], 687_260_000u64 + 4_949_500_000);
}

#[test]
fn a_leaf_hidden_from_the_statement_is_extra_even_though_the_root_matches() {
    let dir = TempDir::new().unwrap();
    commit(dir.path(), "commitment.json");
    // Above every fixture CUSIP, in the first padding slot: strictly increasing, padding last.
    let hidden = cusip("91282CZZ");
    let root = rewrite(dir.path(), "commitment.json", "hidden.json", |leaves, records| {
        let i = leaves.iter().position(|l| l.cusip.is_none()).unwrap();
        let maturity = NaiveDate::from_ymd_opt(2030, 1, 15).unwrap();
        let leaf =
            CommittedLeaf { cusip: Some(hidden), face_value: 123_456, maturity, salt: Fr::random(rand::rngs::OsRng) };
        set_leaf(leaves, records, i, leaf);
    });
    // A commitment `commit` could have written: the strict reader finds nothing wrong with it.
    Commitment::read(&dir.path().join("hidden.json")).unwrap();

    let run = audit(dir.path(), "hidden.json", &fixture_holdings(), &root, false);
    assert_eq!(run.code, 1, "{}", run.describe());
    let line = run.stdout.lines().find(|l| l.contains(hidden.as_str())).unwrap_or_else(|| panic!("{}", run.describe()));
    assert!(line.starts_with("EXTRA"), "{line}");
    assert!(line.contains("$1,234.56"), "{line}");
    assert!(run.stdout.contains("26 matched, 1 extra, 0 missing, 0 changed"), "{}", run.describe());
    assert!(run.stderr.contains("1 finding(s)"), "{}", run.describe());

    let r = audit(dir.path(), "hidden.json", &fixture_holdings(), &root, true);
    assert_eq!(r.code, 1);
    let j = json_of(&r);
    assert_eq!((j["ok"].clone(), j["exit_code"].clone(), j["extra"].clone()), (false.into(), 1.into(), 1.into()));
    let row = j["positions"].as_array().unwrap().iter().find(|r| r["status"] == "extra").unwrap();
    assert_eq!(row["cusip"], hidden.as_str());
    assert_eq!(row["tree"]["face_value"], 123_456);
}

#[test]
fn a_position_missing_from_the_tree_is_missing() {
    let dir = TempDir::new().unwrap();
    let root = commit(dir.path(), "commitment.json");
    let absent = cusip("912828ZZ");
    let s = statement(dir.path(), "statement.csv", |t| format!("{t}{absent},500000,2029-05-31,fund-main\n"));
    let run = audit(dir.path(), "commitment.json", &s, &root, false);
    assert_eq!(run.code, 1, "{}", run.describe());
    let line = run.stdout.lines().find(|l| l.contains(absent.as_str())).unwrap_or_else(|| panic!("{}", run.describe()));
    assert!(line.starts_with("MISSING"), "{line}");
    assert!(line.contains("on the statement, not in the tree"), "{line}");
    assert!(run.stdout.contains("26 matched, 0 extra, 1 missing, 0 changed"), "{}", run.describe());
    let j = json_of(&audit(dir.path(), "commitment.json", &s, &root, true));
    assert_eq!(j["missing"], 1);
}

#[test]
fn a_changed_face_value_is_changed() {
    let dir = TempDir::new().unwrap();
    let root = commit(dir.path(), "commitment.json");
    // One of the CUSIP's two rows, off by a cent: only the sum can show it.
    let s = statement(dir.path(), "statement.csv", |t| {
        let changed = t.replace("91282CJJ1,4949500000,", "91282CJJ1,4949500001,");
        assert_ne!(changed, t);
        changed
    });
    let run = audit(dir.path(), "commitment.json", &s, &root, false);
    assert_eq!(run.code, 1, "{}", run.describe());
    let line = run.stdout.lines().find(|l| l.contains("91282CJJ1")).unwrap();
    assert!(line.starts_with("CHANGED"), "{line}");
    assert!(line.contains("$56,367,600.01") && line.contains("$56,367,600.00"), "{line}");
    assert!(line.contains("face value differs"), "{line}");
    let j = json_of(&audit(dir.path(), "commitment.json", &s, &root, true));
    assert_eq!((j["changed"].clone(), j["matched"].clone()), (1.into(), 25.into()));
}

#[test]
fn a_commitment_behind_another_root_is_refused() {
    let dir = TempDir::new().unwrap();
    commit(dir.path(), "commitment.json");
    // The same holdings committed again: fresh salts, a genuine but different root.
    let published = commit(dir.path(), "other.json");
    let run = audit(dir.path(), "commitment.json", &fixture_holdings(), &published, false);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("commitment.json: the leaves give root"), "{}", run.describe());
    assert!(run.stderr.contains(&format!("not the published root {published}")), "{}", run.describe());
    let r = audit(dir.path(), "commitment.json", &fixture_holdings(), &published, true);
    assert_eq!((r.code, json_of(&r)["exit_code"].clone()), (1, 1.into()));
}

#[test]
fn padding_worth_something_is_a_structure_finding() {
    let dir = TempDir::new().unwrap();
    commit(dir.path(), "commitment.json");
    let root = rewrite(dir.path(), "commitment.json", "padded.json", |leaves, records| {
        let i = leaves.len() - 1;
        let leaf = CommittedLeaf { face_value: 1_000_000, ..leaves[i].clone() };
        set_leaf(leaves, records, i, leaf);
    });
    let run = audit(dir.path(), "padded.json", &fixture_holdings(), &root, false);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(
        run.stdout.contains("STRUCTURE  leaf 31, field 'face_value': padding leaf 31 is worth"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains("26 matched, 0 extra, 0 missing, 0 changed, 1 structure"), "{}", run.describe());
}

#[test]
fn bad_input_exits_2_naming_the_place() {
    let dir = TempDir::new().unwrap();
    let root = commit(dir.path(), "commitment.json");
    // Line 3 of the statement has a bad check digit.
    let s = statement(dir.path(), "statement.csv", |t| t.replacen("912797WL7,", "912797WL8,", 1));
    let run = audit(dir.path(), "commitment.json", &s, &root, false);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("statement.csv:3: field 'cusip'"), "{}", run.describe());
    let r = audit(dir.path(), "commitment.json", &s, &root, true);
    assert_eq!((r.code, json_of(&r)["exit_code"].clone()), (2, 2.into()));

    let run = audit(dir.path(), "commitment.json", &fixture_holdings(), "0x12", false);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("--root '0x12'"), "{}", run.describe());

    let mut bad: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("commitment.json")).unwrap()).unwrap();
    bad["leaves"][2]["salt"] = "0xzz".into();
    std::fs::write(dir.path().join("bad.json"), serde_json::to_vec_pretty(&bad).unwrap()).unwrap();
    let run = audit(dir.path(), "bad.json", &fixture_holdings(), &root, false);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("bad.json: position 3: field 'salt'"), "{}", run.describe());
}
