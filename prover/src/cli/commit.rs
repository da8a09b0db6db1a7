//! `bondproof commit`: the custodian-private commitment to a holdings file.

use std::path::{Path, PathBuf};

use bondproof_circuits::policy::Policy;
use bondproof_circuits::CircuitKind;
use bondproof_prover::attestation::{check_policy, load_policy};
use bondproof_prover::commitment::{commit, Commitment};
use bondproof_prover::ingest::{aggregate_by_cusip, circuit_days, load_holdings};
use bondproof_prover::Error;
use chrono::NaiveDate;
use serde_json::json;

use super::{parse_as_of, print_json, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// Holdings, CSV (cusip,face_value|face_value_usd,maturity[,account]) or JSON.
    #[arg(long)]
    pub holdings: PathBuf,
    /// Attestation period number; each registry requires it to increase (by at most 2^32).
    #[arg(long)]
    pub epoch: u64,
    /// The custodian-private commitment file to write (mode 0600: it holds every position and
    /// salt).
    #[arg(long)]
    pub out: PathBuf,
    /// Tree depth (2^depth leaves); default: the smallest that holds every CUSIP. A larger one
    /// hides the number of positions.
    #[arg(long)]
    pub depth: Option<usize>,
    /// Valuation date, YYYY-MM-DD (default: today, UTC); matured positions are rejected.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Reject the holdings, before anything is written, if they break this policy file (e.g.
    /// fixtures/policies/rule-2a-7.json); the violating positions are named.
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let as_of = parse_as_of(a.as_of.as_deref())?;
    let policy = a.policy.as_deref().map(load_policy).transpose()?;
    let c = commit_holdings(&a.holdings, a.epoch, &a.out, a.depth, as_of, policy.as_ref())?;
    let k = CircuitKind::Attestation.min_k(c.depth);
    if json {
        print_json(&json!({"ok": true, "root": c.root, "epoch": c.epoch, "depth": c.depth, "as_of": c.as_of,
            "k": k, "positions": c.positions, "out": a.out}));
    } else {
        println!(
            "committed {} CUSIPs in a tree of depth {} ({} leaves), epoch {}, as of {}",
            c.positions,
            c.depth,
            1usize << c.depth,
            c.epoch,
            c.as_of
        );
        println!("  root  {}", c.root);
        println!("  wrote {} (private: it holds every position and salt)", a.out.display());
        println!("  proving needs parameters with k >= {k}");
    }
    Ok(())
}

/// Reads, aggregates and commits the holdings; with a policy, checks it natively first.
/// Nothing is written unless every check passes.
pub fn commit_holdings(
    holdings: &Path,
    epoch: u64,
    out: &Path,
    depth: Option<usize>,
    as_of: NaiveDate,
    policy: Option<&Policy>,
) -> Result<Commitment, Error> {
    let positions = load_holdings(holdings, as_of)?;
    let aggregated = aggregate_by_cusip(&positions, holdings)?;
    let (c, leaves, _) = commit(&aggregated, epoch, as_of, depth, holdings)?;
    if let Some(policy) = policy {
        let days = circuit_days(as_of).map_err(|e| Error::Usage(format!("--as-of: {e}")))?;
        let circuit_leaves: Vec<_> = leaves.iter().map(|l| l.to_leaf()).collect();
        check_policy(policy, &circuit_leaves, days)?;
    }
    c.write(out).map_err(Error::write(out))?;
    Ok(c)
}
