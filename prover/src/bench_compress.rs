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
}

/// The cases the issue asks for: one attestation at depth 5, at depth 10, a batch of 4.
pub const CASES: [(usize, usize); 3] = [(5, 1), (10, 1), (5, 4)];

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
    })
}

fn tempfile_dir(params_path: &Path, depth: usize, batch: usize) -> Result<PathBuf> {
    let base = params_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = base.join(format!("bench-compress-d{depth}-n{batch}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(Error::write(&dir))?;
    Ok(dir)
}

/// Every case of [`CASES`]; with `report_dir`, writes `compress.json` there.
pub fn run(params_path: &Path, report_dir: Option<&Path>, on_step: &dyn Fn(&str)) -> Result<Vec<CompressRow>> {
    let mut rows = Vec::new();
    for (depth, batch) in CASES {
        rows.push(compress_case(params_path, depth, batch, on_step)?);
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
        s.push_str(&format!(
            "| {} | {} | {} | {} / {} / {} | {} | {} | {:.1} s | {:.2} s | {} B | {:.1} GiB |\n",
            r.depth,
            r.batch,
            r.k,
            r.advice,
            r.lookup_advice,
            r.fixed,
            r.public_inputs,
            if r.keys_generated { format!("{:.1} s", r.keygen_s) } else { "cached".into() },
            r.prove_s,
            r.verify_s,
            r.proof_bytes,
            r.peak_rss_bytes as f64 / (1u64 << 30) as f64
        ));
    }
    s
}
