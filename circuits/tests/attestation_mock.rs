//! One MockProver test per security property of the attestation circuit: a witness that breaks
//! the property cannot be proved, and the boundary case can. Depth 3 (8 leaves).

use bondproof_circuits::circuits::attestation::Tamper;
use bondproof_circuits::cusip::{cusip_field, Eligibility};
use bondproof_circuits::halo2_proofs::dev::{MockProver, VerifyFailure};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::policy::{HaircutBucket, Policy};
use bondproof_circuits::statement::{domain_tag, AttestationStatement as S, Deployment, DEPLOYMENT_SLOTS};
use bondproof_circuits::{ensure_max_degree, AttestationCircuit, AttestationWitness, Fr};
use ff::{Field, PrimeField};

const DEPTH: usize = 3;
/// 2026-05-27.
const AS_OF: u64 = 20_600;

fn preset(name: &str) -> Policy {
    let text = match name {
        "par" => include_str!("../../fixtures/policies/par.json"),
        "sec-15c3-1" => include_str!("../../fixtures/policies/sec-15c3-1.json"),
        "basel" => include_str!("../../fixtures/policies/basel.json"),
        "rule-2a-7" => include_str!("../../fixtures/policies/rule-2a-7.json"),
        _ => unreachable!(),
    };
    Policy::from_json(text).expect("preset parses")
}

fn custom(max_maturity: Option<u64>, haircuts: &[(Option<u64>, u64)], wam: Option<u64>, weekly: Option<u64>) -> Policy {
    let p = Policy {
        name: "test".into(),
        eligible: Eligibility::UsTreasury,
        min_ratio_bps: 10_000,
        max_maturity_days: max_maturity,
        haircuts: haircuts.iter().map(|&(max_days, bps)| HaircutBucket { max_days, bps }).collect(),
        max_wam_days: wam,
        min_weekly_liquid_bps: weekly,
    };
    p.validate().expect("valid test policy");
    p
}

/// (cusip, face, remaining days) positions in tree order, padded with zero leaves.
fn leaves(positions: &[(&str, u64, i64)]) -> Vec<Leaf> {
    (0..1usize << DEPTH)
        .map(|i| {
            let salt = Fr::from(1_000_003 * (i as u64 + 7));
            match positions.get(i) {
                Some(&(c, face, rem)) => {
                    let bytes: [u8; 9] = c.as_bytes().try_into().expect("9 characters");
                    Leaf::new(cusip_field(&bytes), face, (AS_OF as i64 + rem) as u64, salt)
                }
                None => Leaf::new(Fr::ZERO, 0, 0, salt),
            }
        })
        .collect()
}

/// Liabilities spread over three deployments (two chains and a book-entry line), so the sum
/// is exercised; the rest of the table is zero.
fn table(liabilities: u128) -> [Deployment; DEPLOYMENT_SLOTS] {
    let mut t = [Deployment::default(); DEPLOYMENT_SLOTS];
    let third = liabilities / 3;
    t[0] = Deployment { domain: domain_tag(1, [0xa1; 20]), supply_cents: third };
    t[1] = Deployment { domain: domain_tag(8453, [0xb2; 20]), supply_cents: third };
    t[2] = Deployment {
        domain: bondproof_circuits::statement::book_entry_domain(0),
        supply_cents: liabilities - 2 * third,
    };
    t
}

fn statement(tree: &TreeWitness, policy: &Policy, liabilities: u128, ratio_bps: u32) -> S {
    S {
        root: tree.root().hash(),
        epoch: 42,
        custodian: [0xc0; 20],
        as_of_days: AS_OF,
        ratio_bps,
        policy: policy.instance(),
        deployments: table(liabilities),
    }
}

fn mock(witness: AttestationWitness, instances: Vec<Fr>) -> Result<(), Vec<VerifyFailure>> {
    ensure_max_degree();
    let k = AttestationCircuit::min_k(DEPTH);
    MockProver::run(k, &AttestationCircuit::new(witness), vec![instances]).expect("synthesis").verify()
}

/// Asserts a failure that names `needle` (a gate, a lookup or an equality constraint).
fn fails_with(r: Result<(), Vec<VerifyFailure>>, needle: &str) {
    let failures = r.expect_err("must not be provable");
    assert!(failures.iter().any(|f| format!("{f:?}").contains(needle)), "expected {needle}: {failures:?}");
}

/// Proves the leaves under the policy with the given liabilities and ratio, with a tampered
/// witness if asked.
fn prove_as(
    ls: &[Leaf],
    policy: &Policy,
    liabilities: u128,
    ratio: u32,
    tamper: Tamper,
) -> Result<(), Vec<VerifyFailure>> {
    let tree = TreeWitness::build(ls);
    let st = statement(&tree, policy, liabilities, ratio);
    let mut instances = st.to_instances();
    for &(k, x) in &tamper.public_overrides {
        instances[k] = x;
    }
    mock(AttestationWitness { tree, statement: st, tamper }, instances)
}

fn prove(ls: &[Leaf], policy: &Policy, liabilities: u128) -> Result<(), Vec<VerifyFailure>> {
    prove_as(ls, policy, liabilities, 10_000, Tamper::default())
}

fn forced(rows: Vec<(usize, usize)>) -> Tamper {
    Tamper { forced_schedule_rows: rows, ..Tamper::default() }
}

/// The largest liabilities (cents) the counted total covers at 100%; asserts the native model
/// finds no violation.
fn counted(ls: &[Leaf], policy: &Policy) -> u128 {
    let rep = policy.evaluate(ls, AS_OF);
    assert!(rep.ok(), "{:?}", rep.violations);
    rep.counted_cents()
}

fn assert_native_violation(ls: &[Leaf], policy: &Policy, index: Option<usize>) {
    let rep = policy.evaluate(ls, AS_OF);
    assert!(rep.violations.iter().any(|v| v.index == index), "expected a violation at {index:?}: {:?}", rep.violations);
}

fn portfolio() -> Vec<(&'static str, u64, i64)> {
    vec![
        ("912797UD7", 60_000_000_00, 3),
        ("912797WA1", 20_000_000_00, 30),
        ("912797WL7", 15_000_000_00, 100),
        ("91282CHX2", 5_000_000_00, 300),
    ]
}

// ------------------------------------------------------------------ coverage and the tree

#[test]
fn a_compliant_portfolio_proves_under_every_preset_exactly_at_coverage() {
    let ls = leaves(&portfolio());
    for name in ["par", "sec-15c3-1", "basel", "rule-2a-7"] {
        let p = preset(name);
        let total = counted(&ls, &p);
        prove(&ls, &p, total).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        fails_with(prove(&ls, &p, total + 1), "bytes");
    }
    // The haircuts bite, exactly: SEC counts 0.5% less of the 100-day position and 1% less of
    // the 300-day one, Basel 0.5% of everything.
    let face: u128 = portfolio().iter().map(|p| p.1 as u128).sum();
    assert_eq!(counted(&ls, &preset("par")), face);
    assert_eq!(counted(&ls, &preset("sec-15c3-1")), face - 15_000_000_00 / 200 - 5_000_000_00 / 100);
    assert_eq!(counted(&ls, &preset("basel")), face - face / 200);
}

#[test]
fn coverage_at_the_ratio_proves_and_one_cent_more_liabilities_do_not() {
    let ls = leaves(&portfolio());
    let p = preset("par");
    let face: u128 = portfolio().iter().map(|p| p.1 as u128).sum();
    // face * 10000 = liabilities * 12500 exactly.
    let liabilities = face * 10_000 / 12_500;
    assert_eq!(face * 10_000, liabilities * 12_500);
    prove_as(&ls, &p, liabilities, 12_500, Tamper::default()).expect("exactly at 125%");
    fails_with(prove_as(&ls, &p, liabilities + 1, 12_500, Tamper::default()), "bytes");
    fails_with(prove_as(&ls, &p, liabilities, 12_501, Tamper::default()), "bytes");
}

#[test]
fn face_value_of_2_pow_64_or_negative_cannot_be_proved() {
    let p = preset("par");
    let mut ls = leaves(&portfolio());
    ls[2].face_value = Fr::from_u128(1u128 << 64);
    fails_with(prove(&ls, &p, 1), "running sum ends at zero");
    ls[2].face_value = Fr::from(u64::MAX);
    prove(&ls, &p, 1).expect("2^64 - 1 is a valid face value");
    // A leaf of p - 10^8 cents would cancel another position's value in the sum.
    let mut ls = leaves(&portfolio());
    ls[1].face_value = -Fr::from(100_000_00);
    assert!(prove(&ls, &p, 1).is_err());
}

#[test]
fn a_wrong_root_a_changed_leaf_or_a_node_sum_off_by_one_cannot_be_proved() {
    let p = preset("par");
    let ls = leaves(&portfolio());
    let tree = TreeWitness::build(&ls);
    let st = statement(&tree, &p, 1, 10_000);
    let mut wrong_root = st.to_instances();
    wrong_root[S::ROOT] += Fr::ONE;
    assert!(mock(AttestationWitness::new(tree.clone(), st), wrong_root).is_err());

    let mut changed = tree.clone();
    let mut leaf = ls[3];
    leaf.face_value += Fr::from(100);
    changed.replace_leaf(3, &leaf);
    assert!(mock(AttestationWitness::new(changed, st), st.to_instances()).is_err(), "root of the committed tree");

    let mut off = tree;
    off.levels[1][1].sum += Fr::ONE;
    off.rehash_ancestors(1, 1);
    let st_off = S { root: off.root().hash(), ..st };
    fails_with(mock(AttestationWitness::new(off, st_off), st_off.to_instances()), "merkle-sum node");
}

// ------------------------------------------------------------------ no security counted twice

#[test]
fn a_duplicated_cusip_cannot_be_proved() {
    let p = preset("par");
    let mut pos = portfolio();
    pos[1].0 = pos[0].0;
    let ls = leaves(&pos);
    assert_native_violation(&ls, &p, Some(1));
    // The gap cusip_1 - cusip_0 - 1 = -1 is no 9-byte number.
    fails_with(prove(&ls, &p, 1), "strict cusip order");
}

#[test]
fn an_out_of_order_leaf_cannot_be_proved() {
    let p = preset("par");
    let mut pos = portfolio();
    pos.swap(1, 2);
    let ls = leaves(&pos);
    assert_native_violation(&ls, &p, Some(2));
    fails_with(prove(&ls, &p, 1), "strict cusip order");
}

#[test]
fn a_real_leaf_after_padding_or_value_in_a_padding_leaf_cannot_be_proved() {
    let p = preset("par");
    let mut ls = leaves(&portfolio());
    ls.swap(3, 5); // a padding leaf between real ones
    assert_native_violation(&ls, &p, Some(5));
    fails_with(prove(&ls, &p, 1), "padding last and worthless");
    let mut ls = leaves(&portfolio());
    ls[6].face_value = Fr::from(1_000);
    assert_native_violation(&ls, &p, Some(6));
    fails_with(prove(&ls, &p, 1), "padding last and worthless");
}

// ------------------------------------------------------------------ CUSIPs

#[test]
fn a_bad_check_digit_cannot_be_proved() {
    let p = preset("par");
    let mut pos = portfolio();
    pos[0].0 = "912797UD8";
    let ls = leaves(&pos);
    assert_native_violation(&ls, &p, Some(0));
    fails_with(prove(&ls, &p, 1), "name: \"cusip\"");
    // A letter where the check digit belongs, whatever the sum.
    pos[0].0 = "912797UDA";
    fails_with(prove(&leaves(&pos), &p, 1), "rules table slot");
    // A character outside the CUSIP alphabet.
    pos[0].0 = "912797uD7";
    fails_with(prove(&leaves(&pos), &p, 1), "rules table slot");
}

#[test]
fn a_corporate_cusip_is_refused_under_us_treasury_and_proves_under_any_cusip() {
    // Apple's 037833100 has a valid check digit but is not a Treasury.
    let treasury = preset("par");
    let any = Policy { eligible: Eligibility::AnyCusip, ..preset("par") };
    let mut pos = portfolio();
    pos.insert(0, ("037833100", 1_000_00, 10));
    let ls = leaves(&pos);
    assert_native_violation(&ls, &treasury, Some(0));
    fails_with(prove(&ls, &treasury, 1), "rules table slot");
    prove(&ls, &any, counted(&ls, &any)).expect("any valid CUSIP under any-cusip");
    // Even under any-cusip, the check digit holds.
    pos[0].0 = "037833101";
    fails_with(prove(&leaves(&pos), &any, 1), "name: \"cusip\"");
}

// ------------------------------------------------------------------ maturities and haircuts

#[test]
fn matured_positions_cannot_be_proved_and_maturing_today_can() {
    let p = preset("par");
    let mut pos = portfolio();
    pos[0].2 = 0;
    let ls = leaves(&pos);
    prove(&ls, &p, counted(&ls, &p)).expect("maturing on the as-of date");
    pos[0].2 = -1;
    let ls = leaves(&pos);
    assert_native_violation(&ls, &p, Some(0));
    fails_with(prove(&ls, &p, 1), "maturity within its schedule row");
}

#[test]
fn a_too_long_position_cannot_be_proved_and_the_limit_can() {
    let p = custom(Some(397), &[], None, None);
    let mut pos = portfolio();
    pos[3].2 = 397;
    let ls = leaves(&pos);
    prove(&ls, &p, counted(&ls, &p)).expect("at the limit");
    pos[3].2 = 398;
    let ls = leaves(&pos);
    assert_native_violation(&ls, &p, Some(3));
    fails_with(prove(&ls, &p, 1), "maturity within its schedule row");
    // A bucket schedule with a last bound also caps maturities.
    let q = custom(None, &[(Some(397), 0)], None, None);
    assert_native_violation(&ls, &q, Some(3));
    fails_with(prove(&ls, &q, 1), "maturity within its schedule row");
}

#[test]
fn haircut_bucket_boundaries_on_both_sides() {
    let p = preset("sec-15c3-1");
    // Schedule rows: slot j has rows 2j (<= 7 days) and 2j + 1 (> 7 days).
    let face = 1_000_000_01u64;
    let at = |rem: i64| {
        let mut pos = portfolio();
        pos[3] = ("91282CHX2", face, rem);
        leaves(&pos)
    };
    let others: u128 = counted(&at(91), &p) - u128::from(face);
    // 91 days: the first bucket, no haircut; a prover cannot put it in the next one either.
    let ls = at(91);
    assert_eq!(counted(&ls, &p), others + u128::from(face));
    prove(&ls, &p, counted(&ls, &p)).expect("91 days, 0 bps");
    fails_with(prove_as(&ls, &p, 1, 10_000, forced(vec![(3, 3)])), "maturity within its schedule row");
    // 92 days: 50 bps, exactly: 100000001 * 0.995 = 99500000.995 cents count.
    let ls = at(92);
    let total = counted(&ls, &p);
    assert_eq!(total, others + 99_500_000);
    prove(&ls, &p, total).expect("92 days, 50 bps");
    fails_with(prove(&ls, &p, total + 1), "bytes");
    // Claiming the 0 bps bucket at 92 days cannot be proved, even for the honest liabilities.
    fails_with(prove_as(&ls, &p, total, 10_000, forced(vec![(3, 1)])), "maturity within its schedule row");
}

#[test]
fn wam_one_day_over_cannot_be_proved() {
    let p = custom(None, &[], Some(60), None);
    let at = |rem: i64| leaves(&[("912797UD7", 3_000_00, rem), ("912797WA1", 1_000_00, rem)]);
    let ls = at(60);
    prove(&ls, &p, counted(&ls, &p)).expect("WAM exactly 60 days");
    let ls = at(61);
    assert_native_violation(&ls, &p, None);
    fails_with(prove(&ls, &p, 1), "bytes");
    prove(&ls, &preset("par"), 1).expect("no WAM rule");
}

#[test]
fn weekly_liquidity_one_bp_under_cannot_be_proved() {
    let p = custom(None, &[], None, Some(5_000));
    let with = |weekly: u64, rest: u64| leaves(&[("912797UD7", weekly, 7), ("912797WA1", rest, 8)]);
    let ls = with(5_000, 5_000);
    prove(&ls, &p, counted(&ls, &p)).expect("exactly 50%, the 7-day position counts");
    let ls = with(4_999, 5_001);
    assert_native_violation(&ls, &p, None);
    fails_with(prove(&ls, &p, 1), "bytes");
    // Nor can the 8-day position be claimed weekly liquid (schedule row 0: the first bucket's
    // <= 7 day part) to make up the shortfall.
    fails_with(prove_as(&ls, &p, 1, 10_000, forced(vec![(1, 0)])), "maturity within its schedule row");
}

// ------------------------------------------------------------------ the statement's numbers

#[test]
fn a_supply_of_2_pow_96_cannot_be_proved() {
    // Honest coverage of 2^96 - 1 cents needs a large portfolio; a single supply at the bound is
    // refused by its range check whatever the reserves.
    let ls = leaves(&portfolio());
    let p = preset("par");
    let tree = TreeWitness::build(&ls);
    let mut st = statement(&tree, &p, 1, 10_000);
    st.deployments[5].supply_cents = 1u128 << 96;
    fails_with(mock(AttestationWitness::new(tree.clone(), st), st.to_instances()), "bytes");
    // A supply that wraps the field: ceil(p / 10000), whose product with the ratio is tiny.
    let ratio = Fr::from(10_000);
    let mut wrap = -Fr::ONE * ratio.invert().unwrap();
    while wrap * ratio >= Fr::from(1_000_000) {
        wrap += Fr::ONE;
    }
    let k = S::DEPLOYMENTS + 2 * 5 + 1;
    let tamper = Tamper { public_overrides: vec![(k, wrap)], ..Tamper::default() };
    fails_with(prove_as(&ls, &p, 1, 10_000, tamper), "bytes");
}

#[test]
fn liabilities_that_are_not_the_tables_sum_cannot_be_proved() {
    let ls = leaves(&portfolio());
    let p = preset("par");
    let total = counted(&ls, &p);
    prove(&ls, &p, total).expect("honest");
    // A prover who claims one cent less than the table's sum.
    let tamper = Tamper { liabilities_offset: -Fr::ONE, ..Tamper::default() };
    fails_with(prove_as(&ls, &p, total + 1, 10_000, tamper), "Equality constraint not satisfied");
}

#[test]
fn out_of_range_policy_parameters_cannot_be_proved() {
    let ls = leaves(&portfolio());
    let p = preset("sec-15c3-1");
    prove(&ls, &p, 1).expect("honest");
    let over = |k: usize, x: Fr, needle: &str| {
        let tamper = Tamper { public_overrides: vec![(k, x)], ..Tamper::default() };
        fails_with(prove_as(&ls, &p, 1, 10_000, tamper), needle);
    };
    // A bucket's bps above 10000 (it would make face * (10000 - bps) negative), a max maturity
    // of 2^16 days, an as-of date of p - 1, a ratio of 2^32, a flag of 2.
    over(S::BUCKETS + 3, Fr::from(10_001), "range pair");
    over(S::MAX_MATURITY, Fr::from(1 << 16), "range pair");
    over(S::AS_OF, -Fr::ONE, "range pair");
    over(S::RATIO_BPS, Fr::from(1u64 << 32), "bytes");
    over(S::ELIGIBLE_TREASURY, Fr::from(2), "flags");
    over(S::MIN_WEEKLY_BPS, Fr::from(10_001), "range pair");
    // Bucket bounds that decrease.
    over(S::BUCKETS + 2, Fr::from(90), "less or equal");
}

#[test]
fn any_changed_public_input_is_rejected() {
    let ls = leaves(&portfolio());
    let p = preset("rule-2a-7");
    let tree = TreeWitness::build(&ls);
    let st = statement(&tree, &p, counted(&ls, &p), 10_000);
    let inst = st.to_instances();
    mock(AttestationWitness::new(tree.clone(), st), inst.clone()).expect("honest");
    // Epoch, custodian and domains enter no gate: the transcript binds them (shown on real
    // proofs in the prover's round-trip tests); every other input is a constrained cell.
    let transcript_only = [S::EPOCH, S::CUSTODIAN];
    for i in 0..S::COUNT {
        let is_domain = i >= S::DEPLOYMENTS && (i - S::DEPLOYMENTS).is_multiple_of(2);
        if transcript_only.contains(&i) || is_domain {
            continue;
        }
        let mut bad = inst.clone();
        bad[i] += Fr::ONE;
        assert!(mock(AttestationWitness::new(tree.clone(), st), bad).is_err(), "public input {i} changed");
    }
}

#[test]
fn rows_k_and_columns() {
    use bondproof_circuits::halo2_proofs::plonk::{Circuit, ConstraintSystem};
    ensure_max_degree();
    for depth in [3usize, 5, 8, 10] {
        println!("depth {depth}: rows {} k {}", AttestationCircuit::rows(depth), AttestationCircuit::min_k(depth));
    }
    let mut cs = ConstraintSystem::<Fr>::default();
    AttestationCircuit::configure(&mut cs);
    println!(
        "advice {} fixed {} selectors {} lookups {} instance {} degree {} equality-columns {}",
        cs.num_advice_columns(),
        cs.num_fixed_columns(),
        cs.num_selectors(),
        cs.lookups().len(),
        cs.num_instance_columns(),
        cs.degree(),
        cs.permutation().get_columns().len()
    );
    assert_eq!(cs.num_advice_columns(), 12, "the direct EVM verifier grows per advice column");
    assert!(cs.degree() <= 6);
}
