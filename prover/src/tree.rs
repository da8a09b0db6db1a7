//! The native Merkle-sum tree, built level by level in parallel.

use bondproof_circuits::merkle_sum::{node_inputs, Leaf};
use bondproof_circuits::poseidon::poseidon4;
use bondproof_circuits::Fr;
use ff::PrimeField;
use rayon::prelude::*;

/// Hash and sum of every node, `levels[0]` the leaves and the last level the root.
#[derive(Clone, Debug)]
pub struct MerkleSumTree {
    levels: Vec<Vec<(Fr, u128)>>,
}

/// One step of an inclusion path: the sibling's hash and sum, and whether it sits on the left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathStep {
    pub sibling_hash: Fr,
    pub sibling_sum: u128,
    pub sibling_is_left: bool,
}

impl MerkleSumTree {
    /// Builds the tree over `2^depth` leaves.
    pub fn build(leaves: &[Leaf], face_values: &[u64]) -> Self {
        assert!(leaves.len().is_power_of_two() && leaves.len() >= 2 && leaves.len() == face_values.len());
        let first: Vec<(Fr, u128)> =
            leaves.par_iter().zip(face_values.par_iter()).map(|(leaf, &face)| (leaf.hash(), face as u128)).collect();
        let mut levels = vec![first];
        while levels.last().expect("non-empty").len() > 1 {
            let below = levels.last().expect("non-empty");
            let next: Vec<(Fr, u128)> = below
                .par_chunks(2)
                .map(|p| {
                    let (l, r) = (p[0], p[1]);
                    (poseidon4(node_inputs((l.0, Fr::from_u128(l.1)), (r.0, Fr::from_u128(r.1)))), l.1 + r.1)
                })
                .collect();
            levels.push(next);
        }
        Self { levels }
    }

    pub fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    pub fn root(&self) -> Fr {
        self.levels[self.depth()][0].0
    }

    pub fn total(&self) -> u128 {
        self.levels[self.depth()][0].1
    }

    /// The path from leaf `index` to the root.
    pub fn path(&self, mut index: usize) -> Vec<PathStep> {
        let mut steps = Vec::with_capacity(self.depth());
        for level in &self.levels[..self.depth()] {
            let sibling = level[index ^ 1];
            steps.push(PathStep { sibling_hash: sibling.0, sibling_sum: sibling.1, sibling_is_left: index & 1 == 1 });
            index /= 2;
        }
        steps
    }
}
