//! The solvency circuit: the whole Merkle-sum tree is recomputed from private leaves up to the
//! public root, and its total is shown to cover the liabilities at the public ratio.
//!
//! Public inputs, in this order: root, liabilities (cents), ratio_bps, epoch, domain.
//! Epoch and domain enter no constraint; they bind the proof through the transcript, which
//! absorbs every instance value before the first challenge.

use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::merkle_sum::{MerkleSumChip, MerkleSumConfig, TreeWitness};
use crate::poseidon::{chip::PoseidonChip, native::TRACE_COLUMNS, spec::FIXED_COLUMNS};
use crate::public_inputs::SolvencyPublicInputs;
use crate::range::RangeCheckChip;

/// Liabilities are below 2^96 cents (about 7.9e26 dollars): a bound no real fund reaches and
/// small enough that `liabilities * ratio_bps` cannot wrap the field.
pub const LIABILITIES_BYTES: usize = 12;
/// The ratio in basis points is below 2^32.
pub const RATIO_BYTES: usize = 4;
/// `total * 10000 - liabilities * ratio_bps` is below 2^128 exactly when it is non-negative:
/// both products are far below p, so a negative difference wraps to more than p - 2^128.
pub const SURPLUS_BYTES: usize = 16;

/// Rows after the tree: the coverage row and three range checks.
const TAIL_ROWS: usize = 1
    + RangeCheckChip::rows(LIABILITIES_BYTES)
    + RangeCheckChip::rows(RATIO_BYTES)
    + RangeCheckChip::rows(SURPLUS_BYTES);

/// Columns shared by every bondproof circuit.
#[derive(Clone, Debug)]
pub struct SolvencyConfig {
    pub tree: MerkleSumConfig,
    pub instance: Column<Instance>,
    q_cover: Selector,
}

/// The private witness: every leaf of the tree, and the values of the arithmetic.
#[derive(Clone, Debug)]
pub struct SolvencyWitness {
    pub tree: TreeWitness,
    /// Liabilities and ratio as the circuit sees them: any field element a prover puts in.
    pub liabilities: Fr,
    pub ratio_bps: Fr,
}

#[derive(Clone, Debug)]
pub struct SolvencyCircuit {
    pub depth: usize,
    pub witness: Option<SolvencyWitness>,
}

impl SolvencyCircuit {
    pub fn new(depth: usize, witness: SolvencyWitness) -> Self {
        assert_eq!(witness.tree.depth(), depth, "a full tree of 2^depth leaves");
        Self { depth, witness: Some(witness) }
    }

    /// The circuit shape alone, for key generation.
    pub fn shape(depth: usize) -> Self {
        Self { depth, witness: None }
    }

    /// Rows the layout uses (without halo2's blinding rows).
    pub fn rows(depth: usize) -> usize {
        MerkleSumChip::rows(depth) + TAIL_ROWS
    }

    /// The smallest k whose usable rows fit the layout and the byte table.
    pub fn min_k(depth: usize) -> u32 {
        crate::min_k_for_rows(Self::rows(depth))
    }
}

/// Allocates the 12 advice and 12 fixed columns shared by the circuits, and configures the
/// Poseidon, range and Merkle-sum chips on them.
pub fn configure_tree(meta: &mut ConstraintSystem<Fr>) -> MerkleSumConfig {
    let advice: [_; TRACE_COLUMNS] = std::array::from_fn(|_| meta.advice_column());
    let sum = meta.advice_column();
    let fixed: [_; FIXED_COLUMNS] = std::array::from_fn(|_| meta.fixed_column());
    let poseidon = PoseidonChip::configure(meta, advice, fixed);
    let range = RangeCheckChip::configure(meta, sum);
    MerkleSumChip::configure(meta, poseidon, range)
}

impl Circuit<Fr> for SolvencyCircuit {
    type Config = SolvencyConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::shape(self.depth)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> SolvencyConfig {
        let tree = configure_tree(meta);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let q_cover = meta.selector();
        let a = tree.poseidon.advice;
        // | 1: total | 2: liabilities | 3: ratio_bps | 4: surplus |
        // total * 10000 = liabilities * ratio_bps + surplus, surplus range-checked below 2^128.
        meta.create_gate("coverage", |meta| {
            let q = meta.query_selector(q_cover);
            let total = meta.query_advice(a[1], Rotation::cur());
            let liabilities = meta.query_advice(a[2], Rotation::cur());
            let ratio = meta.query_advice(a[3], Rotation::cur());
            let surplus = meta.query_advice(a[4], Rotation::cur());
            vec![q * (total * Fr::from(10_000) - liabilities * ratio - surplus)]
        });
        SolvencyConfig { tree, instance, q_cover }
    }

    fn synthesize(&self, config: SolvencyConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = MerkleSumChip::construct(config.tree.clone());
        chip.range().load_table(&mut layouter)?;
        let a = config.tree.poseidon.advice;
        let depth = self.depth;
        let witness = self.witness.as_ref();
        let (root, liabilities, ratio) = layouter.assign_region(
            || "solvency",
            |mut region| {
                let root = chip.assign_tree(&mut region, 0, depth, witness.map(|w| &w.tree));
                let row = MerkleSumChip::rows(depth);
                config.q_cover.enable(&mut region, row)?;
                let liabilities = match witness {
                    Some(w) => Value::known(w.liabilities),
                    None => Value::unknown(),
                };
                let ratio = match witness {
                    Some(w) => Value::known(w.ratio_bps),
                    None => Value::unknown(),
                };
                let surplus = root.sum.value * Value::known(Fr::from(10_000)) - liabilities * ratio;
                let total = region.assign_advice(a[1], row, root.sum.value).cell();
                region.constrain_equal(total, root.sum.cell);
                let l_cell = region.assign_advice(a[2], row, liabilities).cell();
                let r_cell = region.assign_advice(a[3], row, ratio).cell();
                let s_cell = region.assign_advice(a[4], row, surplus).cell();
                let mut at = row + 1;
                for (cell, value, bytes) in [
                    (l_cell, liabilities, LIABILITIES_BYTES),
                    (r_cell, ratio, RATIO_BYTES),
                    (s_cell, surplus, SURPLUS_BYTES),
                ] {
                    let z0 = chip.range().assign(&mut region, at, value, bytes);
                    region.constrain_equal(z0.cell, cell);
                    at += RangeCheckChip::rows(bytes);
                }
                Ok((root.hash.cell, l_cell, r_cell))
            },
        )?;
        layouter.constrain_instance(root, config.instance, SolvencyPublicInputs::ROOT);
        layouter.constrain_instance(liabilities, config.instance, SolvencyPublicInputs::LIABILITIES);
        layouter.constrain_instance(ratio, config.instance, SolvencyPublicInputs::RATIO_BPS);
        Ok(())
    }
}

