//! Halo2 chips and circuits of bondproof, over BN254 with halo2-axiom (KZG), so proofs verify on
//! Ethereum.
//!
//! - [`chips`]: one concept each (Poseidon, range check, Merkle-sum tree, the rules table, CUSIP,
//!   order, haircut schedule, liabilities), each with its `Config` from `configure()`, named
//!   columns, the row layout drawn beside its gates, and its own MockProver test;
//! - [`circuits`]: the attestation circuit (one per epoch) and the inclusion circuit (one per
//!   audited position), composed of those chips;
//! - [`statement`]: what an attestation proves, in circuit order, and [`CircuitKind`];
//! - [`policy`] and [`cusip`]: the same rules natively, for ingestion and the pre-proving check.

pub mod chips;
pub mod circuits;
pub mod cusip;
pub mod policy;
pub mod statement;

pub use chips::{merkle_sum, poseidon, range};
pub use circuits::{attestation, inclusion};
pub use halo2_proofs;
pub use halo2curves::bn256::{Bn256, Fr, G1Affine};

pub use chips::merkle_sum::{Leaf, TreeWitness};
pub use circuits::attestation::{AttestationCircuit, AttestationWitness};
pub use circuits::inclusion::{InclusionCircuit, InclusionPublicInputs, InclusionWitness};
pub use statement::{AttestationStatement, CircuitKind, Deployment, DEPLOYMENT_SLOTS};

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

/// The smallest k such that `rows` plus blinding rows fit.
pub fn min_k_for_rows(rows: usize) -> u32 {
    (rows + BLINDING_ROWS).next_power_of_two().trailing_zeros()
}
