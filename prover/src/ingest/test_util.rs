//! Helpers shared by the ingestion tests: temporary input files and error assertions.

use std::io::Write;

use super::error::{InputError, Location};

pub fn write(ext: &str, content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
    f.write_all(content).unwrap();
    f.flush().unwrap();
    f
}

/// The error names this place and field, and its message contains `needle`.
pub fn assert_err(e: &InputError, loc: Option<Location>, field: Option<&str>, needle: &str) {
    assert_eq!(e.location, loc, "{e}");
    assert_eq!(e.field.as_deref(), field, "{e}");
    assert!(e.message.contains(needle), "{e:?} should mention {needle:?}");
}

/// The as-of date of the holdings tests.
pub fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
}

/// Loads `content` as a holdings file named `*<ext>`, as of [`as_of`].
pub fn load_holdings_text(ext: &str, content: &str) -> Result<Vec<super::holdings::Position>, InputError> {
    let f = write(ext, content.as_bytes());
    super::holdings::load_holdings(f.path(), as_of())
}

pub fn load_holdings_err(ext: &str, content: &str) -> InputError {
    match load_holdings_text(ext, content) {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => e,
    }
}
