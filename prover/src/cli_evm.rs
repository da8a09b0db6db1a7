//! `export-solidity` and `export-calldata`: what an Ethereum deployment needs from a key and an
//! attestation.

use std::path::Path;

use bondproof_verifier::solidity::{registry_calldata, verifier_calldata, verifier_solidity, PrecompileProfile};
use bondproof_verifier::{ProofBundle, VerifierKey};
use serde_json::json;

use crate::Failure;

/// Which contract the calldata is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CalldataTarget {
    /// The generated verifier: public inputs (32-byte words), then the proof.
    Verifier,
    /// `ReserveRegistry.submit(epoch, root, liabilities, ratioBps, proof)`.
    Registry,
}

impl CalldataTarget {
    fn name(self) -> &'static str {
        match self {
            CalldataTarget::Verifier => "verifier",
            CalldataTarget::Registry => "registry",
        }
    }
}

pub fn export_solidity(vk: &Path, out: &Path, json: bool) -> Result<(), Failure> {
    let key = VerifierKey::read(vk).map_err(|e| Failure::input(format!("{}: {e}", vk.display())))?;
    let source = verifier_solidity(&key).map_err(|e| Failure::input(format!("{}: {e}", vk.display())))?;
    let path = out.join("Verifier.sol");
    bondproof_verifier::atomic::write_atomic(&path, source.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))?;
    if json {
        let p = PrecompileProfile::of_solidity(&source);
        println!("{}", json!({
            "ok": true, "path": path, "bytes": source.len(), "vk_hash": key.hash_hex(),
            "circuit": key.circuit, "depth": key.depth, "k": key.k(),
            // Two contracts when the generated one would exceed EIP-170; deploy Halo2Verifier.
            "split": source.contains("contract Halo2VerifierTail"),
            "precompiles": {"ec_add": p.ec_add, "ec_mul": p.ec_mul, "pairing_calls": p.pairing_calls,
                "pairing_pairs": p.pairing_pairs, "modexp": p.modexp, "eip1108_gas": p.eip1108_gas()},
        }));
    } else {
        println!("{}", path.display());
    }
    Ok(())
}

pub fn export_calldata(attestation: &Path, target: CalldataTarget, json: bool) -> Result<(), Failure> {
    let bundle = ProofBundle::read(attestation).map_err(Failure::input)?;
    let bad = |e: String| Failure::input(format!("{}: {e}", attestation.display()));
    let data = match target {
        CalldataTarget::Verifier => verifier_calldata(&bundle).map_err(bad)?,
        CalldataTarget::Registry => registry_calldata(&bundle).map_err(bad)?,
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

/// Calldata is long and often piped into `head` or a client that stops reading early; a closed
/// stdout must not turn into a panic the way `println!` does.
fn print_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}
