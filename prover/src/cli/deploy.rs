//! `bondproof deploy`: the verifier and a registry on every chain of the config, configured,
//! and their addresses written back.

use std::path::PathBuf;

use bondproof_prover::chain::{config, deploy, keystore, Config};
use bondproof_prover::Error;
use serde_json::json;

use super::{print_json, read_vk, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The deployments file: every [[deployment]] gets a verifier and a registry, configured
    /// from [registry] (custodians, min_ratio_bps, minimum_policy, max_as_of_age_days,
    /// max_attestation_age_days) and the deployment's token and NAV.
    #[arg(long)]
    pub config: PathBuf,
    /// The deployer's encrypted JSON keystore; it becomes every registry's owner. The password
    /// comes from BONDPROOF_KEYSTORE_PASSWORD, else a prompt.
    #[arg(long)]
    pub keystore: PathBuf,
    /// The attestation verifying key the verifier is generated for (`prove`'s `.vk.bin`, or
    /// `keys`).
    #[arg(long)]
    pub vk: PathBuf,
    /// Write the config with the new addresses here instead of back into --config.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// bondproof's verifier/ folder (scripts/compile.js and node_modules/ from
    /// `npm ci --prefix verifier`).
    #[arg(long, default_value = "verifier")]
    pub contracts: PathBuf,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let cfg = Config::load(&a.config).map_err(Error::from)?;
    let text = std::fs::read_to_string(&a.config).map_err(|e| Error::Usage(format!("{}: {e}", a.config.display())))?;
    let key = read_vk(&a.vk)?;
    let signer = keystore::load_signer(&a.keystore).map_err(Error::from)?;
    let pb = spinner(json);
    let done = deploy::deploy(&cfg, &a.config, signer, &key, &a.contracts, &|step| pb.set_message(step));
    pb.finish_and_clear();
    let done = done?;
    let addresses: Vec<_> = done.iter().map(|d| (d.chain_id, d.registry, d.verifier)).collect();
    let updated =
        config::with_addresses(&text, &addresses).map_err(|m| Error::Usage(format!("{}: {m}", a.config.display())))?;
    let out = a.out.as_ref().unwrap_or(&a.config);
    bondproof_verifier::atomic::write_atomic(out, updated.as_bytes()).map_err(Error::write(out))?;
    if json {
        let chains: Vec<_> = done
            .iter()
            .map(|d| {
                json!({"chain_id": d.chain_id, "registry": d.registry, "verifier": d.verifier,
                    "verifier_contracts": d.verifier_contracts.iter().map(|(n, a)| json!({"name": n, "address": a})).collect::<Vec<_>>(),
                    "gas_used": d.gas_used})
            })
            .collect();
        print_json(&json!({"ok": true, "config": out, "chains": chains}));
        return Ok(());
    }
    for d in &done {
        println!("chain {}: registry {}  verifier {}  ({} gas in all)", d.chain_id, d.registry, d.verifier, d.gas_used);
    }
    println!("wrote the addresses into {}", out.display());
    Ok(())
}
