//! Treasury-grade attestation policies (issue 7): the policy file, its public-input encoding,
//! the native evaluation the CLI runs before proving, and (in [`circuit`]) the
//! [`PolicySolvencyCircuit`] that enforces every rule in zero knowledge.
//!
//! Rules, for the leaves of the tree in tree order (a leaf is *real* when its cusip is non-zero):
//! 1. real leaves come first, in strictly increasing `cusip_as_field` order; padding leaves have
//!    cusip 0 and face value 0;
//! 2. every real leaf's CUSIP is a US Treasury CUSIP (prefix 912795, 912796, 912797, 912810,
//!    912828, 91282C) with a valid check digit;
//! 3. `as_of <= maturity <= as_of + max_maturity_days`;
//! 4. a position counts `face - ceil(face * bps / 10000)`, `bps` being that of the first haircut
//!    bucket whose `max_days >= maturity - as_of`; coverage is proved on the counted total;
//! 5. optionally, WAM `sum(face * days) <= max_wam_days * sum(face)` and weekly liquidity
//!    `10000 * sum(face | days <= 7) >= min_weekly_liquid_bps * sum(face)`.

pub mod circuit;

use ff::{Field, PrimeField};
use halo2curves::bn256::Fr;
use serde::{Deserialize, Serialize};

use crate::merkle_sum::Leaf;
use crate::public_inputs::SolvencyPublicInputs;

pub use circuit::{policy_witness, PolicyConfig, PolicySolvencyCircuit, PolicyWitness};

/// The circuit name of a policy proof in key files and bundles.
pub const POLICY_CIRCUIT: &str = "policy-solvency";
/// Haircut bucket slots in the public inputs; unused slots repeat the last bucket, so one
/// verifying key serves every schedule of at most this many buckets.
pub const HAIRCUT_SLOTS: usize = 12;
/// Day counts (as-of date, maturities' remaining days, policy bounds) are below 2^16; `null`
/// bounds are encoded as this value. 65535 days is 179 years.
pub const DAYS_MAX: u64 = (1 << 16) - 1;
/// Basis points in a policy are at most 10000.
pub const BPS_MAX: u64 = 10_000;
/// A position is weekly liquid when it matures within this many days of the as-of date.
pub const WEEKLY_DAYS: u64 = 7;

/// Treasury CUSIP issuer prefixes, in ASCII (= `cusip_as_field`) order.
pub const TREASURY_PREFIXES: [&[u8; 6]; 6] = [b"912795", b"912796", b"912797", b"912810", b"912828", b"91282C"];

/// CUSIP character alphabet in ASCII order.
pub const CUSIP_ALPHABET_ASCII_ORDER: &[u8; 39] = b"#*0123456789@ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Value of a CUSIP character in the check-digit sum.
pub fn cusip_char_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'A'..=b'Z' => Some(u64::from(b - b'A') + 10),
        b'*' => Some(36),
        b'@' => Some(37),
        b'#' => Some(38),
        _ => None,
    }
}

/// Rank of a CUSIP character in ASCII order (0..39).
pub fn cusip_char_rank(b: u8) -> Option<u64> {
    CUSIP_ALPHABET_ASCII_ORDER.iter().position(|&c| c == b).map(|p| p as u64)
}

fn digit_sum(v: u64) -> u64 {
    v / 10 + v % 10
}

/// Contribution of the character at 1-based `position` to the check-digit sum (doubled at even
/// positions, then the two decimal digits added).
pub fn cusip_char_contribution(b: u8, position: usize) -> Option<u64> {
    let v = cusip_char_value(b)?;
    Some(if position % 2 == 0 { digit_sum(2 * v) } else { digit_sum(v) })
}

/// The check digit of the first 8 characters.
pub fn cusip_check_digit(first8: &[u8]) -> Option<u64> {
    let mut sum = 0;
    for (i, &b) in first8.iter().enumerate() {
        sum += cusip_char_contribution(b, i + 1)?;
    }
    Some((10 - sum % 10) % 10)
}

/// Index of a Treasury issuer prefix (its rank in ASCII order).
pub fn treasury_prefix_index(prefix: &[u8]) -> Option<usize> {
    TREASURY_PREFIXES.iter().position(|p| &p[..] == prefix)
}

/// Why a CUSIP is not an eligible Treasury CUSIP, if it is not.
pub fn treasury_cusip_error(c: &[u8; 9]) -> Option<String> {
    if c.iter().any(|&b| cusip_char_value(b).is_none()) {
        return Some("not a CUSIP (character outside 0-9, A-Z, *, @, #)".into());
    }
    if treasury_prefix_index(&c[..6]).is_none() {
        return Some(format!("{} is not a US Treasury CUSIP (prefix {})", show(c), String::from_utf8_lossy(&c[..6])));
    }
    let expected = cusip_check_digit(&c[..8]).expect("alphabet checked");
    if !c[8].is_ascii_digit() || u64::from(c[8] - b'0') != expected {
        return Some(format!("{}: check digit {} expected {}", show(c), c[8] as char, expected));
    }
    None
}

fn show(c: &[u8; 9]) -> String {
    String::from_utf8_lossy(c).into_owned()
}

/// The 9 big-endian bytes of `cusip_as_field`, if it fits in 9 bytes.
pub fn cusip_bytes(x: &Fr) -> Option<[u8; 9]> {
    let repr = x.to_repr(); // little-endian
    if repr[9..].iter().any(|&b| b != 0) {
        return None;
    }
    let mut out = [0u8; 9];
    for i in 0..9 {
        out[i] = repr[8 - i];
    }
    Some(out)
}

/// `cusip_as_field` of 9 ASCII bytes.
pub fn cusip_field(c: &[u8; 9]) -> Fr {
    let mut v = 0u128;
    for &b in c {
        v = (v << 8) | u128::from(b);
    }
    Fr::from_u128(v)
}

/// A small field element as an integer, if below 2^64.
pub fn fr_u64(x: &Fr) -> Option<u64> {
    let repr = x.to_repr();
    if repr[8..].iter().any(|&b| b != 0) {
        return None;
    }
    Some(u64::from_le_bytes(repr[..8].try_into().expect("8 bytes")))
}

/// One haircut bucket: positions with at most `max_days` remaining (`None`: no bound) lose `bps`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HaircutBucket {
    pub max_days: Option<u64>,
    pub bps: u64,
}

/// A policy file (`fixtures/policies/*.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub min_ratio_bps: u64,
    pub max_maturity_days: Option<u64>,
    pub haircuts: Vec<HaircutBucket>,
    pub max_wam_days: Option<u64>,
    pub min_weekly_liquid_bps: Option<u64>,
}

/// The policy as public inputs: fixed size, `null` bounds as [`DAYS_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyInstance {
    pub max_maturity_days: u64,
    /// `(max_days, bps)` per slot, non-decreasing max_days, unused slots repeating the last.
    pub buckets: [(u64, u64); HAIRCUT_SLOTS],
    pub wam_enabled: bool,
    pub max_wam_days: u64,
    pub weekly_enabled: bool,
    pub min_weekly_liquid_bps: u64,
}

impl Policy {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let p: Policy = serde_json::from_str(text).map_err(|e| format!("policy: {e}"))?;
        p.validate()?;
        Ok(p)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.min_ratio_bps >= 1 << 32 {
            return Err("policy: min_ratio_bps must be below 2^32".into());
        }
        if let Some(d) = self.max_maturity_days {
            if d > DAYS_MAX {
                return Err(format!("policy: max_maturity_days must be at most {DAYS_MAX}"));
            }
        }
        if self.haircuts.len() > HAIRCUT_SLOTS {
            return Err(format!("policy: at most {HAIRCUT_SLOTS} haircut buckets"));
        }
        let mut prev: Option<u64> = None;
        for (i, b) in self.haircuts.iter().enumerate() {
            if b.bps > BPS_MAX {
                return Err(format!("policy: haircut bucket {i}: bps must be at most {BPS_MAX}"));
            }
            if b.max_days.is_none() && i + 1 != self.haircuts.len() {
                return Err(format!("policy: haircut bucket {i}: only the last bucket may have max_days null"));
            }
            let d = b.max_days.unwrap_or(DAYS_MAX);
            if d > DAYS_MAX {
                return Err(format!("policy: haircut bucket {i}: max_days must be at most {DAYS_MAX}"));
            }
            if let Some(p) = prev {
                if d <= p {
                    return Err(format!("policy: haircut buckets must be in ascending max_days (bucket {i})"));
                }
            }
            prev = Some(d);
        }
        if let Some(w) = self.max_wam_days {
            if w > DAYS_MAX {
                return Err(format!("policy: max_wam_days must be at most {DAYS_MAX}"));
            }
        }
        if let Some(l) = self.min_weekly_liquid_bps {
            if l > BPS_MAX {
                return Err(format!("policy: min_weekly_liquid_bps must be at most {BPS_MAX}"));
            }
        }
        Ok(())
    }

    /// The fixed-size public encoding. An empty schedule is one bucket of 0 bps.
    pub fn instance(&self) -> PolicyInstance {
        let mut list: Vec<(u64, u64)> =
            self.haircuts.iter().map(|b| (b.max_days.unwrap_or(DAYS_MAX), b.bps)).collect();
        if list.is_empty() {
            list.push((DAYS_MAX, 0));
        }
        let last = *list.last().expect("non-empty");
        let buckets = std::array::from_fn(|i| list.get(i).copied().unwrap_or(last));
        PolicyInstance {
            max_maturity_days: self.max_maturity_days.unwrap_or(DAYS_MAX),
            buckets,
            wam_enabled: self.max_wam_days.is_some(),
            max_wam_days: self.max_wam_days.unwrap_or(0),
            weekly_enabled: self.min_weekly_liquid_bps.is_some(),
            min_weekly_liquid_bps: self.min_weekly_liquid_bps.unwrap_or(0),
        }
    }

    /// Evaluates the policy natively on the leaves in tree order.
    pub fn evaluate(&self, leaves: &[Leaf], as_of_days: u64) -> PolicyReport {
        self.instance().evaluate(leaves, as_of_days)
    }
}

/// A position that breaks the policy, by index in tree order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Leaf index, or `None` for a portfolio-level rule (WAM, weekly liquidity).
    pub index: Option<usize>,
    pub cusip: String,
    pub reason: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => write!(f, "position {i} ({}): {}", self.cusip, self.reason),
            None => write!(f, "portfolio: {}", self.reason),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyReport {
    /// Sum over positions of `face - ceil(face * bps / 10000)`.
    pub counted_total: u128,
    pub face_total: u128,
    /// Sum of face * remaining days.
    pub face_days: u128,
    /// Face maturing within 7 days.
    pub weekly_face: u128,
    pub violations: Vec<Violation>,
}

impl PolicyReport {
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
    /// Whether the counted total covers `liabilities` at `ratio_bps`.
    pub fn covers(&self, liabilities: u128, ratio_bps: u64) -> bool {
        self.counted_total * 10_000 >= liabilities * u128::from(ratio_bps)
    }
}

/// `ceil(face * bps / 10000)`.
pub fn haircut(face: u64, bps: u64) -> u64 {
    let n = u128::from(face) * u128::from(bps);
    n.div_ceil(10_000) as u64
}

/// One row of the in-circuit schedule table: absolute day interval `[lo, hi]` (possibly empty),
/// its haircut and whether it is weekly liquid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleRow {
    pub lo: u64,
    pub hi: u64,
    pub bps: u64,
    pub weekly: bool,
}

impl PolicyInstance {
    /// The public inputs after `as_of`, in circuit order.
    pub fn to_fields(&self) -> Vec<Fr> {
        let mut v = vec![Fr::from(self.max_maturity_days)];
        for (d, b) in self.buckets {
            v.push(Fr::from(d));
            v.push(Fr::from(b));
        }
        v.push(Fr::from(self.wam_enabled as u64));
        v.push(Fr::from(self.max_wam_days));
        v.push(Fr::from(self.weekly_enabled as u64));
        v.push(Fr::from(self.min_weekly_liquid_bps));
        v
    }

    /// The bucket of a position with `rem` remaining days (first `max_days >= rem`).
    pub fn bucket(&self, rem: u64) -> Option<usize> {
        self.buckets.iter().position(|&(d, _)| d >= rem)
    }

    /// The schedule table the circuit builds from the public inputs: per slot `j`, the interval
    /// `[prev + 1, min(max_days_j, max_maturity)]` (relative to `as_of`) split at 7 days.
    pub fn schedule(&self, as_of: u64) -> Vec<ScheduleRow> {
        let x = self.max_maturity_days;
        let mut rows = Vec::with_capacity(2 * HAIRCUT_SLOTS);
        for j in 0..HAIRCUT_SLOTS {
            let lo = if j == 0 { 0 } else { self.buckets[j - 1].0 + 1 };
            let hi = self.buckets[j].0.min(x);
            let bps = self.buckets[j].1;
            rows.push(ScheduleRow { lo: as_of + lo, hi: as_of + hi.min(WEEKLY_DAYS), bps, weekly: true });
            rows.push(ScheduleRow { lo: as_of + lo.max(WEEKLY_DAYS + 1), hi: as_of + hi, bps, weekly: false });
        }
        rows
    }

    pub fn evaluate(&self, leaves: &[Leaf], as_of: u64) -> PolicyReport {
        let mut rep = PolicyReport::default();
        // The last real CUSIP's bytes: big-endian, so byte order is `cusip_as_field` order.
        let mut prev_real: Option<[u8; 9]> = None;
        let mut seen_padding = false;
        let fail = |rep: &mut PolicyReport, i: usize, cusip: &str, reason: String| {
            rep.violations.push(Violation { index: Some(i), cusip: cusip.to_string(), reason });
        };
        for (i, leaf) in leaves.iter().enumerate() {
            let face = fr_u64(&leaf.face_value);
            if leaf.cusip == Fr::ZERO {
                seen_padding = true;
                if leaf.face_value != Fr::ZERO {
                    fail(&mut rep, i, "", "padding leaf (cusip 0) with a non-zero face value".into());
                }
                continue;
            }
            let Some(bytes) = cusip_bytes(&leaf.cusip) else {
                fail(&mut rep, i, "?", "cusip is not 9 bytes".into());
                continue;
            };
            let name = show(&bytes);
            if seen_padding {
                fail(&mut rep, i, &name, "real position after a padding leaf".into());
            }
            match prev_real.map(|p| bytes.cmp(&p)) {
                Some(std::cmp::Ordering::Equal) => fail(&mut rep, i, &name, "duplicate CUSIP (counted twice)".into()),
                Some(std::cmp::Ordering::Less) => {
                    fail(&mut rep, i, &name, "CUSIPs out of order (must be strictly increasing)".into())
                }
                _ => {}
            }
            prev_real = Some(bytes);
            if let Some(e) = treasury_cusip_error(&bytes) {
                fail(&mut rep, i, &name, e);
            }
            let Some(face) = face else {
                fail(&mut rep, i, &name, "face value is not below 2^64".into());
                continue;
            };
            let Some(mat) = fr_u64(&leaf.maturity) else {
                fail(&mut rep, i, &name, "maturity out of range".into());
                continue;
            };
            if mat < as_of {
                fail(&mut rep, i, &name, format!("matured ({} days before the as-of date)", as_of - mat));
                continue;
            }
            let rem = mat - as_of;
            if rem > self.max_maturity_days {
                fail(&mut rep, i, &name, format!("matures in {rem} days, over the policy's {} days", self.max_maturity_days));
                continue;
            }
            let Some(j) = self.bucket(rem) else {
                fail(&mut rep, i, &name, format!("no haircut bucket covers {rem} remaining days"));
                continue;
            };
            let bps = self.buckets[j].1;
            rep.counted_total += u128::from(face - haircut(face, bps));
            rep.face_total += u128::from(face);
            rep.face_days += u128::from(face) * u128::from(rem);
            if rem <= WEEKLY_DAYS {
                rep.weekly_face += u128::from(face);
            }
        }
        if self.wam_enabled && rep.face_days > u128::from(self.max_wam_days) * rep.face_total {
            let wam = if rep.face_total == 0 { 0.0 } else { rep.face_days as f64 / rep.face_total as f64 };
            rep.violations.push(Violation {
                index: None,
                cusip: String::new(),
                reason: format!("weighted average maturity {wam:.2} days exceeds {} days", self.max_wam_days),
            });
        }
        if self.weekly_enabled && rep.weekly_face * 10_000 < u128::from(self.min_weekly_liquid_bps) * rep.face_total {
            rep.violations.push(Violation {
                index: None,
                cusip: String::new(),
                reason: format!(
                    "weekly liquid assets {} of {} face, below {} bps",
                    rep.weekly_face, rep.face_total, self.min_weekly_liquid_bps
                ),
            });
        }
        rep
    }
}

/// The policy statement: the solvency statement plus the as-of date and the policy parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyPublicInputs {
    pub solvency: SolvencyPublicInputs,
    /// Days since 1970-01-01, below 2^16.
    pub as_of_days: u64,
    pub policy: PolicyInstance,
}

impl PolicyPublicInputs {
    pub const AS_OF: usize = SolvencyPublicInputs::COUNT;
    pub const MAX_MATURITY: usize = Self::AS_OF + 1;
    /// `max_days` of slot j at `BUCKETS + 2j`, its bps at `BUCKETS + 2j + 1`.
    pub const BUCKETS: usize = Self::MAX_MATURITY + 1;
    pub const WAM_ENABLED: usize = Self::BUCKETS + 2 * HAIRCUT_SLOTS;
    pub const MAX_WAM: usize = Self::WAM_ENABLED + 1;
    pub const WEEKLY_ENABLED: usize = Self::MAX_WAM + 1;
    pub const MIN_WEEKLY_BPS: usize = Self::WEEKLY_ENABLED + 1;
    pub const COUNT: usize = Self::MIN_WEEKLY_BPS + 1;

    /// Names in circuit order (bucket slots as `haircut_{j}_max_days`, `haircut_{j}_bps`).
    pub fn names() -> Vec<String> {
        let mut n: Vec<String> = SolvencyPublicInputs::NAMES.iter().map(|s| s.to_string()).collect();
        n.push("as_of_days".into());
        n.push("max_maturity_days".into());
        for j in 0..HAIRCUT_SLOTS {
            n.push(format!("haircut_{j}_max_days"));
            n.push(format!("haircut_{j}_bps"));
        }
        for s in ["wam_enabled", "max_wam_days", "weekly_enabled", "min_weekly_liquid_bps"] {
            n.push(s.into());
        }
        n
    }

    pub fn to_instances(&self) -> Vec<Fr> {
        let mut v = self.solvency.to_instances();
        v.push(Fr::from(self.as_of_days));
        v.extend(self.policy.to_fields());
        debug_assert_eq!(v.len(), Self::COUNT);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(cusips: &[&[u8; 9]]) -> Vec<String> {
        let par = Policy::from_json(include_str!("../../fixtures/policies/par.json")).expect("preset");
        let leaves: Vec<Leaf> =
            cusips.iter().enumerate().map(|(i, c)| Leaf::new(cusip_field(c), 100, 20_000, Fr::from(i as u64))).collect();
        par.evaluate(&leaves, 19_000).violations.into_iter().map(|v| v.reason).collect()
    }

    #[test]
    fn native_check_refuses_a_duplicate_or_out_of_order_cusip() {
        assert!(reasons(&[b"912797KJ5", b"912797UD7"]).is_empty());
        assert_eq!(reasons(&[b"912797KJ5", b"912797KJ5"]), ["duplicate CUSIP (counted twice)"]);
        assert_eq!(reasons(&[b"912797UD7", b"912797KJ5"]), ["CUSIPs out of order (must be strictly increasing)"]);
    }
}
