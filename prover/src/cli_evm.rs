//! `export-solidity` and `export-calldata`: what an Ethereum deployment needs from a key and an
//! attestation.

use std::path::Path;

use bondproof_verifier::solidity::{
    encode_set_minimum_policy, policy_id, registry_calldata, verifier_calldata, verifier_contracts, verifier_solidity,
    PrecompileProfile,
};
use bondproof_verifier::ProofBundle;
use serde_json::json;

use crate::Failure;

/// Which contract the calldata is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CalldataTarget {
    /// The generated verifier: public inputs (32-byte words), then the proof.
    Verifier,
    /// `ReserveRegistry.submit(epoch, root, liabilities, ratioBps, proof)`, or
    /// `submitWithPolicy(...)` for a policy attestation.
    Registry,
    /// `ReserveRegistry.setMinimumPolicy(policy)`, for the registry's owner.
    MinimumPolicy,
}

impl CalldataTarget {
    fn name(self) -> &'static str {
        match self {
            CalldataTarget::Verifier => "verifier",
            CalldataTarget::Registry => "registry",
            CalldataTarget::MinimumPolicy => "minimum-policy",
        }
    }
}

pub fn export_solidity(vk: &Path, out: &Path, json: bool) -> Result<(), Failure> {
    let key = crate::read_vk(vk)?;
    let source = verifier_solidity(&key).map_err(|e| Failure::input(format!("{}: {e}", vk.display())))?;
    let path = out.join("Verifier.sol");
    bondproof_verifier::atomic::write_atomic(&path, source.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))?;
    let contracts = verifier_contracts(&source);
    if json {
        let p = PrecompileProfile::of_solidity(&source);
        println!("{}", json!({
            "ok": true, "path": path, "bytes": source.len(), "vk_hash": key.hash_hex(),
            "circuit": key.circuit, "depth": key.depth, "k": key.k(),
            // Several contracts when the generated one would exceed EIP-170, in deployment order;
            // the last, Halo2Verifier, takes the others' addresses in its constructor.
            "contracts": contracts,
            "precompiles": {"ec_add": p.ec_add, "ec_mul": p.ec_mul, "pairing_calls": p.pairing_calls,
                "pairing_pairs": p.pairing_pairs, "modexp": p.modexp, "eip1108_gas": p.eip1108_gas()},
        }));
    } else {
        println!("{}", path.display());
        if contracts.len() > 1 {
            let parts = &contracts[..contracts.len() - 1];
            eprintln!(
                "{} circuit: the verifier is {} contracts (EIP-170). Deploy {}, then Halo2Verifier({}).",
                key.circuit,
                contracts.len(),
                parts.join(", "),
                parts.iter().map(|p| format!("address of {p}")).collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok(())
}

pub fn export_calldata(attestation: &Path, target: CalldataTarget, json: bool) -> Result<(), Failure> {
    let bundle = ProofBundle::read(attestation).map_err(Failure::input)?;
    let bad = |e: String| Failure::input(format!("{}: {e}", attestation.display()));
    let data = match target {
        CalldataTarget::Verifier => verifier_calldata(&bundle).map_err(bad)?,
        CalldataTarget::Registry => registry_calldata(&bundle).map_err(bad)?,
        CalldataTarget::MinimumPolicy => unreachable!("dispatched to export_minimum_policy"),
    };
    if target == CalldataTarget::Registry && bundle.public_inputs.domain == "0" {
        // The registry appends its own domain, never 0: such a submission can only revert.
        eprintln!("warning: this attestation is not bound to a registry (domain 0); `submit` will reject it. Prove with --chain-id and --registry.");
    }
    let hex = format!("0x{}", hex::encode(&data));
    let line = if json {
        json!({"ok": true, "for": target.name(), "bytes": data.len(), "calldata": hex}).to_string()
    } else {
        hex
    };
    print_line(&line);
    Ok(())
}

/// `setMinimumPolicy(policy)` for a policy file, and the id the registry records it under.
pub fn export_minimum_policy(path: &Path, json: bool) -> Result<(), Failure> {
    let policy = bondproof_prover::policy_prove::load_policy(path).map_err(Failure::input)?;
    let instance = policy.instance();
    let data = encode_set_minimum_policy(&instance);
    let hex = format!("0x{}", hex::encode(&data));
    let id = format!("0x{}", hex::encode(policy_id(&instance)));
    if json {
        print_line(&json!({"ok": true, "for": "minimum-policy", "policy": policy.name, "policy_id": id,
            "min_ratio_bps": policy.min_ratio_bps, "bytes": data.len(), "calldata": hex}).to_string());
    } else {
        eprintln!("setMinimumPolicy for policy '{}' (policy id {id}); send it from the registry's owner:", policy.name);
        // The ratio is a solvency input, not a policy parameter: the registry holds its own minimum.
        eprintln!("note: the policy's min_ratio_bps ({}) is the registry's setMinRatioBps, set apart", policy.min_ratio_bps);
        print_line(&hex);
    }
    Ok(())
}

/// Calldata is long and often piped into `head` or a client that stops reading early; a closed
/// stdout must not turn into a panic the way `println!` does.
fn print_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}
