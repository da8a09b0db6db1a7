//! `bondproof export-solidity`: the EVM verifier for a pinned attestation key.

use std::path::PathBuf;

use bondproof_circuits::CircuitKind;
use bondproof_prover::Error;
use bondproof_verifier::compressed::CompressionKey;
use bondproof_verifier::solidity::{
    compression_verifier_solidity, verifier_contracts, verifier_solidity, PrecompileProfile, COMPRESSION_VERIFIER,
};
use serde_json::json;

use super::{print_json, read_vk, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The pinned attestation verifying key (`attestation.vk.bin`), or a compression key
    /// (`compress`'s `<out>.vk.bin`: one contract, CompressionVerifier, in
    /// `CompressionVerifier.sol`). Inclusion keys are refused: registries take attestations only.
    #[arg(long)]
    pub vk: PathBuf,
    /// Output folder for `Verifier.sol`.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    if std::fs::read(&a.vk).is_ok_and(|b| CompressionKey::is_compression_key(&b)) {
        return compression(a, json);
    }
    let key = read_vk(&a.vk)?;
    if key.circuit != CircuitKind::Attestation {
        return Err(Error::Usage(format!(
            "{}: this is a key for the {} circuit; the on-chain verifier is generated from the attestation key (attestation.vk.bin)",
            a.vk.display(),
            key.circuit
        ))
        .into());
    }
    let source = verifier_solidity(&key).map_err(|e| Error::Usage(format!("{}: {e}", a.vk.display())))?;
    let path = a.out.join("Verifier.sol");
    bondproof_verifier::atomic::write_atomic(&path, source.as_bytes()).map_err(Error::write(&path))?;
    let contracts = verifier_contracts(&source);
    if json {
        let p = PrecompileProfile::of_solidity(&source);
        print_json(&json!({
            "ok": true, "path": path, "bytes": source.len(), "vk_hash": key.hash_hex(),
            "circuit": key.circuit.name(), "depth": key.depth, "k": key.k(),
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
                "the verifier is {} contracts (EIP-170). Deploy {}, then Halo2Verifier({}).",
                contracts.len(),
                parts.join(", "),
                parts.iter().map(|p| format!("address of {p}")).collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok(())
}

/// The compression verifier: one contract, never split (refused, exit 2, if it would not fit
/// EIP-170: compress at a larger k).
fn compression(a: &Args, json: bool) -> Result<(), Failure> {
    let key = CompressionKey::read(&a.vk)
        .map_err(|e| Error::VerifyingKey { path: a.vk.display().to_string(), message: e.to_string() })?;
    let source = compression_verifier_solidity(&key).map_err(|e| Error::Usage(format!("{}: {e}", a.vk.display())))?;
    let path = a.out.join(format!("{COMPRESSION_VERIFIER}.sol"));
    bondproof_verifier::atomic::write_atomic(&path, source.as_bytes()).map_err(Error::write(&path))?;
    if json {
        let p = PrecompileProfile::of_solidity(&source);
        print_json(&json!({
            "ok": true, "path": path, "bytes": source.len(), "vk_hash": key.hash_hex(), "circuit": "compression",
            "k": key.k(), "inner": key.header.inner, "public_inputs": key.instance_count(),
            "contracts": [COMPRESSION_VERIFIER],
            "precompiles": {"ec_add": p.ec_add, "ec_mul": p.ec_mul, "pairing_calls": p.pairing_calls,
                "pairing_pairs": p.pairing_pairs, "modexp": p.modexp, "eip1108_gas": p.eip1108_gas()},
        }));
    } else {
        println!("{}", path.display());
    }
    Ok(())
}
