//! `bondproof setup`: KZG parameters, generated locally (insecure, labelled so) or cut from a
//! ceremony file.

use std::path::{Path, PathBuf};

use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use bondproof_prover::keys::{read_params, setup_insecure, write_params, ParamsInfo};
use bondproof_prover::Error;
use serde_json::json;

use super::{print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// log2 of the number of rows (1..=26); `bondproof commit` prints the k a tree needs.
    #[arg(long)]
    pub k: u32,
    /// Where to write the parameters (halo2 KZG format); a `.json` note beside it records
    /// whether the setup is insecure.
    #[arg(long)]
    pub out: PathBuf,
    /// A trusted-setup (ceremony) file in halo2's KZG parameter format, cut down to k. Without
    /// it the setup is generated here and INSECURE: whoever ran it could forge proofs.
    #[arg(long)]
    pub srs: Option<PathBuf>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    let info = setup(a.k, &a.out, a.srs.as_deref(), json)?;
    if json {
        print_json(&json!({"ok": true, "out": a.out, "k": info.k, "insecure": info.insecure, "source": info.source}));
    } else {
        if info.insecure {
            eprintln!(
                "WARNING: insecure setup. Whoever ran it could forge proofs; use it for tests and first runs only."
            );
        }
        println!("wrote {} (k = {}, {})", a.out.display(), info.k, info.source);
    }
    Ok(())
}

/// Writes parameters for k to `out`; `quiet` hides the spinner.
pub fn setup(k: u32, out: &Path, srs: Option<&Path>, quiet: bool) -> Result<ParamsInfo, Error> {
    if !(1..=26).contains(&k) {
        return Err(Error::Usage(format!("--k {k} is out of range (1..=26)")));
    }
    let (params, info) = match srs {
        Some(path) => {
            let (mut params, _) = read_params(path)?;
            if params.k() < k {
                return Err(Error::Usage(format!(
                    "{}: the ceremony file has k = {}, less than --k {k}",
                    path.display(),
                    params.k()
                )));
            }
            params.downsize(k);
            (params, ParamsInfo { k, insecure: false, source: format!("ceremony file {}", path.display()) })
        }
        None => {
            let pb = spinner(quiet);
            pb.set_message(format!("generating insecure KZG parameters for k = {k}"));
            let params = setup_insecure(k);
            pb.finish_and_clear();
            (
                params,
                ParamsInfo {
                    k,
                    insecure: true,
                    source: "local random setup (INSECURE: tau was known to this machine)".into(),
                },
            )
        }
    };
    write_params(&params, out, &info).map_err(Error::write(out))?;
    Ok(info)
}
