//! Merkle-sum tree gadget: leaves `poseidon4(cusip, face_value, maturity, salt)` whose face value
//! is range-checked below 2^64, and nodes `poseidon4(left_hash, left_sum, right_hash, right_sum)`
//! carrying `sum = left_sum + right_sum`. Each leaf or node is one Poseidon permutation region;
//! its sum lives in column 11 of the region's first row, next to the permutation.

use halo2_proofs::{
    circuit::{Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;
use rayon::prelude::*;

use crate::chips::poseidon::{
    chip::{AssignedValue, PermutationCells, PoseidonChip, PoseidonConfig},
    native::{poseidon4, poseidon4_trace, PermutationTrace, TRACE_COLUMNS},
    spec::FIXED_COLUMNS,
    ROWS_PER_PERMUTATION,
};
use crate::chips::range::{RangeCheckChip, RangeCheckConfig};

/// Bytes of a face value: face values are below 2^64 cents, so no sum of at most 2^32 of them
/// can wrap the field.
pub const FACE_VALUE_BYTES: usize = 8;

/// A leaf as the circuit sees it. Padding leaves have zero cusip, face value and maturity.
/// The face value is a field element because that is all the circuit can assume of a
/// prover's witness; the range check is what makes it a 64-bit amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub cusip: Fr,
    pub face_value: Fr,
    /// Days since 1970-01-01.
    pub maturity: Fr,
    pub salt: Fr,
}

impl Leaf {
    pub fn new(cusip: Fr, face_value: u64, maturity_days: u64, salt: Fr) -> Self {
        Self { cusip, face_value: Fr::from(face_value), maturity: Fr::from(maturity_days), salt }
    }
    pub fn hash_inputs(&self) -> [Fr; 4] {
        [self.cusip, self.face_value, self.maturity, self.salt]
    }
    pub fn hash(&self) -> Fr {
        poseidon4(self.hash_inputs())
    }
}

/// A node's hash inputs: `(left_hash, left_sum, right_hash, right_sum)`.
pub fn node_inputs(left: (Fr, Fr), right: (Fr, Fr)) -> [Fr; 4] {
    [left.0, left.1, right.0, right.1]
}

pub fn node_hash(left: (Fr, Fr), right: (Fr, Fr)) -> Fr {
    poseidon4(node_inputs(left, right))
}

/// The witness of one leaf or node: its permutation's cells and its sum.
#[derive(Clone, Debug)]
pub struct NodeWitness {
    pub trace: PermutationTrace,
    pub sum: Fr,
}

impl NodeWitness {
    pub fn hash(&self) -> Fr {
        self.trace.output()
    }
    fn of_leaf(leaf: &Leaf) -> Self {
        Self { trace: poseidon4_trace(leaf.hash_inputs()), sum: leaf.face_value }
    }
    fn of_children(left: &NodeWitness, right: &NodeWitness) -> Self {
        let trace = poseidon4_trace(node_inputs((left.hash(), left.sum), (right.hash(), right.sum)));
        Self { trace, sum: left.sum + right.sum }
    }
}

/// Every permutation of a tree, level by level (`levels[0]` the leaves, the last the root),
/// computed in parallel within each level.
#[derive(Clone, Debug)]
pub struct TreeWitness {
    pub levels: Vec<Vec<NodeWitness>>,
}

impl TreeWitness {
    pub fn build(leaves: &[Leaf]) -> Self {
        assert!(leaves.len().is_power_of_two() && leaves.len() >= 2, "a full binary tree");
        let mut levels = vec![leaves.par_iter().map(NodeWitness::of_leaf).collect::<Vec<_>>()];
        while levels.last().expect("non-empty").len() > 1 {
            let below = levels.last().expect("non-empty");
            let next = below.par_chunks(2).map(|p| NodeWitness::of_children(&p[0], &p[1])).collect();
            levels.push(next);
        }
        Self { levels }
    }

    pub fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    pub fn root(&self) -> &NodeWitness {
        &self.levels[self.depth()][0]
    }

    /// Recomputes the ancestors of `(level, index)` after that node was changed, as a prover
    /// who tampers with one node would, so that only the tampered constraint fails.
    pub fn rehash_ancestors(&mut self, mut level: usize, mut index: usize) {
        while level < self.depth() {
            let left = index & !1;
            let parent = NodeWitness::of_children(&self.levels[level][left], &self.levels[level][left + 1]);
            level += 1;
            index /= 2;
            self.levels[level][index] = parent;
        }
    }

    /// Replaces a leaf and everything above it.
    pub fn replace_leaf(&mut self, index: usize, leaf: &Leaf) {
        self.levels[0][index] = NodeWitness::of_leaf(leaf);
        self.rehash_ancestors(0, index);
    }
}

#[derive(Clone, Debug)]
pub struct MerkleSumConfig {
    pub poseidon: PoseidonConfig,
    pub range: RangeCheckConfig,
    /// The column holding sums and running sums (column 11).
    pub sum: Column<Advice>,
    q_leaf: Selector,
    q_node: Selector,
}

/// A hashed leaf or node: its hash and its sum.
#[derive(Clone, Copy, Debug)]
pub struct SumNode {
    pub hash: AssignedValue,
    pub sum: AssignedValue,
}

pub struct MerkleSumChip {
    config: MerkleSumConfig,
    poseidon: PoseidonChip,
    range: RangeCheckChip,
}

impl MerkleSumChip {
    pub fn construct(config: MerkleSumConfig) -> Self {
        let poseidon = PoseidonChip::construct(config.poseidon.clone());
        let range = RangeCheckChip::construct(config.range.clone());
        Self { config, poseidon, range }
    }

    pub fn range(&self) -> &RangeCheckChip {
        &self.range
    }

    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        poseidon: PoseidonConfig,
        range: RangeCheckConfig,
    ) -> MerkleSumConfig {
        let q_leaf = meta.selector();
        let q_node = meta.selector();
        let state = poseidon.advice;
        let sum = range.column;
        // First row of a leaf region:     | 0 | cusip | face | maturity | salt | .. | 11: z_0 = face
        // First row of a node region:     | 0 | lh    | ls   | rh       | rs   | .. | 11: ls + rs
        // The capacity element is zero for circomlib's unkeyed hash.
        meta.create_gate("merkle-sum leaf", |meta| {
            let q = meta.query_selector(q_leaf);
            let capacity = meta.query_advice(state[0], Rotation::cur());
            let face = meta.query_advice(state[2], Rotation::cur());
            let z0 = meta.query_advice(sum, Rotation::cur());
            vec![q.clone() * capacity, q * (z0 - face)]
        });
        meta.create_gate("merkle-sum node", |meta| {
            let q = meta.query_selector(q_node);
            let capacity = meta.query_advice(state[0], Rotation::cur());
            let left_sum = meta.query_advice(state[2], Rotation::cur());
            let right_sum = meta.query_advice(state[4], Rotation::cur());
            let total = meta.query_advice(sum, Rotation::cur());
            vec![q.clone() * capacity, q * (total - left_sum - right_sum)]
        });
        MerkleSumConfig { poseidon, range, sum, q_leaf, q_node }
    }

    /// Rows used by a tree of the given depth.
    pub const fn rows(depth: usize) -> usize {
        ((2usize << depth) - 1) * ROWS_PER_PERMUTATION
    }

    /// A leaf region; also returns its input cells (cusip, face value, maturity, salt).
    pub fn assign_leaf_with_inputs(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        trace: Option<&PermutationTrace>,
    ) -> (SumNode, [AssignedValue; 4]) {
        self.config.q_leaf.enable(region, offset).expect("selector in range");
        let cells = self.poseidon.assign_permutation(region, offset, trace);
        let face = cells.inputs[1];
        let z0 = self.range.assign(region, offset, face.value, FACE_VALUE_BYTES);
        (SumNode { hash: cells.output, sum: z0 }, cells.inputs)
    }

    /// A node region whose inputs the caller constrains: the permutation and its sum.
    pub fn assign_free_node(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        trace: Option<&PermutationTrace>,
    ) -> SumNode {
        self.assign_node_cells(region, offset, trace, None).0
    }

    fn assign_node_cells(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        trace: Option<&PermutationTrace>,
        sum: Option<Value<Fr>>,
    ) -> (SumNode, PermutationCells) {
        self.config.q_node.enable(region, offset).expect("selector in range");
        let cells = self.poseidon.assign_permutation(region, offset, trace);
        let value = sum.unwrap_or(cells.inputs[1].value + cells.inputs[3].value);
        let cell = region.assign_advice(self.config.sum, offset, value).cell();
        (SumNode { hash: cells.output, sum: AssignedValue { cell, value } }, cells)
    }

    fn assign_node(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        witness: Option<&NodeWitness>,
        left: &SumNode,
        right: &SumNode,
    ) -> SumNode {
        // The sum cell holds the witness's claim (which the node gate checks), not a value
        // recomputed here, so that a tampered witness is caught by the circuit.
        let claimed = witness.map_or(Value::unknown(), |w| Value::known(w.sum));
        let (node, cells) = self.assign_node_cells(region, offset, witness.map(|w| &w.trace), Some(claimed));
        for (input, child) in cells.inputs.iter().zip([left.hash, left.sum, right.hash, right.sum]) {
            region.constrain_equal(input.cell, child.cell);
        }
        node
    }

    /// Lays out the whole tree from `offset`, leaves first, then each level; returns the root
    /// and every leaf's input cells (cusip, face value, maturity, salt), for the chips that
    /// check the positions. `witness` is `None` during key generation.
    pub fn assign_tree(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        depth: usize,
        witness: Option<&TreeWitness>,
    ) -> AssignedTree {
        let node = |level: usize, i: usize| witness.map(|w| &w.levels[level][i]);
        let mut row = offset;
        let mut leaves = Vec::with_capacity(1 << depth);
        let mut below: Vec<SumNode> = (0..1usize << depth)
            .map(|i| {
                let (assigned, inputs) = self.assign_leaf_with_inputs(region, row, node(0, i).map(|n| &n.trace));
                leaves.push(inputs);
                row += ROWS_PER_PERMUTATION;
                assigned
            })
            .collect();
        for level in 1..=depth {
            below = below
                .chunks(2)
                .enumerate()
                .map(|(i, pair)| {
                    let assigned = self.assign_node(region, row, node(level, i), &pair[0], &pair[1]);
                    row += ROWS_PER_PERMUTATION;
                    assigned
                })
                .collect();
        }
        AssignedTree { root: below[0], leaves }
    }
}

/// A laid-out tree: its root, and each leaf's hash inputs in tree order.
#[derive(Clone, Debug)]
pub struct AssignedTree {
    pub root: SumNode,
    pub leaves: Vec<[AssignedValue; 4]>,
}

/// Allocates the 12 advice and 12 fixed columns every bondproof circuit shares (11 Poseidon
/// trace columns, the sum column, the Poseidon constants) and configures the Poseidon, range and
/// Merkle-sum chips on them. Other chips lay their rows on the same columns, in rows the tree
/// does not use.
pub fn configure_tree(meta: &mut ConstraintSystem<Fr>) -> MerkleSumConfig {
    let advice: [_; TRACE_COLUMNS] = std::array::from_fn(|_| meta.advice_column());
    let sum = meta.advice_column();
    let fixed: [_; FIXED_COLUMNS] = std::array::from_fn(|_| meta.fixed_column());
    let poseidon = PoseidonChip::configure(meta, advice, fixed);
    let range = RangeCheckChip::configure(meta, sum);
    MerkleSumChip::configure(meta, poseidon, range)
}

#[cfg(test)]
mod tests {
    //! The tree chip alone (which exercises the Poseidon and range chips it is built on): a
    //! depth-2 tree proves its root, and a trace, a face value or a sum tampered with does not.
    use super::*;
    use ff::{Field, PrimeField};
    use halo2_proofs::{
        circuit::{Layouter, SimpleFloorPlanner},
        dev::MockProver,
        plonk::{Circuit, Column, Error, Instance},
    };

    #[derive(Clone)]
    struct TreeCircuit {
        tree: TreeWitness,
    }

    impl Circuit<Fr> for TreeCircuit {
        type Config = (MerkleSumConfig, Column<Instance>);
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();
        fn without_witnesses(&self) -> Self {
            self.clone()
        }
        fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
            let instance = meta.instance_column();
            meta.enable_equality(instance);
            (configure_tree(meta), instance)
        }
        fn synthesize(&self, (config, instance): Self::Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
            let chip = MerkleSumChip::construct(config);
            chip.range().load_table(&mut layouter)?;
            let root = layouter.assign_region(
                || "tree",
                |mut region| Ok(chip.assign_tree(&mut region, 0, self.tree.depth(), Some(&self.tree)).root),
            )?;
            layouter.constrain_instance(root.hash.cell, instance, 0);
            layouter.constrain_instance(root.sum.cell, instance, 1);
            Ok(())
        }
    }

    fn leaves() -> Vec<Leaf> {
        (0..4u64).map(|i| Leaf::new(Fr::from(100 + i), 1_000 * (i + 1), 20_000, Fr::from(7 * i + 1))).collect()
    }

    fn ok(tree: TreeWitness, root: Fr, sum: Fr) -> bool {
        crate::ensure_max_degree();
        MockProver::run(9, &TreeCircuit { tree }, vec![vec![root, sum]]).expect("runs").verify().is_ok()
    }

    #[test]
    fn a_tree_proves_its_root_and_total_and_nothing_else() {
        let tree = TreeWitness::build(&leaves());
        let (root, sum) = (tree.root().hash(), tree.root().sum);
        assert_eq!(sum, Fr::from(10_000));
        assert!(ok(tree.clone(), root, sum));
        assert!(!ok(tree.clone(), root + Fr::ONE, sum));
        assert!(!ok(tree.clone(), root, sum + Fr::ONE));
        // A Poseidon trace cell changed (the permutation gates).
        let mut bad = tree.clone();
        bad.levels[0][1].trace.rows[4][6] += Fr::ONE;
        assert!(!ok(bad, root, sum));
        // A node's sum off by one, its ancestors recomputed (the node gate).
        let mut bad = tree.clone();
        bad.levels[1][0].sum += Fr::ONE;
        bad.rehash_ancestors(1, 0);
        let (r, s) = (bad.root().hash(), bad.root().sum);
        assert!(!ok(bad, r, s));
        // A face value of 2^64 (the range chip).
        let mut ls = leaves();
        ls[2].face_value = Fr::from_u128(1u128 << 64);
        let big = TreeWitness::build(&ls);
        let (r, s) = (big.root().hash(), big.root().sum);
        assert!(!ok(big, r, s));
    }
}
