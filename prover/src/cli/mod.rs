//! The command line: one module per subcommand, each with its clap arguments and its `run`.
//! Commands return [`Failure`]; `main` renders it and takes the exit code from
//! [`bondproof_prover::Error::exit_code`], the one place exit codes are decided.

pub mod attest;
pub mod audit;
pub mod bench;
pub mod commit;
pub mod compress;
pub mod deploy;
pub mod export_calldata;
pub mod export_solidity;
pub mod inclusion;
pub mod keys;
pub mod keystore;
pub mod liabilities;
pub mod prove;
pub mod publish;
pub mod report;
pub mod setup;
pub mod show;
pub mod verify;

use std::path::Path;
use std::time::Duration;

use bondproof_prover::Error;
use bondproof_verifier::VerifierKey;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "bondproof",
    version,
    about = "Zero-knowledge proof of reserves for tokenized US Treasury funds",
    long_about = "Zero-knowledge proof of reserves for tokenized US Treasury funds.\n\n\
A custodian commits to its positions in a Poseidon Merkle-sum tree and proves, with one Halo2 \
(KZG, BN254) attestation proof, that the positions are eligible under a policy and, counted \
after its haircuts, cover the token's supply on every chain it lives on (plus book-entry \
shares), without revealing any position. Anyone verifies the attestation with the verifying \
key they pin; each chain's registry checks its own line of the proved table.\n\n\
First run:  bondproof attest --holdings fixtures/holdings.csv --liabilities fixtures/liabilities.json --out out\n\n\
Exit codes: 0 success or proof valid, 1 proof invalid or reserves do not cover, 2 bad input or usage."
)]
pub struct Cli {
    /// Print one machine-readable JSON object on stdout instead of the human summary (errors
    /// too: {"ok": false, "exit_code", "error"}).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Generate KZG parameters (insecure, for tests and first runs) or import a ceremony file.
    Setup(setup::Args),
    /// Commit to a holdings file: one salted leaf per CUSIP; prints the public root.
    Commit(commit::Args),
    /// Prove an attestation for a commitment; writes the bundle and `<out stem>.vk.bin`.
    Prove(prove::Args),
    /// Compress one or several attestations (proved with --transcript poseidon) into one proof
    /// that one small EVM verifier checks; writes the bundle and `<out stem>.vk.bin`.
    Compress(compress::Args),
    /// Verify an attestation (exit 0 valid, 1 invalid or an untrusted key) against a key rebuilt
    /// from a ceremony (--srs) or pinned (--vk) with its setup named, and show what it proves.
    Verify(verify::Args),
    /// Derive a verifying key from the circuit code and a ceremony file alone: byte-identical
    /// to the key `prove` writes from the same ceremony.
    Keys(keys::Args),
    /// The whole flow for a first run: setup (insecure unless --srs), commit, prove, verify.
    Attest(attest::Args),
    /// Auditor inclusion proofs: prove positions are in the committed tree, verify one, or
    /// reconcile a custodian's statement against a folder of them.
    Inclusion {
        #[command(subcommand)]
        command: inclusion::Command,
    },
    /// Auditor completeness: with the custodian's private commitment, check that the tree under
    /// the published root holds exactly the statement's positions (exit 1 on any extra, missing
    /// or changed position, or a broken tree).
    Audit(audit::Args),
    /// Generate the Solidity verifier for an attestation verifying key; writes
    /// `<out>/Verifier.sol`.
    ///
    /// A verifier over EIP-170's 24,576-byte limit comes as several contracts: deploy the parts
    /// (Halo2VerifierPart1, ...), then Halo2Verifier with their addresses in order. The command
    /// prints that order (`--json`: `contracts`).
    ExportSolidity(export_solidity::Args),
    /// Print, as 0x-hex, calldata for an EVM chain: the bare verifier call or the registry's
    /// `submit` for an attestation, or the owner's `setMinimumPolicy` for a policy file.
    #[command(after_help = "Examples:\n  \
        bondproof export-calldata --attestation out/attestation.json --for registry\n  \
        bondproof export-calldata --for minimum-policy --policy fixtures/policies/sec-15c3-1.json")]
    ExportCalldata(export_calldata::Args),
    /// A static transparency site for a folder of attestations, each verified while it is built
    /// (a failed one is listed as failed, exit 1): history charts with their tables, the proved
    /// policy in plain words, how to check every attestation; with --private, the custodian's
    /// confidential page beside it.
    Report(report::Args),
    /// The liabilities read from the chains: `liabilities snapshot`.
    Liabilities {
        #[command(subcommand)]
        command: liabilities::Command,
    },
    /// Keystores for `deploy` and `publish`: `keystore new`.
    Keystore {
        #[command(subcommand)]
        command: keystore::Command,
    },
    /// Deploy the attestation verifier and a configured ReserveRegistry on every chain of a
    /// deployments file; writes their addresses back into it (or to --out).
    Deploy(deploy::Args),
    /// Submit an attestation to every chain's registry from the custodian's keystore; prints
    /// each chain's transaction, block and gas, or its decoded revert (exit 1 if any chain
    /// refused; the others' results are still printed).
    Publish(publish::Args),
    /// Benchmark: attestation proofs per depth against the measured floor, native tree building.
    Bench(bench::Args),
}

impl Command {
    /// Whether the command talks to Ethereum nodes.
    pub fn uses_network(&self) -> bool {
        match self {
            Command::Liabilities { .. } | Command::Deploy(_) | Command::Publish(_) => true,
            Command::Verify(a) => !a.rpc.is_empty(),
            _ => false,
        }
    }
}

/// A command's failure: the error, and whether the command already printed its JSON answer
/// (a reconciliation report with `"ok": false`), so `main` does not print a second object.
pub struct Failure {
    pub error: Error,
    pub reported: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure { error, reported: false }
    }
}

impl From<bondproof_prover::ingest::InputError> for Failure {
    fn from(e: bondproof_prover::ingest::InputError) -> Self {
        Error::from(e).into()
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.json;
    match cli.command {
        Command::Setup(a) => setup::run(&a, json),
        Command::Commit(a) => commit::run(&a, json),
        Command::Prove(a) => prove::run(&a, json),
        Command::Compress(a) => compress::run(&a, json),
        Command::Verify(a) => verify::run(&a, json),
        Command::Keys(a) => keys::run(&a, json),
        Command::Attest(a) => attest::run(&a, json),
        Command::Inclusion { command } => inclusion::run(command, json),
        Command::Audit(a) => audit::run(&a, json),
        Command::ExportSolidity(a) => export_solidity::run(&a, json),
        Command::ExportCalldata(a) => export_calldata::run(&a, json),
        Command::Report(a) => report::run(&a, json),
        Command::Bench(a) => bench::run(&a, json),
        Command::Liabilities { command } => liabilities::run(command, json),
        Command::Keystore { command } => keystore::run(command, json),
        Command::Deploy(a) => deploy::run(&a, json),
        Command::Publish(a) => publish::run(&a, json),
    }
}

/// A spinner naming the current step of a long operation (hidden with --json, whose stdout is
/// for the JSON answer only; the spinner itself draws on stderr).
pub fn spinner(json: bool) -> ProgressBar {
    if json {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// `--as-of`: a date, or today (UTC).
pub fn parse_as_of(s: Option<&str>) -> Result<NaiveDate, Error> {
    match s {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => bondproof_prover::ingest::parse_date(s)
            .map_err(|e| Error::Usage(format!("--as-of '{s}' is not a date of the form YYYY-MM-DD: {e}"))),
    }
}

/// `--custodian`: the custodian's Ethereum address; without it, the zero address.
pub fn parse_custodian(s: Option<&str>) -> Result<[u8; 20], Error> {
    match s {
        None => Ok([0; 20]),
        Some(s) => {
            bondproof_verifier::bundle::parse_address(s.trim()).map_err(|e| Error::Usage(format!("--custodian: {e}")))
        }
    }
}

/// The verifying key a user pins, or a bad-input failure naming its file.
pub fn read_vk(path: &Path) -> Result<VerifierKey, Error> {
    VerifierKey::read(path)
        .map_err(|e| Error::VerifyingKey { path: path.display().to_string(), message: e.to_string() })
}

/// One line on stdout that survives a closed pipe: calldata and JSON are often piped into
/// `head` or a client that stops reading early, and `println!` would panic then.
pub fn print_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}

/// A JSON answer on stdout.
pub fn print_json(value: &serde_json::Value) {
    print_line(&value.to_string());
}
