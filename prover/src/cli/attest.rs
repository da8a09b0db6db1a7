//! `bondproof attest`: setup, commit, prove and verify in one go, for a first run.

use std::path::PathBuf;

use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use bondproof_circuits::CircuitKind;
use bondproof_prover::attestation::{policy_or_par, prove_attestation, ProveRequest};
use bondproof_prover::keys::read_params;

use super::{commit::commit_holdings, parse_as_of, parse_custodian, setup::setup, spinner, Failure};

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
    /// The policy file to prove under (eligibility, maturities, haircuts, money-fund rules),
    /// e.g. fixtures/policies/sec-15c3-1.json; default: par.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Ratio to prove in basis points; default: the policy's min_ratio_bps (par: 10000).
    #[arg(long)]
    pub ratio_bps: Option<u32>,
    /// The custodian's Ethereum address (0x + 40 hex digits), a public input; default: the
    /// zero address, which no registry accepts.
    #[arg(long)]
    pub custodian: Option<String>,
    /// A name for the custodian, recorded in the bundle as unverified metadata.
    #[arg(long)]
    pub custodian_label: Option<String>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let as_of = parse_as_of(a.as_of.as_deref())?;
    let custodian = parse_custodian(a.custodian.as_deref())?;
    // Checked at commit already, so a holdings file that breaks the policy writes nothing.
    let policy = policy_or_par(a.policy.as_deref())?;
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
    let req = ProveRequest {
        commitment: &commitment,
        liabilities: &a.liabilities,
        params: &params,
        out: &out,
        ratio_bps: a.ratio_bps,
        policy: a.policy.as_deref(),
        custodian,
        custodian_label: a.custodian_label.clone(),
    };
    let pb = spinner(json);
    let outcome = prove_attestation(&req, &|m| pb.set_message(m.to_string()));
    pb.finish_and_clear();
    super::prove::report(&outcome?, &out, json);
    Ok(())
}
