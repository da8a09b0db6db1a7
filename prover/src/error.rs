//! The prover crate's one error type. Each variant knows its exit code, so the CLI decides exit
//! codes in one place (`Error::exit_code`) and every command agrees: 1 when the statement is
//! false or a proof does not verify, 2 when the input, the usage or the environment is at fault.

use bondproof_circuits::policy::Violation;

use crate::ingest::InputError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad holdings, liabilities or commitment file, with its file, place and field.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A bad command-line value (`--as-of`, `--custodian`, ...).
    #[error("{0}")]
    Usage(String),
    /// A policy file that does not parse or validate.
    #[error("{path}: {message}")]
    PolicyFile { path: String, message: String },
    /// Positions that break the policy, found natively before any proving.
    #[error("the holdings break the policy \"{policy}\":\n{}", .violations.iter().map(|v| format!("  {v}")).collect::<Vec<_>>().join("\n"))]
    Violations { policy: String, violations: Vec<Violation> },
    /// Counted reserves below liabilities times the ratio: the circuit cannot be satisfied.
    #[error(
        "counted reserves of {} (after the policy \"{policy}\"'s haircuts) do not cover liabilities of {} at a ratio of {ratio_bps} bps (needed {}): no proof can be made",
        usd(*counted_cents), usd(*liabilities_cents), usd(liabilities_cents.saturating_mul(u128::from(*ratio_bps)).div_ceil(10_000))
    )]
    Uncovered { policy: String, counted_cents: u128, liabilities_cents: u128, ratio_bps: u32 },
    #[error("{path}: cannot read parameters: {message}")]
    Params { path: String, message: String },
    #[error("{path}: k = {have} is too small for a tree of depth {depth}, which needs k = {need}; run `bondproof setup --k {need}`")]
    ParamsTooSmall { path: String, have: u32, need: u32, depth: usize },
    #[error("{path}: {message}")]
    VerifyingKey { path: String, message: String },
    #[error("key generation failed: {0}")]
    Keygen(String),
    /// The prover could not satisfy the circuit, or its own proof did not verify: the
    /// statement is not provable as given (or the circuit and the native checks disagree).
    #[error("{0}")]
    Proof(String),
    /// A proof or bundle that does not verify against the pinned key.
    #[error("INVALID: {0}")]
    Invalid(String),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("{file}: CUSIP {cusip} is not in the commitment")]
    NotCommitted { file: String, cusip: String },
    #[error("{file}: CUSIP {cusip} has no position in account '{account}' (its accounts: {listed})")]
    AccountNotListed { file: String, cusip: String, account: String, listed: String },
    #[error("CUSIP {cusip}: {message}")]
    InclusionProof { cusip: String, message: String },
    #[error("cannot start the proving threads: {0}")]
    Threads(String),
    /// A ceremony file that is missing, truncated, corrupted or inconsistent (its message names
    /// the file and what is wrong).
    #[error("{0}")]
    Ceremony(#[from] crate::ceremony::CeremonyError),
    /// A verifying key the verifier has not established trust in: its setup was not named, or
    /// it is not the key the circuit code and the named ceremony give.
    #[error("REFUSED: {0}")]
    Refused(String),
    /// A node, a contract or a transaction on a chain (the message names the chain); a revert
    /// is a refusal (exit 1), anything else a fault of the input or the environment (exit 2).
    #[error("{0}")]
    Chain(#[from] crate::chain::ChainError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// 1: the statement is false or unprovable, or a proof is invalid. 2: bad input, usage or
    /// environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Uncovered { .. }
            | Error::Proof(_)
            | Error::Invalid(_)
            | Error::InclusionProof { .. }
            | Error::Refused(_) => 1,
            Error::Input(_)
            | Error::Usage(_)
            | Error::PolicyFile { .. }
            | Error::Violations { .. }
            | Error::Params { .. }
            | Error::ParamsTooSmall { .. }
            | Error::VerifyingKey { .. }
            | Error::Keygen(_)
            | Error::Write { .. }
            | Error::NotCommitted { .. }
            | Error::AccountNotListed { .. }
            | Error::Threads(_)
            | Error::Ceremony(_) => 2,
            Error::Chain(e) => {
                if e.is_refusal() {
                    1
                } else {
                    2
                }
            }
        }
    }

    /// A failed write of `path`.
    pub fn write(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.display().to_string();
        move |source| Error::Write { path, source }
    }
}

/// `$1,234.56` from cents.
pub fn usd(cents: u128) -> String {
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_groups_thousands() {
        assert_eq!(usd(0), "$0.00");
        assert_eq!(usd(123_456_789), "$1,234,567.89");
        assert_eq!(usd(100_000), "$1,000.00");
    }

    #[test]
    fn a_false_statement_exits_1_and_bad_input_exits_2() {
        let uncovered =
            Error::Uncovered { policy: "par".into(), counted_cents: 1, liabilities_cents: 2, ratio_bps: 10_000 };
        assert_eq!(uncovered.exit_code(), 1);
        assert!(uncovered.to_string().contains("do not cover liabilities of $0.02"));
        assert_eq!(Error::Violations { policy: "par".into(), violations: vec![] }.exit_code(), 2);
        assert_eq!(Error::Usage("--k".into()).exit_code(), 2);
        assert_eq!(Error::Invalid("bad".into()).exit_code(), 1);
        assert_eq!(Error::Refused("unchecked setup".into()).exit_code(), 1);
        let truncated = crate::ceremony::CeremonyError::KTooSmall { path: "pot.ptau".into() };
        assert_eq!(Error::from(truncated).exit_code(), 2);
    }
}
