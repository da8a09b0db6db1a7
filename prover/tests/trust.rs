//! What a verifier trusts: nothing the custodian hands over but the proof.
//!
//! - `setup --srs` imports a ceremony file, records its setup id and SHA-256, and writes nothing
//!   when the file is bad (exit 2, naming it).
//! - `keys` derives the verifying key from the circuit code and the ceremony alone: run twice in
//!   different directories it writes the same bytes, which are the bytes `prove` wrote from the
//!   same ceremony (attestation and inclusion keys; a halo2-format ceremony, and a `.ptau` made
//!   here by snarkjs).
//! - `verify --srs` rebuilds the key and refuses a pinned key with one fixed commitment changed;
//!   `verify` refuses a key whose setup was not named, accepts the right `--setup-id` and
//!   refuses another; `inclusion verify` and `reconcile` do the same with `--srs`.
//! - Editing unproved metadata changes nothing `verify` shows above its "Unverified" heading;
//!   editing any proved field (every public input, the circuit header, the key hash, the proof)
//!   fails verification.
//!
//! The ceremony is the test binaries' shared halo2 parameters file (`common::shared_params`),
//! standing in for a published ceremony; one attestation is proved per test binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bondproof_circuits::halo2_proofs::halo2curves::serde::SerdeObject;
use bondproof_circuits::{CircuitKind, G1Affine};
use bondproof_verifier::VerifierKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod common;
use common::{bondproof, Run};

const AS_OF: &str = "2026-11-24";
const CUSTODIAN: &str = "0x1111111111111111111111111111111111111111";
/// A CUSIP of the fixtures, held in two accounts.
const CUSIP: &str = "912797UD7";

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name);
    assert!(p.exists(), "missing fixture {}", p.display());
    p.to_str().unwrap().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()))
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{}", run.describe());
    run
}

fn sha256_hex(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// One attestation proved with parameters imported (`attest --srs`) from the ceremony.
struct Fixture {
    dir: PathBuf,
    ceremony: PathBuf,
    setup_id: String,
    depth: usize,
}

impl Fixture {
    fn out(&self, name: &str) -> PathBuf {
        self.dir.join("out").join(name)
    }

    fn bundle(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.out("attestation.json")).unwrap()).unwrap()
    }

    /// A fresh folder of its own under the fixture's.
    fn subdir(&self, name: &str) -> PathBuf {
        let d = self.dir.join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}

fn fixture_attested() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = common::process_dir("trust-");
        let ceremony = common::shared_params().to_path_buf();
        let run = ok(bondproof(
            &dir,
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
                "--srs",
                s(&ceremony),
                "--custodian",
                CUSTODIAN,
                "--custodian-label",
                "Acme Custody",
            ],
        ));
        assert!(!run.stdout.contains("insecure local setup"), "{}", run.describe());
        assert!(run.stdout.contains("--srs CEREMONY_FILE"), "the check-it line names the ceremony: {}", run.describe());
        let note: Value = serde_json::from_slice(&std::fs::read(dir.join("out/params.bin.json")).unwrap()).unwrap();
        let setup_id = note["setup_id"].as_str().expect("params.bin.json records the setup id").to_string();
        let bundle: Value = serde_json::from_slice(&std::fs::read(dir.join("out/attestation.json")).unwrap()).unwrap();
        let depth = bundle["circuit"]["depth"].as_u64().unwrap() as usize;
        Fixture { dir, ceremony, setup_id, depth }
    })
}

#[test]
fn setup_srs_records_the_ceremony_and_a_bad_file_writes_nothing() {
    let f = fixture_attested();
    let note: Value = serde_json::from_slice(&std::fs::read(f.out("params.bin.json")).unwrap()).unwrap();
    assert_eq!(note["insecure"], false, "{note}");
    assert_eq!(note["ceremony"]["sha256"], sha256_hex(&f.ceremony), "{note}");
    assert_eq!(note["ceremony"]["format"], "halo2", "{note}");
    assert_eq!(f.setup_id.len(), 64, "the setup id is a whole SHA-256: {note}");
    let key = VerifierKey::read(&f.out("attestation.vk.bin")).unwrap();
    assert_eq!(key.setup_id(), f.setup_id);

    let dir = f.subdir("setup");
    let k = CircuitKind::Inclusion.min_k(f.depth).to_string();
    let run = ok(bondproof(&dir, &["setup", "--srs", s(&f.ceremony), "--k", &k, "--out", "p.bin"]));
    assert!(run.stdout.contains(&format!("setup id     {}", f.setup_id)), "{}", run.describe());
    assert!(run.stdout.contains(&sha256_hex(&f.ceremony)), "{}", run.describe());
    assert!(!run.stderr.contains("insecure"), "{}", run.describe());
    let json =
        json_of(&ok(bondproof(&dir, &["setup", "--srs", s(&f.ceremony), "--k", &k, "--out", "q.bin", "--json"])));
    assert_eq!((&json["insecure"], &json["setup_id"]), (&Value::Bool(false), &Value::String(f.setup_id.clone())));

    // Without --srs: the labelled insecure local setup, with another id.
    let json = json_of(&ok(bondproof(&dir, &["setup", "--k", &k, "--out", "local.bin", "--json"])));
    assert_eq!(json["insecure"], true);
    assert_ne!(json["setup_id"], Value::String(f.setup_id.clone()));

    // A truncated ceremony: exit 2 naming the file and the fault, and no parameters written.
    let bytes = std::fs::read(&f.ceremony).unwrap();
    std::fs::write(dir.join("cut.bin"), &bytes[..bytes.len() / 2]).unwrap();
    let run = bondproof(&dir, &["setup", "--srs", "cut.bin", "--k", &k, "--out", "cut-params.bin"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("error: cut.bin: truncated"), "{}", run.describe());
    assert!(!dir.join("cut-params.bin").exists() && !dir.join("cut-params.bin.json").exists());
    let run = bondproof(&dir, &["keys", "--srs", "cut.bin", "--depth", "3", "--out", "cut.vk.bin"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!dir.join("cut.vk.bin").exists());
    let run = bondproof(&dir, &["setup", "--srs", "missing.ptau", "--k", &k, "--out", "m.bin"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("missing.ptau"), "{}", run.describe());
}

#[test]
fn keys_twice_in_two_directories_is_byte_identical_to_the_key_prove_wrote() {
    let f = fixture_attested();
    let depth = f.depth.to_string();
    let (a, b) = (f.subdir("keys-a"), f.subdir("keys-b"));
    let run = ok(bondproof(&a, &["keys", "--srs", s(&f.ceremony), "--depth", &depth, "--out", "vk.bin"]));
    assert!(run.stdout.contains(&f.setup_id), "{}", run.describe());
    let json = json_of(&ok(bondproof(
        &b,
        &["keys", "--srs", s(&f.ceremony), "--depth", &depth, "--out", "key.bin", "--json"],
    )));
    let (first, second) = (std::fs::read(a.join("vk.bin")).unwrap(), std::fs::read(b.join("key.bin")).unwrap());
    assert_eq!(first, second, "keys is deterministic");
    let proved = std::fs::read(f.out("attestation.vk.bin")).unwrap();
    assert_eq!(first, proved, "the key derived from the ceremony is the key prove wrote");
    assert_eq!(json["vk_hash"], f.bundle()["vk_hash"]);
    assert_eq!(json["setup_id"], Value::String(f.setup_id.clone()));

    // Inclusion: a proof made with the imported parameters, its key derived the same way, and
    // `inclusion verify` / `reconcile` rebuilding it with --srs (no key of the custodian's).
    let dir = f.subdir("inclusion");
    let commitment = f.out("commitment.json");
    let params = f.out("params.bin");
    let proofs = dir.join("proofs");
    std::fs::create_dir_all(&proofs).unwrap();
    let run = ok(bondproof(
        &dir,
        &["inclusion", "prove", "--commitment", s(&commitment), "--cusip", CUSIP, "--params", s(&params)]
            .into_iter()
            .chain(["--out", "proofs/one.json"])
            .collect::<Vec<_>>(),
    ));
    assert!(run.stdout.contains("--srs"), "the check-it line names the ceremony: {}", run.describe());
    ok(bondproof(
        &dir,
        &["keys", "--srs", s(&f.ceremony), "--circuit", "inclusion", "--depth", &depth, "--out", "i.vk.bin"],
    ));
    assert_eq!(std::fs::read(dir.join("i.vk.bin")).unwrap(), std::fs::read(proofs.join("one.vk.bin")).unwrap());
    let root = f.bundle()["public_inputs"]["root"].as_str().unwrap().to_string();
    let run = ok(bondproof(
        &dir,
        &["inclusion", "verify", "--proof", "proofs/one.json", "--srs", s(&f.ceremony), "--root", &root],
    ));
    assert!(run.stdout.contains(&format!("{}: MATCHES the ceremony", f.setup_id)), "{}", run.describe());
    ok(bondproof(
        &dir,
        &["inclusion", "verify", "--proof", "proofs/one.json", "--srs", s(&f.ceremony), "--vk", "proofs/one.vk.bin"],
    ));
    let run = bondproof(&dir, &["inclusion", "verify", "--proof", "proofs/one.json", "--vk", "proofs/one.vk.bin"]);
    assert_eq!(run.code, 1, "an unnamed setup is refused: {}", run.describe());
    std::fs::remove_file(proofs.join("one.vk.bin")).unwrap();
    let holdings = std::fs::read_to_string(fixture("holdings.csv")).unwrap();
    let mut lines = holdings.lines();
    let statement: String = std::iter::once(lines.next().unwrap())
        .chain(lines.filter(|l| l.starts_with(CUSIP)))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("statement.csv"), statement).unwrap();
    let reconcile = |extra: &[&str]| {
        let mut args = vec!["inclusion", "reconcile", "--statement", "statement.csv", "--proofs", "proofs"];
        args.extend(["--root", &root, "--as-of", AS_OF]);
        args.extend(extra);
        bondproof(&dir, &args)
    };
    let run = ok(reconcile(&["--srs", s(&f.ceremony)]));
    assert!(run.stdout.contains("1 matched"), "{}", run.describe());
    let run = ok(reconcile(&["--vk", "i.vk.bin", "--setup-id", &f.setup_id]));
    assert!(run.stdout.contains("MATCHES the setup id"), "{}", run.describe());
    assert_eq!(reconcile(&["--vk", "i.vk.bin"]).code, 1);
}

#[test]
fn verify_srs_refuses_a_pinned_key_with_one_fixed_commitment_changed() {
    let f = fixture_attested();
    let dir = f.subdir("tampered-key");
    let bundle = f.out("attestation.json");
    let vk = f.out("attestation.vk.bin");

    let run = ok(bondproof(&dir, &["verify", "--attestation", s(&bundle), "--srs", s(&f.ceremony)]));
    assert!(run.stdout.contains("rebuilt from the circuit code"), "{}", run.describe());
    assert!(run.stdout.contains(&format!("{}: MATCHES the ceremony you named", f.setup_id)), "{}", run.describe());
    let run = ok(bondproof(&dir, &["verify", "--attestation", s(&bundle), "--srs", s(&f.ceremony), "--vk", s(&vk)]));
    assert!(run.stdout.contains("is identical"), "{}", run.describe());

    // Fixed commitment 0 (where the file layout puts it) replaced by another valid point: the
    // file still parses, so only the comparison with the rebuilt key can catch it.
    let key = VerifierKey::read(&vk).unwrap();
    let range = key.fixed_commitment_range(0).expect("the key has fixed columns");
    let mut bytes = key.bytes.clone();
    assert_eq!(&bytes[range.clone()], &key.vk.fixed_commitments()[0].to_raw_bytes()[..], "offset of commitment 0");
    let other = G1Affine::generator().to_raw_bytes();
    assert_ne!(&bytes[range.clone()], &other[..]);
    bytes[range].copy_from_slice(&other);
    VerifierKey::from_bytes(&bytes).expect("the changed key still parses");
    std::fs::write(dir.join("tampered.vk.bin"), &bytes).unwrap();
    let run =
        bondproof(&dir, &["verify", "--attestation", s(&bundle), "--srs", s(&f.ceremony), "--vk", "tampered.vk.bin"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("REFUSED") && run.stderr.contains("fixed commitment 0 differs"), "{}", run.describe());
    assert!(!run.stdout.contains("VALID"), "{}", run.describe());

    // Another ceremony rebuilds another key, for which this bundle was not made.
    let other = f.subdir("other-ceremony");
    let k = CircuitKind::Attestation.min_k(f.depth).to_string();
    ok(bondproof(&other, &["setup", "--k", &k, "--out", "other.bin"]));
    let run = bondproof(&dir, &["verify", "--attestation", s(&bundle), "--srs", s(&other.join("other.bin"))]);
    assert_eq!(run.code, 1, "{}", run.describe());
}

#[test]
fn verify_refuses_an_unnamed_setup_and_checks_a_named_one() {
    let f = fixture_attested();
    let dir = f.subdir("setup-id");
    let bundle = f.out("attestation.json");
    let vk = f.out("attestation.vk.bin");
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--attestation", s(&bundle), "--vk", s(&vk)];
        args.extend(extra);
        bondproof(&dir, &args)
    };
    let run = verify(&[]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("REFUSED") && run.stderr.contains(&f.setup_id), "{}", run.describe());
    assert!(run.stderr.contains("--allow-unchecked-setup"), "{}", run.describe());

    let run = ok(verify(&["--allow-unchecked-setup"]));
    assert!(run.stdout.contains(&format!("{}: UNCHECKED", f.setup_id)), "{}", run.describe());
    let run = ok(verify(&["--setup-id", &f.setup_id]));
    assert!(run.stdout.contains(&format!("{}: MATCHES the setup id you named", f.setup_id)), "{}", run.describe());
    ok(verify(&["--setup-id", &format!("0x{}", f.setup_id.to_uppercase())]));
    let json = json_of(&ok(verify(&["--setup-id", &f.setup_id, "--json"])));
    assert_eq!(json["setup"]["id"], Value::String(f.setup_id.clone()));
    assert_eq!((&json["setup"]["checked"], &json["setup"]["checked_by"]), (&Value::Bool(true), &"setup-id".into()));
    let json = json_of(&ok(verify(&["--allow-unchecked-setup", "--json"])));
    assert_eq!(json["setup"]["checked"], false);

    // Another setup's id, and an id that is no setup's.
    let other = f.subdir("setup-id-other");
    let other_id = json_of(&ok(bondproof(&other, &["setup", "--k", "9", "--out", "o.bin", "--json"])))["setup_id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = verify(&["--setup-id", &other_id]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains(&format!("the verifying key's setup is {}", f.setup_id)), "{}", run.describe());
    assert_eq!(verify(&["--setup-id", &"ab".repeat(32)]).code, 1);
    assert_eq!(verify(&["--setup-id", "abc"]).code, 2, "not a setup id at all is bad input");
    // Neither a key nor a ceremony: usage.
    assert_eq!(bondproof(&dir, &["verify", "--attestation", s(&bundle)]).code, 2);
    assert_eq!(verify(&["--srs", s(&f.ceremony), "--allow-unchecked-setup"]).code, 2, "contradictory options");
}

/// Everything `verify` prints before the "Unverified metadata" heading: the verdict, the key
/// and setup lines and the proved statement.
fn checked_part(run: &Run) -> String {
    let end =
        run.stdout.find("Unverified metadata").unwrap_or_else(|| panic!("no unverified part: {}", run.describe()));
    run.stdout[..end].to_string()
}

fn edit(bundle: &Value, path: &[&str], value: Value) -> Value {
    let mut b = bundle.clone();
    let mut v = &mut b;
    for p in path {
        v = match p.parse::<usize>() {
            Ok(i) => &mut v[i],
            Err(_) => &mut v[*p],
        };
    }
    assert!(!v.is_null(), "no field {path:?} in the bundle");
    assert_ne!(*v, value, "{path:?} already has that value");
    *v = value;
    b
}

#[test]
fn unproved_edits_change_no_proved_line_and_proved_edits_fail() {
    let f = fixture_attested();
    let dir = f.subdir("edits");
    let vk = f.out("attestation.vk.bin");
    let original = f.bundle();
    let verify = |bundle: &Value, json: bool| {
        std::fs::write(dir.join("edited.json"), serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
        let mut args = vec!["verify", "--attestation", "edited.json", "--vk", s(&vk), "--setup-id", &f.setup_id];
        if json {
            args.push("--json");
        }
        bondproof(&dir, &args)
    };
    let before = ok(verify(&original, false));
    let before_json = json_of(&ok(verify(&original, true)));
    assert!(checked_part(&before).contains("Proved (public inputs the proof binds)"));

    let insecure = original["metadata"]["insecure_setup"].as_bool().unwrap();
    let unproved: Vec<(&[&str], Value)> = vec![
        (&["metadata", "policy"], "STRICT (150% minimum)".into()),
        (&["metadata", "as_of"], "2031-01-01".into()),
        (&["metadata", "created_at"], "1999-12-31T23:59:59Z".into()),
        (&["metadata", "custodian"], "Someone Trustworthy".into()),
        (&["metadata", "insecure_setup"], (!insecure).into()),
        (&["metadata", "prover"], "bondproof 99.0".into()),
        (&["metadata", "deployments", "0", "token"], "0x00000000000000000000000000000000000dead1".into()),
        (&["metadata", "deployments", "0", "chain_id"], 137.into()),
    ];
    for (path, value) in unproved {
        let edited = edit(&original, path, value.clone());
        let run = verify(&edited, false);
        assert_eq!(run.code, 0, "editing {path:?} is not a verification failure: {}", run.describe());
        assert_eq!(checked_part(&run), checked_part(&before), "editing {path:?} changed a checked line");
        let shown = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
        if path[1] != "insecure_setup" {
            let unverified = &run.stdout[run.stdout.find("Unverified metadata").unwrap()..];
            assert!(unverified.contains(&shown), "the edit {path:?} shows, unverified: {}", run.describe());
        }
        let json = json_of(&verify(&edited, true));
        for field in ["proved", "public_inputs", "key", "setup", "vk_hash", "circuit"] {
            assert_eq!(json[field], before_json[field], "editing {path:?} changed the JSON's {field}");
        }
    }

    let p = &original["public_inputs"];
    // Another decimal string: its last digit changed (a domain is beyond u128).
    let bump = |v: &Value| -> Value {
        let mut d = v.as_str().unwrap().to_string();
        let last = d.pop().unwrap();
        d.push(if last == '0' { '1' } else { '0' });
        d.into()
    };
    let mut root = p["root"].as_str().unwrap().to_string();
    let last = root.pop().unwrap();
    root.push(if last == '0' { '1' } else { '0' });
    let mut proof = original["proof"].as_str().unwrap().to_string();
    proof.replace_range(40..41, if &proof[40..41] == "0" { "1" } else { "0" });
    let proved: Vec<(Vec<&str>, Value)> = vec![
        (vec!["public_inputs", "root"], root.into()),
        (vec!["public_inputs", "epoch"], bump(&p["epoch"])),
        (vec!["public_inputs", "custodian"], "0x2222222222222222222222222222222222222222".into()),
        (vec!["public_inputs", "as_of_days"], bump(&p["as_of_days"])),
        (vec!["public_inputs", "ratio_bps"], bump(&p["ratio_bps"])),
        (vec!["public_inputs", "policy", "eligible"], "any-cusip".into()),
        (vec!["public_inputs", "policy", "max_maturity_days"], bump(&p["policy"]["max_maturity_days"])),
        (vec!["public_inputs", "policy", "haircuts", "0", "max_days"], bump(&p["policy"]["haircuts"][0]["max_days"])),
        (vec!["public_inputs", "policy", "haircuts", "0", "bps"], bump(&p["policy"]["haircuts"][0]["bps"])),
        (vec!["public_inputs", "policy", "haircuts", "11", "bps"], bump(&p["policy"]["haircuts"][11]["bps"])),
        (vec!["public_inputs", "policy", "wam_enabled"], (!p["policy"]["wam_enabled"].as_bool().unwrap()).into()),
        (vec!["public_inputs", "policy", "max_wam_days"], bump(&p["policy"]["max_wam_days"])),
        (vec!["public_inputs", "policy", "weekly_enabled"], (!p["policy"]["weekly_enabled"].as_bool().unwrap()).into()),
        (vec!["public_inputs", "policy", "min_weekly_liquid_bps"], bump(&p["policy"]["min_weekly_liquid_bps"])),
        (vec!["public_inputs", "deployments", "0", "domain"], bump(&p["deployments"][0]["domain"])),
        (vec!["public_inputs", "deployments", "0", "supply_cents"], bump(&p["deployments"][0]["supply_cents"])),
        (vec!["public_inputs", "deployments", "2", "supply_cents"], bump(&p["deployments"][2]["supply_cents"])),
        (vec!["public_inputs", "deployments", "15", "supply_cents"], bump(&p["deployments"][15]["supply_cents"])),
        (vec!["circuit", "k"], (original["circuit"]["k"].as_u64().unwrap() + 1).into()),
        (vec!["circuit", "depth"], (original["circuit"]["depth"].as_u64().unwrap() + 1).into()),
        (vec!["vk_hash"], format!("0x{}", "00".repeat(32)).into()),
        (vec!["proof"], proof.into()),
    ];
    for (path, value) in proved {
        let run = verify(&edit(&original, &path, value), false);
        assert_eq!(run.code, 1, "editing the proved {path:?} must fail verification: {}", run.describe());
        assert!(!run.stdout.contains("VALID"), "{}", run.describe());
    }
    // A rebuilt key takes the bundle's depth: an edited one rebuilds another key, and fails too.
    let edited = edit(&original, &["circuit", "depth"], (f.depth as u64 - 1).into());
    std::fs::write(dir.join("depth.json"), serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    let run = bondproof(&dir, &["verify", "--attestation", "depth.json", "--srs", s(&f.ceremony)]);
    assert_eq!(run.code, 1, "{}", run.describe());
}

fn snarkjs(dir: &Path, args: &[&str]) {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("../verifier/node_modules/snarkjs/build/cli.cjs");
    assert!(cli.exists(), "{} is missing: run `npm ci --prefix verifier`", cli.display());
    let out = std::process::Command::new("node").arg(cli).args(args).current_dir(dir).output().expect("node runs");
    assert!(
        out.status.success(),
        "snarkjs {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The production path on a real `.ptau`: snarkjs makes a small ceremony (a contribution with
/// fixed entropy and a beacon); `setup --srs` imports it, `inclusion prove` proves with it,
/// `keys` derives the same key from the `.ptau` alone, and `inclusion verify --srs` checks the
/// proof with nothing of the prover's but the proof.
#[test]
fn a_snarkjs_ptau_gives_the_key_prove_wrote_and_verify_srs_accepts_its_proofs() {
    let f = fixture_attested();
    let dir = f.subdir("ptau");
    let k = CircuitKind::Inclusion.min_k(f.depth);
    let power = k.to_string();
    snarkjs(&dir, &["powersoftau", "new", "bn128", &power, "pot_0.ptau"]);
    snarkjs(&dir, &["powersoftau", "contribute", "pot_0.ptau", "pot_1.ptau", "--name=one", "-e=bondproof trust test"]);
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    snarkjs(&dir, &["powersoftau", "beacon", "pot_1.ptau", "pot.ptau", beacon, "10", "-n=beacon"]);

    let json =
        json_of(&ok(bondproof(&dir, &["setup", "--srs", "pot.ptau", "--k", &power, "--out", "params.bin", "--json"])));
    assert_eq!(json["ceremony"]["format"], "ptau", "{json}");
    assert_eq!(json["ceremony"]["sha256"], sha256_hex(&dir.join("pot.ptau")));
    let ptau_id = json["setup_id"].as_str().unwrap().to_string();
    assert_ne!(ptau_id, f.setup_id);

    ok(bondproof(
        &dir,
        &["inclusion", "prove", "--commitment", s(&f.out("commitment.json")), "--cusip", CUSIP]
            .into_iter()
            .chain(["--params", "params.bin", "--out", "one.json"])
            .collect::<Vec<_>>(),
    ));
    let depth = f.depth.to_string();
    ok(bondproof(
        &dir,
        &["keys", "--srs", "pot.ptau", "--circuit", "inclusion", "--depth", &depth, "--out", "k.vk.bin"],
    ));
    assert_eq!(std::fs::read(dir.join("k.vk.bin")).unwrap(), std::fs::read(dir.join("one.vk.bin")).unwrap());
    let run = ok(bondproof(&dir, &["inclusion", "verify", "--proof", "one.json", "--srs", "pot.ptau"]));
    assert!(run.stdout.contains(&format!("{ptau_id}: MATCHES the ceremony")), "{}", run.describe());
    // The halo2 ceremony of the other tests is not this one.
    let run = bondproof(&dir, &["inclusion", "verify", "--proof", "one.json", "--srs", s(&f.ceremony)]);
    assert_eq!(run.code, 1, "{}", run.describe());
}
