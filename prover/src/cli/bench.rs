//! `bondproof bench`: the benchmark report.

use std::path::PathBuf;

use bondproof_prover::bench;
use bondproof_prover::Error;

use super::{print_json, spinner, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// Tree depths to prove attestations at (1..=20; 16 takes many minutes).
    #[arg(long, value_delimiter = ',', default_value = "4,6,8,10,12")]
    pub depths: Vec<usize>,
    /// Largest native tree to build, as log2 of the leaf count (10..=24).
    #[arg(long, default_value_t = 20)]
    pub tree_max: u32,
    /// Write report.json and REPORT.md into this folder (e.g. `benches`).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Only re-render REPORT.md from an existing report.json (e.g. after merging a separate
    /// depth-16 run into it), without measuring anything.
    #[arg(long, conflicts_with = "report")]
    pub render: Option<PathBuf>,
    /// Measure compression instead (`compress`: keygen, prove time and peak memory for one
    /// attestation at depths 5 and 10; a batch of 4 laid out, and proved only if its estimated
    /// memory fits this machine; the universal mode laid out) with the outer parameters
    /// --params; with --report, writes compress.json there and re-renders its REPORT.md.
    #[arg(long, requires = "params", conflicts_with = "render")]
    pub compress: bool,
    /// Outer KZG parameters for --compress (e.g. `setup --k 22`); keys are cached beside them.
    #[arg(long)]
    pub params: Option<PathBuf>,
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    if let Some(path) = &a.render {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        let mut r: bench::Report = serde_json::from_str(&text)
            .map_err(|e| Error::Usage(format!("{}: not a bench report: {e}", path.display())))?;
        r.evm = path.parent().and_then(bench::read_evm_gas).or(r.evm);
        r.compression = path.parent().and_then(bondproof_prover::bench_compress::read_rows).or(r.compression);
        let md = path.with_file_name("REPORT.md");
        bondproof_verifier::atomic::write_atomic(&md, bench::markdown(&r).as_bytes()).map_err(Error::write(&md))?;
        println!("wrote {}", md.display());
        return Ok(());
    }
    if a.compress {
        return compress(a, json);
    }
    if let Some(&d) = a.depths.iter().find(|&&d| !(1..=20).contains(&d)) {
        return Err(Error::Usage(format!("--depths: {d} is outside 1..=20")).into());
    }
    let pb = spinner(json);
    let logs: Vec<u32> = (10..=a.tree_max.clamp(10, 24)).collect();
    let r = bench::run(&a.depths, &logs, a.report.as_deref(), &|m| pb.set_message(m.to_string()));
    pb.finish_and_clear();
    let r = r.map_err(|e| Error::Usage(format!("cannot write the report: {e}")))?;
    if json {
        print_json(&serde_json::to_value(&r).map_err(|e| Error::Usage(e.to_string()))?);
    } else {
        print!("{}", bench::markdown(&r));
    }
    Ok(())
}

/// `--compress`: the compression cases, then REPORT.md re-rendered with them.
fn compress(a: &Args, json: bool) -> Result<(), Failure> {
    let params = a.params.as_deref().expect("clap requires --params with --compress");
    let pb = spinner(json);
    let rows = bondproof_prover::bench_compress::run(params, a.report.as_deref(), &|m| pb.set_message(m.to_string()));
    pb.finish_and_clear();
    let rows = rows?;
    if let Some(dir) = &a.report {
        let path = dir.join("report.json");
        if let Some(mut r) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<bench::Report>(&b).ok()) {
            r.compression = Some(rows.clone());
            r.evm = bench::read_evm_gas(dir).or(r.evm);
            bondproof_verifier::atomic::write_json(&path, &r).map_err(Error::write(&path))?;
            let md = dir.join("REPORT.md");
            bondproof_verifier::atomic::write_atomic(&md, bench::markdown(&r).as_bytes()).map_err(Error::write(&md))?;
        }
    }
    if json {
        print_json(&serde_json::to_value(&rows).map_err(|e| Error::Usage(e.to_string()))?);
    } else {
        print!("{}", bondproof_prover::bench_compress::markdown(&rows));
    }
    Ok(())
}
