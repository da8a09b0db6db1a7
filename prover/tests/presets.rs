//! The shipped fixtures against the shipped policy presets: each proves, and verifies, under
//! every preset it satisfies, and is refused before any proving under the others.

use std::path::{Path, PathBuf};

use bondproof_prover::attestation::{prove_attestation, AttestError, ProveRequest};
use bondproof_prover::commitment::commit;
use bondproof_prover::holdings::{aggregate_by_cusip, load_holdings};
use bondproof_prover::keys::{setup_insecure, write_params, ParamsInfo};
use bondproof_prover::policy_prove::PolicyProveError;
use bondproof_verifier::{verify_bundle, VerifierKey};
use chrono::NaiveDate;

const PRESETS: [&str; 5] = ["par", "sec-15c3-1", "basel", "rule-2a-7", "money-fund-sec"];

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

/// Commits `holdings` as of `as_of`, proves it under each preset, and verifies what was proved.
fn outcomes(holdings: &str, liabilities: &str, as_of: NaiveDate) -> Vec<(&'static str, Outcome)> {
    let tmp = tempfile::tempdir().unwrap();
    let holdings_path = fixtures().join(holdings);
    let positions = load_holdings(&holdings_path, as_of).unwrap();
    let holdings = aggregate_by_cusip(&positions, &holdings_path).unwrap();
    let (commitment, _, _) = commit(&holdings, 1, as_of, None, &holdings_path).unwrap();
    let commitment_path = tmp.path().join("commitment.json");
    commitment.write(&commitment_path).unwrap();
    let k = bondproof_circuits::policy::PolicySolvencyCircuit::min_k(commitment.depth);
    let params_path = tmp.path().join("params.bin");
    write_params(&setup_insecure(k), &params_path, &ParamsInfo { k, insecure: true, source: "test".into() }).unwrap();

    PRESETS
        .iter()
        .map(|&name| {
            let policy = fixtures().join(format!("policies/{name}.json"));
            let out = tmp.path().join(format!("{name}.json"));
            let req = ProveRequest {
                commitment: &commitment_path,
                liabilities: &fixtures().join(liabilities),
                params: &params_path,
                out: &out,
                ratio_bps: None,
                domain: None,
                custodian: None,
                policy: Some(&policy),
            };
            let outcome = match prove_attestation(&req, &|_| {}) {
                Ok(o) => {
                    let key = VerifierKey::read(&o.vk_path).unwrap();
                    verify_bundle(&o.bundle, &key).unwrap_or_else(|e| panic!("{name}: the proof does not verify: {e}"));
                    assert_eq!(o.bundle.policy.as_ref().map(|p| p.parameters.name.as_str()), Some(name));
                    Outcome::Proved
                }
                Err(AttestError::Policy(PolicyProveError::Violations { .. })) => Outcome::BreaksRules,
                Err(AttestError::Policy(PolicyProveError::Uncovered { .. })) => Outcome::Uncovered,
                Err(e) => panic!("{name}: {e}"),
            };
            (name, outcome)
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
