//! The holdings CSV: a header naming the columns, then one position per row. Rows become
//! [`RawPosition`]s with their line; [`super::holdings`] validates them.

use std::path::Path;

use super::error::{InputError, Location};
use super::holdings::{Amount, RawPosition};
use super::trim;

const COLUMNS: &str = "cusip, face_value or face_value_usd, maturity, account (optional)";

/// Reads the holdings CSV `text` of `path`, handing each data row to `each` in file order.
pub(super) fn read_csv(
    path: &Path,
    text: &str,
    mut each: impl FnMut(RawPosition<'_>) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        // Row lengths are checked here instead, to say which row and how many fields.
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = LineIndex::new(text);
    let line_of =
        |r: &::csv::StringRecord, fallback: usize| r.position().map(|p| lines.line_at(p.byte())).unwrap_or(fallback);
    let csv_err = |e: ::csv::Error| {
        let line = e.position().map(|p| lines.line_at(p.byte())).unwrap_or(1);
        InputError::new(path, format!("unreadable CSV: {e}")).at_line(line)
    };

    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(csv_err)?,
        None => return Err(InputError::new(path, "the file is empty")),
    };
    let header_line = line_of(&header, 1);
    let herr = |field: &str, msg: String| InputError::new(path, msg).at_line(header_line).field(field);

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
                let kind = if name.eq_ignore_ascii_case("face_value") { Amount::Cents } else { Amount::Usd };
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
            "" => {
                return Err(herr(
                    "",
                    format!("header column {} has no name (a trailing comma?); expected columns: {COLUMNS}", i + 1),
                ))
            }
            _ => return Err(herr(name, format!("unknown column '{name}'; expected columns: {COLUMNS}"))),
        };
        if slot.is_some() {
            return Err(herr(name, format!("column '{name}' appears twice in the header")));
        }
        *slot = Some(i);
    }
    let missing = |col: &str| herr(col, format!("missing required column '{col}'; expected columns: {COLUMNS}"));
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
                format!("the row has {} fields but the header has {}", rec.len(), header.len()),
            )
            .at_line(line));
        }
        rows += 1;
        let cell = |i: usize| trim(rec.get(i).unwrap_or(""));
        each(RawPosition {
            location: Location::Line(line),
            cusip: cell(cusip_col),
            amount,
            amount_text: cell(amount_col),
            maturity: cell(maturity_col),
            account: account_col.map(cell),
        })?;
    }
    if rows == 0 {
        return Err(InputError::new(path, "the file has a header but no positions").at_line(header_line));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::super::holdings::load_holdings;
    use super::super::test_util::{
        as_of, assert_err, load_holdings_err as load_err, load_holdings_text as load, write,
    };
    use super::*;
    use chrono::NaiveDate;
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
    fn cents_bound() {
        let ok = "cusip,face_value,maturity\n912797KJ5,18446744073709551615,2026-10-01\n";
        assert_eq!(load(".csv", ok).unwrap()[0].face_value, u64::MAX);
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,18446744073709551616,2026-10-01\n");
        assert_err(&e, Some(Location::Line(2)), Some("face_value"), "2^64");
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,99999999999999999999999,2026-10-01\n");
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
        let e = load_err(".csv", "cusip,face_value_usd,maturity\n912797KJ5,\"1,000,000.00\",2026-10-01\n");
        assert_err(&e, Some(Location::Line(2)), Some("face_value_usd"), "thousands separators");
        let e = load_err(".csv", "cusip,face_value_usd,maturity\n912797KJ5,10.001,2026-10-01\n");
        assert_err(&e, Some(Location::Line(2)), Some("face_value_usd"), "decimal places");
    }

    #[test]
    fn display_names_file_line_field() {
        let f = write(".csv", b"cusip,face_value,maturity\n912797KJ5,0,2026-10-01\n");
        let e = load_holdings(f.path(), as_of()).unwrap_err();
        assert_eq!(e.to_string(), format!("{}:2: field 'face_value': must be greater than zero", f.path().display()));
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
        let e = load_err(".csv", "cusip,face_value,maturity,desk\n912797KJ5,1,2026-10-01,x\n");
        assert_err(&e, Some(Location::Line(1)), Some("desk"), "unknown column");
        let e = load_err(".csv", "cusip,face_value\n912797KJ5,1\n");
        assert_err(&e, Some(Location::Line(1)), Some("maturity"), "missing required column");
        let e = load_err(".csv", "face_value,maturity\n1,2026-10-01\n");
        assert_err(&e, Some(Location::Line(1)), Some("cusip"), "missing required column");
        let e = load_err(".csv", "cusip,maturity\n912797KJ5,2026-10-01\n");
        assert_err(&e, Some(Location::Line(1)), Some("face_value"), "missing required column");
        let e = load_err(".csv", "cusip,face_value,face_value_usd,maturity\n912797KJ5,1,1,2026-10-01\n");
        assert_err(&e, Some(Location::Line(1)), Some("face_value_usd"), "keep exactly one");
        let e = load_err(".csv", "cusip,cusip,face_value,maturity\n");
        assert_err(&e, Some(Location::Line(1)), Some("cusip"), "twice");
        let e = load_err(".csv", "cusip,face_value,maturity,\n912797KJ5,1,2026-10-01,\n");
        assert_err(&e, Some(Location::Line(1)), Some(""), "no name");
    }

    #[test]
    fn row_shape_and_cusip_errors() {
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,1\n");
        assert_err(&e, Some(Location::Line(2)), None, "2 fields but the header has 3");
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,1,2026-10-01\n912797KJ4,1,2026-10-01\n");
        assert_err(&e, Some(Location::Line(3)), Some("cusip"), "check digit is 4, expected 5");
        let e = load_err(".csv", "cusip,face_value,maturity\n912797kj5,1,2026-10-01\n");
        assert_err(&e, Some(Location::Line(2)), Some("cusip"), "uppercase");
    }

    #[test]
    fn date_errors() {
        let e = load_err(".csv", "cusip,face_value,maturity\n912797KJ5,1,2026-02-30\n");
        assert_err(&e, Some(Location::Line(2)), Some("maturity"), "not a calendar date");
        for bad in ["2026-2-3", "10/01/2026", "+2026-02-03", "2026-10-01T00:00", ""] {
            let e = load_err(".csv", &format!("cusip,face_value,maturity\n912797KJ5,1,{bad}\n"));
            assert_eq!(e.field.as_deref(), Some("maturity"), "{bad}: {e}");
        }
    }

    #[test]
    fn invalid_utf8() {
        let f = write(".csv", b"cusip,face_value,maturity\n912797KJ5,1,2026-10-01,\xff\n");
        let e = load_holdings(f.path(), as_of()).unwrap_err();
        assert_err(&e, Some(Location::Line(2)), None, "UTF-8");
    }
}
