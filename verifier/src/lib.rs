//! Verification of bondproof attestations: the proof bundle format, the pinned verifying-key
//! file, and checking a bundle against it. Deliberately free of the prover's heavy parts (no
//! tree building, no proving), so a verifier depends on this crate alone.

pub mod atomic;
pub mod bundle;
pub mod verify;
pub mod vk_file;

pub use bundle::{ProofBundle, PublicInputsJson};
pub use verify::{verify_bundle, VerifyError};
pub use vk_file::{VerifierKey, VkFileError};
