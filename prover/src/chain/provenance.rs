//! `verify --rpc`: the bundle's unproved provenance (each chain line's block number and hash)
//! re-read from a node: the block's hash, and the token's supply there valued at the line's NAV,
//! against the line the proof binds.

use alloy::primitives::{Address, B256};
use bondproof_circuits::statement::domain_tag;
use bondproof_circuits::AttestationStatement;
use bondproof_verifier::bundle::DeploymentLabel;
use num_bigint::BigUint;
use num_traits::ToPrimitive;

use super::config::RpcSettings;
use super::node::{runtime, Node};
use super::ChainError;
use crate::ingest::Decimal;
use crate::{Error, Result};

/// One line re-read from its chain.
#[derive(Clone, Debug)]
pub struct LineCheck {
    pub chain_id: u64,
    pub slot: usize,
    pub block: u64,
    pub token: Address,
    pub total_supply: String,
    pub decimals: u8,
    /// The supply at the block valued at the labelled NAV, rounded up as the liabilities are.
    pub read_cents: u128,
    pub proved_cents: u128,
}

impl LineCheck {
    pub fn matches(&self) -> bool {
        self.read_cents == self.proved_cents
    }
}

/// Re-reads every line of `chain_id` in `labels` from the node at `url`.
pub fn check_chain(
    chain_id: u64,
    url: &str,
    labels: &[DeploymentLabel],
    statement: &AttestationStatement,
    settings: &RpcSettings,
) -> Result<Vec<LineCheck>> {
    let lines: Vec<&DeploymentLabel> = labels.iter().filter(|l| l.chain_id == Some(chain_id)).collect();
    if lines.is_empty() {
        return Err(Error::Usage(format!("--rpc {chain_id}=…: the bundle has no line for chain {chain_id}")));
    }
    let rt = runtime()?;
    rt.block_on(async {
        let node = Node::connect(chain_id, url, settings, None).await?;
        let mut checks = Vec::new();
        for l in lines {
            checks.push(check_line(&node, l, statement).await?);
        }
        Ok(checks)
    })
}

async fn check_line(node: &Node, l: &DeploymentLabel, statement: &AttestationStatement) -> Result<LineCheck> {
    let chain_id = node.chain_id;
    let unusable = |m: String| Error::Invalid(format!("chain {chain_id}, slot {}: {m}", l.slot));
    let (Some(number), Some(hash)) = (l.block_number, l.block_hash.as_deref()) else {
        return Err(unusable(
            "the bundle records no block for this line (it was not read by `liabilities snapshot`)".into(),
        ));
    };
    let parse = |field: &str, v: Option<&str>| -> Result<Address> {
        v.and_then(|s| s.parse().ok()).ok_or_else(|| unusable(format!("the label's {field} is not an address")))
    };
    let (token, registry) = (parse("token", l.token.as_deref())?, parse("registry", l.registry.as_deref())?);
    let proved = statement.deployments.get(l.slot).copied().ok_or_else(|| unusable("no such slot".into()))?;
    // The label must describe the line the proof binds: its registry gives the proved domain.
    if proved.domain != domain_tag(chain_id, registry.into_array()) {
        return Err(unusable(format!("the proved line's domain is not chain {chain_id}'s registry {registry}")));
    }
    let nav =
        Decimal::parse_positive(l.nav_usd.as_deref().unwrap_or("1")).map_err(|m| unusable(format!("nav_usd {m}")))?;
    let block = node.block(number).await?;
    let recorded: B256 = hash.parse().map_err(|_| unusable(format!("block_hash {hash:?} is not a hash")))?;
    if block.hash != recorded {
        return Err(ChainError::Block {
            chain_id,
            block: number,
            message: format!(
                "the node's block hash is {}, the bundle records {recorded} (a reorg, or another chain)",
                block.hash
            ),
        }
        .into());
    }
    let (decimals, supply) = node.token_supply(token, number).await?;
    let cents = Decimal::from_units(BigUint::from_bytes_be(&supply.to_be_bytes::<32>()), decimals).ceil_cents(&nav);
    Ok(LineCheck {
        chain_id,
        slot: l.slot,
        block: number,
        token,
        total_supply: supply.to_string(),
        decimals,
        read_cents: cents.to_u128().unwrap_or(u128::MAX),
        proved_cents: proved.supply_cents,
    })
}
