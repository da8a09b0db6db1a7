//! Running the `bondproof` binary from integration tests.

use std::path::Path;
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn describe(&self) -> String {
        format!("exit {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs the binary in `dir` (so messages carry short relative paths).
pub fn bondproof(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_bondproof"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the bondproof binary runs");
    Run {
        // None only when killed by a signal, which is the panic/abort case these tests exist to catch.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
