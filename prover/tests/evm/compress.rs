//! Compression (issue 16): one real compression proof of the fixture's attestation (proved
//! again with the Poseidon transcript under a shared outer setup), checked natively, by the
//! generated compression verifier in revm, and through the registry's `submitCompressed`; and
//! `compress` refusing bad inner proofs without writing anything.
//!
//! The outer parameters (k = `BONDPROOF_COMPRESS_K`, default 20) and every key are made once
//! and cached in cargo's per-target temporary folder (the keys are named by the inner key and
//! the setup, so a changed circuit makes new ones). k = 20 is for speed: its verifier (9 advice
//! columns) is over EIP-170, so the tests deploy it on an EVM without the limit. Production uses
//! k = 22 (3 advice columns, a 21,661-byte verifier); `BONDPROOF_COMPRESS_K=22` runs these tests
//! there (README's gas table).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bondproof_circuits::{AttestationCircuit, AttestationStatement, AttestationWitness, CircuitKind, Fr};
use bondproof_prover::compress::{compress, CompressRequest};
use bondproof_prover::keys::{circuit_keys, params_for, read_params, setup_insecure, write_params, ParamsInfo};
use bondproof_verifier::bundle::{CircuitInfo, Metadata, ProofBundle, StatementJson, Transcript, FORMAT_VERSION};
use bondproof_verifier::compressed::{
    accumulator_holds, limbs_decimal, verify_compressed, CompressedBundle, CompressionKey, PACKED_WORDS,
};
use bondproof_verifier::solidity::{
    encode_compressed_calldata, encode_submit_compressed, estimate_runtime_bytes, generated_compression_verifier,
    PrecompileProfile, COMPRESSION_VERIFIER, MAX_RUNTIME_BYTES,
};
use revm::context::result::{ExecutionResult, Output};
use revm::primitives::{Address, TxKind};

use super::{
    addr_word, assert_accepted, assert_reverts_with, call, custodian, fixture, intrinsic_gas, other_custodian, site_a,
    solc, stranger, transact, used_domains, word, Outcome, World,
};

#[path = "../common/mod.rs"]
mod common;

struct Compressed {
    dir: PathBuf,
    params: PathBuf,
    inner: PathBuf,
    out: PathBuf,
    key: CompressionKey,
    bundle: CompressedBundle,
    statement: AttestationStatement,
    accumulator: Vec<Fr>,
    proof: Vec<u8>,
    creation: Vec<u8>,
    runtime: Vec<u8>,
    profile: PrecompileProfile,
    estimate: usize,
    compress_s: (f64, f64),
}

fn compressed() -> &'static Compressed {
    static C: OnceLock<Compressed> = OnceLock::new();
    C.get_or_init(build)
}

fn outer_k() -> u32 {
    std::env::var("BONDPROOF_COMPRESS_K").ok().and_then(|k| k.parse().ok()).unwrap_or(20)
}

/// A bundle and its key beside it, as `prove --transcript poseidon` writes them.
fn write_inner(path: &Path, key: &bondproof_verifier::VerifierKey, statement: &AttestationStatement, proof: &[u8]) {
    let bundle = ProofBundle {
        format_version: FORMAT_VERSION,
        circuit: CircuitInfo { name: CircuitKind::Attestation.name().into(), k: key.k(), depth: key.depth },
        public_inputs: StatementJson::from_statement(statement),
        proof: format!("0x{}", hex::encode(proof)),
        transcript: Transcript::Poseidon,
        vk_hash: key.hash_hex(),
        metadata: Metadata {
            policy: "money-fund-sec".into(),
            as_of: "2026-12-12".into(),
            created_at: "2026-12-12T00:00:00Z".into(),
            custodian: None,
            deployments: vec![],
            insecure_setup: true,
            prover: "evm compress test".into(),
        },
    };
    bundle.write(path).unwrap();
    std::fs::write(bondproof_prover::attestation::vk_path_for(path), &key.bytes).unwrap();
}

fn build() -> Compressed {
    let fx = fixture();
    let k = outer_k();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bondproof-compress");
    let params_path = cache.join(format!("params-k{k}.bin"));
    if read_params(&params_path).is_err() {
        let info = ParamsInfo { k, insecure: true, source: "compression test parameters".into() };
        write_params(&setup_insecure(k), &params_path, &info).unwrap();
    }
    let dir = common::process_dir("compress-");
    // The fixture's statement (epoch 2, its table of registries A and B), proved again with the
    // Poseidon transcript under the outer setup.
    let statement = fx.valid.statement;
    let (params, _) = read_params(&params_path).unwrap();
    let inner_params = params_for(CircuitKind::Attestation, params, fx.depth, &params_path).unwrap();
    let keys = circuit_keys(CircuitKind::Attestation, Some(&params_path), &inner_params, fx.depth).unwrap();
    let circuit = AttestationCircuit::new(AttestationWitness::new(fx.tree.clone(), statement));
    let proof = bondproof_prover::prove::prove_with(
        &inner_params,
        &keys.pk,
        circuit,
        &statement.to_instances(),
        Transcript::Poseidon,
    )
    .unwrap();
    drop(inner_params);
    let inner = dir.join("inner.json");
    write_inner(&inner, &keys.vk, &statement, &proof);

    let out = dir.join("compressed.json");
    let outcome = compress(
        &CompressRequest { attestations: std::slice::from_ref(&inner), params: &params_path, k: None, out: &out },
        &|step| eprintln!("compress: {step}"),
    )
    .unwrap_or_else(|e| panic!("compress: {e}"));
    eprintln!(
        "compression: k {}, {} advice, {} lookup, {} fixed; keygen {:.1} s, prove {:.1} s",
        outcome.shape.k,
        outcome.shape.advice,
        outcome.shape.lookup_advice,
        outcome.shape.fixed,
        outcome.keygen.as_secs_f64(),
        outcome.prove.as_secs_f64()
    );
    let bundle = outcome.bundle.clone();
    let accumulator = bundle.accumulator_limbs().unwrap();
    let proof = bundle.proof_bytes().unwrap();
    let source = generated_compression_verifier(&outcome.key).unwrap();
    let output = solc(Some(&source));

    Compressed {
        dir,
        params: params_path,
        inner,
        out,
        bundle,
        statement,
        accumulator,
        proof,
        creation: output.bytecode("Verifier.sol", COMPRESSION_VERIFIER).unwrap(),
        runtime: output.runtime("Verifier.sol", COMPRESSION_VERIFIER).unwrap(),
        profile: PrecompileProfile::of_solidity(&source),
        estimate: estimate_runtime_bytes(&source),
        compress_s: (outcome.keygen.as_secs_f64(), outcome.prove.as_secs_f64()),
        key: outcome.key,
    }
}

/// Chain A with its registry, the compression verifier deployed (without EIP-170 when it is
/// over it) and set, and the token's deployment domains set.
fn world_with_compression(c: &Compressed) -> (World, Address) {
    let fx = fixture();
    let mut w = fx.world(site_a());
    w.evm.ctx.cfg.limit_contract_code_size = Some(usize::MAX);
    w.evm.ctx.cfg.limit_contract_initcode_size = Some(usize::MAX);
    let owner = w.site.owner;
    let verifier = match transact(&mut w.evm, owner, TxKind::Create, c.creation.clone()) {
        ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => address,
        other => panic!("deploying the compression verifier: {other:?}"),
    };
    w.admin(call("setCompressionVerifier(address)", &[addr_word(verifier)]));
    assert_accepted(&w.set_domains(&used_domains(&c.statement)), "the table's domains");
    (w, verifier)
}

fn submit_compressed(w: &mut World, from: Address, data: Vec<u8>) -> Outcome {
    let registry = w.registry;
    w.send(from, registry, data)
}

#[test]
fn a_compressed_attestation_verifies_natively_in_revm_and_is_recorded_by_the_registry() {
    let c = compressed();
    assert_eq!(verify_compressed(&c.bundle, &c.key).unwrap(), vec![c.statement]);
    assert!(accumulator_holds(&c.accumulator, &c.key.params));
    assert_eq!(c.key.instance_count(), 12 + PACKED_WORDS);

    let (mut w, verifier) = world_with_compression(c);
    let calldata = encode_compressed_calldata(&c.accumulator, &[c.statement], &c.proof);
    let (bare, _) = w.ok(stranger(), verifier, calldata.clone());
    // Another registered custodian cannot record the custodian's proof (its address is a
    // public input).
    w.admin(call("registerCustodian(address)", &[addr_word(other_custodian())]));
    let data = encode_submit_compressed(&[c.statement], &c.accumulator, &c.proof);
    assert_reverts_with(
        &submit_compressed(&mut w, other_custodian(), data.clone()),
        "InvalidProof()",
        "another custodian",
    );
    let submit = assert_accepted(&submit_compressed(&mut w, custodian(), data.clone()), "the compressed attestation");
    assert_eq!(w.view("lastEpoch()"), vec![word(c.statement.epoch.into())], "recorded");
    // Recorded exactly as submit records it: the next submission of the same epoch is stale.
    assert_reverts_with(&submit_compressed(&mut w, custodian(), data), "StaleEpoch(uint64,uint64)", "replayed");
    eprintln!(
        "compression verifier: runtime {} bytes (estimate {}), bare verify {bare} gas ({} execution), \
         submitCompressed {submit} gas",
        c.runtime.len(),
        c.estimate,
        bare - intrinsic_gas(&calldata)
    );
}

#[test]
fn a_flipped_proof_byte_a_changed_inner_input_or_accumulator_limb_is_rejected() {
    let c = compressed();
    let (mut w, verifier) = world_with_compression(c);
    let mut proof = c.proof.clone();
    proof[100] ^= 1;
    let mut statement = c.statement;
    statement.epoch += 1;
    let mut supply = c.statement;
    supply.deployments[1].supply_cents -= 1;
    let mut accumulator = c.accumulator.clone();
    accumulator[5] += Fr::from(1);
    let cases = [
        ("a flipped proof byte", c.statement, c.accumulator.clone(), proof),
        ("a changed epoch", statement, c.accumulator.clone(), c.proof.clone()),
        ("another chain's supply", supply, c.accumulator.clone(), c.proof.clone()),
        ("a changed accumulator limb", c.statement, accumulator, c.proof.clone()),
    ];
    for (case, statement, accumulator, proof) in cases {
        let mut bundle = c.bundle.clone();
        bundle.inner[0].public_inputs = StatementJson::from_statement(&statement);
        bundle.accumulator = limbs_decimal(&accumulator);
        bundle.proof = format!("0x{}", hex::encode(&proof));
        assert!(verify_compressed(&bundle, &c.key).is_err(), "{case}: accepted natively");
        // The generated verifier may revert or run out of gas on a bad proof: either refuses it.
        let bare = transact(
            &mut w.evm,
            stranger(),
            TxKind::Call(verifier),
            encode_compressed_calldata(&accumulator, &[statement], &proof),
        );
        assert!(!bare.is_success(), "{case}: accepted by the verifier");
        let data = encode_submit_compressed(&[statement], &accumulator, &proof);
        assert_reverts_with(&submit_compressed(&mut w, custodian(), data), "InvalidProof()", case);
    }
}

#[test]
fn compress_refuses_a_batch_holding_an_invalid_proof_or_another_setup_and_writes_nothing() {
    let c = compressed();
    let fx = fixture();
    let dir = c.dir.join("refused");
    std::fs::create_dir_all(&dir).unwrap();
    // An inner proof with one byte flipped, its key beside it.
    let mut bad = ProofBundle::read(&c.inner).unwrap();
    let mut bytes = bad.proof_bytes().unwrap();
    bytes[64] ^= 1;
    bad.proof = format!("0x{}", hex::encode(&bytes));
    let bad_path = dir.join("bad.json");
    bad.write(&bad_path).unwrap();
    std::fs::copy(
        bondproof_prover::attestation::vk_path_for(&c.inner),
        bondproof_prover::attestation::vk_path_for(&bad_path),
    )
    .unwrap();
    // A valid proof under another setup (the fixture's own, at the inner k).
    let params = setup_insecure(fx.k);
    let keys = circuit_keys(CircuitKind::Attestation, None, &params, fx.depth).unwrap();
    let circuit = AttestationCircuit::new(AttestationWitness::new(fx.tree.clone(), c.statement));
    let proof = bondproof_prover::prove::prove_with(
        &params,
        &keys.pk,
        circuit,
        &c.statement.to_instances(),
        Transcript::Poseidon,
    )
    .unwrap();
    let other_setup = dir.join("other-setup.json");
    write_inner(&other_setup, &keys.vk, &c.statement, &proof);

    for (case, second, needle) in
        [("an invalid inner proof", &bad_path, "does not verify"), ("another setup", &other_setup, "setup")]
    {
        let out = dir.join("out.json");
        let run = common::bondproof(
            &dir,
            &[
                "compress",
                "--attestation",
                c.inner.to_str().unwrap(),
                "--attestation",
                second.to_str().unwrap(),
                "--params",
                c.params.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(run.code, 1, "{case}: {}", run.describe());
        assert!(run.stderr.contains(needle) && run.stderr.contains(second.file_name().unwrap().to_str().unwrap()));
        assert!(!out.exists() && !dir.join("out.vk.bin").exists(), "{case}: something was written");
    }
}

#[test]
fn verify_checks_a_compressed_bundle_against_its_pinned_key() {
    let c = compressed();
    let vk = bondproof_prover::attestation::vk_path_for(&c.out);
    let setup = c.key.setup_id();
    let args = |bundle: &Path| {
        vec![
            "verify".to_string(),
            "--attestation".into(),
            bundle.display().to_string(),
            "--vk".into(),
            vk.display().to_string(),
            "--setup-id".into(),
            setup.clone(),
        ]
    };
    let run = |a: Vec<String>| common::bondproof(&c.dir, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let ok = run(args(&c.out));
    assert_eq!(ok.code, 0, "{}", ok.describe());
    assert!(ok.stdout.contains("VALID") && ok.stdout.contains(&format!("epoch        {}", c.statement.epoch)));
    let mut tampered = c.bundle.clone();
    tampered.inner[0].public_inputs.epoch = (c.statement.epoch + 1).to_string();
    let path = c.dir.join("tampered.json");
    tampered.write(&path).unwrap();
    let bad = run(args(&path));
    assert_eq!(bad.code, 1, "{}", bad.describe());
    let mut other = args(&c.out);
    other[6] = "ab".repeat(32);
    assert_eq!(run(other).code, 1, "another setup id");
}

/// `verify --srs` rebuilds the compression key from the ceremony (here the tests' parameters
/// file) and the circuit code, inner key included, and refuses a pinned key with one fixed
/// commitment changed (the file still parses). One rebuild serves both checks: the refusal
/// names the rebuilt key, which must be the key `compress` made.
#[test]
fn verify_srs_rebuilds_the_compression_key_and_refuses_one_with_a_fixed_commitment_changed() {
    use bondproof_circuits::halo2_proofs::halo2curves::serde::SerdeObject;
    use bondproof_circuits::G1Affine;
    let c = compressed();
    let raw = c.key.vk.fixed_commitments()[0].to_raw_bytes();
    let at: Vec<usize> =
        c.key.bytes.windows(raw.len()).enumerate().filter(|(_, w)| *w == raw).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "fixed commitment 0 occurs once in the key file");
    let mut bytes = c.key.bytes.clone();
    bytes[at[0]..at[0] + raw.len()].copy_from_slice(&G1Affine::generator().to_raw_bytes());
    assert_ne!(bytes, c.key.bytes);
    CompressionKey::from_bytes(&bytes).expect("the changed key still parses");
    std::fs::write(c.dir.join("tampered.vk.bin"), &bytes).unwrap();
    let (bundle, params) = (c.out.display().to_string(), c.params.display().to_string());
    let run =
        common::bondproof(&c.dir, &["verify", "--attestation", &bundle, "--srs", &params, "--vk", "tampered.vk.bin"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("fixed commitment 0 differs"), "{}", run.describe());
    assert!(
        run.stderr.contains(&format!("is not the key {} rebuilt", c.key.hash_hex())),
        "the rebuilt key is the one compress made: {}",
        run.describe()
    );
    assert!(!run.stdout.contains("VALID"), "{}", run.describe());
}

/// The compression figures for the bench report, beside the direct verifier's (the
/// `compression_k<k>` entry of `benches/evm-gas.json`, written with `BONDPROOF_RECORD_GAS=1`: one
/// entry per outer k measured).
#[test]
fn compression_gas_is_recorded_for_the_bench_report() {
    let c = compressed();
    let (mut w, verifier) = world_with_compression(c);
    let calldata = encode_compressed_calldata(&c.accumulator, &[c.statement], &c.proof);
    let intrinsic = intrinsic_gas(&calldata);
    let (bare, _) = w.ok(stranger(), verifier, calldata.clone());
    let data = encode_submit_compressed(&[c.statement], &c.accumulator, &c.proof);
    let submit = assert_accepted(&submit_compressed(&mut w, custodian(), data.clone()), "compressed");
    let bound = c.profile.eip1108_gas();
    let shape = c.key.header.shape;
    let record = serde_json::json!({
        "circuit": "compression",
        "inner": 1,
        "k": shape.k,
        "advice": shape.advice,
        "lookup_advice": shape.lookup_advice,
        "fixed": shape.fixed,
        "public_inputs": c.key.instance_count(),
        "verifier_runtime_bytes": c.runtime.len(),
        "fits_eip170": c.runtime.len() <= MAX_RUNTIME_BYTES,
        "bare_verify_gas": bare,
        "bare_verify_execution_gas": bare - intrinsic,
        "submit_compressed_gas": submit,
        "proof_bytes": c.proof.len(),
        "verifier_calldata_bytes": calldata.len(),
        "submit_calldata_bytes": data.len(),
        "eip1108_bound_gas": bound,
        "ec_mul": c.profile.ec_mul,
        "ec_add": c.profile.ec_add,
        "pairing_pairs": c.profile.pairing_pairs,
        "total_over_bound": bare as f64 / bound as f64,
        "keygen_s": c.compress_s.0,
        "prove_s": c.compress_s.1,
    });
    eprintln!("{}", serde_json::to_string_pretty(&record).unwrap());
    if std::env::var_os("BONDPROOF_RECORD_GAS").is_none() {
        return;
    }
    super::record_gas(&format!("compression_k{}", shape.k), record);
}
