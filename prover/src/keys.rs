//! KZG parameters and the proving/verifying keys, generated once per (circuit, depth, k, setup)
//! and cached beside the parameters file; and the verifying key rebuilt from the circuit code
//! and a ceremony file alone ([`rebuild_verifying_key`]), which is what a verifier who trusts
//! nothing the custodian hands over compares a pinned key with.
//!
//! Keys are deterministic: the same circuit code and the same setup give the same verifying-key
//! bytes, whether the parameters came from a `setup` file cut down to the circuit's k or from the
//! ceremony file imported at that k (halo2 commits to the fixed columns in the Lagrange basis,
//! which both paths compute from the same G1 powers, and affine points have one encoding).

use std::io::BufReader;
use std::path::{Path, PathBuf};

use bondproof_circuits::halo2_proofs::{
    plonk::{keygen_pk, keygen_vk_custom, Circuit, ProvingKey},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
};
use bondproof_circuits::{ensure_max_degree, AttestationCircuit, Bn256, CircuitKind, Fr, G1Affine, InclusionCircuit};
use bondproof_verifier::atomic::write_atomic;
use bondproof_verifier::VerifierKey;
use ff::Field;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ceremony::{import_ceremony, CeremonyFormat, ImportedSetup};
use crate::error::{Error, Result};

/// What `setup` records beside a parameters file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParamsInfo {
    pub k: u32,
    /// True for a locally generated setup: whoever ran it knows tau and can forge proofs.
    pub insecure: bool,
    pub source: String,
}

pub fn info_path(params: &Path) -> PathBuf {
    let mut p = params.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// A fresh setup from OS randomness. Insecure by construction: tau passed through this process.
pub fn setup_insecure(k: u32) -> ParamsKZG<Bn256> {
    loop {
        let tau = Fr::random(rand::rngs::OsRng);
        if let Some(params) = params_from_tau(k, tau) {
            return params;
        }
    }
}

/// The parameters halo2's `ParamsKZG::setup` makes for this tau, point for point, made faster:
/// halo2 spends two double-and-add scalar multiplications per point (20 minutes at k = 22 on two
/// cores); here every point is one multiple of the generator, from a table (at most 32 additions
/// each), and the Lagrange half from its scalars L_i(tau) = omega^i (tau^n - 1) / (n (tau -
/// omega^i)), inverted in one batch. None when tau is a 2^k-th root of unity (no basis).
pub fn params_from_tau(k: u32, tau: Fr) -> Option<ParamsKZG<Bn256>> {
    use bondproof_circuits::halo2_proofs::halo2curves::{
        bn256::{G2Affine, G1},
        ff::{BatchInvert, PrimeField},
    };
    let n = 1usize << k;
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let omegas = crate::fixed_base::powers_of(Fr::ONE, omega, n);
    let mut denominators: Vec<Fr> = omegas.par_iter().map(|w| tau - w).collect();
    if denominators.par_iter().any(|d| bool::from(d.is_zero())) {
        return None;
    }
    denominators.par_chunks_mut(1 << 14).for_each(|c| {
        c.batch_invert();
    });
    let n_inv = Fr::from(n as u64).invert().expect("n is a power of two, below the field's order");
    let multiplier = (tau.pow_vartime([n as u64]) - Fr::ONE) * n_inv;
    let lagrange: Vec<Fr> = omegas.par_iter().zip(&denominators).map(|(w, d)| multiplier * w * d).collect();
    drop((omegas, denominators));
    let g1 = crate::fixed_base::FixedBase::new(G1::generator());
    let g = g1.powers(Fr::ONE, tau, n);
    let g_lagrange = g1.muls(&lagrange);
    let g2 = G2Affine::generator();
    Some(crate::ceremony::params_from_parts(k, g, g_lagrange, g2, (g2 * tau).into()))
}

pub fn write_params(params: &ParamsKZG<Bn256>, path: &Path, info: &ParamsInfo) -> std::io::Result<()> {
    write_params_recorded(params, path, info, &SetupRecord { setup_id: setup_id(params), ceremony: None })
}

/// What `setup` records of a setup besides [`ParamsInfo`] (in the same `.json` note, which
/// [`ParamsInfo`] reads past): its id and, when imported, the ceremony file it came from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SetupRecord {
    /// [`setup_id`]: what a verifier names with `--setup-id`.
    pub setup_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<CeremonyRecord>,
}

/// The ceremony file a setup was imported from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CeremonyRecord {
    /// The path as given to `setup --srs`.
    pub file: String,
    /// SHA-256 of the whole file, hex: to compare with the ceremony's published hash.
    pub sha256: String,
    pub format: CeremonyFormat,
    /// The largest k the file holds.
    pub powers_in_file: u32,
}

impl CeremonyRecord {
    pub fn of(file: &Path, imported: &ImportedSetup) -> Self {
        CeremonyRecord {
            file: file.display().to_string(),
            sha256: imported.file_sha256.clone(),
            format: imported.format,
            powers_in_file: imported.powers_in_file,
        }
    }
}

/// [`write_params`] with the record of where the setup came from.
pub fn write_params_recorded(
    params: &ParamsKZG<Bn256>,
    path: &Path,
    info: &ParamsInfo,
    record: &SetupRecord,
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Note<'a> {
        #[serde(flatten)]
        info: &'a ParamsInfo,
        #[serde(flatten)]
        record: &'a SetupRecord,
    }
    let mut bytes = Vec::new();
    params.write(&mut bytes)?;
    write_atomic(path, &bytes)?;
    write_atomic(&info_path(path), &serde_json::to_vec_pretty(&Note { info, record }).expect("serializes"))
}

/// The [`SetupRecord`] in a parameters file's note, if it has one (notes written before setup
/// ids were recorded do not).
pub fn read_setup_record(params: &Path) -> Option<SetupRecord> {
    std::fs::read(info_path(params)).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

/// Reads parameters in halo2's KZG format (the format of ceremony files), checking every point.
pub fn read_params(path: &Path) -> Result<(ParamsKZG<Bn256>, ParamsInfo)> {
    let err = |message: String| Error::Params { path: path.display().to_string(), message };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let params = ParamsKZG::<Bn256>::read_custom(&mut BufReader::new(file), SerdeFormat::RawBytes)
        .map_err(|e| err(format!("not halo2 KZG parameters ({e})")))?;
    let info = std::fs::read(info_path(path))
        .ok()
        .and_then(|b| serde_json::from_slice::<ParamsInfo>(&b).ok())
        .unwrap_or(ParamsInfo { k: params.k(), insecure: false, source: "external file".into() });
    Ok((params, info))
}

/// A setup's identifier: the SHA-256 of tau * G2, hex (see
/// [`bondproof_verifier::vk_file::setup_id_of`], which a verifier computes from a key).
pub fn setup_id(params: &ParamsKZG<Bn256>) -> String {
    bondproof_verifier::vk_file::setup_id_of(&params.s_g2())
}

/// Parameters cut down to exactly the k `kind` at this depth needs: keys and proofs are made at
/// the circuit's own k, whatever size the parameters file is, so one file serves every circuit.
/// Takes the parameters by value and cuts them in place: a ceremony file can be far larger than
/// the circuit, and neither it nor a copy of it should stay in memory through proving.
pub fn params_for(
    kind: CircuitKind,
    mut params: ParamsKZG<Bn256>,
    depth: usize,
    path: &Path,
) -> Result<ParamsKZG<Bn256>> {
    let need = kind.min_k(depth);
    if params.k() < need {
        return Err(Error::ParamsTooSmall { path: path.display().to_string(), have: params.k(), need, depth });
    }
    if params.k() > need {
        params.downsize(need);
    }
    Ok(params)
}

/// Proving and verifying key for one circuit shape.
pub struct CircuitKeys {
    pub pk: ProvingKey<G1Affine>,
    pub vk: VerifierKey,
    pub generated: bool,
}

/// `keys/<circuit>-d<depth>-k<k>-<setup id>-c<circuit code>.{pk,vk.bin}` beside the parameters
/// file: the name carries what the key depends on, so a changed setup, depth or circuit code
/// never reuses a stale key. (A halo2 upgrade is not in the name; a key it cannot read is
/// regenerated.)
pub fn key_paths_for(
    kind: CircuitKind,
    params_path: &Path,
    params: &ParamsKZG<Bn256>,
    depth: usize,
) -> (PathBuf, PathBuf) {
    let dir = params_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("keys");
    // Named by circuit, depth, k, setup and circuit code: any change to one is another key.
    let code = &bondproof_circuits::CIRCUITS_FINGERPRINT[..8];
    // 48 bits of the setup id tell setups apart in a file name; nothing trusts a cached key for it.
    let stem = format!("{}-d{depth}-k{}-{}-c{code}", kind.name(), params.k(), &setup_id(params)[..12]);
    (dir.join(format!("{stem}.pk")), dir.join(format!("{stem}.vk.bin")))
}

/// Keys of `kind` at this depth; `params` must already be at the circuit's k. With
/// `params_path`, they are loaded from or written to the cache beside it.
pub fn circuit_keys(
    kind: CircuitKind,
    params_path: Option<&Path>,
    params: &ParamsKZG<Bn256>,
    depth: usize,
) -> Result<CircuitKeys> {
    fn keys_of<C: Circuit<Fr, Params = ()>>(
        kind: CircuitKind,
        shape: &C,
        params_path: Option<&Path>,
        params: &ParamsKZG<Bn256>,
        depth: usize,
    ) -> Result<CircuitKeys> {
        match params_path {
            Some(path) => cached_keys(kind, shape, path, params, depth),
            None => generate_keys(kind, shape, params, depth),
        }
    }
    match kind {
        CircuitKind::Attestation => keys_of(kind, &AttestationCircuit::shape(depth), params_path, params, depth),
        CircuitKind::Inclusion => keys_of(kind, &InclusionCircuit::shape(depth), params_path, params, depth),
    }
}

/// What proving needs from a parameters file: the parameters cut to the circuit's k, what
/// `setup` recorded of them, and the keys (with the time it took to load or make them).
pub struct ProvingSetup {
    pub params: ParamsKZG<Bn256>,
    pub info: ParamsInfo,
    pub keys: CircuitKeys,
    pub keygen: std::time::Duration,
}

/// Reads the parameters file, cuts it to `kind`'s k at this depth, and loads or makes the keys.
pub fn load_for_proving(
    kind: CircuitKind,
    params_path: &Path,
    depth: usize,
    on_step: &dyn Fn(&str),
) -> Result<ProvingSetup> {
    on_step("loading parameters");
    let (params, info) = read_params(params_path)?;
    let params = params_for(kind, params, depth, params_path)?;
    on_step("loading or generating keys");
    let t = std::time::Instant::now();
    let keys = circuit_keys(kind, Some(params_path), &params, depth)?;
    Ok(ProvingSetup { params, info, keys, keygen: t.elapsed() })
}

/// Loads the cached keys of `shape`, or generates and caches them. A cache file that does not
/// parse, or whose halves disagree, is regenerated rather than trusted.
pub fn cached_keys<C: Circuit<Fr, Params = ()>>(
    kind: CircuitKind,
    shape: &C,
    params_path: &Path,
    params: &ParamsKZG<Bn256>,
    depth: usize,
) -> Result<CircuitKeys> {
    ensure_max_degree();
    let (pk_path, vk_path) = key_paths_for(kind, params_path, params, depth);
    if let (Ok(pk_bytes), Ok(vk)) = (std::fs::read(&pk_path), VerifierKey::read(&vk_path)) {
        // halo2's reader can panic on a truncated file.
        let pk = std::panic::catch_unwind(|| {
            ProvingKey::<G1Affine>::read::<_, C>(&mut pk_bytes.as_slice(), SerdeFormat::RawBytes, ())
        });
        if let Ok(Ok(pk)) = pk {
            if vk.circuit == kind && vk.vk.transcript_repr() == pk.get_vk().transcript_repr() {
                return Ok(CircuitKeys { pk, vk, generated: false });
            }
        }
    }
    let keys = generate_keys(kind, shape, params, depth)?;
    write_atomic(&pk_path, &keys.pk.to_bytes(SerdeFormat::RawBytes)).map_err(Error::write(&pk_path))?;
    write_atomic(&vk_path, &keys.vk.bytes).map_err(Error::write(&vk_path))?;
    Ok(keys)
}

/// Key generation without the cache. Simple selectors are compressed into shared fixed
/// columns where the degree bound allows: every fixed column is a commitment the EVM verifier
/// pays for.
pub fn generate_keys<C: Circuit<Fr, Params = ()>>(
    kind: CircuitKind,
    shape: &C,
    params: &ParamsKZG<Bn256>,
    depth: usize,
) -> Result<CircuitKeys> {
    let vk = halo2_vk(shape, params)?;
    let pk = keygen_pk(params, vk.clone(), shape).map_err(|e| Error::Keygen(format!("{e:?}")))?;
    let vk_file = VerifierKey::new(kind, depth as u32, params, vk);
    Ok(CircuitKeys { pk, vk: vk_file, generated: true })
}

/// halo2's verifying key of `shape`: the one function both proving keys and rebuilt verifying
/// keys are made with, so the two cannot drift apart (selector compression included).
fn halo2_vk<C: Circuit<Fr, Params = ()>>(
    shape: &C,
    params: &ParamsKZG<Bn256>,
) -> Result<bondproof_circuits::halo2_proofs::plonk::VerifyingKey<G1Affine>> {
    ensure_max_degree();
    keygen_vk_custom(params, shape, true).map_err(|e| Error::Keygen(format!("{e:?}")))
}

/// The verifying-key file of `kind` at this depth, from parameters already at the circuit's k:
/// the same bytes [`generate_keys`] gives with the same parameters, without the proving key.
pub fn verifying_key(kind: CircuitKind, params: &ParamsKZG<Bn256>, depth: usize) -> Result<VerifierKey> {
    let vk = match kind {
        CircuitKind::Attestation => halo2_vk(&AttestationCircuit::shape(depth), params)?,
        CircuitKind::Inclusion => halo2_vk(&InclusionCircuit::shape(depth), params)?,
    };
    Ok(VerifierKey::new(kind, depth as u32, params, vk))
}

/// Refuses a depth no key is made for.
pub(crate) fn check_depth(depth: usize) -> Result<()> {
    if !(1..=crate::commitment::MAX_DEPTH).contains(&depth) {
        return Err(Error::Usage(format!(
            "depth {depth} is out of range (1..={}): no key is made for it",
            crate::commitment::MAX_DEPTH
        )));
    }
    Ok(())
}

/// A verifying key rebuilt from circuit code and a ceremony file, and what the file was.
pub struct RebuiltKey {
    pub key: VerifierKey,
    /// The setup id (equal to `key.setup_id()`).
    pub setup_id: String,
    /// SHA-256 of the ceremony file, hex.
    pub file_sha256: String,
    pub format: CeremonyFormat,
}

/// Imports the ceremony file at `kind`'s k for this depth (checking it: see
/// [`crate::ceremony`]) and derives the verifying key from it and the circuit code alone.
pub fn rebuild_verifying_key(kind: CircuitKind, ceremony: &Path, depth: usize) -> Result<RebuiltKey> {
    check_depth(depth)?;
    let imported = import_ceremony(ceremony, kind.min_k(depth))?;
    let key = verifying_key(kind, &imported.params, depth)?;
    Ok(RebuiltKey { key, setup_id: imported.setup_id, file_sha256: imported.file_sha256, format: imported.format })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifying_key_alone_is_the_one_keygen_makes_and_the_same_every_time() {
        let depth = 2;
        let params = setup_insecure(CircuitKind::Inclusion.min_k(depth));
        let full = generate_keys(CircuitKind::Inclusion, &InclusionCircuit::shape(depth), &params, depth).unwrap();
        let alone = verifying_key(CircuitKind::Inclusion, &params, depth).unwrap();
        assert_eq!(full.vk.bytes, alone.bytes);
        assert_eq!(verifying_key(CircuitKind::Inclusion, &params, depth).unwrap().bytes, alone.bytes);
        assert_eq!(alone.setup_id(), setup_id(&params));
        assert_eq!(setup_id(&params).len(), 64);
    }

    #[test]
    fn the_fast_setup_is_halos_setup_for_the_same_tau() {
        use rand::SeedableRng;
        for (k, seed) in [(0, 1), (1, 2), (5, 3)] {
            let halo2 = ParamsKZG::<Bn256>::setup(k, rand::rngs::StdRng::seed_from_u64(seed));
            let tau = Fr::random(rand::rngs::StdRng::seed_from_u64(seed));
            let fast = params_from_tau(k, tau).unwrap();
            let bytes = |p: &ParamsKZG<Bn256>| {
                let mut out = Vec::new();
                p.write_custom(&mut out, SerdeFormat::RawBytes).unwrap();
                out
            };
            assert_eq!(bytes(&fast), bytes(&halo2), "k = {k}");
        }
        assert!(params_from_tau(3, Fr::ONE).is_none(), "tau = 1 is a root of unity");
    }

    #[test]
    fn cached_keys_are_named_by_circuit_depth_setup_and_circuit_code() {
        let params = setup_insecure(9);
        let other_setup = setup_insecure(9);
        let at = Path::new("work/params.bin");
        let name = |kind, params: &ParamsKZG<Bn256>, depth| {
            key_paths_for(kind, at, params, depth).0.file_name().unwrap().to_string_lossy().into_owned()
        };
        let key = name(CircuitKind::Attestation, &params, 3);
        assert!(key.contains(&bondproof_circuits::CIRCUITS_FINGERPRINT[..8]), "{key}");
        assert!(key.starts_with("attestation-d3-k9-"), "{key}");
        assert_eq!(key_paths_for(CircuitKind::Attestation, at, &params, 3).0.parent(), Some(Path::new("work/keys")));
        for other in [
            name(CircuitKind::Inclusion, &params, 3),
            name(CircuitKind::Attestation, &params, 4),
            name(CircuitKind::Attestation, &other_setup, 3),
        ] {
            assert_ne!(key, other);
        }
    }
}
