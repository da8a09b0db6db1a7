//! `publish`: the attestation's `submit` sent to every chain's registry from the custodian's
//! key. Each chain is tried whatever the others did, and reports its own outcome.

use std::path::Path;

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use bondproof_circuits::AttestationStatement;
use bondproof_verifier::solidity::encode_submit;

use super::config::Config;
use super::node::{runtime, Node};
use super::ChainError;
use crate::{Error, Result};

/// One chain's accepted submission.
#[derive(Clone, Debug)]
pub struct Published {
    pub registry: Address,
    pub tx_hash: B256,
    pub block: u64,
    pub gas_used: u64,
}

/// Every chain's outcome, in config order.
pub fn publish(
    config: &Config,
    config_path: &Path,
    signer: PrivateKeySigner,
    statement: &AttestationStatement,
    proof: &[u8],
    on_chain: &dyn Fn(u64),
) -> Result<Vec<(u64, Result<Published, ChainError>)>> {
    // The registry passes msg.sender as the custodian input: from any other key the proof
    // cannot verify, so say so before spending gas on every chain.
    if signer.address().into_array() != statement.custodian {
        return Err(Error::Usage(format!(
            "the keystore's address {} is not the attestation's custodian 0x{}: registries take an \
             attestation only from the custodian it was proved for",
            signer.address(),
            alloy::hex::encode(statement.custodian)
        )));
    }
    let registries =
        config.deployments.iter().map(|d| d.registry(config_path).map(|r| (d, r))).collect::<Result<Vec<_>, _>>()?;
    let rt = runtime()?;
    let data = encode_submit(statement, proof);
    Ok(registries
        .into_iter()
        .map(|(d, registry)| {
            on_chain(d.chain_id);
            let outcome = rt.block_on(async {
                let node = Node::connect(d.chain_id, &d.rpc_url()?, &config.rpc, Some(signer.clone())).await?;
                let sent = node.send(Some(registry), data.clone(), "submit").await?;
                Ok(Published { registry, tx_hash: sent.tx_hash, block: sent.block, gas_used: sent.gas_used })
            });
            (d.chain_id, outcome)
        })
        .collect())
}
