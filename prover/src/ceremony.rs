//! Ceremony import: KZG parameters whose tau nobody knows, taken from a public powers-of-tau
//! ceremony instead of a setup the custodian ran. Reads a snarkjs `.ptau` file (the format of the
//! Hermez / Polygon and PSE ceremonies) or halo2's own KZG parameters file, cuts it to k, and
//! checks it before anything uses it: the file is complete, every point used is on the curve,
//! the first G1 power and the G2 point are the generators, and the G1 powers and tau*G2 come
//! from one tau. Nothing here writes a file: the caller writes the parameters it gets back.
//!
//! The `.ptau` layout, as snarkjs writes it (`powersoftau_new.js`, `powersoftau_utils.js`
//! `writePTauHeader`, and binfileutils' `createBinFile` / `startWriteSection`); every integer is
//! little-endian:
//!
//! ```text
//! "ptau" | u32 version (1) | u32 number of sections
//! each section: u32 id | u64 size in bytes | the section's bytes
//!   1  header      u32 n8 (32 for bn128) | q, n8 bytes | u32 power | u32 ceremonyPower
//!   2  tauG1       2^(power+1) - 1 G1 points: tau^i * G1 for i = 0, 1, ...
//!   3  tauG2       2^power G2 points: tau^i * G2
//!   4  alphaTauG1, 5 betaTauG1, 6 betaG2, 7 contributions, and 12..15 after `prepare phase2`:
//!      Groth16 material that KZG does not use
//! ```
//!
//! A point is affine (x, y); a coordinate is n8 bytes of little-endian 64-bit limbs in
//! Montgomery form (snarkjs reads them with `fromRprLEM`), a G2 coordinate is c0 then c1, and
//! the point at infinity is all zeros. That is byte for byte halo2curves' raw encoding of
//! `G1Affine` / `G2Affine`, whose `from_raw_bytes` also refuses a coordinate not below q and a
//! point off the curve.
//!
//! halo2's format (`ParamsKZG::write_custom` with raw bytes, what `bondproof setup` writes) is
//! `u32 k | 2^k G1 powers | 2^k Lagrange-basis G1 points | G2 | tau*G2` in the same encoding.
//! Its Lagrange half is never read: it is recomputed from the checked powers, so a forged one
//! cannot reach a verifying key.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::OnceLock;

use bondproof_circuits::halo2_proofs::{
    arithmetic::best_multiexp,
    halo2curves::{
        bn256::{Fq, G2Affine, G2Prepared, G1, G2},
        ff::{Field, PrimeField, WithSmallOrderMulGroup},
        group::{cofactor::CofactorGroup, prime::PrimeCurveAffine, Curve, Group},
        pairing::{MillerLoopResult, MultiMillerLoop},
        serde::SerdeObject,
        CurveExt,
    },
    poly::kzg::commitment::ParamsKZG,
};
use bondproof_circuits::{Bn256, Fr, G1Affine};
use num_bigint::{BigInt, Sign};
use num_traits::{One, ToPrimitive, Zero};
use rand::{rngs::StdRng, Rng, SeedableRng};
use rayon::prelude::*;

use crate::fixed_base::FixedBase;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const G1_BYTES: u64 = 64;
const G2_BYTES: u64 = 128;
/// BN254's scalar field has 2^28-th roots of unity: no KZG setup on it is larger.
const MAX_POWER: u32 = Fr::S;
const PTAU_MAGIC: &[u8; 4] = b"ptau";
const PTAU_VERSION: u32 = 1;
const SECTION_HEADER: u32 = 1;
const SECTION_TAU_G1: u32 = 2;
const SECTION_TAU_G2: u32 = 3;
/// Points decoded per read: bounds the raw buffer, whatever k is.
const CHUNK_POINTS: usize = 1 << 16;

/// Which kind of file a ceremony came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CeremonyFormat {
    /// snarkjs `.ptau` (Hermez / Polygon, PSE perpetual powers of tau).
    Ptau,
    /// halo2's KZG parameters, raw bytes.
    Halo2,
}

impl CeremonyFormat {
    pub fn name(self) -> &'static str {
        match self {
            CeremonyFormat::Ptau => "snarkjs .ptau",
            CeremonyFormat::Halo2 => "halo2 KZG parameters",
        }
    }

    fn g1_part(self) -> &'static str {
        match self {
            CeremonyFormat::Ptau => "section 2 (tauG1)",
            CeremonyFormat::Halo2 => "the G1 powers",
        }
    }

    fn g2_part(self) -> &'static str {
        match self {
            CeremonyFormat::Ptau => "section 3 (tauG2)",
            CeremonyFormat::Halo2 => "the G2 points",
        }
    }
}

/// Checked parameters from a ceremony file, cut to the k asked for.
#[derive(Debug)]
pub struct ImportedSetup {
    pub params: ParamsKZG<Bn256>,
    /// `keys::setup_id` of the parameters: a hash of tau*G2, the same for every k cut from it.
    pub setup_id: String,
    /// SHA-256 of the whole file, hex: what a verifier compares with the ceremony's published
    /// hash.
    pub file_sha256: String,
    pub format: CeremonyFormat,
    /// The largest k the file supports (its `power` for a `.ptau`, its k for halo2).
    pub powers_in_file: u32,
}

/// Why a ceremony file was refused. Each message starts with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a ceremony file: {reason}")]
    UnknownFormat { path: String, reason: String },
    #[error(
        "{path}: truncated: {part} needs {need} bytes from offset {offset}, but the file ends {have} bytes into it"
    )]
    Truncated { path: String, part: String, offset: u64, need: u64, have: u64 },
    #[error("{path}: {part}: {message}")]
    Malformed { path: String, part: String, message: String },
    #[error("{path}: {part}: point {index} is not on the curve (a coordinate is not below the field modulus, or y^2 != x^3 + b)")]
    NotOnCurve { path: String, part: String, index: u64 },
    #[error("{path}: {part}: {message}")]
    BadPoint { path: String, part: String, message: String },
    #[error("{path}: the G1 powers 0..{powers} and tau*G2 do not come from one tau (the random-linear-combination pairing check failed): the file is corrupted or forged")]
    Inconsistent { path: String, powers: u64 },
    #[error("{path}: k = {k} is more than the file holds: it has 2^{power} powers of tau, so at most k = {power}")]
    KTooLarge { path: String, k: u32, power: u32 },
    #[error("{path}: k = 0 leaves no power of tau to check against tau*G2; k must be at least 1")]
    KTooSmall { path: String },
    #[error("{path}: not enough memory for 2^{k} points")]
    OutOfMemory { path: String, k: u32 },
}

/// Reads the ceremony file at `path` (snarkjs `.ptau`, told by its "ptau" magic, or halo2 KZG
/// parameters), keeps its first 2^k G1 powers, G2 and tau*G2, checks them, and returns
/// parameters at exactly k. Memory and time grow with 2^k, not with the file: only the powers
/// used are read and checked (points beyond them cannot reach the parameters; the file's
/// SHA-256, over every byte, is what ties it to the ceremony's published transcript). Most of
/// the time goes to the Lagrange basis, an inverse FFT in the group (see `lagrange_basis`).
pub fn import_ceremony(path: &Path, k: u32) -> Result<ImportedSetup, CeremonyError> {
    let mut src = Source::open(path)?;
    if k == 0 {
        return Err(CeremonyError::KTooSmall { path: src.name() });
    }
    let format = if src.len >= 4 && &src.read_vec(0, 4)?[..] == PTAU_MAGIC {
        CeremonyFormat::Ptau
    } else {
        CeremonyFormat::Halo2
    };
    let powers = match format {
        CeremonyFormat::Ptau => read_ptau(&mut src, k)?,
        CeremonyFormat::Halo2 => read_halo2(&mut src, k)?,
    };
    check_powers(&src, format, &powers)?;
    let file_sha256 = src.sha256()?;
    let Powers { g, g2, s_g2, power } = powers;
    let params = params_from_powers(k, g, g2, s_g2);
    let setup_id = crate::keys::setup_id(&params);
    Ok(ImportedSetup { params, setup_id, file_sha256, format, powers_in_file: power })
}

/// What a ceremony contributes to KZG: the G1 powers kept, G2, tau*G2, and the file's power.
struct Powers {
    g: Vec<G1Affine>,
    g2: G2Affine,
    s_g2: G2Affine,
    power: u32,
}

/// The open file, with its length, so every read is checked against it first: a short file is
/// an error naming the part that is missing, never a panic or a short read halfway through.
struct Source<'a> {
    path: &'a Path,
    file: File,
    len: u64,
}

impl<'a> Source<'a> {
    fn open(path: &'a Path) -> Result<Self, CeremonyError> {
        let io = |source| CeremonyError::Io { path: path.display().to_string(), source };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Ok(Source { path, file, len })
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn io(&self, source: std::io::Error) -> CeremonyError {
        CeremonyError::Io { path: self.name(), source }
    }

    fn malformed(&self, part: &str, message: String) -> CeremonyError {
        CeremonyError::Malformed { path: self.name(), part: part.into(), message }
    }

    /// `need` bytes from `offset` are in the file.
    fn require(&self, part: &str, offset: u64, need: u64) -> Result<(), CeremonyError> {
        match offset.checked_add(need) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(CeremonyError::Truncated {
                path: self.name(),
                part: part.into(),
                offset,
                need,
                have: self.len.saturating_sub(offset),
            }),
        }
    }

    /// Reads a small range already `require`d.
    fn read_vec(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, CeremonyError> {
        let mut buf = vec![0u8; len];
        self.file.seek(SeekFrom::Start(offset)).map_err(|e| self.io(e))?;
        self.file.read_exact(&mut buf).map_err(|e| self.io(e))?;
        Ok(buf)
    }

    fn read_u32(&mut self, offset: u64) -> Result<u32, CeremonyError> {
        let b = self.read_vec(offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn read_u64(&mut self, offset: u64) -> Result<u64, CeremonyError> {
        let b = self.read_vec(offset, 8)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    /// `count` G1 points from `offset`, decoded in parallel a chunk at a time.
    fn read_g1(&mut self, part: &str, offset: u64, count: usize, k: u32) -> Result<Vec<G1Affine>, CeremonyError> {
        self.require(part, offset, count as u64 * G1_BYTES)?;
        let mut points = Vec::new();
        points.try_reserve_exact(count).map_err(|_| CeremonyError::OutOfMemory { path: self.name(), k })?;
        self.file.seek(SeekFrom::Start(offset)).map_err(|e| self.io(e))?;
        let mut buf = vec![0u8; count.min(CHUNK_POINTS) * G1_BYTES as usize];
        while points.len() < count {
            let n = (count - points.len()).min(CHUNK_POINTS);
            let bytes = &mut buf[..n * G1_BYTES as usize];
            self.file.read_exact(bytes).map_err(|e| self.io(e))?;
            let decoded: Vec<Option<G1Affine>> =
                bytes.par_chunks(G1_BYTES as usize).map(G1Affine::from_raw_bytes).collect();
            for point in decoded {
                let index = points.len() as u64;
                points.push(point.ok_or_else(|| CeremonyError::NotOnCurve {
                    path: self.name(),
                    part: part.into(),
                    index,
                })?);
            }
        }
        Ok(points)
    }

    /// The G2 point at `index` of a run of G2 points starting at `offset`.
    fn read_g2(&mut self, part: &str, offset: u64, index: u64) -> Result<G2Affine, CeremonyError> {
        let at = offset + index * G2_BYTES;
        self.require(part, at, G2_BYTES)?;
        let bytes = self.read_vec(at, G2_BYTES as usize)?;
        G2Affine::from_raw_bytes(&bytes).ok_or_else(|| CeremonyError::NotOnCurve {
            path: self.name(),
            part: part.into(),
            index,
        })
    }

    fn sha256(&mut self) -> Result<String, CeremonyError> {
        self.file.seek(SeekFrom::Start(0)).map_err(|e| self.io(e))?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut self.file, &mut hasher).map_err(|e| self.io(e))?;
        Ok(hex::encode(hasher.finalize()))
    }
}

fn check_k(src: &Source, k: u32, power: u32) -> Result<(), CeremonyError> {
    if k > power {
        return Err(CeremonyError::KTooLarge { path: src.name(), k, power });
    }
    Ok(())
}

fn section_name(id: u32) -> String {
    let what = match id {
        SECTION_HEADER => "header",
        SECTION_TAU_G1 => "tauG1",
        SECTION_TAU_G2 => "tauG2",
        4 => "alphaTauG1",
        5 => "betaTauG1",
        6 => "betaG2",
        7 => "contributions",
        _ => return format!("section {id}"),
    };
    format!("section {id} ({what})")
}

/// BN254's base field modulus q, little-endian, as a `.ptau` header holds it.
fn bn254_q_le() -> Vec<u8> {
    let mut q = hex::decode(Fq::MODULUS.trim_start_matches("0x")).expect("the modulus constant is hex");
    q.reverse();
    q
}

fn read_ptau(src: &mut Source, k: u32) -> Result<Powers, CeremonyError> {
    src.require("the file header", 0, 12)?;
    let version = src.read_u32(4)?;
    if version != PTAU_VERSION {
        return Err(
            src.malformed("the file header", format!("version {version}; snarkjs writes version {PTAU_VERSION}"))
        );
    }
    let n_sections = src.read_u32(8)?;

    // Each section is (offset of its bytes, size). The loop ends at the file's end at the
    // latest (every section takes at least 12 bytes), whatever count the header claims.
    let mut sections: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut pos = 12u64;
    for i in 0..n_sections {
        src.require(&format!("the id and size of section #{} of {n_sections}", i + 1), pos, 12)?;
        let id = src.read_u32(pos)?;
        let size = src.read_u64(pos + 4)?;
        let body = pos + 12;
        src.require(&section_name(id), body, size)?;
        if sections.insert(id, (body, size)).is_some() && (SECTION_HEADER..=SECTION_TAU_G2).contains(&id) {
            return Err(src.malformed(&section_name(id), "appears twice".into()));
        }
        pos = body + size;
    }
    if pos != src.len {
        let extra = src.len - pos;
        return Err(src.malformed("the file", format!("{extra} bytes follow the last of its {n_sections} sections")));
    }
    let section = |src: &Source, id: u32| {
        sections.get(&id).copied().ok_or_else(|| src.malformed(&section_name(id), "missing".into()))
    };

    let (header, header_size) = section(src, SECTION_HEADER)?;
    let part = section_name(SECTION_HEADER);
    if header_size < 4 {
        return Err(src.malformed(&part, format!("{header_size} bytes, too short to hold n8")));
    }
    let n8 = src.read_u32(header)?;
    if n8 != 32 {
        return Err(
            src.malformed(&part, format!("field elements of {n8} bytes: not a bn128 (BN254) ceremony, whose have 32"))
        );
    }
    if header_size != 4 + 32 + 4 + 4 {
        return Err(src.malformed(&part, format!("{header_size} bytes; a bn128 header has 44")));
    }
    let q = src.read_vec(header + 4, 32)?;
    if q != bn254_q_le() {
        let mut be = q.clone();
        be.reverse();
        return Err(src.malformed(&part, format!("prime 0x{} is not BN254's: not a bn128 ceremony", hex::encode(be))));
    }
    let power = src.read_u32(header + 36)?;
    if power > MAX_POWER {
        return Err(src.malformed(&part, format!("power {power} is beyond BN254's largest, {MAX_POWER}")));
    }

    let (tau_g1, tau_g1_size) = section(src, SECTION_TAU_G1)?;
    let expected = ((1u64 << (power + 1)) - 1) * G1_BYTES;
    if tau_g1_size != expected {
        let message = format!(
            "{tau_g1_size} bytes, but a file of power {power} holds 2^{} - 1 points, {expected} bytes",
            power + 1
        );
        return Err(src.malformed(&section_name(SECTION_TAU_G1), message));
    }
    let (tau_g2, tau_g2_size) = section(src, SECTION_TAU_G2)?;
    let expected = (1u64 << power) * G2_BYTES;
    if tau_g2_size != expected {
        let message =
            format!("{tau_g2_size} bytes, but a file of power {power} holds 2^{power} points, {expected} bytes");
        return Err(src.malformed(&section_name(SECTION_TAU_G2), message));
    }

    check_k(src, k, power)?;
    let g = src.read_g1(&section_name(SECTION_TAU_G1), tau_g1, 1 << k, k)?;
    let g2 = src.read_g2(&section_name(SECTION_TAU_G2), tau_g2, 0)?;
    let s_g2 = src.read_g2(&section_name(SECTION_TAU_G2), tau_g2, 1)?;
    Ok(Powers { g, g2, s_g2, power })
}

fn read_halo2(src: &mut Source, k: u32) -> Result<Powers, CeremonyError> {
    if src.len < 4 {
        let reason = format!("{} bytes, too short for either a snarkjs .ptau or halo2 KZG parameters", src.len);
        return Err(CeremonyError::UnknownFormat { path: src.name(), reason });
    }
    let file_k = src.read_u32(0)?;
    if file_k > MAX_POWER {
        let reason = format!(
            "it does not start with \"ptau\" (a snarkjs .ptau), and as halo2 KZG parameters its first 4 bytes would give k = {file_k}, beyond BN254's {MAX_POWER}"
        );
        return Err(CeremonyError::UnknownFormat { path: src.name(), reason });
    }
    let n = 1u64 << file_k;
    let g = 4;
    let lagrange = g + n * G1_BYTES;
    let g2 = lagrange + n * G1_BYTES;
    let s_g2 = g2 + G2_BYTES;
    let end = s_g2 + G2_BYTES;
    let of = |what: &str| format!("{what} of halo2 KZG parameters (k = {file_k} by the first 4 bytes)");
    src.require(&of("the G1 powers"), g, n * G1_BYTES)?;
    src.require(&of("the Lagrange basis"), lagrange, n * G1_BYTES)?;
    src.require(&of("G2"), g2, G2_BYTES)?;
    src.require(&of("tau*G2"), s_g2, G2_BYTES)?;
    if src.len != end {
        let message = format!("{} bytes after tau*G2, where halo2 KZG parameters of k = {file_k} end", src.len - end);
        return Err(src.malformed("the file", message));
    }
    check_k(src, k, file_k)?;
    let part = CeremonyFormat::Halo2.g2_part();
    Ok(Powers {
        g: src.read_g1(CeremonyFormat::Halo2.g1_part(), g, 1 << k, k)?,
        g2: src.read_g2(part, g2, 0)?,
        s_g2: src.read_g2(part, g2, 1)?,
        power: file_k,
    })
}

/// Everything the parameters' soundness rests on, beyond each point being on the curve.
fn check_powers(src: &Source, format: CeremonyFormat, p: &Powers) -> Result<(), CeremonyError> {
    let bad = |part: &str, message: &str| CeremonyError::BadPoint {
        path: src.name(),
        part: part.into(),
        message: message.into(),
    };
    if p.g[0] != G1Affine::generator() {
        return Err(bad(format.g1_part(), "point 0 is not the generator of G1"));
    }
    if p.g2 != G2Affine::generator() {
        return Err(bad(format.g2_part(), "point 0 is not the generator of G2"));
    }
    // tau = 0 and tau = 1 satisfy the pairing check below with every power equal; the
    // subgroup check matters because G2, unlike G1, has a cofactor: a point outside the
    // prime-order subgroup has no tau at all.
    if bool::from(p.s_g2.is_identity()) {
        return Err(bad(format.g2_part(), "tau*G2 (point 1) is the point at infinity: tau = 0"));
    }
    if p.s_g2 == p.g2 {
        return Err(bad(format.g2_part(), "tau*G2 (point 1) is G2 itself: tau = 1"));
    }
    if !bool::from(G2::from(p.s_g2).is_torsion_free()) {
        return Err(bad(format.g2_part(), "tau*G2 (point 1) is not in G2's prime-order subgroup"));
    }
    if !powers_share_tau(&p.g, p.g2, p.s_g2) {
        return Err(CeremonyError::Inconsistent { path: src.name(), powers: p.g.len() as u64 });
    }
    Ok(())
}

/// Whether P_{i+1} = tau * P_i for every i, where tau is the discrete log of `s_g2`:
/// e(sum r_i P_{i+1}, G2) == e(sum r_i P_i, tau*G2) for fresh random r_i. If some pair is off,
/// the combination cancels for at most one value of its r_i given the others, so a bad file
/// passes with probability at most 2^-128 with 128-bit r_i (half the multiexp cost of full-width
/// ones). Two multiexps and one two-pairing product, whatever the number of powers.
fn powers_share_tau(g: &[G1Affine], g2: G2Affine, s_g2: G2Affine) -> bool {
    let pairs = g.len() - 1;
    let mut rng = StdRng::from_entropy();
    let r: Vec<Fr> = (0..pairs).map(|_| Fr::from_u128(rng.gen())).collect();
    let next = best_multiexp(&r, &g[1..]);
    let this = best_multiexp(&r, &g[..pairs]);
    let product = Bn256::multi_miller_loop(&[
        (&next.to_affine(), &G2Prepared::from(g2)),
        (&(-this).to_affine(), &G2Prepared::from(s_g2)),
    ]);
    bool::from(product.final_exponentiation().is_identity())
}

fn params_from_powers(k: u32, g: Vec<G1Affine>, g2: G2Affine, s_g2: G2Affine) -> ParamsKZG<Bn256> {
    let g_lagrange = lagrange_basis(&g, k);
    params_from_parts(k, g, g_lagrange, g2, s_g2)
}

/// halo2-axiom's `ParamsKZG` has private fields and builds from parts only through a method,
/// `from_parts`, whose receiver it ignores: a one-point placeholder provides it.
pub(crate) fn params_from_parts(
    k: u32,
    g: Vec<G1Affine>,
    g_lagrange: Vec<G1Affine>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> ParamsKZG<Bn256> {
    let placeholder = ParamsKZG::<Bn256>::setup(0, StdRng::seed_from_u64(0));
    placeholder.from_parts(k, g, Some(g_lagrange), g2, s_g2)
}

/// The Lagrange basis of the 2^k-th roots of unity halo2 uses, from the powers alone:
/// L_i = (1/n) sum_j omega^(-ij) P_j, an inverse FFT in the group. The same points halo2's
/// `g_to_lagrange` (and so `downsize`) computes, byte for byte (a test compares them with a
/// setup that knew tau), but with variable-time twiddle multiplications (`glv_mul`) instead
/// of the curve's constant-time double-and-add, and none for the twiddles equal to 1: this
/// transform is most of the import's time. Points and twiddles are public, so variable time
/// leaks nothing.
fn lagrange_basis(g: &[G1Affine], k: u32) -> Vec<G1Affine> {
    let n = g.len();
    debug_assert_eq!(n, 1 << k);
    let mut omega_inv = Fr::ROOT_OF_UNITY_INV;
    for _ in k..Fr::S {
        omega_inv = omega_inv.square();
    }
    // Cooley-Tukey, decimation in time: inputs in bit-reversed order, outputs in order.
    let mut a: Vec<G1> = vec![G1::identity(); n];
    a.par_iter_mut().enumerate().for_each(|(i, a)| {
        let from = if k == 0 { i } else { i.reverse_bits() >> (usize::BITS - k) };
        *a = g[from].to_curve();
    });
    let mut half = 1;
    while half < n {
        let step = omega_inv.pow_vartime([(n / (2 * half)) as u64]);
        let mut twiddles = Vec::with_capacity(half);
        let mut w = Fr::ONE;
        for _ in 0..half {
            twiddles.push(w);
            w *= step;
        }
        let twiddles: Vec<(Fr, Option<Split>)> = twiddles.into_par_iter().map(|w| (w, split(&w))).collect();
        a.par_chunks_mut(2 * half).for_each(|block| {
            let (lo, hi) = block.split_at_mut(half);
            lo.par_iter_mut().zip(hi.par_iter_mut()).zip(twiddles.par_iter()).for_each(|((lo, hi), (w, split))| {
                // The first twiddle of every block is 1.
                let t = if *w == Fr::ONE { *hi } else { glv_mul(hi, w, *split) };
                *hi = *lo - t;
                *lo += t;
            });
        });
        half *= 2;
    }
    let n_inv = Fr::from(n as u64).invert().expect("n is a power of two, below the field's order");
    let n_inv_split = split(&n_inv);
    a.par_iter_mut().for_each(|p| *p = glv_mul(p, &n_inv, n_inv_split));
    let mut affine = vec![G1Affine::identity(); n];
    a.par_chunks(CHUNK_POINTS)
        .zip(affine.par_chunks_mut(CHUNK_POINTS))
        .for_each(|(p, out)| G1::batch_normalize(p, out));
    affine
}

/// A scalar split as s = k1 + k2 * lambda (mod r), |k1|, |k2| < 2^128, where lambda * P is
/// BN254's endomorphism (x, y) -> (beta * x, y) (`CurveExt::endo`). Each half as (magnitude,
/// negative).
#[derive(Clone, Copy)]
struct Split {
    k1: (u128, bool),
    k2: (u128, bool),
}

/// The GLV lattice {(a, b) : a + b * lambda = 0 mod r} and a short basis of it, found by the
/// extended Euclidean algorithm on (r, lambda) (Gallant, Lambert, Vanstone 2001, section 4).
struct Glv {
    v1: (BigInt, BigInt),
    v2: (BigInt, BigInt),
    det: BigInt,
}

fn glv() -> &'static Glv {
    static GLV: OnceLock<Glv> = OnceLock::new();
    GLV.get_or_init(|| {
        let r = BigInt::parse_bytes(Fr::MODULUS.trim_start_matches("0x").as_bytes(), 16)
            .expect("the modulus constant is hex");
        let lambda = BigInt::from_bytes_le(Sign::Plus, Fr::ZETA.to_repr().as_ref());
        // r_i = t_i * lambda (mod r) throughout, so (r_i, -t_i) is in the lattice.
        let (mut r0, mut r1) = (r.clone(), lambda);
        let (mut t0, mut t1) = (BigInt::zero(), BigInt::one());
        let root = r.sqrt();
        while r1 >= root {
            let q = &r0 / &r1;
            let r2 = &r0 - &q * &r1;
            let t2 = &t0 - &q * &t1;
            (r0, r1, t0, t1) = (r1, r2, t1, t2);
        }
        let q = &r0 / &r1;
        let (r2, t2) = (&r0 - &q * &r1, &t0 - &q * &t1);
        let v1 = (r1, -t1);
        let norm = |v: &(BigInt, BigInt)| &v.0 * &v.0 + &v.1 * &v.1;
        let (a, b) = ((r0, -t0), (r2, -t2));
        let v2 = if norm(&a) <= norm(&b) { a } else { b };
        let det = &v1.0 * &v2.1 - &v2.0 * &v1.1;
        Glv { v1, v2, det }
    })
}

/// x / d rounded to the nearest integer, for d > 0.
fn div_round(x: BigInt, d: &BigInt) -> BigInt {
    let (num, den) = (x * 2 + d, d * 2);
    let (q, rem): (BigInt, BigInt) = (&num / &den, &num % &den);
    if rem.sign() == Sign::Minus {
        q - 1
    } else {
        q
    }
}

/// Babai rounding of (s, 0) to the lattice: what is left is (k1, k2), short.
fn split(s: &Fr) -> Option<Split> {
    let glv = glv();
    let k = BigInt::from_bytes_le(Sign::Plus, s.to_repr().as_ref());
    let (sign, det) = if glv.det.sign() == Sign::Minus { (-1, -&glv.det) } else { (1, glv.det.clone()) };
    let c1 = div_round(&k * &glv.v2.1 * sign, &det);
    let c2 = div_round(-&k * &glv.v1.1 * sign, &det);
    let k1 = &k - &c1 * &glv.v1.0 - &c2 * &glv.v2.0;
    let k2 = -(&c1 * &glv.v1.1) - &c2 * &glv.v2.1;
    let half = |x: &BigInt| Some((x.magnitude().to_u128()?, x.sign() == Sign::Minus));
    Some(Split { k1: half(&k1)?, k2: half(&k2)? })
}

/// p * s in variable time: s split by `split` (falling back to the whole scalar, never needed
/// on BN254), then both 128-bit halves at once, 4 bits at a time, from tables of 0..15 * p and
/// 0..15 * lambda * p: 128 doublings and at most 94 additions, against 256 of each for the
/// curve's constant-time multiplication.
fn glv_mul(p: &G1, s: &Fr, split: Option<Split>) -> G1 {
    let Some(Split { k1, k2 }) = split else { return p * s };
    let signed = |q: G1, negative: bool| if negative { -q } else { q };
    let table = |q: G1| {
        let mut t = [G1::identity(); 16];
        for d in 1..16 {
            t[d] = t[d - 1] + q;
        }
        t
    };
    let (t1, t2) = (table(signed(*p, k1.1)), table(signed(p.endo(), k2.1)));
    let mut acc = G1::identity();
    for window in (0..32).rev() {
        for _ in 0..4 {
            acc = acc.double();
        }
        let (d1, d2) = ((k1.0 >> (4 * window)) & 15, (k2.0 >> (4 * window)) & 15);
        if d1 != 0 {
            acc += t1[d1 as usize];
        }
        if d2 != 0 {
            acc += t2[d2 as usize];
        }
    }
    acc
}

/// Writes a `.ptau` file, in the layout snarkjs writes, of 2^power powers of a KNOWN tau:
/// insecure by construction, for tests and for timing imports of large files. Its sections are
/// those of a fresh `powersoftau new` (1 to 7, no contributions) with tau in place of 1;
/// alpha and beta, which KZG does not use, are tau + 1 and tau + 2.
pub fn write_insecure_ptau<W: Write>(out: &mut W, power: u32, tau: Fr) -> std::io::Result<()> {
    if power > MAX_POWER {
        let message = format!("power {power} is beyond BN254's largest, {MAX_POWER}");
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message));
    }
    let n = 1u64 << power;
    let g1 = FixedBase::new(G1::generator());
    let g2 = FixedBase::new(G2::generator());
    let (alpha, beta) = (tau + Fr::ONE, tau + Fr::from(2));

    out.write_all(PTAU_MAGIC)?;
    out.write_all(&PTAU_VERSION.to_le_bytes())?;
    out.write_all(&7u32.to_le_bytes())?;
    let section = |out: &mut W, id: u32, size: u64| -> std::io::Result<()> {
        out.write_all(&id.to_le_bytes())?;
        out.write_all(&size.to_le_bytes())
    };

    section(out, SECTION_HEADER, 44)?;
    out.write_all(&32u32.to_le_bytes())?;
    out.write_all(&bn254_q_le())?;
    out.write_all(&power.to_le_bytes())?;
    out.write_all(&power.to_le_bytes())?;

    section(out, SECTION_TAU_G1, (2 * n - 1) * G1_BYTES)?;
    g1.write_powers(out, Fr::ONE, tau, 2 * n - 1)?;
    section(out, SECTION_TAU_G2, n * G2_BYTES)?;
    g2.write_powers(out, Fr::ONE, tau, n)?;
    section(out, 4, n * G1_BYTES)?;
    g1.write_powers(out, alpha, tau, n)?;
    section(out, 5, n * G1_BYTES)?;
    g1.write_powers(out, beta, tau, n)?;
    section(out, 6, G2_BYTES)?;
    g2.write_powers(out, beta, tau, 1)?;
    section(out, 7, 4)?;
    out.write_all(&0u32.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glv_split_is_short_and_exact_and_its_multiplication_agrees_with_the_curves() {
        let lambda = Fr::ZETA;
        assert_eq!(G1::generator() * lambda, G1::generator().endo(), "lambda * P is the endomorphism");
        let mut rng = StdRng::seed_from_u64(3);
        let mut scalars: Vec<Fr> = (0..200).map(|_| Fr::random(&mut rng)).collect();
        scalars.extend([Fr::ZERO, Fr::ONE, -Fr::ONE, lambda, -lambda, Fr::ROOT_OF_UNITY_INV]);
        let p = G1::generator() * Fr::random(&mut rng);
        for s in scalars {
            let parts = split(&s).expect("every scalar splits into 128-bit halves");
            let signed = |(m, negative): (u128, bool)| if negative { -Fr::from_u128(m) } else { Fr::from_u128(m) };
            assert_eq!(signed(parts.k1) + signed(parts.k2) * lambda, s);
            assert_eq!(glv_mul(&p, &s, Some(parts)), p * s);
        }
    }
}
