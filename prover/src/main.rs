//! `bondproof`: the command line. Exit codes: 0 success / proof valid, 1 proof invalid or
//! statement unprovable, 2 bad input or usage.

mod cli_evm;
mod cli_inclusion;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bondproof_prover::attestation::{prove_attestation, usd, AttestError, ProveOutcome, ProveRequest};
use bondproof_prover::commitment::{commit, Commitment};
use bondproof_prover::holdings::{aggregate_by_cusip, load_holdings};
use bondproof_prover::keys::{read_params, setup_insecure, write_params, CircuitKind, ParamsInfo};
use bondproof_verifier::{verify_bundle, ProofBundle, VerifierKey};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "bondproof",
    version,
    about = "Zero-knowledge proof of reserves for tokenized US Treasury funds",
    long_about = "Zero-knowledge proof of reserves for tokenized US Treasury funds.\n\n\
A custodian commits to its Treasury positions in a Poseidon Merkle-sum tree and proves, with a \
Halo2 (KZG, BN254) proof, that they cover the token's supply, without revealing any position. \
Anyone verifies the attestation with the published verifying key.\n\n\
First run:  bondproof attest --holdings fixtures/holdings.csv --liabilities fixtures/liabilities.json --out out/\n\n\
Exit codes: 0 success or proof valid, 1 proof invalid or reserves do not cover, 2 bad input or usage."
)]
struct Cli {
    /// Print a machine-readable JSON result on stdout instead of the human summary.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Benchmark: solvency proofs per depth against the measured floor, native tree building.
    Bench {
        /// Tree depths to prove (up to 16 on request; 16 takes many minutes).
        #[arg(long, value_delimiter = ',', default_value = "4,6,8,10,12")]
        depths: Vec<usize>,
        /// Largest native tree to build, as log2 of the leaf count (from 2^10).
        #[arg(long, default_value_t = 20)]
        tree_max: u32,
        /// Write report.json and REPORT.md into this folder (e.g. `benches`).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Only re-render REPORT.md from an existing report.json (e.g. after merging a separate
        /// depth-16 run into it), without measuring anything.
        #[arg(long, conflicts_with = "report")]
        render: Option<PathBuf>,
    },
    /// Generate KZG parameters (insecure, for tests and first runs) or import a ceremony file.
    Setup {
        /// log2 of the number of rows; `bondproof commit` prints the k a tree needs.
        #[arg(long)]
        k: u32,
        /// Where to write the parameters (halo2 KZG format), plus a `.json` note beside it.
        #[arg(long)]
        out: PathBuf,
        /// A trusted-setup (ceremony) file in halo2's KZG parameter format; cut down to k.
        #[arg(long)]
        srs: Option<PathBuf>,
    },
    /// Commit to a holdings file: one salted leaf per CUSIP; prints the public root.
    Commit {
        /// Holdings, CSV (cusip,face_value|face_value_usd,maturity[,account]) or JSON.
        #[arg(long)]
        holdings: PathBuf,
        /// Attestation period number; the registry requires it to increase.
        #[arg(long)]
        epoch: u64,
        /// The custodian-private commitment file to write (contains every position and salt).
        #[arg(long)]
        out: PathBuf,
        /// Tree depth (2^depth leaves); default: the smallest that holds every CUSIP.
        #[arg(long)]
        depth: Option<usize>,
        /// Valuation date, YYYY-MM-DD (default: today, UTC); matured positions are rejected.
        #[arg(long)]
        as_of: Option<String>,
        /// Reject the holdings, before anything is written, if they break this policy.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Prove that a commitment covers the liabilities; writes the bundle and `<out stem>.vk.bin`.
    Prove(ProveArgs),
    /// Verify an attestation against the verifying key you trust (exit 0 valid, 1 invalid).
    Verify {
        #[arg(long)]
        attestation: PathBuf,
        /// The pinned verifying key; a bundle only carries its hash.
        #[arg(long)]
        vk: PathBuf,
    },
    /// Auditor inclusion proofs: prove positions are in the committed tree, verify one, or
    /// reconcile a custodian's statement against a folder of them.
    Inclusion {
        #[command(subcommand)]
        command: cli_inclusion::InclusionCommand,
    },
    /// The whole flow for a first run: setup (insecure unless --srs), commit, prove, verify.
    Attest {
        #[arg(long)]
        holdings: PathBuf,
        #[arg(long)]
        liabilities: PathBuf,
        /// Output folder: params.bin, keys/, commitment.json, attestation.json, attestation.vk.bin.
        #[arg(long)]
        out: PathBuf,
        /// Ceremony file; without it a local, insecure setup is generated and labelled so.
        #[arg(long)]
        srs: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        epoch: u64,
        #[arg(long)]
        depth: Option<usize>,
        #[arg(long)]
        as_of: Option<String>,
        /// Ratio to prove in basis points (default 10000, or the policy's minimum).
        #[arg(long)]
        ratio_bps: Option<u32>,
        #[arg(long)]
        custodian: Option<String>,
        /// Prove under a policy (eligibility, maturities, haircuts, money-fund rules), e.g.
        /// fixtures/policies/sec-15c3-1.json.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Generate the Solidity verifier for a verifying key (solvency or policy-solvency); writes
    /// `<out>/Verifier.sol`.
    ///
    /// A verifier over EIP-170's 24,576-byte limit comes as several contracts: deploy the parts
    /// (Halo2VerifierPart1, ...), then Halo2Verifier with their addresses in order. The command
    /// prints that order (`--json`: `contracts`).
    ExportSolidity {
        /// The pinned verifying key (`*.vk.bin`).
        #[arg(long)]
        vk: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print, as 0x-hex, the calldata that verifies an attestation on an EVM chain, or that
    /// sets a registry's minimum policy.
    #[command(after_help = "Examples:\n  \
        bondproof export-calldata --attestation out/attestation.json --for registry\n  \
        bondproof export-calldata --for minimum-policy --policy fixtures/policies/sec-15c3-1.json")]
    ExportCalldata {
        /// The attestation bundle (for `verifier` and `registry`).
        #[arg(long, required_unless_present = "policy")]
        attestation: Option<PathBuf>,
        /// `verifier`: public inputs (32-byte words) then the proof; `registry`: `submit(...)`,
        /// or `submitWithPolicy(...)` for a policy attestation; `minimum-policy`: the owner's
        /// `setMinimumPolicy(...)` for the policy file given with --policy.
        #[arg(long = "for", value_enum, default_value_t = cli_evm::CalldataTarget::Verifier)]
        for_: cli_evm::CalldataTarget,
        /// Policy file (with `--for minimum-policy`).
        #[arg(long, conflicts_with = "attestation")]
        policy: Option<PathBuf>,
    },
}

#[derive(Args)]
struct ProveArgs {
    #[arg(long)]
    commitment: PathBuf,
    /// Liabilities JSON: {"deployments": [{chain_id, token, decimals, total_supply, nav_usd}]}.
    #[arg(long)]
    liabilities: PathBuf,
    #[arg(long)]
    params: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// Collateral ratio to prove, in basis points (10000 = 100%; with --policy, default the
    /// policy's min_ratio_bps).
    #[arg(long)]
    ratio_bps: Option<u32>,
    /// Prove under a policy file (presets in fixtures/policies/): its parameters become public
    /// inputs, and every rule is enforced in the circuit.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Bind the proof to one registry: its chain id ...
    #[arg(long, requires = "registry")]
    chain_id: Option<u64>,
    /// ... and its address (0x + 40 hex digits).
    #[arg(long, requires = "chain_id")]
    registry: Option<String>,
    /// Custodian name recorded in the bundle's metadata.
    #[arg(long)]
    custodian: Option<String>,
}

/// A failure with its exit code and message.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn input(message: impl std::fmt::Display) -> Self {
        Self { code: 2, message: message.to_string() }
    }
    fn invalid(message: impl std::fmt::Display) -> Self {
        Self { code: 1, message: message.to_string() }
    }
}

/// The verifying key a user pins, or a bad-input failure naming its file.
fn read_vk(path: &Path) -> Result<VerifierKey, Failure> {
    VerifierKey::read(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))
}

impl From<AttestError> for Failure {
    fn from(e: AttestError) -> Self {
        Self { code: e.exit_code() as u8, message: e.to_string() }
    }
}

fn main() -> ExitCode {
    // Before any thread starts: the circuits' gates are degree 6 (see bondproof_circuits).
    bondproof_circuits::ensure_max_degree();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if json {
                println!("{}", json!({"ok": false, "exit_code": f.code, "error": f.message}));
            }
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn spinner(json: bool) -> ProgressBar {
    if json {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn parse_date(s: Option<&str>) -> Result<NaiveDate, Failure> {
    match s {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Failure::input(format!("--as-of '{s}' is not a date of the form YYYY-MM-DD"))),
    }
}

fn parse_address(s: &str) -> Result<[u8; 20], Failure> {
    s.strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 20]>::try_from(b).ok())
        .ok_or_else(|| Failure::input(format!("--registry '{s}' is not an address (0x + 40 hex digits)")))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.json;
    match cli.command {
        Command::Setup { k, out, srs } => setup(k, &out, srs.as_deref(), json),
        Command::Commit { holdings, epoch, out, depth, as_of, policy } => {
            let as_of = parse_date(as_of.as_deref())?;
            let c = do_commit(&holdings, epoch, &out, depth, as_of, policy.as_deref())?;
            if json {
                println!("{}", json!({"ok": true, "root": c.root, "epoch": c.epoch, "depth": c.depth,
                    "k": bondproof_circuits::SolvencyCircuit::min_k(c.depth), "positions": c.positions, "out": out}));
            } else {
                println!("committed {} CUSIPs in a tree of depth {} ({} leaves), epoch {}, as of {}", c.positions, c.depth, 1usize << c.depth, c.epoch, c.as_of);
                println!("  root  {}", c.root);
                println!("  wrote {} (private: it holds every position and salt)", out.display());
                println!("  proving needs parameters with k >= {}", bondproof_circuits::SolvencyCircuit::min_k(c.depth));
            }
            Ok(())
        }
        Command::Prove(a) => {
            let domain = match (a.chain_id, a.registry.as_deref()) {
                (Some(c), Some(r)) => Some((c, parse_address(r)?)),
                _ => None,
            };
            let req = ProveRequest {
                commitment: &a.commitment,
                liabilities: &a.liabilities,
                params: &a.params,
                out: &a.out,
                ratio_bps: a.ratio_bps,
                policy: a.policy.as_deref(),
                domain,
                custodian: a.custodian.clone(),
            };
            let pb = spinner(json);
            let outcome = prove_attestation(&req, &|m| pb.set_message(m.to_string()));
            pb.finish_and_clear();
            report_proof(&outcome?, json, &a.out);
            Ok(())
        }
        Command::Verify { attestation, vk } => verify(&attestation, &vk, json),
        Command::Inclusion { command } => cli_inclusion::run(command, json),
        Command::Bench { render: Some(path), .. } => {
            let text = std::fs::read_to_string(&path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            let mut r: bondproof_prover::bench::Report =
                serde_json::from_str(&text).map_err(|e| Failure::input(format!("{}: not a bench report: {e}", path.display())))?;
            r.evm = path.parent().and_then(bondproof_prover::bench::read_evm_gas).or(r.evm);
            let md = path.with_file_name("REPORT.md");
            bondproof_verifier::atomic::write_atomic(&md, bondproof_prover::bench::markdown(&r).as_bytes())
                .map_err(|e| Failure::input(format!("cannot write {}: {e}", md.display())))?;
            println!("wrote {}", md.display());
            Ok(())
        }
        Command::Bench { depths, tree_max, report, render: None } => {
            if let Some(&d) = depths.iter().find(|&&d| !(1..=20).contains(&d)) {
                return Err(Failure::input(format!("--depths: {d} is outside 1..=20")));
            }
            let pb = spinner(json);
            let logs: Vec<u32> = (10..=tree_max.clamp(10, 24)).collect();
            let r = bondproof_prover::bench::run(&depths, &logs, report.as_deref(), &|m| pb.set_message(m.to_string()))
                .map_err(|e| Failure::input(format!("cannot write the report: {e}")))?;
            pb.finish_and_clear();
            if json {
                println!("{}", serde_json::to_string(&r).expect("serializes"));
            } else {
                print!("{}", bondproof_prover::bench::markdown(&r));
            }
            Ok(())
        }
        Command::ExportSolidity { vk, out } => cli_evm::export_solidity(&vk, &out, json),
        Command::ExportCalldata { attestation, for_, policy } => match (attestation, policy) {
            (_, Some(policy)) if for_ == cli_evm::CalldataTarget::MinimumPolicy => cli_evm::export_minimum_policy(&policy, json),
            (Some(attestation), None) if for_ != cli_evm::CalldataTarget::MinimumPolicy => {
                cli_evm::export_calldata(&attestation, for_, json)
            }
            _ => Err(Failure::input(
                "export-calldata: --for minimum-policy takes --policy FILE; --for verifier and --for registry take --attestation FILE",
            )),
        },
        Command::Attest { holdings, liabilities, out, srs, epoch, depth, as_of, ratio_bps, custodian, policy } => {
            let as_of = parse_date(as_of.as_deref())?;
            let commitment_path = out.join("commitment.json");
            let c = do_commit(&holdings, epoch, &commitment_path, depth, as_of, policy.as_deref())?;
            let params_path = out.join("params.bin");
            let kind = if policy.is_some() { CircuitKind::Policy } else { CircuitKind::Solvency };
            let k = kind.min_k(c.depth);
            let reuse = read_params(&params_path).ok().filter(|(p, i)| {
                use bondproof_circuits::halo2_proofs::poly::commitment::Params;
                p.k() >= k && (srs.is_none() == i.insecure)
            });
            if reuse.is_none() {
                setup(k, &params_path, srs.as_deref(), true)?;
            }
            let req = ProveRequest {
                commitment: &commitment_path,
                liabilities: &liabilities,
                params: &params_path,
                out: &out.join("attestation.json"),
                ratio_bps,
                domain: None,
                custodian,
                policy: policy.as_deref(),
            };
            let pb = spinner(json);
            let outcome = prove_attestation(&req, &|m| pb.set_message(m.to_string()));
            pb.finish_and_clear();
            let outcome = outcome?;
            if !json {
                println!("bondproof attestation: epoch {}, as of {}", c.epoch, c.as_of);
                println!("  positions    {} CUSIPs, tree depth {} ({} leaves)", c.positions, c.depth, 1usize << c.depth);
            }
            report_proof(&outcome, json, req.out);
            Ok(())
        }
    }
}

fn setup(k: u32, out: &Path, srs: Option<&Path>, quiet: bool) -> Result<(), Failure> {
    if !(1..=26).contains(&k) {
        return Err(Failure::input(format!("--k {k} is out of range (1..=26)")));
    }
    let (params, info) = match srs {
        Some(path) => {
            let (mut params, _) = read_params(path).map_err(Failure::input)?;
            use bondproof_circuits::halo2_proofs::poly::commitment::Params;
            if params.k() < k {
                return Err(Failure::input(format!("{}: the ceremony file has k = {}, less than --k {k}", path.display(), params.k())));
            }
            params.downsize(k);
            (params, ParamsInfo { k, insecure: false, source: format!("ceremony file {}", path.display()) })
        }
        None => {
            let pb = spinner(quiet);
            pb.set_message(format!("generating insecure KZG parameters for k = {k}"));
            let params = setup_insecure(k);
            pb.finish_and_clear();
            (params, ParamsInfo { k, insecure: true, source: "local random setup (INSECURE: tau was known to this machine)".into() })
        }
    };
    write_params(&params, out, &info).map_err(|e| Failure::input(format!("cannot write {}: {e}", out.display())))?;
    if !quiet {
        if info.insecure {
            eprintln!("WARNING: insecure setup. Whoever ran it could forge proofs; use it for tests and first runs only.");
        }
        println!("wrote {} (k = {k}, {})", out.display(), info.source);
    }
    Ok(())
}

fn do_commit(
    holdings: &Path,
    epoch: u64,
    out: &Path,
    depth: Option<usize>,
    as_of: NaiveDate,
    policy: Option<&Path>,
) -> Result<Commitment, Failure> {
    let positions = load_holdings(holdings, as_of).map_err(Failure::input)?;
    let aggregated = aggregate_by_cusip(&positions, holdings).map_err(Failure::input)?;
    let (c, leaves, _) = commit(&aggregated, epoch, as_of, depth, holdings).map_err(Failure::input)?;
    if let Some(policy) = policy {
        use bondproof_prover::policy_prove::{check_policy, load_policy};
        let p = load_policy(policy).map_err(Failure::input)?;
        let circuit_leaves: Vec<_> = leaves.iter().map(|l| l.to_leaf()).collect();
        let days = bondproof_prover::commitment::days_since_epoch(as_of);
        check_policy(&p, &circuit_leaves, days).map_err(|e| Failure { code: e.exit_code() as u8, message: e.to_string() })?;
    }
    c.write(out).map_err(|e| Failure::input(format!("cannot write {}: {e}", out.display())))?;
    Ok(c)
}

fn report_proof(o: &ProveOutcome, json: bool, out: &Path) {
    let b = &o.bundle;
    let proof_bytes = (b.proof.len() - 2) / 2;
    let pct = o.total_cents as f64 / o.liabilities.total_cents.max(1) as f64 * 100.0;
    if json {
        println!("{}", json!({
            "ok": true, "covered": true, "attestation": out, "vk": o.vk_path, "vk_hash": b.vk_hash,
            "public_inputs": b.public_inputs, "k": b.circuit.k, "depth": b.circuit.depth, "circuit": b.circuit.name,
            "policy": b.policy, "counted_reserves_cents": o.policy.as_ref().map(|p| p.1.to_string()),
            "proof_bytes": proof_bytes, "insecure_setup": o.insecure_setup,
            "keygen_s": o.keygen.as_secs_f64(), "prove_s": o.prove.as_secs_f64(), "verify_s": o.verify.as_secs_f64(),
        }));
        return;
    }
    let chains: Vec<String> = o.liabilities.deployments.iter().map(|d| format!("chain {}", d.chain_id)).collect();
    println!("  root         {}", b.public_inputs.root);
    println!("  reserves     {} face value (private: not in the proof)", usd(o.total_cents));
    println!("  liabilities  {} across {}", usd(o.liabilities.total_cents), chains.join(", "));
    if let (Some((name, counted)), Some(p)) = (&o.policy, &b.policy) {
        let pol = &p.parameters;
        let days = |d: Option<u64>| d.map_or("none".to_string(), |d| format!("{d} days"));
        println!("  policy       {name}: max maturity {}, {} haircut bucket(s), max WAM {}, weekly liquidity {}",
            days(pol.max_maturity_days), pol.haircuts.len(), days(pol.max_wam_days),
            pol.min_weekly_liquid_bps.map_or("none".to_string(), |b| format!(">= {b} bps")));
        println!("  counted      {} after haircuts (proved in the circuit)", usd(*counted));
        let pct = *counted as f64 / o.liabilities.total_cents.max(1) as f64 * 100.0;
        println!("  coverage     COVERED at {} bps ({pct:.2}% of liabilities, on counted reserves)", b.public_inputs.ratio_bps);
    } else {
        println!("  coverage     COVERED at {} bps ({pct:.2}% of liabilities)", b.public_inputs.ratio_bps);
    }
    println!("  proof        k = {}, {proof_bytes} bytes; keys {} in {:.1} s, proved in {:.1} s, verified in {} ms",
        b.circuit.k, if o.keys_generated { "generated" } else { "loaded" }, o.keygen.as_secs_f64(), o.prove.as_secs_f64(), o.verify.as_millis());
    if o.insecure_setup {
        println!("  WARNING      insecure local setup: fine for testing, not for publication (use --srs)");
    }
    println!("  wrote        {} and {}", out.display(), o.vk_path.display());
    println!("  check it     bondproof verify --attestation {} --vk {}", out.display(), o.vk_path.display());
}

fn verify(attestation: &Path, vk: &Path, json: bool) -> Result<(), Failure> {
    if !attestation.exists() {
        return Err(Failure::input(format!("{}: no such file", attestation.display())));
    }
    let key = read_vk(vk)?;
    let bundle = ProofBundle::read(attestation).map_err(Failure::invalid)?;
    match verify_bundle(&bundle, &key) {
        Ok(inputs) => {
            // The id an on-chain registry records the policy under, to match the two.
            let policy_id = |p: &bondproof_verifier::bundle::PolicyRecord| {
                format!("0x{}", hex::encode(bondproof_verifier::solidity::policy_id(&p.parameters.instance())))
            };
            if json {
                let policy = bundle.policy.as_ref().map(|p| json!({"name": p.parameters.name, "parameters": p.parameters,
                    "as_of_days": p.as_of_days, "registry_policy_id": policy_id(p)}));
                println!("{}", json!({"ok": true, "valid": true, "public_inputs": bundle.public_inputs,
                    "vk_hash": bundle.vk_hash, "as_of": bundle.metadata.as_of, "insecure_setup": bundle.metadata.insecure_setup,
                    "policy": policy}));
            } else {
                println!("VALID: reserves committed under root {} cover liabilities of {} at {} bps",
                    bundle.public_inputs.root, usd(inputs.liabilities), inputs.ratio_bps);
                println!("  epoch {}, as of {}, domain {}", inputs.epoch, bundle.metadata.as_of,
                    if bundle.public_inputs.domain == "0" { "unbound".to_string() } else { bundle.public_inputs.domain.clone() });
                if let Some(p) = &bundle.policy {
                    println!("  policy \"{}\" proved: {}", p.parameters.name,
                        serde_json::to_string(&p.parameters).expect("serializes"));
                    println!("  registry policy id {}", policy_id(p));
                }
                if bundle.metadata.insecure_setup {
                    println!("  note: made with an insecure local setup (test only)");
                }
            }
            Ok(())
        }
        Err(e) => {
            Err(Failure::invalid(format!("INVALID: {e}")))
        }
    }
}

