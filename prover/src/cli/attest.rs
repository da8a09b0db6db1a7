//! `bondproof attest`: setup, commit, prove and verify in one go, for a first run.

use std::path::PathBuf;

use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use bondproof_circuits::CircuitKind;
use bondproof_prover::attestation::policy_or_par;
use bondproof_prover::keys::read_params;

use super::prove::{prove_and_report, StatementArgs};
use super::{commit::commit_holdings, parse_as_of, parse_custodian, setup::setup, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// Holdings, CSV (cusip,face_value|face_value_usd,maturity[,account]) or JSON.
    #[arg(long)]
    pub holdings: PathBuf,
    /// Liabilities JSON: one line per chain deployment (with its registry) or book-entry
    /// register; see `bondproof prove --help`.
    #[arg(long)]
    pub liabilities: PathBuf,
    /// Output folder: params.bin, keys/, commitment.json, attestation.json, attestation.vk.bin.
    #[arg(long)]
    pub out: PathBuf,
    /// Ceremony file (halo2 KZG format); without it a local, insecure setup is generated and
    /// labelled so.
    #[arg(long)]
    pub srs: Option<PathBuf>,
    /// Attestation period number; each registry requires it to increase (by at most 2^32).
    #[arg(long, default_value_t = 1)]
    pub epoch: u64,
    /// Tree depth (2^depth leaves); default: the smallest that holds every CUSIP.
    #[arg(long)]
    pub depth: Option<usize>,
    /// Valuation date, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub statement: StatementArgs,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let as_of = parse_as_of(a.as_of.as_deref())?;
    // Refused before anything is written.
    parse_custodian(a.statement.custodian.as_deref())?;
    // Checked at commit already, so a holdings file that breaks the policy writes nothing.
    let policy = policy_or_par(a.statement.policy.as_deref())?;
    let commitment = a.out.join("commitment.json");
    let c = commit_holdings(&a.holdings, a.epoch, &commitment, a.depth, as_of, Some(&policy))?;

    let params = a.out.join("params.bin");
    let k = CircuitKind::Attestation.min_k(c.depth);
    // A previous run's parameters serve if large enough and of the same kind of setup.
    let reusable = read_params(&params).ok().is_some_and(|(p, info)| p.k() >= k && a.srs.is_none() == info.insecure);
    if !reusable {
        setup(k, &params, a.srs.as_deref(), json)?;
    }
    let out = a.out.join("attestation.json");
    prove_and_report(&a.statement, &commitment, &a.liabilities, &params, &out, json)
}
