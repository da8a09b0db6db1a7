//! `bondproof prove`: an attestation for a commitment, and the summary `prove` and `attest`
//! print.

use std::path::{Path, PathBuf};

use bondproof_prover::attestation::{prove_attestation, usd, ProveOutcome, ProveRequest};
use bondproof_prover::ingest::LineKind;
use bondproof_verifier::bundle::{address_hex, Transcript};
use serde_json::json;

use super::show::{coverage_pct, custodian_text, policy_parameters, statement_json};
use super::{parse_custodian, print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The commitment file `commit` wrote.
    #[arg(long)]
    pub commitment: PathBuf,
    /// Liabilities JSON: {"deployments": [...]}, one line per chain deployment
    /// ({chain_id, token, registry, decimals, total_supply, nav_usd}) or book-entry register
    /// ({"book_entry": true, total_shares, nav_usd, register}); at most 16 lines.
    #[arg(long)]
    pub liabilities: PathBuf,
    /// KZG parameters (`setup`); cut down to the k this depth needs.
    #[arg(long)]
    pub params: PathBuf,
    /// The bundle to write; the verifying key goes beside it as `<stem>.vk.bin`.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub statement: StatementArgs,
}

/// What the attestation states beyond the commitment and the liabilities: the policy, the
/// ratio and the custodian (shared by `prove` and `attest`).
#[derive(clap::Args)]
pub struct StatementArgs {
    /// The policy file to prove under (presets in fixtures/policies/); default: par (US
    /// Treasuries at face value, no maturity bound, 100%).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Collateral ratio to prove, in basis points (10000 = 100%); default: the policy's
    /// min_ratio_bps.
    #[arg(long)]
    pub ratio_bps: Option<u32>,
    /// The custodian's Ethereum address (0x + 40 hex digits), a public input: registries
    /// accept the attestation only when it submits it. Default: the zero address, which no
    /// registry accepts.
    #[arg(long)]
    pub custodian: Option<String>,
    /// A name for the custodian, recorded in the bundle as unverified metadata.
    #[arg(long)]
    pub custodian_label: Option<String>,
    /// The proof's Fiat-Shamir transcript: keccak (default) for the direct on-chain verifier
    /// and `submit`, or poseidon for a proof to be compressed (`bondproof compress`), which
    /// only a compression proof takes on-chain.
    #[arg(long, default_value = "keccak", value_parser = parse_transcript)]
    pub transcript: Transcript,
}

fn parse_transcript(s: &str) -> Result<Transcript, String> {
    Transcript::from_name(s).ok_or_else(|| format!("'{s}' is not a transcript (keccak, poseidon)"))
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    prove_and_report(&a.statement, &a.commitment, &a.liabilities, &a.params, &a.out, json)
}

/// Proves with a progress spinner, then prints the summary.
pub fn prove_and_report(
    st: &StatementArgs,
    commitment: &Path,
    liabilities: &Path,
    params: &Path,
    out: &Path,
    json: bool,
) -> Result<(), Failure> {
    let req = ProveRequest {
        commitment,
        liabilities,
        params,
        out,
        ratio_bps: st.ratio_bps,
        policy: st.policy.as_deref(),
        custodian: parse_custodian(st.custodian.as_deref())?,
        custodian_label: st.custodian_label.clone(),
        transcript: st.transcript,
    };
    let pb = spinner(json);
    let outcome = prove_attestation(&req, &|m| pb.set_message(m.to_string()));
    pb.finish_and_clear();
    report(&outcome?, out, json);
    Ok(())
}

/// The summary of a proof just made (human or JSON).
pub fn report(o: &ProveOutcome, out: &Path, json: bool) {
    let s = &o.statement;
    let liabilities = s.liabilities_cents();
    let pct = coverage_pct(o.report.counted_scaled, liabilities);
    if json {
        print_json(&json!({
            "ok": true, "covered": true, "attestation": out, "vk": o.vk_path, "vk_hash": o.bundle.vk_hash,
            "circuit": o.bundle.circuit, "public_inputs": o.bundle.public_inputs, "statement": statement_json(s),
            "policy": o.policy.name, "positions": o.positions,
            "face_total_cents": o.report.face_total.to_string(), "counted_cents": o.report.counted_cents().to_string(),
            "liabilities_cents": liabilities.to_string(), "coverage_pct": pct,
            "custodian_is_zero": s.custodian == [0; 20],
            "proof_bytes": o.proof_bytes(), "insecure_setup": o.insecure_setup, "keys_generated": o.keys_generated,
            "keygen_s": o.keygen.as_secs_f64(), "prove_s": o.prove.as_secs_f64(), "verify_s": o.verify.as_secs_f64(),
        }));
        return;
    }
    let depth = o.bundle.circuit.depth;
    println!("bondproof attestation: epoch {}, as of {}", s.epoch, o.bundle.metadata.as_of);
    println!("  positions    {} CUSIPs, tree depth {depth} ({} leaves)", o.positions, 1u64 << depth);
    println!("  root         {}", o.bundle.public_inputs.root);
    println!("  policy       {}: {}", o.policy.name, policy_parameters(&s.policy));
    println!("  reserves     {} face value (private: not in the proof)", usd(o.report.face_total));
    println!("  counted      {} after the policy's haircuts (proved in the circuit)", usd(o.report.counted_cents()));
    println!("  liabilities  {} in total, one public line per deployment:", usd(liabilities));
    for line in &o.liabilities.deployments {
        let (place, detail) = match &line.kind {
            LineKind::OnChain { chain_id, token, registry, .. } => (
                format!("chain {chain_id}"),
                format!("token {}, registry {}", address_hex(token), address_hex(registry)),
            ),
            LineKind::BookEntry { register, .. } => {
                ("book entry".to_string(), format!("register {register}, held off-chain"))
            }
        };
        println!("    {place:<12} {:>22}   {detail}", usd(line.supply_cents));
    }
    println!("  coverage     COVERED at {} bps: counted reserves are {pct:.2}% of liabilities", s.ratio_bps);
    println!("  custodian    {}", custodian_text(&s.custodian));
    println!(
        "  proof        k = {}, {} bytes; keys {} in {:.1} s, proved in {:.1} s, verified in {} ms",
        o.bundle.circuit.k,
        o.proof_bytes(),
        if o.keys_generated { "generated" } else { "loaded" },
        o.keygen.as_secs_f64(),
        o.prove.as_secs_f64(),
        o.verify.as_millis()
    );
    if o.insecure_setup {
        println!("  WARNING      insecure local setup: fine for testing, not for publication (use --srs)");
    }
    println!("  wrote        {} and {}", out.display(), o.vk_path.display());
    println!(
        "  check it     bondproof verify --attestation {} --vk {} {}",
        out.display(),
        o.vk_path.display(),
        if o.insecure_setup { "--allow-unchecked-setup" } else { "--srs CEREMONY_FILE" }
    );
}
