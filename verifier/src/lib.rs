//! Verification of bondproof attestations: the proof bundle format, the pinned verifying-key
//! file, and checking a bundle against it. Deliberately free of the prover's heavy parts (no
//! tree building, no proving), so a verifier depends on this crate alone.

pub mod atomic;
pub mod bundle;
pub mod compile;
pub mod compressed;
pub mod inclusion_bundle;
pub mod solidity;
pub mod verify;
pub mod vk_file;

pub use bundle::{ProofBundle, StatementJson};
pub use inclusion_bundle::{verify_inclusion_bundle, InclusionBundle};
pub use verify::{verify_bundle, VerifyError};
pub use vk_file::{VerifierKey, VkFileError};
