//! The custodian's side of bondproof: holdings and liabilities ingestion, the native
//! Merkle-sum tree and commitment, parameters and key caching, proving, and the `bondproof` CLI.

pub mod attestation;
pub mod audit;
pub mod bench;
pub mod bench_compress;
pub mod ceremony;
pub mod chain;
pub mod commitment;
pub mod compress;
pub mod error;
mod fixed_base;
pub mod inclusion;
pub mod ingest;
pub mod keys;
pub mod prove;
pub mod report;
pub mod tree;

pub use error::{Error, Result};
