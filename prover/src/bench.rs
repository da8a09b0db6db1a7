//! `bondproof bench`: attestation proving per depth against the measured floor (the MSMs and
//! FFTs no halo2 prover of this circuit can avoid), native tree building, and the report files.

use std::time::Instant;

use bondproof_circuits::cusip::{check_digit, cusip_field, Eligibility};
use bondproof_circuits::halo2_proofs::{
    arithmetic::best_multiexp,
    poly::{
        commitment::{Params, ParamsProver},
        EvaluationDomain,
    },
};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::policy::Policy;
use bondproof_circuits::poseidon::poseidon4;
use bondproof_circuits::statement::domain_tag;
use bondproof_circuits::{AttestationCircuit, AttestationStatement, CircuitKind, Deployment, Fr, DEPLOYMENT_SLOTS};
use bondproof_verifier::verify::verify_proof_bytes;
use ff::Field;
use serde::{Deserialize, Serialize};

use crate::keys::setup_insecure;
use crate::tree::MerkleSumTree;

/// One attestation proof's figures at one depth.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofRow {
    pub depth: usize,
    pub k: u32,
    pub advice_columns: usize,
    pub fixed_columns: usize,
    pub lookup_arguments: usize,
    pub rows_used: usize,
    /// Area: advice columns times rows used, per leaf.
    pub advice_cells_per_leaf: f64,
    /// Cells actually assigned per leaf, where counted (the retired solvency circuit's rows
    /// had it; the attestation circuit's layout does not export the count).
    #[serde(default)]
    pub assigned_cells_per_leaf: Option<f64>,
    pub keygen_s: f64,
    pub witness_s: f64,
    pub prove_s: f64,
    pub verify_s: f64,
    pub floor_s: f64,
    pub floor_msm_count: usize,
    pub floor_fft_count: usize,
    pub prove_over_floor: f64,
    pub proof_bytes: usize,
    pub peak_rss_bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TreeRow {
    pub leaves: usize,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub machine: String,
    pub generated_at: String,
    pub threads: usize,
    pub poseidon_native_us: f64,
    /// Attestation proofs per depth (`solvency` in reports of the retired circuit).
    #[serde(alias = "solvency")]
    pub attestation: Vec<ProofRow>,
    pub tree_build: Vec<TreeRow>,
    pub inclusion_per_s: Option<f64>,
    /// On-chain figures recorded by the EVM test (`prover/tests/evm.rs`) in `evm-gas.json`.
    #[serde(default)]
    pub evm: Option<serde_json::Value>,
    /// Compression figures (`bench --compress`, `compress.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<Vec<crate::bench_compress::CompressRow>>,
}

/// CPU model, core count and memory, from /proc.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0);
    format!("{cpu}, {} cores, {:.0} GiB RAM", rayon::current_num_threads(), mem_kb as f64 / 1048576.0)
}

/// Peak resident set size of this process since the last reset.
pub(crate) fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

pub(crate) fn reset_peak_rss() {
    // Linux resets VmHWM when "5" is written to clear_refs.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The `i`-th synthetic CUSIP: eight base-36 digits of `i` and the check digit. Digits and
/// capitals sort in ASCII as in base 36, so increasing `i` gives strictly increasing CUSIPs,
/// the order the circuit requires. Not Treasury CUSIPs: six issuer prefixes and two free
/// characters make fewer than 2^14 distinct Treasury CUSIPs, so a full depth-16 tree of them
/// cannot exist; the benchmark proves under `any-cusip` eligibility, which costs the same.
pub fn synthetic_cusip(i: usize) -> [u8; 9] {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut c = [b'0'; 9];
    let mut n = i;
    for place in (0..8).rev() {
        c[place] = DIGITS[n % 36];
        n /= 36;
    }
    c[8] = b'0' + check_digit(&c[..8]).expect("base-36 digits are CUSIP characters") as u8;
    c
}

/// The as-of day of the synthetic statements (2026-11-24); every synthetic position matures a
/// month later.
pub const SYNTHETIC_AS_OF: u64 = 20_781;

/// `n` real leaves in CUSIP order (no padding: the most work a tree of this size can hold).
pub fn synthetic_leaves(n: usize) -> Vec<Leaf> {
    (0..n)
        .map(|i| {
            Leaf::new(
                cusip_field(&synthetic_cusip(i)),
                1_000_000 + i as u64,
                SYNTHETIC_AS_OF + 30,
                Fr::from(0x5a17 * (i as u64 + 1)),
            )
        })
        .collect()
}

/// The benchmark's policy: par (no haircut, no bound) over any valid CUSIP.
pub fn synthetic_policy() -> Policy {
    Policy { name: "par (any CUSIP)".into(), eligible: Eligibility::AnyCusip, ..Policy::par() }
}

/// A true statement for these leaves: par, 100%, one deployment whose supply is exactly the
/// face total (coverage at the boundary, as tight as the circuit allows).
pub fn synthetic_statement(leaves: &[Leaf], root: Fr) -> AttestationStatement {
    let report = synthetic_policy().evaluate(leaves, SYNTHETIC_AS_OF);
    let mut deployments = [Deployment::default(); DEPLOYMENT_SLOTS];
    deployments[0] = Deployment { domain: domain_tag(1, [0x11; 20]), supply_cents: report.face_total };
    AttestationStatement {
        root,
        epoch: 1,
        custodian: [0x22; 20],
        as_of_days: SYNTHETIC_AS_OF,
        ratio_bps: 10_000,
        policy: synthetic_policy().instance(),
        deployments,
    }
}

/// Native Poseidon on one thread, microseconds per hash.
pub fn poseidon_us() -> f64 {
    let n = 20_000;
    let mut x = [1, 2, 3, 4].map(Fr::from);
    let t = Instant::now();
    for _ in 0..n {
        x[0] = poseidon4(x);
    }
    std::hint::black_box(x);
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

pub fn tree_build(log: u32) -> TreeRow {
    let n = 1usize << log;
    let leaves = synthetic_leaves(n);
    let faces: Vec<u64> = (0..n).map(|i| 1_000_000 + i as u64).collect();
    let t = Instant::now();
    let tree = MerkleSumTree::build(&leaves, &faces);
    let seconds = t.elapsed().as_secs_f64();
    std::hint::black_box(tree.root());
    TreeRow { leaves: n, seconds }
}

/// Times the unavoidable work at this k and shape: one MSM of size 2^k per committed
/// polynomial, and the FFTs that bring each committed polynomial to the extended domain.
fn floor(
    params: &bondproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG<bondproof_circuits::Bn256>,
    cs: &bondproof_circuits::halo2_proofs::plonk::ConstraintSystem<Fr>,
) -> (f64, usize, usize) {
    let k = params.k();
    let n = 1usize << k;
    let degree = cs.degree();
    let lookups = cs.lookups().len();
    let perm_cols = cs.permutation().get_columns().len();
    let perm_z = perm_cols.div_ceil(degree - 2);
    // Advice, lookup (permuted input, permuted table, product), permutation products, the
    // vanishing argument's random polynomial and quotient pieces, and SHPLONK's two openings.
    let msms = cs.num_advice_columns() + 3 * lookups + perm_z + 1 + (degree - 1) + 2;
    // Each of those witness polynomials (and the instance column) goes to the extended coset;
    // the quotient comes back once.
    let ffts = cs.num_advice_columns() + cs.num_instance_columns() + 3 * lookups + perm_z + 1;
    let mut rng = rand::rngs::OsRng;
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
    let t = Instant::now();
    std::hint::black_box(best_multiexp(&scalars, &params.get_g()[..n]));
    let msm = t.elapsed().as_secs_f64();
    let domain = EvaluationDomain::<Fr>::new(degree as u32, k);
    let poly = domain.coeff_from_vec(scalars);
    let t = Instant::now();
    std::hint::black_box(domain.coeff_to_extended(&poly));
    let fft = t.elapsed().as_secs_f64();
    (msms as f64 * msm + ffts as f64 * fft, msms, ffts)
}

/// Keygen, witness, prove and verify of one attestation at this depth. Panics on failure: a
/// benchmark of a circuit that does not prove has nothing to report.
pub fn attestation(depth: usize) -> ProofRow {
    bondproof_circuits::ensure_max_degree();
    let k = AttestationCircuit::min_k(depth);
    let params = setup_insecure(k);
    reset_peak_rss();
    let shape = AttestationCircuit::shape(depth);
    let t = Instant::now();
    let keys = crate::keys::generate_keys(CircuitKind::Attestation, &shape, &params, depth).expect("keygen");
    let keygen_s = t.elapsed().as_secs_f64();
    let cs = keys.vk.vk.cs().clone();
    let (pk, key) = (keys.pk, keys.vk);

    let leaves = synthetic_leaves(1 << depth);
    let t = Instant::now();
    let tree = TreeWitness::build(&leaves);
    let witness_s = t.elapsed().as_secs_f64();
    let statement = synthetic_statement(&leaves, tree.root().hash());
    let circuit = AttestationCircuit::new(bondproof_circuits::AttestationWitness::new(tree, statement));
    let instances = statement.to_instances();
    let t = Instant::now();
    let proof = crate::prove::prove(&params, &pk, circuit, &instances).expect("proof");
    let prove_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    verify_proof_bytes(&key, &instances, &proof).expect("valid proof");
    let verify_s = t.elapsed().as_secs_f64();
    let peak_rss_bytes = peak_rss();
    let (floor_s, floor_msm_count, floor_fft_count) = floor(&params, &cs);
    let rows_used = AttestationCircuit::rows(depth);
    ProofRow {
        depth,
        k,
        advice_columns: cs.num_advice_columns(),
        fixed_columns: cs.num_fixed_columns(),
        lookup_arguments: cs.lookups().len(),
        rows_used,
        advice_cells_per_leaf: (cs.num_advice_columns() * rows_used) as f64 / (1usize << depth) as f64,
        assigned_cells_per_leaf: None,
        keygen_s,
        witness_s,
        prove_s,
        verify_s,
        floor_s,
        floor_msm_count,
        floor_fft_count,
        prove_over_floor: prove_s / floor_s,
        proof_bytes: proof.len(),
        peak_rss_bytes,
    }
}

/// The arithmetizations weighed against the one shipped. Fixed text: these were not re-run by
/// this command (the halo2-base and Pow5 figures are FIELD-NOTES measurements on this machine
/// class; the others are layout arithmetic of this codebase).
const CANDIDATES: &str = "
## Arithmetization candidates

| candidate | rows x columns per permutation | advice cells per leaf | status |
|---|---|---|---|
| halo2-base Poseidon, one advice column | ~2,250 cells (width 3) | ~7,500; depth 10 needed k = 18 and 30 columns, 94 s | dropped (FIELD-NOTES) |
| Pow5-style chip, two partial rounds a row | 39 x 6 = 234 | ~470 (two permutations per leaf) | dropped (FIELD-NOTES: 1,680 permutations at k = 16 in ~13 s) |
| wide rows, 8 partial rounds a row, column 11 in the rounds | 12 x 12 = 144 | 288, but no free column for the 8 byte limbs of the range check, so the check needs extra rows or a 16-bit table (k >= 17 for every depth) | dropped |
| **wide rows, 7 partial rounds a row, column 11 free (shipped)** | 13 x 12 = 156 (137 cells assigned) | 312 area, 284 assigned; range check and sums in column 11 at no extra row | kept |
| range check by 2-bit digits instead of byte lookups | +32 cells per leaf | 344 | dropped |
";

/// The human table written to REPORT.md.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    s.push_str("# bondproof benchmark report\n\n");
    s.push_str(&format!(
        "Machine: {} ({} rayon threads). Generated {} by `bondproof bench --report benches`.\n\n",
        r.machine, r.threads, r.generated_at
    ));
    s.push_str("## Attestation proofs\n\n| depth | positions | k | advice / fixed / lookups | rows | advice cells per leaf (area / assigned) | keygen s | witness s | prove s | verify ms | floor s | prove / floor | proof bytes | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for x in &r.attestation {
        let assigned = x.assigned_cells_per_leaf.map_or("-".to_string(), |a| format!("{a:.0}"));
        s.push_str(&format!(
            "| {} | {} | {} | {} / {} / {} | {} | {:.0} / {} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {} | {:.0} |\n",
            x.depth, 1usize << x.depth, x.k, x.advice_columns, x.fixed_columns, x.lookup_arguments, x.rows_used,
            x.advice_cells_per_leaf, assigned, x.keygen_s, x.witness_s, x.prove_s, x.verify_s * 1e3, x.floor_s, x.prove_over_floor,
            x.proof_bytes, x.peak_rss_bytes as f64 / 1048576.0
        ));
    }
    if r.attestation.iter().any(|x| x.depth >= 14) {
        s.push_str("\nDepths of 14 and more take many minutes; they are measured by a separate `bondproof bench --depths 16 --json` run whose row is merged into report.json, then this file is re-rendered with `bondproof bench --render benches/report.json`.\n");
    }
    s.push_str("\nThe floor is one MSM of size 2^k per committed polynomial plus one extended-domain FFT per polynomial the quotient needs, timed with halo2's own `best_multiexp` and `best_fft` in the same run.\n\n");
    s.push_str(&format!(
        "## Native\n\nPoseidon (width 5, one thread): {:.1} us per hash.\n\n| leaves | tree build s |\n|---|---|\n",
        r.poseidon_native_us
    ));
    for t in &r.tree_build {
        s.push_str(&format!("| 2^{} | {:.2} |\n", t.leaves.trailing_zeros(), t.seconds));
    }
    if let Some(i) = r.inclusion_per_s {
        s.push_str(&format!("\nInclusion proofs: {i:.1} per second (all cores).\n"));
    }
    if let Some(rows) = &r.compression {
        s.push_str(&crate::bench_compress::markdown(rows));
    }
    if let Some(e) = &r.evm {
        s.push_str(&render_evm(e));
    }
    s.push_str(CANDIDATES);
    s.push_str("\n## Targets\n\n| target | goal | measured | met |\n|---|---|---|---|\n");
    let mut target = |name: &str, goal: &str, measured: String, met: bool| {
        s.push_str(&format!("| {name} | {goal} | {measured} | {} |\n", if met { "yes" } else { "no" }));
    };
    target("native Poseidon", "<= 15 us", format!("{:.1} us", r.poseidon_native_us), r.poseidon_native_us <= 15.0);
    if let Some(t) = r.tree_build.iter().find(|t| t.leaves == 1 << 20) {
        target("tree of 2^20 leaves", "<= 15 s", format!("{:.1} s", t.seconds), t.seconds <= 15.0);
    }
    for x in &r.attestation {
        if x.depth == 10 {
            target("depth-10 proof", "<= 15 s", format!("{:.1} s", x.prove_s), x.prove_s <= 15.0);
        }
        if x.depth == 16 {
            target("depth-16 proof", "<= 600 s", format!("{:.0} s", x.prove_s), x.prove_s <= 600.0);
            target(
                "depth-16 memory",
                "<= 20 GiB",
                format!("{:.1} GiB", x.peak_rss_bytes as f64 / 1073741824.0),
                x.peak_rss_bytes <= 20 << 30,
            );
        }
    }
    if let Some(worst) = r.attestation.iter().max_by(|a, b| a.prove_over_floor.total_cmp(&b.prove_over_floor)) {
        target(
            "prove / floor (worst depth)",
            "<= 1.5",
            format!("{:.2} (depth {})", worst.prove_over_floor, worst.depth),
            worst.prove_over_floor <= 1.5,
        );
    }
    if let Some(x) = r.attestation.last() {
        if let Some(a) = x.assigned_cells_per_leaf {
            target("advice cells per leaf, assigned", "<= 300", format!("{a:.0}"), a <= 300.0);
        }
        target(
            "advice cells per leaf, area (rows x columns)",
            "<= 300",
            format!("{:.0}", x.advice_cells_per_leaf),
            x.advice_cells_per_leaf <= 300.0,
        );
        target("advice columns", "<= 12", x.advice_columns.to_string(), x.advice_columns <= 12);
    }
    if let Some(i) = r.inclusion_per_s {
        target("inclusion proofs", ">= 4 / s", format!("{i:.1} / s"), i >= 4.0);
    }
    s
}

/// The on-chain table: every figure the EVM test recorded, by its name in `evm-gas.json`
/// (nested records flattened as `a.b`), so the report follows whatever the test measures.
fn render_evm(e: &serde_json::Value) -> String {
    fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    flatten(&key, x, out);
                }
            }
            serde_json::Value::Array(a) if a.iter().all(|x| !x.is_object()) => {
                let list: Vec<String> = a.iter().map(|x| x.to_string()).collect();
                out.push((prefix.to_string(), list.join(" + ")));
            }
            serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut rows = Vec::new();
    flatten("", e, &mut rows);
    let mut s = String::from("\n## On-chain (fixtures, from the EVM test)\n\n| figure | value |\n|---|---|\n");
    for (name, value) in rows {
        s.push_str(&format!("| {name} | {value} |\n"));
    }
    s
}

/// `evm-gas.json` in the report folder, written by the EVM test.
pub fn read_evm_gas(dir: &std::path::Path) -> Option<serde_json::Value> {
    std::fs::read(dir.join("evm-gas.json")).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

/// Inclusion proofs per second with the batch prover's default plan, over `positions` real
/// positions of a tree of the given depth (keys generated before the clock starts).
pub fn inclusion_per_s(depth: usize, positions: usize) -> f64 {
    use crate::ingest::{check_digit, Cusip, Holding};
    let dir = std::env::temp_dir().join(format!("bondproof-bench-inclusion-{}", std::process::id()));
    let holdings: Vec<Holding> = (0..positions)
        .map(|i| {
            let first8 = format!("912797{:02}", i % 100);
            let cusip = Cusip::parse(&format!("{first8}{}", check_digit(first8.as_bytes()).expect("alphabet")))
                .expect("valid CUSIP");
            let maturity = chrono::NaiveDate::from_ymd_opt(2030, 1, 15).expect("date");
            Holding { cusip, face_value: 1_000_000 + i as u64, maturity, accounts: vec![(None, 1_000_000 + i as u64)] }
        })
        .collect();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let (c, _, _) = crate::commitment::commit(&holdings, 1, as_of, Some(depth), &dir).expect("commit");
    let commitment = dir.join("commitment.json");
    c.write(&commitment).expect("write commitment");
    let params_path = dir.join("params.bin");
    let k = bondproof_circuits::InclusionCircuit::min_k(depth);
    let info = crate::keys::ParamsInfo { k, insecure: true, source: "bench".into() };
    crate::keys::write_params(&setup_insecure(k), &params_path, &info).expect("write params");
    let prover = crate::inclusion::InclusionProver::load(&commitment, &params_path).expect("inclusion keys");
    let outcome = prover
        .prove_all(&dir.join("proofs"), crate::inclusion::BatchPlan::default(), &|_| {})
        .expect("inclusion proofs");
    let _ = std::fs::remove_dir_all(&dir);
    outcome.proved as f64 / outcome.elapsed.as_secs_f64()
}

/// Runs the whole suite with a progress line per step; writes `report.json` and `REPORT.md`
/// into `report_dir` when given.
pub fn run(
    depths: &[usize],
    tree_logs: &[u32],
    report_dir: Option<&std::path::Path>,
    on_step: &dyn Fn(&str),
) -> std::io::Result<Report> {
    on_step("native Poseidon");
    let poseidon_native_us = poseidon_us();
    let mut tree = Vec::new();
    for &log in tree_logs {
        on_step(&format!("native tree of 2^{log} leaves"));
        tree.push(tree_build(log));
    }
    let mut rows = Vec::new();
    for &d in depths {
        on_step(&format!("attestation proof, depth {d} (k = {})", AttestationCircuit::min_k(d)));
        rows.push(attestation(d));
    }
    on_step("inclusion proofs (depth 10, 32 positions)");
    let inclusion = inclusion_per_s(10, 32);
    let report = Report {
        machine: machine(),
        generated_at: crate::attestation::created_at(),
        threads: rayon::current_num_threads(),
        poseidon_native_us,
        attestation: rows,
        tree_build: tree,
        inclusion_per_s: Some(inclusion),
        evm: None,
        compression: None,
    };
    let mut report = report;
    if let Some(dir) = report_dir {
        report.evm = read_evm_gas(dir);
        report.compression = crate::bench_compress::read_rows(dir);
        bondproof_verifier::atomic::write_json(&dir.join("report.json"), &report)?;
        bondproof_verifier::atomic::write_atomic(&dir.join("REPORT.md"), markdown(&report).as_bytes())?;
    }
    Ok(report)
}
