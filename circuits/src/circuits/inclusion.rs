//! The inclusion circuit: one committed position is a leaf of the tree behind a public root.
//!
//! Public inputs, in this order: root, cusip (as field), face_value, epoch. Private: the salt,
//! the maturity, and per level the sibling's hash and sum and which side it is on. The path is
//! recomputed with the same Poseidon chip as the solvency circuit; no sibling value or position
//! index leaves the proof.

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::merkle_sum::{configure_tree, node_inputs, Leaf, MerkleSumChip, MerkleSumConfig, SumNode};
use crate::chips::poseidon::{native::poseidon4_trace, native::PermutationTrace, ROWS_PER_PERMUTATION};
use crate::chips::range::RangeCheckChip;

/// One level of the path, as the prover knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathStep {
    pub sibling_hash: Fr,
    pub sibling_sum: Fr,
    /// True when the sibling is the left child (the position is a right child).
    pub sibling_is_left: bool,
}

#[derive(Clone, Debug)]
pub struct InclusionWitness {
    pub leaf: Leaf,
    pub path: Vec<PathStep>,
}

#[derive(Clone, Debug)]
pub struct InclusionCircuit {
    pub depth: usize,
    pub witness: Option<InclusionWitness>,
}

#[derive(Clone, Debug)]
pub struct InclusionConfig {
    pub tree: MerkleSumConfig,
    pub instance: Column<Instance>,
    q_swap: Selector,
}

/// Public inputs of an inclusion proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InclusionPublicInputs {
    pub root: Fr,
    pub cusip: Fr,
    pub face_value: u64,
    pub epoch: u64,
}

impl InclusionPublicInputs {
    pub const ROOT: usize = 0;
    pub const CUSIP: usize = 1;
    pub const FACE_VALUE: usize = 2;
    pub const EPOCH: usize = 3;
    pub const COUNT: usize = 4;

    pub fn to_instances(&self) -> Vec<Fr> {
        vec![self.root, self.cusip, Fr::from(self.face_value), Fr::from(self.epoch)]
    }
}

impl InclusionCircuit {
    pub fn new(witness: InclusionWitness) -> Self {
        Self { depth: witness.path.len(), witness: Some(witness) }
    }
    pub fn shape(depth: usize) -> Self {
        Self { depth, witness: None }
    }
    pub fn rows(depth: usize) -> usize {
        (depth + 1) * ROWS_PER_PERMUTATION
    }
    pub fn min_k(depth: usize) -> u32 {
        crate::min_k_for_rows(Self::rows(depth).max(RangeCheckChip::TABLE_ROWS))
    }

    /// The permutation traces of the leaf and of each level, and the (hash, sum) reached.
    fn traces(w: &InclusionWitness) -> (PermutationTrace, Vec<PermutationTrace>) {
        let leaf = poseidon4_trace(w.leaf.hash_inputs());
        let mut cur = (leaf.output(), w.leaf.face_value);
        let mut levels = Vec::with_capacity(w.path.len());
        for step in &w.path {
            let sib = (step.sibling_hash, step.sibling_sum);
            let (l, r) = if step.sibling_is_left { (sib, cur) } else { (cur, sib) };
            let t = poseidon4_trace(node_inputs(l, r));
            cur = (t.output(), l.1 + r.1);
            levels.push(t);
        }
        (leaf, levels)
    }

    /// The root this witness leads to.
    pub fn root(w: &InclusionWitness) -> Fr {
        let (leaf, levels) = Self::traces(w);
        levels.last().unwrap_or(&leaf).output()
    }
}

impl Circuit<Fr> for InclusionCircuit {
    type Config = InclusionConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::shape(self.depth)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> InclusionConfig {
        let tree = configure_tree(meta);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let q_swap = meta.selector();
        let a = tree.poseidon.advice;
        let s = tree.sum;
        // A path node's first row, with the child and the sibling below it in column 11:
        //
        //   row | 1: in_1 | 2: in_2 | 3: in_3 | 4: in_4 || 11
        //    0  |  left_h |  left_s | right_h | right_s || node sum (merkle-sum node gate)
        //    1  |         |         |         |         || child hash
        //    2  |         |         |         |         || child sum
        //    3  |         |         |         |         || sibling hash
        //    4  |         |         |         |         || sibling sum
        //    5  |         |         |         |         || b (1: sibling is left)
        //
        //   (left, right) = b ? (sibling, child) : (child, sibling)
        meta.create_gate("inclusion path order", |meta| {
            let q = meta.query_selector(q_swap);
            let at = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>, r: i32| meta.query_advice(s, Rotation(r));
            let (ch, cs, sh, ss, b) = (at(meta, 1), at(meta, 2), at(meta, 3), at(meta, 4), at(meta, 5));
            let inp: Vec<_> = (1..=4).map(|i| meta.query_advice(a[i], Rotation::cur())).collect();
            let one = halo2_proofs::plonk::Expression::Constant(Fr::ONE);
            let pick = |left: halo2_proofs::plonk::Expression<Fr>, right: halo2_proofs::plonk::Expression<Fr>| {
                left.clone() + b.clone() * (right - left)
            };
            vec![
                q.clone() * (b.clone() * (one - b.clone())),
                q.clone() * (inp[0].clone() - pick(ch.clone(), sh.clone())),
                q.clone() * (inp[1].clone() - pick(cs.clone(), ss.clone())),
                q.clone() * (inp[2].clone() - pick(sh, ch)),
                q * (inp[3].clone() - pick(ss, cs)),
            ]
        });
        InclusionConfig { tree, instance, q_swap }
    }

    fn synthesize(&self, config: InclusionConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = MerkleSumChip::construct(config.tree.clone());
        chip.range().load_table(&mut layouter)?;
        let traces = self.witness.as_ref().map(Self::traces);
        let depth = self.depth;
        let s = config.tree.sum;
        let (root, leaf_cells) = layouter.assign_region(
            || "inclusion",
            |mut region| {
                let (leaf, cells) = chip.assign_leaf_with_inputs(&mut region, 0, traces.as_ref().map(|t| &t.0));
                let mut cur: SumNode = leaf;
                for level in 0..depth {
                    let offset = (level + 1) * ROWS_PER_PERMUTATION;
                    let step = self.witness.as_ref().map(|w| w.path[level]);
                    config.q_swap.enable(&mut region, offset)?;
                    let known =
                        |f: fn(&PathStep) -> Fr| step.as_ref().map_or(Value::unknown(), |st| Value::known(f(st)));
                    let ch = region.assign_advice(s, offset + 1, cur.hash.value).cell();
                    region.constrain_equal(ch, cur.hash.cell);
                    let cs = region.assign_advice(s, offset + 2, cur.sum.value).cell();
                    region.constrain_equal(cs, cur.sum.cell);
                    region.assign_advice(s, offset + 3, known(|st| st.sibling_hash));
                    region.assign_advice(s, offset + 4, known(|st| st.sibling_sum));
                    region.assign_advice(s, offset + 5, known(|st| Fr::from(st.sibling_is_left as u64)));
                    let trace = traces.as_ref().map(|t| &t.1[level]);
                    cur = chip.assign_free_node(&mut region, offset, trace);
                }
                Ok((cur.hash.cell, cells))
            },
        )?;
        layouter.constrain_instance(root, config.instance, InclusionPublicInputs::ROOT);
        layouter.constrain_instance(leaf_cells[0].cell, config.instance, InclusionPublicInputs::CUSIP);
        layouter.constrain_instance(leaf_cells[1].cell, config.instance, InclusionPublicInputs::FACE_VALUE);
        Ok(())
    }
}
