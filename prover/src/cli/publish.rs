//! `bondproof publish`: the attestation submitted to every chain's registry.

use std::path::PathBuf;

use bondproof_prover::chain::{keystore, publish, ChainError, Config};
use bondproof_prover::Error;
use bondproof_verifier::ProofBundle;
use serde_json::json;

use super::{print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The attestation bundle (`prove`'s output).
    #[arg(long)]
    pub attestation: PathBuf,
    /// The deployments file with every chain's registry (`deploy` writes them).
    #[arg(long)]
    pub config: PathBuf,
    /// The custodian's encrypted JSON keystore (the attestation's custodian address). The
    /// password comes from BONDPROOF_KEYSTORE_PASSWORD, else a prompt.
    #[arg(long)]
    pub keystore: PathBuf,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let cfg = Config::load(&a.config).map_err(Error::from)?;
    let bundle = ProofBundle::read(&a.attestation).map_err(|e| Error::Usage(e.to_string()))?;
    let statement = bundle.statement().map_err(|e| Error::Usage(format!("{}: {e}", a.attestation.display())))?;
    let proof = bundle.proof_bytes().map_err(|e| Error::Usage(format!("{}: {e}", a.attestation.display())))?;
    let signer = keystore::load_signer(&a.keystore).map_err(Error::from)?;
    let pb = spinner(json);
    let outcomes = publish::publish(&cfg, &a.config, signer, &statement, &proof, &|chain| {
        pb.set_message(format!("chain {chain}: submitting"))
    });
    pb.finish_and_clear();
    let outcomes = outcomes?;
    let all_ok = outcomes.iter().all(|(_, o)| o.is_ok());
    if json {
        let chains: Vec<_> = outcomes
            .iter()
            .map(|(chain, o)| match o {
                Ok(p) => json!({"chain_id": chain, "ok": true, "registry": p.registry, "tx_hash": p.tx_hash,
                    "block": p.block, "gas_used": p.gas_used}),
                Err(e) => json!({"chain_id": chain, "ok": false, "error": e.to_string()}),
            })
            .collect();
        print_json(&json!({"ok": all_ok, "chains": chains}));
    } else {
        for (chain, o) in &outcomes {
            match o {
                Ok(p) => println!(
                    "chain {chain}: accepted by {}  tx {}  block {}  gas {}",
                    p.registry, p.tx_hash, p.block, p.gas_used
                ),
                Err(e) => println!("chain {chain}: FAILED: {e}"),
            }
        }
    }
    if all_ok {
        return Ok(());
    }
    let failures: Vec<ChainError> = outcomes.into_iter().filter_map(|(_, o)| o.err()).collect();
    Err(Failure { error: ChainError::Several(failures).into(), reported: json })
}
