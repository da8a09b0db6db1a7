//! `bondproof liabilities snapshot`: the liabilities file read from the chains.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use bondproof_prover::chain::{snapshot, Config};
use bondproof_prover::error::usd;
use bondproof_prover::Error;
use serde_json::json;

use super::{print_json, spinner, Failure};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read each deployment's totalSupply() and decimals() at a pinned block from its chain's
    /// node, total the book-entry register, and write the liabilities file (with each chain's
    /// block number and hash, which travel into the attestation as provenance).
    ///
    /// The block: --block CHAIN=N where given, else the node's `finalized` block, else the
    /// latest block minus the deployment's `confirmations`. Any fault (unreachable node,
    /// timeout, wrong chain id, a token that does not answer as an ERC-20, a pruned block, a
    /// bad config) names the chain, exits 2 and writes nothing.
    Snapshot(SnapshotArgs),
}

#[derive(clap::Args)]
pub struct SnapshotArgs {
    /// The deployments file (TOML: [[deployment]] chain_id, rpc_url or rpc_env, token, registry,
    /// nav_usd or nav_view, confirmations; optional [rpc] timeout_secs, attempts and
    /// [book_entry] register, nav_usd). See README "On a chain".
    #[arg(long)]
    pub config: PathBuf,
    /// The liabilities file to write (replaced atomically, only when every chain was read).
    #[arg(long)]
    pub out: PathBuf,
    /// Read chain CHAIN at block N (repeatable), e.g. --block 1=21000000.
    #[arg(long = "block", value_name = "CHAIN=N", value_parser = parse_pin)]
    pub blocks: Vec<(u64, u64)>,
    /// The transfer agent's register export: a CSV with columns holder, shares. Only the total
    /// enters the liabilities file (as the [book_entry] register's line).
    #[arg(long)]
    pub book_entry: Option<PathBuf>,
}

/// `CHAIN=N`.
pub fn parse_pin(s: &str) -> Result<(u64, u64), String> {
    let (chain, n) = s.split_once('=').ok_or_else(|| format!("expected CHAIN=N, found {s:?}"))?;
    let num =
        |t: &str, what: &str| t.trim().parse::<u64>().map_err(|_| format!("{what} {t:?} is not a number in {s:?}"));
    Ok((num(chain, "chain id")?, num(n, "block")?))
}

pub fn run(command: Command, json: bool) -> Result<(), Failure> {
    let Command::Snapshot(a) = command;
    let config = Config::load(&a.config).map_err(Error::from)?;
    let pins: BTreeMap<u64, u64> = a.blocks.iter().copied().collect();
    if pins.len() != a.blocks.len() {
        return Err(Error::Usage("--block names a chain twice".into()).into());
    }
    let started = Instant::now();
    let pb = spinner(json);
    let taken = snapshot::take(&config, &a.config, &pins, a.book_entry.as_deref(), &a.out, &|chain| {
        pb.set_message(format!("reading chain {chain}"))
    });
    pb.finish_and_clear();
    let snap = taken?;
    bondproof_verifier::atomic::write_atomic(&a.out, snap.text.as_bytes()).map_err(Error::write(&a.out))?;
    let seconds = started.elapsed().as_secs_f64();
    let cents: Vec<u128> = snap.liabilities.deployments.iter().map(|l| l.supply_cents).collect();
    if json {
        let chains: Vec<_> = snap
            .chains
            .iter()
            .zip(&cents)
            .map(|(c, cents)| {
                json!({"chain_id": c.chain_id, "token": c.token, "block_number": c.block.number,
                    "block_hash": c.block.hash, "decimals": c.decimals, "total_supply": c.total_supply.to_string(),
                    "nav_usd": c.nav_usd.to_string(), "supply_cents": cents.to_string()})
            })
            .collect();
        let book = snap.book_entry.as_ref().map(|b| {
            json!({"register": b.register, "holders": b.holders, "total_shares": b.total_shares.to_string(),
                "supply_cents": cents.last().map(|c| c.to_string())})
        });
        print_json(&json!({"ok": true, "out": a.out, "chains": chains, "book_entry": book,
            "total_cents": snap.liabilities.total_cents().to_string(), "seconds": seconds}));
        return Ok(());
    }
    println!("wrote {} ({} lines, {:.2} s)", a.out.display(), cents.len(), seconds);
    for (c, cents) in snap.chains.iter().zip(&cents) {
        println!(
            "  chain {:<8} block {} ({})  supply {} (decimals {}) at NAV {} = {}",
            c.chain_id,
            c.block.number,
            c.block.hash,
            c.total_supply,
            c.decimals,
            c.nav_usd,
            usd(*cents)
        );
    }
    if let (Some(b), Some(cents)) = (&snap.book_entry, cents.last()) {
        println!(
            "  book entry register {}: {} shares of {} holders at NAV {} = {}",
            b.register,
            b.total_shares,
            b.holders,
            b.nav_usd,
            usd(*cents)
        );
    }
    println!("  total liabilities {}", usd(snap.liabilities.total_cents()));
    Ok(())
}
