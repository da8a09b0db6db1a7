//! The EVM side of a verifying key: the generated Solidity verifier of the attestation circuit,
//! the calldata that calls it (bare, or through the registry's `submit`), and a count of the
//! precompile calls the verifier makes, from which a gas lower bound follows.

use bondproof_circuits::cusip::Eligibility;
use bondproof_circuits::halo2_proofs::{
    circuit::Layouter,
    plonk::{Circuit, ConstraintSystem, Error},
};
use bondproof_circuits::policy::PolicyInstance;
use bondproof_circuits::statement::fr_to_be_bytes;
use bondproof_circuits::{AttestationCircuit, AttestationStatement, CircuitKind, Fr, DEPLOYMENT_SLOTS};
use sha3::{Digest, Keccak256};
use snark_verifier_sdk::{evm::gen_evm_verifier_sol_code, CircuitExt, SHPLONK};

use crate::compressed::{outer_instances, CompressionKey, ACCUMULATOR_LIMBS};
use crate::vk_file::VerifierKey;
use snark_verifier_sdk::halo2::aggregation::AggregationCircuit;

/// EIP-170: the largest runtime bytecode a contract may have.
pub const MAX_RUNTIME_BYTES: usize = 24_576;

#[derive(Debug, thiserror::Error)]
pub enum SolidityError {
    #[error("the verifier generator rejected the verifying key: {0}")]
    Generator(String),
    #[error("the compression verifier would be about {estimate} bytes of runtime code, over EIP-170's 24,576 (k {k}, {advice} advice columns): compress at a larger k")]
    TooLarge { estimate: usize, k: u32, advice: usize },
    #[error("on-chain verification is generated for the attestation circuit only; this key is for '{0}' (an inclusion proof is for auditors and has no on-chain use)")]
    UnsupportedCircuit(String),
}

/// snark-verifier's generator is generic over a circuit type only to ask it for accumulator
/// indices (none here: bondproof proofs are not aggregated); the circuits live in another
/// crate, so the orphan rule needs a local wrapper.
#[derive(Clone, Debug)]
struct Shape<C>(C);

impl<C: Circuit<Fr, Params = ()>> Circuit<Fr> for Shape<C> {
    type Config = C::Config;
    type FloorPlanner = C::FloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self(self.0.without_witnesses())
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> C::Config {
        C::configure(meta)
    }

    fn synthesize(&self, config: C::Config, layouter: impl Layouter<Fr>) -> Result<(), Error> {
        self.0.synthesize(config, layouter)
    }
}

impl<C: Circuit<Fr, Params = ()>> CircuitExt<Fr> for Shape<C> {
    fn num_instance(&self) -> Vec<usize> {
        // Only the verifier is generated from this type; the count is passed to the generator.
        vec![]
    }

    fn instances(&self) -> Vec<Vec<Fr>> {
        vec![vec![]]
    }
}

/// Solidity source of the verifier for this key (SHPLONK, Keccak transcript). Its entry
/// contract, `Halo2Verifier`, takes `verifier_calldata` in its fallback, returns nothing, and
/// reverts unless the proof verifies. When the generated code would not fit EIP-170, it is cut
/// in several contracts (see `split_verifier`), deployed parts first (`verifier_contracts`).
pub fn verifier_solidity(key: &VerifierKey) -> Result<String, SolidityError> {
    fit_eip170(generated_verifier(key)?)
}

/// The generator's output as it is when it fits EIP-170, else split (see `split_verifier`).
pub fn fit_eip170(generated: String) -> Result<String, SolidityError> {
    if estimate_runtime_bytes(&generated) <= SPLIT_ABOVE_BYTES {
        return Ok(generated);
    }
    split_verifier(&generated)
}

/// The generator's output as it is: one contract, however large.
pub fn generated_verifier(key: &VerifierKey) -> Result<String, SolidityError> {
    // The registry takes attestations only; an inclusion proof is for auditors.
    if key.circuit != CircuitKind::Attestation {
        return Err(SolidityError::UnsupportedCircuit(key.circuit.name().to_string()));
    }
    // The generator sizes the quotient from the constraint degree, which halo2-axiom caps with
    // MAX_DEGREE: the same value as at key generation, or the verifier would not match the proofs.
    bondproof_circuits::ensure_max_degree();
    // The generator unwraps internally; a key it cannot handle must be an error, not a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gen_evm_verifier_sol_code::<Shape<AttestationCircuit>, SHPLONK>(
            &key.params,
            &key.vk,
            vec![AttestationStatement::COUNT],
        )
    }))
    .map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "internal error".into());
        SolidityError::Generator(message)
    })
}

/// Above this estimate a contract would risk EIP-170: the verifier is split so that each part
/// stays under it. Below 24,576 to leave room for the estimate's error (a few percent against
/// solc 0.8.19 with the optimizer off) and for each part's own wrapper.
pub const SPLIT_ABOVE_BYTES: usize = 23_000;

/// At most this many contracts per verifier.
pub const MAX_VERIFIER_CONTRACTS: usize = 8;

/// The contracts of a verifier, in deployment order: the parts (if any) first, then
/// `Halo2Verifier`, whose constructor takes the parts' addresses in this order.
pub fn verifier_contracts(source: &str) -> Vec<String> {
    let mut names: Vec<String> =
        (1..).map(part_name).take_while(|n| source.contains(&format!("contract {n} "))).collect();
    names.push("Halo2Verifier".into());
    names
}

fn part_name(i: usize) -> String {
    format!("Halo2VerifierPart{i}")
}

/// The generator's code is one straight-line assembly block whose only state between
/// statements is memory (plus the `success` flag), so it can be cut at any top-level statement
/// once the proof has been read from calldata. `Halo2Verifier` runs the first piece, then calls
/// each part in turn with its whole memory as calldata; a part resumes from that memory, runs
/// its piece and returns the memory (the last part returns nothing, as the generated code
/// does). The transcript, challenges and every check stay where the generator put them, in the
/// same order; only STATICCALLs and memory copies are added (a few thousand gas per part).
///
/// A part is a pure function of the memory it is given, so calling one directly proves
/// nothing; only `Halo2Verifier` is a verifier. Each part also takes its index after the
/// memory and refuses any other, so parts given in the wrong order cannot run. The parts are
/// deployed on their own (together, a large verifier's parts can exceed EIP-3860's initcode
/// limit, so `Halo2Verifier` cannot create them) and their addresses passed to its
/// constructor: whoever checks a deployed verifier's code checks the parts it names as well.
pub fn split_verifier(source: &str) -> Result<String, SolidityError> {
    let fail = |why: &str| SolidityError::Generator(format!("cannot split the verifier: {why}"));
    let pragma =
        source.lines().find(|l| l.trim_start().starts_with("pragma solidity")).ok_or_else(|| fail("no pragma"))?.trim();
    let asm_open = source.find("assembly (\"memory-safe\") {").ok_or_else(|| fail("no assembly block"))?;
    let body_start = source[asm_open..].find('{').map(|i| asm_open + i + 1).ok_or_else(|| fail("no assembly block"))?;
    let body_end = matching_brace(source, body_start - 1).ok_or_else(|| fail("unbalanced braces"))?;
    let body = &source[body_start..body_end];
    // The prologue (memory check, `success`, the moduli, the point check) ends with the
    // function definition; the statements after it are the verifier proper.
    let func = body.find("function validate_ec_point").ok_or_else(|| fail("no validate_ec_point"))?;
    let func_open = func + body[func..].find('{').ok_or_else(|| fail("no function body"))?;
    let prologue_end = matching_brace(body, func_open).ok_or_else(|| fail("unbalanced function"))? + 1;
    let prologue = &body[..prologue_end];
    let statements = top_level_statements(&body[prologue_end..]);
    let mut part_defs = String::new();
    for name in ["f_p", "f_q"] {
        let at = prologue.find(&format!("let {name} :=")).ok_or_else(|| fail("no modulus definition"))?;
        let line_end = prologue[at..].find('\n').map_or(prologue.len(), |i| at + i);
        part_defs.push_str(&prologue[at..line_end]);
        part_defs.push('\n');
    }
    part_defs.push_str(&prologue[func..]);

    // No cut before the last calldata read (a part sees only memory), nor after the final
    // success check.
    let first = statements
        .iter()
        .rposition(|s| s.contains("calldataload") || s.contains("calldatacopy") || s.contains("calldatasize"))
        .map_or(0, |i| i + 1);
    let last = statements.iter().position(|s| s.contains("if iszero(success)")).unwrap_or(statements.len());
    if first >= last {
        return Err(fail("no statement boundary after the proof is read"));
    }
    let sizes: Vec<usize> = statements.iter().map(|s| estimate_runtime_bytes(s)).collect();
    let total: usize = sizes.iter().sum();
    // Each contract repeats the prologue (moduli, point check) and adds its hand-over.
    let budget = SPLIT_ABOVE_BYTES.saturating_sub(estimate_runtime_bytes(prologue) + 200).max(1);
    // Cuts at the statement boundaries nearest to equal shares, within [first, last]; more
    // pieces while one is over the budget (the head cannot end before the proof is read).
    let cuts = (total.div_ceil(budget).max(2)..=MAX_VERIFIER_CONTRACTS)
        .find_map(|pieces| {
            let mut cuts = vec![0usize];
            let mut acc = 0usize;
            for (i, size) in sizes.iter().enumerate() {
                let share = total * cuts.len() / pieces;
                if cuts.len() < pieces && i >= first && i <= last && acc + size / 2 > share {
                    cuts.push(i);
                }
                acc += size;
            }
            cuts.push(statements.len());
            let fits = cuts.windows(2).all(|w| sizes[w[0]..w[1]].iter().sum::<usize>() <= budget);
            (cuts.len() == pieces + 1 && fits).then_some(cuts)
        })
        .ok_or_else(|| fail(&format!("no cut into at most {MAX_VERIFIER_CONTRACTS} contracts fits EIP-170")))?;
    let pieces: Vec<&[&str]> = cuts.windows(2).map(|w| &statements[w[0]..w[1]]).collect();
    // Only memory crosses a cut: a variable must be used in the piece that defines it.
    for (i, piece) in pieces.iter().enumerate() {
        for s in *piece {
            let Some(name) = s
                .trim_start()
                .strip_prefix("let ")
                .and_then(|r| r.split(|c: char| !c.is_alphanumeric() && c != '_').next())
            else {
                continue;
            };
            if pieces[i + 1..].iter().flat_map(|p| p.iter()).any(|t| t.contains(name)) {
                return Err(fail(&format!("variable {name} is used on both sides of a cut")));
            }
        }
    }

    let n_parts = pieces.len() - 1;
    let mut out = format!(
        "// SPDX-License-Identifier: MIT
// Generated by bondproof from snark-verifier-sdk's Solidity verifier, cut in {} contracts to fit
// EIP-170. Deploy Halo2VerifierPart1..{n_parts} first, then Halo2Verifier with their addresses
// in that order; Halo2Verifier runs the first piece and hands its memory to each part in turn.

{pragma}
",
        n_parts + 1
    );
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        let ending = if i < n_parts {
            "            if iszero(success) { revert(0, 0) }\n            return(0, msize())\n"
        } else {
            ""
        };
        out.push_str(&format!(
            "
/// Piece {i} of Halo2Verifier. Its calldata is the previous piece's memory, then its own index
/// (so that it runs only in its place); on its own it verifies nothing: call Halo2Verifier.
contract {name} {{
    fallback(bytes calldata) external returns (bytes memory) {{
        assembly {{
            if lt(calldatasize(), 0x20) {{ revert(0, 0) }}
            let state_size := sub(calldatasize(), 0x20)
            if iszero(eq(calldataload(state_size), {i})) {{ revert(0, 0) }}
            calldatacopy(0, 0, state_size)
            let success := true
{part_defs}
{code}{ending}        }}
    }}
}}
",
            name = part_name(i),
            code = piece.concat(),
        ));
    }
    let fields: String = (1..=n_parts).map(|i| format!("    address private immutable part{i};\n")).collect();
    // Immutables cannot be read in the constructor (solc 0.8.19): the event takes the arguments.
    let list: Vec<String> = (1..=n_parts).map(|i| format!("part{i}_")).collect();
    let params: Vec<String> = (1..=n_parts).map(|i| format!("address part{i}_")).collect();
    let assigns: String = (1..=n_parts)
        .map(|i| format!("        if (part{i}_.code.length == 0) revert(\"Halo2Verifier: part {i} has no code\");\n        part{i} = part{i}_;\n"))
        .collect();
    let locals: String = (1..=n_parts).map(|i| format!("        address p{i} = part{i};\n")).collect();
    let calls: String = (1..=n_parts)
        .map(|i| {
            // The part gets the memory and its index after it; it hands back at least the
            // memory it was given (the last part returns nothing). The index word is cleared
            // again, so that the memory the next piece sees is exactly the generated code's.
            let after = if i < n_parts {
                "                if lt(returndatasize(), state_size) { revert(0, 0) }\n                mstore(state_size, 0)\n                returndatacopy(0, 0, returndatasize())\n"
            } else {
                "                if returndatasize() { revert(0, 0) }\n"
            };
            format!(
                "            {{\n                let state_size := msize()\n                mstore(state_size, {i})\n                \
                 if iszero(staticcall(gas(), p{i}, 0, add(state_size, 0x20), 0, 0)) {{ revert(0, 0) }}\n{after}            }}\n"
            )
        })
        .collect();
    out.push_str(&format!(
        "
/// Halo2 (SHPLONK, KZG on BN254) verifier: calldata = public inputs as 32-byte words, then
/// the proof; returns nothing, reverts on an invalid proof.
contract Halo2Verifier {{
{fields}
    /// The parts this verifier runs, in order: check their code as you check this contract's.
    /// An event, not a getter: the fallback must be the only entry point, or calldata whose first
    /// instance word began with a getter's selector would return without verifying.
    event Parts(address[{n_parts}] parts);

    constructor({params}) {{
{assigns}        emit Parts([{list}]);
    }}

    fallback(bytes calldata) external returns (bytes memory) {{
{locals}        assembly {{
{prologue}
{head}
            if iszero(success) {{ revert(0, 0) }}
{calls}            return(0, 0)
        }}
    }}
}}
",
        params = params.join(", "),
        list = list.join(", "),
        head = pieces[0].concat(),
    ));
    Ok(out)
}

/// Index of the `}` closing the `{` at `open`.
fn matching_brace(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits assembly statements at newlines where every brace is closed. The generator writes
/// no braces in comments or strings.
fn top_level_statements(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i64, 0usize);
    for (i, c) in code.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '\n' if depth == 0 => {
                if !code[start..=i].trim().is_empty() {
                    out.push(&code[start..=i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if !code[start..].trim().is_empty() {
        out.push(&code[start..]);
    }
    out
}

/// Runtime bytecode solc 0.8.19 makes of this code without the optimizer, estimated from the
/// assembly: a PUSH per literal, one byte per opcode and per variable access, a call sequence
/// per user function call. Within a few percent on the generator's output.
pub fn estimate_runtime_bytes(code: &str) -> usize {
    let mut bytes = 0usize;
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            bytes += 1 + literal_bytes(&code[start..i]);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            // One byte per keyword, opcode or variable; a call of the point check is a call sequence.
            let called = b.get(i) == Some(&b'(');
            bytes += if called && &code[start..i] == "validate_ec_point" { 12 } else { 1 };
        } else {
            i += 1;
        }
    }
    bytes
}

/// Bytes of the PUSH immediate for a decimal or 0x-hex literal (at least one: solc 0.8.19
/// targets Paris, which has no PUSH0).
fn literal_bytes(lit: &str) -> usize {
    let bytes = match lit.strip_prefix("0x") {
        Some(h) => h.trim_start_matches('0').len().div_ceil(2),
        None => match lit.parse::<u128>() {
            Ok(v) => (128 - v.leading_zeros() as usize).div_ceil(8),
            // Field constants: bits = digits * log2(10), close enough for sizing a PUSH.
            Err(_) => (lit.trim_start_matches('0').len() * 3322).div_ceil(8000),
        },
    };
    bytes.clamp(1, 32)
}

/// The instance words as the verifier reads them: 32 bytes big-endian each, in circuit order.
pub fn instance_words(instances: &[Fr]) -> Vec<[u8; 32]> {
    instances.iter().map(fr_to_be_bytes).collect()
}

/// Calldata of the bare verifier call: the instance words, then the proof.
pub fn encode_verifier_calldata(instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * instances.len() + proof.len());
    for w in instance_words(instances) {
        out.extend_from_slice(&w);
    }
    out.extend_from_slice(proof);
    out
}

/// The first four bytes of the Keccak-256 of a function signature.
pub fn selector(signature: &str) -> [u8; 4] {
    let h = Keccak256::digest(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// A 32-byte ABI word holding `x`.
pub fn word_u128(x: u128) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[16..].copy_from_slice(&x.to_be_bytes());
    w
}

/// The ABI type of the registry's `Policy` struct: eligibility (true for `us-treasury`), max
/// maturity, the haircut bounds, the haircut bps, WAM flag and bound, weekly flag and bound.
pub const POLICY_TUPLE: &str = "(bool,uint16,uint16[12],uint16[12],bool,uint16,bool,uint16)";

/// The ABI type of the registry's `Deployment` struct: domain, supply in cents.
pub const DEPLOYMENT_TUPLE: &str = "(uint256,uint256)";

/// The registry's `submit(Statement, bytes)`: the statement is every public input but the
/// custodian (root, epoch, as-of date, ratio, policy, deployment table); the registry passes
/// `msg.sender` as the custodian, which is what binds a proof to the custodian that made it.
pub fn submit_signature() -> String {
    format!("submit((uint256,uint64,uint16,uint32,{POLICY_TUPLE},{DEPLOYMENT_TUPLE}[{DEPLOYMENT_SLOTS}]),bytes)")
}

/// The owner's call that sets the minimum policy.
pub fn set_minimum_policy_signature() -> String {
    format!("setMinimumPolicy({POLICY_TUPLE})")
}

/// ABI encoding of the registry's `Policy` struct (static: 30 words, in place).
pub fn policy_words(policy: &PolicyInstance) -> Vec<[u8; 32]> {
    let mut w = vec![
        word_u128((policy.eligible == Eligibility::UsTreasury).into()),
        word_u128(policy.max_maturity_days.into()),
    ];
    w.extend(policy.buckets.iter().map(|&(days, _)| word_u128(days.into())));
    w.extend(policy.buckets.iter().map(|&(_, bps)| word_u128(bps.into())));
    w.push(word_u128(policy.wam_enabled.into()));
    w.push(word_u128(policy.max_wam_days.into()));
    w.push(word_u128(policy.weekly_enabled.into()));
    w.push(word_u128(policy.min_weekly_liquid_bps.into()));
    w
}

/// The id the registry records a policy under, `keccak256(abi.encode(policy))`.
pub fn policy_id(policy: &PolicyInstance) -> [u8; 32] {
    let mut h = Keccak256::new();
    for w in policy_words(policy) {
        h.update(w);
    }
    h.finalize().into()
}

/// A function call: selector, head words, then (if any) one trailing dynamic `bytes`, whose
/// offset word is the last head word.
pub fn encode_call(signature: &str, head: &[[u8; 32]], bytes: Option<&[u8]>) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    for w in head {
        out.extend_from_slice(w);
    }
    if let Some(b) = bytes {
        out.extend_from_slice(&word_u128(32 * (head.len() as u128 + 1)));
        out.extend_from_slice(&word_u128(b.len() as u128));
        out.extend_from_slice(b);
        // The bytes' content is zero-padded to whole words (after the 4-byte selector).
        let padded = 4 + (out.len() - 4).div_ceil(32) * 32;
        out.resize(padded, 0);
    }
    out
}

/// ABI encoding of the registry's `Statement` struct (static: 66 words, in place). The
/// custodian is not in it: the registry supplies `msg.sender`.
pub fn statement_words(statement: &AttestationStatement) -> Vec<[u8; 32]> {
    let mut w = vec![
        fr_to_be_bytes(&statement.root),
        word_u128(statement.epoch.into()),
        word_u128(statement.as_of_days.into()),
        word_u128(statement.ratio_bps.into()),
    ];
    w.extend(policy_words(&statement.policy));
    for d in &statement.deployments {
        w.push(fr_to_be_bytes(&d.domain));
        w.push(word_u128(d.supply_cents));
    }
    w
}

/// ABI encoding of the registry's `submit(statement, proof)`, to be sent from the custodian's
/// address (`statement.custodian`): from any other sender the proof does not verify.
pub fn encode_submit(statement: &AttestationStatement, proof: &[u8]) -> Vec<u8> {
    encode_call(&submit_signature(), &statement_words(statement), Some(proof))
}

/// ABI encoding of the owner's `setMinimumPolicy(policy)`.
pub fn encode_set_minimum_policy(policy: &PolicyInstance) -> Vec<u8> {
    encode_call(&set_minimum_policy_signature(), &policy_words(policy), None)
}

/// ABI encoding of the owner's `setDeploymentDomains(uint256[])`: the token's deployment domains,
/// the same list on every chain's registry.
pub fn encode_set_deployment_domains(domains: &[[u8; 32]]) -> Vec<u8> {
    let mut data = selector("setDeploymentDomains(uint256[])").to_vec();
    data.extend_from_slice(&word_u128(32));
    data.extend_from_slice(&word_u128(domains.len() as u128));
    for d in domains {
        data.extend_from_slice(d);
    }
    data
}

/// An address as a 32-byte ABI word.
pub fn address_word(address: &[u8; 20]) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(address);
    w
}

/// The precompile calls a generated verifier makes. The generated code is straight-line (no
/// loops), so each call site in the source runs exactly once per verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrecompileProfile {
    pub ec_add: usize,
    pub ec_mul: usize,
    pub pairing_calls: usize,
    pub pairing_pairs: usize,
    pub modexp: usize,
}

impl PrecompileProfile {
    /// Counts `staticcall(gas(), ADDR, in, in_len, ...)` sites by precompile address.
    pub fn of_solidity(source: &str) -> Self {
        let mut p = Self::default();
        for site in source.split("staticcall(").skip(1) {
            let args: Vec<&str> = site.splitn(6, ',').map(str::trim).collect();
            if args.len() < 4 {
                continue;
            }
            match parse_int(args[1]) {
                Some(5) => p.modexp += 1,
                Some(6) => p.ec_add += 1,
                Some(7) => p.ec_mul += 1,
                Some(8) => {
                    p.pairing_calls += 1;
                    // One pair is a G1 and a G2 point: 64 + 128 input bytes.
                    p.pairing_pairs += parse_int(args[3]).map_or(0, |len| (len / 192) as usize);
                }
                _ => {}
            }
        }
        p
    }

    /// EIP-1108 gas of these calls: ecAdd 150, ecMul 6,000, pairing 45,000 + 34,000 per pair.
    /// Modexp (EIP-2565, at least 200 each) is left out, as in the usual bound.
    pub fn eip1108_gas(&self) -> u64 {
        150 * self.ec_add as u64
            + 6_000 * self.ec_mul as u64
            + 45_000 * self.pairing_calls as u64
            + 34_000 * self.pairing_pairs as u64
    }
}

fn parse_int(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

// ------------------------------------------------------------------ compression

/// The contract name the compression verifier is given (the generator calls it Halo2Verifier,
/// the name of the direct verifier's entry contract; one name per kind avoids a mix-up).
pub const COMPRESSION_VERIFIER: &str = "CompressionVerifier";

/// Solidity source of the compression verifier: one contract, [`COMPRESSION_VERIFIER`], whose
/// fallback takes [`encode_compressed_calldata`], returns nothing and reverts unless the outer
/// proof verifies and the accumulator's pairing holds. Never split: a compression circuit whose
/// verifier would not fit EIP-170 is refused (a larger k gives fewer columns).
pub fn compression_verifier_solidity(key: &CompressionKey) -> Result<String, SolidityError> {
    let source = generated_compression_verifier(key)?;
    let estimate = estimate_runtime_bytes(&source);
    if estimate > MAX_RUNTIME_BYTES {
        return Err(SolidityError::TooLarge { estimate, k: key.k(), advice: key.header.shape.advice });
    }
    Ok(source)
}

/// The compression verifier as generated, whatever its size (tests at a small k deploy it on an
/// EVM without EIP-170).
pub fn generated_compression_verifier(key: &CompressionKey) -> Result<String, SolidityError> {
    bondproof_circuits::ensure_max_degree();
    let source = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gen_evm_verifier_sol_code::<AggregationCircuit, SHPLONK>(&key.params, &key.vk, vec![key.instance_count()])
    }))
    .map_err(|_| SolidityError::Generator("the generator rejected the compression key".into()))?;
    Ok(source.replacen("contract Halo2Verifier", &format!("contract {COMPRESSION_VERIFIER}"), 1))
}

/// Calldata of the bare compression verifier call: the accumulator limbs and each statement's
/// public inputs (32-byte big-endian words), then the outer proof.
pub fn encode_compressed_calldata(accumulator: &[Fr], statements: &[AttestationStatement], proof: &[u8]) -> Vec<u8> {
    encode_verifier_calldata(&outer_instances(accumulator, statements), proof)
}

/// The registry's `submitCompressed(Statement[], uint256[12], bytes)`.
pub fn submit_compressed_signature() -> String {
    format!(
        "submitCompressed((uint256,uint64,uint16,uint32,{POLICY_TUPLE},{DEPLOYMENT_TUPLE}[{DEPLOYMENT_SLOTS}])[],uint256[{ACCUMULATOR_LIMBS}],bytes)"
    )
}

/// ABI encoding of `submitCompressed(statements, accumulator, proof)`, sent by the custodian
/// every statement names.
pub fn encode_submit_compressed(statements: &[AttestationStatement], accumulator: &[Fr], proof: &[u8]) -> Vec<u8> {
    // Head: offset of the array, the 12 limbs in place, offset of the bytes.
    let head_words = 1 + ACCUMULATOR_LIMBS + 1;
    let array_words = 1 + statements.len() * statement_words(&statements[0]).len();
    let mut out = selector(&submit_compressed_signature()).to_vec();
    out.extend_from_slice(&word_u128(32 * head_words as u128));
    for l in accumulator {
        out.extend_from_slice(&fr_to_be_bytes(l));
    }
    out.extend_from_slice(&word_u128(32 * (head_words + array_words) as u128));
    out.extend_from_slice(&word_u128(statements.len() as u128));
    for s in statements {
        for w in statement_words(s) {
            out.extend_from_slice(&w);
        }
    }
    out.extend_from_slice(&word_u128(proof.len() as u128));
    out.extend_from_slice(proof);
    let padded = 4 + (out.len() - 4).div_ceil(32) * 32;
    out.resize(padded, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_selector_matches_the_abi() {
        // keccak256("transfer(address,uint256)") starts a9059cbb: checks the hash is Keccak,
        // not SHA3-256.
        assert_eq!(selector("transfer(address,uint256)"), [0xa9, 0x05, 0x9c, 0xbb]);
    }

    /// A statement whose every word is distinct, so that a word out of place shows.
    fn statement() -> AttestationStatement {
        let mut policy = bondproof_circuits::policy::Policy::par().instance();
        policy.eligible = Eligibility::AnyCusip;
        policy.max_maturity_days = 397;
        policy.buckets = std::array::from_fn(|j| (100 + j as u64, 200 + j as u64));
        policy.wam_enabled = true;
        policy.max_wam_days = 60;
        policy.weekly_enabled = true;
        policy.min_weekly_liquid_bps = 5_000;
        AttestationStatement {
            root: Fr::from(7),
            epoch: 3,
            custodian: [0xc0; 20],
            as_of_days: 20_000,
            ratio_bps: 10_500,
            policy,
            deployments: std::array::from_fn(|j| bondproof_circuits::Deployment {
                domain: Fr::from(1_000 + j as u64),
                supply_cents: 2_000 + j as u128,
            }),
        }
    }

    fn value(w: &[u8]) -> u128 {
        assert!(w[..16].iter().all(|&b| b == 0));
        u128::from_be_bytes(w[16..32].try_into().unwrap())
    }

    #[test]
    fn selectors_are_the_registrys() {
        // As solc 0.8.19 lists ReserveRegistry's method identifiers: a signature here that drifts
        // from the contract's struct layout would call nothing.
        assert_eq!(hex::encode(selector(&submit_signature())), "e2a5d55c");
        assert_eq!(hex::encode(selector(&set_minimum_policy_signature())), "1fc04d0e");
    }

    #[test]
    fn submit_encoding_layout() {
        let s = statement();
        let proof = vec![0xab; 33];
        let data = encode_submit(&s, &proof);
        // 66 statement words, the proof's offset and length, the proof padded to two words.
        assert_eq!(data.len(), 4 + 32 * 68 + 64);
        assert_eq!(&data[..4], &selector(&submit_signature()));
        let word = |i: usize| value(&data[4 + 32 * i..4 + 32 * (i + 1)]);
        assert_eq!([word(0), word(1), word(2), word(3)], [7, 3, 20_000, 10_500]);
        assert_eq!([word(4), word(5)], [0, 397], "any-cusip, then the maturity bound");
        for j in 0..12 {
            assert_eq!((word(6 + j), word(18 + j)), (100 + j as u128, 200 + j as u128));
        }
        assert_eq!([word(30), word(31), word(32), word(33)], [1, 60, 1, 5_000]);
        for j in 0..DEPLOYMENT_SLOTS {
            assert_eq!((word(34 + 2 * j), word(35 + 2 * j)), (1_000 + j as u128, 2_000 + j as u128));
        }
        assert_eq!(word(66), 32 * 67, "the proof's offset");
        assert_eq!(word(67), 33);
        assert_eq!(&data[4 + 32 * 68..4 + 32 * 68 + 33], &proof[..]);
        assert!(data[4 + 32 * 68 + 33..].iter().all(|&b| b == 0));
        assert!(!data.windows(20).any(|w| w == [0xc0; 20]), "the custodian is the sender, not an argument");
    }

    #[test]
    fn verifier_calldata_is_the_67_instances_then_the_proof() {
        let s = statement();
        let data = encode_verifier_calldata(&s.to_instances(), &[9, 9]);
        assert_eq!(data.len(), AttestationStatement::COUNT * 32 + 2);
        let word = |i: usize| &data[32 * i..32 * (i + 1)];
        assert_eq!(value(word(AttestationStatement::EPOCH)), 3);
        assert_eq!(&word(AttestationStatement::CUSTODIAN)[12..], &[0xc0; 20]);
        assert_eq!(value(word(AttestationStatement::ELIGIBLE_TREASURY)), 0);
        assert_eq!(value(word(AttestationStatement::DEPLOYMENTS + 31)), 2_015);
        assert_eq!(&data[32 * 67..], &[9, 9]);
    }

    #[test]
    fn policy_id_covers_eligibility() {
        let any = statement().policy;
        let treasury = PolicyInstance { eligible: Eligibility::UsTreasury, ..any };
        assert_eq!(value(&policy_words(&treasury)[0]), 1);
        assert_eq!(policy_words(&any).len(), 30);
        assert_ne!(policy_id(&any), policy_id(&treasury));
    }

    #[test]
    fn only_attestation_keys_get_a_verifier() {
        use bondproof_circuits::halo2_proofs::{plonk::keygen_vk, poly::kzg::commitment::ParamsKZG};
        use bondproof_circuits::{Bn256, InclusionCircuit};
        bondproof_circuits::ensure_max_degree();
        let depth = 2;
        let params = ParamsKZG::<Bn256>::setup(InclusionCircuit::min_k(depth), rand::rngs::OsRng);
        let vk = keygen_vk(&params, &InclusionCircuit::shape(depth)).unwrap();
        let key = VerifierKey::new(CircuitKind::Inclusion, depth as u32, &params, vk);
        match generated_verifier(&key) {
            Err(SolidityError::UnsupportedCircuit(name)) => assert_eq!(name, "inclusion"),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("a verifier for an inclusion key"),
        }
    }

    #[test]
    fn push_sizes_of_literals() {
        assert_eq!(literal_bytes("0"), 1);
        assert_eq!(literal_bytes("0x0"), 1);
        assert_eq!(literal_bytes("0x1780"), 2);
        assert_eq!(literal_bytes("255"), 1);
        assert_eq!(literal_bytes("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"), 32);
        assert_eq!(literal_bytes("21888242871839275222246405745257275088548364400416034343698204186575808495616"), 32);
    }

    #[test]
    fn statements_split_only_where_blocks_are_closed() {
        let code = "mstore(0x0, 1)\n{\n  let x := 2\n  mstore(0x20, x)\n}\nmstore(0x40, 3)\n";
        let s = top_level_statements(code);
        assert_eq!(s.len(), 3);
        assert!(s[1].starts_with('{') && s[1].trim_end().ends_with('}'));
    }

    fn straight_line_verifier(statements: usize) -> String {
        let mut body = String::new();
        for i in 0..statements {
            body.push_str(&format!("mstore({:#x}, mulmod(mload({:#x}), {}, f_q))\n", 0x100 + 32 * i, 32 * i, 1000 + i));
        }
        format!(
            "pragma solidity 0.8.19;\ncontract Halo2Verifier {{\n fallback(bytes calldata) external returns (bytes memory) {{\n \
             assembly (\"memory-safe\") {{\nlet success := true\nlet f_p := 7\nlet f_q := 5\n\
             function validate_ec_point(x, y) -> valid {{ valid := 1 }}\nmstore(0x0, calldataload(0x0))\n{body}\
             if iszero(success) {{ revert(0, 0) }}\nreturn(0, 0)\n}}\n}}\n}}\n"
        )
    }

    /// The pieces of a split verifier in execution order: the head's, then each part's.
    fn pieces(split: &str) -> Vec<String> {
        let (parts, head) = split.split_once("contract Halo2Verifier {").unwrap();
        let mut out = vec![head.to_string()];
        out.extend(parts.split("contract Halo2VerifierPart").skip(1).map(str::to_string));
        out
    }

    #[test]
    fn split_keeps_every_statement_in_order() {
        for statements in [200, 2_500, 6_000] {
            let source = straight_line_verifier(statements);
            let total = estimate_runtime_bytes(&source);
            let split = split_verifier(&source).unwrap();
            let pieces = pieces(&split);
            assert!(pieces.len() >= total.div_ceil(SPLIT_ABOVE_BYTES).max(2), "{statements} statements, {total} bytes");
            assert_eq!(verifier_contracts(&split).len(), pieces.len());
            assert!(pieces[0].contains("calldataload(0x0)"), "the proof is read in the head");
            let mut next = 0;
            for (i, piece) in pieces.iter().enumerate() {
                let sites = piece.matches("mulmod(mload(").count();
                assert!(sites * pieces.len() * 2 > statements, "piece {i} of {}: {sites} statements", pieces.len());
                let first = piece.find("mulmod(mload(").unwrap();
                assert!(
                    piece[first..].starts_with(&format!("mulmod(mload({:#x})", 32 * next)),
                    "piece {i} resumes in order"
                );
                next += sites;
                assert!(estimate_runtime_bytes(piece) < SPLIT_ABOVE_BYTES, "piece {i} fits");
            }
            assert_eq!(next, statements);
            // Each part but the last hands its memory back; the head calls every part.
            let parts = pieces.len() - 1;
            assert_eq!(split.matches("return(0, msize())").count(), parts - 1);
            assert_eq!(pieces[0].matches("staticcall(gas(), p").count(), parts);
        }
    }

    #[test]
    fn counts_precompile_sites() {
        let src = "success := and(eq(staticcall(gas(), 0x7, 0x0, 0x60, 0x0, 0x40), 1), success)\n\
                   success := and(eq(staticcall(gas(), 0x6, 0x0, 0x80, 0x0, 0x40), 1), success)\n\
                   success := and(eq(staticcall(gas(), 0x8, 0x0, 0x180, 0x0, 0x20), 1), success)";
        let p = PrecompileProfile::of_solidity(src);
        assert_eq!(p, PrecompileProfile { ec_add: 1, ec_mul: 1, pairing_calls: 1, pairing_pairs: 2, modexp: 0 });
        assert_eq!(p.eip1108_gas(), 150 + 6_000 + 45_000 + 68_000);
    }
}
