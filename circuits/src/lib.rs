//! Halo2 chips and circuits of bondproof: a circomlib-compatible Poseidon chip, a byte-lookup
//! range check, the Merkle-sum tree gadget, and the solvency circuit built from them. Everything
//! here is over BN254 with halo2-axiom (KZG), so proofs verify on Ethereum.

pub mod inclusion;
pub mod merkle_sum;
pub mod poseidon;
pub mod public_inputs;
pub mod range;
pub mod policy;
pub mod solvency;

pub use halo2_proofs;
pub use halo2curves::bn256::{Bn256, Fr, G1Affine};

pub use inclusion::{InclusionCircuit, InclusionPublicInputs, InclusionWitness};
pub use merkle_sum::{Leaf, TreeWitness};
pub use public_inputs::SolvencyPublicInputs;
pub use solvency::{SolvencyCircuit, SolvencyWitness};

/// A fingerprint of this crate's source (see build.rs). Cached keys carry it in their names, so
/// keys made from other circuit code are never loaded for this one: an upgraded circuit with a
/// stale key would prove, and verify, the old statement.
pub const CIRCUITS_FINGERPRINT: &str = env!("BONDPROOF_CIRCUITS_FINGERPRINT");

/// The gate degree of every bondproof circuit: a selector times an x^5 S-box.
pub const GATE_DEGREE: usize = 6;

/// halo2-axiom caps the constraint degree at the `MAX_DEGREE` environment variable (default 5)
/// when it sizes the quotient, at key generation, proving and verification alike. Below 6 our
/// degree-6 gates would be silently mis-sized, so every entry point calls this first.
pub fn ensure_max_degree() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let current = std::env::var("MAX_DEGREE").ok().and_then(|v| v.parse::<usize>().ok());
        if current != Some(GATE_DEGREE) {
            // Set before any key is built; halo2 reads it again on every call to `degree()`.
            std::env::set_var("MAX_DEGREE", GATE_DEGREE.to_string());
        }
    });
}

/// Rows halo2 reserves at the bottom of the domain for blinding; generous, as the exact figure
/// depends on the query count.
pub const BLINDING_ROWS: usize = 10;

/// The smallest k such that `rows` plus blinding rows fit, and at least the 256-row byte table.
pub fn min_k_for_rows(rows: usize) -> u32 {
    let needed = rows.max(1 << range::LIMB_BITS) + BLINDING_ROWS;
    needed.next_power_of_two().trailing_zeros()
}
