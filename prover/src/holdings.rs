//! Reading the custodian's holdings file (CSV or JSON) into validated positions.
//!
//! The file is all-or-nothing: the first bad row aborts the load, because a proof of reserves
//! computed over "the rows that happened to parse" would overstate or understate the reserves
//! without anyone noticing. Money is parsed from its digits with checked integer arithmetic; a
//! float would silently turn 1000000.05 into 100000004 cents.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde_json::value::RawValue;

use crate::cusip::Cusip;
use crate::input_error::{InputError, Location};

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

const COLUMNS: &str = "cusip, face_value or face_value_usd, maturity, account (optional)";
const JSON_FIELDS: [&str; 5] = [
    "cusip",
    "face_value",
    "face_value_usd",
    "maturity",
    "account",
];

/// Loads and validates a holdings file. Positions maturing before `as_of` are rejected: they are
/// cash or receivables by then, not Treasuries, and must not be counted as such.
pub fn load_holdings(path: &Path, as_of: NaiveDate) -> Result<Vec<Position>, InputError> {
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(path, format!("cannot read the file: {e}")))?;
    let text = decode_text(path, &bytes)?;
    let first = text.trim_start().chars().next();
    let Some(first) = first else {
        return Err(InputError::new(path, "the file is empty"));
    };
    let has_json_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut out = Collector::new(path, as_of);
    if has_json_ext || first == '[' || first == '{' {
        read_json(path, text, &mut out)?;
    } else {
        read_csv(path, text, &mut out)?;
    }
    Ok(out.positions)
}

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
                acc.holding.face_value = acc
                    .holding
                    .face_value
                    .checked_add(p.face_value)
                    .ok_or_else(|| {
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
    .field(if p.account.is_some() {
        "account"
    } else {
        "cusip"
    })
}

/// Accumulates positions in file order, so the error reported is the first one in the file.
struct Collector<'a> {
    path: &'a Path,
    as_of: NaiveDate,
    positions: Vec<Position>,
    seen: HashMap<(Cusip, Option<String>), Location>,
}

impl<'a> Collector<'a> {
    fn new(path: &'a Path, as_of: NaiveDate) -> Self {
        Collector {
            path,
            as_of,
            positions: Vec::new(),
            seen: HashMap::new(),
        }
    }

    fn err(&self, loc: Location, field: &str, msg: impl Into<String>) -> InputError {
        InputError::new(self.path, msg).at(loc).field(field)
    }

    fn push(&mut self, p: Position) -> Result<(), InputError> {
        if p.maturity < self.as_of {
            return Err(self.err(
                p.location,
                "maturity",
                format!(
                    "the position matured on {}, before the as-of date {}",
                    p.maturity, self.as_of
                ),
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

pub(crate) fn decode_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, InputError> {
    // Spreadsheet programs on Windows prepend a BOM when exporting "CSV UTF-8".
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        InputError::new(path, "the file is not valid UTF-8 text; export it as UTF-8").at_line(line)
    })
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Amount {
    Cents,
    Usd,
}

impl Amount {
    fn field(self) -> &'static str {
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

/// Line numbers from byte offsets. The csv crate's own line count lags by one for every CRLF
/// line before a record (it ends a record at the '\r' and counts the '\n' only while reading
/// the next one), which put errors in Windows exports on the wrong line.
struct LineIndex<'t> {
    text: &'t [u8],
    /// Byte offset at which each line starts; a line ends at "\n", "\r\n" or a lone "\r".
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let b = text.as_bytes();
        let mut starts = vec![0];
        for i in 0..b.len() {
            if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        LineIndex { text: b, starts }
    }

    /// The 1-based line of a record starting at `byte`. Line ends at the offset are skipped:
    /// csv may report a record as starting on the "\n" of the previous line's "\r\n".
    fn line_at(&self, byte: u64) -> usize {
        let mut i = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while i < self.text.len() && matches!(self.text[i], b'\r' | b'\n') {
            i += 1;
        }
        self.starts.partition_point(|&s| s <= i)
    }
}

fn read_csv(path: &Path, text: &str, out: &mut Collector<'_>) -> Result<(), InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Row lengths are checked here instead, to say which row and how many fields.
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = LineIndex::new(text);
    let line_of = |r: &csv::StringRecord, fallback: usize| {
        r.position()
            .map(|p| lines.line_at(p.byte()))
            .unwrap_or(fallback)
    };
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| lines.line_at(p.byte())).unwrap_or(1);
        InputError::new(path, format!("unreadable CSV: {e}")).at_line(line)
    };

    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(csv_err)?,
        None => return Err(InputError::new(path, "the file is empty")),
    };
    let header_line = line_of(&header, 1);
    let herr =
        |field: &str, msg: String| InputError::new(path, msg).at_line(header_line).field(field);

    let mut cusip_col = None;
    let mut amount_col: Option<(Amount, usize)> = None;
    let mut maturity_col = None;
    let mut account_col = None;
    for (i, raw) in header.iter().enumerate() {
        let name = trim(raw);
        let slot = match name.to_ascii_lowercase().as_str() {
            "cusip" => &mut cusip_col,
            "maturity" => &mut maturity_col,
            "account" => &mut account_col,
            "face_value" | "face_value_usd" => {
                let kind = if name.eq_ignore_ascii_case("face_value") {
                    Amount::Cents
                } else {
                    Amount::Usd
                };
                if let Some((prev, _)) = amount_col {
                    let msg = if prev == kind {
                        format!("column '{name}' appears twice in the header")
                    } else {
                        "both face_value (cents) and face_value_usd (dollars) columns are present; \
                         keep exactly one"
                            .to_string()
                    };
                    return Err(herr(name, msg));
                }
                amount_col = Some((kind, i));
                continue;
            }
            "" => return Err(herr(
                "",
                format!(
                    "header column {} has no name (a trailing comma?); expected columns: {COLUMNS}",
                    i + 1
                ),
            )),
            _ => {
                return Err(herr(
                    name,
                    format!("unknown column '{name}'; expected columns: {COLUMNS}"),
                ))
            }
        };
        if slot.is_some() {
            return Err(herr(
                name,
                format!("column '{name}' appears twice in the header"),
            ));
        }
        *slot = Some(i);
    }
    let missing = |col: &str| {
        herr(
            col,
            format!("missing required column '{col}'; expected columns: {COLUMNS}"),
        )
    };
    let cusip_col = cusip_col.ok_or_else(|| missing("cusip"))?;
    let (amount, amount_col) = amount_col.ok_or_else(|| {
        herr(
            "face_value",
            format!(
                "missing required column 'face_value' (integer cents) or 'face_value_usd' \
                 (dollars); expected columns: {COLUMNS}"
            ),
        )
    })?;
    let maturity_col = maturity_col.ok_or_else(|| missing("maturity"))?;

    let mut rows = 0usize;
    let mut last_line = header_line;
    for rec in records {
        let rec = rec.map_err(csv_err)?;
        let line = line_of(&rec, last_line + 1);
        last_line = line;
        // Spreadsheets often leave rows of empty cells (",,,") after the data.
        if rec.iter().all(|c| trim(c).is_empty()) {
            continue;
        }
        if rec.len() != header.len() {
            return Err(InputError::new(
                path,
                format!(
                    "the row has {} fields but the header has {}",
                    rec.len(),
                    header.len()
                ),
            )
            .at_line(line));
        }
        rows += 1;
        let loc = Location::Line(line);
        let cell = |i: usize| trim(rec.get(i).unwrap_or(""));
        let p = build_position(
            out,
            loc,
            cell(cusip_col),
            (amount, cell(amount_col)),
            cell(maturity_col),
            account_col.map(cell),
        )?;
        out.push(p)?;
    }
    if rows == 0 {
        return Err(
            InputError::new(path, "the file has a header but no positions").at_line(header_line),
        );
    }
    Ok(())
}

fn build_position(
    out: &Collector<'_>,
    loc: Location,
    cusip: &str,
    (amount, amount_text): (Amount, &str),
    maturity: &str,
    account: Option<&str>,
) -> Result<Position, InputError> {
    let cusip = Cusip::parse(cusip).map_err(|e| {
        let shown = if cusip.is_empty() {
            "is empty".to_string()
        } else {
            format!("{cusip:?}: {e}")
        };
        out.err(loc, "cusip", shown)
    })?;
    let face_value = amount
        .parse(amount_text)
        .map_err(|m| out.err(loc, amount.field(), m))?;
    let maturity = parse_date(maturity).map_err(|m| out.err(loc, "maturity", m))?;
    let account = account
        .map(trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    Ok(Position {
        cusip,
        face_value,
        maturity,
        account,
        location: loc,
    })
}

const MAX_CENTS_MSG: &str =
    "is 2^64 cents or more; the largest accepted is 18446744073709551615 cents";

/// Common checks for both money forms; returns the text when it looks like a plain decimal.
fn money_precheck(s: &str) -> Result<&str, String> {
    let s = trim(s);
    if s.is_empty() {
        return Err("is empty".to_string());
    }
    if s.contains(',') {
        return Err(format!(
            "{s:?} contains ','; write the amount without thousands separators, e.g. 1000000.00"
        ));
    }
    if let Some(rest) = s.strip_prefix('-') {
        if rest.bytes().any(|b| b.is_ascii_digit()) {
            return Err(format!("must be greater than zero, found {s}"));
        }
    }
    Ok(s)
}

/// Integer cents, e.g. "100000000" for $1,000,000.
fn parse_cents(s: &str) -> Result<u64, String> {
    let s = money_precheck(s)?;
    if s.contains('.') && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!(
            "must be a whole number of cents, found {s}; use a face_value_usd column for dollar amounts"
        ));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("is not a whole number of cents: {s:?}"));
    }
    let v = digits_to_u64(s).ok_or_else(|| MAX_CENTS_MSG.to_string())?;
    if v == 0 {
        return Err("must be greater than zero".to_string());
    }
    Ok(v)
}

/// Dollars with at most two decimals, e.g. "1000000.05" = 100000005 cents.
fn parse_usd(s: &str) -> Result<u64, String> {
    let s = money_precheck(s)?;
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let plain = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !plain(int) || !frac.is_none_or(plain) {
        return Err(format!(
            "is not a plain decimal dollar amount: {s:?} (expected digits with an optional \
             '.' and up to 2 decimals, e.g. 1000000.05)"
        ));
    }
    let frac = frac.unwrap_or("");
    if frac.len() > 2 {
        return Err(format!(
            "{s} has {} decimal places; at most 2 (whole cents) are accepted",
            frac.len()
        ));
    }
    let dollars = digits_to_u64(int).ok_or_else(|| MAX_CENTS_MSG.to_string())?;
    let cents = match frac.len() {
        0 => 0,
        1 => digits_to_u64(frac).unwrap_or(0) * 10,
        _ => digits_to_u64(frac).unwrap_or(0),
    };
    let v = dollars
        .checked_mul(100)
        .and_then(|d| d.checked_add(cents))
        .ok_or_else(|| MAX_CENTS_MSG.to_string())?;
    if v == 0 {
        return Err("must be greater than zero".to_string());
    }
    Ok(v)
}

/// `None` on overflow. The caller has checked that `s` is ASCII digits only.
fn digits_to_u64(s: &str) -> Option<u64> {
    s.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// Strict YYYY-MM-DD: chrono's parser alone would also take "2026-2-3" or "+2026-02-03", and an
/// ambiguous date in a reserves file is better rejected than guessed.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = trim(s);
    if s.is_empty() {
        return Err("is empty".to_string());
    }
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
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

/// A JSON object's members in document order, duplicates kept so they can be reported
/// (serde_json's own maps keep only the last value of a repeated key).
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let val: Box<RawValue> = map.next_value()?;
                    v.push((k, val));
                }
                Ok(Members(v))
            }
        }
        d.deserialize_map(V)
    }
}

pub(crate) enum JsonKind {
    Object,
    Array,
    String,
    Number,
    Null,
    Other,
}

/// What a raw JSON value is, from its first character (serde_json has already checked syntax).
pub(crate) fn json_kind(raw: &RawValue) -> JsonKind {
    match raw.get().trim_start().as_bytes().first() {
        Some(b'{') => JsonKind::Object,
        Some(b'[') => JsonKind::Array,
        Some(b'"') => JsonKind::String,
        Some(b'-' | b'0'..=b'9') => JsonKind::Number,
        Some(b'n') => JsonKind::Null,
        _ => JsonKind::Other,
    }
}

/// Parses members of an already syntax-checked object; `None` if `raw` is not an object.
pub(crate) fn json_members(raw: &RawValue) -> Option<Vec<(String, Box<RawValue>)>> {
    match json_kind(raw) {
        JsonKind::Object => serde_json::from_str::<Members>(raw.get()).ok().map(|m| m.0),
        _ => None,
    }
}

pub(crate) fn json_array(raw: &RawValue) -> Option<Vec<Box<RawValue>>> {
    match json_kind(raw) {
        JsonKind::Array => serde_json::from_str(raw.get()).ok(),
        _ => None,
    }
}

pub(crate) fn json_string(raw: &RawValue) -> Option<String> {
    match json_kind(raw) {
        JsonKind::String => serde_json::from_str(raw.get()).ok(),
        _ => None,
    }
}

pub(crate) fn json_syntax_error(path: &Path, e: &serde_json::Error) -> InputError {
    InputError::new(path, format!("invalid JSON: {e}")).at_line(e.line().max(1))
}

fn read_json(path: &Path, text: &str, out: &mut Collector<'_>) -> Result<(), InputError> {
    let top: Box<RawValue> = serde_json::from_str(text).map_err(|e| json_syntax_error(path, &e))?;
    let shape = "expected an array of positions or an object {\"positions\": [...]}";
    let entries = match json_kind(&top) {
        JsonKind::Array => json_array(&top),
        JsonKind::Object => {
            let members = json_members(&top).unwrap_or_default();
            let mut positions = None;
            for (k, v) in members {
                if k != "positions" {
                    return Err(
                        InputError::new(path, format!("unknown top-level field; {shape}")).field(k),
                    );
                }
                if positions.is_some() {
                    return Err(InputError::new(path, "appears twice").field("positions"));
                }
                positions = Some(v);
            }
            let Some(positions) = positions else {
                return Err(InputError::new(path, format!("missing; {shape}")).field("positions"));
            };
            Some(json_array(&positions).ok_or_else(|| {
                InputError::new(path, "must be an array of positions").field("positions")
            })?)
        }
        _ => None,
    };
    let entries = entries.ok_or_else(|| InputError::new(path, shape))?;
    if entries.is_empty() {
        return Err(InputError::new(path, "the file contains no positions"));
    }
    for (i, entry) in entries.iter().enumerate() {
        let loc = Location::Position(i + 1);
        let p = json_position(out, loc, entry)?;
        out.push(p)?;
    }
    Ok(())
}

fn json_position(
    out: &Collector<'_>,
    loc: Location,
    entry: &RawValue,
) -> Result<Position, InputError> {
    let members = json_members(entry)
        .ok_or_else(|| InputError::new(out.path, "must be a JSON object").at(loc))?;
    let mut fields: [Option<&RawValue>; 5] = [None; 5];
    for (k, v) in &members {
        let Some(idx) = JSON_FIELDS.iter().position(|f| f == k) else {
            return Err(out.err(
                loc,
                k,
                format!("unknown field; expected fields: {}", JSON_FIELDS.join(", ")),
            ));
        };
        if fields[idx].is_some() {
            return Err(out.err(loc, k, "appears twice"));
        }
        fields[idx] = Some(v);
    }
    let [cusip, cents, usd, maturity, account] = fields;

    let string_field = |name: &str, raw: Option<&RawValue>| -> Result<String, InputError> {
        let raw = raw.ok_or_else(|| out.err(loc, name, "missing required field"))?;
        json_string(raw)
            .ok_or_else(|| out.err(loc, name, format!("must be a string, found {}", raw.get())))
    };
    let cusip = string_field("cusip", cusip)?;
    let maturity = string_field("maturity", maturity)?;
    let (amount, raw) = match (cents, usd) {
        (Some(c), None) => (Amount::Cents, c),
        (None, Some(u)) => (Amount::Usd, u),
        (Some(_), Some(_)) => return Err(out.err(
            loc,
            "face_value_usd",
            "both face_value (cents) and face_value_usd (dollars) are present; keep exactly one",
        )),
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
                format!(
                    "must be a number or a string of digits, found {}",
                    raw.get()
                ),
            ))
        }
    };
    let account = match account.map(|a| (json_kind(a), a)) {
        None | Some((JsonKind::Null, _)) => None,
        Some((JsonKind::String, a)) => json_string(a),
        Some((_, a)) => {
            return Err(out.err(
                loc,
                "account",
                format!("must be a string or null, found {}", a.get()),
            ))
        }
    };
    build_position(
        out,
        loc,
        &cusip,
        (amount, &amount_text),
        &maturity,
        account.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const AS_OF: (i32, u32, u32) = (2026, 9, 1);

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap()
    }

    fn write(ext: &str, content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(content).unwrap();
        f.flush().unwrap();
        f
    }

    fn load(ext: &str, content: &str) -> Result<Vec<Position>, InputError> {
        let f = write(ext, content.as_bytes());
        load_holdings(f.path(), as_of())
    }

    fn load_err(ext: &str, content: &str) -> InputError {
        match load(ext, content) {
            Ok(p) => panic!("expected an error, got {p:?}"),
            Err(e) => e,
        }
    }

    fn assert_err(e: &InputError, loc: Option<Location>, field: Option<&str>, needle: &str) {
        assert_eq!(e.location, loc, "{e}");
        assert_eq!(e.field.as_deref(), field, "{e}");
        assert!(
            e.message.contains(needle),
            "{e:?} should mention {needle:?}"
        );
    }

    const GOOD: &str = "cusip,face_value,maturity,account\n\
                        912797KJ5,100000000,2026-10-01,fund-a\n\
                        037833100,250,2027-01-15,\n";

    #[test]
    fn good_csv() {
        let p = load(".csv", GOOD).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].cusip.as_str(), "912797KJ5");
        assert_eq!(p[0].face_value, 100_000_000);
        assert_eq!(p[0].maturity, NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
        assert_eq!(p[0].account.as_deref(), Some("fund-a"));
        assert_eq!(p[0].location, Location::Line(2));
        assert_eq!(p[1].account, None);
        assert_eq!(p[1].line(), 3);
    }

    #[test]
    fn bom_crlf_whitespace_and_case_accepted() {
        let text = "\u{feff} CUSIP , Face_Value_USD ,Maturity\r\n 912797KJ5 , 1000000.05 , 2026-10-01 \r\n\r\n";
        let f = write(".csv", text.as_bytes());
        let p = load_holdings(f.path(), as_of()).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].face_value, 100_000_005);
        assert_eq!(p[0].account, None);
    }

    #[test]
    fn usd_amount_forms() {
        assert_eq!(parse_usd("1000000"), Ok(100_000_000));
        assert_eq!(parse_usd("1000000.5"), Ok(100_000_050));
        assert_eq!(parse_usd("1000000.05"), Ok(100_000_005));
        assert_eq!(parse_usd("0.01"), Ok(1));
        assert!(parse_usd("1,000,000.00")
            .unwrap_err()
            .contains("thousands separators"));
        assert!(parse_usd("1.005").unwrap_err().contains("3 decimal places"));
        assert!(parse_usd("1.").is_err());
        assert!(parse_usd(".5").is_err());
        assert!(parse_usd("$5").is_err());
        assert!(parse_usd("1e6").is_err());
        assert!(parse_usd("0.00").unwrap_err().contains("greater than zero"));
        assert!(parse_usd("-1.00")
            .unwrap_err()
            .contains("greater than zero"));
        assert_eq!(parse_usd("184467440737095516.15"), Ok(u64::MAX));
        assert!(parse_usd("184467440737095516.16")
            .unwrap_err()
            .contains("2^64"));
    }

    #[test]
    fn cents_bound() {
        let ok = "cusip,face_value,maturity\n912797KJ5,18446744073709551615,2026-10-01\n";
        assert_eq!(load(".csv", ok).unwrap()[0].face_value, u64::MAX);
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity\n912797KJ5,18446744073709551616,2026-10-01\n",
        );
        assert_err(&e, Some(Location::Line(2)), Some("face_value"), "2^64");
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity\n912797KJ5,99999999999999999999999,2026-10-01\n",
        );
        assert_err(&e, Some(Location::Line(2)), Some("face_value"), "2^64");
    }

    #[test]
    fn bad_face_values() {
        for (v, needle) in [
            ("0", "greater than zero"),
            ("-5", "greater than zero"),
            ("abc", "not a whole number"),
            ("12.5", "whole number of cents"),
            ("\"1,000\"", "thousands separators"),
            ("", "is empty"),
        ] {
            let text = format!("cusip,face_value,maturity\n912797KJ5,{v},2026-10-01\n");
            let e = load_err(".csv", &text);
            assert_err(&e, Some(Location::Line(2)), Some("face_value"), needle);
        }
        let e = load_err(
            ".csv",
            "cusip,face_value_usd,maturity\n912797KJ5,\"1,000,000.00\",2026-10-01\n",
        );
        assert_err(
            &e,
            Some(Location::Line(2)),
            Some("face_value_usd"),
            "thousands separators",
        );
        let e = load_err(
            ".csv",
            "cusip,face_value_usd,maturity\n912797KJ5,10.001,2026-10-01\n",
        );
        assert_err(
            &e,
            Some(Location::Line(2)),
            Some("face_value_usd"),
            "decimal places",
        );
    }

    #[test]
    fn display_names_file_line_field() {
        let f = write(
            ".csv",
            b"cusip,face_value,maturity\n912797KJ5,0,2026-10-01\n",
        );
        let e = load_holdings(f.path(), as_of()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:2: field 'face_value': must be greater than zero",
                f.path().display()
            )
        );
    }

    #[test]
    fn empty_and_header_only() {
        let e = load_err(".csv", "");
        assert_err(&e, None, None, "empty");
        let e = load_err(".csv", "\u{feff}  \r\n");
        assert_err(&e, None, None, "empty");
        let e = load_err(".csv", "cusip,face_value,maturity\r\n");
        assert_err(&e, Some(Location::Line(1)), None, "no positions");
        let e = load_err(".csv", "cusip,face_value,maturity\n,,\n");
        assert_err(&e, Some(Location::Line(1)), None, "no positions");
    }

    #[test]
    fn header_errors() {
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity,desk\n912797KJ5,1,2026-10-01,x\n",
        );
        assert_err(&e, Some(Location::Line(1)), Some("desk"), "unknown column");
        let e = load_err(".csv", "cusip,face_value\n912797KJ5,1\n");
        assert_err(
            &e,
            Some(Location::Line(1)),
            Some("maturity"),
            "missing required column",
        );
        let e = load_err(".csv", "face_value,maturity\n1,2026-10-01\n");
        assert_err(
            &e,
            Some(Location::Line(1)),
            Some("cusip"),
            "missing required column",
        );
        let e = load_err(".csv", "cusip,maturity\n912797KJ5,2026-10-01\n");
        assert_err(
            &e,
            Some(Location::Line(1)),
            Some("face_value"),
            "missing required column",
        );
        let e = load_err(
            ".csv",
            "cusip,face_value,face_value_usd,maturity\n912797KJ5,1,1,2026-10-01\n",
        );
        assert_err(
            &e,
            Some(Location::Line(1)),
            Some("face_value_usd"),
            "keep exactly one",
        );
        let e = load_err(".csv", "cusip,cusip,face_value,maturity\n");
        assert_err(&e, Some(Location::Line(1)), Some("cusip"), "twice");
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity,\n912797KJ5,1,2026-10-01,\n",
        );
        assert_err(&e, Some(Location::Line(1)), Some(""), "no name");
    }

    #[test]
    fn row_shape_and_cusip_errors() {
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,1\n");
        assert_err(
            &e,
            Some(Location::Line(2)),
            None,
            "2 fields but the header has 3",
        );
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity\n912797KJ5,1,2026-10-01\n912797KJ4,1,2026-10-01\n",
        );
        assert_err(
            &e,
            Some(Location::Line(3)),
            Some("cusip"),
            "check digit is 4, expected 5",
        );
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity\n912797kj5,1,2026-10-01\n",
        );
        assert_err(&e, Some(Location::Line(2)), Some("cusip"), "uppercase");
    }

    #[test]
    fn date_errors() {
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity\n912797KJ5,1,2026-02-30\n",
        );
        assert_err(
            &e,
            Some(Location::Line(2)),
            Some("maturity"),
            "not a calendar date",
        );
        for bad in [
            "2026-2-3",
            "10/01/2026",
            "+2026-02-03",
            "2026-10-01T00:00",
            "",
        ] {
            let e = load_err(
                ".csv",
                &format!("cusip,face_value,maturity\n912797KJ5,1,{bad}\n"),
            );
            assert_eq!(e.field.as_deref(), Some("maturity"), "{bad}: {e}");
        }
    }

    #[test]
    fn matured_position_rejected_same_day_accepted() {
        let e = load_err(
            ".csv",
            "cusip,face_value,maturity\n912797KJ5,1,2026-08-31\n",
        );
        assert_err(
            &e,
            Some(Location::Line(2)),
            Some("maturity"),
            "matured on 2026-08-31",
        );
        assert!(e.message.contains("2026-09-01"), "{e}");
        assert!(load(
            ".csv",
            "cusip,face_value,maturity\n912797KJ5,1,2026-09-01\n"
        )
        .is_ok());
    }

    #[test]
    fn duplicates() {
        let text = "cusip,face_value,maturity,account\n\
                    912797KJ5,1,2026-10-01,a\n\
                    912797KJ5,1,2026-10-01,b\n\
                    912797KJ5,1,2026-10-01,a\n";
        let e = load_err(".csv", text);
        assert_err(
            &e,
            Some(Location::Line(4)),
            Some("account"),
            "lines 2 and 4",
        );
        let text = "cusip,face_value,maturity\n912797KJ5,1,2026-10-01\n912797KJ5,2,2026-10-01\n";
        let e = load_err(".csv", text);
        assert_err(&e, Some(Location::Line(3)), Some("cusip"), "lines 2 and 3");
    }

    #[test]
    fn invalid_utf8() {
        let f = write(
            ".csv",
            b"cusip,face_value,maturity\n912797KJ5,1,2026-10-01,\xff\n",
        );
        let e = load_holdings(f.path(), as_of()).unwrap_err();
        assert_err(&e, Some(Location::Line(2)), None, "UTF-8");
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
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1,"desk":1"#),
        );
        assert_err(&e, pos2, Some("desk"), "unknown field");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1.5"#),
        );
        assert_err(&e, pos2, Some("face_value"), "whole number");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1e6"#),
        );
        assert_err(&e, pos2, Some("face_value"), "not a whole number");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":-3"#),
        );
        assert_err(&e, pos2, Some("face_value"), "greater than zero");
        let e = load_err(
            ".json",
            &one(
                r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":18446744073709551616"#,
            ),
        );
        assert_err(&e, pos2, Some("face_value"), "2^64");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value_usd":1.001"#),
        );
        assert_err(&e, pos2, Some("face_value_usd"), "decimal places");
        let e = load_err(
            ".json",
            &one(
                r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":1,"face_value_usd":"1""#,
            ),
        );
        assert_err(&e, pos2, Some("face_value_usd"), "exactly one");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01""#),
        );
        assert_err(&e, pos2, Some("face_value"), "missing");
        let e = load_err(".json", &one(r#""cusip":"912797KJ5","face_value":1"#));
        assert_err(&e, pos2, Some("maturity"), "missing");
        let e = load_err(
            ".json",
            &one(r#""cusip":912797,"maturity":"2026-10-01","face_value":1"#),
        );
        assert_err(&e, pos2, Some("cusip"), "must be a string");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":true"#),
        );
        assert_err(&e, pos2, Some("face_value"), "must be a number");
        let e = load_err(
            ".json",
            &one(
                r#""cusip":"912797KJ5","cusip":"912797KJ5","maturity":"2026-10-01","face_value":1"#,
            ),
        );
        assert_err(&e, pos2, Some("cusip"), "twice");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-10-01","face_value":2"#),
        );
        assert_err(&e, pos2, Some("cusip"), "positions 1 and 2");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-02-30","face_value":2,"account":"x""#),
        );
        assert_err(&e, pos2, Some("maturity"), "calendar date");
        let e = load_err(
            ".json",
            &one(r#""cusip":"912797KJ5","maturity":"2026-01-30","face_value":2,"account":"x""#),
        );
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

    fn pos(
        cusip: &str,
        face: u64,
        maturity: (i32, u32, u32),
        account: Option<&str>,
        line: usize,
    ) -> Position {
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
        assert_eq!(
            h[1].accounts,
            vec![
                (None, 5),
                (Some("a".to_string()), 1),
                (Some("b".to_string()), 10)
            ]
        );
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
        assert_err(
            &e,
            Some(Location::Line(3)),
            Some("face_value"),
            "CUSIP 912797KJ5",
        );
        let ps = vec![
            pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 2),
            pos("912797KJ5", 1, (2026, 10, 8), Some("b"), 6),
        ];
        let e = aggregate_by_cusip(&ps, f).unwrap_err();
        assert_err(
            &e,
            Some(Location::Line(6)),
            Some("maturity"),
            "lines 2 and 6",
        );
        let ps = vec![
            pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 2),
            pos("912797KJ5", 1, (2026, 10, 1), Some("a"), 6),
        ];
        let e = aggregate_by_cusip(&ps, f).unwrap_err();
        assert_err(
            &e,
            Some(Location::Line(6)),
            Some("account"),
            "lines 2 and 6",
        );
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
