//! The proof bundle: one JSON file per attestation (format 2).
//!
//! `public_inputs` is the [`AttestationStatement`] the proof binds, every field of it, keyed by
//! name in circuit order, and converts to and from it losslessly: the policy as its 12 haircut
//! slots (unused slots repeat the last bucket, as the circuit sees them) and the deployment
//! table as its 16 slots (unused ones `"0"`). `metadata` is what the proof does not bind (the
//! policy's name, dates and labels): a verifier shows it as unverified.

use std::path::Path;

use bondproof_circuits::cusip::Eligibility;
use bondproof_circuits::policy::{PolicyInstance, HAIRCUT_SLOTS};
use bondproof_circuits::statement::{fr_from_be_bytes, fr_to_be_bytes};
use bondproof_circuits::{AttestationStatement, CircuitKind, Deployment, Fr, DEPLOYMENT_SLOTS};
use serde::{Deserialize, Serialize};

/// Format 2: the single attestation circuit's statement (format 1 held the solvency and
/// policy-solvency circuits' inputs, which no key verifies any more).
pub const FORMAT_VERSION: u32 = 2;

/// The attestation statement as JSON: numbers as decimal strings, the root as 0x-hex, the
/// custodian as a 0x address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementJson {
    /// 0x-hex, 32 bytes big-endian.
    pub root: String,
    pub epoch: String,
    /// The custodian's Ethereum address (0x + 40 hex digits); the registry requires
    /// `msg.sender` to be it.
    pub custodian: String,
    /// Days since 1970-01-01.
    pub as_of_days: String,
    pub ratio_bps: String,
    pub policy: PolicyJson,
    /// Exactly 16 slots; unused slots are `{"domain": "0", "supply_cents": "0"}`.
    pub deployments: Vec<DeploymentJson>,
}

/// The policy's public inputs ([`PolicyInstance`]), not the policy file: `null` bounds appear as
/// the circuit's 65535 days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyJson {
    /// `"us-treasury"` or `"any-cusip"`.
    pub eligible: String,
    pub max_maturity_days: String,
    /// Exactly 12 slots.
    pub haircuts: Vec<HaircutJson>,
    pub wam_enabled: bool,
    pub max_wam_days: String,
    pub weekly_enabled: bool,
    pub min_weekly_liquid_bps: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaircutJson {
    pub max_days: String,
    pub bps: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentJson {
    /// Decimal: `chain_id * 2^160 + registry` for a chain, `2^224 + register` for book entry.
    pub domain: String,
    pub supply_cents: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitInfo {
    pub name: String,
    pub k: u32,
    pub depth: u32,
}

/// What a deployment slot is, as the liabilities file described it. Unproved: only the slot's
/// domain and supply are public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentLabel {
    pub slot: usize,
    /// `"chain"` or `"book-entry"`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<u64>,
    /// The USD value of one token or share the line was valued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nav_usd: Option<String>,
    /// Provenance (`liabilities snapshot`): the block whose supply the line was computed from.
    /// Unproved; `verify --rpc` re-reads the supply there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_number: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_hash: Option<String>,
}

/// Everything in a bundle that the proof does not bind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// The policy file's name (the proved parameters are in `public_inputs.policy`).
    pub policy: String,
    /// ISO date the positions were valued at (the proved one is `public_inputs.as_of_days`).
    pub as_of: String,
    /// RFC 3339 time the proof was made.
    pub created_at: String,
    /// A human name for the custodian (the proved address is `public_inputs.custodian`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<String>,
    #[serde(default)]
    pub deployments: Vec<DeploymentLabel>,
    /// The prover's claim that it used a locally generated, insecure setup. Unverified: the
    /// verifier judges the setup of the key it pins, never this field (absent reads as false).
    #[serde(default)]
    pub insecure_setup: bool,
    pub prover: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    pub format_version: u32,
    pub circuit: CircuitInfo,
    pub public_inputs: StatementJson,
    /// 0x-hex proof bytes (SHPLONK), with the transcript `transcript` names.
    pub proof: String,
    /// Keccak (absent: what the EVM verifier replays) or Poseidon (what the compression circuit
    /// verifies; see `bondproof compress`).
    #[serde(default, skip_serializing_if = "Transcript::is_keccak")]
    pub transcript: Transcript,
    /// `0x` + SHA-256 of the verifying-key file the proof was made for.
    pub vk_hash: String,
    pub metadata: Metadata,
}

/// The Fiat-Shamir transcript a proof was made with. Keccak is what a Solidity verifier replays
/// cheaply; Poseidon is what a circuit (the compression circuit) hashes cheaply. A proof
/// verifies with its own transcript only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transcript {
    #[default]
    Keccak,
    Poseidon,
}

impl Transcript {
    pub fn is_keccak(&self) -> bool {
        *self == Transcript::Keccak
    }

    pub fn name(self) -> &'static str {
        match self {
            Transcript::Keccak => "keccak",
            Transcript::Poseidon => "poseidon",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "keccak" => Some(Transcript::Keccak),
            "poseidon" => Some(Transcript::Poseidon),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a valid proof bundle: {message}")]
    Malformed { path: String, message: String },
}

impl StatementJson {
    pub fn from_statement(s: &AttestationStatement) -> Self {
        Self {
            root: fr_hex(&s.root),
            epoch: s.epoch.to_string(),
            custodian: address_hex(&s.custodian),
            as_of_days: s.as_of_days.to_string(),
            ratio_bps: s.ratio_bps.to_string(),
            policy: PolicyJson::from_instance(&s.policy),
            deployments: s
                .deployments
                .iter()
                .map(|d| DeploymentJson { domain: fr_to_decimal(&d.domain), supply_cents: d.supply_cents.to_string() })
                .collect(),
        }
    }

    /// The statement, refusing anything that is not exactly one: a slot count other than 16
    /// (or 12 haircut slots), a number out of its type's range, a malformed address or root.
    /// Bounds the circuit itself enforces (a supply below 2^96, ...) are left to the proof.
    pub fn to_statement(&self) -> Result<AttestationStatement, String> {
        if self.deployments.len() != DEPLOYMENT_SLOTS {
            return Err(format!(
                "public input 'deployments' must have exactly {DEPLOYMENT_SLOTS} slots (unused ones \"0\"), found {}",
                self.deployments.len()
            ));
        }
        let mut deployments = [Deployment::default(); DEPLOYMENT_SLOTS];
        for (j, (slot, d)) in deployments.iter_mut().zip(&self.deployments).enumerate() {
            slot.domain = parse_field_decimal(&d.domain)
                .ok_or_else(|| format!("public input 'deployments[{j}].domain' is not a field element in decimal"))?;
            slot.supply_cents = parse_dec(&d.supply_cents, &format!("deployments[{j}].supply_cents"))?;
        }
        Ok(AttestationStatement {
            root: parse_root(&self.root)?,
            epoch: parse_dec(&self.epoch, "epoch")?,
            custodian: parse_address(&self.custodian).map_err(|e| format!("public input 'custodian': {e}"))?,
            as_of_days: parse_dec(&self.as_of_days, "as_of_days")?,
            ratio_bps: parse_dec(&self.ratio_bps, "ratio_bps")?,
            policy: self.policy.to_instance()?,
            deployments,
        })
    }
}

impl PolicyJson {
    pub fn from_instance(p: &PolicyInstance) -> Self {
        Self {
            eligible: p.eligible.name().to_string(),
            max_maturity_days: p.max_maturity_days.to_string(),
            haircuts: p
                .buckets
                .iter()
                .map(|(d, b)| HaircutJson { max_days: d.to_string(), bps: b.to_string() })
                .collect(),
            wam_enabled: p.wam_enabled,
            max_wam_days: p.max_wam_days.to_string(),
            weekly_enabled: p.weekly_enabled,
            min_weekly_liquid_bps: p.min_weekly_liquid_bps.to_string(),
        }
    }

    pub fn to_instance(&self) -> Result<PolicyInstance, String> {
        let eligible = match self.eligible.as_str() {
            "us-treasury" => Eligibility::UsTreasury,
            "any-cusip" => Eligibility::AnyCusip,
            other => {
                return Err(format!(
                    "public input 'policy.eligible' must be \"us-treasury\" or \"any-cusip\", got {other:?}"
                ))
            }
        };
        if self.haircuts.len() != HAIRCUT_SLOTS {
            return Err(format!(
                "public input 'policy.haircuts' must have exactly {HAIRCUT_SLOTS} slots, found {}",
                self.haircuts.len()
            ));
        }
        let mut buckets = [(0u64, 0u64); HAIRCUT_SLOTS];
        for (j, (slot, h)) in buckets.iter_mut().zip(&self.haircuts).enumerate() {
            *slot = (
                parse_dec(&h.max_days, &format!("policy.haircuts[{j}].max_days"))?,
                parse_dec(&h.bps, &format!("policy.haircuts[{j}].bps"))?,
            );
        }
        Ok(PolicyInstance {
            eligible,
            max_maturity_days: parse_dec(&self.max_maturity_days, "policy.max_maturity_days")?,
            buckets,
            wam_enabled: self.wam_enabled,
            max_wam_days: parse_dec(&self.max_wam_days, "policy.max_wam_days")?,
            weekly_enabled: self.weekly_enabled,
            min_weekly_liquid_bps: parse_dec(&self.min_weekly_liquid_bps, "policy.min_weekly_liquid_bps")?,
        })
    }
}

/// A field element as 0x-hex of its 32 big-endian bytes (roots, salts).
pub fn fr_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(fr_to_be_bytes(x)))
}

/// An address as lowercase 0x-hex.
/// What a deployment domain names, as JSON: the public input decoded (no label involved).
pub fn domain_json(domain: &Fr) -> serde_json::Value {
    use bondproof_circuits::statement::{domain_kind, DomainKind};
    use serde_json::json;
    match domain_kind(domain) {
        DomainKind::Unused => json!({"kind": "unused"}),
        DomainKind::Chain { chain_id, registry } => {
            json!({"kind": "chain", "chain_id": chain_id, "registry": address_hex(&registry)})
        }
        DomainKind::BookEntry { register } => json!({"kind": "book-entry", "register": register}),
        DomainKind::Other => json!({"kind": "other"}),
    }
}

pub fn address_hex(a: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(a))
}

/// `0x` + 40 hex digits.
pub fn parse_address(s: &str) -> Result<[u8; 20], String> {
    s.strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 20]>::try_from(b).ok())
        .ok_or_else(|| format!("'{s}' is not an address (0x + 40 hex digits)"))
}

/// The inverse of [`fr_hex`] (the messages say "root", its main use).
pub fn parse_root(s: &str) -> Result<Fr, String> {
    let h = s.strip_prefix("0x").ok_or("root must be 0x-hex")?;
    let bytes = hex::decode(h).map_err(|_| "root is not hex".to_string())?;
    let be: [u8; 32] = bytes.try_into().map_err(|_| "root must be 32 bytes".to_string())?;
    fr_from_be_bytes(&be).ok_or_else(|| "root is not a field element".to_string())
}

fn parse_dec<T: std::str::FromStr>(s: &str, name: &str) -> Result<T, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("public input '{name}' must be a decimal string, got {s:?}"));
    }
    s.parse().map_err(|_| format!("public input '{name}' is out of range: {s}"))
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

    /// The statement the bundle claims was proved (what `verify_bundle` checks the proof for).
    pub fn statement(&self) -> Result<AttestationStatement, String> {
        if self.circuit.name != CircuitKind::Attestation.name() {
            return Err(format!("circuit '{}' is not an attestation", self.circuit.name));
        }
        self.public_inputs.to_statement()
    }

    /// The proof's public inputs in circuit order.
    pub fn instances(&self) -> Result<Vec<Fr>, String> {
        Ok(self.statement()?.to_instances())
    }

    pub fn read(path: &Path) -> Result<Self, BundleError> {
        read_versioned(path, FORMAT_VERSION)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write_json(path, self)
    }
}

pub(crate) fn decode_proof_hex(proof: &str) -> Result<Vec<u8>, String> {
    let h = proof.strip_prefix("0x").ok_or("proof must be 0x-hex")?;
    hex::decode(h).map_err(|_| "proof is not valid hex".to_string())
}

/// Reads a bundle (of either kind) whose `format_version` must be `expected`.
pub(crate) fn read_versioned<T: serde::de::DeserializeOwned>(path: &Path, expected: u32) -> Result<T, BundleError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| BundleError::Io { path: path.display().to_string(), source })?;
    let malformed = |message: String| BundleError::Malformed { path: path.display().to_string(), message };
    // The version first, so an old bundle is named as such instead of failing on its fields.
    #[derive(Deserialize)]
    struct Version {
        format_version: Option<u32>,
    }
    let found = serde_json::from_str::<Version>(&text).map_err(|e| malformed(e.to_string()))?.format_version;
    if found != Some(expected) {
        return Err(malformed(format!(
            "format_version {} is not supported (expected {expected})",
            found.map_or("missing".to_string(), |v| v.to_string())
        )));
    }
    serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bondproof_circuits::policy::Policy;
    use bondproof_circuits::statement::{book_entry_domain, domain_tag};

    fn statement() -> AttestationStatement {
        let mut policy = Policy::par();
        policy.eligible = Eligibility::AnyCusip;
        policy.max_wam_days = Some(60);
        let mut deployments = [Deployment::default(); DEPLOYMENT_SLOTS];
        deployments[0] = Deployment { domain: domain_tag(1, [0xab; 20]), supply_cents: (1 << 96) - 1 };
        deployments[1] = Deployment { domain: book_entry_domain(3), supply_cents: 12_345 };
        AttestationStatement {
            root: Fr::from(0) - Fr::from(1),
            epoch: u64::MAX,
            custodian: [0xcd; 20],
            as_of_days: 20_781,
            ratio_bps: u32::MAX,
            policy: policy.instance(),
            deployments,
        }
    }

    #[test]
    fn the_statement_round_trips_through_json_losslessly() {
        let s = statement();
        let json = StatementJson::from_statement(&s);
        assert_eq!(json.to_statement().unwrap(), s);
        let text = serde_json::to_string(&json).unwrap();
        let back: StatementJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.to_statement().unwrap().to_instances(), s.to_instances());
        assert_eq!(json.deployments.len(), DEPLOYMENT_SLOTS);
        assert_eq!(json.deployments[2].domain, "0");
        assert_eq!(json.policy.haircuts.len(), HAIRCUT_SLOTS);
    }

    #[test]
    fn a_statement_of_the_wrong_shape_is_refused() {
        let json = StatementJson::from_statement(&statement());
        let mut short = json.clone();
        short.deployments.pop();
        assert!(short.to_statement().unwrap_err().contains("exactly 16"));
        let mut long = json.clone();
        long.deployments.push(DeploymentJson { domain: "0".into(), supply_cents: "0".into() });
        assert!(long.to_statement().is_err());
        let mut buckets = json.clone();
        buckets.policy.haircuts.pop();
        assert!(buckets.to_statement().unwrap_err().contains("exactly 12"));
        let mut eligible = json.clone();
        eligible.policy.eligible = "corporates".into();
        assert!(eligible.to_statement().is_err());
        let mut custodian = json.clone();
        custodian.custodian = "0x1234".into();
        assert!(custodian.to_statement().is_err());
        let mut ratio = json.clone();
        ratio.ratio_bps = (1u64 << 32).to_string();
        assert!(ratio.to_statement().is_err());
        let mut negative = json;
        negative.epoch = "-1".into();
        assert!(negative.to_statement().is_err());
    }
}
