//! One MockProver test per security property of DESIGN.md, on a small tree.

use bondproof_circuits::halo2_proofs::dev::{MockProver, VerifyFailure};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::{ensure_max_degree, Fr, SolvencyCircuit, SolvencyWitness};
use ff::{Field, PrimeField};

const DEPTH: usize = 3;

fn leaves(faces: &[u64]) -> Vec<Leaf> {
    (0..1usize << DEPTH)
        .map(|i| {
            let face = faces.get(i).copied().unwrap_or(0);
            let cusip = if i < faces.len() { Fr::from(0x3931_3237_3937_0000 + i as u64) } else { Fr::ZERO };
            Leaf::new(cusip, face, if face > 0 { 20_000 + i as u64 } else { 0 }, Fr::from(1_000_003 * (i as u64 + 7)))
        })
        .collect()
}

/// Runs the circuit with the given witness and public inputs (root, liabilities, ratio, epoch, domain).
fn run(tree: TreeWitness, liabilities: Fr, ratio: Fr, instances: Vec<Fr>) -> Result<(), Vec<VerifyFailure>> {
    ensure_max_degree();
    let circuit = SolvencyCircuit::new(DEPTH, SolvencyWitness { tree, liabilities, ratio_bps: ratio });
    let k = SolvencyCircuit::min_k(DEPTH);
    MockProver::run(k, &circuit, vec![instances]).expect("synthesis").verify()
}

fn honest(tree: TreeWitness, liabilities: u128, ratio: u64) -> Result<(), Vec<VerifyFailure>> {
    let root = tree.root().hash();
    let (l, r) = (Fr::from_u128(liabilities), Fr::from(ratio));
    run(tree, l, r, vec![root, l, r, Fr::from(42), Fr::ZERO])
}

fn faces() -> Vec<u64> {
    vec![250_000_00, 1_000_000_00, 310_000_00, 440_000_00, 0]
}

fn total() -> u128 {
    faces().iter().map(|&f| f as u128).sum()
}

#[test]
fn covered_reserves_prove() {
    honest(TreeWitness::build(&leaves(&faces())), total() / 2, 10_000).expect("satisfied");
}

#[test]
fn exactly_at_the_ratio_proves_and_one_cent_more_does_not() {
    // total * 10000 == liabilities * 10100 for liabilities = total * 100 / 101.
    let faces = vec![101_000_00, 202_000_00];
    let total: u128 = faces.iter().map(|&f| f as u128).sum();
    let liabilities = total * 100 / 101;
    assert_eq!(total * 10_000, liabilities * 10_100);
    honest(TreeWitness::build(&leaves(&faces)), liabilities, 10_100).expect("exactly at the ratio");
    assert!(honest(TreeWitness::build(&leaves(&faces)), liabilities + 1, 10_100).is_err());
}

#[test]
fn reserves_below_liabilities_cannot_be_proved() {
    assert!(honest(TreeWitness::build(&leaves(&faces())), total() + 1, 10_000).is_err());
    assert!(honest(TreeWitness::build(&leaves(&faces())), total(), 10_001).is_err());
}

#[test]
fn face_value_of_2_pow_64_cannot_be_proved() {
    let mut ls = leaves(&faces());
    ls[2].face_value = Fr::from_u128(1u128 << 64);
    assert!(honest(TreeWitness::build(&ls), 1, 10_000).is_err());
    // ... while the largest 64-bit face value is fine.
    ls[2].face_value = Fr::from(u64::MAX);
    honest(TreeWitness::build(&ls), 1, 10_000).expect("2^64 - 1 is a valid face value");
}

#[test]
fn negative_face_value_cannot_be_proved() {
    // A leaf of p - 10^8 cents cancels another position's value in the sum: the total stays
    // small and positive, so only the range check stands in the way.
    let mut ls = leaves(&faces());
    ls[1].face_value = -Fr::from(100_000_00);
    let tree = TreeWitness::build(&ls);
    assert!(tree.root().sum < Fr::from_u128(total()));
    assert!(honest(tree, 1, 10_000).is_err());
}

#[test]
fn wrong_root_cannot_be_proved() {
    let tree = TreeWitness::build(&leaves(&faces()));
    let (l, r) = (Fr::from(1000), Fr::from(10_000));
    let wrong = tree.root().hash() + Fr::ONE;
    assert!(run(tree, l, r, vec![wrong, l, r, Fr::from(42), Fr::ZERO]).is_err());
}

#[test]
fn leaf_changed_after_commitment_cannot_be_proved() {
    let mut tree = TreeWitness::build(&leaves(&faces()));
    let committed_root = tree.root().hash();
    let mut changed = leaves(&faces())[3];
    changed.face_value += Fr::from(100);
    tree.replace_leaf(3, &changed);
    let (l, r) = (Fr::from(1000), Fr::from(10_000));
    assert!(run(tree, l, r, vec![committed_root, l, r, Fr::from(42), Fr::ZERO]).is_err());
}

#[test]
fn node_sum_off_by_one_cannot_be_proved() {
    let mut tree = TreeWitness::build(&leaves(&faces()));
    tree.levels[1][1].sum += Fr::ONE;
    tree.rehash_ancestors(1, 1);
    // The tampered tree is self-consistent above the node, so only the sum gate catches it.
    let root = tree.root().hash();
    let (l, r) = (Fr::from(1000), Fr::from(10_000));
    let failures = run(tree, l, r, vec![root, l, r, Fr::from(42), Fr::ZERO]).unwrap_err();
    assert!(failures.iter().any(|f| format!("{f:?}").contains("merkle-sum node")), "{failures:?}");
}

#[test]
fn liabilities_that_wrap_the_field_cannot_be_proved() {
    // liabilities = ceil(p / 10000): liabilities * 10000 wraps to a tiny number, so without the
    // 2^96 range check this would "prove" coverage of ~2^240 cents.
    let tree = TreeWitness::build(&leaves(&faces()));
    let ratio = Fr::from(10_000);
    let p_over_ratio = (-Fr::ONE) * ratio.invert().unwrap(); // (p - 1) / 10000 as a field element
    let mut liabilities = p_over_ratio;
    // Search the few values around p / 10000 for one whose product with the ratio is small.
    let mut found = false;
    for _ in 0..20_000 {
        liabilities += Fr::ONE;
        let product = liabilities * ratio;
        if product < Fr::from(1_000_000) {
            found = true;
            break;
        }
    }
    assert!(found, "a wrapping liability exists");
    let root = tree.root().hash();
    assert!(run(tree, liabilities, ratio, vec![root, liabilities, ratio, Fr::from(42), Fr::ZERO]).is_err());
}

#[test]
fn ratio_of_2_pow_32_or_more_cannot_be_proved() {
    let tree = TreeWitness::build(&leaves(&faces()));
    let root = tree.root().hash();
    let (l, r) = (Fr::ZERO, Fr::from(1u64 << 32));
    assert!(run(tree, l, r, vec![root, l, r, Fr::from(42), Fr::ZERO]).is_err());
}
