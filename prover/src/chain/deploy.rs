//! `deploy`: on every chain of the config, the attestation verifier (its parts first when split
//! for EIP-170, as `export-solidity` documents) and a `ReserveRegistry`, configured with the
//! token, the NAV, the custodians, the minimum ratio and policy, and, once every registry
//! exists, the token's deployment domains (every chain's and the book-entry register's).

use std::path::Path;

use alloy::primitives::Address;
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use bondproof_circuits::statement::{book_entry_domain, domain_tag, fr_to_be_bytes};
use bondproof_verifier::compile::{compile, contract_sources, Optimizer, REGISTRY_SOURCES};
use bondproof_verifier::solidity::{
    address_word, encode_call, encode_set_deployment_domains, encode_set_minimum_policy, verifier_contracts,
    verifier_solidity, word_u128,
};
use bondproof_verifier::VerifierKey;
use num_traits::ToPrimitive;

use super::config::{Config, DeploymentConfig};
use super::node::{runtime, Node, Sent};
use super::snapshot::read_nav;
use super::ChainError;
use crate::ingest::Decimal;
use crate::{Error, Result};

/// What `deploy` created on one chain.
#[derive(Clone, Debug)]
pub struct Deployed {
    pub chain_id: u64,
    /// The verifier's parts, in deployment order, then `Halo2Verifier`.
    pub verifier_contracts: Vec<(String, Address)>,
    pub verifier: Address,
    pub registry: Address,
    /// Gas of every transaction on this chain.
    pub gas_used: u64,
}

/// The compiled code `deploy` sends.
struct Code {
    /// Name and creation code, parts first.
    verifier: Vec<(String, Vec<u8>)>,
    registry: Vec<u8>,
}

fn compile_code(key: &VerifierKey, verifier_dir: &Path) -> Result<Code> {
    let sol = verifier_solidity(key).map_err(|e| Error::Usage(e.to_string()))?;
    let compiled =
        compile(verifier_dir, &[("Verifier.sol".into(), sol.clone())], Optimizer::Off).map_err(ChainError::from)?;
    let verifier = verifier_contracts(&sol)
        .into_iter()
        .map(|name| compiled.bytecode("Verifier.sol", &name).map(|code| (name, code)))
        .collect::<Result<_, _>>()
        .map_err(ChainError::from)?;
    let sources = contract_sources(verifier_dir, &REGISTRY_SOURCES).map_err(ChainError::from)?;
    let registry = compile(verifier_dir, &sources, Optimizer::On)
        .and_then(|c| c.bytecode("ReserveRegistry.sol", "ReserveRegistry"))
        .map_err(ChainError::from)?;
    Ok(Code { verifier, registry })
}

/// Deploys and configures everything; `on_step` hears each step.
pub fn deploy(
    config: &Config,
    config_path: &Path,
    signer: PrivateKeySigner,
    key: &VerifierKey,
    verifier_dir: &Path,
    on_step: &dyn Fn(String),
) -> Result<Vec<Deployed>> {
    let policy = match &config.registry.minimum_policy {
        None => None,
        Some(p) => {
            let path = config_path.parent().unwrap_or(Path::new(".")).join(p);
            Some(crate::attestation::load_policy(&path)?.instance())
        }
    };
    on_step("compiling the verifier and the registry (solc-js)".into());
    let code = compile_code(key, verifier_dir)?;
    let rt = runtime()?;
    let mut nodes = Vec::new();
    let mut deployed = Vec::new();
    for d in &config.deployments {
        let node = rt.block_on(Node::connect(d.chain_id, &d.rpc_url()?, &config.rpc, Some(signer.clone())))?;
        let one = rt.block_on(deploy_chain(&node, d, config, &code, policy.as_ref(), on_step))?;
        deployed.push(one);
        nodes.push(node);
    }
    // Every registry expects every chain's line and the book-entry line in each attestation.
    let mut domains: Vec<[u8; 32]> =
        deployed.iter().map(|d| fr_to_be_bytes(&domain_tag(d.chain_id, d.registry.into_array()))).collect();
    if let Some(b) = &config.book_entry {
        domains.push(fr_to_be_bytes(&book_entry_domain(b.register)));
    }
    for (node, d) in nodes.iter().zip(deployed.iter_mut()) {
        on_step(format!("chain {}: setting the {} deployment domains", d.chain_id, domains.len()));
        let sent =
            rt.block_on(node.send(Some(d.registry), encode_set_deployment_domains(&domains), "setDeploymentDomains"))?;
        d.gas_used += sent.gas_used;
    }
    Ok(deployed)
}

async fn deploy_chain(
    node: &Node,
    d: &DeploymentConfig,
    config: &Config,
    code: &Code,
    policy: Option<&bondproof_circuits::policy::PolicyInstance>,
    on_step: &dyn Fn(String),
) -> Result<Deployed> {
    let chain = d.chain_id;
    let mut gas = 0;
    let mut created = |sent: Sent, what: &str| -> Result<Address> {
        gas += sent.gas_used;
        sent.created.ok_or_else(|| {
            Error::from(ChainError::Node { chain_id: chain, message: format!("{what}: no contract created") })
        })
    };
    let (parts, head) = code.verifier.split_at(code.verifier.len() - 1);
    let mut contracts = Vec::new();
    let mut args = Vec::new();
    for (name, creation) in parts {
        on_step(format!("chain {chain}: deploying {name}"));
        let address = created(node.send(None, creation.clone(), name).await?, name)?;
        args.extend_from_slice(&address_word(&address.into_array()));
        contracts.push((name.clone(), address));
    }
    let (name, creation) = &head[0];
    on_step(format!("chain {chain}: deploying {name}"));
    let mut data = creation.clone();
    data.extend_from_slice(&args);
    let verifier = created(node.send(None, data, name).await?, name)?;
    contracts.push((name.clone(), verifier));
    on_step(format!("chain {chain}: deploying ReserveRegistry"));
    let registry = created(node.send(None, code.registry.clone(), "ReserveRegistry").await?, "ReserveRegistry")?;

    let nav_e8 = match (&d.nav_usd, &d.nav_view) {
        (Some(nav), _) => Some(Decimal::parse_positive(nav).expect("checked by Config::load")),
        (None, Some(view)) => {
            let latest = node.retry("eth_blockNumber", || node.provider.get_block_number()).await?;
            Some(read_nav(node, view, latest).await?)
        }
        (None, None) => None,
    }
    .map(|nav| nav_e8(&nav, chain))
    .transpose()?;

    let mut calls: Vec<(String, Vec<u8>)> = vec![
        ("setVerifier".into(), encode_call("setVerifier(address)", &[address_word(&verifier.into_array())], None)),
        ("setToken".into(), encode_call("setToken(address)", &[address_word(&d.token.into_array())], None)),
    ];
    if let Some(nav) = nav_e8 {
        calls.push(("setNav".into(), encode_call("setNav(uint256)", &[word_u128(nav)], None)));
    }
    let r = &config.registry;
    if let Some(bps) = r.min_ratio_bps {
        calls.push(("setMinRatioBps".into(), encode_call("setMinRatioBps(uint32)", &[word_u128(bps.into())], None)));
    }
    if let Some(days) = r.max_as_of_age_days {
        calls.push((
            "setMaxAsOfAgeDays".into(),
            encode_call("setMaxAsOfAgeDays(uint16)", &[word_u128(days.into())], None),
        ));
    }
    if let Some(days) = r.max_attestation_age_days {
        let data = encode_call("setMaxAttestationAgeDays(uint16)", &[word_u128(days.into())], None);
        calls.push(("setMaxAttestationAgeDays".into(), data));
    }
    for c in &r.custodians {
        let data = encode_call("registerCustodian(address)", &[address_word(&c.into_array())], None);
        calls.push((format!("registerCustodian({c})"), data));
    }
    if let Some(p) = policy {
        calls.push(("setMinimumPolicy".into(), encode_set_minimum_policy(p)));
    }
    for (what, data) in calls {
        on_step(format!("chain {chain}: {what}"));
        gas += node.send(Some(registry), data, &what).await?.gas_used;
    }
    Ok(Deployed { chain_id: chain, verifier_contracts: contracts, verifier, registry, gas_used: gas })
}

/// The NAV in USD with 8 decimals, as the registry stores it; a NAV with more decimals would be
/// rounded, and the registry's required cents would then differ from the liabilities' line.
fn nav_e8(nav: &Decimal, chain: u64) -> Result<u128> {
    let refuse = |m: String| Error::Usage(format!("chain {chain}: NAV {nav}: {m}"));
    if nav.scale > 8 {
        return Err(refuse("has more than 8 decimals, the registry's precision".into()));
    }
    (&nav.digits * num_bigint::BigUint::from(10u32).pow(8 - nav.scale))
        .to_u128()
        .ok_or_else(|| refuse("too large".into()))
}
