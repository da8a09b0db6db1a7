//! The `bondproof` binary as a user and a script see it: exit codes (0 success / valid,
//! 1 invalid or not covered, 2 bad input or usage), the messages, and which files are written.
//!
//! Every command runs in its own temporary directory, with that directory as the working
//! directory, so error messages carry short relative file names the assertions can match.
//! `--as-of` is always explicit: with the default (today) these tests would start failing as the
//! fixture positions mature.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bondproof_circuits::policy::Policy;
use bondproof_circuits::{AttestationCircuit, CircuitKind};
use bondproof_verifier::bundle::PolicyJson;
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
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Runs `attest` on the fixtures into `dir/out`; returns the run.
fn attest(dir: &Path, liabilities: &str) -> Run {
    bondproof(
        dir,
        &[
            "attest",
            "--holdings",
            &fixture("holdings.csv"),
            "--liabilities",
            &fixture(liabilities),
            "--out",
            "out",
            "--as-of",
            AS_OF,
        ],
    )
}

/// One `attest` on the fixtures (no --policy, no --custodian) per test binary: proving is the
/// slow part. Tests read its files and write their variants into their own folders.
struct Attested {
    dir: PathBuf,
    run: Run,
}

fn attested() -> &'static Attested {
    static ATTESTED: OnceLock<Attested> = OnceLock::new();
    ATTESTED.get_or_init(|| {
        let dir = common::process_dir("cli-attested-");
        seed_out(&dir);
        let run = attest(&dir, "liabilities.json");
        assert_eq!(run.code, 0, "attest on the fixtures failed: {}", run.describe());
        Attested { dir, run }
    })
}

/// Gives `attest` in `dir/out` the test binaries' shared insecure parameters and key cache, so
/// it reuses them (as it reuses an earlier run's) instead of generating its own.
fn seed_out(dir: &Path) {
    let shared = common::shared_params();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(shared, out.join("params.bin")).unwrap();
    std::fs::copy(bondproof_prover::keys::info_path(shared), out.join("params.bin.json")).unwrap();
    let keys = shared.parent().unwrap().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::os::unix::fs::symlink(&keys, out.join("keys")).unwrap();
}

fn attested_file(name: &str) -> String {
    attested().dir.join("out").join(name).to_str().unwrap().to_string()
}

fn verify(dir: &Path, attestation: &str, json: bool) -> Run {
    let vk = attested_file("attestation.vk.bin");
    let mut args = vec!["verify", "--attestation", attestation, "--vk", &vk, "--allow-unchecked-setup"];
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

fn bundle_json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn attest_on_fixtures_prints_the_summary_and_its_bundle_verifies() {
    let a = attested();
    let out = &a.run.stdout;
    for needle in [
        "positions    26 CUSIPs",
        "root         0x",
        "policy       par: eligible us-treasury",
        "counted",
        "liabilities",
        "chain 1",
        "chain 8453",
        "book entry",
        "COVERED at 10000 bps",
        "proof        k = ",
        // No --custodian: the summary must say plainly that no registry will take it.
        "custodian    0x0000000000000000000000000000000000000000 (zero address: no registry will accept",
        // The insecure local setup must never pass silently.
        "insecure",
    ] {
        assert!(out.contains(needle), "the summary should show {needle:?}: {}", a.run.describe());
    }
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = attested_file("attestation.json");
    let v = verify(dir.path(), &bundle_path, false);
    assert_eq!(v.code, 0, "{}", v.describe());
    assert!(v.stdout.contains("VALID"), "{}", v.describe());
    // The proved part and the unproved part are apart, and the policy's name is in the latter.
    let proved_at = v.stdout.find("Proved").unwrap_or_else(|| panic!("{}", v.describe()));
    let unverified_at = v.stdout.find("Unverified").unwrap_or_else(|| panic!("{}", v.describe()));
    assert!(proved_at < unverified_at, "{}", v.describe());
    let (proved, unverified) = v.stdout.split_at(unverified_at);
    for needle in [
        "root",
        "epoch",
        "custodian",
        "as of        2026-11-24",
        "ratio        10000 bps",
        "eligible us-treasury",
        "chain 1, registry 0xf1c7100000000000000000000000000000ae9001",
        "chain 8453, registry",
        "book entry, register 0",
    ] {
        assert!(proved.contains(needle), "verify should show {needle:?} as proved: {}", v.describe());
    }
    assert!(unverified.contains("policy name  par"), "{}", v.describe());
    assert!(!proved.contains("policy name"), "the policy's name is not proved: {}", v.describe());

    let v = verify(dir.path(), &bundle_path, true);
    assert_eq!(v.code, 0, "{}", v.describe());
    let j: serde_json::Value = serde_json::from_str(v.stdout.trim())
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", v.describe()));
    assert_eq!(j["valid"], true, "{}", v.describe());
    let bundle = bundle_json(&bundle_path);
    assert_eq!(j["public_inputs"], bundle["public_inputs"]);
    assert_eq!(j["vk_hash"], bundle["vk_hash"]);
    assert_eq!(j["unverified"]["policy"], "par");
    assert_eq!(j["proved"]["deployments"].as_array().map(Vec::len), Some(3), "{j}");
    assert_eq!(j["proved"]["deployments"][2]["decoded"]["kind"], "book-entry", "{j}");
    assert!(j["proved"].get("policy_name").is_none() && j["proved"]["policy"].get("name").is_none());
}

#[test]
fn attest_without_a_policy_proves_under_par() {
    let bundle = bundle_json(&attested_file("attestation.json"));
    let par = serde_json::to_value(PolicyJson::from_instance(&Policy::par().instance())).unwrap();
    assert_eq!(bundle["public_inputs"]["policy"], par);
    assert_eq!(bundle["public_inputs"]["ratio_bps"], "10000");
    assert_eq!(bundle["metadata"]["policy"], "par");
    assert_eq!(bundle["format_version"], 2);
    assert_eq!(bundle["circuit"]["name"], "attestation");
    assert_eq!(bundle["public_inputs"]["deployments"].as_array().map(Vec::len), Some(16));
}

#[test]
fn verify_rejects_tampered_bundles_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let original = PathBuf::from(attested_file("attestation.json"));

    for pos in [0, 700, 10_000] {
        let tampered = dir.join("flipped.json");
        flip_proof_bit(&original, &tampered, pos);
        let v = verify(dir, "flipped.json", false);
        assert_eq!(v.code, 1, "bit flip at byte {pos}: {}", v.describe());
        assert!(v.stderr.contains("INVALID"), "{}", v.describe());
        assert!(!v.stderr.contains("panicked"), "{}", v.describe());
    }

    let v = verify(dir, "flipped.json", true);
    assert_eq!(v.code, 1, "{}", v.describe());
    let j: serde_json::Value = serde_json::from_str(v.stdout.trim())
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", v.describe()));
    assert_eq!(j["ok"], false, "{}", v.describe());

    // A bundle naming another key: the pinned key wins.
    let mut bundle = bundle_json(original.to_str().unwrap());
    bundle["vk_hash"] = format!("0x{}", "ab".repeat(32)).into();
    std::fs::write(dir.join("other-vk.json"), serde_json::to_vec(&bundle).unwrap()).unwrap();
    let v = verify(dir, "other-vk.json", false);
    assert_eq!(v.code, 1, "{}", v.describe());
    assert!(v.stderr.contains("pinned"), "{}", v.describe());

    // A proved input changed in the JSON: a supply lowered, the custodian replaced, the
    // eligibility loosened.
    for (what, path, value) in [
        ("supply", vec!["public_inputs", "deployments", "0", "supply_cents"], serde_json::json!("1")),
        (
            "custodian",
            vec!["public_inputs", "custodian"],
            serde_json::json!("0x00000000000000000000000000000000000000c5"),
        ),
        ("eligibility", vec!["public_inputs", "policy", "eligible"], serde_json::json!("any-cusip")),
    ] {
        let mut bundle = bundle_json(original.to_str().unwrap());
        let mut slot = &mut bundle;
        for key in &path {
            slot = match key.parse::<usize>() {
                Ok(i) => &mut slot[i],
                Err(_) => &mut slot[*key],
            };
        }
        *slot = value;
        std::fs::write(dir.join("changed.json"), serde_json::to_vec(&bundle).unwrap()).unwrap();
        let v = verify(dir, "changed.json", false);
        assert_eq!(v.code, 1, "{what}: {}", v.describe());
    }
    // A bundle with 15 deployment slots is malformed, not read with a zero 16th.
    let mut bundle = bundle_json(original.to_str().unwrap());
    bundle["public_inputs"]["deployments"].as_array_mut().unwrap().pop();
    std::fs::write(dir.join("short.json"), serde_json::to_vec(&bundle).unwrap()).unwrap();
    let v = verify(dir, "short.json", false);
    assert_eq!(v.code, 1, "{}", v.describe());
    assert!(v.stderr.contains("exactly 16"), "{}", v.describe());

    // A file cut off halfway (a partial download) is an invalid attestation, not a crash.
    let text = std::fs::read(&original).unwrap();
    std::fs::write(dir.join("cut.json"), &text[..text.len() / 2]).unwrap();
    let v = verify(dir, "cut.json", false);
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
    let r = bondproof(
        dir.path(),
        &["commit", "--holdings", name, "--epoch", "1", "--out", "commitment.json", "--as-of", AS_OF],
    );
    let case = format!("{name} {:?}", String::from_utf8_lossy(content));
    assert_eq!(r.code, 2, "{case}: {}", r.describe());
    let err = r.stderr.as_str();
    let place = match line {
        Some(n) => format!("{name}:{n}:"),
        None => format!("{name}:"),
    };
    assert!(err.contains(&place), "{case}: the message should start with {place:?}: {}", r.describe());
    if let Some(field) = field {
        assert!(
            err.contains(&format!("field '{field}'")),
            "{case}: the message should name field '{field}': {}",
            r.describe()
        );
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
    assert_commit_rejected(
        "holdings.csv",
        b"cusip,face_value,maturity,colour\n912797UD7,100,2027-03-18,red\n",
        Some(1),
        Some("colour"),
        "unknown column",
    );
    assert_commit_rejected("holdings.csv", b"cusip,face_value\n912797UD7,100\n", Some(1), Some("maturity"), "missing");
    assert_commit_rejected(
        "holdings.csv",
        b"cusip,maturity\n912797UD7,2027-03-18\n",
        Some(1),
        Some("face_value"),
        "missing",
    );
    assert_commit_rejected("holdings.csv", b"face_value,maturity\n100,2027-03-18\n", Some(1), Some("cusip"), "missing");
}

#[test]
fn commit_rejects_bad_face_values() {
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,0,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "greater than zero",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,-100,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "greater than zero",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,12x,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "not a whole number",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,1e6,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "not a whole number",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "empty",
    );
    // 2^64 exactly: the first value the circuit's range check could not hold.
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,18446744073709551616,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "2^64",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,99999999999999999999999,2027-03-25,fund-a"]),
        Some(3),
        Some("face_value"),
        "2^64",
    );
    // The same bound reached through the dollar column: $184,467,440,737,095,516.16 is 2^64 cents.
    let usd =
        b"cusip,face_value_usd,maturity\n912797UD7,10000.00,2027-03-18\n912797WL7,184467440737095516.16,2027-03-25\n";
    assert_commit_rejected("holdings.csv", usd, Some(3), Some("face_value_usd"), "2^64");
}

#[test]
fn commit_accepts_the_largest_face_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h.csv"), format!("{HEADER}912797UD7,18446744073709551615,2027-03-18,a\n")).unwrap();
    let r =
        bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--as-of", AS_OF]);
    assert_eq!(r.code, 0, "2^64 - 1 cents is in range: {}", r.describe());
}

#[test]
fn commit_rejects_bad_and_matured_dates() {
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,100,2027-13-25,fund-a"]),
        Some(3),
        Some("maturity"),
        "not a calendar date",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,100,2027-02-30,fund-a"]),
        Some(3),
        Some("maturity"),
        "not a calendar date",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,100,25/03/2027,fund-a"]),
        Some(3),
        Some("maturity"),
        "YYYY-MM-DD",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,100,2027-3-25,fund-a"]),
        Some(3),
        Some("maturity"),
        "YYYY-MM-DD",
    );
    // The day before --as-of has matured; the as-of day itself has not (next test).
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL7,100,2026-11-23,fund-a"]),
        Some(3),
        Some("maturity"),
        "matured",
    );
}

#[test]
fn commit_takes_maturity_against_as_of_not_today() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("h.csv"), format!("{HEADER}912797WL7,100,{AS_OF},a\n")).unwrap();
    let r =
        bondproof(dir.path(), &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--as-of", AS_OF]);
    assert_eq!(r.code, 0, "a position maturing on the as-of date still counts: {}", r.describe());
    // A later as-of makes the same file stale.
    let r = bondproof(
        dir.path(),
        &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "d.json", "--as-of", "2026-11-25"],
    );
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("h.csv:2:") && r.stderr.contains("field 'maturity'"), "{}", r.describe());
    assert!(!dir.path().join("d.json").exists());
    let r = bondproof(
        dir.path(),
        &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "d.json", "--as-of", "24/11/2026"],
    );
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
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL8,100,2027-03-25,fund-a"]),
        Some(3),
        Some("cusip"),
        "check digit",
    );
    assert_commit_rejected(
        "holdings.csv",
        &rows(&["912797WL,100,2027-03-25,fund-a"]),
        Some(3),
        Some("cusip"),
        "912797WL",
    );
}

#[test]
fn commit_accepts_bom_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let content = "\u{feff}cusip,face_value,maturity,account\r\n912797UD7,1000000,2027-03-18,fund-a\r\n912797WL7,250000,2027-03-25,fund-a\r\n";
    std::fs::write(dir.path().join("h.csv"), content).unwrap();
    let r = bondproof(
        dir.path(),
        &["commit", "--holdings", "h.csv", "--epoch", "3", "--out", "c.json", "--as-of", AS_OF, "--json"],
    );
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
    let r = bondproof(
        dir.path(),
        &[
            "commit",
            "--holdings",
            &fixture("holdings.csv"),
            "--epoch",
            "9",
            "--out",
            "c.json",
            "--as-of",
            AS_OF,
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
    let j: serde_json::Value = serde_json::from_str(r.stdout.trim())
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", r.describe()));
    let root = j["root"].as_str().unwrap_or_else(|| panic!("no root: {}", r.describe()));
    assert!(
        root.len() == 66 && root.starts_with("0x") && root[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "root {root:?}"
    );
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
    std::fs::write(d.join("l.json"), r#"{"deployments": [{"chain_id": 1, "token": "0x1111111111111111111111111111111111111111", "registry": "0x2222222222222222222222222222222222222222", "decimals": 6, "total_supply": "10000"}]}"#).unwrap();
    let depth = 2;
    let need = AttestationCircuit::min_k(depth);
    let r = bondproof(
        d,
        &["commit", "--holdings", "h.csv", "--epoch", "1", "--out", "c.json", "--as-of", AS_OF, "--depth", "2"],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stdout.contains(&format!("k >= {need}")), "commit should say which k proving needs: {}", r.describe());
    let small = (need - 1).to_string();
    let r = bondproof(d, &["setup", "--k", &small, "--out", "p.bin"]);
    assert_eq!(r.code, 0, "{}", r.describe());

    let r = bondproof(
        d,
        &["prove", "--commitment", "c.json", "--liabilities", "l.json", "--params", "p.bin", "--out", "a.json"],
    );
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains(&format!("needs k = {need}")), "{}", r.describe());
    assert!(r.stderr.contains("p.bin"), "the message should name the params file: {}", r.describe());
    assert!(!d.join("a.json").exists() && !d.join("a.vk.bin").exists());
}

/// A money fund's bills under SEC haircuts and Rule 2a-7, for a named custodian: proved,
/// verified, exported for the chain, and the policy in the bundle cannot be loosened after the
/// fact (while its unproved name can be changed, and is shown as unverified).
#[test]
fn policy_attestation_proves_and_its_policy_is_bound() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let custodian = "0x00000000000000000000000000000000000c0575";
    seed_out(dir);
    let run = bondproof(
        dir,
        &[
            "attest",
            "--holdings",
            &fixture("money-fund/holdings.csv"),
            "--liabilities",
            &fixture("money-fund/liabilities.json"),
            "--out",
            "out",
            "--as-of",
            "2026-12-12",
            "--policy",
            &fixture("policies/money-fund-sec.json"),
            "--custodian",
            custodian,
            "--custodian-label",
            "Example Custody",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(run.stdout.contains("money-fund-sec") && run.stdout.contains("COVERED"), "{}", run.describe());
    assert!(run.stdout.contains(&format!("custodian    {custodian}\n")), "{}", run.describe());
    let verify = bondproof(
        dir,
        &[
            "verify",
            "--attestation",
            "out/attestation.json",
            "--vk",
            "out/attestation.vk.bin",
            "--allow-unchecked-setup",
        ],
    );
    assert_eq!(verify.code, 0, "{}", verify.describe());
    assert!(
        verify.stdout.contains("max WAM 60 days") && verify.stdout.contains("Example Custody"),
        "{}",
        verify.describe()
    );

    // The policy as verify reports it is the one a registry owner would require.
    let verified = json_of(&bondproof(
        dir,
        &[
            "verify",
            "--attestation",
            "out/attestation.json",
            "--vk",
            "out/attestation.vk.bin",
            "--allow-unchecked-setup",
            "--json",
        ],
    ));
    assert_eq!(verified["unverified"]["policy"], "money-fund-sec");
    assert_eq!(verified["proved"]["policy"]["max_wam_days"], "60");
    assert_eq!(verified["proved"]["custodian"], custodian);
    let minimum = json_of(&bondproof(
        dir,
        &["export-calldata", "--for", "minimum-policy", "--policy", &fixture("policies/money-fund-sec.json"), "--json"],
    ));
    assert_eq!(verified["proved"]["registry_policy_id"], minimum["policy_id"]);
    // On-chain: its verifier, in as many contracts as EIP-170 needs, and the registry's submit.
    let solidity =
        json_of(&bondproof(dir, &["export-solidity", "--vk", "out/attestation.vk.bin", "--out", "sol", "--json"]));
    assert_eq!(solidity["circuit"], "attestation");
    assert_eq!(solidity["contracts"].as_array().unwrap().last().unwrap(), "Halo2Verifier", "{solidity}");
    let submit = json_of(&bondproof(
        dir,
        &["export-calldata", "--attestation", "out/attestation.json", "--for", "registry", "--json"],
    ));
    let bundle: bondproof_verifier::ProofBundle =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/attestation.json")).unwrap()).unwrap();
    let expected =
        bondproof_verifier::solidity::encode_submit(&bundle.statement().unwrap(), &bundle.proof_bytes().unwrap());
    assert_eq!(submit["calldata"], format!("0x{}", hex::encode(expected)), "{submit}");
    let bare = json_of(&bondproof(dir, &["export-calldata", "--attestation", "out/attestation.json", "--json"]));
    let expected = bondproof_verifier::solidity::encode_verifier_calldata(
        &bundle.instances().unwrap(),
        &bundle.proof_bytes().unwrap(),
    );
    assert_eq!(bare["calldata"], format!("0x{}", hex::encode(expected)), "{bare}");

    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/attestation.json")).unwrap()).unwrap();
    let mut bundle = original.clone();
    bundle["public_inputs"]["policy"]["max_wam_days"] = serde_json::json!("61");
    std::fs::write(dir.join("loosened.json"), bundle.to_string()).unwrap();
    let run = bondproof(
        dir,
        &["verify", "--attestation", "loosened.json", "--vk", "out/attestation.vk.bin", "--allow-unchecked-setup"],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    let mut bundle = original.clone();
    bundle["public_inputs"]["policy"]["wam_enabled"] = serde_json::json!(false);
    std::fs::write(dir.join("dropped.json"), bundle.to_string()).unwrap();
    let run = bondproof(
        dir,
        &["verify", "--attestation", "dropped.json", "--vk", "out/attestation.vk.bin", "--allow-unchecked-setup"],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    // The name is a label: renaming verifies, and verify shows the new name as unverified only.
    let mut bundle = original;
    bundle["metadata"]["policy"] = serde_json::json!("totally-safe");
    std::fs::write(dir.join("renamed.json"), bundle.to_string()).unwrap();
    let run = bondproof(
        dir,
        &["verify", "--attestation", "renamed.json", "--vk", "out/attestation.vk.bin", "--allow-unchecked-setup"],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let unverified_at = run.stdout.find("Unverified").unwrap();
    assert_eq!(run.stdout.find("totally-safe").map(|i| i > unverified_at), Some(true), "{}", run.describe());
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
    let run =
        bondproof(dir, &["export-calldata", "--for", "minimum-policy", "--policy", &fixture("policies/basel.json")]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let basel = Policy::from_json(&std::fs::read_to_string(fixture("policies/basel.json")).unwrap()).unwrap();
    let expected = bondproof_verifier::solidity::encode_set_minimum_policy(&basel.instance());
    assert_eq!(run.stdout.trim(), format!("0x{}", hex::encode(expected)), "{}", run.describe());
    let selector =
        bondproof_verifier::solidity::selector(&bondproof_verifier::solidity::set_minimum_policy_signature());
    assert!(run.stdout.starts_with(&format!("0x{}", hex::encode(selector))), "{}", run.describe());
}

/// The on-chain verifier is for attestations: an inclusion key is refused as bad input, and so
/// is a file that is not a key at all.
#[test]
fn export_solidity_refuses_a_key_that_is_not_an_attestation_key() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let params = bondproof_prover::keys::setup_insecure(CircuitKind::Inclusion.min_k(2));
    let keys = bondproof_prover::keys::circuit_keys(CircuitKind::Inclusion, None, &params, 2).unwrap();
    std::fs::write(dir.join("inclusion.vk.bin"), &keys.vk.bytes).unwrap();
    let run = bondproof(dir, &["export-solidity", "--vk", "inclusion.vk.bin", "--out", "sol"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("inclusion circuit"), "{}", run.describe());
    assert!(!dir.join("sol").exists());
    std::fs::write(dir.join("junk.vk.bin"), b"not a key").unwrap();
    let run = bondproof(dir, &["export-solidity", "--vk", "junk.vk.bin", "--out", "sol"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("junk.vk.bin"), "{}", run.describe());
}

#[test]
fn prove_and_attest_refuse_a_malformed_custodian() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0x1234", "c0575", "0xzz00000000000000000000000000000000000000"] {
        let r = bondproof(
            dir.path(),
            &[
                "attest",
                "--holdings",
                &fixture("holdings.csv"),
                "--liabilities",
                &fixture("liabilities.json"),
                "--out",
                "out",
                "--as-of",
                AS_OF,
                "--custodian",
                bad,
            ],
        );
        assert_eq!(r.code, 2, "{bad}: {}", r.describe());
        assert!(r.stderr.contains("--custodian"), "{}", r.describe());
        assert!(!dir.path().join("out").exists(), "a usage error wrote files");
    }
}

/// Long bonds break Rule 2a-7: commit names the positions at fault, exits 2, writes nothing.
#[test]
fn commit_rejects_holdings_that_break_the_policy() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let run = bondproof(
        dir,
        &[
            "commit",
            "--holdings",
            &fixture("holdings.csv"),
            "--epoch",
            "1",
            "--out",
            "c.json",
            "--as-of",
            AS_OF,
            "--policy",
            &fixture("policies/rule-2a-7.json"),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("912810PW2") && run.stderr.contains("397 days"), "{}", run.describe());
    assert!(files_in(dir).is_empty(), "{:?}", files_in(dir));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_not_in_a_panic() {
    // `bondproof verify … | head`: the reader is gone before the first line is written.
    let a = attested();
    let vk = attested_file("attestation.vk.bin");
    let bundle = attested_file("attestation.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bondproof"))
        .current_dir(&a.dir)
        .args(["verify", "--attestation", &bundle, "--vk", &vk, "--allow-unchecked-setup"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the bondproof binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("it ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
