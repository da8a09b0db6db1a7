//! The `bondproof` binary as a user and a script see it: exit codes (0 success / valid,
//! 1 invalid or not covered, 2 bad input or usage), the messages, and which files are written.
//!
//! Every command runs in its own temporary directory, with that directory as the working
//! directory, so error messages carry short relative file names the assertions can match.
//! `--as-of` is always explicit: with the default (today) these tests would start failing as the
//! fixture positions mature.

use std::path::{Path, PathBuf};

use bondproof_circuits::SolvencyCircuit;
use tempfile::TempDir;

mod common;
use common::{bondproof, Run};

const AS_OF: &str = "2026-11-24";
const HEADER: &str = "cusip,face_value,maturity,account\n";
// Real CUSIPs from the fixture; the first row of every bad file is good, so a reported line 3
// shows the line count is real and not "always the first row".
const GOOD_ROW: &str = "912797UD7,1000000,2027-03-18,fund-a\n";


fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name);
    assert!(p.exists(), "missing fixture {}", p.display());
    p.to_str().unwrap().to_string()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Runs `attest` on the fixtures into `dir/out`; returns the run.
fn attest(dir: &Path, liabilities: &str) -> Run {
    bondproof(dir, &[
        "attest", "--holdings", &fixture("holdings.csv"), "--liabilities", &fixture(liabilities),
        "--out", "out", "--as-of", AS_OF,
    ])
}

fn attested() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = attest(dir.path(), "liabilities.json");
    assert_eq!(r.code, 0, "attest on the fixtures failed: {}", r.describe());
    dir
}

fn verify(dir: &Path, attestation: &str, json: bool) -> Run {
    let mut args = vec!["verify", "--attestation", attestation, "--vk", "out/attestation.vk.bin"];
    if json {
        args.push("--json");
    }
    bondproof(dir, &args)
}

/// Rewrites the bundle's proof hex with one bit of the byte at `pos` flipped.
fn flip_proof_bit(bundle_path: &Path, out: &Path, pos: usize) {
    let mut bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(bundle_path).unwrap()).unwrap();
    let mut proof = hex::decode(bundle["proof"].as_str().unwrap().strip_prefix("0x").unwrap()).unwrap();
    let pos = pos.min(proof.len() - 1);
    proof[pos] ^= 0x10;
    bundle["proof"] = format!("0x{}", hex::encode(proof)).into();
    std::fs::write(out, serde_json::to_vec_pretty(&bundle).unwrap()).unwrap();
}

#[test]
fn attest_on_fixtures_prints_covered_and_its_bundle_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let r = attest(dir.path(), "liabilities.json");
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stdout.contains("COVERED"), "{}", r.describe());
    // The insecure local setup must never pass silently.
    assert!(r.stdout.contains("insecure"), "{}", r.describe());
    let out = dir.path().join("out");
    assert!(out.join("attestation.json").exists() && out.join("attestation.vk.bin").exists());

    let v = verify(dir.path(), "out/attestation.json", false);
    assert_eq!(v.code, 0, "{}", v.describe());
    assert!(v.stdout.contains("VALID"), "{}", v.describe());

    let v = verify(dir.path(), "out/attestation.json", true);
    assert_eq!(v.code, 0, "{}", v.describe());
    let j: serde_json::Value = serde_json::from_str(v.stdout.trim()).unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", v.describe()));
    assert_eq!(j["valid"], true, "{}", v.describe());
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("attestation.json")).unwrap()).unwrap();
    assert_eq!(j["public_inputs"], bundle["public_inputs"]);
    assert_eq!(j["vk_hash"], bundle["vk_hash"]);
}

#[test]
fn verify_rejects_tampered_bundles_with_exit_1() {
    let dir = attested();
    let original = dir.path().join("out/attestation.json");

    for pos in [0, 700, 10_000] {
        let tampered = dir.path().join("flipped.json");
        flip_proof_bit(&original, &tampered, pos);
        let v = verify(dir.path(), "flipped.json", false);
        assert_eq!(v.code, 1, "bit flip at byte {pos}: {}", v.describe());
        assert!(v.stderr.contains("INVALID"), "{}", v.describe());
        assert!(!v.stderr.contains("panicked"), "{}", v.describe());
    }

    let v = verify(dir.path(), "flipped.json", true);
    assert_eq!(v.code, 1, "{}", v.describe());
    let j: serde_json::Value = serde_json::from_str(v.stdout.trim()).unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", v.describe()));
    assert_eq!(j["ok"], false, "{}", v.describe());

    // A bundle naming another key: the pinned key wins.
    let mut bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&original).unwrap()).unwrap();
    bundle["vk_hash"] = format!("0x{}", "ab".repeat(32)).into();
    std::fs::write(dir.path().join("other-vk.json"), serde_json::to_vec(&bundle).unwrap()).unwrap();
    let v = verify(dir.path(), "other-vk.json", false);
    assert_eq!(v.code, 1, "{}", v.describe());
    assert!(v.stderr.contains("pinned"), "{}", v.describe());

    // A file cut off halfway (a partial download) is an invalid attestation, not a crash.
    let text = std::fs::read(&original).unwrap();
    std::fs::write(dir.path().join("cut.json"), &text[..text.len() / 2]).unwrap();
    let v = verify(dir.path(), "cut.json", false);
    assert_eq!(v.code, 1, "{}", v.describe());
}

#[test]
fn attest_undercovered_exits_1_and_writes_no_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let r = attest(dir.path(), "liabilities-undercovered.json");
    assert_eq!(r.code, 1, "{}", r.describe());
    assert!(r.stderr.contains("do not cover"), "{}", r.describe());
    assert!(r.stderr.contains("liabilities of $"), "the message should give the amounts: {}", r.describe());
    assert!(!r.stdout.contains("COVERED"), "{}", r.describe());
    assert!(!dir.path().join("out/attestation.json").exists());
    assert!(!dir.path().join("out/attestation.vk.bin").exists());
}

#[test]
fn help_exits_0_and_unknown_flag_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let r = bondproof(dir.path(), &["--help"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    for cmd in ["setup", "commit", "prove", "verify", "attest"] {
        assert!(r.stdout.contains(cmd), "--help does not list {cmd}: {}", r.describe());
    }
    let r = bondproof(dir.path(), &["verify", "--help"]);
    assert_eq!(r.code, 0, "{}", r.describe());

    let r = bondproof(dir.path(), &["--no-such-flag"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("--no-such-flag"), "{}", r.describe());
    let r = bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--bogus"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    let r = bondproof(dir.path(), &["verify"]);
    assert_eq!(r.code, 2, "a missing required flag is a usage error: {}", r.describe());
    assert!(files_in(dir.path()).is_empty(), "a usage error wrote {:?}", files_in(dir.path()));
}

/// Writes `content` as `name` in a fresh directory, runs `commit` on it, and checks the
/// rejection: exit 2, a message naming the file, the line and the field, and nothing written.
fn assert_commit_rejected(name: &str, content: &[u8], line: Option<usize>, field: Option<&str>, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    let r = bondproof(dir.path(), &["commit", "--holdings", name, "--epoch", "1", "--out", "commitment.json", "--as-of", AS_OF]);
    let case = format!("{name} {:?}", String::from_utf8_lossy(content));
    assert_eq!(r.code, 2, "{case}: {}", r.describe());
    let err = r.stderr.as_str();
    let place = match line {
        Some(n) => format!("{name}:{n}:"),
        None => format!("{name}:"),
    };
    assert!(err.contains(&place), "{case}: the message should start with {place:?}: {}", r.describe());
    if let Some(field) = field {
        assert!(err.contains(&format!("field '{field}'")), "{case}: the message should name field '{field}': {}", r.describe());
    }
    assert!(err.contains(needle), "{case}: the message should say {needle:?}: {}", r.describe());
    assert!(!err.contains("panicked"), "{case}: {}", r.describe());
    assert_eq!(files_in(dir.path()), vec![name.to_string()], "{case}: a rejected file must not leave anything written");
}

fn rows(rows: &[&str]) -> Vec<u8> {
    let mut s = String::from(HEADER);
    s.push_str(GOOD_ROW);
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

#[test]
fn commit_rejects_empty_and_header_only_files() {
    assert_commit_rejected("holdings.csv", b"", None, None, "empty");
    // Whitespace only is as empty as nothing.
    assert_commit_rejected("holdings.csv", b"\n\n  \n", None, None, "empty");
    assert_commit_rejected("holdings.csv", HEADER.as_bytes(), Some(1), None, "no positions");
}

#[test]
fn commit_rejects_unknown_and_missing_columns() {
    assert_commit_rejected("holdings.csv", b"cusip,face_value,maturity,colour\n912797UD7,100,2027-03-18,red\n", Some(1), Some("colour"), "unknown column");
    assert_commit_rejected("holdings.csv", b"cusip,face_value\n912797UD7,100\n", Some(1), Some("maturity"), "missing");
    assert_commit_rejected("holdings.csv", b"cusip,maturity\n912797UD7,2027-03-18\n", Some(1), Some("face_value"), "missing");
    assert_commit_rejected("holdings.csv", b"face_value,maturity\n100,2027-03-18\n", Some(1), Some("cusip"), "missing");
}

#[test]
fn commit_rejects_bad_face_values() {
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,0,2027-03-25,fund-a"]), Some(3), Some("face_value"), "greater than zero");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,-100,2027-03-25,fund-a"]), Some(3), Some("face_value"), "greater than zero");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,12x,2027-03-25,fund-a"]), Some(3), Some("face_value"), "not a whole number");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,1e6,2027-03-25,fund-a"]), Some(3), Some("face_value"), "not a whole number");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,,2027-03-25,fund-a"]), Some(3), Some("face_value"), "empty");
    // 2^64 exactly: the first value the circuit's range check could not hold.
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,18446744073709551616,2027-03-25,fund-a"]), Some(3), Some("face_value"), "2^64");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,99999999999999999999999,2027-03-25,fund-a"]), Some(3), Some("face_value"), "2^64");
    // The same bound reached through the dollar column: $184,467,440,737,095,516.16 is 2^64 cents.
    let usd = b"cusip,face_value_usd,maturity\n912797UD7,10000.00,2027-03-18\n912797WL7,184467440737095516.16,2027-03-25\n";
    assert_commit_rejected("holdings.csv", usd, Some(3), Some("face_value_usd"), "2^64");
}

#[test]
fn commit_accepts_the_largest_face_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h.csv"), format!("{HEADER}912797UD7,18446744073709551615,2027-03-18,a\n")).unwrap();
    let r = bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--as-of", AS_OF]);
    assert_eq!(r.code, 0, "2^64 - 1 cents is in range: {}", r.describe());
}

#[test]
fn commit_rejects_bad_and_matured_dates() {
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,100,2027-13-25,fund-a"]), Some(3), Some("maturity"), "not a calendar date");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,100,2027-02-30,fund-a"]), Some(3), Some("maturity"), "not a calendar date");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,100,25/03/2027,fund-a"]), Some(3), Some("maturity"), "YYYY-MM-DD");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,100,2027-3-25,fund-a"]), Some(3), Some("maturity"), "YYYY-MM-DD");
    // The day before --as-of has matured; the as-of day itself has not (next test).
    assert_commit_rejected("holdings.csv", &rows(&["912797WL7,100,2026-11-23,fund-a"]), Some(3), Some("maturity"), "matured");
}

#[test]
fn commit_takes_maturity_against_as_of_not_today() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h.csv"), format!("{HEADER}912797WL7,100,{AS_OF},a\n")).unwrap();
    let r = bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--as-of", AS_OF]);
    assert_eq!(r.code, 0, "a position maturing on the as-of date still counts: {}", r.describe());
    // A later as-of makes the same file stale.
    let r = bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "d.json", "--as-of", "2026-11-25"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("h.csv:2:") && r.stderr.contains("field 'maturity'"), "{}", r.describe());
    assert!(!dir.path().join("d.json").exists());
    let r = bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "d.json", "--as-of", "24/11/2026"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("--as-of"), "{}", r.describe());
}

#[test]
fn commit_rejects_duplicate_position_and_bad_check_digit() {
    // Same CUSIP and account twice, line 4 repeating line 2: counting it twice would inflate reserves.
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,100,2027-03-25,fund-a", "912797UD7,500,2027-03-18,fund-a"]),
        Some(4),
        Some("account"),
        "duplicate",
    );
    assert_commit_rejected("holdings.csv", &rows(&["912797WL8,100,2027-03-25,fund-a"]), Some(3), Some("cusip"), "check digit");
    assert_commit_rejected("holdings.csv", &rows(&["912797WL,100,2027-03-25,fund-a"]), Some(3), Some("cusip"), "912797WL");
}

#[test]
fn commit_accepts_bom_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let content = "\u{feff}cusip,face_value,maturity,account\r\n912797UD7,1000000,2027-03-18,fund-a\r\n912797WL7,250000,2027-03-25,fund-a\r\n";
    std::fs::write(dir.path().join("h.csv"), content).unwrap();
    let r = bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "3", "--out", "c.json", "--as-of", AS_OF, "--json"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let j: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(j["positions"], 2, "{}", r.describe());
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(c["total_face_value"], "1250000", "the CR must not stick to the last field");

    // Line numbers must count CRLF lines as an editor does (the csv crate's own count lagged
    // one line per CRLF row), including blank lines and a quoted field spanning two lines.
    let crlf_cases: [(&str, usize); 4] = [
        ("\u{feff}cusip,face_value,maturity\r\n912797UD7,100,2027-03-18\r\n912797WL7,0,2027-03-25\r\n", 3),
        ("cusip,face_value,maturity,account\r\n912797UD7,100,2027-03-18,a\r\n\r\n912797WA1,100,2027-09-02,a\r\n912797WL7,0,2027-03-25,a\r\n", 5),
        ("cusip,face_value,maturity,account\r\n912797UD7,100,2027-03-18,\"fund\r\na\"\r\n912797WL7,0,2027-03-25,a\r\n", 4),
        // Lone CR (classic Mac) line ends.
        ("cusip,face_value,maturity\r912797UD7,100,2027-03-18\r912797WL7,0,2027-03-25\r", 3),
    ];
    for (content, line) in crlf_cases {
        assert_commit_rejected("holdings.csv", content.as_bytes(), Some(line), Some("face_value"), "greater than zero");
    }
}

#[test]
fn commit_json_prints_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let r = bondproof(dir.path(), &[
        "commit", "--holdings", &fixture("holdings.csv"), "--epoch", "9", "--out", "c.json", "--as-of", AS_OF, "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let j: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", r.describe()));
    let root = j["root"].as_str().unwrap_or_else(|| panic!("no root: {}", r.describe()));
    assert!(root.len() == 66 && root.starts_with("0x") && root[2..].bytes().all(|b| b.is_ascii_hexdigit()), "root {root:?}");
    assert_eq!(j["epoch"], 9);
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(c["root"], root, "the printed root is the committed one");
}

#[test]
fn prove_with_too_small_k_exits_2_and_names_the_k_needed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("h.csv"), format!("{HEADER}{GOOD_ROW}912797WL7,250000,2027-03-25,fund-a\n")).unwrap();
    // $0.01 of liabilities: the coverage check passes, so the failure can only be the k.
    std::fs::write(d.join("l.json"), r#"{"deployments": [{"chain_id": 1, "token": "0x1111111111111111111111111111111111111111", "decimals": 6, "total_supply": "10000"}]}"#).unwrap();
    let depth = 2;
    let need = SolvencyCircuit::min_k(depth);
    let r = bondproof(d, &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--as-of", AS_OF, "--depth", "2"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stdout.contains(&format!("k >= {need}")), "commit should say which k proving needs: {}", r.describe());
    let small = (need - 1).to_string();
    let r = bondproof(d, &["setup", "--k", &small, "--out", "p.bin"]);
    assert_eq!(r.code, 0, "{}", r.describe());

    let r = bondproof(d, &["prove", "--commitment", "c.json", "--liabilities", "l.json", "--params", "p.bin", "--out", "a.json"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains(&format!("needs k = {need}")), "{}", r.describe());
    assert!(r.stderr.contains("p.bin"), "the message should name the params file: {}", r.describe());
    assert!(!d.join("a.json").exists() && !d.join("a.vk.bin").exists());
}

/// A money fund's bills under SEC haircuts and Rule 2a-7: proved, verified, and the policy in
/// the bundle cannot be loosened after the fact.
#[test]
fn policy_attestation_proves_and_its_policy_is_bound() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let run = bondproof(dir, &[
        "attest", "--holdings", &fixture("money-fund/holdings.csv"), "--liabilities", &fixture("money-fund/liabilities.json"),
        "--out", "out", "--as-of", "2026-12-12", "--policy", &fixture("policies/money-fund-sec.json"),
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(run.stdout.contains("money-fund-sec") && run.stdout.contains("COVERED"), "{}", run.describe());
    let verify = bondproof(dir, &["verify", "--attestation", "out/attestation.json", "--vk", "out/attestation.vk.bin"]);
    assert_eq!(verify.code, 0, "{}", verify.describe());
    assert!(verify.stdout.contains("money-fund-sec"), "{}", verify.describe());

    // The policy as verify reports it is the one a registry owner would require.
    let verified = json_of(&bondproof(dir, &["verify", "--attestation", "out/attestation.json", "--vk", "out/attestation.vk.bin", "--json"]));
    assert_eq!(verified["policy"]["name"], "money-fund-sec");
    assert_eq!(verified["policy"]["parameters"]["max_wam_days"], 60);
    let minimum = json_of(&bondproof(dir, &["export-calldata", "--for", "minimum-policy", "--policy", &fixture("policies/money-fund-sec.json"), "--json"]));
    assert_eq!(verified["policy"]["registry_policy_id"], minimum["policy_id"]);
    // On-chain: its verifier, in as many contracts as EIP-170 needs, and submitWithPolicy.
    let solidity = json_of(&bondproof(dir, &["export-solidity", "--vk", "out/attestation.vk.bin", "--out", "sol", "--json"]));
    assert_eq!(solidity["circuit"], "policy-solvency");
    let contracts = solidity["contracts"].as_array().unwrap();
    assert!(contracts.len() >= 2 && contracts.last().unwrap() == "Halo2Verifier", "{solidity}");
    let submit = json_of(&bondproof(dir, &["export-calldata", "--attestation", "out/attestation.json", "--for", "registry", "--json"]));
    let selector = bondproof_verifier::solidity::selector(&bondproof_verifier::solidity::submit_with_policy_signature());
    assert!(submit["calldata"].as_str().unwrap().starts_with(&format!("0x{}", hex::encode(selector))), "{submit}");

    let mut bundle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("out/attestation.json")).unwrap()).unwrap();
    bundle["policy"]["parameters"]["max_wam_days"] = serde_json::json!(61);
    std::fs::write(dir.join("loosened.json"), bundle.to_string()).unwrap();
    let run = bondproof(dir, &["verify", "--attestation", "loosened.json", "--vk", "out/attestation.vk.bin"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    bundle["policy"] = serde_json::Value::Null;
    std::fs::write(dir.join("dropped.json"), bundle.to_string()).unwrap();
    let run = bondproof(dir, &["verify", "--attestation", "dropped.json", "--vk", "out/attestation.vk.bin"]);
    assert_eq!(run.code, 1, "{}", run.describe());
}

fn json_of(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "{}", run.describe());
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()))
}

#[test]
fn export_calldata_needs_the_input_its_target_takes() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    for args in [
        vec!["export-calldata", "--for", "minimum-policy"],
        vec!["export-calldata", "--for", "registry", "--policy", "p.json"],
        vec!["export-calldata", "--for", "minimum-policy", "--policy", "missing.json"],
    ] {
        let run = bondproof(dir, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.describe());
        assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    }
    let run = bondproof(dir, &["export-calldata", "--for", "minimum-policy", "--policy", &fixture("policies/basel.json")]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let selector = bondproof_verifier::solidity::selector(&bondproof_verifier::solidity::set_minimum_policy_signature());
    // Selector, then the 29 words of the policy.
    assert_eq!(run.stdout.trim().len(), 2 + 2 * (4 + 29 * 32), "{}", run.describe());
    assert!(run.stdout.starts_with(&format!("0x{}", hex::encode(selector))), "{}", run.describe());
}

/// Long bonds break Rule 2a-7: commit names the positions at fault, exits 2, writes nothing.
#[test]
fn commit_rejects_holdings_that_break_the_policy() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let run = bondproof(dir, &[
        "commit", "--holdings", &fixture("holdings.csv"), "--epoch", "1", "--out", "c.json", "--as-of", AS_OF,
        "--policy", &fixture("policies/rule-2a-7.json"),
    ]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("912810PW2") && run.stderr.contains("397 days"), "{}", run.describe());
    assert!(files_in(dir).is_empty(), "{:?}", files_in(dir));
}
