//! The verifying-key file a verifier pins (`--vk`). It holds the circuit's name
//! ([`CircuitKind::name`]) and depth, the three KZG points verification needs (G1 generator, G2
//! generator, tau * G2), and halo2's verifying key. Its SHA-256 is the `vk_hash` a bundle
//! carries, so the hash pins the trusted setup as well as the circuit.
//!
//! Everything in the file is derived from the circuit code (name, depth, constraint system,
//! fixed and permutation commitments) and the setup (the three points, and the G1 powers the
//! commitments are made with): no timestamp, no path, no randomness. So a verifier who holds the
//! ceremony file rebuilds the same bytes (`bondproof keys`, `verify --srs`) and needs nothing
//! from the custodian but the proof.
//!
//! Layout (integers little-endian): magic (8) | u32 name length | name | u32 depth | u32 k |
//! G1 generator (64) | G2 generator (128) | tau*G2 (128) | halo2's key: version byte | u32 k |
//! compress-selectors byte | u32 number of fixed columns | the fixed commitments (64 each) |
//! the permutation commitments (64 each) | the packed selectors.

use std::io::{Read, Write};

use bondproof_circuits::halo2_proofs::plonk::Circuit;
use bondproof_circuits::halo2_proofs::{
    halo2curves::{bn256::G2Affine, serde::SerdeObject},
    plonk::VerifyingKey,
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
    SerdeFormat,
};
use bondproof_circuits::{AttestationCircuit, Bn256, CircuitKind, Fr, G1Affine, InclusionCircuit};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"BPVK\x00\x00\x00\x01";

#[derive(Debug, thiserror::Error)]
pub enum VkFileError {
    #[error("not a bondproof verifying key (bad magic bytes)")]
    BadMagic,
    #[error("unknown circuit '{0}' in verifying key (known: attestation, inclusion; keys of the retired solvency and policy-solvency circuits verify nothing now)")]
    UnknownCircuit(String),
    #[error("corrupt verifying key: {0}")]
    Corrupt(String),
}

/// A verifying key and the KZG points it is checked with.
pub struct VerifierKey {
    /// Which circuit the key is for; the file records its name.
    pub circuit: CircuitKind,
    pub depth: u32,
    pub params: ParamsKZG<Bn256>,
    pub vk: VerifyingKey<G1Affine>,
    /// The file's bytes, whose hash is the key's identity.
    pub bytes: Vec<u8>,
}

impl VerifierKey {
    /// Builds the file from full parameters (only g[0], g2 and s_g2 are kept).
    pub fn new(kind: CircuitKind, depth: u32, params: &ParamsKZG<Bn256>, vk: VerifyingKey<G1Affine>) -> Self {
        let circuit = kind.name();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(circuit.len() as u32).to_le_bytes());
        bytes.extend_from_slice(circuit.as_bytes());
        bytes.extend_from_slice(&depth.to_le_bytes());
        bytes.extend_from_slice(&params.k().to_le_bytes());
        write_point(&mut bytes, &params.get_g()[0].to_raw_bytes());
        write_point(&mut bytes, &params.g2().to_raw_bytes());
        write_point(&mut bytes, &params.s_g2().to_raw_bytes());
        vk.write(&mut bytes, SerdeFormat::RawBytes).expect("writing to a Vec cannot fail");
        let verifier_params = verifier_params(params.k(), params.get_g()[0], params.g2(), params.s_g2());
        Self { circuit: kind, depth, params: verifier_params, vk, bytes }
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VkFileError> {
        bondproof_circuits::ensure_max_degree();
        let corrupt = |e: std::io::Error| VkFileError::Corrupt(e.to_string());
        let mut r = bytes;
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(|_| VkFileError::BadMagic)?;
        if &magic != MAGIC {
            return Err(VkFileError::BadMagic);
        }
        let name_len = read_u32(&mut r).map_err(corrupt)? as usize;
        if name_len > 64 {
            return Err(VkFileError::Corrupt("circuit name too long".into()));
        }
        let mut name = vec![0u8; name_len];
        r.read_exact(&mut name).map_err(corrupt)?;
        let name = String::from_utf8(name).map_err(|_| VkFileError::Corrupt("circuit name is not UTF-8".into()))?;
        let kind = CircuitKind::from_name(&name).ok_or(VkFileError::UnknownCircuit(name))?;
        let depth = read_u32(&mut r).map_err(corrupt)?;
        let k = read_u32(&mut r).map_err(corrupt)?;
        let g = G1Affine::from_raw_bytes(&read_point(&mut r, 64).map_err(corrupt)?)
            .ok_or_else(|| VkFileError::Corrupt("invalid G1 generator".into()))?;
        let g2 = G2Affine::from_raw_bytes(&read_point(&mut r, 128).map_err(corrupt)?)
            .ok_or_else(|| VkFileError::Corrupt("invalid G2 generator".into()))?;
        let s_g2 = G2Affine::from_raw_bytes(&read_point(&mut r, 128).map_err(corrupt)?)
            .ok_or_else(|| VkFileError::Corrupt("invalid tau*G2".into()))?;
        // halo2 rebuilds the constraint system from the circuit type, so the name picks the type.
        let vk = match kind {
            CircuitKind::Attestation => read_halo2_vk::<AttestationCircuit>(r)?,
            CircuitKind::Inclusion => read_halo2_vk::<InclusionCircuit>(r)?,
        };
        if vk.get_domain().k() != k {
            return Err(VkFileError::Corrupt("k of the key and of the parameters differ".into()));
        }
        Ok(Self { circuit: kind, depth, params: verifier_params(k, g, g2, s_g2), vk, bytes: bytes.to_vec() })
    }

    pub fn read(path: &std::path::Path) -> Result<Self, VkFileError> {
        let bytes = std::fs::read(path).map_err(|e| VkFileError::Corrupt(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    pub fn k(&self) -> u32 {
        self.params.k()
    }

    /// `0x` + SHA-256 of the file.
    pub fn hash_hex(&self) -> String {
        format!("0x{}", hex::encode(Sha256::digest(&self.bytes)))
    }

    /// The setup the key was made with: [`setup_id_of`] its tau*G2.
    pub fn setup_id(&self) -> String {
        setup_id_of(&self.params.s_g2())
    }

    /// Whether the key's G1 and G2 points are the curve's standard generators, as in every
    /// ceremony. The setup id names tau*G2 only, so a key matched by id alone must also have
    /// these: with G2 replaced by tau*G2, say, the KZG pairing check no longer involves tau
    /// and any opening passes.
    pub fn has_standard_generators(&self) -> bool {
        self.params.get_g()[0] == G1Affine::generator() && self.params.g2() == G2Affine::generator()
    }

    /// Length of the header before halo2's key: magic, name, depth, k and the three points.
    fn header_len(&self) -> usize {
        MAGIC.len() + 4 + self.circuit.name().len() + 4 + 4 + 64 + 128 + 128
    }

    /// Byte range of fixed commitment `i` in the file, if the key has that many fixed columns.
    pub fn fixed_commitment_range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        // halo2's key starts with a version byte, k (4 bytes), the compress-selectors byte and
        // the number of fixed columns (4 bytes).
        let start = self.header_len() + 1 + 4 + 1 + 4 + 64 * i;
        (i < self.vk.fixed_commitments().len()).then_some(start..start + 64)
    }

    /// The first way `other` differs from this key, for a message; `None` if the files are
    /// byte-identical.
    pub fn difference(&self, other: &VerifierKey) -> Option<String> {
        if self.bytes == other.bytes {
            return None;
        }
        let (a, b) = (self, other);
        if a.circuit != b.circuit || a.depth != b.depth || a.k() != b.k() {
            return Some(format!(
                "it is for the {} circuit at depth {}, k {}, not the {} circuit at depth {}, k {}",
                b.circuit,
                b.depth,
                b.k(),
                a.circuit,
                a.depth,
                a.k()
            ));
        }
        Some(halo2_key_difference((&a.params, &a.vk), (&b.params, &b.vk)))
    }
}

/// What differs between two halo2 verifying keys with their KZG points, `b` described against
/// `a` (the rebuilt one): generators, setup, a fixed commitment, the permutation, or else the
/// constraint system. For keys whose bytes already differ.
pub(crate) fn halo2_key_difference(
    (pa, a): (&ParamsKZG<Bn256>, &VerifyingKey<G1Affine>),
    (pb, b): (&ParamsKZG<Bn256>, &VerifyingKey<G1Affine>),
) -> String {
    if pa.get_g()[0] != pb.get_g()[0] || pa.g2() != pb.g2() {
        return "its KZG generators differ".into();
    }
    if pa.s_g2() != pb.s_g2() {
        return format!("its setup differs (setup id {}, not {})", setup_id_of(&pb.s_g2()), setup_id_of(&pa.s_g2()));
    }
    let (fa, fb) = (a.fixed_commitments(), b.fixed_commitments());
    if fa.len() != fb.len() {
        return format!("it has {} fixed columns, not {}", fb.len(), fa.len());
    }
    if let Some(i) = (0..fa.len()).find(|&i| fa[i] != fb[i]) {
        return format!(
            "its fixed commitment {i} differs (a selector, constant or table of the circuit is not the code's)"
        );
    }
    if a.permutation().commitments() != b.permutation().commitments() {
        return "its permutation (copy-constraint) commitments differ".into();
    }
    "its constraint system or selector bytes differ".into()
}

/// A setup's identifier: SHA-256 of its tau*G2 (raw encoding), 64 hex digits. tau*G2 is the one
/// point of a KZG setup a verifier uses that depends on tau, and every cut of a ceremony to a
/// smaller k keeps it, so one id names the ceremony at every size. The full hash, not a prefix:
/// a verifier accepts a key by this id, and a short one could be matched by a made-up setup.
pub fn setup_id_of(s_g2: &G2Affine) -> String {
    hex::encode(Sha256::digest(s_g2.to_raw_bytes()))
}

/// A setup id as a user typed it (`0x` optional, any case), or `None` if it is not 64 hex digits.
pub fn parse_setup_id(s: &str) -> Option<String> {
    let h = s.trim();
    let h = h.strip_prefix("0x").unwrap_or(h).to_ascii_lowercase();
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

/// KZG parameters sufficient for verification: the first G1 power and the two G2 points.
pub fn verifier_params(k: u32, g: G1Affine, g2: G2Affine, s_g2: G2Affine) -> ParamsKZG<Bn256> {
    // `from_parts` only needs a receiver to name the type; a one-point setup is the cheapest.
    let seed = ParamsKZG::<Bn256>::setup(0, rand::rngs::OsRng);
    seed.from_parts(k, vec![g], Some(vec![]), g2, s_g2)
}

/// halo2's reader panics on some malformed input rather than returning an error.
fn read_halo2_vk<C: Circuit<Fr, Params = ()>>(bytes: &[u8]) -> Result<VerifyingKey<G1Affine>, VkFileError> {
    let read = std::panic::catch_unwind(|| {
        let mut r = bytes;
        VerifyingKey::<G1Affine>::read::<_, C>(&mut r, SerdeFormat::RawBytes, ())
    });
    read.map_err(|_| VkFileError::Corrupt("halo2 verifying key does not parse".into()))?
        .map_err(|e| VkFileError::Corrupt(e.to_string()))
}

fn write_point(out: &mut Vec<u8>, raw: &[u8]) {
    out.write_all(raw).expect("Vec write");
}

fn read_u32(r: &mut &[u8]) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_point(r: &mut &[u8], len: usize) -> std::io::Result<Vec<u8>> {
    let mut b = vec![0u8; len];
    r.read_exact(&mut b)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_id_is_64_hex_digits_with_an_optional_0x() {
        let id = "ab".repeat(32);
        assert_eq!(parse_setup_id(&id).as_deref(), Some(id.as_str()));
        assert_eq!(parse_setup_id(&format!(" 0x{} ", id.to_uppercase())).as_deref(), Some(id.as_str()));
        assert_eq!(parse_setup_id(&id[..12]), None, "a prefix is not an id: anyone could match 48 bits");
        assert_eq!(parse_setup_id(&format!("{}zz", &id[..62])), None);
        assert_eq!(setup_id_of(&G2Affine::generator()).len(), 64);
    }
}
