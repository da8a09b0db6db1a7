//! Compression: one outer proof (snark-verifier-sdk's aggregation circuit, SHPLONK, Keccak
//! transcript for the EVM) that verifies one or several attestation proofs made with the
//! Poseidon transcript. The outer public inputs are the KZG accumulator and every inner
//! statement (see [`bondproof_verifier::compressed`]).
//!
//! In order, and nothing is written unless every step passes:
//! 1. each inner bundle is read with its verifying key (`<stem>.vk.bin` beside it), must be a
//!    Poseidon-transcript proof, and is verified natively (exit 1 if it does not verify);
//! 2. each inner key's setup must be the outer parameters' (one SRS: the outer circuit defers
//!    the inner KZG checks into one accumulator checked against the outer tau; exit 1);
//! 3. the outer keys are loaded from the cache beside the parameters, or made (their shape is
//!    measured on the real inner proofs);
//! 4. the outer proof is made and verified natively, accumulator pairing included;
//! 5. the compression key and the bundle are written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bondproof_circuits::halo2_proofs::halo2curves::ff::Field;
use bondproof_circuits::halo2_proofs::{
    plonk::{keygen_pk, keygen_vk, ProvingKey},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
};
use bondproof_circuits::{ensure_max_degree, AttestationStatement, Bn256, CircuitKind, Fr, G1Affine};
use bondproof_verifier::atomic::write_atomic;
use bondproof_verifier::bundle::{ProofBundle, Transcript};
use bondproof_verifier::compressed::{
    limbs_decimal, outer_instances, packing, verify_compressed, CompressedBundle, CompressionHeader, CompressionKey,
    InnerAttestation, InnerKey, OuterShape, ACCUMULATOR_LIMBS, COMPRESSED_FORMAT_VERSION, COMPRESSION_CIRCUIT, WHOLE,
};
use bondproof_verifier::verify::verify_bundle;
use bondproof_verifier::VerifierKey;
use halo2_base::gates::circuit::CircuitBuilderStage as Stage;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::QuantumCell::Constant;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use snark_verifier_sdk::halo2::aggregation::{AggregationCircuit, AggregationConfigParams, VerifierUniversality};
use snark_verifier_sdk::halo2::gen_dummy_snark_from_vk;
use snark_verifier_sdk::snark_verifier::system::halo2::{compile, Config};
use snark_verifier_sdk::{CircuitExt, Snark, SHPLONK};

use crate::attestation::{created_at, vk_path_for, PROVER};
use crate::ceremony::{import_ceremony, CeremonyFormat, ImportedSetup};
use crate::error::{Error, Result};
use crate::keys::{check_depth, read_params, setup_id, verifying_key};

/// halo2-lib reserves this many rows at the bottom of each column for blinding.
const MINIMUM_ROWS: usize = 20;

/// What to compress, and where to write it.
pub struct CompressRequest<'a> {
    /// Attestation bundles, each with its key beside it (`<stem>.vk.bin`).
    pub attestations: &'a [PathBuf],
    /// The outer parameters (one setup with the inner proofs').
    pub params: &'a Path,
    /// The outer circuit's k: default the parameters file's.
    pub k: Option<u32>,
    /// The bundle; the compression key goes beside it as `<stem>.vk.bin`.
    pub out: &'a Path,
}

/// A compression made, verified and written.
pub struct CompressOutcome {
    pub bundle: CompressedBundle,
    pub statements: Vec<AttestationStatement>,
    pub key: CompressionKey,
    pub key_path: PathBuf,
    pub shape: OuterShape,
    pub keys_generated: bool,
    pub keygen: Duration,
    pub prove: Duration,
    pub verify: Duration,
}

impl CompressOutcome {
    pub fn proof_bytes(&self) -> usize {
        self.bundle.proof.len().saturating_sub(2) / 2
    }
}

/// An inner attestation, checked and ready to be compressed.
pub struct Inner {
    pub path: PathBuf,
    pub bundle: ProofBundle,
    pub key: VerifierKey,
    pub statement: AttestationStatement,
    pub proof: Vec<u8>,
}

/// Reads and verifies one inner attestation (step 1 of the module comment).
pub fn read_inner(path: &Path) -> Result<Inner> {
    let name = path.display().to_string();
    let bundle = ProofBundle::read(path).map_err(|e| Error::Invalid(e.to_string()))?;
    let key_path = vk_path_for(path);
    let key = VerifierKey::read(&key_path)
        .map_err(|e| Error::VerifyingKey { path: key_path.display().to_string(), message: e.to_string() })?;
    if bundle.transcript != Transcript::Poseidon {
        return Err(Error::Usage(format!(
            "{name}: made with the {} transcript; a proof to be compressed is made with `--transcript poseidon`",
            bundle.transcript.name()
        )));
    }
    let statement = verify_bundle(&bundle, &key).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
    let proof = bundle.proof_bytes().map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
    Ok(Inner { path: path.to_path_buf(), bundle, key, statement, proof })
}

/// The inner proofs as snark-verifier takes them: each inner key compiled against the outer
/// parameters cut to the inner k (one setup), cut once per k however many proofs share it.
fn snarks_of(inner: &[Inner], outer: &ParamsKZG<Bn256>) -> Vec<Snark> {
    let mut cut: BTreeMap<u32, ParamsKZG<Bn256>> = BTreeMap::new();
    inner
        .iter()
        .map(|i| {
            let params = cut.entry(i.key.k()).or_insert_with(|| cut_to(outer, i.key.k()));
            let config = Config::kzg().with_num_instance(vec![AttestationStatement::COUNT]);
            let protocol = compile(params, &i.key.vk, config);
            Snark::new(protocol, vec![i.statement.to_instances()], i.proof.clone())
        })
        .collect()
}

/// Exposes each inner proof's public inputs packed ([`packing`]): each part range checked to
/// its width, which makes the packing injective, then summed with its power of two. (The SDK's
/// `expose_previous_instances` would expose all 67 as they are.)
fn expose_packed(c: &mut AggregationCircuit) {
    let range = c.builder.range_chip();
    let previous = c.previous_instances().clone();
    let layout = packing();
    let mut words = Vec::with_capacity(previous.len() * layout.len());
    let ctx = c.builder.main(0);
    for inputs in &previous {
        for word in &layout {
            if let [(index, WHOLE)] = word[..] {
                words.push(inputs[index]);
                continue;
            }
            let mut shift = 0u32;
            let mut coefficients = Vec::with_capacity(word.len());
            for &(index, width) in word {
                range.range_check(ctx, inputs[index], width as usize);
                coefficients.push(Constant(Fr::from(2).pow_vartime([u64::from(shift)])));
                shift += width;
            }
            let parts: Vec<_> = word.iter().map(|&(index, _)| inputs[index]).collect();
            words.push(range.gate().inner_product(ctx, parts, coefficients));
        }
    }
    c.builder.assigned_instances[0].extend(words);
}

/// The outer circuit at `stage`, its public inputs the accumulator and the packed statements.
fn outer_circuit(
    stage: Stage,
    config: AggregationConfigParams,
    params: &ParamsKZG<Bn256>,
    snarks: Vec<Snark>,
    universality: VerifierUniversality,
) -> Result<AggregationCircuit> {
    // The SDK unwraps internally (an inner proof it cannot read panics); never a panic here.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut c = AggregationCircuit::new::<SHPLONK>(stage, config, params, snarks, universality);
        expose_packed(&mut c);
        c
    }))
    .map_err(|_| Error::Proof("the compression circuit could not verify an inner proof".into()))
}

/// What the proving key's cache keeps beside it: the shape and halo2-lib's break points.
#[derive(Serialize, Deserialize)]
struct CachedLayout {
    shape: OuterShape,
    break_points: Vec<Vec<usize>>,
}

/// The outer keys and layout.
pub struct OuterKeys {
    pub pk: ProvingKey<G1Affine>,
    pub key: CompressionKey,
    pub shape: OuterShape,
    break_points: Vec<Vec<usize>>,
    pub generated: bool,
}

/// `keys/compression-n<N>-k<k>-<setup>-i<inner keys>.{pk,vk.bin,layout.json}` beside the
/// parameters: named by what the key depends on (the inner keys, their count and order, k and
/// the setup).
fn outer_key_paths(params_path: &Path, params: &ParamsKZG<Bn256>, inner: &[InnerKey]) -> [PathBuf; 3] {
    let dir = params_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("keys");
    let mut h = Sha256::new();
    for k in inner {
        h.update(k.vk_hash.as_bytes());
    }
    let inner_id = hex::encode(h.finalize());
    let stem = format!(
        "{COMPRESSION_CIRCUIT}-n{}-k{}-{}-i{}",
        inner.len(),
        params.k(),
        &setup_id(params)[..12],
        &inner_id[..12]
    );
    [dir.join(format!("{stem}.pk")), dir.join(format!("{stem}.vk.bin")), dir.join(format!("{stem}.layout.json"))]
}

fn load_cached(paths: &[PathBuf; 3]) -> Option<(ProvingKey<G1Affine>, CompressionKey, CachedLayout)> {
    let layout: CachedLayout = serde_json::from_slice(&std::fs::read(&paths[2]).ok()?).ok()?;
    let key = CompressionKey::read(&paths[1]).ok()?;
    let file = std::fs::File::open(&paths[0]).ok()?;
    let config = layout.shape.config();
    let pk = std::panic::catch_unwind(|| {
        ProvingKey::<G1Affine>::read::<_, AggregationCircuit>(
            &mut std::io::BufReader::new(file),
            SerdeFormat::RawBytes,
            config,
        )
    })
    .ok()?
    .ok()?;
    (key.header.shape == layout.shape && pk.get_vk().transcript_repr() == key.vk.transcript_repr())
        .then_some((pk, key, layout))
}

/// The outer circuit for keygen, its columns measured on these inner proofs at the parameters'
/// k: the circuit's shape depends only on the inner keys, never on the proofs' values, so real
/// proofs (`compress`) and placeholders ([`rebuild_compression_key`]) give one key.
fn laid_out(
    params: &ParamsKZG<Bn256>,
    snarks: &[Snark],
    universality: VerifierUniversality,
) -> Result<(AggregationCircuit, AggregationConfigParams)> {
    let k = params.k();
    let start = AggregationConfigParams { degree: k, lookup_bits: k as usize - 1, ..Default::default() };
    let mut circuit = outer_circuit(Stage::Keygen, start, params, snarks.to_vec(), universality)?;
    let config = circuit.calculate_params(Some(MINIMUM_ROWS));
    Ok((circuit, config))
}

/// A compression key rebuilt from the circuit code and a ceremony file alone, and what the
/// file was.
pub struct RebuiltCompressionKey {
    pub key: CompressionKey,
    pub file_sha256: String,
    pub format: CeremonyFormat,
}

/// The compression key for attestations at these depths (in the outer circuit's order) at
/// outer `k`, derived from the ceremony file (checked as `setup --srs` checks it) and the
/// circuit code: each inner key is rebuilt as `keys --srs` rebuilds it, the outer circuit is
/// laid out on placeholder proofs for those keys, and its verifying key generated. The same
/// bytes `compress` writes for the same setup, so a verifier compares a pinned key with it and
/// trusts neither the outer key's fixed commitments nor the inner keys they embed.
pub fn rebuild_compression_key(
    ceremony: &Path,
    k: u32,
    depths: &[u32],
    on_step: &dyn Fn(&str),
) -> Result<RebuiltCompressionKey> {
    if depths.is_empty() {
        return Err(Error::Usage("a compression key verifies at least one attestation".into()));
    }
    ensure_max_degree();
    on_step(&format!("importing the ceremony at k = {k}"));
    let ImportedSetup { params, file_sha256, format, .. } = import_ceremony(ceremony, k)?;
    on_step("rebuilding the attestation keys");
    let (inner, snarks) = placeholders(&params, depths)?;
    on_step("laying out the compression circuit and generating its verifying key");
    let (circuit, config) = laid_out(&params, &snarks, VerifierUniversality::None)?;
    let vk = keygen_vk(&params, &circuit).map_err(|e| Error::Keygen(format!("{e:?}")))?;
    let key = CompressionKey::new(CompressionHeader { shape: OuterShape::of(&config), inner }, &params, vk);
    Ok(RebuiltCompressionKey { key, file_sha256, format })
}

/// For attestations at these depths: each inner key derived from `params` (cut to its k) and the
/// circuit code, and a placeholder proof of its shape (which does not verify: enough to lay the
/// outer circuit out, never to prove it). A depth repeated in a batch is derived once.
fn placeholders(params: &ParamsKZG<Bn256>, depths: &[u32]) -> Result<(Vec<InnerKey>, Vec<Snark>)> {
    let kind = CircuitKind::Attestation;
    let mut by_depth: BTreeMap<u32, (InnerKey, Snark)> = BTreeMap::new();
    for &depth in depths {
        if by_depth.contains_key(&depth) {
            continue;
        }
        check_depth(depth as usize)?;
        let inner_k = kind.min_k(depth as usize);
        if inner_k >= params.k() {
            return Err(Error::Usage(format!(
                "depth {depth}: its attestation key (k = {inner_k}) is not below the outer k {}",
                params.k()
            )));
        }
        let inner_params = cut_to(params, inner_k);
        let key = verifying_key(kind, &inner_params, depth as usize)?;
        let count = vec![AttestationStatement::COUNT];
        let snark = gen_dummy_snark_from_vk::<SHPLONK>(&inner_params, &key.vk, count, None);
        by_depth.insert(depth, (InnerKey { vk_hash: key.hash_hex(), depth, k: inner_k }, snark));
    }
    Ok(depths.iter().map(|d| by_depth[d].clone()).unzip())
}

/// The parameters cut to `k` (one setup for the inner and the outer proofs).
fn cut_to(params: &ParamsKZG<Bn256>, k: u32) -> ParamsKZG<Bn256> {
    let mut cut = params.clone();
    cut.downsize(k);
    cut
}

/// A laid-out outer circuit: its shape at the parameters' k and the cells it fills, from which
/// its columns at another k follow (a column holds 2^k - 20 of them; halo2-lib sizes its range
/// checks to the lookup table, so a larger k needs slightly fewer cells: the count at a smaller k
/// bounds it).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct OuterLayout {
    pub shape: OuterShape,
    pub advice_cells: usize,
    pub lookup_cells: usize,
}

impl OuterLayout {
    /// Advice columns these cells need at `k`.
    pub fn advice_columns_at(&self, k: u32) -> usize {
        self.advice_cells.div_ceil((1usize << k) - MINIMUM_ROWS)
    }
}

/// The outer circuit's layout for attestations at these depths, measured on placeholder
/// proofs: what a compression would need, without making keys or a proof. `universality` other
/// than `None` measures snark-verifier-sdk's universal modes (the inner key a witness, so one
/// outer key serves every depth), which `compress` does not use.
pub fn outer_layout(
    params: &ParamsKZG<Bn256>,
    depths: &[u32],
    universality: VerifierUniversality,
) -> Result<OuterLayout> {
    let (_, snarks) = placeholders(params, depths)?;
    let (circuit, config) = laid_out(params, &snarks, universality)?;
    let stats = circuit.builder.statistics();
    Ok(OuterLayout {
        shape: OuterShape::of(&config),
        advice_cells: stats.gate.total_advice_per_phase.iter().sum(),
        lookup_cells: stats.total_lookup_advice_per_phase.iter().sum(),
    })
}

/// Loads the outer keys from the cache, or measures the circuit on these inner proofs and makes
/// them (and caches them).
pub fn outer_keys(
    params_path: &Path,
    params: &ParamsKZG<Bn256>,
    inner: &[InnerKey],
    snarks: &[Snark],
    on_step: &dyn Fn(&str),
) -> Result<OuterKeys> {
    ensure_max_degree();
    let paths = outer_key_paths(params_path, params, inner);
    if let Some((pk, key, layout)) = load_cached(&paths) {
        if key.header.inner == inner {
            return Ok(OuterKeys { pk, key, shape: layout.shape, break_points: layout.break_points, generated: false });
        }
    }
    on_step("laying out the compression circuit");
    let (circuit, config) = laid_out(params, snarks, VerifierUniversality::None)?;
    on_step(&format!(
        "generating the compression keys (k = {}, {} advice, {} lookup, {} fixed columns)",
        config.degree, config.num_advice, config.num_lookup_advice, config.num_fixed
    ));
    let vk = keygen_vk(params, &circuit).map_err(|e| Error::Keygen(format!("{e:?}")))?;
    let pk = keygen_pk(params, vk.clone(), &circuit).map_err(|e| Error::Keygen(format!("{e:?}")))?;
    let break_points = circuit.break_points();
    let shape = OuterShape::of(&config);
    let key = CompressionKey::new(CompressionHeader { shape, inner: inner.to_vec() }, params, vk);
    // The proving key is written as a stream (it is large), then renamed into place.
    let tmp = paths[0].with_extension("pk.partial");
    if let Some(dir) = tmp.parent() {
        std::fs::create_dir_all(dir).map_err(Error::write(dir))?;
    }
    let write_pk = || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        pk.write(&mut w, SerdeFormat::RawBytes)?;
        std::io::Write::flush(&mut w)?;
        std::fs::rename(&tmp, &paths[0])
    };
    write_pk().map_err(Error::write(&paths[0]))?;
    write_atomic(&paths[1], &key.bytes).map_err(Error::write(&paths[1]))?;
    let layout = CachedLayout { shape, break_points: break_points.clone() };
    write_atomic(&paths[2], &serde_json::to_vec(&layout).expect("serializes")).map_err(Error::write(&paths[2]))?;
    Ok(OuterKeys { pk, key, shape, break_points, generated: true })
}

/// The whole flow (see the module comment). `on_step` names each long step.
pub fn compress(req: &CompressRequest, on_step: &dyn Fn(&str)) -> Result<CompressOutcome> {
    if req.attestations.is_empty() {
        return Err(Error::Usage("give at least one --attestation".into()));
    }
    on_step("verifying the attestations");
    let inner = req.attestations.iter().map(|p| read_inner(p)).collect::<Result<Vec<_>>>()?;

    on_step("loading parameters");
    let (mut params, _info) = read_params(req.params)?;
    if let Some(k) = req.k {
        if k > params.k() {
            return Err(Error::Usage(format!(
                "--k {k}: {} holds parameters for k = {} only",
                req.params.display(),
                params.k()
            )));
        }
        params.downsize(k);
    }
    let outer_setup = setup_id(&params);
    for i in &inner {
        if i.key.setup_id() != outer_setup {
            return Err(Error::Refused(format!(
                "{}: its key's setup {} is not the outer parameters' setup {outer_setup} ({}): the compression \
                 proof checks every inner proof against one setup",
                i.path.display(),
                i.key.setup_id(),
                req.params.display()
            )));
        }
        if i.key.k() >= params.k() {
            return Err(Error::Usage(format!(
                "{}: the inner circuit's k {} is not below the outer k {}",
                i.path.display(),
                i.key.k(),
                params.k()
            )));
        }
    }
    let inner_keys: Vec<InnerKey> =
        inner.iter().map(|i| InnerKey { vk_hash: i.key.hash_hex(), depth: i.key.depth, k: i.key.k() }).collect();
    let snarks = snarks_of(&inner, &params);

    on_step("loading or generating the compression keys");
    let t = Instant::now();
    let keys = outer_keys(req.params, &params, &inner_keys, &snarks, on_step)?;
    let keygen = t.elapsed();

    on_step("proving the compression");
    let t = Instant::now();
    let circuit = outer_circuit(Stage::Prover, keys.shape.config(), &params, snarks, VerifierUniversality::None)?
        .use_break_points(keys.break_points.clone());
    let instances = circuit.instances().remove(0);
    let statements: Vec<AttestationStatement> = inner.iter().map(|i| i.statement).collect();
    let accumulator = instances[..ACCUMULATOR_LIMBS].to_vec();
    if instances != outer_instances(&accumulator, &statements) {
        return Err(Error::Proof("the compression circuit's public inputs are not the statements proved".into()));
    }
    let proof = crate::prove::prove_with(&params, &keys.pk, circuit, &instances, Transcript::Keccak)?;
    let prove = t.elapsed();

    let bundle = CompressedBundle {
        format_version: COMPRESSED_FORMAT_VERSION,
        circuit: COMPRESSION_CIRCUIT.into(),
        k: Some(keys.shape.k),
        inner: inner
            .iter()
            .map(|i| InnerAttestation {
                circuit: i.bundle.circuit.clone(),
                vk_hash: i.bundle.vk_hash.clone(),
                public_inputs: i.bundle.public_inputs.clone(),
                metadata: i.bundle.metadata.clone(),
            })
            .collect(),
        accumulator: limbs_decimal(&accumulator),
        proof: format!("0x{}", hex::encode(&proof)),
        vk_hash: keys.key.hash_hex(),
        created_at: created_at(),
        prover: PROVER.into(),
    };
    on_step("verifying the compression");
    let t = Instant::now();
    verify_compressed(&bundle, &keys.key)
        .map_err(|e| Error::Proof(format!("the compression proof just made does not verify: {e}")))?;
    let verify = t.elapsed();

    let key_path = vk_path_for(req.out);
    write_atomic(&key_path, &keys.key.bytes).map_err(Error::write(&key_path))?;
    bundle.write(req.out).map_err(Error::write(req.out))?;
    Ok(CompressOutcome {
        bundle,
        statements,
        key: keys.key,
        key_path,
        shape: keys.shape,
        keys_generated: keys.generated,
        keygen,
        prove,
        verify,
    })
}
