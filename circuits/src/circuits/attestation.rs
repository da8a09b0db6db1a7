//! The attestation circuit: one proof per epoch, for every policy. (Being written: the layout
//! lands with the chips it is composed of.)

use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner},
    plonk::{Circuit, ConstraintSystem, Error},
};
use halo2curves::bn256::Fr;

use crate::chips::merkle_sum::{configure_tree, MerkleSumChip, MerkleSumConfig, TreeWitness};
use crate::statement::AttestationStatement;

/// The private witness: every leaf of the tree (with its hash traces) and the statement.
#[derive(Clone, Debug)]
pub struct AttestationWitness {
    pub tree: TreeWitness,
    pub statement: AttestationStatement,
    /// Adversarial tests only; [`Tamper::default`] for a real proof.
    pub tamper: Tamper,
}

impl AttestationWitness {
    pub fn new(tree: TreeWitness, statement: AttestationStatement) -> Self {
        Self { tree, statement, tamper: Tamper::default() }
    }
}

/// What a cheating prover could put in the witness that an honest one never does, so that the
/// tests can show each such witness fails.
#[derive(Clone, Debug, Default)]
pub struct Tamper {
    /// `(leaf, schedule row)`: force a leaf's haircut row to another row of
    /// [`crate::policy::PolicyInstance::schedule`].
    pub forced_schedule_rows: Vec<(usize, usize)>,
    /// Added to the liabilities cell, which must equal the sum of the table's supplies.
    pub liabilities_offset: Fr,
}

#[derive(Clone, Debug)]
pub struct AttestationConfig {
    pub tree: MerkleSumConfig,
}

#[derive(Clone, Debug)]
pub struct AttestationCircuit {
    pub depth: usize,
    pub witness: Option<AttestationWitness>,
}

impl AttestationCircuit {
    pub fn new(witness: AttestationWitness) -> Self {
        Self { depth: witness.tree.depth(), witness: Some(witness) }
    }

    /// The circuit shape alone, for key generation.
    pub fn shape(depth: usize) -> Self {
        Self { depth, witness: None }
    }

    /// Rows the layout uses (without halo2's blinding rows).
    pub fn rows(depth: usize) -> usize {
        MerkleSumChip::rows(depth)
    }

    /// The smallest k whose usable rows hold the layout and the lookup tables.
    pub fn min_k(depth: usize) -> u32 {
        crate::min_k_for_rows(Self::rows(depth).max(512))
    }
}

impl Circuit<Fr> for AttestationCircuit {
    type Config = AttestationConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::shape(self.depth)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> AttestationConfig {
        AttestationConfig { tree: configure_tree(meta) }
    }

    fn synthesize(&self, _config: AttestationConfig, _layouter: impl Layouter<Fr>) -> Result<(), Error> {
        Err(Error::Synthesis)
    }
}
