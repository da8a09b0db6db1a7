//! `bondproof compress`: one compression proof for one or several attestations (see
//! [`bondproof_prover::compress`]), and its summary.

use std::path::PathBuf;

use bondproof_prover::compress::{compress, CompressOutcome, CompressRequest};
use serde_json::json;

use super::show::statement_json;
use super::{print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// An attestation bundle made with `--transcript poseidon`, its key beside it
    /// (`<stem>.vk.bin`). Repeat for a batch: the outer proof verifies them in this order.
    #[arg(long = "attestation", required = true)]
    pub attestations: Vec<PathBuf>,
    /// KZG parameters of the outer circuit (`setup --k K`, or a ceremony import), of the same
    /// setup as the attestations' keys. The compression keys are cached beside them.
    #[arg(long)]
    pub params: PathBuf,
    /// The outer circuit's k (default: the parameters file's). Larger k: fewer columns, less
    /// gas, more proving time and memory (k = 22: 3 advice columns).
    #[arg(long)]
    pub k: Option<u32>,
    /// The compressed bundle to write; the compression key goes beside it as `<stem>.vk.bin`.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let req = CompressRequest { attestations: &a.attestations, params: &a.params, k: a.k, out: &a.out };
    let pb = spinner(json);
    let outcome = compress(&req, &|m| pb.set_message(m.to_string()));
    pb.finish_and_clear();
    report(&outcome?, a, json);
    Ok(())
}

fn report(o: &CompressOutcome, a: &Args, json: bool) {
    let shape = o.shape;
    if json {
        print_json(&json!({
            "ok": true, "out": a.out, "vk": o.key_path, "vk_hash": o.key.hash_hex(),
            "k": shape.k, "advice": shape.advice, "lookup_advice": shape.lookup_advice, "fixed": shape.fixed,
            "public_inputs": o.key.instance_count(), "proof_bytes": o.proof_bytes(),
            "keys_generated": o.keys_generated, "keygen_s": o.keygen.as_secs_f64(),
            "prove_s": o.prove.as_secs_f64(), "verify_s": o.verify.as_secs_f64(),
            "inner": o.statements.iter().map(statement_json).collect::<Vec<_>>(),
        }));
        return;
    }
    println!("bondproof compression: {} attestation(s) in one proof", o.statements.len());
    for (i, s) in o.statements.iter().enumerate() {
        println!("  inner[{i}]     epoch {}, root {}", s.epoch, bondproof_verifier::compressed::root_hex(s));
    }
    println!(
        "  circuit      k = {}, {} advice, {} lookup, {} fixed columns; {} public inputs",
        shape.k,
        shape.advice,
        shape.lookup_advice,
        shape.fixed,
        o.key.instance_count()
    );
    println!(
        "  proof        {} bytes; keys {} in {:.1} s, proved in {:.1} s, verified in {} ms",
        o.proof_bytes(),
        if o.keys_generated { "generated" } else { "loaded" },
        o.keygen.as_secs_f64(),
        o.prove.as_secs_f64(),
        o.verify.as_millis()
    );
    println!("  wrote        {} and {}", a.out.display(), o.key_path.display());
    println!(
        "  check it     bondproof verify --attestation {} --vk {} --setup-id {}",
        a.out.display(),
        o.key_path.display(),
        o.key.setup_id()
    );
}
