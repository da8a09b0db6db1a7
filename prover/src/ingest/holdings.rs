//! Holdings: the custodian's positions, validated, and summed per CUSIP into what the tree
//! commits to. The file is CSV ([`super::csv`]) or JSON (read here); both end in one validation,
//! so the two forms accept and reject exactly the same positions.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde_json::value::RawValue;

use super::cusip::Cusip;
use super::dates::parse_date;
use super::error::{InputError, Location};
use super::json::{
    json_array, json_kind, json_members, json_string, known_fields, parse_document, FieldError, JsonKind,
};
use super::money::{parse_cents, parse_usd};
use super::{read_text, trim};

/// One row of the holdings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub cusip: Cusip,
    /// Face (par) value in US cents.
    pub face_value: u64,
    pub maturity: NaiveDate,
    pub account: Option<String>,
    /// CSV: the line of the row. JSON: the 1-based index in the positions array.
    pub location: Location,
}

impl Position {
    /// The line number (CSV) or 1-based entry index (JSON) of this position.
    pub fn line(&self) -> usize {
        self.location.index()
    }
}

/// All positions in one CUSIP, summed: what the circuit commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub cusip: Cusip,
    /// Sum of the positions' face values, in cents.
    pub face_value: u64,
    pub maturity: NaiveDate,
    /// Each account's face value in cents, sorted by account (no account first).
    pub accounts: Vec<(Option<String>, u64)>,
}

/// The fields of a position in the JSON form.
const JSON_FIELDS: [&str; 5] = ["cusip", "face_value", "face_value_usd", "maturity", "account"];

/// Loads and validates a holdings file. Positions maturing before `as_of` are rejected: they are
/// cash or receivables by then, not Treasuries, and must not be counted as such.
pub fn load_holdings(path: &Path, as_of: NaiveDate) -> Result<Vec<Position>, InputError> {
    let text = read_text(path)?;
    let Some(first) = text.trim_start().chars().next() else {
        return Err(InputError::new(path, "the file is empty"));
    };
    let has_json_ext = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut out = Collector::new(path, as_of);
    if has_json_ext || first == '[' || first == '{' {
        read_json(path, &text, &mut out)?;
    } else {
        super::csv::read_csv(path, &text, |raw| out.accept(raw))?;
    }
    Ok(out.positions)
}

/// Sums positions per CUSIP. Output is sorted by CUSIP so the commitment does not depend on the
/// order of rows in the custodian's export.
/// Sums positions per CUSIP. Output is sorted by CUSIP so the commitment does not depend on the
/// order of rows in the custodian's export.
pub fn aggregate_by_cusip(positions: &[Position], file: &Path) -> Result<Vec<Holding>, InputError> {
    struct Acc {
        holding: Holding,
        first: Location,
        account_at: HashMap<Option<String>, Location>,
    }
    let mut by_cusip: BTreeMap<Cusip, Acc> = BTreeMap::new();
    for p in positions {
        match by_cusip.entry(p.cusip) {
            Entry::Vacant(v) => {
                let mut account_at = HashMap::new();
                account_at.insert(p.account.clone(), p.location);
                v.insert(Acc {
                    holding: Holding {
                        cusip: p.cusip,
                        face_value: p.face_value,
                        maturity: p.maturity,
                        accounts: vec![(p.account.clone(), p.face_value)],
                    },
                    first: p.location,
                    account_at,
                });
            }
            Entry::Occupied(mut o) => {
                let acc = o.get_mut();
                if acc.holding.maturity != p.maturity {
                    return Err(InputError::new(
                        file,
                        format!(
                            "CUSIP {} matures on {} here but on {} at {}; one security has one \
                             maturity ({})",
                            p.cusip,
                            p.maturity,
                            acc.holding.maturity,
                            acc.first,
                            both(acc.first, p.location)
                        ),
                    )
                    .at(p.location)
                    .field("maturity"));
                }
                if let Some(&prev) = acc.account_at.get(&p.account) {
                    return Err(duplicate_error(file, p, prev));
                }
                acc.holding.face_value = acc.holding.face_value.checked_add(p.face_value).ok_or_else(|| {
                    InputError::new(
                        file,
                        format!(
                            "the total face value of CUSIP {} reaches 2^64 cents or more \
                                 (largest accepted is {} cents)",
                            p.cusip,
                            u64::MAX
                        ),
                    )
                    .at(p.location)
                    .field("face_value")
                })?;
                acc.account_at.insert(p.account.clone(), p.location);
                acc.holding.accounts.push((p.account.clone(), p.face_value));
            }
        }
    }
    Ok(by_cusip
        .into_values()
        .map(|mut acc| {
            acc.holding.accounts.sort();
            acc.holding
        })
        .collect())
}

/// "lines 3 and 7", "positions 2 and 5": names both places a conflict comes from.
fn both(a: Location, b: Location) -> String {
    match (a, b) {
        (Location::Line(x), Location::Line(y)) => format!("lines {x} and {y}"),
        (Location::Position(x), Location::Position(y)) => format!("positions {x} and {y}"),
        _ => format!("{a} and {b}"),
    }
}

fn describe_account(account: &Option<String>) -> String {
    match account {
        Some(a) => format!("account '{a}'"),
        None => "no account".to_string(),
    }
}

fn duplicate_error(file: &Path, p: &Position, prev: Location) -> InputError {
    InputError::new(
        file,
        format!(
            "duplicate position: CUSIP {} with {} appears at {}; merge them into one row or give \
             them different accounts",
            p.cusip,
            describe_account(&p.account),
            both(prev, p.location)
        ),
    )
    .at(p.location)
    .field(if p.account.is_some() { "account" } else { "cusip" })
}

/// Accumulates positions in file order, so the error reported is the first one in the file.
pub(super) struct Collector<'a> {
    path: &'a Path,
    as_of: NaiveDate,
    positions: Vec<Position>,
    seen: HashMap<(Cusip, Option<String>), Location>,
}

impl<'a> Collector<'a> {
    fn new(path: &'a Path, as_of: NaiveDate) -> Self {
        Collector { path, as_of, positions: Vec::new(), seen: HashMap::new() }
    }

    fn err(&self, loc: Location, field: &str, msg: impl Into<String>) -> InputError {
        InputError::new(self.path, msg).at(loc).field(field)
    }

    /// Validates one position's fields and adds it.
    pub(super) fn accept(&mut self, raw: RawPosition<'_>) -> Result<(), InputError> {
        let loc = raw.location;
        let cusip = Cusip::parse(raw.cusip).map_err(|e| {
            let shown = if raw.cusip.is_empty() { "is empty".to_string() } else { format!("{:?}: {e}", raw.cusip) };
            self.err(loc, "cusip", shown)
        })?;
        let face_value = raw.amount.parse(raw.amount_text).map_err(|m| self.err(loc, raw.amount.field(), m))?;
        let maturity = parse_date(raw.maturity).map_err(|m| self.err(loc, "maturity", m))?;
        let account = raw.account.map(trim).filter(|a| !a.is_empty()).map(str::to_string);
        self.push(Position { cusip, face_value, maturity, account, location: loc })
    }

    fn push(&mut self, p: Position) -> Result<(), InputError> {
        if p.maturity < self.as_of {
            return Err(self.err(
                p.location,
                "maturity",
                format!("the position matured on {}, before the as-of date {}", p.maturity, self.as_of),
            ));
        }
        let key = (p.cusip, p.account.clone());
        if let Some(&prev) = self.seen.get(&key) {
            return Err(duplicate_error(self.path, &p, prev));
        }
        self.seen.insert(key, p.location);
        self.positions.push(p);
        Ok(())
    }
}

/// A position's fields as text, before validation, with where it is in the file.
pub(super) struct RawPosition<'a> {
    pub location: Location,
    pub cusip: &'a str,
    pub amount: Amount,
    pub amount_text: &'a str,
    pub maturity: &'a str,
    pub account: Option<&'a str>,
}

/// The two forms a face value may take, named by their column or field.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Amount {
    Cents,
    Usd,
}

impl Amount {
    pub(super) fn field(self) -> &'static str {
        match self {
            Amount::Cents => "face_value",
            Amount::Usd => "face_value_usd",
        }
    }

    fn parse(self, s: &str) -> Result<u64, String> {
        match self {
            Amount::Cents => parse_cents(s),
            Amount::Usd => parse_usd(s),
        }
    }
}

fn read_json(path: &Path, text: &str, out: &mut Collector<'_>) -> Result<(), InputError> {
    let top = parse_document(path, text)?;
    let shape = "expected an array of positions or an object {\"positions\": [...]}";
    let entries = match json_kind(&top) {
        JsonKind::Array => json_array(&top),
        JsonKind::Object => {
            let members = json_members(&top).unwrap_or_default();
            let mut positions = None;
            for (k, v) in members {
                if k != "positions" {
                    return Err(InputError::new(path, format!("unknown top-level field; {shape}")).field(k));
                }
                if positions.is_some() {
                    return Err(InputError::new(path, "appears twice").field("positions"));
                }
                positions = Some(v);
            }
            let Some(positions) = positions else {
                return Err(InputError::new(path, format!("missing; {shape}")).field("positions"));
            };
            Some(
                json_array(&positions)
                    .ok_or_else(|| InputError::new(path, "must be an array of positions").field("positions"))?,
            )
        }
        _ => None,
    };
    let entries = entries.ok_or_else(|| InputError::new(path, shape))?;
    if entries.is_empty() {
        return Err(InputError::new(path, "the file contains no positions"));
    }
    for (i, entry) in entries.iter().enumerate() {
        json_position(out, Location::Position(i + 1), entry)?;
    }
    Ok(())
}

fn json_position(out: &mut Collector<'_>, loc: Location, entry: &RawValue) -> Result<(), InputError> {
    let members = json_members(entry).ok_or_else(|| InputError::new(out.path, "must be a JSON object").at(loc))?;
    let [cusip, cents, usd, maturity, account] = known_fields(&members, &JSON_FIELDS).map_err(|e| match e {
        FieldError::Unknown(k) => {
            out.err(loc, &k, format!("unknown field; expected fields: {}", JSON_FIELDS.join(", ")))
        }
        FieldError::Twice(k) => out.err(loc, &k, "appears twice"),
    })?;

    let string_field = |name: &str, raw: Option<&RawValue>| -> Result<String, InputError> {
        let raw = raw.ok_or_else(|| out.err(loc, name, "missing required field"))?;
        json_string(raw).ok_or_else(|| out.err(loc, name, format!("must be a string, found {}", raw.get())))
    };
    let cusip = string_field("cusip", cusip)?;
    let maturity = string_field("maturity", maturity)?;
    let (amount, raw) = match (cents, usd) {
        (Some(c), None) => (Amount::Cents, c),
        (None, Some(u)) => (Amount::Usd, u),
        (Some(_), Some(_)) => {
            return Err(out.err(
                loc,
                "face_value_usd",
                "both face_value (cents) and face_value_usd (dollars) are present; keep exactly one",
            ))
        }
        (None, None) => {
            return Err(out.err(
                loc,
                "face_value",
                "missing required field 'face_value' (integer cents) or 'face_value_usd' (dollars)",
            ))
        }
    };
    // Numbers are read from their exact source text, never through f64.
    let amount_text = match json_kind(raw) {
        JsonKind::String => json_string(raw).unwrap_or_default(),
        JsonKind::Number => raw.get().to_string(),
        _ => {
            return Err(out.err(
                loc,
                amount.field(),
                format!("must be a number or a string of digits, found {}", raw.get()),
            ))
        }
    };
    let account = match account.map(|a| (json_kind(a), a)) {
        None | Some((JsonKind::Null, _)) => None,
        Some((JsonKind::String, a)) => json_string(a),
        Some((_, a)) => return Err(out.err(loc, "account", format!("must be a string or null, found {}", a.get()))),
    };
    out.accept(RawPosition {
        location: loc,
        cusip: &cusip,
        amount,
        amount_text: &amount_text,
        maturity: &maturity,
        account: account.as_deref(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{
        as_of, assert_err, load_holdings_err as load_err, load_holdings_text as load, write,
    };
    use super::*;
    #[test]
    fn matured_position_rejected_same_day_accepted() {
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,1,2026-08-31\n");
        assert_err(&e, Some(Location::Line(2)), Some("maturity"), "matured on 2026-08-31");
        assert!(e.message.contains("2026-09-01"), "{e}");
        assert!(load(".csv", "cusip,face_value,maturity\n912797KJ5,1,2026-09-01\n").is_ok());
    }

    #[test]
    fn duplicates() {
        let text = "cusip,face_value,maturity,account\n\
                    912797KJ5,1,2026-10-01,a\n\
                    912797KJ5,1,2026-10-01,b\n\
                    912797KJ5,1,2026-10-01,a\n";
        let e = load_err(".csv", text);
        assert_err(&e, Some(Location::Line(4)), Some("account"), "lines 2 and 4");
        let text = "cusip,face_value,maturity\n912797KJ5,1,2026-10-01\n912797KJ5,2,2026-10-01\n";
        let e = load_err(".csv", text);
        assert_err(&e, Some(Location::Line(3)), Some("cusip"), "lines 2 and 3");
    }

    #[test]
    fn missing_file() {
        let e = load_holdings(Path::new("/nonexistent/holdings.csv"), as_of()).unwrap_err();
        assert!(e.message.contains("cannot read"), "{e}");
    }

    #[test]
    fn json_forms() {
        let arr = r#"[{"cusip":"912797KJ5","face_value":100,"maturity":"2026-10-01","account":"a"},
                      {"cusip":"037833100","face_value":"18446744073709551615","maturity":"2027-01-15","account":null},
                      {"cusip":"912810PW2","face_value_usd":1000000.05,"maturity":"2038-02-28"},
                      {"cusip":"912810PX0","face_value_usd":"12.5","maturity":"2038-08-31"}]"#;
        let p = load(".txt", arr).unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].face_value, 100);
        assert_eq!(p[1].face_value, u64::MAX);
        assert_eq!(p[1].account, None);
        assert_eq!(p[2].face_value, 100_000_005);
        assert_eq!(p[3].face_value, 1250);
        assert_eq!(p[3].location, Location::Position(4));
        let obj = format!("\u{feff}\r\n{{\"positions\": {arr}}}");
        assert_eq!(load(".json", &obj).unwrap(), p);
    }

    #[test]
    fn json_errors() {
        let one = |body: &str| {
            format!("[{{\"cusip\":\"912797KJ5\",\"maturity\":\"2026-10-01\",\"face_value\":1}},{{{body}}}]")
        };
        let pos2 = Some(Location::Position(2));
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1,"desk":1"#));
        assert_err(&e, pos2, Some("desk"), "unknown field");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1.5"#));
        assert_err(&e, pos2, Some("face_value"), "whole number");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1e6"#));
        assert_err(&e, pos2, Some("face_value"), "not a whole number");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":-3"#));
        assert_err(&e, pos2, Some("face_value"), "greater than zero");
        let e =
            load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":18446744073709551616"#));
        assert_err(&e, pos2, Some("face_value"), "2^64");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value_usd":1.001"#));
        assert_err(&e, pos2, Some("face_value_usd"), "decimal places");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1,"face_value_usd":"1""#),
        );
        assert_err(&e, pos2, Some("face_value_usd"), "exactly one");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01""#));
        assert_err(&e, pos2, Some("face_value"), "missing");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","face_value":1"#));
        assert_err(&e, pos2, Some("maturity"), "missing");
        let e = load_err(".json", &one(r#""cusip":912797,"maturity":"2026-10-01","face_value":1"#));
        assert_err(&e, pos2, Some("cusip"), "must be a string");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":true"#));
        assert_err(&e, pos2, Some("face_value"), "must be a number");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","cusip":"912797KJ5","maturity":"2026-10-01","face_value":1"#),
        );
        assert_err(&e, pos2, Some("cusip"), "twice");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":2"#));
        assert_err(&e, pos2, Some("cusip"), "positions 1 and 2");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-02-30","face_value":2,"account":"x""#));
        assert_err(&e, pos2, Some("maturity"), "calendar date");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","maturity":"2026-01-30","face_value":2,"account":"x""#));
        assert_err(&e, pos2, Some("maturity"), "matured");
        let e = load_err(".json", "[1]");
        assert_err(&e, Some(Location::Position(1)), None, "JSON object");
        let e = load_err(".json", "[]");
        assert_err(&e, None, None, "no positions");
        let e = load_err(".json", r#"{"positions": []}"#);
        assert_err(&e, None, None, "no positions");
        let e = load_err(".json", r#"{"holdings": []}"#);
        assert_err(&e, None, Some("holdings"), "unknown top-level field");
        let e = load_err(".json", r#"{"positions": {}}"#);
        assert_err(&e, None, Some("positions"), "array");
        let e = load_err(".json", "\"x\"");
        assert_err(&e, None, None, "expected an array");
        let e = load_err(".json", "[\n{\"cusip\": \n");
        assert_eq!(e.location, Some(Location::Line(3)), "{e}");
        assert!(e.message.contains("invalid JSON"), "{e}");
        let e = load_err(".json", "  ");
        assert_err(&e, None, None, "empty");
    }

    fn pos(cusip: &str, face: u64, maturity: (i32, u32, u32), account: Option<&str>, line: usize) -> Position {
        Position {
            cusip: Cusip::parse(cusip).unwrap(),
            face_value: face,
            maturity: NaiveDate::from_ymd_opt(maturity.0, maturity.1, maturity.2).unwrap(),
            account: account.map(str::to_string),
            location: Location::Line(line),
        }
    }

    #[test]
    fn aggregate_sums_and_sorts() {
        let f = Path::new("h.csv");
        let ps = vec![
            pos("912797KJ5", 10, (2026, 10, 1), Some("b"), 2),
            pos("037833100", 7, (2027, 1, 15), None, 3),
            pos("912797KJ5", 5, (2026, 10, 1), None, 4),
            pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 5),
        ];
        let h = aggregate_by_cusip(&ps, f).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].cusip.as_str(), "037833100");
        assert_eq!(h[0].face_value, 7);
        assert_eq!(h[1].face_value, 16);
        assert_eq!(h[1].accounts, vec![(None, 5), (Some("a".to_string()), 1), (Some("b".to_string()), 10)]);
        assert!(aggregate_by_cusip(&[], f).unwrap().is_empty());
    }

    #[test]
    fn aggregate_errors() {
        let f = Path::new("h.csv");
        let ps = vec![
            pos("912797KJ5", u64::MAX - 1, (2026, 10, 1), Some("a"), 2),
            pos("912797KJ5", 1, (2026, 10, 1), Some("b"), 3),
        ];
        assert_eq!(aggregate_by_cusip(&ps, f).unwrap()[0].face_value, u64::MAX);
        let ps = vec![
            pos("912797KJ5", u64::MAX, (2026, 10, 1), Some("a"), 2),
            pos("912797KJ5", 1, (2026, 10, 1), Some("b"), 3),
        ];
        let e = aggregate_by_cusip(&ps, f).unwrap_err();
        assert_err(&e, Some(Location::Line(3)), Some("face_value"), "CUSIP 912797KJ5");
        let ps =
            vec![pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 2), pos("912797KJ5", 1, (2026, 10, 8), Some("b"), 6)];
        let e = aggregate_by_cusip(&ps, f).unwrap_err();
        assert_err(&e, Some(Location::Line(6)), Some("maturity"), "lines 2 and 6");
        let ps =
            vec![pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 2), pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 6)];
        let e = aggregate_by_cusip(&ps, f).unwrap_err();
        assert_err(&e, Some(Location::Line(6)), Some("account"), "lines 2 and 6");
    }

    #[test]
    fn aggregate_over_loaded_file() {
        let text = "cusip,face_value_usd,maturity,account\n\
                    912797KJ5,1.00,2026-10-01,a\n\
                    912797KJ5,2.00,2026-10-02,b\n";
        let f = write(".csv", text.as_bytes());
        let p = load_holdings(f.path(), as_of()).unwrap();
        let e = aggregate_by_cusip(&p, f.path()).unwrap_err();
        assert!(e.to_string().contains(":3: field 'maturity'"), "{e}");
        assert!(e.message.contains("lines 2 and 3"), "{e}");
    }
}
