//! bondproof against real Ethereum nodes (alloy): the token's supplies read at a pinned block
//! into a liabilities file (`snapshot`), the verifier and a registry deployed and configured on
//! every chain (`deploy`), the attestation submitted to every registry (`publish`), and the
//! bundle's block provenance re-read (`provenance`).

pub mod config;
pub mod deploy;
pub mod keystore;
pub mod node;
pub mod provenance;
pub mod publish;
pub mod revert;
pub mod snapshot;

use alloy::primitives::Address;

pub use config::Config;
pub use node::{BlockRef, Node};

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    /// The node is unreachable, times out, or answers with an error.
    #[error("chain {chain_id}: {message}")]
    Node { chain_id: u64, message: String },
    #[error("chain {chain_id}: the node at {url} serves chain {served}, not {chain_id}")]
    WrongChain { chain_id: u64, url: String, served: u64 },
    #[error("chain {chain_id}, block {block}: {message}")]
    Block { chain_id: u64, block: u64, message: String },
    #[error("chain {chain_id}, contract {contract}{}: {message}", .block.map(|b| format!(", block {b}")).unwrap_or_default())]
    Contract { chain_id: u64, contract: Address, block: Option<u64>, message: String },
    #[error("{path}: {message}")]
    Keystore { path: String, message: String },
    #[error("{0}")]
    Compile(#[from] bondproof_verifier::compile::CompileError),
    /// A transaction the chain refused (a revert), decoded from the registry's ABI.
    #[error("chain {chain_id}: {what} reverted: {reason}")]
    Reverted { chain_id: u64, what: String, reason: String },
    /// Chains where a command failed, each with its error (the others succeeded).
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ChainError>),
}

impl ChainError {
    /// A refusal by the chain (exit 1) rather than a fault of the input or the environment
    /// (exit 2).
    pub fn is_refusal(&self) -> bool {
        match self {
            ChainError::Reverted { .. } => true,
            ChainError::Several(all) => all.iter().any(ChainError::is_refusal),
            _ => false,
        }
    }
}
