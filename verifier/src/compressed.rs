//! Compressed attestations: one outer proof (snark-verifier-sdk's aggregation circuit, SHPLONK,
//! Keccak transcript) that verifies one or several attestation proofs (Poseidon transcript),
//! the key file a verifier pins for it, the bundle, and native verification.
//!
//! The outer proof's public inputs, in order: the 12 limbs of the KZG accumulator (lhs.x, lhs.y,
//! rhs.x, rhs.y, 3 limbs of 88 bits each), then each inner attestation's 67 public inputs packed
//! into [`PACKED_WORDS`] words ([`packing`]): every public input costs the EVM verifier gas and
//! bytecode, and most of the statement is 16-bit policy numbers. The outer circuit range checks
//! each packed input to its width (the width of the registry's ABI type for it), so the packing
//! is injective: the words determine the 67 inputs. The outer circuit checks every inner proof up to one final pairing, which it
//! defers into the accumulator: a compressed bundle is valid when the outer proof verifies AND
//! e(lhs, g2) = e(rhs, tau*g2). The inner verifying keys are constants of the outer circuit
//! (non-universal mode): the outer key pins them, and its file lists their hashes.
//!
//! Key file layout (integers little-endian): magic (8) | u32 header length | header (JSON:
//! aggregation config and inner keys) | G1 generator (64) | G2 generator (128) | tau*G2 (128) |
//! halo2's verifying key.

use std::io::Read;
use std::path::Path;

use bondproof_circuits::halo2_proofs::halo2curves::ff::Field;
use bondproof_circuits::halo2_proofs::halo2curves::group::Group;
use bondproof_circuits::halo2_proofs::halo2curves::CurveAffine;
use bondproof_circuits::halo2_proofs::{
    halo2curves::{
        bn256::{Fq, G2Affine},
        pairing::{MillerLoopResult, MultiMillerLoop},
        serde::SerdeObject,
    },
    plonk::VerifyingKey,
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
    SerdeFormat,
};
use bondproof_circuits::{AttestationStatement, Bn256, Fr, G1Affine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use snark_verifier_sdk::halo2::aggregation::{AggregationCircuit, AggregationConfigParams};
use snark_verifier_sdk::snark_verifier::util::arithmetic::{fe_from_limbs, fe_to_limbs};
use snark_verifier_sdk::{BITS, LIMBS};

use crate::bundle::{fr_hex, parse_field_decimal, BundleError, CircuitInfo, Metadata, StatementJson, Transcript};
use crate::verify::VerifyError;
use crate::vk_file::{setup_id_of, verifier_params, VkFileError};

const MAGIC: &[u8; 8] = b"BPCK\x00\x00\x00\x01";

/// The compressed bundle's format.
pub const COMPRESSED_FORMAT_VERSION: u32 = 1;

/// The circuit name a compressed bundle and key carry.
pub const COMPRESSION_CIRCUIT: &str = "compression";

/// Public inputs of the accumulator: 4 coordinates of 3 limbs.
pub const ACCUMULATOR_LIMBS: usize = 4 * LIMBS;

/// The aggregation circuit's shape, as recorded in the key file (snark-verifier-sdk's
/// `AggregationConfigParams`, which is not serde-stable across versions by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OuterShape {
    pub k: u32,
    pub advice: usize,
    pub lookup_advice: usize,
    pub fixed: usize,
    pub lookup_bits: usize,
}

impl OuterShape {
    pub fn config(&self) -> AggregationConfigParams {
        AggregationConfigParams {
            degree: self.k,
            num_advice: self.advice,
            num_lookup_advice: self.lookup_advice,
            num_fixed: self.fixed,
            lookup_bits: self.lookup_bits,
        }
    }

    pub fn of(c: &AggregationConfigParams) -> Self {
        Self {
            k: c.degree,
            advice: c.num_advice,
            lookup_advice: c.num_lookup_advice,
            fixed: c.num_fixed,
            lookup_bits: c.lookup_bits,
        }
    }
}

/// One inner key the outer circuit verifies with (a constant of it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnerKey {
    /// The attestation key file's hash (`0x` + SHA-256), as an attestation bundle carries it.
    pub vk_hash: String,
    pub depth: u32,
    pub k: u32,
}

/// The key file's JSON header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressionHeader {
    pub shape: OuterShape,
    /// One entry per inner proof, in the order the outer circuit verifies them.
    pub inner: Vec<InnerKey>,
}

/// The verifying key of a compression circuit, with the KZG points it is checked with.
pub struct CompressionKey {
    pub header: CompressionHeader,
    pub params: ParamsKZG<Bn256>,
    pub vk: VerifyingKey<G1Affine>,
    pub bytes: Vec<u8>,
}

impl CompressionKey {
    pub fn new(header: CompressionHeader, params: &ParamsKZG<Bn256>, vk: VerifyingKey<G1Affine>) -> Self {
        let json = serde_json::to_vec(&header).expect("serializes");
        let mut bytes = Vec::new();
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&json);
        bytes.extend_from_slice(&params.get_g()[0].to_raw_bytes());
        bytes.extend_from_slice(&params.g2().to_raw_bytes());
        bytes.extend_from_slice(&params.s_g2().to_raw_bytes());
        vk.write(&mut bytes, SerdeFormat::RawBytes).expect("writing to a Vec cannot fail");
        let params = verifier_params(params.k(), params.get_g()[0], params.g2(), params.s_g2());
        Self { header, params, vk, bytes }
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VkFileError> {
        let corrupt = |m: &str| VkFileError::Corrupt(m.to_string());
        let mut r = bytes;
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(|_| VkFileError::BadMagic)?;
        if &magic != MAGIC {
            return Err(VkFileError::BadMagic);
        }
        let mut len = [0u8; 4];
        r.read_exact(&mut len).map_err(|_| corrupt("truncated header"))?;
        let len = u32::from_le_bytes(len) as usize;
        if len > 1 << 20 || r.len() < len {
            return Err(corrupt("header length out of range"));
        }
        let header: CompressionHeader =
            serde_json::from_slice(&r[..len]).map_err(|e| VkFileError::Corrupt(format!("header: {e}")))?;
        r = &r[len..];
        if header.inner.is_empty() {
            return Err(corrupt("a compression key verifies at least one inner proof"));
        }
        let mut point = |n: usize| -> Result<Vec<u8>, VkFileError> {
            let mut b = vec![0u8; n];
            r.read_exact(&mut b).map_err(|_| corrupt("truncated point"))?;
            Ok(b)
        };
        let g = G1Affine::from_raw_bytes(&point(64)?).ok_or_else(|| corrupt("invalid G1 generator"))?;
        let g2 = G2Affine::from_raw_bytes(&point(128)?).ok_or_else(|| corrupt("invalid G2 generator"))?;
        let s_g2 = G2Affine::from_raw_bytes(&point(128)?).ok_or_else(|| corrupt("invalid tau*G2"))?;
        let config = header.shape.config();
        let vk = std::panic::catch_unwind(|| {
            let mut rest = r;
            VerifyingKey::<G1Affine>::read::<_, AggregationCircuit>(&mut rest, SerdeFormat::RawBytes, config)
        })
        .map_err(|_| corrupt("halo2 verifying key does not parse"))?
        .map_err(|e| VkFileError::Corrupt(e.to_string()))?;
        if vk.get_domain().k() != header.shape.k {
            return Err(corrupt("k of the key and of its header differ"));
        }
        let params = verifier_params(header.shape.k, g, g2, s_g2);
        Ok(Self { header, params, vk, bytes: bytes.to_vec() })
    }

    pub fn read(path: &Path) -> Result<Self, VkFileError> {
        let bytes = std::fs::read(path).map_err(|e| VkFileError::Corrupt(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    /// Whether a file's bytes start as a compression key does (to tell the two key kinds apart).
    pub fn is_compression_key(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// `0x` + SHA-256 of the file.
    pub fn hash_hex(&self) -> String {
        format!("0x{}", hex::encode(Sha256::digest(&self.bytes)))
    }

    pub fn k(&self) -> u32 {
        self.header.shape.k
    }

    pub fn setup_id(&self) -> String {
        setup_id_of(&self.params.s_g2())
    }

    pub fn has_standard_generators(&self) -> bool {
        self.params.get_g()[0] == G1Affine::generator() && self.params.g2() == G2Affine::generator()
    }

    /// None when the two key files are identical; else what differs in `other`, described
    /// against this (rebuilt) key: the inner keys it embeds, the outer shape, or the outer
    /// verifying key itself.
    pub fn difference(&self, other: &CompressionKey) -> Option<String> {
        if self.bytes == other.bytes {
            return None;
        }
        let (a, b) = (&self.header, &other.header);
        if a.inner.len() != b.inner.len() {
            return Some(format!("it verifies {} attestations, not {}", b.inner.len(), a.inner.len()));
        }
        if let Some((i, (x, y))) = a.inner.iter().zip(&b.inner).enumerate().find(|(_, (x, y))| x != y) {
            return Some(format!(
                "its inner key {i} is {} (depth {}, k {}), not the attestation key {} (depth {}, k {}) the circuit code \
                 and the ceremony give",
                y.vk_hash, y.depth, y.k, x.vk_hash, x.depth, x.k
            ));
        }
        if a.shape != b.shape {
            return Some(format!("its outer shape {:?} is not {:?}", b.shape, a.shape));
        }
        Some(crate::vk_file::halo2_key_difference((&self.params, &self.vk), (&other.params, &other.vk)))
    }

    /// Refuses a pinned key that is not, byte for byte, this rebuilt one (as
    /// [`crate::verify::check_rebuilt_key`] does for an attestation key).
    pub fn check_pinned(&self, pinned: &CompressionKey) -> Result<(), VerifyError> {
        match self.difference(pinned) {
            None => Ok(()),
            Some(detail) => {
                Err(VerifyError::KeyDiffers { pinned: pinned.hash_hex(), rebuilt: self.hash_hex(), detail })
            }
        }
    }

    /// The outer circuit's public-input count.
    pub fn instance_count(&self) -> usize {
        outer_instance_count(self.header.inner.len())
    }
}

/// The outer circuit's public-input count for `n` inner attestations.
pub fn outer_instance_count(n: usize) -> usize {
    ACCUMULATOR_LIMBS + n * PACKED_WORDS
}

/// A packed word's parts: (inner public-input index, width in bits), lowest bits first. A word
/// of one part holding a whole field element has width [`WHOLE`] and is not range checked.
pub type WordLayout = Vec<(usize, u32)>;

/// Width of a part that is a whole field element (root, deployment domain).
pub const WHOLE: u32 = 254;

/// Words one statement packs into.
pub const PACKED_WORDS: usize = 29;

/// How a statement's 67 public inputs pack into [`PACKED_WORDS`] words, in order:
/// - word 0: the root;
/// - word 1: custodian (160 bits) | epoch (64) << 160;
/// - word 2: as-of days (16) | ratio bps (32) << 16 | eligibility (1) << 48 | max maturity (16)
///   << 49 | WAM flag (1) << 65 | max WAM (16) << 66 | weekly flag (1) << 82 | min weekly bps
///   (16) << 83;
/// - words 3 and 4: haircut slots 0-5 and 6-11, per slot max days (16) then bps (16);
/// - words 5 to 20: each deployment's domain;
/// - words 21 to 28: the supplies (96 bits each) two per word, slot 2j low, slot 2j+1 << 96.
pub fn packing() -> Vec<WordLayout> {
    type S = AttestationStatement;
    let mut words: Vec<WordLayout> = vec![
        vec![(S::ROOT, WHOLE)],
        vec![(S::CUSTODIAN, 160), (S::EPOCH, 64)],
        vec![
            (S::AS_OF, 16),
            (S::RATIO_BPS, 32),
            (S::ELIGIBLE_TREASURY, 1),
            (S::MAX_MATURITY, 16),
            (S::WAM_ENABLED, 1),
            (S::MAX_WAM, 16),
            (S::WEEKLY_ENABLED, 1),
            (S::MIN_WEEKLY_BPS, 16),
        ],
    ];
    for half in 0..2 {
        words.push((0..12).map(|i| (S::BUCKETS + 12 * half + i, 16)).collect());
    }
    for slot in 0..bondproof_circuits::DEPLOYMENT_SLOTS {
        words.push(vec![(S::DEPLOYMENTS + 2 * slot, WHOLE)]);
    }
    for pair in 0..bondproof_circuits::DEPLOYMENT_SLOTS / 2 {
        words.push(vec![(S::DEPLOYMENTS + 4 * pair + 1, 96), (S::DEPLOYMENTS + 4 * pair + 3, 96)]);
    }
    debug_assert_eq!(words.len(), PACKED_WORDS);
    words
}

/// A statement's packed words ([`packing`]), computed natively.
pub fn pack_statement(s: &AttestationStatement) -> Vec<Fr> {
    let inputs = s.to_instances();
    packing()
        .iter()
        .map(|word| {
            let mut shift = 0u32;
            let mut acc = Fr::zero();
            for &(index, width) in word {
                acc += inputs[index] * Fr::from(2).pow_vartime([u64::from(shift)]);
                shift += width;
            }
            acc
        })
        .collect()
}

/// The outer public inputs: the accumulator limbs, then each statement's packed words.
pub fn outer_instances(accumulator: &[Fr], statements: &[AttestationStatement]) -> Vec<Fr> {
    let mut out = accumulator.to_vec();
    for s in statements {
        out.extend(pack_statement(s));
    }
    out
}

/// One inner attestation in a compressed bundle: what it proves and what it merely says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnerAttestation {
    pub circuit: CircuitInfo,
    /// The inner attestation key's hash (the compression key lists it).
    pub vk_hash: String,
    pub public_inputs: StatementJson,
    pub metadata: Metadata,
}

/// `compressed.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompressedBundle {
    pub format_version: u32,
    /// Always [`COMPRESSION_CIRCUIT`].
    pub circuit: String,
    /// The outer circuit's k: what `verify --srs` rebuilds the compression key at when no key
    /// is pinned (unproved: another k gives another key, which the proof does not verify
    /// against). Absent from bundles made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
    /// The attestations the outer proof verifies, in its order.
    pub inner: Vec<InnerAttestation>,
    /// The 12 accumulator limbs (decimal), the outer proof's first public inputs.
    pub accumulator: Vec<String>,
    /// 0x-hex outer proof (SHPLONK, Keccak transcript), as the EVM verifier takes it.
    pub proof: String,
    /// `0x` + SHA-256 of the compression key file.
    pub vk_hash: String,
    pub created_at: String,
    pub prover: String,
}

impl CompressedBundle {
    pub fn read(path: &Path) -> Result<Self, BundleError> {
        let bundle: Self = crate::bundle::read_versioned(path, COMPRESSED_FORMAT_VERSION)?;
        if bundle.circuit != COMPRESSION_CIRCUIT {
            return Err(BundleError::Malformed {
                path: path.display().to_string(),
                message: format!("circuit '{}' is not '{COMPRESSION_CIRCUIT}'", bundle.circuit),
            });
        }
        Ok(bundle)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write_json(path, self)
    }

    /// Whether a JSON file is a compressed bundle (it names the compression circuit).
    pub fn is_compressed(text: &str) -> bool {
        #[derive(Deserialize)]
        struct Probe {
            circuit: serde_json::Value,
        }
        serde_json::from_str::<Probe>(text).is_ok_and(|p| p.circuit == COMPRESSION_CIRCUIT)
    }

    pub fn proof_bytes(&self) -> Result<Vec<u8>, String> {
        crate::bundle::decode_proof_hex(&self.proof)
    }

    pub fn statements(&self) -> Result<Vec<AttestationStatement>, String> {
        self.inner
            .iter()
            .enumerate()
            .map(|(i, a)| a.public_inputs.to_statement().map_err(|e| format!("inner[{i}]: {e}")))
            .collect()
    }

    pub fn accumulator_limbs(&self) -> Result<Vec<Fr>, String> {
        if self.accumulator.len() != ACCUMULATOR_LIMBS {
            return Err(format!("'accumulator' must have {ACCUMULATOR_LIMBS} limbs, found {}", self.accumulator.len()));
        }
        self.accumulator
            .iter()
            .enumerate()
            .map(|(i, l)| parse_field_decimal(l).ok_or_else(|| format!("'accumulator[{i}]' is not a field element")))
            .collect()
    }

    /// The outer proof's public inputs, as the bundle claims them.
    pub fn instances(&self) -> Result<Vec<Fr>, String> {
        Ok(outer_instances(&self.accumulator_limbs()?, &self.statements()?))
    }
}

/// Limbs as a bundle writes them.
pub fn limbs_decimal(limbs: &[Fr]) -> Vec<String> {
    limbs.iter().map(crate::bundle::fr_to_decimal).collect()
}

/// The accumulator's two points from its limbs; `None` if a coordinate is not on the curve.
pub fn accumulator_points(limbs: &[Fr]) -> Option<(G1Affine, G1Affine)> {
    if limbs.len() != ACCUMULATOR_LIMBS {
        return None;
    }
    let coord = |i: usize| fe_from_limbs::<Fr, Fq, LIMBS, BITS>(limbs[i * LIMBS..(i + 1) * LIMBS].try_into().unwrap());
    // Limbs out of their 88-bit range would alias another coordinate: the outer circuit range
    // checks them, and the round trip here refuses any that would not.
    for i in 0..4 {
        let back = fe_to_limbs::<Fq, Fr, LIMBS, BITS>(coord(i));
        if back[..] != limbs[i * LIMBS..(i + 1) * LIMBS] {
            return None;
        }
    }
    let point = |x: Fq, y: Fq| Option::<G1Affine>::from(G1Affine::from_xy(x, y));
    Some((point(coord(0), coord(1))?, point(coord(2), coord(3))?))
}

/// The deferred KZG check: e(lhs, g2) = e(rhs, tau*g2).
pub fn accumulator_holds(limbs: &[Fr], params: &ParamsKZG<Bn256>) -> bool {
    let Some((lhs, rhs)) = accumulator_points(limbs) else { return false };
    let g2 = params.g2().into();
    let minus_s_g2 = (-params.s_g2()).into();
    let terms = [(&lhs, &g2), (&rhs, &minus_s_g2)];
    bool::from(Bn256::multi_miller_loop(&terms).final_exponentiation().is_identity())
}

/// Verifies the outer proof (Keccak transcript) for these public inputs; extra bytes refused.
pub fn verify_outer_proof(key: &CompressionKey, instances: &[Fr], proof: &[u8]) -> Result<(), VerifyError> {
    if instances.len() != key.instance_count() {
        return Err(VerifyError::Malformed(format!(
            "the compression key takes {} public inputs, not {}",
            key.instance_count(),
            instances.len()
        )));
    }
    crate::verify::verify_transcript(&key.params, &key.vk, instances, proof, Transcript::Keccak)
}

/// Checks a compressed bundle against the pinned compression key: the key and its inner keys
/// are the bundle's, the outer proof verifies for the accumulator and the inner statements, and
/// the accumulator's pairing holds. Returns the inner statements, in order.
pub fn verify_compressed(
    bundle: &CompressedBundle,
    key: &CompressionKey,
) -> Result<Vec<AttestationStatement>, VerifyError> {
    let pinned = key.hash_hex();
    if !bundle.vk_hash.eq_ignore_ascii_case(&pinned) {
        return Err(VerifyError::VkMismatch { bundle: bundle.vk_hash.clone(), pinned });
    }
    if bundle.inner.len() != key.header.inner.len() {
        return Err(VerifyError::Malformed(format!(
            "the bundle holds {} attestations, the compression key verifies {}",
            bundle.inner.len(),
            key.header.inner.len()
        )));
    }
    for (i, (a, k)) in bundle.inner.iter().zip(&key.header.inner).enumerate() {
        if !a.vk_hash.eq_ignore_ascii_case(&k.vk_hash) || a.circuit.depth != k.depth || a.circuit.k != k.k {
            return Err(VerifyError::CircuitMismatch {
                bundle: format!("inner[{i}]: key {} (depth {}, k {})", a.vk_hash, a.circuit.depth, a.circuit.k),
                pinned: format!("key {} (depth {}, k {})", k.vk_hash, k.depth, k.k),
            });
        }
    }
    let statements = bundle.statements().map_err(VerifyError::Malformed)?;
    let limbs = bundle.accumulator_limbs().map_err(VerifyError::Malformed)?;
    let proof = bundle.proof_bytes().map_err(VerifyError::Malformed)?;
    verify_outer_proof(key, &outer_instances(&limbs, &statements), &proof)?;
    if !accumulator_holds(&limbs, &key.params) {
        return Err(VerifyError::InvalidProof(
            "the accumulator's pairing check fails: an inner proof does not verify".into(),
        ));
    }
    Ok(statements)
}

/// The root of a statement as 0x-hex (for messages).
pub fn root_hex(s: &AttestationStatement) -> String {
    fr_hex(&s.root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packing_holds_every_public_input_once_and_each_word_fits_the_field() {
        let layout = packing();
        assert_eq!(layout.len(), PACKED_WORDS);
        let mut seen: Vec<usize> = layout.iter().flatten().map(|&(i, _)| i).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..AttestationStatement::COUNT).collect::<Vec<_>>());
        for word in &layout {
            let bits: u32 = word.iter().map(|&(_, w)| w).sum();
            // Below the field's 254 bits, or one whole element left as it is.
            assert!(bits <= 253 || word.len() == 1, "{word:?}");
        }
    }

    #[test]
    fn a_packed_word_is_its_parts_shifted_lowest_first() {
        let mut s = AttestationStatement {
            root: Fr::from(7),
            epoch: 3,
            custodian: [0x11; 20],
            as_of_days: 20_000,
            ratio_bps: 10_100,
            policy: bondproof_circuits::policy::Policy::par().instance(),
            deployments: [bondproof_circuits::Deployment::default(); bondproof_circuits::DEPLOYMENT_SLOTS],
        };
        s.deployments[0].supply_cents = 5;
        s.deployments[1].supply_cents = 9;
        let words = pack_statement(&s);
        let custodian = bondproof_circuits::statement::address_field(&s.custodian);
        assert_eq!(words[1], custodian + Fr::from(3) * Fr::from(2).pow_vartime([160]));
        assert_eq!(words[2] - Fr::from(20_000) - Fr::from(10_100 * (1 << 16)), pack_policy_part(&s));
        assert_eq!(words[21], Fr::from(5) + Fr::from(9) * Fr::from(2).pow_vartime([96]));
        let mut other = s;
        other.epoch = 4;
        assert_ne!(pack_statement(&other), words);
    }

    fn pack_policy_part(s: &AttestationStatement) -> Fr {
        let inputs = s.to_instances();
        let two = |n: u64| Fr::from(2).pow_vartime([n]);
        type S = AttestationStatement;
        inputs[S::ELIGIBLE_TREASURY] * two(48)
            + inputs[S::MAX_MATURITY] * two(49)
            + inputs[S::WAM_ENABLED] * two(65)
            + inputs[S::MAX_WAM] * two(66)
            + inputs[S::WEEKLY_ENABLED] * two(82)
            + inputs[S::MIN_WEEKLY_BPS] * two(83)
    }
}
