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
}

pub fn run(a: &Args, json: bool) -> Result<(), Failure> {
    if let Some(path) = &a.render {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        let mut r: bench::Report = serde_json::from_str(&text)
            .map_err(|e| Error::Usage(format!("{}: not a bench report: {e}", path.display())))?;
        r.evm = path.parent().and_then(bench::read_evm_gas).or(r.evm);
        let md = path.with_file_name("REPORT.md");
        bondproof_verifier::atomic::write_atomic(&md, bench::markdown(&r).as_bytes()).map_err(Error::write(&md))?;
        println!("wrote {}", md.display());
        return Ok(());
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
