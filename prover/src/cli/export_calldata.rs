//! `bondproof export-calldata`: what an Ethereum client sends, as 0x-hex.

use std::path::PathBuf;

use bondproof_prover::attestation::load_policy;
use bondproof_prover::Error;
use bondproof_verifier::compressed::CompressedBundle;
use bondproof_verifier::solidity::{
    encode_compressed_calldata, encode_set_minimum_policy, encode_submit, encode_submit_compressed,
    encode_verifier_calldata, policy_id,
};
use bondproof_verifier::ProofBundle;
use serde_json::json;

use super::show::domain_text;
use super::{print_json, print_line, Failure};

/// Which contract the calldata is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The generated verifier: the public inputs (32-byte words), then the proof.
    Verifier,
    /// `ReserveRegistry.submit(...)`: the statement and the proof, sent by the custodian
    /// (the registry requires `msg.sender` to be the proved custodian); for a compressed
    /// bundle, `submitCompressed(statements, accumulator, proof)`.
    Registry,
    /// `ReserveRegistry.setMinimumPolicy(policy)` for the policy file given with --policy,
    /// sent by the registry's owner.
    MinimumPolicy,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Verifier => "verifier",
            Target::Registry => "registry",
            Target::MinimumPolicy => "minimum-policy",
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// The attestation bundle, or a compressed bundle (for `--for verifier` and `--for registry`).
    #[arg(long, required_unless_present = "policy")]
    pub attestation: Option<PathBuf>,
    /// What the calldata calls.
    #[arg(long = "for", value_enum, default_value_t = Target::Verifier)]
    pub target: Target,
    /// A policy file (for `--for minimum-policy`).
    #[arg(long, conflicts_with = "attestation")]
    pub policy: Option<PathBuf>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    match (a.target, &a.attestation, &a.policy) {
        (Target::MinimumPolicy, None, Some(policy)) => minimum_policy(policy, json),
        (Target::Verifier | Target::Registry, Some(attestation), None) => attestation_calldata(attestation, a.target, json),
        _ => Err(Error::Usage(
            "export-calldata: --for minimum-policy takes --policy FILE; --for verifier and --for registry take --attestation FILE".into(),
        )
        .into()),
    }
}

fn attestation_calldata(path: &std::path::Path, target: Target, json: bool) -> Result<(), Failure> {
    let bad = |e: String| Error::Usage(format!("{}: {e}", path.display()));
    if std::fs::read_to_string(path).is_ok_and(|t| CompressedBundle::is_compressed(&t)) {
        return compressed_calldata(path, target, json);
    }
    let bundle = ProofBundle::read(path).map_err(|e| bad(e.to_string()))?;
    let statement = bundle.statement().map_err(bad)?;
    let proof = bundle.proof_bytes().map_err(bad)?;
    let data = match target {
        Target::Verifier => encode_verifier_calldata(&statement.to_instances(), &proof),
        _ => encode_submit(&statement, &proof),
    };
    if target == Target::Registry && !json {
        if statement.custodian == [0; 20] {
            eprintln!("warning: the proved custodian is the zero address; `submit` requires msg.sender to be it, so every registry will refuse this attestation. Prove with --custodian.");
        }
        let slots: Vec<String> =
            statement.used_deployments().map(|(j, d)| format!("slot {j}: {}", domain_text(d))).collect();
        eprintln!("each registry checks its own slot; this attestation has {}", slots.join("; "));
    }
    let hex = format!("0x{}", hex::encode(&data));
    if json {
        print_json(&json!({"ok": true, "for": target.name(), "bytes": data.len(), "calldata": hex,
            "custodian": bundle.public_inputs.custodian}));
    } else {
        print_line(&hex);
    }
    Ok(())
}

/// `setMinimumPolicy(policy)` for a policy file, and the id the registry records it under.
fn minimum_policy(path: &std::path::Path, json: bool) -> Result<(), Failure> {
    let policy = load_policy(path)?;
    let instance = policy.instance();
    let data = encode_set_minimum_policy(&instance);
    let hex = format!("0x{}", hex::encode(&data));
    let id = format!("0x{}", hex::encode(policy_id(&instance)));
    if json {
        print_json(&json!({"ok": true, "for": "minimum-policy", "policy": policy.name, "policy_id": id,
            "min_ratio_bps": policy.min_ratio_bps, "bytes": data.len(), "calldata": hex}));
    } else {
        eprintln!("setMinimumPolicy for policy '{}' (policy id {id}); send it from the registry's owner:", policy.name);
        // The ratio is a statement input, not a policy parameter: the registry holds its own minimum.
        eprintln!(
            "note: the policy's min_ratio_bps ({}) is the registry's setMinRatioBps, set apart",
            policy.min_ratio_bps
        );
        print_line(&hex);
    }
    Ok(())
}

/// A compressed bundle: the compression verifier's calldata, or the registry's
/// `submitCompressed`.
fn compressed_calldata(path: &std::path::Path, target: Target, json: bool) -> Result<(), Failure> {
    let bad = |e: String| Error::Usage(format!("{}: {e}", path.display()));
    let bundle = CompressedBundle::read(path).map_err(|e| bad(e.to_string()))?;
    let statements = bundle.statements().map_err(bad)?;
    let accumulator = bundle.accumulator_limbs().map_err(bad)?;
    let proof = bundle.proof_bytes().map_err(bad)?;
    let data = match target {
        Target::Verifier => encode_compressed_calldata(&accumulator, &statements, &proof),
        _ => encode_submit_compressed(&statements, &accumulator, &proof),
    };
    let hex = format!("0x{}", hex::encode(&data));
    if json {
        print_json(&json!({"ok": true, "for": target.name(), "compressed": true, "attestations": statements.len(),
            "bytes": data.len(), "calldata": hex}));
    } else {
        if target == Target::Registry {
            eprintln!("submitCompressed for {} attestation(s); send it from the custodian they name", statements.len());
        }
        print_line(&hex);
    }
    Ok(())
}
