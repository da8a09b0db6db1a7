//! A proved policy in plain words: what its public inputs require of the positions, read from
//! the statement (never from the bundle's policy name, which the proof does not bind).

use bondproof_circuits::cusip::{Eligibility, TREASURY_PREFIXES};
use bondproof_circuits::policy::{PolicyInstance, BPS_MAX, DAYS_MAX};

use super::page::bps_pct;

/// One haircut bucket as a reader sees it: remaining maturity from `from_days` to `to_days`
/// (inclusive; `None`: no upper bound).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub from_days: u64,
    pub to_days: Option<u64>,
    pub bps: u64,
}

impl Bucket {
    pub fn range_text(&self) -> String {
        match self.to_days {
            Some(to) => format!("{} to {} days", self.from_days, to),
            None => format!("{} days or more", self.from_days),
        }
    }

    pub fn contains(&self, days: u64) -> bool {
        days >= self.from_days && self.to_days.is_none_or(|t| days <= t)
    }
}

/// The schedule's non-empty buckets, cut at the maturity bound, as the circuit's schedule table
/// has them (slot j covers `prev + 1 ..= min(max_days_j, max_maturity)`; slot 0 starts at 0).
pub fn buckets(p: &PolicyInstance) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut lo = 0u64;
    for &(max_days, bps) in &p.buckets {
        let hi = max_days.min(p.max_maturity_days);
        if lo <= hi {
            out.push(Bucket { from_days: lo, to_days: (hi < DAYS_MAX).then_some(hi), bps });
        }
        lo = max_days.saturating_add(1);
    }
    out
}

pub fn eligibility(p: &PolicyInstance) -> String {
    match p.eligible {
        Eligibility::UsTreasury => {
            let prefixes: Vec<String> =
                TREASURY_PREFIXES.iter().map(|p| String::from_utf8_lossy(&p[..]).into_owned()).collect();
            format!(
                "US Treasury securities only: every position's CUSIP has a valid check digit and a US Treasury \
                 issuer prefix ({}).",
                prefixes.join(", ")
            )
        }
        Eligibility::AnyCusip => {
            "Any security with a valid CUSIP (the check digit is proved; the issuer is not restricted).".into()
        }
    }
}

pub fn maturity(p: &PolicyInstance) -> String {
    if p.max_maturity_days >= DAYS_MAX {
        "No maximum maturity: every position matures on or after the valuation (as-of) date.".into()
    } else {
        format!(
            "Every position matures on or after the valuation (as-of) date and at most {} days after it.",
            p.max_maturity_days
        )
    }
}

pub fn wam(p: &PolicyInstance) -> String {
    if p.wam_enabled {
        format!(
            "The face-weighted average remaining maturity (WAM) of the positions is at most {} days.",
            p.max_wam_days
        )
    } else {
        "No limit on the weighted average maturity (WAM).".into()
    }
}

pub fn weekly(p: &PolicyInstance) -> String {
    if p.weekly_enabled {
        format!(
            "At least {} of the face value matures within 7 days (weekly liquidity).",
            bps_pct(p.min_weekly_liquid_bps)
        )
    } else {
        "No weekly-liquidity requirement.".into()
    }
}

/// What a position in the bucket counts for: "100%" for no haircut, "99.50%" for 50 bps.
pub fn counts_as(bps: u64) -> String {
    bps_pct(BPS_MAX.saturating_sub(bps))
}

/// The policy on one line, for the policy-history table.
pub fn summary(p: &PolicyInstance) -> String {
    let haircuts: Vec<String> =
        buckets(p).iter().filter(|b| b.bps > 0).map(|b| format!("{} bps at {}", b.bps, b.range_text())).collect();
    format!(
        "{}; max maturity {}; haircuts {}; WAM {}; weekly liquidity {}",
        match p.eligible {
            Eligibility::UsTreasury => "US Treasuries only",
            Eligibility::AnyCusip => "any valid CUSIP",
        },
        if p.max_maturity_days >= DAYS_MAX { "none".into() } else { format!("{} days", p.max_maturity_days) },
        if haircuts.is_empty() { "none".into() } else { haircuts.join(", ") },
        if p.wam_enabled { format!("<= {} days", p.max_wam_days) } else { "no limit".into() },
        if p.weekly_enabled { format!(">= {}", bps_pct(p.min_weekly_liquid_bps)) } else { "no minimum".into() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bondproof_circuits::policy::Policy;

    #[test]
    fn par_has_one_bucket_without_bounds() {
        let p = Policy::par().instance();
        assert_eq!(buckets(&p), vec![Bucket { from_days: 0, to_days: None, bps: 0 }]);
        assert!(maturity(&p).starts_with("No maximum"));
        assert!(wam(&p).starts_with("No limit"));
    }

    #[test]
    fn buckets_follow_the_schedule_and_stop_at_the_maturity_bound() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/policies/money-fund-sec.json"))
                .unwrap();
        let p = Policy::from_json(&text).unwrap().instance();
        let b = buckets(&p);
        assert_eq!(b[0], Bucket { from_days: 0, to_days: Some(91), bps: 0 });
        assert_eq!(b[1], Bucket { from_days: 92, to_days: Some(182), bps: 50 });
        assert_eq!(*b.last().unwrap(), Bucket { from_days: 366, to_days: Some(397), bps: 150 });
        assert_eq!(b.len(), 5);
        assert!(wam(&p).contains("60 days"));
        assert!(weekly(&p).contains("50.00%"));
        assert_eq!(counts_as(50), "99.50%");
    }
}
