//! On-chain verification in an in-process EVM (revm): the generated attestation verifier, the
//! registry and a test ERC-20 are compiled with the pinned solc-js at test time, deployed on two
//! chains, and fed real proofs.
//!
//! One attestation covers the token on both chains and its book-entry shares: its table has a
//! line for registry A on chain A, one for registry B on chain B (another address, a token of 18
//! decimals), and a book-entry line. The same proof goes to both registries; each checks its own
//! line against its own token's supply.
//!
//! Needs `npm ci --prefix verifier` first (README's test command runs it); without the npm
//! packages these tests fail rather than skip, so a CI that forgot the step cannot pass quietly.

use std::path::Path;
use std::sync::OnceLock;

use bondproof_circuits::cusip::Eligibility;
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::policy::{HaircutBucket, Policy, PolicyInstance};
use bondproof_circuits::statement::{book_entry_domain, domain_tag, fr_to_be_bytes};
use bondproof_circuits::{
    AttestationCircuit, AttestationStatement, AttestationWitness, CircuitKind, Deployment, Fr, DEPLOYMENT_SLOTS,
};
use bondproof_prover::commitment::{commit, CommittedLeaf};
use bondproof_prover::ingest::{aggregate_by_cusip, days_since_epoch, load_holdings};
use bondproof_prover::keys::{circuit_keys, setup_insecure};
use bondproof_verifier::compile as solc_js;
use bondproof_verifier::solidity::{
    encode_call, encode_set_deployment_domains, encode_set_minimum_policy, encode_submit, encode_verifier_calldata,
    estimate_runtime_bytes, fit_eip170, generated_verifier, policy_id, policy_words, selector, verifier_contracts,
    word_u128 as word, PrecompileProfile, MAX_RUNTIME_BYTES, POLICY_TUPLE,
};
use proptest::prelude::*;
use revm::context::result::{ExecutionResult, Output};
use revm::context::TxEnv;
use revm::database::InMemoryDB;
use revm::handler::MainnetContext;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext, MainnetEvm};

/// The compression path (issue 16): its own fixture, sharing this file's chains and contracts.
#[path = "evm/compress.rs"]
mod compress;

/// The money-fund fixture, proved under `money-fund-sec` as of this date.
const AS_OF: (i32, u32, u32) = (2026, 12, 12);
const SECONDS_PER_DAY: u64 = 86_400;
/// Each chain's supply is minted so that this many cents of headroom remain under its line.
const HEADROOM_CENTS: u128 = 12_345;
/// The registry's bound on the step between two epochs.
const MAX_EPOCH_STEP: u64 = 1 << 32;
/// The lines of the fixture's table: chain A, chain B, the book-entry shares.
const SLOT_A: usize = 0;
const SLOT_B: usize = 1;
const SLOT_BOOK: usize = 2;
/// The ratio of the fixture's `over` attestation (110%).
const OVER_RATIO_BPS: u32 = 11_000;

fn custodian() -> Address {
    Address::repeat_byte(0xc0)
}
/// Another registered custodian, with its own key: it cannot submit the first one's proof.
fn other_custodian() -> Address {
    Address::repeat_byte(0xc1)
}
fn stranger() -> Address {
    Address::repeat_byte(0xee)
}

/// Where a registry is deployed: the chain, the owner that deploys everything (so its nonces
/// decide the addresses), and the decimals of the chain's token.
#[derive(Clone, Copy, Debug)]
struct Site {
    chain_id: u64,
    owner: Address,
    decimals: u8,
}

fn site_a() -> Site {
    Site { chain_id: 1, owner: Address::repeat_byte(0xd0), decimals: 6 }
}
/// Another chain, another deployer (so another registry address), another token precision.
fn site_b() -> Site {
    Site { chain_id: 8453, owner: Address::repeat_byte(0xd1), decimals: 18 }
}

// ------------------------------------------------------------------ compiling

struct Compiled {
    verifier: VerifierCode,
    registry_creation: Vec<u8>,
    registry_runtime: Vec<u8>,
    token_creation: Vec<u8>,
    mutable_token_creation: Vec<u8>,
}

/// A token whose decimals and supply anyone may change (an upgradeable token, or a lying one),
/// and whose totalSupply() can be made to revert.
const MUTABLE_TOKEN: &str = r#"
// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.19;
contract MutableToken {
    uint8 public decimals;
    uint256 private supply;
    bool public broken;
    constructor(uint8 d) { decimals = d; }
    function setDecimals(uint8 d) external { decimals = d; }
    function setSupply(uint256 s) external { supply = s; }
    function setBroken(bool b) external { broken = b; }
    function totalSupply() external view returns (uint256) {
        require(!broken, "broken");
        return supply;
    }
}
"#;

/// A verifier's contracts in deployment order: its parts, if split, then `Halo2Verifier`.
struct VerifierCode {
    contracts: Vec<CompiledContract>,
}

struct CompiledContract {
    name: String,
    creation: Vec<u8>,
    runtime: Vec<u8>,
}

impl VerifierCode {
    fn runtime_sizes(&self) -> Vec<usize> {
        self.contracts.iter().map(|c| c.runtime.len()).collect()
    }
}

/// Compiles the contracts with `verifier/scripts/compile.js` (solc-js 0.8.19): the verifier
/// without the optimizer, the registry and the tokens with it.
fn compile(verifier_sol: &str) -> Compiled {
    let others = solc(None);
    let verifier = solc(Some(verifier_sol));
    let contracts = verifier_contracts(verifier_sol)
        .into_iter()
        .map(|name| CompiledContract {
            creation: verifier.bytecode("Verifier.sol", &name).unwrap(),
            runtime: verifier.runtime("Verifier.sol", &name).unwrap(),
            name,
        })
        .collect();
    Compiled {
        verifier: VerifierCode { contracts },
        registry_creation: others.bytecode("ReserveRegistry.sol", "ReserveRegistry").unwrap(),
        registry_runtime: others.runtime("ReserveRegistry.sol", "ReserveRegistry").unwrap(),
        token_creation: others.bytecode("TestToken.sol", "TestToken").unwrap(),
        mutable_token_creation: others.bytecode("MutableToken.sol", "MutableToken").unwrap(),
    }
}

/// The compiled verifier (`Some`, optimizer off, as `export-solidity` documents), or else the
/// registry, its interface and the test tokens (optimizer on). Panics without the npm packages:
/// a CI that forgot `npm ci --prefix verifier` cannot pass quietly.
fn solc(verifier_sol: Option<&str>) -> solc_js::Compiled {
    let dir = solc_js::default_verifier_dir();
    let (sources, optimizer) = match verifier_sol {
        Some(sol) => (vec![("Verifier.sol".to_string(), sol.to_string())], solc_js::Optimizer::Off),
        None => {
            let mut sources = solc_js::contract_sources(&dir, &solc_js::REGISTRY_SOURCES).expect("contract sources");
            sources.push(("MutableToken.sol".into(), MUTABLE_TOKEN.into()));
            (sources, solc_js::Optimizer::On)
        }
    };
    solc_js::compile(&dir, &sources, optimizer).unwrap_or_else(|e| panic!("{e}"))
}

// ------------------------------------------------------------------ ABI

fn addr_word(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// A call with static arguments only.
fn call(signature: &str, args: &[[u8; 32]]) -> Vec<u8> {
    encode_call(signature, args, None)
}

/// `constructor(string, string, uint8)` arguments.
fn token_constructor_args(name: &str, symbol: &str, decimals: u8) -> Vec<u8> {
    fn tail(s: &str) -> Vec<u8> {
        let mut t = word(s.len() as u128).to_vec();
        t.extend_from_slice(s.as_bytes());
        t.resize(32 + s.len().div_ceil(32) * 32, 0);
        t
    }
    let (a, b) = (tail(name), tail(symbol));
    let mut out = Vec::new();
    out.extend_from_slice(&word(96));
    out.extend_from_slice(&word(96 + a.len() as u128));
    out.extend_from_slice(&word(decimals as u128));
    out.extend(a);
    out.extend(b);
    out
}

fn words(data: &[u8]) -> Vec<[u8; 32]> {
    data.chunks(32).map(|c| c.try_into().expect("whole words")).collect()
}

fn as_u128(w: &[u8; 32]) -> u128 {
    assert!(w[..16].iter().all(|&b| b == 0), "value above 2^128");
    u128::from_be_bytes(w[16..].try_into().unwrap())
}

fn abi_string(out: &[u8]) -> String {
    let len = as_u128(out[32..64].try_into().unwrap()) as usize;
    String::from_utf8(out[64..64 + len].to_vec()).unwrap()
}

/// The table as `provenDeployments()` returns it: domain and supply, line by line.
fn table_words(statement: &AttestationStatement) -> Vec<[u8; 32]> {
    statement.deployments.iter().flat_map(|d| [fr_to_be_bytes(&d.domain), word(d.supply_cents)]).collect()
}

/// The registry's statementHash: keccak256 of the 67 public-input words (custodian included).
fn statement_hash(statement: &AttestationStatement) -> [u8; 32] {
    revm::primitives::keccak256(encode_verifier_calldata(&statement.to_instances(), &[])).0
}

/// The domains of the used lines of a statement's table.
fn used_domains(statement: &AttestationStatement) -> Vec<[u8; 32]> {
    statement.deployments.iter().filter(|d| d.domain != Fr::from(0)).map(|d| fr_to_be_bytes(&d.domain)).collect()
}

// ------------------------------------------------------------------ the chain

type Evm = MainnetEvm<MainnetContext<InMemoryDB>>;

enum Outcome {
    Success { gas: u64, output: Vec<u8>, logs: Vec<revm::primitives::Log> },
    Revert { output: Vec<u8> },
}

impl Outcome {
    fn output(&self) -> &[u8] {
        match self {
            Outcome::Success { output, .. } | Outcome::Revert { output } => output,
        }
    }

    fn is_success(&self) -> bool {
        matches!(self, Outcome::Success { .. })
    }
}

fn new_evm(chain_id: u64, timestamp: u64) -> Evm {
    Context::mainnet()
        .with_db(InMemoryDB::default())
        .modify_cfg_chained(|cfg| {
            cfg.chain_id = chain_id;
            // Senders are bare addresses; gas is free (price 0), so only nonces would get in the way.
            cfg.disable_nonce_check = true;
        })
        .modify_block_chained(|block| block.timestamp = U256::from(timestamp))
        .build_mainnet()
}

fn transact(evm: &mut Evm, from: Address, kind: TxKind, data: Vec<u8>) -> ExecutionResult {
    let tx = TxEnv {
        caller: from,
        gas_limit: 30_000_000,
        kind,
        data: Bytes::from(data),
        chain_id: Some(evm.ctx.cfg.chain_id),
        ..Default::default()
    };
    evm.transact_commit(tx).expect("the transaction is valid")
}

fn deploy(evm: &mut Evm, from: Address, creation: &[u8], args: &[u8]) -> Address {
    let mut code = creation.to_vec();
    code.extend_from_slice(args);
    match transact(evm, from, TxKind::Create, code) {
        ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => address,
        other => panic!("deployment failed: {other:?}"),
    }
}

/// Deploys a verifier as `export-solidity` says: its parts, then `Halo2Verifier` with their
/// addresses.
fn deploy_verifier(evm: &mut Evm, from: Address, v: &VerifierCode) -> Address {
    let (head, parts) = v.contracts.split_last().expect("Halo2Verifier");
    assert_eq!(head.name, "Halo2Verifier");
    let mut args = Vec::new();
    for part in parts {
        args.extend_from_slice(&addr_word(deploy(evm, from, &part.creation, &[])));
    }
    deploy(evm, from, &head.creation, &args)
}

/// One chain: its token, verifier and registry.
struct World {
    evm: Evm,
    site: Site,
    token: Address,
    verifier: Address,
    registry: Address,
}

impl World {
    /// Token, verifier and registry, configured, with `custodian()` registered, a supply worth
    /// `supply_cents`, and the chain's clock at `timestamp`. Deterministic: the same site gives
    /// the same addresses in every world.
    fn deploy(c: &Compiled, site: Site, supply_cents: u128, timestamp: u64) -> Self {
        let mut evm = new_evm(site.chain_id, timestamp);
        let owner = site.owner;
        let token_args = token_constructor_args("Test Treasury Fund", "TTF", site.decimals);
        let token = deploy(&mut evm, owner, &c.token_creation, &token_args);
        let verifier = deploy_verifier(&mut evm, owner, &c.verifier);
        let registry = deploy(&mut evm, owner, &c.registry_creation, &[]);
        let mut w = World { evm, site, token, verifier, registry };
        w.admin(call("setVerifier(address)", &[addr_word(verifier)]));
        w.admin(call("setToken(address)", &[addr_word(token)]));
        w.admin(call("registerCustodian(address)", &[addr_word(custodian())]));
        w.mint_cents(supply_cents);
        w
    }

    fn send(&mut self, from: Address, to: Address, data: Vec<u8>) -> Outcome {
        match transact(&mut self.evm, from, TxKind::Call(to), data) {
            ExecutionResult::Success { gas_used, output, logs, .. } => {
                Outcome::Success { gas: gas_used, output: output.into_data().to_vec(), logs }
            }
            ExecutionResult::Revert { output, .. } => Outcome::Revert { output: output.to_vec() },
            ExecutionResult::Halt { reason, .. } => panic!("the call halted: {reason:?}"),
        }
    }

    /// Sends a call that must succeed; returns its gas and output.
    fn ok(&mut self, from: Address, to: Address, data: Vec<u8>) -> (u64, Vec<u8>) {
        match self.send(from, to, data) {
            Outcome::Success { gas, output, .. } => (gas, output),
            Outcome::Revert { output } => panic!("unexpected revert 0x{}", hex::encode(output)),
        }
    }

    /// An owner's call to the registry that must succeed.
    fn admin(&mut self, data: Vec<u8>) {
        let (owner, registry) = (self.site.owner, self.registry);
        self.ok(owner, registry, data);
    }

    fn view(&mut self, signature: &str) -> Vec<[u8; 32]> {
        let registry = self.registry;
        words(&self.ok(stranger(), registry, call(signature, &[])).1)
    }

    fn units_per_cent(&self) -> u128 {
        10u128.pow(u32::from(self.site.decimals) - 2)
    }

    fn mint_cents(&mut self, cents: u128) {
        let (owner, token) = (self.site.owner, self.token);
        let units = cents * self.units_per_cent();
        self.ok(owner, token, call("mint(address,uint256)", &[addr_word(owner), word(units)]));
    }

    fn burn_cents(&mut self, cents: u128) {
        let (owner, token) = (self.site.owner, self.token);
        let units = cents * self.units_per_cent();
        self.ok(owner, token, call("burn(uint256)", &[word(units)]));
    }

    fn submit_as(&mut self, from: Address, statement: &AttestationStatement, proof: &[u8]) -> Outcome {
        let registry = self.registry;
        self.send(from, registry, encode_submit(statement, proof))
    }

    fn submit(&mut self, a: &Attestation) -> Outcome {
        self.submit_as(custodian(), &a.statement, &a.proof)
    }

    /// Submits from the custodian with the submit calldata's statement word `index` replaced.
    fn submit_with_word(&mut self, a: &Attestation, index: usize, value: [u8; 32]) -> Outcome {
        let mut data = encode_submit(&a.statement, &a.proof);
        data[4 + 32 * index..4 + 32 * (index + 1)].copy_from_slice(&value);
        let registry = self.registry;
        self.send(custodian(), registry, data)
    }

    fn set_minimum_policy(&mut self, policy: &PolicyInstance) {
        self.admin(encode_set_minimum_policy(policy));
    }

    fn set_domains(&mut self, domains: &[[u8; 32]]) -> Outcome {
        let (owner, registry) = (self.site.owner, self.registry);
        self.send(owner, registry, encode_set_deployment_domains(domains))
    }

    fn try_view(&mut self, signature: &str) -> Outcome {
        let registry = self.registry;
        self.send(stranger(), registry, call(signature, &[]))
    }

    fn is_covered(&mut self) -> bool {
        self.view("isCovered()") == vec![word(1)]
    }

    fn mintable(&mut self) -> u128 {
        as_u128(&self.view("mintableCents()")[0])
    }

    fn warp_days(&mut self, days: u64) {
        let t = self.evm.ctx.block.timestamp + U256::from(days * SECONDS_PER_DAY);
        self.evm.ctx.block.timestamp = t;
    }

    /// Replaces the token with a MutableToken of `decimals` holding `units` base units.
    fn use_mutable_token(&mut self, c: &Compiled, decimals: u8, units: u128) {
        let owner = self.site.owner;
        let token = deploy(&mut self.evm, owner, &c.mutable_token_creation, &word(decimals.into()));
        self.ok(owner, token, call("setSupply(uint256)", &[word(units)]));
        self.token = token;
        self.admin(call("setToken(address)", &[addr_word(token)]));
    }

    /// Nothing was accepted yet.
    #[track_caller]
    fn assert_empty(&mut self, case: &str) {
        let registry = self.registry;
        let outcome = self.send(stranger(), registry, call("latestAttestation()", &[]));
        assert_reverts_with(&outcome, "NoAttestation()", case);
    }
}

/// The gas a transaction pays before executing: 21,000 plus its calldata (EIP-2028).
fn intrinsic_gas(calldata: &[u8]) -> u64 {
    let zeros = calldata.iter().filter(|&&b| b == 0).count() as u64;
    21_000 + 4 * zeros + 16 * (calldata.len() as u64 - zeros)
}

/// Asserts that `outcome` reverted with the custom error whose signature is given; returns
/// the error's arguments as words.
#[track_caller]
fn assert_reverts_with(outcome: &Outcome, error_signature: &str, case: &str) -> Vec<[u8; 32]> {
    match outcome {
        Outcome::Success { .. } => panic!("{case}: accepted, expected {error_signature}"),
        Outcome::Revert { output } => {
            assert!(
                output.len() >= 4 && output[..4] == selector(error_signature),
                "{case}: reverted with 0x{}, expected {error_signature}",
                hex::encode(output)
            );
            if error_signature.ends_with("(string)") {
                return vec![];
            }
            words(&output[4..])
        }
    }
}

#[track_caller]
fn assert_accepted(outcome: &Outcome, case: &str) -> u64 {
    match outcome {
        Outcome::Success { gas, .. } => *gas,
        Outcome::Revert { output } => panic!("{case}: refused with 0x{}", hex::encode(output)),
    }
}

/// The data words of the one event with this signature that `outcome` emitted.
#[track_caller]
fn event_words(outcome: &Outcome, signature: &str) -> Vec<[u8; 32]> {
    let Outcome::Success { logs, .. } = outcome else { panic!("expected success") };
    let topic = revm::primitives::keccak256(signature.as_bytes());
    let found: Vec<_> = logs.iter().filter(|l| l.topics().first() == Some(&topic)).collect();
    assert_eq!(found.len(), 1, "one {signature} event");
    words(&found[0].data.data)
}

/// The string argument of a revert with a custom error taking one string.
fn revert_string(outcome: &Outcome) -> String {
    let Outcome::Revert { output } = outcome else { panic!("expected a revert") };
    abi_string(&output[4..])
}

// ------------------------------------------------------------------ fixture

#[derive(Clone)]
struct Attestation {
    statement: AttestationStatement,
    proof: Vec<u8>,
}

impl Attestation {
    /// The same proof, claimed for another statement.
    fn with(&self, f: impl FnOnce(&mut AttestationStatement)) -> Attestation {
        let mut statement = self.statement;
        f(&mut statement);
        Attestation { statement, proof: self.proof.clone() }
    }
}

struct Fixture {
    compiled: Compiled,
    /// The generator's single-contract output, before any split.
    generated: String,
    profile: PrecompileProfile,
    columns: String,
    depth: usize,
    k: u32,
    as_of_days: u64,
    /// The committed tree every proof is made from.
    tree: TreeWitness,
    registry_a: Address,
    registry_b: Address,
    /// Epoch 2, as of AS_OF.
    valid: Attestation,
    /// Epoch 1, as of AS_OF.
    older: Attestation,
    /// Epoch 3, as of the day before AS_OF.
    earlier: Attestation,
    /// Epoch 2 + MAX_EPOCH_STEP, as of AS_OF.
    far: Attestation,
    /// Epoch 2, as of AS_OF, chain B's line understated to one cent: what a custodian would
    /// send chain A to count the reserves twice.
    understated: Attestation,
    /// Epoch 3, as of AS_OF, the same table proved at 110%.
    over: Attestation,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn preset(name: &str) -> Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/policies/{name}.json"));
    Policy::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build_fixture() -> Fixture {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let holdings_path = root.join("fixtures/money-fund/holdings.csv");
    let as_of = chrono::NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap();
    let as_of_days = days_since_epoch(as_of);
    let positions = load_holdings(&holdings_path, as_of).unwrap();
    let holdings = aggregate_by_cusip(&positions, &holdings_path).unwrap();
    // One tree for every proof: the epoch and the as-of date are public inputs, not in the leaves.
    let (_, committed, _) = commit(&holdings, 1, as_of, None, &holdings_path).unwrap();
    let leaves: Vec<Leaf> = committed.iter().map(CommittedLeaf::to_leaf).collect();
    let tree = TreeWitness::build(&leaves);
    let depth = tree.depth();

    let kind = CircuitKind::Attestation;
    let k = kind.min_k(depth);
    let params = setup_insecure(k);
    // Keys first: the verifier, hence the deployments and their domains, must exist before the
    // table is known.
    let keys = circuit_keys(kind, None, &params, depth).unwrap();
    let cs = keys.vk.vk.cs();
    let columns = format!(
        "{} advice, {} fixed (selectors included), {} instance, {} permutation, {} lookup(s), degree {}",
        cs.num_advice_columns(),
        keys.vk.vk.fixed_commitments().len(),
        cs.num_instance_columns(),
        keys.vk.vk.permutation().commitments().len(),
        cs.lookups().len(),
        cs.degree(),
    );
    let generated = generated_verifier(&keys.vk).expect("verifier generation");
    let sol = fit_eip170(generated.clone()).expect("verifier split");
    let profile = PrecompileProfile::of_solidity(&sol);
    let compiled = compile(&sol);
    let registry_a = World::deploy(&compiled, site_a(), 0, 0).registry;
    let registry_b = World::deploy(&compiled, site_b(), 0, 0).registry;
    assert_ne!(registry_a, registry_b, "two registry addresses");

    // The table: chain A, chain B and book-entry shares, together worth 7/8 of what the
    // holdings count under the policy.
    let policy = preset("money-fund-sec");
    let ratio_bps = policy.min_ratio_bps as u32;
    let report = policy.evaluate(&leaves, as_of_days);
    assert!(report.ok() && policy.evaluate(&leaves, as_of_days - 1).ok(), "{:?}", report.violations);
    let coverable = report.counted_scaled / u128::from(ratio_bps);
    let mut deployments = [Deployment::default(); DEPLOYMENT_SLOTS];
    deployments[SLOT_A] =
        Deployment { domain: domain_tag(site_a().chain_id, registry_a.into_array()), supply_cents: coverable / 2 };
    deployments[SLOT_B] =
        Deployment { domain: domain_tag(site_b().chain_id, registry_b.into_array()), supply_cents: coverable / 4 };
    deployments[SLOT_BOOK] = Deployment { domain: book_entry_domain(0), supply_cents: coverable / 8 };
    let statement = |epoch: u64, as_of_days: u64| AttestationStatement {
        root: tree.root().hash(),
        epoch,
        custodian: custodian().into_array(),
        as_of_days,
        ratio_bps,
        policy: policy.instance(),
        deployments,
    };
    // The table's sum is 7/8 of coverable, so the reserves cover it at 110% too.
    assert!(report.counted_scaled >= (coverable / 2 + coverable / 4 + coverable / 8) * u128::from(OVER_RATIO_BPS));
    let prove = |statement: AttestationStatement| {
        let circuit = AttestationCircuit::new(AttestationWitness::new(tree.clone(), statement));
        let proof = bondproof_prover::prove::prove(&params, &keys.pk, circuit, &statement.to_instances())
            .unwrap_or_else(|e| panic!("proving epoch {}: {e}", statement.epoch));
        Attestation { statement, proof }
    };
    let valid = prove(statement(2, as_of_days));
    let older = prove(statement(1, as_of_days));
    let earlier = prove(statement(3, as_of_days - 1));
    let far = prove(statement(2 + MAX_EPOCH_STEP, as_of_days));
    let mut understated = statement(2, as_of_days);
    understated.deployments[SLOT_B].supply_cents = 1;
    let understated = prove(understated);
    let over = prove(AttestationStatement { ratio_bps: OVER_RATIO_BPS, ..statement(3, as_of_days) });
    Fixture {
        compiled,
        generated,
        profile,
        columns,
        depth,
        k,
        as_of_days,
        tree,
        registry_a,
        registry_b,
        valid,
        older,
        earlier,
        far,
        understated,
        over,
    }
}

impl Fixture {
    /// The line of the table for this site's registry.
    fn slot(&self, site: Site) -> usize {
        let registry = if site.chain_id == site_a().chain_id { self.registry_a } else { self.registry_b };
        self.valid.statement.slot_of(&domain_tag(site.chain_id, registry.into_array())).expect("a line for the site")
    }

    fn supply(&self, site: Site) -> u128 {
        self.valid.statement.deployments[self.slot(site)].supply_cents
    }

    /// A world at noon of the as-of date, `days_later` days on, whose supply leaves
    /// `HEADROOM_CENTS` under its line of the table.
    fn world_at(&self, site: Site, days_later: i64) -> World {
        let t = (self.as_of_days as i64 + days_later) as u64 * SECONDS_PER_DAY + SECONDS_PER_DAY / 2;
        let w = World::deploy(&self.compiled, site, self.supply(site) - HEADROOM_CENTS, t);
        let expected = if site.chain_id == site_a().chain_id { self.registry_a } else { self.registry_b };
        assert_eq!(w.registry, expected, "deployment is deterministic");
        w
    }

    fn world(&self, site: Site) -> World {
        self.world_at(site, 0)
    }
}

// ------------------------------------------------------------------ the verifier

#[test]
fn verifier_fits_the_contract_size_limit() {
    let fx = fixture();
    let sizes = fx.compiled.verifier.runtime_sizes();
    let unsplit = solc(Some(&fx.generated));
    let whole = unsplit.runtime("Verifier.sol", "Halo2Verifier").unwrap().len();
    eprintln!(
        "verifier runtime bytecode: generated as one contract {whole} bytes (estimated {}); deployed as {} \
         bytes; EIP-170 limit {MAX_RUNTIME_BYTES}; registry {} bytes",
        estimate_runtime_bytes(&fx.generated),
        fx.compiled
            .verifier
            .contracts
            .iter()
            .map(|c| format!("{} {}", c.name, c.runtime.len()))
            .collect::<Vec<_>>()
            .join(" + "),
        fx.compiled.registry_runtime.len(),
    );
    for c in &fx.compiled.verifier.contracts {
        assert!(c.runtime.len() <= MAX_RUNTIME_BYTES, "{} runtime {} bytes", c.name, c.runtime.len());
    }
    assert!(fx.compiled.registry_runtime.len() <= MAX_RUNTIME_BYTES, "the registry fits EIP-170");
    // The split is there only when needed: a whole verifier that fits is deployed as it is.
    assert_eq!(sizes.len() > 1, whole > MAX_RUNTIME_BYTES, "split decision against the real size {whole}");

    if sizes.len() > 1 {
        // What the split costs: the whole verifier, on a chain without EIP-170 or EIP-3860,
        // against the split one.
        let calldata = encode_verifier_calldata(&fx.valid.statement.to_instances(), &fx.valid.proof);
        let mut evm = new_evm(site_a().chain_id, 0);
        evm.ctx.cfg.limit_contract_code_size = Some(usize::MAX);
        evm.ctx.cfg.limit_contract_initcode_size = Some(usize::MAX);
        let unsplit = deploy(&mut evm, stranger(), &unsplit.bytecode("Verifier.sol", "Halo2Verifier").unwrap(), &[]);
        let gas_whole = match transact(&mut evm, stranger(), TxKind::Call(unsplit), calldata.clone()) {
            ExecutionResult::Success { gas_used, .. } => gas_used,
            other => panic!("the unsplit verifier rejects the proof: {other:?}"),
        };
        let mut w = fx.world(site_a());
        let verifier = w.verifier;
        let (gas_split, _) = w.ok(stranger(), verifier, calldata);
        eprintln!(
            "bare verification: unsplit {gas_whole} gas, split in {} {gas_split} gas (+{})",
            sizes.len(),
            gas_split as i64 - gas_whole as i64
        );
    }
}

#[test]
fn split_verifier_runs_its_parts_only_in_order() {
    let fx = fixture();
    let (head, parts) = fx.compiled.verifier.contracts.split_last().unwrap();
    if parts.is_empty() {
        // verifier_fits_the_contract_size_limit shows the whole verifier fits: nothing to order.
        eprintln!("the attestation verifier is one contract at depth {}: no parts to order", fx.depth);
        return;
    }
    let mut evm = new_evm(site_a().chain_id, 0);
    let addresses: Vec<Address> = parts.iter().map(|p| deploy(&mut evm, stranger(), &p.creation, &[])).collect();
    let calldata = encode_verifier_calldata(&fx.valid.statement.to_instances(), &fx.valid.proof);
    let mut verify_with = |order: &[Address]| {
        let args: Vec<u8> = order.iter().flat_map(|a| addr_word(*a)).collect();
        let verifier = deploy(&mut evm, stranger(), &head.creation, &args);
        matches!(
            transact(&mut evm, stranger(), TxKind::Call(verifier), calldata.clone()),
            ExecutionResult::Success { .. }
        )
    };
    assert!(verify_with(&addresses), "parts in order");
    if addresses.len() >= 2 {
        let mut reversed = addresses.clone();
        reversed.reverse();
        assert!(!verify_with(&reversed), "parts in reverse order");
        let mut repeated = addresses.clone();
        *repeated.last_mut().unwrap() = addresses[0];
        assert!(!verify_with(&repeated), "the first part in place of the last");
    }
    // A part called on its own verifies nothing: it refuses calldata without its index.
    let outcome = transact(&mut evm, stranger(), TxKind::Call(addresses[0]), calldata.clone());
    assert!(!matches!(outcome, ExecutionResult::Success { .. }), "a part called with verifier calldata");
}

#[test]
fn bare_verifier_accepts_the_proof_and_rejects_any_change() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    let v = w.verifier;
    let a = &fx.valid;
    let calldata = encode_verifier_calldata(&a.statement.to_instances(), &a.proof);
    let (gas, _) = w.ok(stranger(), v, calldata.clone());

    let intrinsic = intrinsic_gas(&calldata);
    let bound = fx.profile.eip1108_gas();
    eprintln!("attestation circuit: depth {}, k {}, {}", fx.depth, fx.k, fx.columns);
    eprintln!(
        "proof {} bytes; verifier calldata {} bytes; registry submit calldata {} bytes",
        a.proof.len(),
        calldata.len(),
        encode_submit(&a.statement, &a.proof).len()
    );
    eprintln!("bare verification: {gas} gas per transaction ({} execution + {intrinsic} intrinsic)", gas - intrinsic);
    eprintln!(
        "precompile calls: {} ecMul, {} ecAdd, {} pairing call(s) of {} pairs, {} modexp; EIP-1108 bound {bound} gas; \
         transaction / bound = {:.3}, execution / bound = {:.3}",
        fx.profile.ec_mul,
        fx.profile.ec_add,
        fx.profile.pairing_calls,
        fx.profile.pairing_pairs,
        fx.profile.modexp,
        gas as f64 / bound as f64,
        (gas - intrinsic) as f64 / bound as f64,
    );

    let names = AttestationStatement::names();
    assert_eq!(names.len(), AttestationStatement::COUNT);
    for (i, name) in names.iter().enumerate() {
        let mut bad = calldata.clone();
        bad[32 * i + 31] ^= 1;
        assert!(!w.send(stranger(), v, bad).is_success(), "changed instance {i} ({name}) accepted");
    }
    let proof_at = 32 * AttestationStatement::COUNT;
    for at in [0, a.proof.len() / 2, a.proof.len() - 1] {
        let mut bad = calldata.clone();
        bad[proof_at + at] ^= 0x01;
        assert!(!w.send(stranger(), v, bad).is_success(), "flipped proof byte {at} accepted");
    }
    let truncated = calldata[..calldata.len() - 32].to_vec();
    assert!(!w.send(stranger(), v, truncated).is_success(), "truncated proof accepted");
    // Another epoch's proof with this epoch's inputs, and with its own.
    let swapped = encode_verifier_calldata(&a.statement.to_instances(), &fx.older.proof);
    assert!(!w.send(stranger(), v, swapped).is_success(), "epoch 1's proof for epoch 2");
    let own = encode_verifier_calldata(&fx.older.statement.to_instances(), &fx.older.proof);
    assert!(w.send(stranger(), v, own).is_success(), "epoch 1's proof for itself");
}

// ------------------------------------------------------------------ two chains, one proof

#[test]
fn one_proof_is_accepted_on_both_chains() {
    let fx = fixture();
    let a = &fx.valid;
    for site in [site_a(), site_b()] {
        let mut w = fx.world(site);
        let outcome = w.submit(a);
        let gas = assert_accepted(&outcome, &format!("chain {}", site.chain_id));
        eprintln!(
            "chain {}: registry submit {gas} gas (first attestation: policy recorded, table stored)",
            site.chain_id
        );
        let slot = fx.slot(site);
        let supply = fx.supply(site);
        // The events: this chain's line, and the whole table with this chain's index in it.
        let submitted = event_words(&outcome, "AttestationSubmitted(address,uint64,uint256,uint256,uint32,bytes32)");
        let hash = statement_hash(&a.statement);
        assert_eq!(submitted, vec![fr_to_be_bytes(&a.statement.root), word(supply), word(10_000), hash]);
        let proven = event_words(&outcome, "DeploymentsProven(uint64,uint8,(uint256,uint256)[16])");
        assert_eq!(proven[0], word(slot as u128));
        assert_eq!(proven[1..], table_words(&a.statement)[..]);

        let att = w.view("latestAttestation()");
        assert_eq!(att.len(), 10);
        assert_eq!(att[0], fr_to_be_bytes(&a.statement.root));
        assert_eq!(as_u128(&att[1]), 2, "epoch");
        assert_eq!(as_u128(&att[2]), fx.as_of_days as u128 * 86_400 + 43_200, "timestamp");
        assert_eq!(as_u128(&att[3]), supply, "this chain's line");
        assert_eq!(as_u128(&att[4]), 10_000);
        assert_eq!(att[5], addr_word(custodian()));
        assert_eq!(as_u128(&att[6]), fx.as_of_days as u128);
        assert_eq!(as_u128(&att[7]), slot as u128);
        assert_eq!(att[8], policy_id(&a.statement.policy), "the attestation names its policy");
        assert_eq!(att[9], hash, "the statement hash: keccak256 of the 67 public inputs");
        // The cross-chain comparison's read: epoch, hash and table in one call.
        let latest = w.view("latestStatement()");
        assert_eq!((as_u128(&latest[0]), latest[1]), (2, hash));
        assert_eq!(latest[2..], table_words(&a.statement)[..]);
        // The whole proven table, every chain's line and the book entry, on either chain.
        assert_eq!(w.view("provenDeployments()"), table_words(&a.statement));
        assert_eq!(w.view("domain()")[0], fr_to_be_bytes(&a.statement.deployments[slot].domain));
        assert_eq!(w.view("isCovered()"), vec![word(1)]);
        assert_eq!(w.view("mintableCents()"), vec![word(HEADROOM_CENTS)]);

        // The feed: this chain's proven lower bound, supply * ratio / 10000 cents, 8 decimals.
        let round = w.view("latestRoundData()");
        assert_eq!(as_u128(&round[0]), 2, "roundId is the epoch");
        assert_eq!(as_u128(&round[1]), supply * 10_000 * 100);
        assert_eq!(round[2], att[2]);
        assert_eq!(round[3], att[2]);
        assert_eq!(as_u128(&round[4]), 2);
        let registry = w.registry;
        let (_, by_round) = w.ok(stranger(), registry, call("getRoundData(uint80)", &[word(2)]));
        assert_eq!(words(&by_round), round);
        let (_, by_epoch) = w.ok(stranger(), registry, call("getAttestation(uint64)", &[word(2)]));
        assert_eq!(words(&by_epoch), att);
        assert_eq!(w.view("decimals()"), vec![word(8)]);
        let (_, stored) = w.ok(stranger(), registry, call("getPolicy(bytes32)", &[att[8]]));
        assert_eq!(words(&stored), policy_words(&a.statement.policy), "the policy's parameters are stored");
        let (_, on_chain_id) = w.ok(stranger(), registry, encode_policy_call("policyId", &a.statement.policy));
        assert_eq!(words(&on_chain_id), vec![policy_id(&a.statement.policy)], "policyId agrees with bondproof's");

        // The next epoch: the policy is recorded already, the table rewritten with the same lines.
        let gas = assert_accepted(&w.submit(&fx.far), "the next epoch");
        eprintln!("chain {}: registry submit {gas} gas (the policy already recorded, the same table)", site.chain_id);
    }
}

#[test]
fn minting_beyond_a_slot_shows_only_on_that_chain() {
    let fx = fixture();
    let (mut a, mut b) = (fx.world(site_a()), fx.world(site_b()));
    for w in [&mut a, &mut b] {
        assert_accepted(&w.submit(&fx.older), "epoch 1");
    }
    a.mint_cents(HEADROOM_CENTS + 1);
    assert_eq!(a.view("isCovered()"), vec![word(0)], "chain A minted past its line");
    assert_eq!(a.view("mintableCents()"), vec![word(0)]);
    assert_eq!(b.view("isCovered()"), vec![word(1)], "chain B is untouched");
    assert_eq!(b.view("mintableCents()"), vec![word(HEADROOM_CENTS)]);

    // The next epoch with the old table: refused where the line no longer covers the supply.
    let args = assert_reverts_with(&a.submit(&fx.valid), "SlotBelowSupply(uint256,uint256)", "chain A, old line");
    assert_eq!((as_u128(&args[0]), as_u128(&args[1])), (fx.supply(site_a()), fx.supply(site_a()) + 1));
    assert_accepted(&b.submit(&fx.valid), "chain B, old line");
    // Rounded against the custodian: a single base unit above the line is a whole cent more.
    let (owner, token) = (a.site.owner, a.token);
    a.ok(owner, token, call("burn(uint256)", &[word(a.units_per_cent() - 1)]));
    assert_reverts_with(&a.submit(&fx.valid), "SlotBelowSupply(uint256,uint256)", "one unit above the line");
    a.ok(owner, token, call("burn(uint256)", &[word(1)]));
    assert_accepted(&a.submit(&fx.valid), "chain A, back within its line");
}

#[test]
fn a_proof_without_the_registrys_line_is_refused() {
    let fx = fixture();
    let a = &fx.valid;
    let t = fx.as_of_days * SECONDS_PER_DAY + SECONDS_PER_DAY / 2;
    // The same deployer on a third chain: registry A's address, but not its domain.
    let elsewhere = Site { chain_id: 10, ..site_a() };
    let mut w = World::deploy(&fx.compiled, elsewhere, 0, t);
    assert_eq!(w.registry, fx.registry_a);
    let args = assert_reverts_with(&w.submit(a), "SlotMissing(uint256)", "registry A's address on chain 10");
    assert_eq!(args[0], fr_to_be_bytes(&domain_tag(10, fx.registry_a.into_array())));
    // Another registry on chain A.
    let other = Site { owner: Address::repeat_byte(0xd2), ..site_a() };
    let mut w = World::deploy(&fx.compiled, other, 0, t);
    assert_reverts_with(&w.submit(a), "SlotMissing(uint256)", "another registry on chain A");
    w.assert_empty("after the refusals");

    // On chain A itself, the table without A's line (the proof is then wrong too, but the
    // registry says why first), or with it twice.
    let mut w = fx.world(site_a());
    let dropped = a.with(|s| s.deployments[SLOT_A] = Deployment::default());
    assert_reverts_with(&w.submit(&dropped), "SlotMissing(uint256)", "A's line dropped");
    let twice = a.with(|s| s.deployments[5] = s.deployments[SLOT_A]);
    let args = assert_reverts_with(&w.submit(&twice), "DuplicateSlot(uint256,uint256)", "A's line twice");
    assert_eq!((as_u128(&args[0]), as_u128(&args[1])), (SLOT_A as u128, 5));
    w.assert_empty("after the refusals");
    assert_accepted(&w.submit(a), "the table as proved");
}

#[test]
fn another_custodian_cannot_submit_the_proof() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    w.admin(call("registerCustodian(address)", &[addr_word(other_custodian())]));
    let a = &fx.valid;
    // Registered, but the proof names custodian(): the verifier gets the sender's address.
    assert_reverts_with(&w.submit_as(other_custodian(), &a.statement, &a.proof), "InvalidProof()", "another custodian");
    assert_reverts_with(&w.submit_as(stranger(), &a.statement, &a.proof), "NotCustodian()", "non-custodian");
    let owner = w.site.owner;
    assert_reverts_with(&w.submit_as(owner, &a.statement, &a.proof), "NotCustodian()", "the owner is no custodian");
    w.assert_empty("after the refusals");
    assert_accepted(&w.submit(a), "the custodian the proof names");
    // Unregistered, the custodian can no longer submit, even its own proof.
    w.admin(call("unregisterCustodian(address)", &[addr_word(custodian())]));
    assert_reverts_with(&w.submit(&fx.far), "NotCustodian()", "unregistered");
}

#[test]
fn epoch_steps_are_bounded() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    assert_eq!(w.view("MAX_EPOCH_STEP()"), vec![word(MAX_EPOCH_STEP.into())]);
    // The first epoch counts from 0: 2 + 2^32 is one step too far.
    let args =
        assert_reverts_with(&w.submit(&fx.far), "EpochStepTooLarge(uint64,uint64,uint64)", "first epoch 2 + 2^32");
    assert_eq!(args, vec![word(0), word((2 + MAX_EPOCH_STEP).into()), word(MAX_EPOCH_STEP.into())]);
    assert_accepted(&w.submit(&fx.valid), "epoch 2");
    // From 2: 2 + 2^32 + 1 is refused before the proof is looked at (which would fail too) ...
    let beyond = fx.far.with(|s| s.epoch += 1);
    assert_reverts_with(&w.submit(&beyond), "EpochStepTooLarge(uint64,uint64,uint64)", "a step of 2^32 + 1");
    let lock_out = fx.far.with(|s| s.epoch = u64::MAX);
    assert_reverts_with(&w.submit(&lock_out), "EpochStepTooLarge(uint64,uint64,uint64)", "epoch 2^64 - 1");
    // ... and a step of exactly 2^32 is accepted.
    assert_accepted(&w.submit(&fx.far), "a step of exactly 2^32");
    assert_eq!(w.view("lastEpoch()"), vec![word((2 + MAX_EPOCH_STEP).into())]);
}

// ------------------------------------------------------------------ across chains

#[test]
fn every_expected_deployment_must_have_a_line() {
    let fx = fixture();
    let a = &fx.valid;
    let expected = used_domains(&a.statement);
    let (dom_a, dom_b, book) = (expected[SLOT_A], expected[SLOT_B], expected[SLOT_BOOK]);
    let mut w = fx.world(site_a());
    let registry = w.registry;
    assert_reverts_with(
        &w.send(stranger(), registry, encode_set_deployment_domains(&expected)),
        "NotOwner()",
        "a stranger",
    );
    let args = assert_reverts_with(&w.set_domains(&[dom_b, book]), "OwnDomainNotExpected(uint256)", "without A");
    assert_eq!(args, vec![dom_a]);
    let seventeen: Vec<[u8; 32]> = std::iter::once(dom_a).chain((1..17).map(word)).collect();
    for (case, list) in [
        ("a blank line's domain", vec![dom_a, [0; 32]]),
        ("twice the same", vec![dom_a, dom_b, dom_b]),
        ("out of the field", vec![dom_a, [0xff; 32]]),
        ("17 domains", seventeen),
    ] {
        assert_reverts_with(&w.set_domains(&list), "InvalidDeploymentDomains(string)", case);
    }
    assert_accepted(&w.set_domains(&expected), "A, B and the book entry");
    // A dynamic array: offset, length, the domains.
    assert_eq!(w.view("deploymentDomains()")[2..], expected[..]);

    // A table that leaves chain B (or the book entry) out of the sum is refused before the proof.
    for (case, slot, domain) in [("chain B's line", SLOT_B, dom_b), ("the book-entry line", SLOT_BOOK, book)] {
        let dropped = a.with(|s| s.deployments[slot] = Deployment::default());
        let args = assert_reverts_with(&w.submit(&dropped), "DeploymentMissing(uint256)", case);
        assert_eq!(args, vec![domain], "{case}");
    }
    w.assert_empty("after the refusals");
    assert_accepted(&w.submit(a), "every expected line");
    assert!(w.is_covered());

    // A deployment the owner adds later: the latest table lacks it, so it no longer stands.
    let mut more = expected.clone();
    more.push(fr_to_be_bytes(&book_entry_domain(1)));
    assert_accepted(&w.set_domains(&more), "a second register");
    assert!(!w.is_covered(), "the latest table lacks an expected line");
    assert_eq!(w.mintable(), 0);
    let args = assert_reverts_with(&w.submit(&fx.far), "DeploymentMissing(uint256)", "the next epoch without it");
    assert_eq!(args, vec![more[3]]);
    assert_accepted(&w.set_domains(&expected), "back to the three");
    assert!(w.is_covered());
    assert_accepted(&w.set_domains(&[]), "the requirement lifted");
    assert_eq!(w.view("deploymentDomains()"), vec![word(32), word(0)]);
    assert!(w.is_covered());
}

/// One line of one chain's latest table that understates another chain's own line.
#[derive(Debug, PartialEq)]
struct Discrepancy {
    in_chain: u64,
    for_chain: u64,
    line: u128,
    own_line: u128,
}

/// The cross-chain comparison the registries leave to the reader (what `bondproof verify --rpc`
/// of issue 13 is to do): one `latestStatement()` and one `domain()` read per chain. Equal
/// statement hashes: one statement everywhere, each line checked by its own chain. Otherwise
/// every chain's line in another chain's table must be at least the line that chain proved for
/// itself.
fn discrepancies(worlds: &mut [&mut World]) -> Vec<Discrepancy> {
    struct ChainRead {
        chain_id: u64,
        hash: [u8; 32],
        table: Vec<[u8; 32]>,
        domain: [u8; 32],
    }
    let reads: Vec<ChainRead> = worlds
        .iter_mut()
        .map(|w| {
            let latest = w.view("latestStatement()");
            ChainRead {
                chain_id: w.site.chain_id,
                hash: latest[1],
                table: latest[2..].to_vec(),
                domain: w.view("domain()")[0],
            }
        })
        .collect();
    let line = |table: &[[u8; 32]], domain: &[u8; 32]| {
        table.chunks(2).find(|l| &l[0] == domain).map(|l| as_u128(&l[1])).expect("every expected line is present")
    };
    let mut found = Vec::new();
    for x in &reads {
        for y in reads.iter().filter(|y| y.hash != x.hash) {
            let (claimed, own_line) = (line(&x.table, &y.domain), line(&y.table, &y.domain));
            if claimed < own_line {
                found.push(Discrepancy { in_chain: x.chain_id, for_chain: y.chain_id, line: claimed, own_line });
            }
        }
    }
    found
}

/// The double count: chain A is sent a proof whose line for chain B is one cent, chain B one with
/// its full line. Neither registry can read the other's supply, so both accept (every expected
/// line is present); the comparison of the two chains' statements shows it, and names the
/// custodian that submitted both.
#[test]
fn an_understated_line_for_another_chain_shows_across_chains() {
    let fx = fixture();
    let expected = used_domains(&fx.valid.statement);
    let (mut a, mut b) = (fx.world(site_a()), fx.world(site_b()));
    for w in [&mut a, &mut b] {
        assert_accepted(&w.set_domains(&expected), "the same domains on both chains");
        assert_accepted(&w.submit(&fx.valid), "one proof for both chains");
    }
    assert_eq!(a.view("latestStatement()"), b.view("latestStatement()"), "one statement");
    assert_eq!(discrepancies(&mut [&mut a, &mut b]), vec![]);

    let mut cheated = fx.world(site_a());
    assert_accepted(&cheated.set_domains(&expected), "chain A's domains");
    assert_accepted(&cheated.submit(&fx.understated), "chain B's line at one cent, on chain A");
    assert_eq!(cheated.view("latestStatement()")[1], statement_hash(&fx.understated.statement));
    assert_eq!(
        discrepancies(&mut [&mut cheated, &mut b]),
        vec![Discrepancy { in_chain: 1, for_chain: 8453, line: 1, own_line: fx.supply(site_b()) }]
    );
    // Attributable: the custodian is in both records, and a public input of both hashes.
    for w in [&mut cheated, &mut b] {
        assert_eq!(w.view("latestAttestation()")[5], addr_word(custodian()));
    }
}

// ------------------------------------------------------------------ what "covered" means

#[test]
fn covered_does_not_outlive_its_basis() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    let (owner, registry) = (w.site.owner, w.registry);
    assert_eq!(w.view("maxAttestationAgeDays()"), vec![word(7)]);
    assert_accepted(&w.submit(&fx.valid), "epoch 2");
    let submitted_at = w.view("latestRoundData()")[3];
    assert!(w.is_covered());
    assert_eq!(w.mintable(), HEADROOM_CENTS);

    // Age: the as-of date and 7 days after it, not the 8th.
    w.warp_days(7);
    assert!(w.is_covered(), "7 days after the as-of date");
    w.warp_days(1);
    assert!(!w.is_covered(), "8 days after the as-of date");
    assert_eq!(w.mintable(), 0);
    // The feed keeps answering, dated at the submission: its consumer judges the age.
    let round = w.view("latestRoundData()");
    assert_eq!((round[2], round[3]), (submitted_at, submitted_at));
    let set_age = call("setMaxAttestationAgeDays(uint16)", &[word(8)]);
    assert_reverts_with(&w.send(stranger(), registry, set_age.clone()), "NotOwner()", "a stranger sets the age");
    w.admin(set_age);
    assert!(w.is_covered(), "8 days allowed");

    // The ratio: a minimum raised above what was proved, even with half the supply burned (the
    // line times the ratio would cover the rest at the new minimum).
    let half = (fx.supply(site_a()) - HEADROOM_CENTS) / 2;
    w.burn_cents(half);
    w.admin(call("setMinRatioBps(uint32)", &[word(10_001)]));
    assert!(!w.is_covered(), "proved 100%, the minimum is now 100.01%");
    assert_eq!(w.mintable(), 0);
    w.admin(call("setMinRatioBps(uint32)", &[word(10_000)]));
    assert!(w.is_covered());
    w.mint_cents(half);

    // The custodian: unregistered since.
    w.admin(call("unregisterCustodian(address)", &[addr_word(custodian())]));
    assert!(!w.is_covered(), "the custodian was unregistered");
    assert_eq!(w.mintable(), 0);
    w.admin(call("registerCustodian(address)", &[addr_word(custodian())]));
    assert!(w.is_covered());

    // The minimum never goes below 100%: a token cannot be "covered" by a fraction of it.
    for bps in [0, 1, 9_999] {
        let outcome = w.send(owner, registry, call("setMinRatioBps(uint32)", &[word(bps)]));
        let args = assert_reverts_with(&outcome, "MinRatioBelowFloor(uint32,uint32)", &format!("{bps} bps"));
        assert_eq!(args, vec![word(bps), word(10_000)]);
    }
    assert_eq!(w.view("minRatioBps()"), vec![word(10_000)]);
    assert_eq!(w.view("MIN_RATIO_FLOOR_BPS()"), vec![word(10_000)]);
}

#[test]
fn covered_counts_the_proved_ratio() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    let line = fx.supply(site_a());
    let required = line - HEADROOM_CENTS;
    assert_accepted(&w.submit(&fx.over), "the table at 110%");
    // This chain's proven reserves: its line times the ratio, as the feed says.
    assert_eq!(as_u128(&w.view("latestRoundData()")[1]), line * u128::from(OVER_RATIO_BPS) * 100);
    let proven = line * u128::from(OVER_RATIO_BPS) / 10_000;
    assert_eq!(w.mintable(), proven - required);
    // Up to the proven reserves the supply is covered at 100%; one cent more is not.
    w.mint_cents(proven - required);
    assert!(w.is_covered());
    assert_eq!(w.mintable(), 0);
    w.mint_cents(1);
    assert!(!w.is_covered(), "a cent above the proven reserves");
    w.burn_cents(1 + proven - required);
    // At a minimum of 105% the same reserves cover less supply.
    w.admin(call("setMinRatioBps(uint32)", &[word(10_500)]));
    let at_minimum = line * u128::from(OVER_RATIO_BPS) / 10_500;
    assert_eq!(w.mintable(), at_minimum - required);
    w.mint_cents(at_minimum - required);
    assert!(w.is_covered());
    w.mint_cents(1);
    assert!(!w.is_covered(), "a cent above what the reserves cover at 105%");
}

#[test]
fn the_tokens_decimals_and_supply_are_read_live() {
    let fx = fixture();
    let mut w = fx.world(site_b());
    let required = fx.supply(site_b()) - HEADROOM_CENTS;
    let units = required * 10u128.pow(16);
    w.use_mutable_token(&fx.compiled, 18, units);
    assert_eq!(as_u128(&w.view("requiredCents()")[0]), required);
    assert_accepted(&w.submit(&fx.valid), "chain B");
    assert!(w.is_covered());
    // An upgrade to 6 decimals: the same base units are worth 10^12 times more, now.
    let (owner, token) = (w.site.owner, w.token);
    w.ok(owner, token, call("setDecimals(uint8)", &[word(6)]));
    assert_eq!(w.view("tokenDecimals()"), vec![word(6)]);
    assert_eq!(as_u128(&w.view("requiredCents()")[0]), required * 10u128.pow(12));
    assert!(!w.is_covered());
    assert_eq!(w.mintable(), 0);
    // Decimals the registry cannot value, or a reverting totalSupply(): isCovered() reverts
    // (fails closed; a consumer treats a revert as not covered), submit refuses, the feed answers.
    w.ok(owner, token, call("setDecimals(uint8)", &[word(37)]));
    assert_reverts_with(&w.try_view("isCovered()"), "UnsupportedDecimals(uint8)", "37 decimals");
    assert_reverts_with(&w.submit(&fx.over), "UnsupportedDecimals(uint8)", "submit at 37 decimals");
    w.ok(owner, token, call("setDecimals(uint8)", &[word(18)]));
    assert!(w.is_covered());
    w.ok(owner, token, call("setBroken(bool)", &[word(1)]));
    assert!(!w.try_view("isCovered()").is_success(), "totalSupply() reverts");
    assert!(!w.submit(&fx.over).is_success());
    assert!(w.try_view("latestRoundData()").is_success());
    w.ok(owner, token, call("setBroken(bool)", &[word(0)]));
    assert_accepted(&w.submit(&fx.over), "the token answers again");
}

#[test]
fn the_largest_chain_id_keeps_domains_below_book_entries() {
    // revm's chain id is a u64, so 2^64 (refused by the constructor and domain()) cannot be
    // produced here; 2^64 - 1, the largest accepted, gives a domain below 2^224.
    let fx = fixture();
    let site = Site { chain_id: u64::MAX, ..site_a() };
    let mut w = World::deploy(&fx.compiled, site, 0, 0);
    let domain = w.view("domain()")[0];
    assert_eq!(domain, fr_to_be_bytes(&domain_tag(u64::MAX, w.registry.into_array())));
    assert!(domain < fr_to_be_bytes(&book_entry_domain(0)), "below every book-entry domain");
}

// ------------------------------------------------------------------ the registry's other checks

#[test]
fn registry_rejects_tampered_proof_and_inputs() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    let a = &fx.valid;
    let mut flipped = a.clone();
    flipped.proof[a.proof.len() / 3] ^= 0x80;
    assert_reverts_with(&w.submit(&flipped), "InvalidProof()", "flipped proof byte");

    // Every word of the statement the custodian sends, changed by one: refused, whichever
    // check sees it first (most reach the verifier).
    let statement_words = AttestationStatement::COUNT - 1;
    let data = encode_submit(&a.statement, &a.proof);
    // The statement, the proof's offset and length, the proof: every public input but the
    // custodian is a word of the calldata.
    assert_eq!(data.len(), 4 + 32 * (statement_words + 2) + 32 * a.proof.len().div_ceil(32));
    let mut reached_verifier = 0;
    for i in 0..statement_words {
        let mut value: [u8; 32] = data[4 + 32 * i..4 + 32 * (i + 1)].try_into().unwrap();
        value[31] ^= 1;
        let outcome = w.submit_with_word(a, i, value);
        assert!(!outcome.is_success(), "statement word {i} changed: accepted");
        reached_verifier += (outcome.output() == selector("InvalidProof()").as_slice()) as usize;
    }
    eprintln!("{statement_words} statement words changed: all refused, {reached_verifier} by the verifier");
    for (case, changed) in [
        ("root", a.with(|s| s.root += Fr::from(1))),
        ("epoch", a.with(|s| s.epoch += 1)),
        ("ratio", a.with(|s| s.ratio_bps += 1)),
        ("chain B's line", a.with(|s| s.deployments[SLOT_B].supply_cents -= 1)),
        ("the book-entry line", a.with(|s| s.deployments[SLOT_BOOK].supply_cents += 1)),
        ("an unused line", a.with(|s| s.deployments[7].supply_cents = 1)),
        ("chain A's line", a.with(|s| s.deployments[SLOT_A].supply_cents -= 1)),
    ] {
        assert_reverts_with(&w.submit(&changed), "InvalidProof()", case);
    }

    // The verifier reduces instance words modulo the scalar field; the registry must refuse
    // non-canonical words that would otherwise pass as the same statement.
    let r = hex::decode("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").unwrap();
    let root_plus_r = add_be(&fr_to_be_bytes(&a.statement.root), &r);
    assert_reverts_with(&w.submit_with_word(a, 0, root_plus_r), "RootOutOfField(uint256)", "root + r");
    let book = 4 + 30 + 2 * SLOT_BOOK;
    let domain_plus_r = add_be(&fr_to_be_bytes(&a.statement.deployments[SLOT_BOOK].domain), &r);
    let args = assert_reverts_with(
        &w.submit_with_word(a, book, domain_plus_r),
        "DomainOutOfField(uint256,uint256)",
        "domain + r",
    );
    assert_eq!(as_u128(&args[0]), SLOT_BOOK as u128);
    let mut two_96 = [0u8; 32];
    two_96[32 - 13] = 1;
    let args =
        assert_reverts_with(&w.submit_with_word(a, book + 1, two_96), "SupplyTooLarge(uint256,uint256)", "supply 2^96");
    assert_eq!(args[1], two_96);

    // Nothing above was stored, and the untouched attestation still goes through.
    w.assert_empty("after the refusals");
    assert_accepted(&w.submit(a), "the untouched attestation");
}

fn add_be(a: &[u8; 32], b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = a[i] as u16 + b[i] as u16 + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    assert_eq!(carry, 0);
    out
}

/// Words of the submit calldata that the registry decodes as uint16/uint32/uint64/bool are
/// refused by the ABI decoder when their high bits are set, never reduced to another public input.
#[test]
fn narrow_words_with_high_bits_are_refused() {
    let fx = fixture();
    let a = &fx.valid;
    let mut w = fx.world(site_a());
    let plus = |v: u128, bits: u32| word(v + (1u128 << bits));
    let policy = 4;
    for (case, index, value) in [
        ("epoch + 2^64", 1, plus(a.statement.epoch.into(), 64)),
        ("as-of date + 2^16", 2, plus(fx.as_of_days.into(), 16)),
        ("ratio + 2^32", 3, plus(a.statement.ratio_bps.into(), 32)),
        ("eligibility flag 2", policy, word(2)),
        ("max maturity + 2^16", policy + 1, plus(a.statement.policy.max_maturity_days.into(), 16)),
        ("haircut bps + 2^16", policy + 2 + 12, plus(a.statement.policy.buckets[0].1.into(), 16)),
        ("WAM flag 2", policy + 26, word(2)),
        ("weekly flag 2", policy + 28, word(2)),
    ] {
        let outcome = w.submit_with_word(a, index, value);
        assert!(!outcome.is_success() && outcome.output().is_empty(), "{case}: not a bare revert");
    }
    w.assert_empty("after the refusals");
    assert_accepted(&w.submit(a), "the statement as proved");
}

#[test]
fn registry_rejects_replayed_and_older_epochs() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    assert_accepted(&w.submit(&fx.valid), "epoch 2");
    assert_reverts_with(&w.submit(&fx.valid), "StaleEpoch(uint64,uint64)", "replay");
    let args = assert_reverts_with(&w.submit(&fx.older), "StaleEpoch(uint64,uint64)", "older epoch");
    assert_eq!(args, vec![word(2), word(1)]);
    assert_eq!(as_u128(&w.view("latestAttestation()")[1]), 2);
}

#[test]
fn older_epoch_is_valid_on_its_own() {
    // The stale-epoch refusal above is about order, not about a bad proof.
    let fx = fixture();
    let mut w = fx.world(site_a());
    assert_accepted(&w.submit(&fx.older), "epoch 1");
    assert_accepted(&w.submit(&fx.valid), "epoch 2 after 1, the same as-of date");
}

#[test]
fn registry_enforces_supply_and_ratio() {
    let fx = fixture();
    let mut w = fx.world(site_b());
    let a = &fx.valid;
    w.mint_cents(HEADROOM_CENTS + 1);
    assert_reverts_with(&w.submit(a), "SlotBelowSupply(uint256,uint256)", "supply above the line");
    w.burn_cents(HEADROOM_CENTS + 1);

    w.admin(call("setMinRatioBps(uint32)", &[word(10_001)]));
    let args = assert_reverts_with(&w.submit(a), "RatioBelowMinimum(uint32,uint32)", "ratio under minimum");
    assert_eq!(args, vec![word(10_001), word(10_000)]);
    w.admin(call("setMinRatioBps(uint32)", &[word(10_000)]));

    // The NAV values the supply: at $1.00000001 the same supply is worth more, rounded up.
    w.admin(call("setNav(uint256)", &[word(100_000_001)]));
    let required = as_u128(&w.view("requiredCents()")[0]);
    let supply = fx.supply(site_b()) - HEADROOM_CENTS;
    assert_eq!(required, (supply * 100_000_001).div_ceil(100_000_000), "rounded up");
    assert!(required > supply);
    w.admin(call("setNav(uint256)", &[word(100_000_000)]));
    assert_accepted(&w.submit(a), "within the line, at the minimum ratio");
}

#[test]
fn registry_rejects_a_changed_policy() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    let a = &fx.valid;
    let cases = [
        ("a haircut", a.with(|s| s.policy.buckets[0].1 += 1)),
        ("the WAM bound", a.with(|s| s.policy.max_wam_days -= 1)),
        ("the eligibility", a.with(|s| s.policy.eligible = Eligibility::AnyCusip)),
        ("the as-of date", a.with(|s| s.as_of_days -= 1)),
    ];
    for (case, changed) in &cases {
        assert_reverts_with(&w.submit(changed), "InvalidProof()", case);
    }
    let bad = a.with(|s| s.policy.buckets[3].0 = 1);
    assert_reverts_with(&w.submit(&bad), "MalformedPolicy(string)", "decreasing max days");
    assert_eq!(revert_string(&w.submit(&bad)), "haircut max days decrease");
    assert_accepted(&w.submit(a), "the policy proved");
}

#[test]
fn registry_checks_the_as_of_date() {
    let fx = fixture();
    let a = &fx.valid;
    let mut w = fx.world_at(site_a(), -1);
    assert_reverts_with(&w.submit(a), "AsOfInFuture(uint16,uint256)", "as-of tomorrow");
    let mut w = fx.world_at(site_a(), 4);
    assert_reverts_with(&w.submit(a), "AsOfTooOld(uint16,uint256,uint16)", "4 days old");
    w.admin(call("setMaxAsOfAgeDays(uint16)", &[word(4)]));
    assert_accepted(&w.submit(a), "4 days old, 4 allowed");
    let mut w = fx.world_at(site_a(), 3);
    assert_accepted(&w.submit(a), "3 days old by default");
    // The as-of date never goes back: a bill matured since would count again.
    let mut w = fx.world(site_a());
    assert_accepted(&w.submit(a), "as of today");
    let args = assert_reverts_with(&w.submit(&fx.earlier), "AsOfBeforeLast(uint16,uint16)", "an earlier as-of date");
    assert_eq!(args, vec![word(fx.as_of_days.into()), word((fx.as_of_days - 1).into())]);
    assert_accepted(&w.submit(&fx.far), "the same as-of date");
    // The earlier proof is valid on its own.
    let mut w = fx.world(site_a());
    assert_accepted(&w.submit(&fx.earlier), "as of yesterday");
}

#[test]
fn minimum_policy_is_the_owners_to_set() {
    let fx = fixture();
    let a = &fx.valid;
    let mut w = fx.world(site_a());
    let registry = w.registry;
    let sec = preset("sec-15c3-1");
    let set = encode_set_minimum_policy(&sec.instance());
    assert_reverts_with(&w.send(stranger(), registry, set), "NotOwner()", "a stranger sets the minimum");
    let mut malformed = sec.instance();
    malformed.buckets[2].1 = 10_001;
    let owner = w.site.owner;
    let outcome = w.send(owner, registry, encode_set_minimum_policy(&malformed));
    assert_reverts_with(&outcome, "MalformedPolicy(string)", "bps above 10000");

    w.set_minimum_policy(&preset("basel").instance());
    let outcome = w.submit(a);
    assert_reverts_with(&outcome, "PolicyBelowMinimum(string)", "basel");
    assert_eq!(revert_string(&outcome), "haircut", "0 bps under 91 days against Basel's 50");
    // money-fund-sec keeps the SEC haircuts within its 397 days: at least as strict.
    w.set_minimum_policy(&sec.instance());
    assert_eq!(w.view("hasMinimumPolicy()"), vec![word(1)]);
    // An any-cusip policy counts what a US-Treasury minimum refuses, whatever its haircuts.
    let any = a.with(|s| s.policy.eligible = Eligibility::AnyCusip);
    let outcome = w.submit(&any);
    assert_reverts_with(&outcome, "PolicyBelowMinimum(string)", "any-cusip under a us-treasury minimum");
    assert_eq!(revert_string(&outcome), "eligibility");
    assert_accepted(&w.submit(a), "money-fund-sec under the SEC minimum");
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(1)]);
    // Tightening the minimum afterwards: the stored attestation no longer meets it.
    w.set_minimum_policy(&preset("basel").instance());
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(0)]);
    w.admin(call("clearMinimumPolicy()", &[]));
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(1)], "any policy, once the minimum is lifted");
    assert_eq!(w.view("hasMinimumPolicy()"), vec![word(0)]);
    assert_eq!(w.view("minimumPolicy()"), vec![word(0); 30], "the minimum is deleted");

    // Each money-fund rule, one step stricter than money-fund-sec, in the minimum.
    let mut w = fx.world(site_a());
    let two_a_seven = preset("rule-2a-7");
    let tighter = |f: &dyn Fn(&mut Policy)| {
        let mut p = two_a_seven.clone();
        f(&mut p);
        p.instance()
    };
    let cases: [(&str, PolicyInstance); 4] = [
        ("maturity", tighter(&|p| p.max_maturity_days = Some(396))),
        ("weighted average maturity", tighter(&|p| p.max_wam_days = Some(59))),
        ("weekly liquidity", tighter(&|p| p.min_weekly_liquid_bps = Some(5_001))),
        (
            "haircut",
            tighter(&|p| {
                p.haircuts =
                    vec![HaircutBucket { max_days: Some(91), bps: 1 }, HaircutBucket { max_days: None, bps: 0 }]
            }),
        ),
    ];
    for (rule, minimum) in &cases {
        w.set_minimum_policy(minimum);
        let outcome = w.submit(a);
        assert_reverts_with(&outcome, "PolicyBelowMinimum(string)", rule);
        assert_eq!(&revert_string(&outcome), rule);
    }
    let mut decreasing = two_a_seven.instance();
    decreasing.buckets[0].0 = 200;
    decreasing.buckets[1].0 = 100;
    let (_, out) = w.ok(stranger(), registry, encode_policy_call("policyShortfall", &decreasing));
    assert_eq!(abi_string(&out), "malformed: haircut max days decrease");
    // An any-cusip minimum admits a us-treasury policy.
    w.set_minimum_policy(&tighter(&|p| p.eligible = Eligibility::AnyCusip));
    w.assert_empty("after the refusals");
    assert_accepted(&w.submit(a), "money-fund-sec under an any-cusip 2a-7");
}

fn encode_policy_call(function: &str, policy: &PolicyInstance) -> Vec<u8> {
    call(&format!("{function}({POLICY_TUPLE})"), &policy_words(policy))
}

/// The registry's "at least as strict" against a brute-force reading of the policy rules, on
/// random schedules over a few day values (so that buckets share bounds and edges).
mod shortfall {
    use super::*;
    use bondproof_circuits::policy::HAIRCUT_SLOTS;

    /// Day values a generated policy uses; every bound is one of them, so comparing the policies
    /// on 0..=DAYS_CHECKED and at 65535 covers every interval where either changes.
    const DAYS: [u64; 9] = [0, 6, 7, 8, 91, 92, 365, 397, 65_535];
    const DAYS_CHECKED: u64 = 400;

    /// The haircut `p` applies at `d` remaining days, or `None` if `p` cannot count such a position.
    fn haircut_at(p: &PolicyInstance, d: u64) -> Option<u64> {
        if d > p.max_maturity_days {
            return None;
        }
        p.buckets.iter().find(|&&(max, _)| max >= d).map(|&(_, bps)| bps)
    }

    fn reference(p: &PolicyInstance, m: &PolicyInstance) -> &'static str {
        if m.eligible == Eligibility::UsTreasury && p.eligible == Eligibility::AnyCusip {
            return "eligibility";
        }
        let days = (0..=DAYS_CHECKED).chain([65_535]);
        if days.clone().any(|d| haircut_at(p, d).is_some() && haircut_at(m, d).is_none()) {
            return "maturity";
        }
        if days.into_iter().any(|d| matches!((haircut_at(p, d), haircut_at(m, d)), (Some(x), Some(y)) if x < y)) {
            return "haircut";
        }
        if m.wam_enabled && (!p.wam_enabled || p.max_wam_days > m.max_wam_days) {
            return "weighted average maturity";
        }
        if m.weekly_enabled && (!p.weekly_enabled || p.min_weekly_liquid_bps < m.min_weekly_liquid_bps) {
            return "weekly liquidity";
        }
        ""
    }

    fn policy() -> impl Strategy<Value = PolicyInstance> {
        (
            (any::<bool>(), 0..DAYS.len()),
            proptest::collection::vec((0..DAYS.len(), 0u64..4), HAIRCUT_SLOTS),
            (any::<bool>(), 0u64..3, any::<bool>(), 0u64..3),
        )
            .prop_map(|((treasury, max), mut slots, (wam, wam_days, weekly, weekly_bps))| {
                slots.sort();
                PolicyInstance {
                    eligible: if treasury { Eligibility::UsTreasury } else { Eligibility::AnyCusip },
                    max_maturity_days: DAYS[max],
                    buckets: std::array::from_fn(|j| (DAYS[slots[j].0], 50 * slots[j].1)),
                    wam_enabled: wam,
                    max_wam_days: if wam { 59 + wam_days } else { 0 },
                    weekly_enabled: weekly,
                    min_weekly_liquid_bps: if weekly { 4_999 + weekly_bps } else { 0 },
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn policy_shortfall_matches_the_rules((p, m) in (policy(), policy())) {
            thread_local!(static WORLD: std::cell::RefCell<World> = std::cell::RefCell::new(fixture().world(site_a())));
            WORLD.with(|w| {
                let mut w = w.borrow_mut();
                let registry = w.registry;
                w.set_minimum_policy(&m);
                let (_, out) = w.ok(stranger(), registry, encode_policy_call("policyShortfall", &p));
                let got = abi_string(&out);
                prop_assert_eq!(got, reference(&p, &m), "policy {:?}\nminimum {:?}", p, m);
                Ok(())
            })?;
        }
    }
}

/// The on-chain figures for the benchmark report. With `BONDPROOF_RECORD_GAS=1` they are written
/// to `benches/evm-gas.json`, which `bondproof bench --report benches` (or `--render`) puts into
/// REPORT.md; otherwise the test only checks them, leaving the checkout untouched.
#[test]
fn gas_is_recorded_for_the_bench_report() {
    let fx = fixture();
    let mut w = fx.world(site_a());
    let a = &fx.valid;
    // As deployed in production: the token's deployment domains set, so submit checks them.
    let expected = used_domains(&a.statement);
    assert_accepted(&w.set_domains(&expected), "the table's domains");
    let calldata = encode_verifier_calldata(&a.statement.to_instances(), &a.proof);
    let intrinsic = intrinsic_gas(&calldata);
    let verifier = w.verifier;
    let (bare, _) = w.ok(stranger(), verifier, calldata.clone());
    let submit = assert_accepted(&w.submit(a), "epoch 2");
    let submit_next = assert_accepted(&w.submit(&fx.far), "the next epoch");
    assert!(bare < submit, "submit includes the verification");
    let bound = fx.profile.eip1108_gas();
    let used_lines = a.statement.deployments.iter().filter(|d| d.domain != Fr::from(0)).count();
    let record = serde_json::json!({
        "circuit": CircuitKind::Attestation.name(),
        "policy": "money-fund-sec",
        "depth": fx.depth,
        "k": fx.k,
        "public_inputs": AttestationStatement::COUNT,
        "deployment_lines_used": used_lines,
        "expected_deployment_domains": expected.len(),
        "verifier_contracts": fx.compiled.verifier.contracts.len(),
        "verifier_runtime_bytes": fx.compiled.verifier.runtime_sizes(),
        "registry_runtime_bytes": fx.compiled.registry_runtime.len(),
        "bare_verify_gas": bare,
        "bare_verify_execution_gas": bare - intrinsic,
        "submit_gas": submit,
        "submit_gas_next_epoch": submit_next,
        "proof_bytes": a.proof.len(),
        "verifier_calldata_bytes": calldata.len(),
        "submit_calldata_bytes": encode_submit(&a.statement, &a.proof).len(),
        "eip1108_bound_gas": bound,
        "ec_mul": fx.profile.ec_mul,
        "ec_add": fx.profile.ec_add,
        "pairing_pairs": fx.profile.pairing_pairs,
        "execution_over_bound": (bare - intrinsic) as f64 / bound as f64,
    });
    eprintln!("{}", serde_json::to_string_pretty(&record).unwrap());
    if std::env::var_os("BONDPROOF_RECORD_GAS").is_none() {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/evm-gas.json");
    // The compression figures (`compression_k<k>`) are another test's entries in the same file: kept.
    let mut record = record;
    if let Some(kept) = read_gas_record().as_object() {
        for (name, value) in kept.iter().filter(|(name, _)| name.starts_with("compression")) {
            record[name] = value.clone();
        }
    }
    bondproof_verifier::atomic::write_json(&path, &record).expect("write benches/evm-gas.json");
}

fn read_gas_record() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/evm-gas.json");
    std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_else(|| serde_json::json!({}))
}

/// Sets one entry of `benches/evm-gas.json`, keeping the rest.
fn record_gas(entry: &str, value: serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/evm-gas.json");
    let mut record = read_gas_record();
    record[entry] = value;
    bondproof_verifier::atomic::write_json(&path, &record).expect("write benches/evm-gas.json");
}
