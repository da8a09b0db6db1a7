//! `bondproof bench --compress`: the cost of compressing attestations on this machine (key
//! generation, proving time and peak memory of the outer proof) for one attestation at depths 5
//! and 10 and a batch of 4 at depth 5, written to `compress.json` beside the bench report and
//! rendered into REPORT.md. Kept apart from [`crate::bench`] (the inner prover's report).

use std::path::{Path, PathBuf};
use std::time::Instant;

use bondproof_circuits::merkle_sum::TreeWitness;
use bondproof_circuits::{AttestationCircuit, AttestationStatement, AttestationWitness, CircuitKind};
use bondproof_verifier::bundle::{CircuitInfo, Metadata, ProofBundle, StatementJson, Transcript, FORMAT_VERSION};
use serde::{Deserialize, Serialize};

use crate::bench::{peak_rss, reset_peak_rss, synthetic_leaves, synthetic_policy, synthetic_statement};
use crate::compress::{compress, CompressRequest};
use crate::error::{Error, Result};
use crate::keys::{circuit_keys, params_for, read_params};
use snark_verifier_sdk::halo2::aggregation::VerifierUniversality;

/// One compression measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompressRow {
    pub depth: usize,
    /// Attestations in the one outer proof.
    pub batch: usize,
    pub k: u32,
    pub advice: usize,
    pub lookup_advice: usize,
    pub fixed: usize,
    pub public_inputs: usize,
    /// Outer key generation (0 when loaded from the cache: run on a fresh key folder).
    pub keygen_s: f64,
    pub keys_generated: bool,
    pub prove_s: f64,
    pub verify_s: f64,
    /// Inner attestation proofs (Poseidon transcript), all of them, for reference.
    pub inner_prove_s: f64,
    pub proof_bytes: usize,
    /// Peak resident memory of the whole compression (keys and proof).
    pub peak_rss_bytes: u64,
    /// False for a case laid out but not proved (its columns measured on placeholder proofs;
    /// the times and memory are then 0): `note` says why.
    #[serde(default = "proved_by_default")]
    pub proved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Laid out in the universal mode (see [`Case::universal`]).
    #[serde(default)]
    pub universal: bool,
}

fn proved_by_default() -> bool {
    true
}

/// One compression to measure.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub depth: usize,
    pub batch: usize,
    /// snark-verifier-sdk's fully universal mode (inner key and domain as witnesses), laid out
    /// only: its cost is in the columns it adds, and `compress` does not use it.
    pub universal: bool,
}

/// One attestation at depth 5 and at depth 10, a batch of 4, and the universal mode's layout.
pub const CASES: [Case; 4] = [
    Case { depth: 5, batch: 1, universal: false },
    Case { depth: 10, batch: 1, universal: false },
    Case { depth: 5, batch: 4, universal: false },
    Case { depth: 5, batch: 1, universal: true },
];

/// Proves `batch` synthetic attestations at `depth` with the Poseidon transcript under the
/// parameters at `params_path`, then compresses them, measuring the compression.
pub fn compress_case(params_path: &Path, depth: usize, batch: usize, on_step: &dyn Fn(&str)) -> Result<CompressRow> {
    let dir = tempfile_dir(params_path, depth, batch)?;
    let leaves = synthetic_leaves(1 << depth);
    let tree = TreeWitness::build(&leaves);
    let (params, _) = read_params(params_path)?;
    let inner_params = params_for(CircuitKind::Attestation, params, depth, params_path)?;
    let keys = circuit_keys(CircuitKind::Attestation, Some(params_path), &inner_params, depth)?;
    let mut paths = Vec::new();
    let t = Instant::now();
    for i in 0..batch {
        on_step(&format!("inner attestation {} of {batch}, depth {depth}", i + 1));
        let statement =
            AttestationStatement { epoch: 1 + i as u64, ..synthetic_statement(&leaves, tree.root().hash()) };
        let circuit = AttestationCircuit::new(AttestationWitness::new(tree.clone(), statement));
        let proof = crate::prove::prove_with(
            &inner_params,
            &keys.pk,
            circuit,
            &statement.to_instances(),
            Transcript::Poseidon,
        )?;
        let path = dir.join(format!("inner-{i}.json"));
        let bundle = ProofBundle {
            format_version: FORMAT_VERSION,
            circuit: CircuitInfo { name: CircuitKind::Attestation.name().into(), k: keys.vk.k(), depth: depth as u32 },
            public_inputs: StatementJson::from_statement(&statement),
            proof: format!("0x{}", hex::encode(&proof)),
            transcript: Transcript::Poseidon,
            vk_hash: keys.vk.hash_hex(),
            metadata: Metadata {
                policy: synthetic_policy().name,
                as_of: "2026-11-24".into(),
                created_at: crate::attestation::created_at(),
                custodian: None,
                deployments: vec![],
                insecure_setup: true,
                prover: crate::attestation::PROVER.into(),
            },
        };
        bundle.write(&path).map_err(Error::write(&path))?;
        let vk = crate::attestation::vk_path_for(&path);
        bondproof_verifier::atomic::write_atomic(&vk, &keys.vk.bytes).map_err(Error::write(&vk))?;
        paths.push(path);
    }
    let inner_prove_s = t.elapsed().as_secs_f64();
    drop(inner_params);
    drop(keys);
    reset_peak_rss();
    let out = dir.join("compressed.json");
    let o = compress(&CompressRequest { attestations: &paths, params: params_path, k: None, out: &out }, on_step)?;
    let peak_rss_bytes = peak_rss();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(CompressRow {
        depth,
        batch,
        k: o.shape.k,
        advice: o.shape.advice,
        lookup_advice: o.shape.lookup_advice,
        fixed: o.shape.fixed,
        public_inputs: o.key.instance_count(),
        keygen_s: o.keygen.as_secs_f64(),
        keys_generated: o.keys_generated,
        prove_s: o.prove.as_secs_f64(),
        verify_s: o.verify.as_secs_f64(),
        inner_prove_s,
        proof_bytes: o.proof_bytes(),
        peak_rss_bytes,
        proved: true,
        note: None,
        universal: false,
    })
}

/// Columns of the outer circuit the prover holds polynomials for.
fn columns(advice: usize, lookup_advice: usize, fixed: usize) -> usize {
    advice + lookup_advice + fixed
}

/// This machine's memory (`MemTotal`), bytes.
fn memory_total() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(u64::MAX, |kb| kb * 1024)
}

/// A batch or universal case: laid out first (its columns at the parameters' k, on placeholder
/// proofs). A universal case stops there; a batch is proved only if the memory it needs fits
/// this machine. The need is the measured peak of
/// a single compression at the same k, scaled by the columns the prover holds (its memory is
/// polynomials per column over the same domain); a case that would not fit is recorded laid
/// out, with that estimate, rather than swapped to death.
fn laid_out_case(
    params_path: &Path,
    case: Case,
    single: Option<&CompressRow>,
    on_step: &dyn Fn(&str),
) -> Result<CompressRow> {
    let Case { depth, batch, universal } = case;
    on_step(&format!(
        "laying out {batch} attestation(s) at depth {depth}{}",
        if universal { ", universal" } else { "" }
    ));
    let (params, _) = read_params(params_path)?;
    let mode = if universal { VerifierUniversality::Full } else { VerifierUniversality::None };
    let layout = crate::compress::outer_layout(&params, &vec![depth as u32; batch], mode)?;
    drop(params);
    let shape = layout.shape;
    let cells = format!(
        "{} advice cells: {} advice columns at k = {}, {} at k = {}",
        layout.advice_cells,
        layout.advice_columns_at(shape.k + 1),
        shape.k + 1,
        layout.advice_columns_at(shape.k + 2),
        shape.k + 2
    );
    let laid_out_only = |note: String| CompressRow {
        depth,
        batch,
        k: shape.k,
        advice: shape.advice,
        lookup_advice: shape.lookup_advice,
        fixed: shape.fixed,
        public_inputs: bondproof_verifier::compressed::outer_instance_count(batch),
        keygen_s: 0.0,
        keys_generated: false,
        prove_s: 0.0,
        verify_s: 0.0,
        inner_prove_s: 0.0,
        proof_bytes: 0,
        peak_rss_bytes: 0,
        proved: false,
        note: Some(format!("{note}; {cells}")),
        universal,
    };
    if universal {
        return Ok(laid_out_only(
            "universal mode, laid out only: the columns it needs beside the pinned-key layout above".into(),
        ));
    }
    let need = single.filter(|r| r.proved && r.k == shape.k).map(|r| {
        let scale = columns(shape.advice, shape.lookup_advice, shape.fixed) as f64
            / columns(r.advice, r.lookup_advice, r.fixed) as f64;
        (r.peak_rss_bytes as f64 * scale) as u64
    });
    let total = memory_total();
    match need {
        Some(need) if need > total => Ok(laid_out_only(format!(
            "laid out, not proved: about {:.1} GiB needed (the single compression's peak scaled by columns), this \
             machine has {:.1} GiB",
            gib(need),
            gib(total)
        ))),
        _ => compress_case(params_path, depth, batch, on_step),
    }
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

fn tempfile_dir(params_path: &Path, depth: usize, batch: usize) -> Result<PathBuf> {
    let base = params_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = base.join(format!("bench-compress-d{depth}-n{batch}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(Error::write(&dir))?;
    Ok(dir)
}

/// Every case of [`CASES`]; with `report_dir`, writes `compress.json` there.
pub fn run(params_path: &Path, report_dir: Option<&Path>, on_step: &dyn Fn(&str)) -> Result<Vec<CompressRow>> {
    let mut rows: Vec<CompressRow> = Vec::new();
    for case in CASES {
        let row = if case.batch == 1 && !case.universal {
            compress_case(params_path, case.depth, case.batch, on_step)?
        } else {
            let single = rows.iter().find(|r| r.batch == 1 && r.depth == case.depth && r.proved);
            laid_out_case(params_path, case, single, on_step)?
        };
        rows.push(row);
    }
    if let Some(dir) = report_dir {
        let path = dir.join("compress.json");
        bondproof_verifier::atomic::write_json(&path, &rows).map_err(Error::write(&path))?;
    }
    Ok(rows)
}

/// `compress.json` in the report folder, if `bench --compress` wrote one.
pub fn read_rows(dir: &Path) -> Option<Vec<CompressRow>> {
    std::fs::read(dir.join("compress.json")).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

/// The compression table of REPORT.md.
pub fn markdown(rows: &[CompressRow]) -> String {
    let mut s = String::from(
        "\n## Compression (`bench --compress`)\n\n\
         One outer proof (snark-verifier-sdk aggregation circuit, SHPLONK, Keccak transcript) over \
         Poseidon-transcript attestation proofs; peak RSS of the whole compression.\n\n\
         | depth | batch | k | advice / lookup / fixed | public inputs | keygen | prove | verify | proof | peak RSS |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let shape = format!(
            "| {} | {}{} | {} | {} / {} / {} | {} |",
            r.depth,
            r.batch,
            if r.universal { " (universal)" } else { "" },
            r.k,
            r.advice,
            r.lookup_advice,
            r.fixed,
            r.public_inputs
        );
        let cost = if r.proved {
            format!(
                " {} | {:.1} s | {:.2} s | {} B | {:.1} GiB |",
                if r.keys_generated { format!("{:.1} s", r.keygen_s) } else { "cached".into() },
                r.prove_s,
                r.verify_s,
                r.proof_bytes,
                gib(r.peak_rss_bytes)
            )
        } else {
            format!(" {} | - | - | - | - |", r.note.as_deref().unwrap_or("laid out, not proved"))
        };
        s.push_str(&format!("{shape}{cost}\n"));
    }
    s
}
