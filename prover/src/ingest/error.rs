//! The single error type for everything read from the operator's input files.
//!
//! Every rejection names the file, where in it (a CSV line, or the index of a JSON entry) and the
//! field, because the person fixing the file is usually not the person who wrote the tool.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input file a problem is. Numbers are 1-based, as a person counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A line of a text file (CSV rows, JSON syntax errors).
    Line(usize),
    /// The n-th entry of a JSON holdings array: JSON has no useful line per value.
    Position(usize),
    /// The n-th entry (line) of the liabilities `deployments` array.
    Deployment(usize),
}

impl Location {
    /// The number, whatever it counts.
    pub fn index(&self) -> usize {
        match *self {
            Location::Line(n) | Location::Position(n) | Location::Deployment(n) => n,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Position(n) => write!(f, "position {n}"),
            Location::Deployment(n) => write!(f, "deployment {n}"),
        }
    }
}

/// Rendered as `holdings.csv:14: field 'face_value': must be greater than zero`, or with the
/// location or field part left out when unknown. JSON entries read `holdings.json: position 3: ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(self))]
pub struct InputError {
    pub file: PathBuf,
    pub location: Option<Location>,
    pub field: Option<String>,
    pub message: String,
}

fn render(e: &InputError) -> String {
    let mut s = e.file.display().to_string();
    match e.location {
        // The `file:line:` form is what editors and terminals turn into a jump target.
        Some(Location::Line(n)) => s.push_str(&format!(":{n}: ")),
        Some(loc) => s.push_str(&format!(": {loc}: ")),
        None => s.push_str(": "),
    }
    if let Some(field) = &e.field {
        s.push_str(&format!("field '{field}': "));
    }
    s.push_str(&e.message);
    s
}

impl InputError {
    pub fn new(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        InputError { file: file.as_ref().to_path_buf(), location: None, field: None, message: message.into() }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_line(self, line: usize) -> Self {
        self.at(Location::Line(line))
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The line number, if the location is a line of the file.
    pub fn line(&self) -> Option<usize> {
        match self.location {
            Some(Location::Line(n)) => Some(n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let e = InputError::new("holdings.csv", "must be greater than zero").at_line(14).field("face_value");
        assert_eq!(e.to_string(), "holdings.csv:14: field 'face_value': must be greater than zero");
        assert_eq!(e.line(), Some(14));
        let e = InputError::new("holdings.csv", "file is empty");
        assert_eq!(e.to_string(), "holdings.csv: file is empty");
        let e = InputError::new("h.json", "bad").at(Location::Position(3)).field("cusip");
        assert_eq!(e.to_string(), "h.json: position 3: field 'cusip': bad");
        assert_eq!(e.line(), None);
        let e = InputError::new("l.json", "bad").field("deployments");
        assert_eq!(e.to_string(), "l.json: field 'deployments': bad");
    }
}
