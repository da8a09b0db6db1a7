//! `liabilities snapshot`: each deployment's supply read from its chain at a pinned block, and the
//! book-entry shares totalled from the transfer agent's register export, as a liabilities file.

use std::collections::BTreeMap;
use std::path::Path;

use alloy::primitives::{Address, U256};
use num_bigint::BigUint;
use serde_json::{json, Value};

use super::config::{Config, DeploymentConfig, NavView};
use super::node::{runtime, BlockRef, Node};
use super::ChainError;
use crate::ingest::{parse_liabilities, Decimal, InputError, Liabilities};
use crate::{Error, Result};

/// One chain's line as read.
#[derive(Clone, Debug)]
pub struct ChainLine {
    pub chain_id: u64,
    pub token: Address,
    pub registry: Address,
    pub decimals: u8,
    pub total_supply: U256,
    pub nav_usd: Decimal,
    pub block: BlockRef,
}

/// The book-entry line: the register's total.
#[derive(Clone, Debug)]
pub struct BookEntryLine {
    pub register: u64,
    pub total_shares: Decimal,
    pub holders: usize,
    pub nav_usd: Decimal,
}

pub struct Snapshot {
    pub chains: Vec<ChainLine>,
    pub book_entry: Option<BookEntryLine>,
    /// The liabilities file's text, checked as `prove` will read it.
    pub text: String,
    pub liabilities: Liabilities,
}

/// Reads every deployment of `config` (at its `pins` block where given) and the register export
/// `book_entry`; `on_chain` hears each chain as it starts.
pub fn take(
    config: &Config,
    config_path: &Path,
    pins: &BTreeMap<u64, u64>,
    book_entry: Option<&Path>,
    out: &Path,
    on_chain: &dyn Fn(u64),
) -> Result<Snapshot> {
    if let Some(chain) = pins.keys().find(|c| config.deployment(**c).is_none()) {
        return Err(Error::Usage(format!("--block {chain}=…: chain {chain} is not in {}", config_path.display())));
    }
    let book_entry = match (book_entry, &config.book_entry) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(Error::Usage(format!(
                "--book-entry needs a [book_entry] table (register, nav_usd) in {}",
                config_path.display()
            )))
        }
        (Some(file), Some(b)) => {
            let (total_shares, holders) = register_total(file)?;
            let nav_usd = Decimal::parse_positive(&b.nav_usd).expect("checked by Config::load");
            Some(BookEntryLine { register: b.register, total_shares, holders, nav_usd })
        }
    };
    let rt = runtime()?;
    let mut chains = Vec::new();
    for d in &config.deployments {
        on_chain(d.chain_id);
        let registry = d.registry(config_path)?;
        let line = rt.block_on(read_chain(config, d, registry, pins.get(&d.chain_id).copied()))?;
        chains.push(line);
    }
    let text = serde_json::to_string_pretty(&to_json(&chains, book_entry.as_ref())).expect("JSON") + "\n";
    // The file must read back as `prove` reads it: a supply beyond the circuit's bound, or two
    // lines for one registry, is refused now and nothing is written.
    let liabilities = parse_liabilities(out, &text)?;
    Ok(Snapshot { chains, book_entry, text, liabilities })
}

async fn read_chain(config: &Config, d: &DeploymentConfig, registry: Address, pin: Option<u64>) -> Result<ChainLine> {
    let node = Node::connect(d.chain_id, &d.rpc_url()?, &config.rpc, None).await?;
    let block = node.pick_block(pin, d.confirmations).await?;
    let (decimals, total_supply) = node.token_supply(d.token, block.number).await?;
    let nav_usd = match (&d.nav_usd, &d.nav_view) {
        (Some(nav), _) => Decimal::parse_positive(nav).expect("checked by Config::load"),
        (None, Some(view)) => read_nav(&node, view, block.number).await?,
        (None, None) => Decimal::one(),
    };
    Ok(ChainLine { chain_id: d.chain_id, token: d.token, registry, decimals, total_supply, nav_usd, block })
}

/// The NAV from the configured view at `block`.
pub async fn read_nav(node: &Node, view: &NavView, block: u64) -> Result<Decimal, ChainError> {
    let data = bondproof_verifier::solidity::selector(&view.function).to_vec();
    let raw = node.call(view.contract, data, block).await?;
    let bad = |message: String| ChainError::Contract {
        chain_id: node.chain_id,
        contract: view.contract,
        block: Some(block),
        message,
    };
    if raw.len() != 32 {
        return Err(bad(format!("{} did not return one uint256 (returned {} bytes)", view.function, raw.len())));
    }
    let nav = Decimal { digits: BigUint::from_bytes_be(&raw), scale: u32::from(view.decimals) };
    if nav.is_zero() {
        return Err(bad(format!("{} returned a NAV of zero", view.function)));
    }
    Ok(nav)
}

/// The liabilities file: one line per chain with its block, then the book-entry line.
fn to_json(chains: &[ChainLine], book_entry: Option<&BookEntryLine>) -> Value {
    let mut lines: Vec<Value> = chains
        .iter()
        .map(|c| {
            json!({
                "chain_id": c.chain_id,
                "token": c.token.to_checksum(None),
                "registry": c.registry.to_checksum(None),
                "decimals": c.decimals,
                "total_supply": c.total_supply.to_string(),
                "nav_usd": c.nav_usd.to_string(),
                "block_number": c.block.number,
                "block_hash": c.block.hash.to_string(),
            })
        })
        .collect();
    if let Some(b) = book_entry {
        lines.push(json!({
            "book_entry": true,
            "total_shares": b.total_shares.to_string(),
            "nav_usd": b.nav_usd.to_string(),
            "register": b.register,
        }));
    }
    json!({ "deployments": lines })
}

/// The transfer agent's register export: a CSV with `holder` and `shares` columns. Only the
/// total leaves this function.
pub fn register_total(path: &Path) -> Result<(Decimal, usize), InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| InputError::new(path, format!("cannot read the file: {e}")))?;
    let headers = reader.headers().map_err(|e| InputError::new(path, e.to_string()))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.eq_ignore_ascii_case(name)).ok_or_else(|| {
            InputError::new(path, format!("missing column '{name}' (expected columns: holder, shares)")).at_line(1)
        })
    };
    let (holder_col, shares_col) = (column("holder")?, column("shares")?);
    let mut total = Decimal { digits: BigUint::default(), scale: 0 };
    let mut holders = 0;
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| InputError::new(path, e.to_string()).at_line(line))?;
        if record.get(holder_col).is_none_or(str::is_empty) {
            return Err(InputError::new(path, "empty holder").at_line(line).field("holder"));
        }
        let shares = Decimal::parse(record.get(shares_col).unwrap_or(""), "shares")
            .map_err(|m| InputError::new(path, m).at_line(line).field("shares"))?;
        total = add(&total, &shares);
        holders += 1;
    }
    if holders == 0 {
        return Err(InputError::new(path, "no holders: the register export lists none"));
    }
    Ok((total, holders))
}

fn add(a: &Decimal, b: &Decimal) -> Decimal {
    let scale = a.scale.max(b.scale);
    let widen = |d: &Decimal| &d.digits * BigUint::from(10u32).pow(scale - d.scale);
    Decimal { digits: widen(a) + widen(b), scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_total_adds_exactly_and_names_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("register.csv");
        std::fs::write(&path, "holder,shares\nalice,100.5\nbob,0.25\ncarol,7\n").unwrap();
        let (total, holders) = register_total(&path).unwrap();
        assert_eq!((total.to_string().as_str(), holders), ("107.75", 3));
        std::fs::write(&path, "holder,shares\nalice,100.5\nbob,-1\n").unwrap();
        let e = register_total(&path).unwrap_err();
        assert_eq!((e.line(), e.field.as_deref()), (Some(3), Some("shares")), "{e}");
        std::fs::write(&path, "holder,amount\nalice,1\n").unwrap();
        assert!(register_total(&path).unwrap_err().to_string().contains("missing column 'shares'"));
    }
}
