//! bondproof against real Ethereum nodes: anvil (npm `@foundry-rs/anvil-linux-amd64`, installed by
//! `npm ci --prefix verifier`), two instances with their own chain ids for one token on two
//! chains. Every node is stopped by its process id when its guard drops, also when a test fails.
//!
//! The flow: a test token on each chain, `deploy` (verifier and registry, configured), mint,
//! `liabilities snapshot`, `prove`, `publish`, each registry's latest statement read back,
//! `verify --rpc`; a mint after the snapshot leaves that chain uncovered; a wrong chain id, a
//! dead node and a node that never answers are refused with exit 2 and nothing written.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use bondproof_circuits::statement::domain_tag;
use bondproof_prover::chain::config::RpcSettings;
use bondproof_prover::chain::Node;
use bondproof_verifier::compile::{compile, contract_sources, default_verifier_dir, Optimizer, REGISTRY_SOURCES};
use bondproof_verifier::solidity::{address_word, encode_call, word_u128};
use common::{bondproof, bondproof_with_env, process_dir, Run};
use serde_json::Value;

/// The as-of date the fixtures are proved at; the nodes' clocks start at its noon.
const AS_OF: &str = "2026-11-24";
const AS_OF_NOON: u64 = 20_781 * 86_400 + 43_200;
/// Anvil's first development account (its well-known test key): deployer, owner and custodian.
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const PASSWORD: &str = "test password";
const CHAIN_A: u64 = 31_001;
const CHAIN_B: u64 = 31_002;

fn anvil_bin() -> PathBuf {
    let bin = default_verifier_dir().join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    assert!(bin.exists(), "{} is missing: run `npm ci --prefix verifier` (README's test command does)", bin.display());
    bin
}

/// An anvil node, killed by its process id when dropped.
struct Anvil {
    child: Child,
    port: u16,
}

impl Anvil {
    fn start(chain_id: u64) -> Anvil {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(anvil_bin())
            .args(["--port", &port.to_string(), "--chain-id", &chain_id.to_string(), "--silent"])
            // `finalized` is two blocks behind the head (anvil's default keeps it at genesis for 64 blocks).
            .args(["--slots-in-an-epoch", "1", "--timestamp", &AS_OF_NOON.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("anvil starts");
        let node = Anvil { child, port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "anvil on port {port} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        node
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        self.stop();
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn signer() -> PrivateKeySigner {
    DEV_KEY.parse().unwrap()
}

fn connect(rt: &tokio::runtime::Runtime, chain_id: u64, node: &Anvil) -> Node {
    rt.block_on(Node::connect(chain_id, &node.url(), &RpcSettings::default(), Some(signer()))).unwrap()
}

fn token_creation() -> &'static [u8] {
    static CODE: OnceLock<Vec<u8>> = OnceLock::new();
    CODE.get_or_init(|| {
        let dir = default_verifier_dir();
        let sources = contract_sources(&dir, &REGISTRY_SOURCES).unwrap();
        compile(&dir, &sources, Optimizer::On).unwrap().bytecode("TestToken.sol", "TestToken").unwrap()
    })
}

/// Deploys a TestToken of `decimals` decimals.
fn deploy_token(rt: &tokio::runtime::Runtime, node: &Node, decimals: u8) -> Address {
    let name = |s: &str| {
        let mut t = word_u128(s.len() as u128).to_vec();
        t.extend_from_slice(s.as_bytes());
        t.resize(64, 0);
        t
    };
    let mut code = token_creation().to_vec();
    code.extend_from_slice(&word_u128(96));
    code.extend_from_slice(&word_u128(160));
    code.extend_from_slice(&word_u128(decimals.into()));
    code.extend(name("Test Treasury Fund"));
    code.extend(name("TTF"));
    rt.block_on(node.send(None, code, "TestToken")).unwrap().created.unwrap()
}

fn mint(rt: &tokio::runtime::Runtime, node: &Node, token: Address, units: U256) {
    let to = address_word(&signer().address().into_array());
    let data = encode_call("mint(address,uint256)", &[to, units.to_be_bytes::<32>()], None);
    rt.block_on(node.send(Some(token), data, "mint")).unwrap();
}

/// Mines `n` empty blocks, so `finalized` (two behind) passes the transactions before them.
fn mine(rt: &tokio::runtime::Runtime, node: &Node, n: usize) {
    for _ in 0..n {
        let _: String = rt.block_on(node.provider.raw_request("evm_mine".into(), ())).unwrap();
    }
}

/// A registry view's return words at the latest block.
fn view(rt: &tokio::runtime::Runtime, node: &Node, registry: Address, signature: &str) -> Vec<[u8; 32]> {
    let latest = rt.block_on(node.provider.get_block_number()).unwrap();
    let out = rt.block_on(node.call(registry, encode_call(signature, &[], None), latest)).unwrap();
    out.chunks(32).map(|c| c.try_into().unwrap()).collect()
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.describe()))
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).display().to_string()
}

/// A deployments file for the two nodes and tokens (no registries yet).
fn write_config(dir: &Path, chains: &[(u64, &Anvil, Address)], rpc: &str) -> PathBuf {
    let custodian = signer().address();
    let mut text = format!(
        "# two chains, one token\n{rpc}\n[registry]\ncustodians = [\"{custodian}\"]\nmin_ratio_bps = 10000\n\
         max_as_of_age_days = 30\nmax_attestation_age_days = 30\n\
         minimum_policy = \"{}\"\n\n[book_entry]\nregister = 0\nnav_usd = \"1\"\n",
        fixture("policies/par.json")
    );
    for (chain, node, token) in chains {
        text.push_str(&format!(
            "\n[[deployment]]\nchain_id = {chain}\nrpc_url = \"{}\"\ntoken = \"{token}\"\nnav_usd = \"1\"\nconfirmations = 2\n",
            node.url()
        ));
    }
    let path = dir.join("deployments.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn keystore(dir: &Path) -> PathBuf {
    let mut rng = rand::thread_rng();
    let key = alloy::hex::decode(DEV_KEY).unwrap();
    PrivateKeySigner::encrypt_keystore(dir, &mut rng, key, PASSWORD, Some("keystore.json")).unwrap();
    dir.join("keystore.json")
}

/// Runs bondproof with the keystore password in its environment.
fn bondproof_env(dir: &Path, args: &[&str]) -> Run {
    bondproof_with_env(dir, args, &[("BONDPROOF_KEYSTORE_PASSWORD", PASSWORD)])
}

/// The commitment of the fixtures and the attestation verifying key for its depth, from the
/// shared test parameters (keys cached beside them).
fn commit_and_key(dir: &Path) -> (PathBuf, PathBuf) {
    let run = bondproof(
        dir,
        &[
            "--json",
            "commit",
            "--holdings",
            &fixture("holdings.csv"),
            "--epoch",
            "1",
            "--out",
            "commitment.json",
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let depth = json_of(&run)["depth"].to_string();
    let params = common::shared_params().to_str().unwrap();
    let run = bondproof(dir, &["keys", "--srs", params, "--depth", &depth, "--out", "attestation.vk.bin"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    (dir.join("commitment.json"), dir.join("attestation.vk.bin"))
}

fn registry_of(config: &Path, chain: u64) -> Address {
    let text = std::fs::read_to_string(config).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let d = doc["deployment"].as_array().unwrap().iter().find(|d| d["chain_id"].as_integer() == Some(chain as i64));
    d.unwrap()["registry"].as_str().unwrap().parse().unwrap()
}

#[test]
fn deploy_snapshot_prove_publish_and_read_back_on_two_chains() {
    let dir = process_dir("chain-flow-");
    let (a, b) = (Anvil::start(CHAIN_A), Anvil::start(CHAIN_B));
    let rt = rt();
    let (node_a, node_b) = (connect(&rt, CHAIN_A, &a), connect(&rt, CHAIN_B, &b));
    let (token_a, token_b) = (deploy_token(&rt, &node_a, 6), deploy_token(&rt, &node_b, 18));
    let config = write_config(&dir, &[(CHAIN_A, &a, token_a), (CHAIN_B, &b, token_b)], "");
    let keystore = keystore(&dir);
    let (commitment, vk) = commit_and_key(&dir);

    let run = bondproof_env(
        &dir,
        &[
            "--json",
            "deploy",
            "--config",
            "deployments.toml",
            "--keystore",
            keystore.to_str().unwrap(),
            "--vk",
            vk.to_str().unwrap(),
            "--contracts",
            default_verifier_dir().to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "deploy: {}", run.describe());
    let (registry_a, registry_b) = (registry_of(&config, CHAIN_A), registry_of(&config, CHAIN_B));
    assert!(std::fs::read_to_string(&config).unwrap().starts_with("# two chains, one token"), "comments kept");

    // New connections: `deploy` sent from the same account, past these providers' cached nonces.
    let (node_a, node_b) = (connect(&rt, CHAIN_A, &a), connect(&rt, CHAIN_B, &b));
    // $1,000,000.00 on chain A (6 decimals), $250,000.50 on chain B (18 decimals).
    mint(&rt, &node_a, token_a, U256::from(1_000_000_000_000u64));
    mint(&rt, &node_b, token_b, U256::from(250_000_500_000_000_000_000_000u128));
    mine(&rt, &node_a, 2);
    mine(&rt, &node_b, 2);
    std::fs::write(dir.join("register.csv"), "holder,shares\nalice,100000\nbob,25000.125\n").unwrap();
    let run = bondproof_env(
        &dir,
        &[
            "--json",
            "liabilities",
            "snapshot",
            "--config",
            "deployments.toml",
            "--out",
            "liabilities.json",
            "--book-entry",
            "register.csv",
        ],
    );
    assert_eq!(run.code, 0, "snapshot: {}", run.describe());
    let snap = json_of(&run);
    assert_eq!(snap["chains"][0]["supply_cents"], "100000000");
    assert_eq!(snap["chains"][1]["supply_cents"], "25000050");
    assert_eq!(snap["book_entry"]["supply_cents"], "12500013", "125,000.125 shares rounded up to the cent");
    let liabilities: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("liabilities.json")).unwrap()).unwrap();
    assert_eq!(liabilities["deployments"][0]["block_number"], snap["chains"][0]["block_number"]);
    assert!(liabilities["deployments"][2].get("holders").is_none(), "only the register's total enters the file");

    let custodian = signer().address().to_string();
    let run = bondproof(
        &dir,
        &[
            "prove",
            "--commitment",
            commitment.to_str().unwrap(),
            "--liabilities",
            "liabilities.json",
            "--params",
            common::shared_params().to_str().unwrap(),
            "--out",
            "out/attestation.json",
            "--custodian",
            &custodian,
            "--policy",
            &fixture("policies/par.json"),
        ],
    );
    assert_eq!(run.code, 0, "prove: {}", run.describe());
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/attestation.json")).unwrap()).unwrap();
    assert_eq!(
        bundle["metadata"]["deployments"][1]["block_number"], snap["chains"][1]["block_number"],
        "provenance travels"
    );

    let run = bondproof_env(
        &dir,
        &[
            "--json",
            "publish",
            "--attestation",
            "out/attestation.json",
            "--config",
            "deployments.toml",
            "--keystore",
            keystore.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "publish: {}", run.describe());
    let published = json_of(&run);
    for chain in published["chains"].as_array().unwrap() {
        let gas = chain["gas_used"].as_u64().unwrap();
        assert!((300_000..2_000_000).contains(&gas), "{chain}");
        eprintln!("publish on chain {}: {gas} gas, tx {}", chain["chain_id"], chain["tx_hash"]);
    }

    // Each registry holds the whole table: its own line and the other chain's.
    for (node, registry) in [(&node_a, registry_a), (&node_b, registry_b)] {
        let words = view(&rt, node, registry, "latestStatement()");
        assert_eq!(U256::from_be_bytes(words[0]), U256::from(1u64), "epoch");
        let table: Vec<(U256, U256)> =
            words[2..].chunks(2).map(|w| (U256::from_be_bytes(w[0]), U256::from_be_bytes(w[1]))).collect();
        let line = |chain: u64, registry: Address| {
            let d = domain_tag(chain, registry.into_array());
            U256::from_be_bytes(bondproof_circuits::statement::fr_to_be_bytes(&d))
        };
        assert_eq!(table[0], (line(CHAIN_A, registry_a), U256::from(100_000_000u64)));
        assert_eq!(table[1], (line(CHAIN_B, registry_b), U256::from(25_000_050u64)));
        assert_eq!(view(&rt, node, registry, "isCovered()")[0], word_u128(1));
    }

    // A mint after the snapshot: chain B's supply is above its proved line, chain A unaffected.
    let node_b = connect(&rt, CHAIN_B, &b);
    mint(&rt, &node_b, token_b, U256::from(1_000_000_000_000_000_000u128));
    assert_eq!(view(&rt, &node_b, registry_b, "isCovered()")[0], word_u128(0), "chain B no longer covered");
    assert_eq!(view(&rt, &node_a, registry_a, "isCovered()")[0], word_u128(1));

    // The provenance re-read at the recorded blocks still matches (the mint came later)...
    let vk_arg = vk.to_str().unwrap();
    let (rpc_a, rpc_b) = (format!("{CHAIN_A}={}", a.url()), format!("{CHAIN_B}={}", b.url()));
    let verify = |attestation: &str| {
        bondproof(
            &dir,
            &[
                "--json",
                "verify",
                "--attestation",
                attestation,
                "--vk",
                vk_arg,
                "--allow-unchecked-setup",
                "--rpc",
                &rpc_a,
                "--rpc",
                &rpc_b,
            ],
        )
    };
    let run = verify("out/attestation.json");
    assert_eq!(run.code, 0, "verify --rpc: {}", run.describe());
    assert_eq!(json_of(&run)["provenance"].as_array().unwrap().len(), 2);
    // ...and a bundle whose recorded block for chain B is another block (where the supply was
    // zero) does not.
    let mut moved = bundle.clone();
    let at = moved["metadata"]["deployments"][1]["block_number"].as_u64().unwrap();
    let hash = rt.block_on(node_b.block(1)).unwrap().hash;
    assert!(at > 1);
    moved["metadata"]["deployments"][1]["block_number"] = 1.into();
    moved["metadata"]["deployments"][1]["block_hash"] = hash.to_string().into();
    std::fs::write(dir.join("out/moved.json"), moved.to_string()).unwrap();
    let run = verify("out/moved.json");
    assert_eq!(run.code, 1, "a line that does not match its chain: {}", run.describe());
    let provenance = &json_of(&run)["provenance"];
    assert_eq!((provenance[0]["matches"].as_bool(), provenance[1]["matches"].as_bool()), (Some(true), Some(false)));

    // Publishing the same epoch again: both registries refuse it, each with its decoded error.
    let run = bondproof_env(
        &dir,
        &[
            "publish",
            "--attestation",
            "out/attestation.json",
            "--config",
            "deployments.toml",
            "--keystore",
            keystore.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    assert_eq!(run.stdout.matches("StaleEpoch(1, 1)").count(), 2, "{}", run.describe());
}

/// Snapshot faults: each names the chain, exits 2, and leaves no liabilities file.
#[test]
fn snapshot_refuses_a_wrong_chain_id_a_dead_node_and_a_silent_one() {
    let dir = process_dir("chain-faults-");
    let (a, mut b) = (Anvil::start(CHAIN_A), Anvil::start(CHAIN_B));
    let rt = rt();
    let (node_a, node_b) = (connect(&rt, CHAIN_A, &a), connect(&rt, CHAIN_B, &b));
    let (token_a, token_b) = (deploy_token(&rt, &node_a, 6), deploy_token(&rt, &node_b, 6));
    mine(&rt, &node_a, 2);
    mine(&rt, &node_b, 2);
    let registry = "\nregistry = \"0x00000000000000000000000000000000000000aa\"";
    // A deployments file whose lines all name a registry (a snapshot needs none deployed).
    let configure = |chains: &[(u64, &Anvil, Address)], rpc: &str| {
        let config = write_config(&dir, chains, rpc);
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace("confirmations = 2", &format!("confirmations = 2{registry}"));
        std::fs::write(&config, text).unwrap();
        config
    };
    let snapshot =
        || bondproof(&dir, &["liabilities", "snapshot", "--config", "deployments.toml", "--out", "liabilities.json"]);
    let nothing_written = |run: &Run, needle: &str| {
        assert_eq!(run.code, 2, "{}", run.describe());
        assert!(run.stderr.contains(needle), "expected {needle:?}: {}", run.describe());
        assert!(!dir.join("liabilities.json").exists(), "nothing written: {}", run.describe());
    };

    // Chain B's config points at chain A's node.
    configure(&[(CHAIN_A, &a, token_a), (CHAIN_B, &a, token_b)], "");
    nothing_written(&snapshot(), &format!("chain {CHAIN_B}: the node at {} serves chain {CHAIN_A}", a.url()));

    // An address without code where the token should be.
    configure(&[(CHAIN_A, &a, Address::repeat_byte(0x42))], "");
    nothing_written(&snapshot(), &format!("chain {CHAIN_A}, contract {}", Address::repeat_byte(0x42)));

    // A block the node does not have.
    configure(&[(CHAIN_A, &a, token_a)], "");
    let run = bondproof(
        &dir,
        &[
            "liabilities",
            "snapshot",
            "--config",
            "deployments.toml",
            "--out",
            "liabilities.json",
            "--block",
            &format!("{CHAIN_A}=999999"),
        ],
    );
    nothing_written(&run, &format!("chain {CHAIN_A}, block 999999: the node does not have this block"));

    // Chain A reads, then chain B's node is gone: nothing is written for either.
    let rpc = "[rpc]\ntimeout_secs = 2\nattempts = 2\n";
    let config = configure(&[(CHAIN_A, &a, token_a), (CHAIN_B, &b, token_b)], rpc);
    b.stop();
    nothing_written(&snapshot(), &format!("chain {CHAIN_B}: eth_chainId at {} failed after 2 attempt(s)", b.url()));

    // A node that accepts connections and never answers: bounded by the timeout, then refused.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let text = std::fs::read_to_string(&config).unwrap().replace(&b.url(), &silent_url);
    std::fs::write(&config, text).unwrap();
    let started = Instant::now();
    nothing_written(&snapshot(), &format!("chain {CHAIN_B}: eth_chainId at {silent_url} failed after 2 attempt(s)"));
    assert!(started.elapsed() < Duration::from_secs(15), "bounded: {:?}", started.elapsed());
    drop(silent);
}

/// The committed registry ABI (which `publish` decodes reverts with) is the compiler's.
#[test]
fn the_committed_registry_abi_is_current() {
    let dir = default_verifier_dir();
    let sources = contract_sources(&dir, &REGISTRY_SOURCES).unwrap();
    let compiled = compile(&dir, &sources, Optimizer::On).unwrap();
    let current = compiled.abi("ReserveRegistry.sol", "ReserveRegistry").unwrap();
    let committed: Value = serde_json::from_str(bondproof_verifier::compile::REGISTRY_ABI).unwrap();
    assert_eq!(
        &committed, current,
        "verifier/contracts/ReserveRegistry.abi.json is stale: regenerate it (README, On a chain)"
    );
}
