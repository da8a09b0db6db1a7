//! KZG parameters and the proving/verifying keys, generated once per (circuit, depth, k, setup)
//! and cached beside the parameters file.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use bondproof_circuits::halo2_proofs::{
    halo2curves::serde::SerdeObject,
    plonk::{keygen_pk, keygen_vk, ProvingKey},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
};
use bondproof_circuits::{ensure_max_degree, Bn256, G1Affine, SolvencyCircuit};
use bondproof_verifier::atomic::write_atomic;
use bondproof_verifier::VerifierKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What `setup` records beside a parameters file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParamsInfo {
    pub k: u32,
    /// True for a locally generated setup: whoever ran it knows tau and can forge proofs.
    pub insecure: bool,
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: cannot read parameters: {message}")]
    Params { path: String, message: String },
    #[error("{path}: k = {have} is too small for a tree of depth {depth}, which needs k = {need}; run `bondproof setup --k {need}`")]
    TooSmall { path: String, have: u32, need: u32, depth: usize },
    #[error("key generation failed: {0}")]
    Keygen(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

pub fn info_path(params: &Path) -> PathBuf {
    let mut p = params.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// A fresh setup from OS randomness. Insecure by construction: tau passed through this process.
pub fn setup_insecure(k: u32) -> ParamsKZG<Bn256> {
    ParamsKZG::<Bn256>::setup(k, rand::rngs::OsRng)
}

pub fn write_params(params: &ParamsKZG<Bn256>, path: &Path, info: &ParamsInfo) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    params.write(&mut bytes)?;
    write_atomic(path, &bytes)?;
    write_atomic(&info_path(path), &serde_json::to_vec_pretty(info).expect("serializes"))
}

/// Reads parameters in halo2's KZG format (the format of ceremony files), checking every point.
pub fn read_params(path: &Path) -> Result<(ParamsKZG<Bn256>, ParamsInfo), KeyError> {
    let err = |message: String| KeyError::Params { path: path.display().to_string(), message };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let params = ParamsKZG::<Bn256>::read_custom(&mut BufReader::new(file), SerdeFormat::RawBytes)
        .map_err(|e| err(format!("not halo2 KZG parameters ({e})")))?;
    let info = std::fs::read(info_path(path))
        .ok()
        .and_then(|b| serde_json::from_slice::<ParamsInfo>(&b).ok())
        .unwrap_or(ParamsInfo { k: params.k(), insecure: false, source: "external file".into() });
    Ok((params, info))
}

/// A short identifier of a setup: the hash of tau * G2.
pub fn setup_id(params: &ParamsKZG<Bn256>) -> String {
    hex::encode(&Sha256::digest(params.s_g2().to_raw_bytes())[..6])
}

/// Parameters cut down to exactly the k a circuit of this depth needs.
pub fn params_for_depth(params: &ParamsKZG<Bn256>, depth: usize, path: &Path) -> Result<ParamsKZG<Bn256>, KeyError> {
    let need = SolvencyCircuit::min_k(depth);
    if params.k() < need {
        return Err(KeyError::TooSmall { path: path.display().to_string(), have: params.k(), need, depth });
    }
    let mut p = params.clone();
    if p.k() > need {
        p.downsize(need);
    }
    Ok(p)
}

/// Proving and verifying key for the solvency circuit of this depth.
pub struct SolvencyKeys {
    pub pk: ProvingKey<G1Affine>,
    pub vk: VerifierKey,
    pub generated: bool,
}

pub fn key_paths(params_path: &Path, params: &ParamsKZG<Bn256>, depth: usize) -> (PathBuf, PathBuf) {
    let dir = params_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("keys");
    let stem = format!("solvency-d{depth}-k{}-{}", params.k(), setup_id(params));
    (dir.join(format!("{stem}.pk")), dir.join(format!("{stem}.vk.bin")))
}

/// Loads the cached keys, or generates and caches them. `params` must already be at the
/// circuit's k. A cache file that does not parse is regenerated.
pub fn solvency_keys(params_path: &Path, params: &ParamsKZG<Bn256>, depth: usize) -> Result<SolvencyKeys, KeyError> {
    ensure_max_degree();
    let (pk_path, vk_path) = key_paths(params_path, params, depth);
    if let (Ok(pk_bytes), Ok(vk)) = (std::fs::read(&pk_path), VerifierKey::read(&vk_path)) {
        let pk = std::panic::catch_unwind(|| {
            ProvingKey::<G1Affine>::read::<_, SolvencyCircuit>(&mut pk_bytes.as_slice(), SerdeFormat::RawBytes, ())
        });
        if let Ok(Ok(pk)) = pk {
            if vk.vk.transcript_repr() == pk.get_vk().transcript_repr() {
                return Ok(SolvencyKeys { pk, vk, generated: false });
            }
        }
    }
    let shape = SolvencyCircuit::shape(depth);
    let vk = keygen_vk(params, &shape).map_err(|e| KeyError::Keygen(format!("{e:?}")))?;
    let pk = keygen_pk(params, vk.clone(), &shape).map_err(|e| KeyError::Keygen(format!("{e:?}")))?;
    let vk_file = VerifierKey::new("solvency", depth as u32, params, vk);
    write_atomic(&pk_path, &pk.to_bytes(SerdeFormat::RawBytes))?;
    write_atomic(&vk_path, &vk_file.bytes)?;
    Ok(SolvencyKeys { pk, vk: vk_file, generated: true })
}
