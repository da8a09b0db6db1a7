//! Attestation policies: the policy file, its public-input encoding, and the native evaluation
//! the CLI runs before proving. The attestation circuit proves the same rules (see
//! [`crate::circuits::attestation`]).
//!
//! Rules, for the leaves of the tree in tree order (a leaf is *real* when its cusip is non-zero):
//! 1. real leaves come first, in strictly increasing `cusip_as_field` order; padding leaves have
//!    cusip 0 and face value 0 (no security counted twice, padding worth nothing);
//! 2. every real leaf's CUSIP has a valid check digit and, under `us-treasury` eligibility, a US
//!    Treasury issuer prefix;
//! 3. `as_of <= maturity <= as_of + max_maturity_days`;
//! 4. a position counts `face * (10000 - bps) / 10000` exactly, `bps` being that of the first
//!    haircut bucket whose `max_days >= maturity - as_of`; coverage is proved on the counted
//!    total, with no rounding: `sum(face * (10000 - bps)) >= liabilities * ratio_bps`;
//! 5. optionally, WAM `sum(face * days) <= max_wam_days * sum(face)` and weekly liquidity
//!    `10000 * sum(face | days <= 7) >= min_weekly_liquid_bps * sum(face)`.

use ff::{Field, PrimeField};
use halo2curves::bn256::Fr;
use serde::{Deserialize, Serialize};

use crate::chips::merkle_sum::Leaf;
use crate::cusip::{cusip_bytes, eligibility_error, show, Eligibility};

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
    /// Which CUSIPs count: `"us-treasury"` (the default when the field is absent) or
    /// `"any-cusip"`.
    #[serde(default)]
    pub eligible: Eligibility,
    pub min_ratio_bps: u64,
    pub max_maturity_days: Option<u64>,
    pub haircuts: Vec<HaircutBucket>,
    pub max_wam_days: Option<u64>,
    pub min_weekly_liquid_bps: Option<u64>,
}

/// The policy as public inputs: fixed size, `null` bounds as [`DAYS_MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyInstance {
    pub eligible: Eligibility,
    pub max_maturity_days: u64,
    /// `(max_days, bps)` per slot, non-decreasing max_days, unused slots repeating the last.
    pub buckets: [(u64, u64); HAIRCUT_SLOTS],
    pub wam_enabled: bool,
    pub max_wam_days: u64,
    pub weekly_enabled: bool,
    pub min_weekly_liquid_bps: u64,
}

impl Policy {
    /// The default policy: US Treasuries at par (no haircut, no maturity bound, no portfolio
    /// limits), coverage at 100%. `prove` and `attest` use it when no `--policy` is given; the
    /// same file ships as `fixtures/policies/par.json`.
    pub fn par() -> Self {
        Policy {
            name: "par".into(),
            eligible: Eligibility::UsTreasury,
            min_ratio_bps: 10_000,
            max_maturity_days: None,
            haircuts: Vec::new(),
            max_wam_days: None,
            min_weekly_liquid_bps: None,
        }
    }

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
        let mut list: Vec<(u64, u64)> = self.haircuts.iter().map(|b| (b.max_days.unwrap_or(DAYS_MAX), b.bps)).collect();
        if list.is_empty() {
            list.push((DAYS_MAX, 0));
        }
        let last = *list.last().expect("non-empty");
        let buckets = std::array::from_fn(|i| list.get(i).copied().unwrap_or(last));
        PolicyInstance {
            eligible: self.eligible,
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
    /// Sum over positions of `face * (10000 - bps)`: the counted total in units of 1/10000 cent,
    /// exact.
    pub counted_scaled: u128,
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
    /// Whether the counted total covers `liabilities` at `ratio_bps`, exactly as the circuit
    /// compares them.
    pub fn covers(&self, liabilities: u128, ratio_bps: u64) -> bool {
        self.counted_scaled >= liabilities * u128::from(ratio_bps)
    }
    /// The counted total in whole cents, rounded down (for display).
    pub fn counted_cents(&self) -> u128 {
        self.counted_scaled / 10_000
    }
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
    /// The policy's public inputs, in circuit order (from `eligible_us_treasury` to
    /// `min_weekly_liquid_bps`).
    pub fn to_fields(&self) -> Vec<Fr> {
        let mut v = vec![Fr::from((self.eligible == Eligibility::UsTreasury) as u64), Fr::from(self.max_maturity_days)];
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

    /// The schedule row a position maturing on day `maturity` falls in: its haircut and whether
    /// it is weekly liquid. The rows' intervals are disjoint, so there is at most one. The
    /// circuit's witness picks its row with this function too.
    pub fn schedule_row(&self, as_of: u64, maturity: u64) -> Option<ScheduleRow> {
        self.schedule(as_of).into_iter().find(|s| s.lo <= maturity && maturity <= s.hi)
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
            if let Some(e) = eligibility_error(&bytes, self.eligible) {
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
                fail(
                    &mut rep,
                    i,
                    &name,
                    format!("matures in {rem} days, over the policy's {} days", self.max_maturity_days),
                );
                continue;
            }
            // The same schedule table the circuit looks the maturity up in.
            let Some(row) = self.schedule_row(as_of, mat) else {
                fail(&mut rep, i, &name, format!("no haircut bucket covers {rem} remaining days"));
                continue;
            };
            rep.counted_scaled += u128::from(face) * u128::from(BPS_MAX - row.bps);
            rep.face_total += u128::from(face);
            rep.face_days += u128::from(face) * u128::from(rem);
            if row.weekly {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cusip::cusip_field;

    fn reasons(cusips: &[&[u8; 9]]) -> Vec<String> {
        let par = Policy::from_json(include_str!("../../fixtures/policies/par.json")).expect("preset");
        let leaves: Vec<Leaf> = cusips
            .iter()
            .enumerate()
            .map(|(i, c)| Leaf::new(cusip_field(c), 100, 20_000, Fr::from(i as u64)))
            .collect();
        par.evaluate(&leaves, 19_000).violations.into_iter().map(|v| v.reason).collect()
    }

    #[test]
    fn the_par_preset_file_is_the_built_in_default() {
        let file = Policy::from_json(include_str!("../../fixtures/policies/par.json")).expect("preset");
        assert_eq!(file, Policy::par());
    }

    #[test]
    fn native_check_refuses_a_duplicate_or_out_of_order_cusip() {
        assert!(reasons(&[b"912797KJ5", b"912797UD7"]).is_empty());
        assert_eq!(reasons(&[b"912797KJ5", b"912797KJ5"]), ["duplicate CUSIP (counted twice)"]);
        assert_eq!(reasons(&[b"912797UD7", b"912797KJ5"]), ["CUSIPs out of order (must be strictly increasing)"]);
    }
}
