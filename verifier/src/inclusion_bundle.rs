//! The inclusion proof bundle: one JSON file per audited position, proving that a CUSIP at a
//! face value is a leaf of the tree behind a root, and nothing else about the tree.

use std::path::Path;

use bondproof_circuits::{CircuitKind, Fr, InclusionPublicInputs};
use serde::{Deserialize, Serialize};

use crate::bundle::{fr_hex, parse_root, BundleError, CircuitInfo};
use crate::verify::{check_pinned_key, verify_proof_bytes, VerifyError};
use crate::vk_file::VerifierKey;

/// Inclusion bundles did not change with the attestation's format 2.
pub const INCLUSION_FORMAT_VERSION: u32 = 1;

/// Public inputs in circuit order, as people read them: the CUSIP as its 9 characters rather
/// than the field element the circuit sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionInputsJson {
    /// 0x-hex, 32 bytes big-endian.
    pub root: String,
    /// The 9-character CUSIP.
    pub cusip: String,
    /// US cents, decimal string.
    pub face_value: String,
    pub epoch: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionMetadata {
    /// RFC 3339 time the proof was made.
    pub created_at: String,
    /// ISO date the commitment's positions were valued at.
    pub as_of: String,
    /// True when the proof was made with a locally generated, insecure setup.
    pub insecure_setup: bool,
    pub prover: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionBundle {
    pub format_version: u32,
    pub circuit: CircuitInfo,
    pub public_inputs: InclusionInputsJson,
    /// 0x-hex proof bytes (Keccak transcript, SHPLONK).
    pub proof: String,
    /// `0x` + SHA-256 of the verifying-key file the proof was made for.
    pub vk_hash: String,
    pub metadata: InclusionMetadata,
}

/// The circuit's encoding of a CUSIP: its 9 ASCII bytes as a big-endian integer. Only the
/// shape is checked here (the check digit is the prover's business): the encoding is injective
/// for any 9 ASCII bytes, so a wrong CUSIP simply names another leaf.
pub fn cusip_to_field(cusip: &str) -> Result<Fr, String> {
    let b = cusip.as_bytes();
    if b.len() != 9 || !b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || b"*@#".contains(c)) {
        return Err(format!("public input 'cusip' must be 9 characters (A-Z, 0-9, *, @, #), got '{cusip}'"));
    }
    Ok(bondproof_circuits::cusip::cusip_field(b.try_into().expect("9 bytes, checked above")))
}

impl InclusionInputsJson {
    pub fn new(root: &Fr, cusip: &str, face_value: u64, epoch: u64) -> Self {
        Self {
            root: fr_hex(root),
            cusip: cusip.to_string(),
            face_value: face_value.to_string(),
            epoch: epoch.to_string(),
        }
    }

    pub fn to_inputs(&self) -> Result<InclusionPublicInputs, String> {
        let dec = |s: &str, name: &str| -> Result<u64, String> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("public input '{name}' must be a decimal string, got '{s}'"));
            }
            s.parse().map_err(|_| format!("public input '{name}' is out of range (below 2^64)"))
        };
        Ok(InclusionPublicInputs {
            root: parse_root(&self.root)?,
            cusip: cusip_to_field(&self.cusip)?,
            face_value: dec(&self.face_value, "face_value")?,
            epoch: dec(&self.epoch, "epoch")?,
        })
    }
}

impl InclusionBundle {
    pub fn proof_bytes(&self) -> Result<Vec<u8>, String> {
        crate::bundle::decode_proof_hex(&self.proof)
    }

    pub fn read(path: &Path) -> Result<Self, BundleError> {
        let bundle: Self = crate::bundle::read_versioned(path, INCLUSION_FORMAT_VERSION)?;
        if bundle.circuit.name != CircuitKind::Inclusion.name() {
            return Err(BundleError::Malformed {
                path: path.display().to_string(),
                message: format!("circuit '{}' is not an inclusion proof", bundle.circuit.name),
            });
        }
        Ok(bundle)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write_json(path, self)
    }
}

/// Checks the bundle against the pinned key and, when given, the root the verifier expects
/// (a proof is only meaningful against the root the custodian published); returns its inputs.
pub fn verify_inclusion_bundle(
    bundle: &InclusionBundle,
    key: &VerifierKey,
    expected_root: Option<&Fr>,
) -> Result<InclusionPublicInputs, VerifyError> {
    check_pinned_key(&bundle.vk_hash, &bundle.circuit, key)?;
    let inputs = bundle.public_inputs.to_inputs().map_err(VerifyError::Malformed)?;
    if let Some(root) = expected_root {
        if *root != inputs.root {
            return Err(VerifyError::RootMismatch {
                bundle: bundle.public_inputs.root.clone(),
                expected: fr_hex(root),
            });
        }
    }
    let proof = bundle.proof_bytes().map_err(VerifyError::Malformed)?;
    verify_proof_bytes(key, &inputs.to_instances(), &proof)?;
    Ok(inputs)
}
