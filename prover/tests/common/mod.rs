#![allow(dead_code)] // each test binary uses its own part of these helpers

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
    bondproof_with_env(dir, args, &[])
}

/// [`bondproof`] with these variables in its environment. Standard input is empty, so a
/// command that would prompt fails instead of waiting.
pub fn bondproof_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_bondproof"))
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the bondproof binary runs");
    Run {
        // None only when killed by a signal, which is the panic/abort case these tests exist to catch.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An empty folder of this test process's own in cargo's per-target temporary folder, named
/// `<prefix><pid>`. Folders of earlier runs (their process gone) go; a concurrent run's stay.
pub fn process_dir(prefix: &str) -> std::path::PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for e in std::fs::read_dir(tmp).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix(prefix) {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = tmp.join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One insecure parameters file for every attestation these tests prove (depth <= 5), made
/// once and kept in cargo's per-target temporary folder, so keys cached beside it (named by
/// circuit code, depth, k and setup) are generated once and shared by every test and test
/// binary that proves, and by later runs until the circuit code changes.
pub fn shared_params() -> &'static Path {
    use bondproof_circuits::AttestationCircuit;
    use bondproof_prover::keys::{read_params, setup_insecure, write_params, ParamsInfo};
    static PARAMS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PARAMS.get_or_init(|| {
        let k = (1..=5).map(AttestationCircuit::min_k).max().unwrap();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bondproof-tests");
        let path = dir.join(format!("params-k{k}.bin"));
        if read_params(&path).is_err() {
            let info = ParamsInfo { k, insecure: true, source: "shared test parameters".into() };
            write_params(&setup_insecure(k), &path, &info).expect("write the shared test parameters");
        }
        path
    })
}
