//! MockProver tests of the inclusion circuit.

use bondproof_circuits::halo2_proofs::dev::MockProver;
use bondproof_circuits::inclusion::PathStep;
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::{ensure_max_degree, Fr, InclusionCircuit, InclusionPublicInputs, InclusionWitness};
use ff::Field;

const DEPTH: usize = 3;

fn leaves() -> Vec<Leaf> {
    (0..1usize << DEPTH)
        .map(|i| {
            let real = i < 6;
            Leaf::new(
                if real { Fr::from(0x3931_3237_3937_0000 + i as u64) } else { Fr::ZERO },
                if real { 1_000_000 * (i as u64 + 1) } else { 0 },
                if real { 20_500 + i as u64 } else { 0 },
                Fr::from(77_777 * (i as u64 + 3)),
            )
        })
        .collect()
}

fn path(tree: &TreeWitness, mut index: usize) -> Vec<PathStep> {
    let mut steps = Vec::new();
    for level in &tree.levels[..tree.depth()] {
        let sib = &level[index ^ 1];
        steps.push(PathStep { sibling_hash: sib.hash(), sibling_sum: sib.sum, sibling_is_left: index & 1 == 1 });
        index /= 2;
    }
    steps
}

fn check(witness: InclusionWitness, inputs: InclusionPublicInputs) -> bool {
    ensure_max_degree();
    let circuit = InclusionCircuit::new(witness);
    let k = InclusionCircuit::min_k(DEPTH);
    MockProver::run(k, &circuit, vec![inputs.to_instances()]).expect("synthesis").verify().is_ok()
}

fn honest(index: usize) -> (InclusionWitness, InclusionPublicInputs) {
    let ls = leaves();
    let tree = TreeWitness::build(&ls);
    let leaf = ls[index];
    let face = 1_000_000 * (index as u64 + 1) * (index < 6) as u64;
    let inputs = InclusionPublicInputs { root: tree.root().hash(), cusip: leaf.cusip, face_value: face, epoch: 9 };
    (InclusionWitness { leaf, path: path(&tree, index) }, inputs)
}

#[test]
fn first_last_middle_and_padding_neighbour_are_included() {
    for index in [0, 3, 5, 6, 7] {
        let (w, i) = honest(index);
        assert_eq!(InclusionCircuit::root(&w), i.root);
        assert!(check(w, i), "leaf {index}");
    }
}

#[test]
fn wrong_sibling_fails() {
    let (mut w, i) = honest(2);
    w.path[1].sibling_hash += Fr::ONE;
    assert!(!check(w, i));
    let (mut w, i) = honest(2);
    w.path[0].sibling_sum += Fr::ONE;
    assert!(!check(w, i));
    let (mut w, i) = honest(2);
    w.path[2].sibling_is_left = !w.path[2].sibling_is_left;
    assert!(!check(w, i));
}

#[test]
fn wrong_face_value_fails() {
    let (w, mut i) = honest(4);
    i.face_value += 1;
    assert!(!check(w, i));
}

#[test]
fn wrong_salt_fails() {
    let (mut w, i) = honest(1);
    w.leaf.salt += Fr::ONE;
    assert!(!check(w, i));
}

#[test]
fn wrong_root_or_cusip_fails() {
    let (w, mut i) = honest(1);
    i.root += Fr::ONE;
    assert!(!check(w.clone(), i));
    let (w, mut i) = honest(1);
    i.cusip += Fr::ONE;
    assert!(!check(w, i));
}
