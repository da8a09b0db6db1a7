//! Reading the operator's input files: the holdings (CSV or JSON) and the liabilities (JSON).
//!
//! Split by job, so each format rule lives in one place and both files share it:
//! - [`csv`]: the holdings CSV layout (header, columns, rows and their lines);
//! - [`json`]: JSON read from its source text, keeping repeated keys and exact numbers;
//! - [`money`]: cents, dollars and exact decimals, with the rounding the liabilities need;
//! - [`dates`]: strict ISO dates and the circuit's day count;
//! - [`cusip`]: CUSIP parsing, on the circuits crate's rules;
//! - [`holdings`]: positions, their validation and aggregation by CUSIP;
//! - [`liabilities`]: the deployments table the attestation proves coverage of;
//! - [`error`]: the one error type for input, naming file, place and field.
//!
//! Every file is all-or-nothing: the first bad entry aborts the load, because a proof computed
//! over "the entries that happened to parse" would misstate reserves or liabilities without
//! anyone noticing.

use std::path::Path;

pub mod csv;
pub mod cusip;
pub mod dates;
pub mod error;
pub mod holdings;
pub mod json;
pub mod liabilities;
pub mod money;

#[cfg(test)]
mod test_util;

pub use cusip::{check_digit, Cusip, CusipError};
pub use dates::{circuit_days, days_since_epoch, epoch_date, iso_day, parse_date};
pub use error::{InputError, Location};
pub use holdings::{aggregate_by_cusip, load_holdings, Holding, Position};
pub use liabilities::{
    hex_address, load_liabilities, parse_address, parse_liabilities, Liabilities, LiabilityLine, LineKind, SourceBlock,
};
pub use money::Decimal;

/// Reads a text file: UTF-8, with the byte-order mark that spreadsheet programs on Windows
/// prepend to "CSV UTF-8" exports removed.
pub(crate) fn read_text(path: &Path) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::new(path, format!("cannot read the file: {e}")))?;
    decode_text(path, &bytes).map(str::to_string)
}

fn decode_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::new(path, "the file is not valid UTF-8 text; export it as UTF-8").at_line(line)
    })
}

/// Trims ASCII whitespace only: a non-breaking space inside a cell is a typo to report, not
/// padding to drop.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}
