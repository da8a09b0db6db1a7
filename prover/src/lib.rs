//! The custodian's side of bondproof: holdings and liabilities ingestion, the native
//! Merkle-sum tree and commitment, parameters and key caching, proving, and the `bondproof` CLI.

pub mod attestation;
pub mod bench;
pub mod commitment;
pub mod cusip;
pub mod holdings;
pub mod inclusion;
pub mod input_error;
pub mod keys;
pub mod liabilities;
pub mod policy_prove;
pub mod prove;
pub mod tree;
