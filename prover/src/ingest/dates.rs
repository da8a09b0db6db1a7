//! Dates: strict ISO input, and the day count the circuit works in.

use bondproof_circuits::policy::DAYS_MAX;
use chrono::NaiveDate;

use super::trim;

/// Strict YYYY-MM-DD: chrono's parser alone would also take "2026-2-3" or "+2026-02-03", and an
/// ambiguous date in a reserves file is better rejected than guessed.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = trim(s);
    if s.is_empty() {
        return Err("is empty".to_string());
    }
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(format!("must be an ISO date YYYY-MM-DD, found {s:?}"));
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(format!("must be an ISO date YYYY-MM-DD, found {s:?}"));
    };
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| format!("{s} is not a calendar date"))
}

/// A day number (days since 1970-01-01, as the circuit counts them) as an ISO date.
pub fn iso_day(days: u64) -> String {
    (epoch_date() + chrono::Days::new(days)).format("%Y-%m-%d").to_string()
}

/// Day 0 of the circuit's calendar.
pub fn epoch_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

/// Days since 1970-01-01; 0 for earlier dates (maturities never are: the as-of check rejects
/// them, and an as-of date that early is refused by [`circuit_days`]).
pub fn days_since_epoch(d: NaiveDate) -> u64 {
    u64::try_from((d - epoch_date()).num_days()).unwrap_or(0)
}

/// Days since 1970-01-01, checked to be a day the circuit can represent (below 2^16, so up to
/// 2149-06-06). For the as-of date, which the circuit compares maturities with.
pub fn circuit_days(d: NaiveDate) -> Result<u64, String> {
    if d < epoch_date() {
        return Err(format!("{d} is before 1970-01-01, day 0 of the circuit's calendar"));
    }
    let days = days_since_epoch(d);
    if days > DAYS_MAX {
        let last = epoch_date() + chrono::Days::new(DAYS_MAX);
        return Err(format!("{d} is past the circuit's range (the last day is {last})"));
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn strict_iso_dates() {
        assert_eq!(parse_date(" 2026-10-01 "), Ok(ymd(2026, 10, 1)));
        assert!(parse_date("2026-02-30").unwrap_err().contains("not a calendar date"));
        for bad in ["2026-2-3", "10/01/2026", "+2026-02-03", "2026-10-01T00:00", "2026-1a-01"] {
            assert!(parse_date(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
        assert_eq!(parse_date(""), Err("is empty".to_string()));
    }

    #[test]
    fn day_counts() {
        assert_eq!(days_since_epoch(ymd(1970, 1, 1)), 0);
        // The Poseidon vectors' leaf_like maturity (fixtures/README.md).
        assert_eq!(days_since_epoch(ymd(2027, 3, 4)), 20881);
        assert_eq!(days_since_epoch(ymd(1969, 12, 31)), 0);
        assert_eq!(circuit_days(ymd(2149, 6, 6)), Ok(DAYS_MAX));
        let e = circuit_days(ymd(2149, 6, 7)).unwrap_err();
        assert!(e.contains("the last day is 2149-06-06"), "{e}");
        assert!(circuit_days(ymd(1969, 12, 31)).is_err());
    }
}
