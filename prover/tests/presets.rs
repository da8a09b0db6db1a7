//! The shipped fixtures against the shipped policy presets: each proves, and verifies, under
//! every preset it satisfies, and is refused before any proving under the others. And the
//! eligibility rule both ways: a corporate CUSIP proves under `any-cusip` and is refused
//! under `us-treasury`.

use std::path::{Path, PathBuf};

use bondproof_circuits::cusip::Eligibility;
use bondproof_circuits::policy::Policy;
use bondproof_prover::attestation::{prove_attestation, ProveRequest};
use bondproof_prover::commitment::commit;
use bondproof_prover::ingest::{aggregate_by_cusip, load_holdings};
use bondproof_prover::Error;
use bondproof_verifier::bundle::PolicyJson;
use bondproof_verifier::{verify_bundle, VerifierKey};
use chrono::NaiveDate;

mod common;

const PRESETS: [&str; 5] = ["par", "sec-15c3-1", "basel", "rule-2a-7", "money-fund-sec"];
const CUSTODIAN: [u8; 20] = [0x42; 20];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// What happens to a fixture under a preset.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Proved,
    /// Refused natively: a position breaks a rule (exit 2).
    BreaksRules,
    /// Refused natively: counted reserves after haircuts do not cover (exit 1).
    Uncovered,
}

/// Commits `holdings` as of `as_of` into `dir`; returns the commitment's path.
fn committed(dir: &Path, holdings_path: &Path, as_of: NaiveDate) -> PathBuf {
    let positions = load_holdings(holdings_path, as_of).unwrap();
    let holdings = aggregate_by_cusip(&positions, holdings_path).unwrap();
    let (commitment, _, _) = commit(&holdings, 1, as_of, None, holdings_path).unwrap();
    let path = dir.join("commitment.json");
    commitment.write(&path).unwrap();
    path
}

/// Proves the commitment under `policy` (a file), verifies what was proved, and checks the
/// bundle names the policy and carries its parameters.
fn prove_under(dir: &Path, commitment: &Path, liabilities: &Path, policy: &Path, name: &str) -> Outcome {
    let out = dir.join(format!("{name}.json"));
    let req = ProveRequest {
        commitment,
        liabilities,
        params: common::shared_params(),
        out: &out,
        ratio_bps: None,
        policy: Some(policy),
        custodian: CUSTODIAN,
        custodian_label: None,
        transcript: bondproof_verifier::bundle::Transcript::Keccak,
    };
    match prove_attestation(&req, &|_| {}) {
        Ok(o) => {
            let key = VerifierKey::read(&o.vk_path).unwrap();
            let proved =
                verify_bundle(&o.bundle, &key).unwrap_or_else(|e| panic!("{name}: the proof does not verify: {e}"));
            let file = Policy::from_json(&std::fs::read_to_string(policy).unwrap()).unwrap();
            assert_eq!(proved.policy, file.instance(), "{name}: the proved policy is the file's");
            assert_eq!(o.bundle.public_inputs.policy, PolicyJson::from_instance(&file.instance()));
            assert_eq!(o.bundle.metadata.policy, file.name);
            assert_eq!(u64::from(proved.ratio_bps), file.min_ratio_bps, "{name}: the ratio defaults to the policy's");
            Outcome::Proved
        }
        Err(e @ Error::Violations { .. }) => {
            assert_eq!(e.exit_code(), 2);
            Outcome::BreaksRules
        }
        Err(e @ Error::Uncovered { .. }) => {
            assert_eq!(e.exit_code(), 1);
            Outcome::Uncovered
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Commits `holdings` as of `as_of`, proves it under each preset.
fn outcomes(holdings: &str, liabilities: &str, as_of: NaiveDate) -> Vec<(&'static str, Outcome)> {
    let tmp = tempfile::tempdir().unwrap();
    let commitment = committed(tmp.path(), &fixtures().join(holdings), as_of);
    PRESETS
        .iter()
        .map(|&name| {
            let policy = fixtures().join(format!("policies/{name}.json"));
            (name, prove_under(tmp.path(), &commitment, &fixtures().join(liabilities), &policy, name))
        })
        .collect()
}

#[test]
fn money_fund_fixtures_prove_under_every_preset() {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 12).unwrap();
    let got = outcomes("money-fund/holdings.csv", "money-fund/liabilities.json", as_of);
    assert_eq!(got, PRESETS.iter().map(|&p| (p, Outcome::Proved)).collect::<Vec<_>>());
}

#[test]
fn main_fixtures_prove_at_par_and_are_refused_where_they_fall_short() {
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let got = outcomes("holdings.csv", "liabilities.json", as_of);
    assert_eq!(
        got,
        vec![
            ("par", Outcome::Proved),
            // 101% of face, but long bonds lose up to 6% (SEC) or 4% (Basel) to haircuts.
            ("sec-15c3-1", Outcome::Uncovered),
            ("basel", Outcome::Uncovered),
            // Bonds maturing after 397 days.
            ("rule-2a-7", Outcome::BreaksRules),
            ("money-fund-sec", Outcome::BreaksRules),
        ]
    );
}

/// Apple's CUSIP (037833100, a corporate bond issuer) beside a Treasury bill: a real proof
/// under `any-cusip`, refused natively under `us-treasury` naming the position.
#[test]
fn a_corporate_cusip_proves_under_any_cusip_and_is_refused_under_us_treasury() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("holdings.csv"),
        "cusip,face_value_usd,maturity\n037833100,600000.00,2028-05-11\n912797UD7,500000.00,2027-03-18\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("liabilities.json"),
        r#"{"deployments": [{"chain_id": 1, "token": "0x3333333333333333333333333333333333333333",
            "registry": "0x4444444444444444444444444444444444444444", "decimals": 6, "total_supply": "1000000000000"}]}"#,
    )
    .unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let commitment = committed(dir, &dir.join("holdings.csv"), as_of);
    let liabilities = dir.join("liabilities.json");

    let any = Policy { name: "par-any-cusip".into(), eligible: Eligibility::AnyCusip, ..Policy::par() };
    std::fs::write(dir.join("policy-any-cusip.json"), serde_json::to_string(&any).unwrap()).unwrap();
    assert_eq!(prove_under(dir, &commitment, &liabilities, &dir.join("policy-any-cusip.json"), "any"), Outcome::Proved);
    let proved = bondproof_verifier::ProofBundle::read(&dir.join("any.json")).unwrap();
    assert_eq!(proved.public_inputs.policy.eligible, "any-cusip");

    let par = fixtures().join("policies/par.json");
    let req = ProveRequest {
        commitment: &commitment,
        liabilities: &liabilities,
        params: common::shared_params(),
        out: &dir.join("treasury.json"),
        ratio_bps: None,
        policy: Some(&par),
        custodian: CUSTODIAN,
        custodian_label: None,
        transcript: bondproof_verifier::bundle::Transcript::Keccak,
    };
    match prove_attestation(&req, &|_| {}) {
        Err(e @ Error::Violations { .. }) => {
            assert_eq!(e.exit_code(), 2);
            let message = e.to_string();
            assert!(message.contains("037833100") && message.contains("position 0"), "{message}");
        }
        Err(e) => panic!("expected a policy violation, got {e}"),
        Ok(_) => panic!("a corporate CUSIP proved under us-treasury"),
    }
    assert!(!dir.join("treasury.json").exists() && !dir.join("treasury.vk.bin").exists());
}
