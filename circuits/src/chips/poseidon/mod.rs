//! Poseidon over BN254 as circomlib defines it (x^5, 8 full rounds, width 5 with 60 partial
//! rounds): the spec and row layout, the native hasher and the halo2 chip.

pub mod chip;
pub mod native;
pub mod spec;

pub use chip::{PoseidonChip, PoseidonConfig};
pub use native::{poseidon4, poseidon4_trace, PermutationTrace};
pub use spec::{spec, PoseidonSpec, ROWS_PER_PERMUTATION};
