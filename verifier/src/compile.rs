//! Compiling the contracts with the solc-js pinned in `verifier/package.json` (0.8.19), through
//! `verifier/scripts/compile.js`: the generated verifier without the optimizer (it hits "stack
//! too deep" with it), the registry and the other hand-written contracts with it. Needs Node.js
//! and `npm ci --prefix verifier`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("{0} is missing: run `npm ci --prefix verifier` (solc-js compiles the contracts)")]
    NoSolc(String),
    #[error("cannot run `node` ({0}): Node.js is needed to compile the contracts")]
    NoNode(String),
    #[error("{path}: cannot read: {message}")]
    Source { path: String, message: String },
    #[error("solc-js failed:\n{0}")]
    Solc(String),
    #[error("the compiler output has no {kind} for {file}:{contract}")]
    Missing { file: String, contract: String, kind: String },
}

/// Whether the optimizer runs: off for the generated verifier, on for the other contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    Off,
    On,
}

/// The compiler's standard-JSON output, with access to each contract's code and ABI.
pub struct Compiled {
    output: Value,
}

/// The contracts bondproof deploys besides the verifier, compiled together with the optimizer.
pub const REGISTRY_SOURCES: [&str; 3] = ["ReserveRegistry.sol", "AggregatorV3Interface.sol", "TestToken.sol"];

/// `verifier/` of this repository: where `scripts/compile.js`, `contracts/` and `node_modules/` are.
pub fn default_verifier_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The named files of `contracts/` as standard-JSON sources.
pub fn contract_sources(verifier_dir: &Path, names: &[&str]) -> Result<Vec<(String, String)>, CompileError> {
    names
        .iter()
        .map(|name| {
            let path = verifier_dir.join("contracts").join(name);
            std::fs::read_to_string(&path)
                .map(|text| (name.to_string(), text))
                .map_err(|e| CompileError::Source { path: path.display().to_string(), message: e.to_string() })
        })
        .collect()
}

/// Compiles `sources` (file name, text) with `verifier_dir`'s solc-js; bytecode, runtime code and
/// ABI of every contract.
pub fn compile(
    verifier_dir: &Path,
    sources: &[(String, String)],
    optimizer: Optimizer,
) -> Result<Compiled, CompileError> {
    let solc = verifier_dir.join("node_modules/solc/package.json");
    if !solc.exists() {
        return Err(CompileError::NoSolc(solc.parent().unwrap_or(&solc).display().to_string()));
    }
    // The script runs in this folder: a relative path would resolve twice.
    let verifier_dir = &verifier_dir
        .canonicalize()
        .map_err(|e| CompileError::Source { path: verifier_dir.display().to_string(), message: e.to_string() })?;
    let mut files = serde_json::Map::new();
    for (name, text) in sources {
        files.insert(name.clone(), json!({ "content": text }));
    }
    let input = json!({
        "language": "Solidity",
        "sources": files,
        "settings": {
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    });
    let mut child = Command::new("node")
        .arg(verifier_dir.join("scripts/compile.js"))
        .args((optimizer == Optimizer::On).then_some("--optimize"))
        .current_dir(verifier_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CompileError::NoNode(e.to_string()))?;
    let written = child.stdin.take().map(|mut stdin| stdin.write_all(input.to_string().as_bytes()));
    let out = child.wait_with_output().map_err(|e| CompileError::NoNode(e.to_string()))?;
    if !out.status.success() || !matches!(written, Some(Ok(()))) {
        return Err(CompileError::Solc(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let output =
        serde_json::from_slice(&out.stdout).map_err(|e| CompileError::Solc(format!("the output is not JSON: {e}")))?;
    Ok(Compiled { output })
}

impl Compiled {
    fn entry(&self, file: &str, contract: &str, kind: &str) -> Option<&Value> {
        let mut v = &self.output["contracts"][file][contract];
        for part in kind.split('.') {
            v = &v[part];
        }
        (!v.is_null()).then_some(v)
    }

    fn code(&self, file: &str, contract: &str, kind: &str) -> Result<Vec<u8>, CompileError> {
        self.entry(file, contract, &format!("evm.{kind}.object"))
            .and_then(Value::as_str)
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| CompileError::Missing { file: file.into(), contract: contract.into(), kind: kind.into() })
    }

    /// The creation code (constructor arguments go after it).
    pub fn bytecode(&self, file: &str, contract: &str) -> Result<Vec<u8>, CompileError> {
        self.code(file, contract, "bytecode")
    }

    /// The code a deployment leaves on chain.
    pub fn runtime(&self, file: &str, contract: &str) -> Result<Vec<u8>, CompileError> {
        self.code(file, contract, "deployedBytecode")
    }

    /// The contract's ABI (JSON).
    pub fn abi(&self, file: &str, contract: &str) -> Result<&Value, CompileError> {
        self.entry(file, contract, "abi").ok_or_else(|| CompileError::Missing {
            file: file.into(),
            contract: contract.into(),
            kind: "abi".into(),
        })
    }
}

/// The registry's ABI as committed beside its source (`contracts/ReserveRegistry.abi.json`):
/// what `publish` decodes reverts with, without a compiler. A test recompiles the registry and
/// fails when this file is stale.
pub const REGISTRY_ABI: &str = include_str!("../contracts/ReserveRegistry.abi.json");
