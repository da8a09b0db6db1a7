//! `bondproof audit`: an auditor holding the custodian's private commitment checks that the tree
//! behind the published root holds exactly the statement's positions (see
//! [`bondproof_prover::audit`]).

use std::path::{Path, PathBuf};

use bondproof_prover::attestation::usd;
use bondproof_prover::audit::{audit, read_commitment, AuditReport, AuditStatus, Side};
use bondproof_prover::ingest::{aggregate_by_cusip, load_holdings, parse_date, InputError};
use bondproof_prover::Error;
use bondproof_verifier::bundle::parse_root;
use serde_json::json;

use super::{print_json, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The custodian's private commitment file (commitment.json).
    #[arg(long)]
    pub commitment: PathBuf,
    /// The custodian's statement: a holdings file (CSV or JSON, as `commit` reads), rows summed
    /// per CUSIP.
    #[arg(long)]
    pub statement: PathBuf,
    /// The root the custodian published (0x-hex); the commitment's leaves must give it.
    #[arg(long)]
    pub root: String,
    /// The statement's date, YYYY-MM-DD, before which no position may have matured (default:
    /// the commitment's as-of date, the date `commit` checked the same rule on).
    #[arg(long)]
    pub as_of: Option<String>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let root = parse_root(a.root.trim()).map_err(|e| Error::Usage(format!("--root '{}': {e}", a.root)))?;
    let (commitment, leaves) = read_commitment(&a.commitment)?;
    let as_of = match a.as_of.as_deref() {
        Some(s) => parse_date(s).map_err(|e| Error::Usage(format!("--as-of '{s}': {e}")))?,
        None => parse_date(&commitment.as_of)
            .map_err(|e| InputError::new(&a.commitment, format!("'{}': {e}", commitment.as_of)).field("as_of"))?,
    };
    let positions = load_holdings(&a.statement, as_of)?;
    let statement = aggregate_by_cusip(&positions, &a.statement)?;
    let report = audit(&commitment, &leaves, &statement, &root, &a.commitment)?;
    let findings = || {
        Error::Invalid(format!(
            "{} finding(s): the tree under root {} does not hold exactly the statement's positions",
            report.findings(),
            report.root
        ))
    };
    if json {
        let exact = report.is_exact();
        print_json(&json!({"ok": exact, "exit_code": if exact { 0 } else { 1 },
            "root": report.root, "commitment": a.commitment, "statement": a.statement,
            "epoch": report.epoch, "as_of": report.as_of, "depth": report.depth,
            "tree_positions": report.tree_positions, "statement_positions": report.statement_positions,
            "matched": report.count(AuditStatus::Matched), "extra": report.count(AuditStatus::Extra),
            "missing": report.count(AuditStatus::Missing), "changed": report.count(AuditStatus::Changed),
            "structure": report.structure, "positions": report.rows}));
        if !exact {
            // The report above is the JSON answer; main's generic error object would be a second one.
            return Err(Failure { error: findings(), reported: true });
        }
        return Ok(());
    }
    print_report(&report, &a.commitment);
    if report.is_exact() {
        println!(
            "EXACT: the tree under root {} holds exactly the statement's {} positions, and no other",
            report.root, report.statement_positions
        );
        Ok(())
    } else {
        Err(findings().into())
    }
}

fn print_report(report: &AuditReport, commitment: &Path) {
    let side = |s: &Option<Side>| match s {
        Some(s) => (usd(u128::from(s.face_value)), s.maturity.clone()),
        None => ("-".to_string(), "-".to_string()),
    };
    println!(
        "{:<8}  {:<9}  {:>5}  {:>22}  {:<10}  {:>22}  {:<10}  note",
        "status", "cusip", "leaf", "statement face", "maturity", "tree face", "maturity"
    );
    for r in &report.rows {
        let (s_face, s_mat) = side(&r.statement);
        let (t_face, t_mat) = side(&r.tree);
        let leaf = r.leaf.map_or("-".to_string(), |i| i.to_string());
        let line = format!(
            "{:<8}  {:<9}  {leaf:>5}  {s_face:>22}  {s_mat:<10}  {t_face:>22}  {t_mat:<10}  {}",
            r.status.label(),
            r.cusip,
            r.note.as_deref().unwrap_or("")
        );
        println!("{}", line.trim_end());
    }
    if !report.structure.is_empty() {
        println!();
        println!("{} breaks the rules the attestation circuit relies on:", commitment.display());
        for s in &report.structure {
            let place = s.leaf.map_or(String::new(), |i| format!("leaf {i}, "));
            println!("  STRUCTURE  {place}field '{}': {}", s.field, s.message);
        }
    }
    println!();
    println!(
        "{} positions in the tree (depth {}, epoch {}, as of {}), {} on the statement: {} matched, {} extra, {} missing, {} changed, {} structure finding(s)",
        report.tree_positions,
        report.depth,
        report.epoch,
        report.as_of,
        report.statement_positions,
        report.count(AuditStatus::Matched),
        report.count(AuditStatus::Extra),
        report.count(AuditStatus::Missing),
        report.count(AuditStatus::Changed),
        report.structure.len()
    );
}
