//! The policy solvency circuit: the solvency circuit's tree, then one 4-row block per leaf that
//! proves the leaf's policy rules and accumulates its counted value, then the parameter rows that
//! range-check the policy's public inputs and build the haircut schedule table, then the
//! coverage, WAM and weekly-liquidity rows.
//!
//! Per-leaf block (rows 0..=3; `B` = byte cells looked up in the tagged table, `z` = the range
//! chip's running sum of `d` in column 11):
//!
//! ```text
//! row | 0: key | 1: v1 | 2: v2 | 3..=6: bytes      | 7: | 8:  | 9:    | 10: | 11
//!  0  | P      | idx   | psum  | c bytes 0..3     | C  | F   | M     | r   | z0 = d
//!  1  | c6     | co    | rank6 | c bytes 4..7     | K  | h   | c     | t   | z1
//!  2  | c7     | ce    | rank7 | M-LO (2), HI-M (2)| LO | HI  | bps   | w   | z2
//!  3  | c8     | v8    | rank8 | t (2), 9999-t (2)| accC | accF | accFM | accW | z3 = 0
//! ```
//!
//! `P` is the 6-byte issuer prefix, `c6..c8` the last three characters; columns 0..=2 of every
//! block row are looked up in the tagged CUSIP table (tag 1 prefix -> (index, prefix check sum mod
//! 10), tag 2/3 character at position 7/8 -> (check contribution mod 10, ASCII rank), tag 4 check
//! digit -> (value, rank)). `K` is an order-preserving key of a Treasury CUSIP below 2^19, so
//! strict order is `K_i - K_{i-1} - 1 < 2^24`. Row 2's `(LO, HI, bps, w)` is looked up in the
//! schedule table; `LO <= M <= HI` by the two byte pairs.

use ff::Field;
use halo2_proofs::{
    circuit::{Cell, Layouter, SimpleFloorPlanner, Value},
    plonk::{Any, Circuit, Column, ConstraintSystem, Error, Expression, Instance, Selector, TableColumn},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use super::{
    cusip_bytes, cusip_char_contribution, cusip_char_rank, cusip_char_value, fr_u64, haircut, treasury_prefix_index,
    PolicyInstance, PolicyPublicInputs, ScheduleRow, CUSIP_ALPHABET_ASCII_ORDER, HAIRCUT_SLOTS, TREASURY_PREFIXES,
    WEEKLY_DAYS,
};
use crate::merkle_sum::{MerkleSumChip, MerkleSumConfig, TreeWitness};
use crate::poseidon::ROWS_PER_PERMUTATION;
use crate::public_inputs::SolvencyPublicInputs;
use crate::range::RangeCheckChip;
use crate::solvency::{configure_tree, LIABILITIES_BYTES, RATIO_BYTES, SURPLUS_BYTES};

/// Rows of a leaf's policy block.
pub const BLOCK_ROWS: usize = 4;
/// Bytes of the order gap `K_i - K_{i-1} - 1` (K < 6 * 39^3 < 2^19).
const ORDER_BYTES: usize = BLOCK_ROWS - 1;
/// Main rows of the parameter area: 3 (ranges, flags) + 2 (constants 7, 8) + per slot 8 (9 from
/// the second slot on: the monotonicity comparison) + 3 (coverage, WAM, liquidity).
const PARAM_ROWS: usize = 5 + 8 * HAIRCUT_SLOTS + (HAIRCUT_SLOTS - 1) + 3;
/// Column-11 rows of the parameter area: liabilities, ratio and three 16-byte slacks.
const PARAM_RC_ROWS: usize = RangeCheckChip::rows(LIABILITIES_BYTES)
    + RangeCheckChip::rows(RATIO_BYTES)
    + 3 * RangeCheckChip::rows(SURPLUS_BYTES);

const TAG_PREFIX: u64 = 1;
const TAG_CHAR7: u64 = 2;
const TAG_CHAR8: u64 = 3;
const TAG_DIGIT: u64 = 4;
const TAG_BYTE: u64 = 5;

/// A padding leaf's dummy CUSIP characters, so its lookups pass (its rules are switched off).
const DUMMY_CUSIP: &[u8; 9] = b"912797KJ5";

#[derive(Clone, Debug)]
pub struct PolicyConfig {
    pub tree: MerkleSumConfig,
    pub instance: Column<Instance>,
    table: [TableColumn; 4],
    q_block: Selector,
    q_cus: Selector,
    q_byte: Selector,
    q_sched: Selector,
    q_tab: Selector,
    q_rng: Selector,
    q_cmp: Selector,
    q_lin: Selector,
    q_bool: Selector,
    q_cov: Selector,
    q_wam: Selector,
    q_liq: Selector,
}

/// The private witness: the tree, and the values of the public inputs as the prover assigns them.
#[derive(Clone, Debug)]
pub struct PolicyWitness {
    pub tree: TreeWitness,
    pub liabilities: Fr,
    pub ratio_bps: Fr,
    pub as_of_days: Fr,
    pub policy: PolicyInstance,
    /// Adversarial tests only (empty for a real proof): `(leaf, schedule row)` pairs forcing a
    /// leaf's haircut bucket and weekly flag to a row of [`PolicyInstance::schedule`] other than
    /// the honest one, as a cheating prover would.
    pub forced_schedule_rows: Vec<(usize, usize)>,
}

#[derive(Clone, Debug)]
pub struct PolicySolvencyCircuit {
    pub depth: usize,
    pub witness: Option<PolicyWitness>,
}

impl PolicySolvencyCircuit {
    pub fn new(depth: usize, witness: PolicyWitness) -> Self {
        assert_eq!(witness.tree.depth(), depth, "a full tree of 2^depth leaves");
        Self { depth, witness: Some(witness) }
    }

    pub fn shape(depth: usize) -> Self {
        Self { depth, witness: None }
    }

    /// Rows the layout uses (without blinding rows).
    pub fn rows(depth: usize) -> usize {
        MerkleSumChip::rows(depth) + BLOCK_ROWS * (1 << depth) + PARAM_ROWS.max(PARAM_RC_ROWS)
    }

    pub fn min_k(depth: usize) -> u32 {
        crate::min_k_for_rows(Self::rows(depth).max(table_rows().len()))
    }
}

/// The tagged lookup table: `(tag, key, v1, v2)`.
fn table_rows() -> Vec<[u64; 4]> {
    let mut t = vec![[0, 0, 0, 0]];
    for (i, p) in TREASURY_PREFIXES.iter().enumerate() {
        let mut key = 0u64;
        let mut sum = 0;
        for (pos, &b) in p.iter().enumerate() {
            key = (key << 8) | u64::from(b);
            sum += cusip_char_contribution(b, pos + 1).expect("valid");
        }
        t.push([TAG_PREFIX, key, i as u64, sum % 10]);
    }
    for &b in CUSIP_ALPHABET_ASCII_ORDER {
        let rank = cusip_char_rank(b).expect("alphabet");
        t.push([TAG_CHAR7, u64::from(b), cusip_char_contribution(b, 7).expect("alphabet") % 10, rank]);
        t.push([TAG_CHAR8, u64::from(b), cusip_char_contribution(b, 8).expect("alphabet") % 10, rank]);
    }
    for b in b'0'..=b'9' {
        t.push([TAG_DIGIT, u64::from(b), u64::from(b - b'0'), cusip_char_rank(b).expect("digit")]);
    }
    for b in 0..256u64 {
        t.push([TAG_BYTE, b, 0, 0]);
    }
    t
}

/// The witness of one leaf's block.
#[derive(Clone, Debug, Default)]
struct BlockWitness {
    key: [Fr; 4],
    v1: [Fr; 4],
    v2: [Fr; 4],
    bytes: [[Fr; 4]; 4],
    /// Rows 0..=3 of columns 7..=10.
    right: [[Fr; 4]; 4],
    d: Fr,
}

fn byte_of(x: &Fr, i: usize) -> Fr {
    use ff::PrimeField;
    Fr::from(u64::from(x.to_repr()[i]))
}

fn two_bytes(x: Fr) -> [Fr; 2] {
    [byte_of(&x, 0), byte_of(&x, 1)]
}

/// Per-leaf witnesses, in tree order.
fn block_witnesses(w: &PolicyWitness) -> Vec<BlockWitness> {
    let as_of = fr_u64(&w.as_of_days).unwrap_or(0);
    let schedule = w.policy.schedule(as_of);
    let mut out: Vec<BlockWitness> = Vec::new();
    let mut prev: Option<(Fr, Fr, [Fr; 4])> = None; // (K, r, accs)
    for (i, node) in w.tree.levels[0].iter().enumerate() {
        let [cusip, face, maturity, _salt] = node.trace.inputs();
        let real = cusip != Fr::ZERO;
        let r = Fr::from(real as u64);
        let chars = if real { cusip_bytes(&cusip).unwrap_or([0; 9]) } else { *DUMMY_CUSIP };
        let mut b = BlockWitness::default();
        // Prefix.
        let mut pkey = 0u64;
        for &c in &chars[..6] {
            pkey = (pkey << 8) | u64::from(c);
        }
        let idx = treasury_prefix_index(&chars[..6]);
        let mut psum = 0;
        for (pos, &c) in chars[..6].iter().enumerate() {
            psum += cusip_char_contribution(c, pos + 1).unwrap_or(0);
        }
        b.key[0] = Fr::from(pkey);
        b.v1[0] = Fr::from(idx.unwrap_or(0) as u64);
        b.v2[0] = Fr::from(psum % 10);
        b.key[1] = Fr::from(u64::from(chars[6]));
        b.v1[1] = Fr::from(cusip_char_contribution(chars[6], 7).unwrap_or(0) % 10);
        b.v2[1] = Fr::from(cusip_char_rank(chars[6]).unwrap_or(0));
        b.key[2] = Fr::from(u64::from(chars[7]));
        b.v1[2] = Fr::from(cusip_char_contribution(chars[7], 8).unwrap_or(0) % 10);
        b.v2[2] = Fr::from(cusip_char_rank(chars[7]).unwrap_or(0));
        b.key[3] = Fr::from(u64::from(chars[8]));
        b.v1[3] = Fr::from(cusip_char_value(chars[8]).unwrap_or(0));
        b.v2[3] = Fr::from(cusip_char_rank(chars[8]).unwrap_or(0));
        let k = b.v1[0] * Fr::from(39 * 39 * 39) + b.v2[1] * Fr::from(39 * 39) + b.v2[2] * Fr::from(39) + b.v2[3];
        // Haircut: the schedule row holding the maturity (row 0 if none: the proof then fails).
        let mat = fr_u64(&maturity);
        let row = mat
            .and_then(|m| schedule.iter().position(|s| s.lo <= m && m <= s.hi))
            .filter(|_| real)
            .unwrap_or(0);
        let row = w.forced_schedule_rows.iter().find(|(l, _)| *l == i).map_or(row, |&(_, r)| r);
        let ScheduleRow { lo, hi, bps, weekly } = schedule[row];
        let (lo, hi, bps_f) = (Fr::from(lo), Fr::from(hi), Fr::from(bps));
        let h = match fr_u64(&face) {
            Some(f) => Fr::from(haircut(f, bps)),
            None => Fr::ZERO,
        };
        let c = face - h;
        let t = h * Fr::from(10_000) - face * bps_f;
        for j in 0..4 {
            b.bytes[0][j] = byte_of(&c, j);
            b.bytes[1][j] = byte_of(&c, 4 + j);
        }
        let (e, f) = if real { (maturity - lo, hi - maturity) } else { (Fr::ZERO, Fr::ZERO) };
        let [e0, e1] = two_bytes(e);
        let [f0, f1] = two_bytes(f);
        b.bytes[2] = [e0, e1, f0, f1];
        let [t0, t1] = two_bytes(t);
        let [u0, u1] = two_bytes(Fr::from(9_999) - t);
        b.bytes[3] = [t0, t1, u0, u1];
        let w_f = Fr::from(weekly as u64);
        let contrib = [c, face, face * maturity, w_f * face];
        let accs: [Fr; 4] = std::array::from_fn(|j| contrib[j] + prev.map_or(Fr::ZERO, |p| p.2[j]));
        b.right[0] = [cusip, face, maturity, r];
        b.right[1] = [k, h, c, t];
        b.right[2] = [lo, hi, bps_f, w_f];
        b.right[3] = accs;
        b.d = match prev {
            Some((kp, _, _)) if i > 0 => r * (k - kp - Fr::ONE),
            _ => Fr::ZERO,
        };
        prev = Some((k, r, accs));
        out.push(b);
    }
    out
}

impl Circuit<Fr> for PolicySolvencyCircuit {
    type Config = PolicyConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::shape(self.depth)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> PolicyConfig {
        let tree = configure_tree(meta);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let a = tree.poseidon.advice;
        let s = tree.sum;
        let fx = tree.poseidon.fixed;
        for col in [a[7], a[8], a[9]] {
            meta.enable_equality(col);
        }
        let table = [meta.lookup_table_column(), meta.lookup_table_column(), meta.lookup_table_column(), meta.lookup_table_column()];
        let q_block = meta.complex_selector();
        let q_cus = meta.complex_selector();
        let q_byte = meta.complex_selector();
        let q_sched = meta.complex_selector();
        let q_tab = meta.complex_selector();
        let q_rng = meta.selector();
        let q_cmp = meta.selector();
        let q_lin = meta.selector();
        let q_bool = meta.selector();
        let q_cov = meta.selector();
        let q_wam = meta.selector();
        let q_liq = meta.selector();
        let c = |v: u64| Expression::Constant(Fr::from(v));

        // Tag in fixed column 11 (free outside Poseidon rows; multiplied by the selector).
        meta.lookup("cusip character", |meta| {
            let q = meta.query_selector(q_cus);
            let tag = meta.query_fixed(fx[11], Rotation::cur());
            let k = meta.query_advice(a[0], Rotation::cur());
            let v1 = meta.query_advice(a[1], Rotation::cur());
            let v2 = meta.query_advice(a[2], Rotation::cur());
            vec![(q.clone() * tag, table[0]), (q.clone() * k, table[1]), (q.clone() * v1, table[2]), (q * v2, table[3])]
        });
        for col in 3..=6 {
            meta.lookup("policy byte", |meta| {
                let q = meta.query_selector(q_byte);
                let b = meta.query_advice(a[col], Rotation::cur());
                vec![
                    (q.clone() * c(TAG_BYTE), table[0]),
                    (q * b, table[1]),
                    (Expression::Constant(Fr::ZERO), table[2]),
                    (Expression::Constant(Fr::ZERO), table[3]),
                ]
            });
        }
        meta.lookup_any("haircut schedule", |meta| {
            let qi = meta.query_selector(q_sched);
            let qt = meta.query_selector(q_tab);
            let mut v = vec![(qi.clone(), qt.clone())];
            for col in 7..=10 {
                let x = meta.query_advice(a[col], Rotation::cur());
                v.push((qi.clone() * x.clone(), qt.clone() * x));
            }
            v
        });

        meta.create_gate("policy leaf", |meta| {
            let q = meta.query_selector(q_block);
            let chain = meta.query_fixed(fx[10], Rotation::cur());
            let d = meta.query_advice(s, Rotation::cur());
            let mut at = |col: usize, r: i32| meta.query_advice(a[col], Rotation(r));
            let (p, idx, psum) = (at(0, 0), at(1, 0), at(2, 0));
            let (c6, co, rk6) = (at(0, 1), at(1, 1), at(2, 1));
            let (c7, ce, rk7) = (at(0, 2), at(1, 2), at(2, 2));
            let (c8, v8, rk8) = (at(0, 3), at(1, 3), at(2, 3));
            let byte = |at: &mut dyn FnMut(usize, i32) -> Expression<Fr>, r: i32, j: usize| at(3 + j, r);
            let cb: Vec<_> = (0..8).map(|j| byte(&mut at, (j / 4) as i32, j % 4)).collect();
            let (e0, e1, f0, f1) = (at(3, 2), at(4, 2), at(5, 2), at(6, 2));
            let (t0, t1, u0, u1) = (at(3, 3), at(4, 3), at(5, 3), at(6, 3));
            let (cu, face, mat, r) = (at(7, 0), at(8, 0), at(9, 0), at(10, 0));
            let (key, h, cnt, t) = (at(7, 1), at(8, 1), at(9, 1), at(10, 1));
            let (lo, hi, bps, w) = (at(7, 2), at(8, 2), at(9, 2), at(10, 2));
            let acc: Vec<_> = (7..=10).map(|col| at(col, 3)).collect();
            let prev_acc: Vec<_> = (7..=10).map(|col| at(col, -1)).collect();
            let (key_prev, r_prev) = (at(7, -3), at(10, -4));
            let one = c(1);
            let not_r = one.clone() - r.clone();
            let sum = psum + co + ce + v8;
            let checksum = sum.clone() * (sum.clone() - c(10)) * (sum.clone() - c(20)) * (sum - c(30));
            let cusip = p * c(1 << 24) + c6 * c(1 << 16) + c7 * c(1 << 8) + c8;
            let k = idx * c(39 * 39 * 39) + rk6 * c(39 * 39) + rk7 * c(39) + rk8;
            let c_bytes = cb.iter().enumerate().fold(c(0), |acc, (j, b)| acc + b.clone() * Expression::Constant(Fr::from(1u64 << (8 * j))));
            let pair = |x: Expression<Fr>, y: Expression<Fr>| x + y * c(256);
            let contrib = [cnt.clone(), face.clone(), face.clone() * mat.clone(), w * face.clone()];
            let mut v = vec![
                r.clone() * not_r.clone(),
                not_r.clone() * cu.clone(),
                not_r * face.clone(),
                r.clone() * (cu - cusip),
                r.clone() * checksum,
                key.clone() - k,
                d - chain.clone() * r.clone() * (key - key_prev - one.clone()),
                chain.clone() * r.clone() * (one - r_prev),
                cnt.clone() - c_bytes,
                h.clone() + cnt - face.clone(),
                h * c(10_000) - face * bps - t.clone(),
                t.clone() - pair(t0, t1),
                c(9_999) - t - pair(u0, u1),
                r.clone() * (mat.clone() - lo - pair(e0, e1)),
                r * (hi - mat - pair(f0, f1)),
            ];
            for j in 0..4 {
                v.push(acc[j].clone() - contrib[j].clone() - chain.clone() * prev_acc[j].clone());
            }
            v.into_iter().map(|e| q.clone() * e).collect::<Vec<_>>()
        });

        // Parameter rows: columns 7..=10 (and 1..=4), bytes in 3..=6.
        meta.create_gate("policy range pair", |meta| {
            let q = meta.query_selector(q_rng);
            let x: Vec<_> = [3, 4, 5, 6, 7, 8].iter().map(|&i| meta.query_advice(a[i], Rotation::cur())).collect();
            vec![
                q.clone() * (x[4].clone() - x[0].clone() - x[1].clone() * c(256)),
                q * (x[5].clone() - x[2].clone() - x[3].clone() * c(256)),
            ]
        });
        // | 7: x | 8: y | 9: min | 10: g = [x <= y] | 3,4: bytes of the gap |; fixed 0 forces g = 1.
        meta.create_gate("policy compare", |meta| {
            let q = meta.query_selector(q_cmp);
            let force = meta.query_fixed(fx[0], Rotation::cur());
            let q_ = |col: usize, meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>| meta.query_advice(a[col], Rotation::cur());
            let (b0, b1, x, y, mn, g) = (q_(3, meta), q_(4, meta), q_(7, meta), q_(8, meta), q_(9, meta), q_(10, meta));
            let one = c(1);
            let gap = g.clone() * (y.clone() - x.clone()) + (one.clone() - g.clone()) * (x.clone() - y.clone() - one.clone());
            vec![
                q.clone() * g.clone() * (one.clone() - g.clone()),
                q.clone() * (mn - y.clone() - g.clone() * (x - y)),
                q.clone() * (gap - b0 - b1 * c(256)),
                q * force * (one - g),
            ]
        });
        // | 7 | 8 | 9 | 10 = f0*a7 + f1*a8 + f2*a9 + f3 |
        meta.create_gate("policy linear", |meta| {
            let q = meta.query_selector(q_lin);
            let f: Vec<_> = (0..4).map(|i| meta.query_fixed(fx[i], Rotation::cur())).collect();
            let x: Vec<_> = (7..=10).map(|i| meta.query_advice(a[i], Rotation::cur())).collect();
            vec![q * (x[3].clone() - f[0].clone() * x[0].clone() - f[1].clone() * x[1].clone() - f[2].clone() * x[2].clone() - f[3].clone())]
        });
        // Schedule table row: | 1: as_of | 2: lo | 3: hi | 4: bps || 7: LO | 8: HI | 9: bps | 10: w = fixed 0 |
        meta.create_gate("policy schedule row", |meta| {
            let q = meta.query_selector(q_tab);
            let w = meta.query_fixed(fx[0], Rotation::cur());
            let x: Vec<_> = (0..=10).map(|i| meta.query_advice(a[i], Rotation::cur())).collect();
            vec![
                q.clone() * (x[7].clone() - x[1].clone() - x[2].clone()),
                q.clone() * (x[8].clone() - x[1].clone() - x[3].clone()),
                q.clone() * (x[9].clone() - x[4].clone()),
                q * (x[10].clone() - w),
            ]
        });
        meta.create_gate("policy flags", |meta| {
            let q = meta.query_selector(q_bool);
            let x = meta.query_advice(a[7], Rotation::cur());
            let y = meta.query_advice(a[8], Rotation::cur());
            vec![q.clone() * x.clone() * (c(1) - x), q * y.clone() * (c(1) - y)]
        });
        // | 7: counted total | 8: liabilities | 9: ratio | 10: surplus |
        meta.create_gate("policy coverage", |meta| {
            let q = meta.query_selector(q_cov);
            let x: Vec<_> = (7..=10).map(|i| meta.query_advice(a[i], Rotation::cur())).collect();
            vec![q * (x[0].clone() * c(10_000) - x[1].clone() * x[2].clone() - x[3].clone())]
        });
        // | 1: max_wam | 2: enabled | 7: sum face | 8: sum face*maturity | 9: as_of | 10: slack |
        meta.create_gate("policy wam", |meta| {
            let q = meta.query_selector(q_wam);
            let x: Vec<_> = (0..=10).map(|i| meta.query_advice(a[i], Rotation::cur())).collect();
            let room = x[1].clone() * x[7].clone() - x[8].clone() + x[9].clone() * x[7].clone();
            vec![q * (x[10].clone() - x[2].clone() * room)]
        });
        // | 1: enabled | 7: weekly face | 8: sum face | 9: min bps | 10: slack |
        meta.create_gate("policy weekly liquidity", |meta| {
            let q = meta.query_selector(q_liq);
            let x: Vec<_> = (0..=10).map(|i| meta.query_advice(a[i], Rotation::cur())).collect();
            vec![q * (x[10].clone() - x[1].clone() * (x[7].clone() * c(10_000) - x[9].clone() * x[8].clone()))]
        });

        PolicyConfig {
            tree,
            instance,
            table,
            q_block,
            q_cus,
            q_byte,
            q_sched,
            q_tab,
            q_rng,
            q_cmp,
            q_lin,
            q_bool,
            q_cov,
            q_wam,
            q_liq,
        }
    }

    fn synthesize(&self, config: PolicyConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = MerkleSumChip::construct(config.tree.clone());
        chip.range().load_table(&mut layouter)?;
        layouter.assign_table(
            || "policy table",
            |mut table| {
                for (i, row) in table_rows().iter().enumerate() {
                    for (col, v) in row.iter().enumerate() {
                        table.assign_cell(|| "policy", config.table[col], i, || Value::known(Fr::from(*v)))?;
                    }
                }
                Ok(())
            },
        )?;
        let a = config.tree.poseidon.advice;
        let fx = config.tree.poseidon.fixed;
        let depth = self.depth;
        let n = 1usize << depth;
        let witness = self.witness.as_ref();
        let blocks = witness.map(block_witnesses);
        let known = |f: &dyn Fn(&PolicyWitness) -> Fr| witness.map_or(Value::unknown(), |w| Value::known(f(w)));

        let instance_cells = layouter.assign_region(
            || "policy solvency",
            |mut region| {
                let mut pubs: Vec<(Cell, usize)> = Vec::new();
                let root = chip.assign_tree(&mut region, 0, depth, witness.map(|w| &w.tree));
                pubs.push((root.hash.cell, SolvencyPublicInputs::ROOT));
                let base = MerkleSumChip::rows(depth);
                let adv = |region: &mut halo2_proofs::circuit::Region<'_, Fr>, col: usize, row: usize, v: Value<Fr>| {
                    region.assign_advice(a[col], row, v).cell()
                };

                // Per-leaf blocks.
                for i in 0..n {
                    let row0 = base + BLOCK_ROWS * i;
                    let bw = blocks.as_ref().map(|b| &b[i]);
                    let val = |f: &dyn Fn(&BlockWitness) -> Fr| bw.map_or(Value::unknown(), |b| Value::known(f(b)));
                    config.q_block.enable(&mut region, row0)?;
                    config.q_sched.enable(&mut region, row0 + 2)?;
                    region.assign_fixed(fx[10], row0, Fr::from((i > 0) as u64));
                    for r in 0..BLOCK_ROWS {
                        let row = row0 + r;
                        config.q_cus.enable(&mut region, row)?;
                        config.q_byte.enable(&mut region, row)?;
                        let tag = [TAG_PREFIX, TAG_CHAR7, TAG_CHAR8, TAG_DIGIT][r];
                        region.assign_fixed(fx[11], row, Fr::from(tag));
                        adv(&mut region, 0, row, val(&|b| b.key[r]));
                        adv(&mut region, 1, row, val(&|b| b.v1[r]));
                        adv(&mut region, 2, row, val(&|b| b.v2[r]));
                        for j in 0..4 {
                            adv(&mut region, 3 + j, row, val(&|b| b.bytes[r][j]));
                        }
                        for j in 0..4 {
                            let cell = adv(&mut region, 7 + j, row, val(&|b| b.right[r][j]));
                            if r == 0 && j < 3 {
                                // cusip, face value, maturity: the leaf's hash inputs.
                                let leaf = Cell { row_offset: i * ROWS_PER_PERMUTATION, column: Column::<Any>::from(a[1 + j]) };
                                region.constrain_equal(cell, leaf);
                            }
                        }
                    }
                    chip.range().assign(&mut region, row0, val(&|b| b.d), ORDER_BYTES);
                }
                let last = base + BLOCK_ROWS * (n - 1) + 3;
                let acc_cells: Vec<Cell> = (0..4).map(|j| Cell { row_offset: last, column: Column::<Any>::from(a[7 + j]) }).collect();

                // Parameter area.
                let mut row = base + BLOCK_ROWS * n;
                let mut rc = row;
                let zero = Value::known(Fr::ZERO);
                // The value the prover assigns for public input `k` (the inputs it assigns
                // from the witness; root, epoch and domain are never assigned here).
                let policy_fields = self.witness.as_ref().map(|w| w.policy.to_fields());
                let inst = |k: usize| -> Value<Fr> {
                    known(&|w: &PolicyWitness| match k {
                        SolvencyPublicInputs::LIABILITIES => w.liabilities,
                        SolvencyPublicInputs::RATIO_BPS => w.ratio_bps,
                        PolicyPublicInputs::AS_OF => w.as_of_days,
                        _ => policy_fields.as_ref().expect("with a witness")[k - PolicyPublicInputs::MAX_MATURITY],
                    })
                };
                // A range-pair row: two 2-byte values, returned as cells in columns 7 and 8.
                let rng_row = |region: &mut halo2_proofs::circuit::Region<'_, Fr>, row: usize, x: Value<Fr>, y: Value<Fr>| -> Result<(Cell, Cell), Error> {
                    config.q_rng.enable(region, row)?;
                    config.q_byte.enable(region, row)?;
                    for (j, v) in [x, y].iter().enumerate() {
                        region.assign_advice(a[3 + 2 * j], row, v.map(|v| byte_of(&v, 0)));
                        region.assign_advice(a[4 + 2 * j], row, v.map(|v| byte_of(&v, 1)));
                    }
                    let cx = region.assign_advice(a[7], row, x).cell();
                    let cy = region.assign_advice(a[8], row, y).cell();
                    Ok((cx, cy))
                };
                // A comparison row: returns (min cell, x <= y value).
                let cmp_row = |region: &mut halo2_proofs::circuit::Region<'_, Fr>, row: usize, x: (Cell, Value<Fr>), y: (Cell, Value<Fr>), force: bool| -> Result<(Cell, Value<Fr>), Error> {
                    config.q_cmp.enable(region, row)?;
                    config.q_byte.enable(region, row)?;
                    region.assign_fixed(fx[0], row, Fr::from(force as u64));
                    let g = x.1.zip(y.1).map(|(x, y)| Fr::from((fr_u64(&x) <= fr_u64(&y)) as u64));
                    let mn = x.1.zip(y.1).zip(g).map(|((x, y), g)| if g == Fr::ONE { x } else { y });
                    let gap = x.1.zip(y.1).zip(g).map(|((x, y), g)| if g == Fr::ONE { y - x } else { x - y - Fr::ONE });
                    region.assign_advice(a[3], row, gap.map(|v| byte_of(&v, 0)));
                    region.assign_advice(a[4], row, gap.map(|v| byte_of(&v, 1)));
                    region.assign_advice(a[5], row, zero);
                    region.assign_advice(a[6], row, zero);
                    let cx = region.assign_advice(a[7], row, x.1).cell();
                    region.constrain_equal(cx, x.0);
                    let cy = region.assign_advice(a[8], row, y.1).cell();
                    region.constrain_equal(cy, y.0);
                    let cm = region.assign_advice(a[9], row, mn).cell();
                    region.assign_advice(a[10], row, g);
                    Ok((cm, mn))
                };
                // A linear row: a10 = f0 x + f1 y + f2 z + f3 (None inputs are 0 and unconstrained).
                let lin_row = |region: &mut halo2_proofs::circuit::Region<'_, Fr>, row: usize, ins: [Option<(Cell, Value<Fr>)>; 3], f: [Fr; 4]| -> Result<(Cell, Value<Fr>), Error> {
                    config.q_lin.enable(region, row)?;
                    let mut out = Value::known(f[3]);
                    for (j, x) in ins.iter().enumerate() {
                        region.assign_fixed(fx[j], row, f[j]);
                        let v = x.map_or(zero, |x| x.1);
                        let cell = region.assign_advice(a[7 + j], row, v).cell();
                        if let Some(x) = x {
                            region.constrain_equal(cell, x.0);
                        }
                        out = out + v * Value::known(f[j]);
                    }
                    region.assign_fixed(fx[3], row, f[3]);
                    let c = region.assign_advice(a[10], row, out).cell();
                    Ok((c, out))
                };

                let (as_of, max_mat) = rng_row(&mut region, row, inst(PolicyPublicInputs::AS_OF), inst(PolicyPublicInputs::MAX_MATURITY))?;
                pubs.push((as_of, PolicyPublicInputs::AS_OF));
                pubs.push((max_mat, PolicyPublicInputs::MAX_MATURITY));
                let as_of = (as_of, inst(PolicyPublicInputs::AS_OF));
                let max_mat = (max_mat, inst(PolicyPublicInputs::MAX_MATURITY));
                row += 1;
                let (max_wam, min_bps) = rng_row(&mut region, row, inst(PolicyPublicInputs::MAX_WAM), inst(PolicyPublicInputs::MIN_WEEKLY_BPS))?;
                pubs.push((max_wam, PolicyPublicInputs::MAX_WAM));
                pubs.push((min_bps, PolicyPublicInputs::MIN_WEEKLY_BPS));
                row += 1;
                config.q_bool.enable(&mut region, row)?;
                let e_w = region.assign_advice(a[7], row, inst(PolicyPublicInputs::WAM_ENABLED)).cell();
                let e_l = region.assign_advice(a[8], row, inst(PolicyPublicInputs::WEEKLY_ENABLED)).cell();
                pubs.push((e_w, PolicyPublicInputs::WAM_ENABLED));
                pubs.push((e_l, PolicyPublicInputs::WEEKLY_ENABLED));
                row += 1;
                let seven = lin_row(&mut region, row, [None, None, None], [Fr::ZERO, Fr::ZERO, Fr::ZERO, Fr::from(WEEKLY_DAYS)])?;
                row += 1;
                let eight = lin_row(&mut region, row, [None, None, None], [Fr::ZERO, Fr::ZERO, Fr::ZERO, Fr::from(WEEKLY_DAYS + 1)])?;
                row += 1;
                let mut prev_m: Option<(Cell, Value<Fr>)> = None;
                for j in 0..HAIRCUT_SLOTS {
                    let (mi, bi) = (PolicyPublicInputs::BUCKETS + 2 * j, PolicyPublicInputs::BUCKETS + 2 * j + 1);
                    let (m, b) = rng_row(&mut region, row, inst(mi), inst(bi))?;
                    pubs.push((m, mi));
                    pubs.push((b, bi));
                    let m = (m, inst(mi));
                    let b = (b, inst(bi));
                    row += 1;
                    let lo = match prev_m {
                        None => lin_row(&mut region, row, [None, None, None], [Fr::ZERO; 4])?,
                        Some(pm) => lin_row(&mut region, row, [Some(pm), None, None], [Fr::ONE, Fr::ZERO, Fr::ZERO, Fr::ONE])?,
                    };
                    row += 1;
                    if let Some(pm) = prev_m {
                        cmp_row(&mut region, row, pm, m, true)?;
                        row += 1;
                    }
                    let hi = cmp_row(&mut region, row, m, max_mat, false)?;
                    row += 1;
                    let p1hi = cmp_row(&mut region, row, hi, seven, false)?;
                    row += 1;
                    let mn8 = cmp_row(&mut region, row, lo, eight, false)?;
                    row += 1;
                    let p2lo = lin_row(&mut region, row, [Some(lo), Some(eight), Some(mn8)], [Fr::ONE, Fr::ONE, -Fr::ONE, Fr::ZERO])?;
                    row += 1;
                    for (part_lo, part_hi, w) in [(lo, p1hi, true), (p2lo, hi, false)] {
                        config.q_tab.enable(&mut region, row)?;
                        region.assign_fixed(fx[0], row, Fr::from(w as u64));
                        for (col, x) in [(1, as_of), (2, part_lo), (3, part_hi), (4, b)] {
                            let cell = region.assign_advice(a[col], row, x.1).cell();
                            region.constrain_equal(cell, x.0);
                        }
                        region.assign_advice(a[7], row, as_of.1 + part_lo.1);
                        region.assign_advice(a[8], row, as_of.1 + part_hi.1);
                        region.assign_advice(a[9], row, b.1);
                        region.assign_advice(a[10], row, Value::known(Fr::from(w as u64)));
                        row += 1;
                    }
                    prev_m = Some(m);
                }
                let acc = |j: usize| blocks.as_ref().map_or(Value::unknown(), |b| Value::known(b[n - 1].right[3][j]));

                // Coverage on the counted total.
                config.q_cov.enable(&mut region, row)?;
                let liabilities = inst(SolvencyPublicInputs::LIABILITIES);
                let ratio = inst(SolvencyPublicInputs::RATIO_BPS);
                let surplus = acc(0) * Value::known(Fr::from(10_000)) - liabilities * ratio;
                let c = region.assign_advice(a[7], row, acc(0)).cell();
                region.constrain_equal(c, acc_cells[0]);
                let l_cell = region.assign_advice(a[8], row, liabilities).cell();
                let r_cell = region.assign_advice(a[9], row, ratio).cell();
                let s_cell = region.assign_advice(a[10], row, surplus).cell();
                pubs.push((l_cell, SolvencyPublicInputs::LIABILITIES));
                pubs.push((r_cell, SolvencyPublicInputs::RATIO_BPS));
                row += 1;
                // WAM.
                config.q_wam.enable(&mut region, row)?;
                let e_w_v = inst(PolicyPublicInputs::WAM_ENABLED);
                let wam_slack = e_w_v * (inst(PolicyPublicInputs::MAX_WAM) * acc(1) - acc(2) + as_of.1 * acc(1));
                for (col, v, to) in [
                    (1, inst(PolicyPublicInputs::MAX_WAM), Some(max_wam)),
                    (2, e_w_v, Some(e_w)),
                    (7, acc(1), Some(acc_cells[1])),
                    (8, acc(2), Some(acc_cells[2])),
                    (9, as_of.1, Some(as_of.0)),
                ] {
                    let cell = region.assign_advice(a[col], row, v).cell();
                    if let Some(to) = to {
                        region.constrain_equal(cell, to);
                    }
                }
                let wam_cell = region.assign_advice(a[10], row, wam_slack).cell();
                row += 1;
                // Weekly liquidity.
                config.q_liq.enable(&mut region, row)?;
                let e_l_v = inst(PolicyPublicInputs::WEEKLY_ENABLED);
                let min_bps_v = inst(PolicyPublicInputs::MIN_WEEKLY_BPS);
                let liq_slack = e_l_v * (acc(3) * Value::known(Fr::from(10_000)) - min_bps_v * acc(1));
                for (col, v, to) in [
                    (1, e_l_v, e_l),
                    (7, acc(3), acc_cells[3]),
                    (8, acc(1), acc_cells[1]),
                    (9, min_bps_v, min_bps),
                ] {
                    let cell = region.assign_advice(a[col], row, v).cell();
                    region.constrain_equal(cell, to);
                }
                let liq_cell = region.assign_advice(a[10], row, liq_slack).cell();
                row += 1;

                // Column-11 range checks of the tail, beside the parameter rows.
                for (cell, value, bytes) in [
                    (l_cell, liabilities, LIABILITIES_BYTES),
                    (r_cell, ratio, RATIO_BYTES),
                    (s_cell, surplus, SURPLUS_BYTES),
                    (wam_cell, wam_slack, SURPLUS_BYTES),
                    (liq_cell, liq_slack, SURPLUS_BYTES),
                ] {
                    let z0 = chip.range().assign(&mut region, rc, value, bytes);
                    region.constrain_equal(z0.cell, cell);
                    rc += RangeCheckChip::rows(bytes);
                }
                debug_assert_eq!(row - (base + BLOCK_ROWS * n), PARAM_ROWS);
                debug_assert_eq!(rc - (base + BLOCK_ROWS * n), PARAM_RC_ROWS);
                Ok(pubs)
            },
        )?;
        for (cell, idx) in instance_cells {
            layouter.constrain_instance(cell, config.instance, idx);
        }
        Ok(())
    }
}

/// The witness for a tree's leaves and the public inputs.
pub fn policy_witness(tree: TreeWitness, inputs: &PolicyPublicInputs) -> PolicyWitness {
    use ff::PrimeField;
    PolicyWitness {
        tree,
        liabilities: Fr::from_u128(inputs.solvency.liabilities),
        ratio_bps: Fr::from(u64::from(inputs.solvency.ratio_bps)),
        as_of_days: Fr::from(inputs.as_of_days),
        policy: inputs.policy,
        forced_schedule_rows: Vec::new(),
    }
}
