//! On-chain verification in an in-process EVM (revm): the generated verifier, the registry and a
//! test ERC-20 are compiled with the pinned solc-js at test time, deployed, and fed real proofs.
//!
//! Needs `npm ci --prefix verifier` first (README's test command runs it); without the npm
//! packages these tests fail rather than skip, so a CI that forgot the step cannot pass quietly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use bondproof_circuits::public_inputs::{domain_tag, fr_to_be_bytes};
use bondproof_circuits::{Fr, SolvencyPublicInputs};
use bondproof_prover::attestation::{prove_attestation, ProveRequest};
use bondproof_prover::commitment::commit;
use bondproof_prover::holdings::{aggregate_by_cusip, load_holdings};
use bondproof_prover::keys::{circuit_keys, params_for, setup_insecure, write_params, CircuitKind, ParamsInfo};
use bondproof_circuits::policy::{HaircutBucket, Policy, PolicyPublicInputs};
use bondproof_prover::commitment::days_since_epoch;
use bondproof_prover::policy_prove::load_policy;
use bondproof_verifier::solidity::{
    encode_call, encode_set_minimum_policy, encode_submit, encode_submit_with_policy, encode_verifier_calldata,
    estimate_runtime_bytes, fit_eip170, generated_verifier, policy_id, policy_words, selector, verifier_contracts,
    verifier_solidity, word_u128 as word, PrecompileProfile, MAX_RUNTIME_BYTES,
};
use proptest::prelude::*;
use bondproof_verifier::ProofBundle;
use revm::context::result::{ExecutionResult, Output};
use revm::context::TxEnv;
use revm::database::InMemoryDB;
use revm::handler::MainnetContext;
use revm::primitives::{Address, Bytes, TxKind};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext, MainnetEvm};

const CHAIN_ID: u64 = 31337;
const TIMESTAMP: u64 = 1_750_000_000;
const DEPTH: usize = 5;
const TOKEN_DECIMALS: u8 = 6;
/// Supply is minted so that this many cents of headroom remain under the proven liabilities.
const HEADROOM_CENTS: u128 = 12_345;
/// Token units (6 decimals) per cent at a NAV of $1.00.
const UNITS_PER_CENT: u128 = 10_000;

fn deployer() -> Address {
    Address::repeat_byte(0xd0)
}
fn custodian() -> Address {
    Address::repeat_byte(0xc0)
}
fn stranger() -> Address {
    Address::repeat_byte(0xee)
}

// ------------------------------------------------------------------ compiling

struct Compiled {
    verifier: VerifierCode,
    registry_creation: Vec<u8>,
    token_creation: Vec<u8>,
}

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

fn verifier_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../verifier")
}

/// Compiles the contracts with `verifier/scripts/compile.js` (solc-js 0.8.19): the verifier
/// without the optimizer, the registry and the token with it.
fn compile(verifier_sol: &str) -> Compiled {
    // The registry and the token are the same for every verifier: compiled once per process.
    static OTHERS: OnceLock<serde_json::Value> = OnceLock::new();
    let others = OTHERS.get_or_init(|| solc(None));
    let verifier = solc(Some(verifier_sol));
    let find = |file: &str, contract: &str, kind: &str| {
        let output = if file == "Verifier.sol" { &verifier } else { others };
        output["contracts"][file][contract]["evm"][kind]["object"].as_str().map(|h| hex::decode(h).unwrap())
    };
    let code = |file: &str, contract: &str, kind: &str| {
        find(file, contract, kind).unwrap_or_else(|| panic!("no {kind} for {file}:{contract}"))
    };
    let contracts = verifier_contracts(verifier_sol)
        .into_iter()
        .map(|name| CompiledContract {
            creation: code("Verifier.sol", &name, "bytecode"),
            runtime: code("Verifier.sol", &name, "deployedBytecode"),
            name,
        })
        .collect();
    Compiled {
        verifier: VerifierCode { contracts },
        registry_creation: code("ReserveRegistry.sol", "ReserveRegistry", "bytecode"),
        token_creation: code("TestToken.sol", "TestToken", "bytecode"),
    }
}

/// The standard-JSON output of compiling the verifier (`Some`, optimizer off, as
/// `export-solidity` documents), or else the registry, its interface and the test token
/// (optimizer on).
fn solc(verifier_sol: Option<&str>) -> serde_json::Value {
    let dir = verifier_dir();
    assert!(
        dir.join("node_modules/solc/package.json").exists(),
        "{} is missing: run `npm ci --prefix verifier` before `cargo test` (README's test command does)",
        dir.join("node_modules/solc").display()
    );
    let read = |name: &str| std::fs::read_to_string(dir.join("contracts").join(name)).expect("contract source");
    let mut sources = serde_json::json!({});
    match verifier_sol {
        Some(sol) => sources["Verifier.sol"] = serde_json::json!({"content": sol}),
        None => {
            for name in ["ReserveRegistry.sol", "AggregatorV3Interface.sol", "TestToken.sol"] {
                sources[name] = serde_json::json!({"content": read(name)});
            }
        }
    }
    let input = serde_json::json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "outputSelection": {"*": {"*": ["evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    });
    let mut child = Command::new("node")
        .arg(dir.join("scripts/compile.js"))
        .args(verifier_sol.is_none().then_some("--optimize"))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): Node.js is needed to compile the contracts"));
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "solc-js failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("solc output is JSON")
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

// ------------------------------------------------------------------ the chain

type Evm = MainnetEvm<MainnetContext<InMemoryDB>>;

enum Outcome {
    Success { gas: u64, output: Vec<u8> },
    Revert { output: Vec<u8> },
}

impl Outcome {
    fn output(&self) -> &[u8] {
        match self {
            Outcome::Success { output, .. } | Outcome::Revert { output } => output,
        }
    }
}

struct World {
    evm: Evm,
    token: Address,
    verifier: Address,
    registry: Address,
}

fn new_evm(chain_id: u64) -> Evm {
    Context::mainnet()
        .with_db(InMemoryDB::default())
        .modify_cfg_chained(|cfg| {
            cfg.chain_id = chain_id;
            // Senders are bare addresses; gas is free (price 0), so only nonces would get in the way.
            cfg.disable_nonce_check = true;
        })
        .modify_block_chained(|block| block.timestamp = revm::primitives::U256::from(TIMESTAMP))
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

fn deploy(evm: &mut Evm, creation: &[u8], args: &[u8]) -> Address {
    let mut code = creation.to_vec();
    code.extend_from_slice(args);
    match transact(evm, deployer(), TxKind::Create, code) {
        ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => address,
        other => panic!("deployment failed: {other:?}"),
    }
}

/// Deploys a verifier as `export-solidity` says: its parts, then `Halo2Verifier` with their
/// addresses.
fn deploy_verifier(evm: &mut Evm, v: &VerifierCode) -> Address {
    let (head, parts) = v.contracts.split_last().expect("Halo2Verifier");
    assert_eq!(head.name, "Halo2Verifier");
    let mut args = Vec::new();
    for part in parts {
        args.extend_from_slice(&addr_word(deploy(evm, &part.creation, &[])));
    }
    deploy(evm, &head.creation, &args)
}

impl World {
    /// Token, verifier and registry, configured, with a custodian and a supply of
    /// `supply_cents`. Deterministic: the same order from the same deployer gives the same
    /// addresses in every world.
    fn deploy(c: &Compiled, supply_cents: u128) -> Self {
        Self::deploy_on(c, supply_cents, CHAIN_ID)
    }

    fn deploy_on(c: &Compiled, supply_cents: u128, chain_id: u64) -> Self {
        Self::deploy_with(c, supply_cents, chain_id, "setVerifier(address)", TIMESTAMP)
    }

    /// As `deploy_on`, with the verifier installed by `verifier_setter` and the chain's clock at
    /// `timestamp`.
    fn deploy_with(c: &Compiled, supply_cents: u128, chain_id: u64, verifier_setter: &str, timestamp: u64) -> Self {
        let mut evm = new_evm(chain_id);
        evm.ctx.block.timestamp = revm::primitives::U256::from(timestamp);
        let token = deploy(&mut evm, &c.token_creation, &token_constructor_args("Test Treasury Fund", "TTF", TOKEN_DECIMALS));
        let verifier = deploy_verifier(&mut evm, &c.verifier);
        let registry = deploy(&mut evm, &c.registry_creation, &[]);
        let mut w = World { evm, token, verifier, registry };
        w.ok(deployer(), registry, call(verifier_setter, &[addr_word(verifier)]));
        w.ok(deployer(), registry, call("setToken(address)", &[addr_word(token)]));
        w.ok(deployer(), registry, call("registerCustodian(address)", &[addr_word(custodian())]));
        w.mint_cents(supply_cents);
        w
    }

    fn send(&mut self, from: Address, to: Address, data: Vec<u8>) -> Outcome {
        match transact(&mut self.evm, from, TxKind::Call(to), data) {
            ExecutionResult::Success { gas_used, output, .. } => Outcome::Success { gas: gas_used, output: output.into_data().to_vec() },
            ExecutionResult::Revert { output, .. } => Outcome::Revert { output: output.to_vec() },
            ExecutionResult::Halt { reason, .. } => panic!("the call halted: {reason:?}"),
        }
    }

    /// Sends a call that must succeed; returns its gas and output.
    fn ok(&mut self, from: Address, to: Address, data: Vec<u8>) -> (u64, Vec<u8>) {
        match self.send(from, to, data) {
            Outcome::Success { gas, output } => (gas, output),
            Outcome::Revert { output } => panic!("unexpected revert 0x{}", hex::encode(output)),
        }
    }

    fn view(&mut self, signature: &str) -> Vec<[u8; 32]> {
        let registry = self.registry;
        words(&self.ok(stranger(), registry, call(signature, &[])).1)
    }

    fn mint_cents(&mut self, cents: u128) {
        let token = self.token;
        self.ok(deployer(), token, call("mint(address,uint256)", &[addr_word(deployer()), word(cents * UNITS_PER_CENT)]));
    }

    fn burn_cents(&mut self, cents: u128) {
        let token = self.token;
        self.ok(deployer(), token, call("burn(uint256)", &[word(cents * UNITS_PER_CENT)]));
    }

    fn submit(&mut self, from: Address, inputs: &SolvencyPublicInputs, proof: &[u8]) -> Outcome {
        let registry = self.registry;
        self.send(from, registry, encode_submit(inputs, proof))
    }
}

/// The gas a transaction pays before executing: 21,000 plus its calldata (EIP-2028).
fn intrinsic_gas(calldata: &[u8]) -> u64 {
    let zeros = calldata.iter().filter(|&&b| b == 0).count() as u64;
    21_000 + 4 * zeros + 16 * (calldata.len() as u64 - zeros)
}

/// Asserts that `outcome` reverted with the custom error whose signature is given.
#[track_caller]
fn assert_reverts_with(outcome: &Outcome, error_signature: &str, case: &str) {
    match outcome {
        Outcome::Success { .. } => panic!("{case}: accepted, expected {error_signature}"),
        Outcome::Revert { output } => assert!(
            output.len() >= 4 && output[..4] == selector(error_signature),
            "{case}: reverted with 0x{}, expected {error_signature}",
            hex::encode(output)
        ),
    }
}

// ------------------------------------------------------------------ fixture

struct Attestation {
    inputs: SolvencyPublicInputs,
    proof: Vec<u8>,
}

impl Attestation {
    fn from_bundle(b: &ProofBundle) -> Self {
        Self { inputs: b.public_inputs.to_inputs().unwrap(), proof: b.proof_bytes().unwrap() }
    }
}

struct Fixture {
    compiled: Compiled,
    /// The generator's single-contract output, before any split.
    generated: String,
    profile: PrecompileProfile,
    columns: String,
    registry: Address,
    liabilities: u128,
    /// Epoch 2, for this test chain's registry.
    valid: Attestation,
    /// Epoch 1, for the same registry.
    older: Attestation,
    /// Epoch 2, for the same registry address on another chain.
    other_chain: Attestation,
    /// Epoch 2, for another registry address on this chain.
    other_registry: Attestation,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let holdings_path = root.join("fixtures/holdings.csv");
    let liabilities_path = root.join("fixtures/liabilities.json");
    // Fixed, so the fixture's bills never count as matured.
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let positions = load_holdings(&holdings_path, as_of).unwrap();
    let holdings = aggregate_by_cusip(&positions, &holdings_path).unwrap();
    let commitment = |epoch: u64| {
        let path = tmp.path().join(format!("commitment-{epoch}.json"));
        commit(&holdings, epoch, as_of, Some(DEPTH), &holdings_path).unwrap().0.write(&path).unwrap();
        path
    };
    let (c1, c2) = (commitment(1), commitment(2));

    let k = bondproof_circuits::SolvencyCircuit::min_k(DEPTH);
    let params = setup_insecure(k);
    let params_path = tmp.path().join("params.bin");
    write_params(&params, &params_path, &ParamsInfo { k, insecure: true, source: "test".into() }).unwrap();
    // Keys first: the verifier, hence the deployment, must exist before the domain is known.
    let keys = circuit_keys(CircuitKind::Solvency, Some(&params_path), &params, DEPTH).unwrap();
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
    let registry = World::deploy(&compiled, 0).registry;

    let prove = |commitment: &Path, name: &str, chain_id: u64, registry: Address| {
        let out = tmp.path().join(format!("{name}.json"));
        let req = ProveRequest {
            commitment,
            liabilities: &liabilities_path,
            params: &params_path,
            out: &out,
            ratio_bps: Some(10_000),
            domain: Some((chain_id, registry.into_array())),
            custodian: None,
            policy: None,
        };
        let outcome = prove_attestation(&req, &|_| {}).unwrap_or_else(|e| panic!("proving {name}: {e}"));
        Attestation::from_bundle(&outcome.bundle)
    };
    let mut elsewhere = registry.into_array();
    elsewhere[19] ^= 1;
    let valid = prove(&c2, "valid", CHAIN_ID, registry);
    let older = prove(&c1, "older", CHAIN_ID, registry);
    let other_chain = prove(&c2, "other-chain", CHAIN_ID + 1, registry);
    let other_registry = prove(&c2, "other-registry", CHAIN_ID, Address::from(elsewhere));
    assert_eq!(valid.inputs.epoch, 2);
    assert_eq!(older.inputs.epoch, 1);
    Fixture {
        compiled,
        generated,
        profile,
        columns,
        registry,
        liabilities: valid.inputs.liabilities,
        valid,
        older,
        other_chain,
        other_registry,
    }
}

impl Fixture {
    /// A world whose supply leaves `HEADROOM_CENTS` under the proven liabilities.
    fn world(&self) -> World {
        let w = World::deploy(&self.compiled, self.liabilities - HEADROOM_CENTS);
        assert_eq!(w.registry, self.registry, "deployment is deterministic");
        w
    }
}

// ------------------------------------------------------------------ tests

#[test]
fn verifier_fits_the_contract_size_limit() {
    let fx = fixture();
    let calldata = encode_verifier_calldata(&fx.valid.inputs.to_instances(), &fx.valid.proof);
    check_verifier_size(&fx.generated, &fx.compiled.verifier, calldata, || fx.world());
}

/// Each contract of a verifier is under EIP-170, and it is split only when the generated one
/// is not; prints what the split costs against the whole verifier on a chain without the limit.
fn check_verifier_size(generated: &str, code: &VerifierCode, calldata: Vec<u8>, world: impl Fn() -> World) {
    let sizes = code.runtime_sizes();
    let output = solc(Some(generated));
    let object = |kind: &str| {
        hex::decode(output["contracts"]["Verifier.sol"]["Halo2Verifier"]["evm"][kind]["object"].as_str().unwrap()).unwrap()
    };
    let whole = object("deployedBytecode").len();
    eprintln!(
        "verifier runtime bytecode: generated as one contract {whole} bytes (estimated {}); deployed as {} \
         bytes; EIP-170 limit {MAX_RUNTIME_BYTES}",
        estimate_runtime_bytes(generated),
        code.contracts.iter().map(|c| format!("{} {}", c.name, c.runtime.len())).collect::<Vec<_>>().join(" + "),
    );
    for c in &code.contracts {
        assert!(c.runtime.len() <= MAX_RUNTIME_BYTES, "{} runtime {} bytes", c.name, c.runtime.len());
    }
    // The split is there only when needed: a whole verifier that fits is deployed as it is.
    assert_eq!(sizes.len() > 1, whole > MAX_RUNTIME_BYTES, "split decision against the real size {whole}");

    if sizes.len() > 1 {
        // What the split costs: the whole verifier, on a chain without EIP-170 or EIP-3860,
        // against the split one.
        let mut evm = new_evm(CHAIN_ID);
        evm.ctx.cfg.limit_contract_code_size = Some(usize::MAX);
        evm.ctx.cfg.limit_contract_initcode_size = Some(usize::MAX);
        let unsplit = deploy(&mut evm, &object("bytecode"), &[]);
        let gas_whole = match transact(&mut evm, stranger(), TxKind::Call(unsplit), calldata.clone()) {
            ExecutionResult::Success { gas_used, .. } => gas_used,
            other => panic!("the unsplit verifier rejects the proof: {other:?}"),
        };
        let mut w = world();
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
fn bare_verifier_accepts_the_proof_and_rejects_any_change() {
    let fx = fixture();
    let mut w = fx.world();
    let v = w.verifier;
    let a = &fx.valid;
    let calldata = encode_verifier_calldata(&a.inputs.to_instances(), &a.proof);
    let (gas, _) = w.ok(stranger(), v, calldata.clone());

    let intrinsic = intrinsic_gas(&calldata);
    let bound = fx.profile.eip1108_gas();
    eprintln!("circuit: depth {DEPTH}, {}", fx.columns);
    eprintln!(
        "proof {} bytes; verifier calldata {} bytes; registry submit calldata {} bytes",
        a.proof.len(),
        calldata.len(),
        encode_submit(&a.inputs, &a.proof).len()
    );
    eprintln!(
        "bare verification: {gas} gas per transaction ({} execution + {intrinsic} intrinsic)",
        gas - intrinsic
    );
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

    for (i, name) in SolvencyPublicInputs::NAMES.iter().enumerate() {
        let mut bad = calldata.clone();
        bad[32 * i + 31] ^= 1;
        assert!(matches!(w.send(stranger(), v, bad), Outcome::Revert { .. }), "changed instance {name} accepted");
    }
    for at in [0, a.proof.len() / 2, a.proof.len() - 1] {
        let mut bad = calldata.clone();
        bad[32 * 5 + at] ^= 0x01;
        assert!(matches!(w.send(stranger(), v, bad), Outcome::Revert { .. }), "flipped proof byte {at} accepted");
    }
    let truncated = calldata[..calldata.len() - 32].to_vec();
    assert!(matches!(w.send(stranger(), v, truncated), Outcome::Revert { .. }), "truncated proof accepted");
    // Another domain's proof with this domain's inputs, and with its own (the bare verifier
    // knows no domain: it accepts a proof for whatever inputs it was made for).
    let mut swapped = encode_verifier_calldata(&a.inputs.to_instances(), &fx.other_chain.proof);
    assert!(matches!(w.send(stranger(), v, swapped.clone()), Outcome::Revert { .. }), "proof for another chain accepted");
    swapped = encode_verifier_calldata(&fx.other_chain.inputs.to_instances(), &fx.other_chain.proof);
    assert!(matches!(w.send(stranger(), v, swapped), Outcome::Success { .. }));
}

#[test]
fn valid_attestation_is_accepted_and_stored() {
    let fx = fixture();
    let mut w = fx.world();
    let a = &fx.valid;
    let l = fx.liabilities;
    let outcome = w.submit(custodian(), &a.inputs, &a.proof);
    let Outcome::Success { gas, .. } = outcome else {
        panic!("valid attestation rejected: 0x{}", hex::encode(outcome.output()))
    };
    eprintln!("registry submit: {gas} gas per transaction (verification, checks, 3 storage slots, event)");

    let att = w.view("latestAttestation()");
    assert_eq!(att.len(), 8);
    assert_eq!(att[0], fr_to_be_bytes(&a.inputs.root));
    assert_eq!(as_u128(&att[1]), l);
    assert_eq!(as_u128(&att[2]), 10_000);
    assert_eq!(as_u128(&att[3]), 2);
    assert_eq!(as_u128(&att[4]), TIMESTAMP as u128);
    assert_eq!(att[5], addr_word(custodian()));
    assert_eq!(att[6], word(0), "no as-of date on a plain attestation");
    assert_eq!(att[7], word(0), "no policy on a plain attestation");
    assert_eq!(w.view("isCovered()"), vec![word(1)]);
    assert_eq!(w.view("mintableCents()"), vec![word(HEADROOM_CENTS)]);
    assert_eq!(w.view("domain()")[0], fr_to_be_bytes(&domain_tag(CHAIN_ID, fx.registry.into_array())));

    let round = w.view("latestRoundData()");
    assert_eq!(as_u128(&round[0]), 2, "roundId is the epoch");
    // liabilities * ratio / 10000 cents, in USD with 8 decimals.
    assert_eq!(as_u128(&round[1]), l * 10_000 * 100);
    assert_eq!(as_u128(&round[2]), TIMESTAMP as u128);
    assert_eq!(as_u128(&round[3]), TIMESTAMP as u128);
    assert_eq!(as_u128(&round[4]), 2);
    let registry = w.registry;
    let (_, by_round) = w.ok(stranger(), registry, call("getRoundData(uint80)", &[word(2)]));
    assert_eq!(words(&by_round), round);
    assert_eq!(w.view("decimals()"), vec![word(8)]);

    // Minting past the proven liabilities leaves the attestation standing but uncovered.
    w.mint_cents(HEADROOM_CENTS + 1);
    assert_eq!(w.view("isCovered()"), vec![word(0)]);
    assert_eq!(w.view("mintableCents()"), vec![word(0)]);
}

#[test]
fn registry_rejects_tampered_proof_and_inputs() {
    let fx = fixture();
    let mut w = fx.world();
    let a = &fx.valid;
    let mut flipped = a.proof.clone();
    flipped[a.proof.len() / 3] ^= 0x80;
    assert_reverts_with(&w.submit(custodian(), &a.inputs, &flipped), "InvalidProof()", "flipped proof byte");

    let changed: [(&str, SolvencyPublicInputs); 5] = [
        ("root", SolvencyPublicInputs { root: a.inputs.root + Fr::from(1), ..a.inputs }),
        ("liabilities - 1", SolvencyPublicInputs { liabilities: a.inputs.liabilities - 1, ..a.inputs }),
        ("liabilities + 1", SolvencyPublicInputs { liabilities: a.inputs.liabilities + 1, ..a.inputs }),
        ("ratio", SolvencyPublicInputs { ratio_bps: a.inputs.ratio_bps + 1, ..a.inputs }),
        ("epoch", SolvencyPublicInputs { epoch: a.inputs.epoch + 1, ..a.inputs }),
    ];
    for (case, inputs) in &changed {
        assert_reverts_with(&w.submit(custodian(), inputs, &a.proof), "InvalidProof()", case);
    }
    assert_reverts_with(&w.submit(custodian(), &fx.other_chain.inputs, &fx.other_chain.proof), "InvalidProof()", "proof for another chain id");
    assert_reverts_with(&w.submit(custodian(), &fx.other_registry.inputs, &fx.other_registry.proof), "InvalidProof()", "proof for another registry");
    // The verifier reduces instance words modulo the scalar field; the registry must refuse
    // the non-canonical root that would otherwise pass as the same statement.
    let mut root_plus_r = [0u8; 32];
    let r = hex::decode("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").unwrap();
    add_be(&mut root_plus_r, &fr_to_be_bytes(&a.inputs.root), &r);
    let mut data = encode_submit(&a.inputs, &a.proof);
    data[4 + 32..4 + 64].copy_from_slice(&root_plus_r);
    let registry = w.registry;
    assert_reverts_with(&w.send(custodian(), registry, data), "RootOutOfField(uint256)", "root + r");

    // Nothing above was stored, and the untouched attestation still goes through.
    assert_reverts_with(&w.send(stranger(), registry, call("latestAttestation()", &[])), "NoAttestation()", "after rejections");
    assert!(matches!(w.submit(custodian(), &a.inputs, &a.proof), Outcome::Success { .. }));
}

fn add_be(out: &mut [u8; 32], a: &[u8; 32], b: &[u8]) {
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = a[i] as u16 + b[i] as u16 + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    assert_eq!(carry, 0);
}

#[test]
fn registry_rejects_replayed_and_older_epochs() {
    let fx = fixture();
    let mut w = fx.world();
    let a = &fx.valid;
    assert!(matches!(w.submit(custodian(), &a.inputs, &a.proof), Outcome::Success { .. }));
    assert_reverts_with(&w.submit(custodian(), &a.inputs, &a.proof), "StaleEpoch(uint64,uint64)", "replay");
    assert_reverts_with(&w.submit(custodian(), &fx.older.inputs, &fx.older.proof), "StaleEpoch(uint64,uint64)", "older epoch");
    assert_eq!(as_u128(&w.view("latestAttestation()")[3]), 2);
}

#[test]
fn older_epoch_is_valid_on_its_own() {
    // The stale-epoch rejection above is about order, not about a bad proof.
    let fx = fixture();
    let mut w = fx.world();
    assert!(matches!(w.submit(custodian(), &fx.older.inputs, &fx.older.proof), Outcome::Success { .. }));
    assert!(matches!(w.submit(custodian(), &fx.valid.inputs, &fx.valid.proof), Outcome::Success { .. }));
}

#[test]
fn registry_enforces_supply_ratio_and_custodian() {
    let fx = fixture();
    let mut w = fx.world();
    let a = &fx.valid;
    let registry = w.registry;

    assert_reverts_with(&w.submit(stranger(), &a.inputs, &a.proof), "NotCustodian()", "non-custodian");
    assert_reverts_with(&w.submit(deployer(), &a.inputs, &a.proof), "NotCustodian()", "owner is no custodian");

    w.mint_cents(HEADROOM_CENTS + 1);
    assert_reverts_with(&w.submit(custodian(), &a.inputs, &a.proof), "LiabilitiesBelowSupply(uint256,uint256)", "supply above liabilities");
    w.burn_cents(HEADROOM_CENTS + 1);

    w.ok(deployer(), registry, call("setMinRatioBps(uint32)", &[word(10_001)]));
    assert_reverts_with(&w.submit(custodian(), &a.inputs, &a.proof), "RatioBelowMinimum(uint32,uint32)", "ratio under minimum");
    w.ok(deployer(), registry, call("setMinRatioBps(uint32)", &[word(10_000)]));

    assert!(matches!(w.submit(custodian(), &a.inputs, &a.proof), Outcome::Success { .. }));
}

#[test]
fn proof_is_bound_to_the_chain() {
    // The same registry address on another chain computes another domain.
    let fx = fixture();
    let mut w = World::deploy_on(&fx.compiled, fx.liabilities - HEADROOM_CENTS, CHAIN_ID + 1);
    assert_eq!(w.registry, fx.registry);
    assert_reverts_with(&w.submit(custodian(), &fx.valid.inputs, &fx.valid.proof), "InvalidProof()", "this chain's proof elsewhere");
    assert!(matches!(w.submit(custodian(), &fx.other_chain.inputs, &fx.other_chain.proof), Outcome::Success { .. }));
}

// ------------------------------------------------------------------ policy attestations

/// The money-fund fixtures, proved under `money-fund-sec` as of this date.
const MMF_AS_OF: (i32, u32, u32) = (2026, 12, 12);
const SECONDS_PER_DAY: u64 = 86_400;

struct PolicyFixture {
    compiled: Compiled,
    generated: String,
    profile: PrecompileProfile,
    registry: Address,
    depth: usize,
    liabilities: u128,
    as_of_days: u64,
    /// Epoch 1 under money-fund-sec, for this test chain's registry.
    valid: PolicyAttestation,
    /// Epoch 2, the same holdings under the same policy.
    next: PolicyAttestation,
    /// Epoch 4, as of the day before `valid`'s.
    earlier: PolicyAttestation,
    /// A plain solvency verifier from the same setup, and a plain proof (epoch 3) for the same
    /// registry.
    plain_verifier: VerifierCode,
    plain: Attestation,
}

struct PolicyAttestation {
    inputs: PolicyPublicInputs,
    proof: Vec<u8>,
}

fn preset(name: &str) -> Policy {
    load_policy(&Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/policies/{name}.json"))).unwrap()
}

fn policy_fixture() -> &'static PolicyFixture {
    static FIXTURE: OnceLock<PolicyFixture> = OnceLock::new();
    FIXTURE.get_or_init(build_policy_fixture)
}

fn build_policy_fixture() -> PolicyFixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let holdings_path = root.join("fixtures/money-fund/holdings.csv");
    let liabilities_path = root.join("fixtures/money-fund/liabilities.json");
    let policy_path = root.join("fixtures/policies/money-fund-sec.json");
    let as_of = chrono::NaiveDate::from_ymd_opt(MMF_AS_OF.0, MMF_AS_OF.1, MMF_AS_OF.2).unwrap();
    let positions = load_holdings(&holdings_path, as_of).unwrap();
    let holdings = aggregate_by_cusip(&positions, &holdings_path).unwrap();
    let commitment = |epoch: u64, as_of: chrono::NaiveDate| {
        let path = tmp.path().join(format!("commitment-{epoch}-{as_of}.json"));
        let (c, _, _) = commit(&holdings, epoch, as_of, None, &holdings_path).unwrap();
        c.write(&path).unwrap();
        (path, c.depth)
    };
    let day_before = as_of.pred_opt().unwrap();
    let ((c1, depth), (c2, _), (c2_earlier, _), (c3, _)) =
        (commitment(1, as_of), commitment(2, as_of), commitment(4, day_before), commitment(3, as_of));

    let k = bondproof_circuits::policy::PolicySolvencyCircuit::min_k(depth);
    let params = setup_insecure(k);
    let params_path = tmp.path().join("params.bin");
    write_params(&params, &params_path, &ParamsInfo { k, insecure: true, source: "test".into() }).unwrap();
    let keys = circuit_keys(CircuitKind::Policy, Some(&params_path), &params, depth).unwrap();
    let generated = generated_verifier(&keys.vk).expect("policy verifier generation");
    let sol = fit_eip170(generated.clone()).expect("policy verifier split");
    let profile = PrecompileProfile::of_solidity(&sol);
    let compiled = compile(&sol);
    let as_of_days = days_since_epoch(as_of);
    let registry = policy_world(&compiled, 0, as_of_days * SECONDS_PER_DAY).registry;

    let plain_keys = circuit_keys(CircuitKind::Solvency, Some(&params_path), &params_for(CircuitKind::Solvency, params.clone(), depth, &params_path).unwrap(), depth).unwrap();
    let plain_verifier = compile(&verifier_solidity(&plain_keys.vk).unwrap()).verifier;
    let prove = |commitment: &Path, policy: Option<&Path>| {
        let out = tmp.path().join("attestation.json");
        let req = ProveRequest {
            commitment,
            liabilities: &liabilities_path,
            params: &params_path,
            out: &out,
            ratio_bps: None,
            domain: Some((CHAIN_ID, registry.into_array())),
            custodian: None,
            policy,
        };
        prove_attestation(&req, &|_| {}).unwrap_or_else(|e| panic!("proving {}: {e}", commitment.display())).bundle
    };
    let policy_proof = |commitment: &Path| {
        let bundle = prove(commitment, Some(&policy_path));
        PolicyAttestation { inputs: bundle.policy_inputs().unwrap().expect("a policy attestation"), proof: bundle.proof_bytes().unwrap() }
    };
    let (valid, next, earlier) = (policy_proof(&c1), policy_proof(&c2), policy_proof(&c2_earlier));
    assert_eq!((valid.inputs.as_of_days, earlier.inputs.as_of_days), (as_of_days, as_of_days - 1));
    let plain = Attestation::from_bundle(&prove(&c3, None));
    PolicyFixture {
        compiled,
        generated,
        profile,
        registry,
        depth,
        liabilities: valid.inputs.solvency.liabilities,
        as_of_days,
        valid,
        next,
        earlier,
        plain_verifier,
        plain,
    }
}

/// Token, policy verifier and registry, with the chain's clock at `timestamp`.
fn policy_world(c: &Compiled, supply_cents: u128, timestamp: u64) -> World {
    World::deploy_with(c, supply_cents, CHAIN_ID, "setPolicyVerifier(address)", timestamp)
}

impl PolicyFixture {
    /// A world at noon of the as-of date, `days_later` days on, with headroom under the liabilities.
    fn world_at(&self, days_later: i64) -> World {
        let t = (self.as_of_days as i64 + days_later) as u64 * SECONDS_PER_DAY + SECONDS_PER_DAY / 2;
        let w = policy_world(&self.compiled, self.liabilities - HEADROOM_CENTS, t);
        assert_eq!(w.registry, self.registry, "deployment is deterministic");
        w
    }

    fn world(&self) -> World {
        self.world_at(0)
    }

    /// A world that also takes plain solvency proofs (its verifier deployed after the registry,
    /// so that the registry's address, hence the proofs' domain, stays the same).
    fn world_with_plain_verifier(&self) -> World {
        let mut w = self.world();
        let plain = deploy_verifier(&mut w.evm, &self.plain_verifier);
        let registry = w.registry;
        w.ok(deployer(), registry, call("setVerifier(address)", &[addr_word(plain)]));
        w
    }
}

impl World {
    fn submit_with_policy(&mut self, inputs: &PolicyPublicInputs, proof: &[u8]) -> Outcome {
        let registry = self.registry;
        self.send(custodian(), registry, encode_submit_with_policy(inputs, proof))
    }

    fn set_minimum_policy(&mut self, policy: &Policy) {
        let registry = self.registry;
        self.ok(deployer(), registry, encode_set_minimum_policy(&policy.instance()));
    }
}

/// The string argument of a revert with a custom error taking one string.
fn revert_string(outcome: &Outcome) -> String {
    let Outcome::Revert { output } = outcome else { panic!("expected a revert") };
    abi_string(&output[4..])
}

#[test]
fn policy_verifier_fits_the_contract_size_limit() {
    let fx = policy_fixture();
    let calldata = encode_verifier_calldata(&fx.valid.inputs.to_instances(), &fx.valid.proof);
    check_verifier_size(&fx.generated, &fx.compiled.verifier, calldata, || fx.world());
}

#[test]
fn split_verifier_runs_its_parts_only_in_order() {
    let fx = policy_fixture();
    let (head, parts) = fx.compiled.verifier.contracts.split_last().unwrap();
    assert!(parts.len() >= 2, "the policy verifier is split in three");
    let mut evm = new_evm(CHAIN_ID);
    let addresses: Vec<Address> = parts.iter().map(|p| deploy(&mut evm, &p.creation, &[])).collect();
    let calldata = encode_verifier_calldata(&fx.valid.inputs.to_instances(), &fx.valid.proof);
    let mut verify_with = |order: &[Address]| {
        let args: Vec<u8> = order.iter().flat_map(|a| addr_word(*a)).collect();
        let verifier = deploy(&mut evm, &head.creation, &args);
        matches!(transact(&mut evm, stranger(), TxKind::Call(verifier), calldata.clone()), ExecutionResult::Success { .. })
    };
    assert!(verify_with(&addresses), "parts in order");
    let mut reversed = addresses.clone();
    reversed.reverse();
    assert!(!verify_with(&reversed), "parts in reverse order");
    let mut repeated = addresses.clone();
    *repeated.last_mut().unwrap() = addresses[0];
    assert!(!verify_with(&repeated), "the first part in place of the last");
}

#[test]
fn policy_verifier_rejects_any_changed_parameter() {
    let fx = policy_fixture();
    let mut w = fx.world();
    let v = w.verifier;
    let a = &fx.valid;
    let calldata = encode_verifier_calldata(&a.inputs.to_instances(), &a.proof);
    let (gas, _) = w.ok(stranger(), v, calldata.clone());
    eprintln!(
        "policy verifier: {gas} gas per transaction; proof {} bytes; {} instances; EIP-1108 bound {} gas ({} ecMul)",
        a.proof.len(),
        PolicyPublicInputs::COUNT,
        fx.profile.eip1108_gas(),
        fx.profile.ec_mul
    );
    for (i, name) in PolicyPublicInputs::names().iter().enumerate() {
        let mut bad = calldata.clone();
        bad[32 * i + 31] ^= 1;
        assert!(matches!(w.send(stranger(), v, bad), Outcome::Revert { .. }), "changed instance {name} accepted");
    }
    let mut flipped = calldata.clone();
    flipped[32 * PolicyPublicInputs::COUNT + a.proof.len() / 2] ^= 1;
    assert!(matches!(w.send(stranger(), v, flipped), Outcome::Revert { .. }), "flipped proof byte accepted");
}

#[test]
fn policy_attestation_is_accepted_and_records_its_policy() {
    let fx = policy_fixture();
    let mut w = fx.world();
    let a = &fx.valid;
    let outcome = w.submit_with_policy(&a.inputs, &a.proof);
    let Outcome::Success { gas, .. } = outcome else {
        panic!("policy attestation rejected: 0x{}", hex::encode(outcome.output()))
    };
    eprintln!("registry submitWithPolicy: {gas} gas per transaction (first submission of this policy: it is recorded)");

    let id = policy_id(&a.inputs.policy);
    let att = w.view("latestAttestation()");
    assert_eq!(att[0], fr_to_be_bytes(&a.inputs.solvency.root));
    assert_eq!(as_u128(&att[1]), fx.liabilities);
    assert_eq!(as_u128(&att[3]), 1);
    assert_eq!(as_u128(&att[6]), fx.as_of_days as u128);
    assert_eq!(att[7], id, "the attestation names its policy");
    let registry = w.registry;
    let (_, stored) = w.ok(stranger(), registry, call("getPolicy(bytes32)", &[id]));
    assert_eq!(words(&stored), policy_words(&a.inputs.policy), "the policy's parameters are stored");
    let (_, on_chain_id) = w.ok(stranger(), registry, encode_policy_call("policyId", &a.inputs.policy));
    assert_eq!(words(&on_chain_id), vec![id], "policyId agrees with bondproof's");
    assert_eq!(w.view("isCovered()"), vec![word(1)]);

    // The next epoch under the same policy names the same record.
    let outcome = w.submit_with_policy(&fx.next.inputs, &fx.next.proof);
    let Outcome::Success { gas, .. } = outcome else { panic!("epoch 2 rejected: 0x{}", hex::encode(outcome.output())) };
    eprintln!("registry submitWithPolicy: {gas} gas per transaction (the policy already recorded)");
    let att = w.view("latestAttestation()");
    assert_eq!((as_u128(&att[3]), att[7]), (2, id));
    assert_reverts_with(&w.submit_with_policy(&a.inputs, &a.proof), "StaleEpoch(uint64,uint64)", "replayed epoch 1");
}

fn encode_policy_call(function: &str, policy: &bondproof_circuits::policy::PolicyInstance) -> Vec<u8> {
    let signature = format!("{function}({})", bondproof_verifier::solidity::POLICY_TUPLE);
    call(&signature, &policy_words(policy))
}

#[test]
fn registry_rejects_a_changed_policy_or_as_of_date() {
    let fx = policy_fixture();
    let mut w = fx.world();
    let a = &fx.valid;
    let mut stricter = a.inputs;
    stricter.policy.buckets[0].1 += 1;
    assert_reverts_with(&w.submit_with_policy(&stricter, &a.proof), "InvalidProof()", "a haircut changed");
    let mut wam = a.inputs;
    wam.policy.max_wam_days -= 1;
    assert_reverts_with(&w.submit_with_policy(&wam, &a.proof), "InvalidProof()", "the WAM bound changed");
    let earlier = PolicyPublicInputs { as_of_days: a.inputs.as_of_days - 1, ..a.inputs };
    assert_reverts_with(&w.submit_with_policy(&earlier, &a.proof), "InvalidProof()", "the as-of date changed");
    let mut bad = a.inputs;
    bad.policy.buckets[3].0 = 1;
    assert_reverts_with(&w.submit_with_policy(&bad, &a.proof), "MalformedPolicy(string)", "decreasing max days");
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }));
}

#[test]
fn policy_and_plain_proofs_only_pass_their_own_verifier() {
    let fx = policy_fixture();
    let mut w = fx.world_with_plain_verifier();
    let a = &fx.valid;
    // The solvency verifier of the same setup takes a plain proof for this registry...
    let (plain, mut plain_as_policy) = (&fx.plain, a.inputs);
    plain_as_policy.solvency = plain.inputs;
    assert_reverts_with(&w.submit(custodian(), &a.inputs.solvency, &a.proof), "InvalidProof()", "a policy proof through submit");
    assert_reverts_with(&w.submit_with_policy(&plain_as_policy, &plain.proof), "InvalidProof()", "a plain proof with a policy");
    assert!(matches!(w.submit(custodian(), &plain.inputs, &plain.proof), Outcome::Success { .. }), "the plain proof itself");
}

#[test]
fn registry_checks_the_as_of_date() {
    let fx = policy_fixture();
    let a = &fx.valid;
    let mut w = fx.world_at(-1);
    assert_reverts_with(&w.submit_with_policy(&a.inputs, &a.proof), "AsOfInFuture(uint16,uint256)", "as-of tomorrow");
    let mut w = fx.world_at(4);
    assert_reverts_with(&w.submit_with_policy(&a.inputs, &a.proof), "AsOfTooOld(uint16,uint256,uint16)", "4 days old");
    let registry = w.registry;
    w.ok(deployer(), registry, call("setMaxAsOfAgeDays(uint16)", &[word(4)]));
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }), "4 days old, 4 allowed");
    let mut w = fx.world_at(3);
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }), "3 days old by default");
    // The as-of date never goes back: a bill matured since would count again.
    let mut w = fx.world();
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }));
    assert_reverts_with(&w.submit_with_policy(&fx.earlier.inputs, &fx.earlier.proof), "AsOfBeforeLast(uint16,uint16)", "an earlier as-of date");
    assert!(matches!(w.submit_with_policy(&fx.next.inputs, &fx.next.proof), Outcome::Success { .. }), "the same as-of date");
    // ... nor with a plain attestation in between.
    let mut w = fx.world_with_plain_verifier();
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }));
    assert!(matches!(w.submit(custodian(), &fx.plain.inputs, &fx.plain.proof), Outcome::Success { .. }), "plain, epoch 3");
    assert_reverts_with(&w.submit_with_policy(&fx.earlier.inputs, &fx.earlier.proof), "AsOfBeforeLast(uint16,uint16)", "earlier, after a plain one");
    // The earlier proof is valid on its own.
    let mut w = fx.world();
    assert!(matches!(w.submit_with_policy(&fx.earlier.inputs, &fx.earlier.proof), Outcome::Success { .. }));
}

#[test]
fn minimum_policy_is_the_owners_to_set() {
    let fx = policy_fixture();
    let a = &fx.valid;
    let mut w = fx.world();
    let registry = w.registry;
    let sec = preset("sec-15c3-1");
    let set = encode_set_minimum_policy(&sec.instance());
    assert_reverts_with(&w.send(stranger(), registry, set), "NotOwner()", "a stranger sets the minimum");
    let mut malformed = sec.instance();
    malformed.buckets[2].1 = 10_001;
    let outcome = w.send(deployer(), registry, encode_set_minimum_policy(&malformed));
    assert_reverts_with(&outcome, "MalformedPolicy(string)", "bps above 10000");

    w.set_minimum_policy(&preset("basel"));
    let outcome = w.submit_with_policy(&a.inputs, &a.proof);
    assert_reverts_with(&outcome, "PolicyBelowMinimum(string)", "basel");
    assert_eq!(revert_string(&outcome), "haircut", "0 bps under 91 days against Basel's 50");
    // money-fund-sec keeps the SEC haircuts within its 397 days: at least as strict.
    w.set_minimum_policy(&sec);
    assert_eq!(w.view("policyRequired()"), vec![word(1)]);
    assert_reverts_with(&w.submit(custodian(), &fx.plain.inputs, &fx.plain.proof), "PolicyRequired()", "plain submit under a minimum");
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }), "money-fund-sec under the SEC minimum");
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(1)]);
    // Tightening the minimum afterwards: the stored attestation no longer meets it.
    w.set_minimum_policy(&preset("basel"));
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(0)]);
    w.ok(deployer(), registry, call("clearMinimumPolicy()", &[]));
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(1)], "any policy, once the minimum is lifted");

    // Each money-fund rule, one step stricter than money-fund-sec, in the minimum.
    let mut w = fx.world();
    let two_a_seven = preset("rule-2a-7");
    let tighter = |f: &dyn Fn(&mut Policy)| {
        let mut p = two_a_seven.clone();
        f(&mut p);
        p
    };
    let cases: [(&str, Policy); 4] = [
        ("maturity", tighter(&|p| p.max_maturity_days = Some(396))),
        ("weighted average maturity", tighter(&|p| p.max_wam_days = Some(59))),
        ("weekly liquidity", tighter(&|p| p.min_weekly_liquid_bps = Some(5_001))),
        ("haircut", tighter(&|p| p.haircuts = vec![
            HaircutBucket { max_days: Some(91), bps: 1 },
            HaircutBucket { max_days: None, bps: 0 },
        ])),
    ];
    for (rule, minimum) in &cases {
        w.set_minimum_policy(minimum);
        let outcome = w.submit_with_policy(&a.inputs, &a.proof);
        assert_reverts_with(&outcome, "PolicyBelowMinimum(string)", rule);
        assert_eq!(&revert_string(&outcome), rule);
    }
    let mut decreasing = two_a_seven.instance();
    decreasing.buckets[0].0 = 200;
    decreasing.buckets[1].0 = 100;
    let (_, out) = w.ok(stranger(), registry, encode_policy_call("policyShortfall", &decreasing));
    assert_eq!(abi_string(&out), "malformed: haircut max days decrease");
    w.set_minimum_policy(&two_a_seven);
    assert!(matches!(w.submit_with_policy(&a.inputs, &a.proof), Outcome::Success { .. }), "money-fund-sec under 2a-7");

    // Lifting the minimum lets plain attestations through again.
    let mut w = fx.world_with_plain_verifier();
    w.set_minimum_policy(&two_a_seven);
    assert_reverts_with(&w.submit(custodian(), &fx.plain.inputs, &fx.plain.proof), "PolicyRequired()", "plain under 2a-7");
    w.ok(deployer(), registry, call("clearMinimumPolicy()", &[]));
    assert_eq!(w.view("policyRequired()"), vec![word(0)]);
    assert_eq!(w.view("minimumPolicy()"), vec![word(0); 29], "the minimum is deleted");
    assert!(matches!(w.submit(custodian(), &fx.plain.inputs, &fx.plain.proof), Outcome::Success { .. }));
    assert_eq!(w.view("latestMeetsMinimumPolicy()"), vec![word(0)], "a plain attestation meets no policy");
}

fn abi_string(out: &[u8]) -> String {
    let len = as_u128(out[32..64].try_into().unwrap()) as usize;
    String::from_utf8(out[64..64 + len].to_vec()).unwrap()
}

/// The registry's "at least as strict" against a brute-force reading of the policy rules, on
/// random schedules over a few day values (so that buckets share bounds and edges).
mod shortfall {
    use super::*;
    use bondproof_circuits::policy::{PolicyInstance, HAIRCUT_SLOTS};

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
            0..DAYS.len(),
            proptest::collection::vec((0..DAYS.len(), 0u64..4), HAIRCUT_SLOTS),
            (any::<bool>(), 0u64..3, any::<bool>(), 0u64..3),
        )
            .prop_map(|(max, mut slots, (wam, wam_days, weekly, weekly_bps))| {
                slots.sort();
                PolicyInstance {
                    max_maturity_days: DAYS[max],
                    buckets: std::array::from_fn(|j| (DAYS[slots[j].0], 50 * slots[j].1)),
                    wam_enabled: wam,
                    max_wam_days: if wam { 59 + wam_days } else { 0 },
                    weekly_enabled: weekly,
                    min_weekly_liquid_bps: if weekly { 4_999 + weekly_bps } else { 0 },
                }
            })
    }

    fn registry() -> World {
        let fx = policy_fixture();
        fx.world()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn policy_shortfall_matches_the_rules((p, m) in (policy(), policy())) {
            thread_local!(static WORLD: std::cell::RefCell<World> = std::cell::RefCell::new(registry()));
            WORLD.with(|w| {
                let mut w = w.borrow_mut();
                let registry = w.registry;
                w.ok(deployer(), registry, encode_set_minimum_policy(&m));
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
    let mut w = fx.world();
    let a = &fx.valid;
    let calldata = encode_verifier_calldata(&a.inputs.to_instances(), &a.proof);
    let intrinsic = intrinsic_gas(&calldata);
    let verifier = w.verifier;
    let (bare, _) = w.ok(stranger(), verifier, calldata.clone());
    let Outcome::Success { gas: submit, .. } = w.submit(custodian(), &a.inputs, &a.proof) else {
        panic!("valid attestation rejected")
    };
    let bound = fx.profile.eip1108_gas();
    let record = serde_json::json!({
        "depth": DEPTH,
        "verifier_runtime_bytes": fx.compiled.verifier.runtime_sizes(),
        "bare_verify_gas": bare,
        "bare_verify_execution_gas": bare - intrinsic,
        "submit_gas": submit,
        "proof_bytes": a.proof.len(),
        "verifier_calldata_bytes": calldata.len(),
        "submit_calldata_bytes": encode_submit(&a.inputs, &a.proof).len(),
        "eip1108_bound_gas": bound,
        "ec_mul": fx.profile.ec_mul,
        "ec_add": fx.profile.ec_add,
        "pairing_pairs": fx.profile.pairing_pairs,
        "execution_over_bound": (bare - intrinsic) as f64 / bound as f64,
    });
    assert!(bare < submit, "submit includes the verification");

    let pfx = policy_fixture();
    let mut w = pfx.world();
    let pa = &pfx.valid;
    let policy_calldata = encode_verifier_calldata(&pa.inputs.to_instances(), &pa.proof);
    let verifier = w.verifier;
    let (policy_bare, _) = w.ok(stranger(), verifier, policy_calldata.clone());
    let Outcome::Success { gas: policy_submit, .. } = w.submit_with_policy(&pa.inputs, &pa.proof) else {
        panic!("valid policy attestation rejected")
    };
    let Outcome::Success { gas: policy_submit_again, .. } = w.submit_with_policy(&pfx.next.inputs, &pfx.next.proof) else {
        panic!("the next epoch's policy attestation rejected")
    };
    let mut record = record;
    record["policy"] = serde_json::json!({
        "circuit": "policy-solvency",
        "policy": "money-fund-sec",
        "depth": pfx.depth,
        "verifier_runtime_bytes": pfx.compiled.verifier.runtime_sizes(),
        "bare_verify_gas": policy_bare,
        "submit_gas": policy_submit,
        "submit_gas_policy_recorded": policy_submit_again,
        "proof_bytes": pa.proof.len(),
        "verifier_calldata_bytes": policy_calldata.len(),
        "submit_calldata_bytes": encode_submit_with_policy(&pa.inputs, &pa.proof).len(),
        "eip1108_bound_gas": pfx.profile.eip1108_gas(),
        "ec_mul": pfx.profile.ec_mul,
    });
    if std::env::var_os("BONDPROOF_RECORD_GAS").is_none() {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/evm-gas.json");
    bondproof_verifier::atomic::write_json(&path, &record).expect("write benches/evm-gas.json");
}
