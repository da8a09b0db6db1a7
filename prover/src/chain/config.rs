//! `deployments.toml`: where the token lives (one `[[deployment]]` per chain), how to reach each
//! chain's node, and what `deploy` configures on every registry. `deploy` writes the addresses it
//! creates back into the same file, keeping its comments.
//!
//! ```toml
//! [rpc]                      # optional: per request
//! timeout_secs = 10
//! attempts = 3
//!
//! [registry]                 # what `deploy` sets on every chain's registry
//! custodians = ["0x…"]
//! min_ratio_bps = 10000
//! minimum_policy = "fixtures/policies/par.json"
//!
//! [book_entry]               # optional: shares on the transfer agent's register
//! register = 0
//! nav_usd = "1"
//!
//! [[deployment]]
//! chain_id = 1
//! rpc_env = "MAINNET_RPC"    # or rpc_url = "https://…"
//! token = "0x…"
//! registry = "0x…"           # written by `deploy`
//! nav_usd = "1"              # or nav_view = { contract = "0x…", function = "navE8()", decimals = 8 }
//! confirmations = 12
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::primitives::Address;
use serde::Deserialize;

use super::ChainError;
use crate::ingest::Decimal;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(rename = "deployment")]
    pub deployments: Vec<DeploymentConfig>,
    #[serde(default)]
    pub rpc: RpcSettings,
    #[serde(default)]
    pub registry: RegistrySettings,
    pub book_entry: Option<BookEntryConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    pub chain_id: u64,
    pub rpc_url: Option<String>,
    /// The name of an environment variable holding the URL (keeps API keys out of the file).
    pub rpc_env: Option<String>,
    pub token: Address,
    /// This chain's `ReserveRegistry`; absent until `deploy` writes it.
    pub registry: Option<Address>,
    /// The verifier `deploy` created (informational).
    pub verifier: Option<Address>,
    /// The USD value of one whole token, as a decimal string.
    pub nav_usd: Option<String>,
    /// Or a view to read it from.
    pub nav_view: Option<NavView>,
    /// How far below the latest block to read when the node has no `finalized` block.
    #[serde(default)]
    pub confirmations: u64,
}

/// A contract view without arguments returning the NAV as a `uint256` with `decimals` decimals.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavView {
    pub contract: Address,
    /// Its signature, e.g. `"navE8()"`.
    pub function: String,
    pub decimals: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcSettings {
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    #[serde(default = "default_attempts")]
    pub attempts: u32,
}

impl Default for RpcSettings {
    fn default() -> Self {
        RpcSettings { timeout_secs: default_timeout_secs(), attempts: default_attempts() }
    }
}

fn default_timeout_secs() -> u64 {
    10
}
fn default_attempts() -> u32 {
    3
}

impl RpcSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySettings {
    #[serde(default)]
    pub custodians: Vec<Address>,
    pub min_ratio_bps: Option<u32>,
    /// A policy file (fixtures/policies/), relative to the config file.
    pub minimum_policy: Option<PathBuf>,
    pub max_as_of_age_days: Option<u16>,
    pub max_attestation_age_days: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookEntryConfig {
    #[serde(default)]
    pub register: u64,
    #[serde(default = "one")]
    pub nav_usd: String,
}

fn one() -> String {
    "1".into()
}

impl Config {
    /// Reads and checks the file: TOML errors carry their line and column.
    pub fn load(path: &Path) -> Result<Config, ChainError> {
        let bad = |message: String| ChainError::Config { path: path.display().to_string(), message };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let config: Config = toml::from_str(&text).map_err(|e| bad(e.to_string().trim_end().to_string()))?;
        if config.deployments.is_empty() {
            return Err(bad("no [[deployment]]: list the token's deployment on each chain".into()));
        }
        for (i, d) in config.deployments.iter().enumerate() {
            let at = |m: String| bad(format!("deployment {} (chain {}): {m}", i + 1, d.chain_id));
            if d.chain_id == 0 {
                return Err(at("chain_id must be positive".into()));
            }
            if config.deployments[..i].iter().any(|o| o.chain_id == d.chain_id) {
                return Err(at("chain_id is listed twice; one deployment per chain".into()));
            }
            match (&d.rpc_url, &d.rpc_env) {
                (Some(_), Some(_)) => return Err(at("give rpc_url or rpc_env, not both".into())),
                (None, None) => return Err(at("missing rpc_url (or rpc_env, the variable holding it)".into())),
                _ => {}
            }
            match (&d.nav_usd, &d.nav_view) {
                (Some(_), Some(_)) => return Err(at("give nav_usd or nav_view, not both".into())),
                (Some(nav), None) => {
                    Decimal::parse_positive(nav).map_err(|m| at(format!("nav_usd {m}")))?;
                }
                _ => {}
            }
        }
        if let Some(b) = &config.book_entry {
            Decimal::parse_positive(&b.nav_usd).map_err(|m| bad(format!("[book_entry] nav_usd {m}")))?;
        }
        if config.rpc.attempts == 0 || config.rpc.timeout_secs == 0 {
            return Err(bad("[rpc] attempts and timeout_secs must be positive".into()));
        }
        Ok(config)
    }

    pub fn deployment(&self, chain_id: u64) -> Option<&DeploymentConfig> {
        self.deployments.iter().find(|d| d.chain_id == chain_id)
    }
}

impl DeploymentConfig {
    /// The node's URL, from the file or its environment variable.
    pub fn rpc_url(&self) -> Result<String, ChainError> {
        match (&self.rpc_url, &self.rpc_env) {
            (Some(url), _) => Ok(url.clone()),
            (None, Some(var)) => std::env::var(var).map_err(|_| ChainError::Node {
                chain_id: self.chain_id,
                message: format!("the environment variable {var} (rpc_env) is not set"),
            }),
            (None, None) => unreachable!("Config::load requires one"),
        }
    }

    /// The registry's address, which `deploy` writes.
    pub fn registry(&self, path: &Path) -> Result<Address, ChainError> {
        self.registry.ok_or_else(|| ChainError::Config {
            path: path.display().to_string(),
            message: format!("chain {}: no registry address; run `bondproof deploy` first", self.chain_id),
        })
    }
}

/// Writes `registry` and `verifier` of each chain into the config file's text, keeping the rest
/// (comments included) as it was.
pub fn with_addresses(text: &str, addresses: &[(u64, Address, Address)]) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| e.to_string())?;
    let tables = doc
        .get_mut("deployment")
        .and_then(|d| d.as_array_of_tables_mut())
        .ok_or_else(|| "no [[deployment]] tables".to_string())?;
    for table in tables.iter_mut() {
        let chain = table.get("chain_id").and_then(|v| v.as_integer());
        if let Some((_, registry, verifier)) = addresses.iter().find(|(c, ..)| Some(*c as i64) == chain) {
            table["registry"] = toml_edit::value(registry.to_checksum(None));
            table["verifier"] = toml_edit::value(verifier.to_checksum(None));
        }
    }
    Ok(doc.to_string())
}
