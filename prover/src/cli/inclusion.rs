//! `bondproof inclusion prove | verify | reconcile`: the auditor's side. The custodian proves
//! positions into bundles; the auditor verifies them against the published root and reconciles
//! them with the custodian's statement.

use std::path::{Path, PathBuf};

use bondproof_circuits::{CircuitKind, Fr};
use bondproof_prover::attestation::usd;
use bondproof_prover::inclusion::{reconcile, BatchPlan, InclusionProver, ReconcileReport, ReconcileStatus};
use bondproof_prover::ingest::{aggregate_by_cusip, load_holdings};
use bondproof_prover::Error;
use bondproof_verifier::bundle::parse_root;
use bondproof_verifier::inclusion_bundle::InclusionBundle;
use bondproof_verifier::verify_inclusion_bundle;
use clap::{ArgGroup, Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::keys::{trust_flag, TrustArgs};
use super::{parse_as_of, print_json, spinner, Failure};

#[derive(Subcommand)]
pub enum Command {
    /// Prove that one position (--cusip) or every position (--all) is in the committed tree.
    Prove(ProveArgs),
    /// Verify an inclusion proof against a key you trust (exit 0 valid, 1 invalid).
    Verify(VerifyArgs),
    /// Check a custodian's statement against inclusion proofs: every CUSIP must be proved, under
    /// the root, at exactly the statement's face value (its rows summed). Exit 1 if any is not.
    Reconcile(ReconcileArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The inclusion bundle (`<CUSIP>.json`).
    #[arg(long)]
    proof: PathBuf,
    /// The root the custodian published (0x-hex); the proof must be for this root.
    #[arg(long)]
    root: Option<String>,
    /// The key: pinned (`inclusion.vk.bin`) and/or rebuilt from a ceremony (--srs).
    #[command(flatten)]
    trust: TrustArgs,
}

#[derive(Args)]
pub struct ReconcileArgs {
    /// The custodian's statement: a holdings file (CSV or JSON).
    #[arg(long)]
    statement: PathBuf,
    /// Folder of inclusion bundles (what `inclusion prove --all` wrote).
    #[arg(long)]
    proofs: PathBuf,
    /// The root the custodian published (0x-hex).
    #[arg(long)]
    root: String,
    /// The statement's date, YYYY-MM-DD (default: today, UTC); positions matured by then are
    /// rejected, as at commit.
    #[arg(long)]
    as_of: Option<String>,
    /// The key: pinned (`inclusion.vk.bin`) and/or rebuilt from a ceremony (--srs; the depth is
    /// the proofs').
    #[command(flatten)]
    trust: TrustArgs,
}

#[derive(Args)]
#[command(group(ArgGroup::new("which").required(true).args(["cusip", "all"])))]
pub struct ProveArgs {
    /// The custodian-private commitment file.
    #[arg(long)]
    commitment: PathBuf,
    /// The position to prove.
    #[arg(long)]
    cusip: Option<String>,
    /// Only checks that the commitment lists this account for the CUSIP: the tree has one leaf
    /// per CUSIP, every account's share summed, so the proof is for the sum.
    #[arg(long, requires = "cusip")]
    account: Option<String>,
    /// Prove every position, in parallel, into the --out folder.
    #[arg(long)]
    all: bool,
    /// KZG parameters (any k at least the circuit's; cut down as needed).
    #[arg(long)]
    params: PathBuf,
    /// The bundle to write (--cusip), or the folder for `<CUSIP>.json` and `inclusion.vk.bin` (--all).
    #[arg(long)]
    out: PathBuf,
    /// Threads inside each proof for --all (default 1: as many proofs at once as threads).
    #[arg(long, hide = true)]
    threads_per_proof: Option<usize>,
}

pub fn run(command: Command, json: bool) -> Result<(), Failure> {
    match command {
        Command::Prove(a) => prove(&a, json),
        Command::Verify(a) => verify(&a, json),
        Command::Reconcile(a) => reconcile_cmd(&a, json),
    }
}

fn prove(a: &ProveArgs, json: bool) -> Result<(), Failure> {
    let pb = spinner(json);
    pb.set_message("reading the commitment, loading or generating the inclusion keys");
    let prover = InclusionProver::load(&a.commitment, &a.params);
    pb.finish_and_clear();
    let prover = prover?;
    if a.all {
        return prove_all(&prover, a, json);
    }
    let cusip = a.cusip.as_deref().unwrap_or_default();
    let t = std::time::Instant::now();
    let (bundle, vk_path) = prover.prove_one(cusip, a.account.as_deref(), &a.out)?;
    let secs = t.elapsed().as_secs_f64();
    if json {
        print_json(&json!({"ok": true, "proof": a.out, "vk": vk_path, "vk_hash": bundle.vk_hash,
            "public_inputs": bundle.public_inputs, "k": bundle.circuit.k, "depth": bundle.circuit.depth,
            "insecure_setup": prover.insecure_setup, "prove_s": secs}));
    } else {
        let face: u128 = bundle.public_inputs.face_value.parse().unwrap_or_default();
        println!(
            "proved {} at {} face value is in the tree under root {}",
            bundle.public_inputs.cusip,
            usd(face),
            bundle.public_inputs.root
        );
        println!(
            "  epoch {}, depth {}, k {}, {:.2} s",
            bundle.public_inputs.epoch, bundle.circuit.depth, bundle.circuit.k, secs
        );
        insecure_note(prover.insecure_setup);
        println!("  wrote        {} and {}", a.out.display(), vk_path.display());
        println!(
            "  check it     bondproof inclusion verify --proof {} --vk {} --root {} {}",
            a.out.display(),
            vk_path.display(),
            bundle.public_inputs.root,
            trust_flag(&a.params, prover.insecure_setup)
        );
    }
    Ok(())
}

fn prove_all(prover: &InclusionProver, a: &ProveArgs, json: bool) -> Result<(), Failure> {
    let threads = rayon::current_num_threads();
    let plan = match a.threads_per_proof {
        Some(t) => BatchPlan::with_threads_per_proof(threads, t),
        None => BatchPlan::for_threads(threads),
    };
    let n = prover.real_positions().len();
    let pb = if json { ProgressBar::hidden() } else { ProgressBar::new(n as u64) };
    pb.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} positions [{elapsed}, {per_sec}, eta {eta}] {msg}")
            .expect("valid template"),
    );
    let outcome = prover.prove_all(&a.out, plan, &|cusip| {
        pb.set_message(cusip.to_string());
        pb.inc(1);
    });
    pb.finish_and_clear();
    let outcome = outcome?;
    let secs = outcome.elapsed.as_secs_f64();
    let rate = outcome.proved as f64 / secs.max(1e-9);
    if json {
        print_json(&json!({"ok": true, "proved": outcome.proved, "out": a.out, "vk": outcome.vk_path,
            "vk_hash": prover.keys.vk.hash_hex(), "root": prover.root_hex(), "epoch": prover.commitment.epoch,
            "depth": prover.depth(), "k": prover.k(), "insecure_setup": prover.insecure_setup,
            "concurrent": outcome.plan.concurrent, "threads_per_proof": outcome.plan.threads_per_proof,
            "elapsed_s": secs, "proofs_per_s": rate}));
    } else {
        println!("proved {} positions of {} (depth {}, k {}) in {secs:.2} s: {rate:.1} proofs/s, {} at a time on {} thread(s) each",
            outcome.proved, a.commitment.display(), prover.depth(), prover.k(), outcome.plan.concurrent, outcome.plan.threads_per_proof);
        println!("  root         {}", prover.root_hex());
        insecure_note(prover.insecure_setup);
        println!("  wrote        {}/<CUSIP>.json and {}", a.out.display(), outcome.vk_path.display());
        println!(
            "  reconcile    bondproof inclusion reconcile --statement STATEMENT.csv --proofs {} --vk {} --root {} {}",
            a.out.display(),
            outcome.vk_path.display(),
            prover.root_hex(),
            trust_flag(&a.params, prover.insecure_setup)
        );
    }
    Ok(())
}

fn insecure_note(insecure: bool) {
    if insecure {
        println!("  WARNING      insecure local setup: fine for testing, not for publication (use --srs)");
    }
}

fn read_root(root: &str) -> Result<Fr, Error> {
    parse_root(root.trim()).map_err(|e| Error::Usage(format!("--root '{root}': {e}")))
}

fn verify(a: &VerifyArgs, json: bool) -> Result<(), Failure> {
    let proof = &a.proof;
    if !proof.exists() {
        return Err(Error::Usage(format!("{}: no such file", proof.display())).into());
    }
    let root = a.root.as_deref().map(read_root).transpose()?;
    // Read before the key so a rebuilt key takes the bundle's depth; a bundle that does not parse
    // is an invalid proof (exit 1), reported after a bad key file (exit 2).
    let bundle = InclusionBundle::read(proof);
    let depth = || bundle.as_ref().map(|b| b.circuit.depth as usize).map_err(|e| Error::Invalid(e.to_string()));
    let trusted = a.trust.key(CircuitKind::Inclusion, json, depth)?;
    let bundle = bundle.map_err(|e| Error::Invalid(e.to_string()))?;
    let inputs = verify_inclusion_bundle(&bundle, &trusted.key, root.as_ref())
        .map_err(|e| Error::Invalid(format!("{}: {e}", proof.display())))?;
    let p = &bundle.public_inputs;
    if json {
        let trust = trusted.json();
        print_json(&json!({"ok": true, "valid": true, "public_inputs": p, "root_pinned": root.is_some(),
            "vk_hash": bundle.vk_hash, "key": trust["key"], "setup": trust["setup"],
            "unverified": bundle.metadata}));
    } else {
        println!(
            "VALID: {} at {} face value is a position of the tree under root {}",
            p.cusip,
            usd(inputs.face_value as u128),
            p.root
        );
        println!("  epoch        {}", inputs.epoch);
        trusted.print();
        if root.is_none() {
            println!("  note: the root was not pinned; pass --root with the root the custodian published");
        }
        let m = &bundle.metadata;
        println!("Unverified metadata (the proof does not bind it):");
        println!("  as of        {}", m.as_of);
        println!("  created at   {}", m.created_at);
        println!(
            "  setup claim  {} (the bundle's insecure_setup; the setup line above is what was checked)",
            if m.insecure_setup { "insecure local setup" } else { "not an insecure local setup" }
        );
    }
    Ok(())
}

/// The one depth of the inclusion bundles in `proofs` (a key is per depth), to rebuild the key
/// at when none is pinned.
fn proofs_depth(proofs: &Path) -> Result<usize, Error> {
    let entries = std::fs::read_dir(proofs).map_err(|e| Error::Usage(format!("{}: {e}", proofs.display())))?;
    let mut depths = std::collections::BTreeSet::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Ok(b) = InclusionBundle::read(&path) {
                depths.insert(b.circuit.depth as usize);
            }
        }
    }
    match depths.len() {
        1 => Ok(*depths.first().expect("one depth")),
        0 => Err(Error::Usage(format!("{}: no readable inclusion proof to take the depth from", proofs.display()))),
        _ => Err(Error::Usage(format!(
            "{}: proofs of several depths ({}); reconcile one depth at a time, or pin its key with --vk",
            proofs.display(),
            depths.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn reconcile_cmd(a: &ReconcileArgs, json: bool) -> Result<(), Failure> {
    let (statement, proofs, root) = (&a.statement, &a.proofs, &a.root);
    let root_fr = read_root(root)?;
    let as_of = parse_as_of(a.as_of.as_deref())?;
    if !proofs.is_dir() {
        return Err(Error::Usage(format!("{}: not a folder of proofs", proofs.display())).into());
    }
    let trusted = a.trust.key(CircuitKind::Inclusion, json, || proofs_depth(proofs))?;
    let positions = load_holdings(statement, as_of)?;
    let holdings = aggregate_by_cusip(&positions, statement)?;
    let report = reconcile(&holdings, proofs, &trusted.key, &root_fr)?;
    let (matched, missing, mismatched) = (
        report.count(ReconcileStatus::Matched),
        report.count(ReconcileStatus::Missing),
        report.count(ReconcileStatus::Mismatched),
    );
    let unmatched = || {
        Error::Invalid(format!(
            "{} of {} statement positions are not matched by a valid proof",
            missing + mismatched,
            report.rows.len()
        ))
    };
    if json {
        let trust = trusted.json();
        print_json(&json!({"ok": report.all_matched(), "exit_code": if report.all_matched() { 0 } else { 1 },
            "key": trust["key"], "setup": trust["setup"], "root": root, "statement": statement, "proofs": proofs,
            "matched": matched, "missing": missing, "mismatched": mismatched,
            "positions": report.rows, "not_on_statement": report.not_on_statement,
            "unreadable": report.unreadable.iter().map(|(p, e)| json!({"file": p, "error": e})).collect::<Vec<_>>()}));
        if !report.all_matched() {
            // The report above is the JSON answer; main's generic error object would be a second one.
            return Err(Failure { error: unmatched(), reported: true });
        }
        return Ok(());
    }
    print_table(&report);
    println!();
    trusted.print();
    println!(
        "{} positions on the statement: {matched} matched, {missing} missing, {mismatched} mismatched (root {root})",
        report.rows.len()
    );
    if !report.not_on_statement.is_empty() {
        println!(
            "  {} proved position(s) are not on the statement: {}",
            report.not_on_statement.len(),
            report.not_on_statement.join(", ")
        );
    }
    for (path, e) in &report.unreadable {
        println!("  skipped {}: {e}", path.display());
    }
    if report.all_matched() {
        Ok(())
    } else {
        Err(unmatched().into())
    }
}

fn print_table(report: &ReconcileReport) {
    println!("{:<10}  {:<9}  {:>22}  {:>22}  note", "status", "cusip", "statement face", "proved face");
    for r in &report.rows {
        let status = match r.status {
            ReconcileStatus::Matched => "matched",
            ReconcileStatus::Missing => "MISSING",
            ReconcileStatus::Mismatched => "MISMATCHED",
        };
        let proved = r.proved_face_value.map_or("-".to_string(), |v| usd(v as u128));
        println!(
            "{status:<10}  {:<9}  {:>22}  {proved:>22}  {}",
            r.cusip,
            usd(r.statement_face_value as u128),
            r.reason.as_deref().unwrap_or("")
        );
    }
}
