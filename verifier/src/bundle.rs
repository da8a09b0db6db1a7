//! The proof bundle: one JSON file per attestation.

use std::path::Path;

use bondproof_circuits::policy::{PolicyPublicInputs, POLICY_CIRCUIT};
use bondproof_circuits::public_inputs::{fr_from_be_bytes, fr_to_be_bytes};
use bondproof_circuits::{Fr, SolvencyPublicInputs};
use serde::{Deserialize, Serialize};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicInputsJson {
    /// 0x-hex, 32 bytes big-endian.
    pub root: String,
    pub liabilities: String,
    pub ratio_bps: String,
    pub epoch: String,
    pub domain: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitInfo {
    pub name: String,
    pub k: u32,
    pub depth: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// ISO date the positions were valued at.
    pub as_of: String,
    /// RFC 3339 time the proof was made.
    pub created_at: String,
    pub custodian: Option<String>,
    /// True when the proof was made with a locally generated, insecure setup.
    pub insecure_setup: bool,
    pub prover: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    pub format_version: u32,
    pub circuit: CircuitInfo,
    pub public_inputs: PublicInputsJson,
    /// 0x-hex proof bytes (Keccak transcript, SHPLONK), as the EVM verifier takes them.
    pub proof: String,
    /// `0x` + SHA-256 of the verifying-key file the proof was made for.
    pub vk_hash: String,
    pub metadata: Metadata,
    /// The policy proved (circuit `policy-solvency`): its parameters are public inputs too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRecord>,
}

/// A policy by name and parameters, with the as-of date the maturity rules were proved at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub parameters: bondproof_circuits::policy::Policy,
    /// Days since 1970-01-01.
    pub as_of_days: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a valid proof bundle: {message}")]
    Malformed { path: String, message: String },
}

impl PublicInputsJson {
    pub fn from_inputs(p: &SolvencyPublicInputs) -> Self {
        Self {
            root: fr_hex(&p.root),
            liabilities: p.liabilities.to_string(),
            ratio_bps: p.ratio_bps.to_string(),
            epoch: p.epoch.to_string(),
            domain: fr_to_decimal(&p.domain),
        }
    }

    pub fn to_inputs(&self) -> Result<SolvencyPublicInputs, String> {
        Ok(SolvencyPublicInputs {
            root: parse_root(&self.root)?,
            liabilities: parse_dec(&self.liabilities, "liabilities")?,
            ratio_bps: parse_dec(&self.ratio_bps, "ratio_bps")?,
            epoch: parse_dec(&self.epoch, "epoch")?,
            domain: parse_field_decimal(&self.domain).ok_or("public input 'domain' is not a field element in decimal")?,
        })
    }
}

/// A field element as 0x-hex of its 32 big-endian bytes (roots, salts).
pub fn fr_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(fr_to_be_bytes(x)))
}

/// The inverse of [`fr_hex`] (the messages say "root", its main use).
/// The public inputs in circuit order of a parsed statement (see `ProofBundle::statement`).
pub fn instances_of(statement: &(SolvencyPublicInputs, Option<PolicyPublicInputs>)) -> Vec<Fr> {
    match statement {
        (_, Some(p)) => p.to_instances(),
        (inputs, None) => inputs.to_instances(),
    }
}

pub fn parse_root(s: &str) -> Result<Fr, String> {
    let h = s.strip_prefix("0x").ok_or("root must be 0x-hex")?;
    let bytes = hex::decode(h).map_err(|_| "root is not hex".to_string())?;
    let be: [u8; 32] = bytes.try_into().map_err(|_| "root must be 32 bytes".to_string())?;
    fr_from_be_bytes(&be).ok_or_else(|| "root is not a field element".to_string())
}

fn parse_dec<T: std::str::FromStr>(s: &str, name: &str) -> Result<T, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("public input '{name}' must be a decimal string"));
    }
    s.parse().map_err(|_| format!("public input '{name}' is out of range"))
}

/// Decimal representation of a field element.
pub fn fr_to_decimal(x: &Fr) -> String {
    let be = fr_to_be_bytes(x);
    // Repeated division of a 256-bit big-endian number by 10.
    let mut digits = Vec::new();
    let mut n = be.to_vec();
    while n.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = (rem << 8) | *b as u32;
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        return "0".into();
    }
    digits.reverse();
    String::from_utf8(digits).expect("ascii digits")
}

/// A decimal string below the field modulus.
pub fn parse_field_decimal(s: &str) -> Option<Fr> {
    if s.is_empty() || s.len() > 78 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut be = [0u8; 32];
    for d in s.bytes() {
        let mut carry = (d - b'0') as u32;
        for b in be.iter_mut().rev() {
            let cur = (*b as u32) * 10 + carry;
            *b = cur as u8;
            carry = cur >> 8;
        }
        if carry != 0 {
            return None;
        }
    }
    fr_from_be_bytes(&be)
}

impl ProofBundle {
    pub fn proof_bytes(&self) -> Result<Vec<u8>, String> {
        decode_proof_hex(&self.proof)
    }

    /// The statement as the bundle records it, parsed once: the solvency inputs, and for a
    /// policy proof its full statement (the same inputs, the as-of date and the policy).
    pub fn statement(&self) -> Result<(SolvencyPublicInputs, Option<PolicyPublicInputs>), String> {
        let inputs = self.public_inputs.to_inputs()?;
        let policy = match (self.circuit.name.as_str(), &self.policy) {
            (POLICY_CIRCUIT, Some(p)) => {
                p.parameters.validate()?;
                Some(PolicyPublicInputs { solvency: inputs, as_of_days: p.as_of_days, policy: p.parameters.instance() })
            }
            (POLICY_CIRCUIT, None) => return Err("a policy-solvency bundle must record its policy".into()),
            (_, Some(_)) => return Err("only a policy-solvency bundle may carry a policy".into()),
            (_, None) => None,
        };
        Ok((inputs, policy))
    }

    /// The full statement of a policy proof (`None` for a plain solvency proof).
    pub fn policy_inputs(&self) -> Result<Option<PolicyPublicInputs>, String> {
        Ok(self.statement()?.1)
    }

    /// The proof's public inputs in circuit order.
    pub fn instances(&self) -> Result<Vec<Fr>, String> {
        Ok(instances_of(&self.statement()?))
    }

    pub fn read(path: &Path) -> Result<Self, BundleError> {
        read_versioned(path, |b: &Self| b.format_version)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write_json(path, self)
    }
}

pub(crate) fn decode_proof_hex(proof: &str) -> Result<Vec<u8>, String> {
    let h = proof.strip_prefix("0x").ok_or("proof must be 0x-hex")?;
    hex::decode(h).map_err(|_| "proof is not valid hex".to_string())
}

/// Reads a bundle (of either kind) and checks its format version.
pub(crate) fn read_versioned<T: serde::de::DeserializeOwned>(path: &Path, version: impl Fn(&T) -> u32) -> Result<T, BundleError> {
    let bundle: T = read_json(path)?;
    if version(&bundle) != FORMAT_VERSION {
        return Err(BundleError::Malformed {
            path: path.display().to_string(),
            message: format!("format_version {} is not supported (expected {FORMAT_VERSION})", version(&bundle)),
        });
    }
    Ok(bundle)
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BundleError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| BundleError::Io { path: path.display().to_string(), source })?;
    serde_json::from_str(&text).map_err(|e| BundleError::Malformed { path: path.display().to_string(), message: e.to_string() })
}
