//! Ceremony import (`bondproof_prover::ceremony`): a `.ptau` made by snarkjs itself (new, two
//! contributions with fixed entropy, a beacon) imports, and a proof made with keys from it
//! verifies; imported parameters are byte-identical to halo2's own for the same tau, so they give
//! the same verifying key; and every way a file can be wrong (a changed G1 point, a truncation
//! at any byte, halo2 parameters whose powers do not match their tau*G2, a tau*G2 outside G2's
//! subgroup, tau = 0 or 1, another curve, an unknown format, a k the file does not hold) is
//! refused with an error naming the file and the fault, never a panic.
//!
//! snarkjs is the npm package pinned in verifier/package.json: `npm ci --prefix verifier`
//! installs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bondproof_circuits::halo2_proofs::{
    halo2curves::{
        bn256::{Fq, Fq2, G2Affine, G2},
        group::{cofactor::CofactorGroup, Curve},
        serde::SerdeObject,
        CurveExt,
    },
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
    SerdeFormat,
};
use bondproof_circuits::inclusion::PathStep;
use bondproof_circuits::{Bn256, CircuitKind, Fr, InclusionCircuit, InclusionPublicInputs, InclusionWitness, Leaf};
use bondproof_prover::ceremony::{import_ceremony, write_insecure_ptau, CeremonyError, CeremonyFormat, ImportedSetup};
use bondproof_prover::keys::{generate_keys, setup_id, setup_insecure};
use bondproof_verifier::verify::verify_proof_bytes;
use ff::Field;
use rand::{rngs::StdRng, SeedableRng};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The ceremony's power: 2^9 G1 powers usable, enough for the inclusion circuit at depth 3.
const POWER: u32 = 9;
const DEPTH: usize = 3;
const G1: usize = 64;
const G2_BYTES: usize = 128;

fn snarkjs_cli() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("../verifier/node_modules/snarkjs/build/cli.cjs");
    assert!(cli.exists(), "{} is missing: run `npm ci --prefix verifier`", cli.display());
    cli
}

fn snarkjs(dir: &Path, args: &[&str]) {
    let out = Command::new("node").arg(snarkjs_cli()).args(args).current_dir(dir).output().expect("node runs");
    assert!(
        out.status.success(),
        "snarkjs {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Ceremony {
    dir: TempDir,
    /// After the beacon: the form of a ceremony's final transcript.
    ptau: PathBuf,
    /// The same after `prepare phase2` (Lagrange sections 12..15 appended): the form in which
    /// the Hermez / Polygon files are published.
    prepared: PathBuf,
}

/// One snarkjs ceremony for all tests: `powersoftau new`, two contributions, a beacon.
fn ceremony() -> &'static Ceremony {
    static CEREMONY: OnceLock<Ceremony> = OnceLock::new();
    CEREMONY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        snarkjs(d, &["powersoftau", "new", "bn128", &POWER.to_string(), "pot_0.ptau"]);
        snarkjs(
            d,
            &["powersoftau", "contribute", "pot_0.ptau", "pot_1.ptau", "--name=first", "-e=bondproof test entropy one"],
        );
        snarkjs(
            d,
            &[
                "powersoftau",
                "contribute",
                "pot_1.ptau",
                "pot_2.ptau",
                "--name=second",
                "-e=bondproof test entropy two",
            ],
        );
        let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
        snarkjs(d, &["powersoftau", "beacon", "pot_2.ptau", "pot_final.ptau", beacon, "10", "-n=final beacon"]);
        snarkjs(d, &["powersoftau", "prepare", "phase2", "pot_final.ptau", "pot_prepared.ptau"]);
        Ceremony { ptau: d.join("pot_final.ptau"), prepared: d.join("pot_prepared.ptau"), dir }
    })
}

fn import(path: &Path, k: u32) -> ImportedSetup {
    import_ceremony(path, k).unwrap_or_else(|e| panic!("import refused: {e}"))
}

fn refused(path: &Path, k: u32) -> CeremonyError {
    let err = import_ceremony(path, k).expect_err("import must refuse this file");
    assert!(err.to_string().starts_with(&path.display().to_string()), "the message names the file: {err}");
    err
}

/// Offsets of a `.ptau`'s section bodies, by id, read the simple way (the importer has its own).
fn ptau_sections(bytes: &[u8]) -> Vec<(u32, usize, usize)> {
    let u32_at = |p: usize| u32::from_le_bytes(bytes[p..p + 4].try_into().unwrap());
    let mut pos = 12;
    let mut out = Vec::new();
    for _ in 0..u32_at(8) {
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
        out.push((u32_at(pos), pos + 12, size));
        pos += 12 + size;
    }
    out
}

fn section_offset(bytes: &[u8], id: u32) -> usize {
    ptau_sections(bytes).iter().find(|s| s.0 == id).unwrap().1
}

/// `bondproof setup --srs FILE` refuses the file: exit 2, the file named, nothing written.
fn setup_refuses(path: &Path, k: u32) {
    let dir = path.parent().expect("in a folder");
    let out = dir.join("refused-params.bin");
    let run = Command::new(env!("CARGO_BIN_EXE_bondproof"))
        .args(["setup", "--srs", path.to_str().unwrap(), "--k", &k.to_string(), "--out", out.to_str().unwrap()])
        .output()
        .expect("the bondproof binary runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(!out.exists() && !dir.join("refused-params.bin.json").exists(), "nothing is written");
}

fn write_copy(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn halo2_bytes(params: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut bytes = Vec::new();
    params.write_custom(&mut bytes, SerdeFormat::RawBytes).unwrap();
    bytes
}

/// An inclusion proof at depth 3 made and verified with keys from `params`.
fn prove_and_verify(params: &ParamsKZG<Bn256>) {
    let cusip = bondproof_circuits::cusip::cusip_field(b"912797UD7");
    let leaf = Leaf::new(cusip, 1_500_000, 20_530, Fr::from(7));
    let path = (0..DEPTH as u64)
        .map(|i| PathStep {
            sibling_hash: Fr::from(1000 + i),
            sibling_sum: Fr::from(25 * (i + 1)),
            sibling_is_left: i % 2 == 1,
        })
        .collect();
    let witness = InclusionWitness { leaf, path };
    let inputs =
        InclusionPublicInputs { root: InclusionCircuit::root(&witness), cusip, face_value: 1_500_000, epoch: 3 };
    let instances = inputs.to_instances();
    let keys = generate_keys(CircuitKind::Inclusion, &InclusionCircuit::shape(DEPTH), params, DEPTH).unwrap();
    let proof = bondproof_prover::prove::prove(params, &keys.pk, InclusionCircuit::new(witness), &instances).unwrap();
    verify_proof_bytes(&keys.vk, &instances, &proof).expect("a proof made with the imported setup verifies");
    let mut wrong = instances.clone();
    wrong[InclusionPublicInputs::EPOCH] = Fr::from(4);
    assert!(verify_proof_bytes(&keys.vk, &wrong, &proof).is_err(), "and does not verify for another statement");
}

#[test]
fn a_snarkjs_ceremony_imports_and_a_proof_made_with_it_verifies() {
    let c = ceremony();
    let k = InclusionCircuit::min_k(DEPTH);
    assert!(k <= POWER);
    let setup = import(&c.ptau, k);
    assert_eq!(setup.format, CeremonyFormat::Ptau);
    assert_eq!(setup.powers_in_file, POWER);
    assert_eq!(setup.params.k(), k);
    assert_eq!(setup.params.get_g().len(), 1 << k);
    assert_eq!(setup.setup_id, setup_id(&setup.params));
    assert_eq!(setup.file_sha256, hex::encode(Sha256::digest(std::fs::read(&c.ptau).unwrap())));
    // The contributions moved tau away from snarkjs's starting point, 1.
    assert_ne!(setup.params.s_g2(), G2Affine::generator());

    // The setup id is tau*G2's: the same for every k cut from the file, and for the prepared
    // file, whose tauG1 / tauG2 sections are the same.
    let small = import(&c.ptau, 4);
    assert_eq!(small.setup_id, setup.setup_id);
    assert_eq!(small.params.get_g(), &setup.params.get_g()[..16]);
    let prepared = import(&c.prepared, k);
    assert_eq!(prepared.setup_id, setup.setup_id);
    assert_eq!(halo2_bytes(&prepared.params), halo2_bytes(&setup.params));
    assert_ne!(prepared.file_sha256, setup.file_sha256);

    prove_and_verify(&setup.params);
}

#[test]
fn imported_parameters_equal_halo2_parameters_of_the_same_tau_and_give_the_same_verifying_key() {
    const K: u32 = 9;
    let seed = 0x5eed;
    // halo2's setup draws tau as the first value from its rng: the same seed gives the same tau.
    let halo2 = ParamsKZG::<Bn256>::setup(K, StdRng::seed_from_u64(seed));
    let tau = Fr::random(StdRng::seed_from_u64(seed));
    assert_eq!(halo2.s_g2(), (G2Affine::generator() * tau).to_affine(), "the test knows halo2's tau");

    let dir = tempfile::tempdir().unwrap();
    let ptau = dir.path().join("local.ptau");
    let mut bytes = Vec::new();
    write_insecure_ptau(&mut bytes, K + 1, tau).unwrap();
    std::fs::write(&ptau, &bytes).unwrap();
    let from_ptau = import(&ptau, K);
    assert_eq!(from_ptau.powers_in_file, K + 1);
    // The whole serialization: k, the powers, the Lagrange basis (recomputed from the powers),
    // G2 and tau*G2.
    assert_eq!(halo2_bytes(&from_ptau.params), halo2_bytes(&halo2));

    // halo2's own format, of a larger k, cut to K: the same again.
    let bigger = ParamsKZG::<Bn256>::setup(K + 2, StdRng::seed_from_u64(seed));
    let halo2_file = write_copy(dir.path(), "params.bin", &halo2_bytes(&bigger));
    let from_halo2 = import(&halo2_file, K);
    assert_eq!(from_halo2.format, CeremonyFormat::Halo2);
    assert_eq!(from_halo2.powers_in_file, K + 2);
    assert_eq!(halo2_bytes(&from_halo2.params), halo2_bytes(&halo2));
    assert_eq!(from_halo2.setup_id, setup_id(&halo2));

    let shape = InclusionCircuit::shape(DEPTH);
    let vk = |params: &ParamsKZG<Bn256>| generate_keys(CircuitKind::Inclusion, &shape, params, DEPTH).unwrap().vk.bytes;
    let expected = vk(&halo2);
    assert_eq!(vk(&from_ptau.params), expected);
    assert_eq!(vk(&from_halo2.params), expected);
}

#[test]
fn a_changed_g1_point_is_refused() {
    let c = ceremony();
    let bytes = std::fs::read(&c.ptau).unwrap();
    let tau_g1 = section_offset(&bytes, 2);
    let point = |i: usize| tau_g1 + i * G1..tau_g1 + (i + 1) * G1;

    // Another point of the curve in place of tau^5 * G1: only the pairing check sees it.
    let mut swapped = bytes.clone();
    swapped[point(5)].copy_from_slice(&bytes[point(6)]);
    let path = write_copy(c.dir.path(), "swapped.ptau", &swapped);
    let err = refused(&path, 8);
    assert!(matches!(err, CeremonyError::Inconsistent { .. }), "{err}");
    assert!(err.to_string().contains("do not come from one tau"), "{err}");
    setup_refuses(&path, 8);

    // The last power used, too: the check covers every pair up to 2^k - 1.
    let mut last = bytes.clone();
    last[point(255)].copy_from_slice(&bytes[point(2)]);
    let path = write_copy(c.dir.path(), "last.ptau", &last);
    assert!(matches!(refused(&path, 8), CeremonyError::Inconsistent { .. }));

    // One flipped bit: no longer on the curve.
    let mut flipped = bytes.clone();
    flipped[point(5).start + G1 / 2] ^= 1;
    let path = write_copy(c.dir.path(), "flipped.ptau", &flipped);
    let err = refused(&path, 8);
    match &err {
        CeremonyError::NotOnCurve { part, index, .. } => assert_eq!((part.as_str(), *index), ("section 2 (tauG1)", 5)),
        other => panic!("expected a point off the curve, got: {other}"),
    }
    assert!(err.to_string().contains("section 2 (tauG1): point 5 is not on the curve"), "{err}");

    // The generator replaced by tau*G1, and the whole run shifted down by one: every pair
    // still steps by tau, but P_0 is not G1.
    let mut shifted = bytes.clone();
    shifted.copy_within(point(1).start..point(300).end, point(0).start);
    let path = write_copy(c.dir.path(), "shifted.ptau", &shifted);
    let err = refused(&path, 8);
    assert!(err.to_string().contains("point 0 is not the generator of G1"), "{err}");
}

#[test]
fn a_truncated_file_is_refused_naming_the_section() {
    let c = ceremony();
    let bytes = std::fs::read(&c.ptau).unwrap();
    let sections = ptau_sections(&bytes);
    for (id, start, size) in sections.iter().copied().filter(|s| s.0 <= 7) {
        let path = write_copy(c.dir.path(), "truncated.ptau", &bytes[..start + size / 2]);
        let err = refused(&path, 4);
        assert!(matches!(err, CeremonyError::Truncated { .. }), "cut in section {id}: {err}");
        assert!(err.to_string().contains(&format!("truncated: section {id} (")), "cut in section {id}: {err}");
    }
    let path = write_copy(c.dir.path(), "truncated.ptau", &bytes[..bytes.len() - 1]);
    assert!(matches!(refused(&path, 4), CeremonyError::Truncated { .. }));
    setup_refuses(&path, 4);

    let mut longer = bytes.clone();
    longer.push(0);
    let path = write_copy(c.dir.path(), "longer.ptau", &longer);
    assert!(refused(&path, 4).to_string().contains("1 bytes follow the last of its"));
}

/// Every strict prefix of a small `.ptau` and of small halo2 parameters is refused as
/// truncated (or, under 4 bytes, as no known format), and no corrupted byte makes the
/// importer panic.
#[test]
fn no_prefix_or_corrupted_byte_makes_the_importer_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut ptau = Vec::new();
    write_insecure_ptau(&mut ptau, 2, Fr::from(123_456_789)).unwrap();
    let halo2 = halo2_bytes(&ParamsKZG::<Bn256>::setup(2, StdRng::seed_from_u64(9)));
    for (name, bytes) in [("prefix.ptau", &ptau), ("prefix.bin", &halo2)] {
        assert!(import_ceremony(&write_copy(dir.path(), name, bytes), 2).is_ok());
        for len in 0..bytes.len() {
            let path = write_copy(dir.path(), name, &bytes[..len]);
            match import_ceremony(&path, 2) {
                Err(CeremonyError::Truncated { .. }) => {}
                Err(CeremonyError::UnknownFormat { .. }) if len < 4 => {}
                other => panic!("{name} cut to {len} bytes: {:?}", other.map(|s| s.setup_id)),
            }
        }
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..300 {
            let mut corrupted = bytes.clone();
            let at = rand::Rng::gen_range(&mut rng, 0..corrupted.len());
            corrupted[at] ^= 1 << rand::Rng::gen_range(&mut rng, 0..8);
            let path = write_copy(dir.path(), name, &corrupted);
            let outcome = std::panic::catch_unwind(|| import_ceremony(&path, 2).map(|s| s.setup_id));
            assert!(outcome.is_ok(), "{name} with byte {at} changed made the importer panic");
        }
    }
}

#[test]
fn halo2_parameters_whose_powers_do_not_match_their_tau_g2_are_refused() {
    const K: u32 = 6;
    let dir = tempfile::tempdir().unwrap();
    let one = setup_insecure(K);
    let other = setup_insecure(K);
    let spliced = one.from_parts(K, one.get_g().to_vec(), None, one.g2(), other.s_g2());
    let path = write_copy(dir.path(), "spliced.bin", &halo2_bytes(&spliced));
    let err = refused(&path, K);
    assert!(matches!(err, CeremonyError::Inconsistent { powers: 64, .. }), "{err}");
    assert!(err.to_string().contains("the G1 powers 0..64 and tau*G2 do not come from one tau"), "{err}");
    setup_refuses(&path, K);
    // Cut smaller, still refused.
    assert!(matches!(refused(&path, 3), CeremonyError::Inconsistent { powers: 8, .. }));

    // A forged Lagrange basis is never used: it is recomputed from the checked powers.
    let mut forged = halo2_bytes(&one);
    let lagrange = 4 + 64 * G1;
    let g = 4..4 + 64 * G1;
    forged.copy_within(g, lagrange);
    let path = write_copy(dir.path(), "forged-lagrange.bin", &forged);
    assert_eq!(halo2_bytes(&import(&path, K).params), halo2_bytes(&one));

    // The untouched file imports, with the setup id `setup` gives it.
    let path = write_copy(dir.path(), "params.bin", &halo2_bytes(&one));
    let imported = import(&path, K);
    assert_eq!(imported.setup_id, setup_id(&one));
    assert_eq!(imported.format, CeremonyFormat::Halo2);
}

#[test]
fn degenerate_and_foreign_files_are_refused() {
    let c = ceremony();
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&c.ptau).unwrap();
    let tau_g2 = section_offset(&bytes, 3);
    let point_1 = tau_g2 + G2_BYTES..tau_g2 + 2 * G2_BYTES;

    // A point of the twist curve outside G2's prime-order subgroup, as tau*G2: it has no tau.
    let outside = (1u64..)
        .find_map(|x| {
            let x = Fq2 { c0: Fq::from(x), c1: Fq::ONE };
            let y2 = x.square() * x + G2::b();
            Option::<Fq2>::from(y2.sqrt()).map(|y| G2Affine { x, y })
        })
        .unwrap();
    assert!(!is_torsion_free(outside));
    let mut off_subgroup = bytes.clone();
    off_subgroup[point_1.clone()].copy_from_slice(&outside.to_raw_bytes());
    let err = refused(&write_copy(dir.path(), "subgroup.ptau", &off_subgroup), 4);
    assert!(
        err.to_string().contains("section 3 (tauG2): tau*G2 (point 1) is not in G2's prime-order subgroup"),
        "{err}"
    );

    // snarkjs's starting point, before any contribution: tau = 1, which everyone knows.
    let fresh = c.dir.path().join("pot_0.ptau");
    assert!(refused(&fresh, 4).to_string().contains("tau = 1"));
    // tau = 0 passes the pairing check with every power at infinity: refused before it.
    let mut zero = Vec::new();
    write_insecure_ptau(&mut zero, 3, Fr::ZERO).unwrap();
    assert!(refused(&write_copy(dir.path(), "zero.ptau", &zero), 2).to_string().contains("tau = 0"));

    // Another curve's ceremony: the header's prime is not BN254's.
    let mut foreign = bytes.clone();
    let header = section_offset(&bytes, 1);
    foreign[header + 4] ^= 0x10;
    let err = refused(&write_copy(dir.path(), "foreign.ptau", &foreign), 4);
    assert!(err.to_string().contains("is not BN254's"), "{err}");

    // k beyond the file, and k = 0.
    let err = refused(&c.ptau, POWER + 1);
    assert!(matches!(err, CeremonyError::KTooLarge { k, power: POWER, .. } if k == POWER + 1), "{err}");
    assert!(matches!(refused(&c.ptau, 0), CeremonyError::KTooSmall { .. }));

    // Neither format.
    let text = write_copy(dir.path(), "notes.txt", b"these are not the powers you are looking for\n");
    assert!(matches!(refused(&text, 4), CeremonyError::UnknownFormat { .. }));
    assert!(matches!(refused(&write_copy(dir.path(), "empty", b""), 4), CeremonyError::UnknownFormat { .. }));
    let missing = dir.path().join("missing.ptau");
    assert!(matches!(refused(&missing, 4), CeremonyError::Io { .. }));
}

fn is_torsion_free(p: G2Affine) -> bool {
    bool::from(G2::from(p).is_torsion_free())
}
