//! `bondproof setup`: KZG parameters, generated locally (insecure, labelled so) or imported from
//! a ceremony file (snarkjs `.ptau` or halo2 KZG parameters), checked and cut down to k.

use std::path::{Path, PathBuf};

use bondproof_prover::ceremony::import_ceremony;
use bondproof_prover::keys::{
    setup_id, setup_insecure, write_params_recorded, CeremonyRecord, ParamsInfo, SetupRecord,
};
use bondproof_prover::Error;
use serde_json::json;

use super::{print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// log2 of the number of rows (1..=26); `bondproof commit` prints the k a tree needs.
    #[arg(long)]
    pub k: u32,
    /// Where to write the parameters (halo2 KZG format); a `.json` note beside it records the
    /// setup id, whether the setup is insecure, and the ceremony file's SHA-256.
    #[arg(long)]
    pub out: PathBuf,
    /// A ceremony file: a snarkjs `.ptau` (e.g. the Hermez / PSE powers of tau) or halo2 KZG
    /// parameters. It is checked (complete, points on the curve, one tau throughout) and cut
    /// down to k. Without it the setup is generated here and INSECURE: whoever ran it could
    /// forge proofs.
    #[arg(long)]
    pub srs: Option<PathBuf>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let (info, record) = setup_recorded(a.k, &a.out, a.srs.as_deref(), json)?;
    if json {
        print_json(&json!({"ok": true, "out": a.out, "k": info.k, "insecure": info.insecure, "source": info.source,
            "setup_id": record.setup_id, "ceremony": record.ceremony}));
        return Ok(());
    }
    if info.insecure {
        eprintln!("WARNING: insecure setup. Whoever ran it could forge proofs; use it for tests and first runs only.");
    }
    println!("wrote {} (k = {}, {})", a.out.display(), info.k, info.source);
    println!("  setup id     {}", record.setup_id);
    if let Some(c) = &record.ceremony {
        println!("  ceremony     {}: {}, 2^{} powers, checked", c.file, c.format.name(), c.powers_in_file);
        println!("  sha256       {} (compare it with the ceremony's published hash)", c.sha256);
    }
    Ok(())
}

/// Writes parameters for k to `out`; `quiet` hides the spinner.
pub fn setup(k: u32, out: &Path, srs: Option<&Path>, quiet: bool) -> Result<ParamsInfo, Error> {
    setup_recorded(k, out, srs, quiet).map(|(info, _)| info)
}

/// [`setup`], also returning what the note beside `out` records of the setup. A ceremony file is
/// checked in full before anything is written: a bad one writes nothing.
pub fn setup_recorded(k: u32, out: &Path, srs: Option<&Path>, quiet: bool) -> Result<(ParamsInfo, SetupRecord), Error> {
    if !(1..=26).contains(&k) {
        return Err(Error::Usage(format!("--k {k} is out of range (1..=26)")));
    }
    let pb = spinner(quiet);
    let made = match srs {
        Some(path) => {
            pb.set_message(format!("reading and checking the ceremony file {} at k = {k}", path.display()));
            import_ceremony(path, k).map(|imported| {
                let info = ParamsInfo {
                    k,
                    insecure: false,
                    source: format!("ceremony file {} ({})", path.display(), imported.format.name()),
                };
                let record = SetupRecord {
                    setup_id: imported.setup_id.clone(),
                    ceremony: Some(CeremonyRecord::of(path, &imported)),
                };
                (imported.params, info, record)
            })
        }
        None => {
            pb.set_message(format!("generating insecure KZG parameters for k = {k}"));
            let params = setup_insecure(k);
            let info = ParamsInfo {
                k,
                insecure: true,
                source: "local random setup (INSECURE: tau was known to this machine)".into(),
            };
            let record = SetupRecord { setup_id: setup_id(&params), ceremony: None };
            Ok((params, info, record))
        }
    };
    pb.finish_and_clear();
    let (params, info, record) = made?;
    write_params_recorded(&params, out, &info, &record).map_err(Error::write(out))?;
    Ok((info, record))
}
