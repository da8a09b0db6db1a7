//! The position block: five rows per leaf, beside the tree, where the policy's rules about one
//! position are proved. The block's cells are named here once; the chips that constrain them
//! ([`super::cusip`], [`super::order`], [`super::schedule`], [`super::portfolio`]) read them
//! through [`PositionQueries`], and the witness of every block is computed natively, in
//! parallel, before synthesis ([`PositionWitness::build_all`]).
//!
//! ```text
//! row | slot 0 (0,1) | slot 1 (2,3) | slot 2 (4,5) | slot 3 (6,7) | 8           | 9        | 10           | 11
//!  0  | c1  v1       | c2  v2       | c3  v3       | c4  v4       | cusip       | face     | maturity     | g z0
//!  1  | c5  v5       | c6  v6       | c7  v7       | c8  v8       | real        | eligible | bps          | g z1
//!  2  | c9  d        | pfx 0        | m   0        | h0  0        | lo          | hi       | weekly       | g z2
//!  3  | h1  0        | h2  0        | h3  0        | h4  0        | acc_counted | acc_face | acc_face_mat | g z3
//!  4  | e0  0        | e1  0        | f0  0        | f1  0        | acc_weekly  |          |              | g z4 = 0
//! ```
//!
//! `c1..c9` the CUSIP's characters and `v1..v8` their check-digit contributions, `d` the check
//! digit's value, `pfx` the issuer prefix (or 0 where it is not checked), `m` the check sum over
//! ten; `g` (column 11, the range chip's running sum) and `h0..h4` the order gap's low 4 and high
//! 5 bytes; `e`, `f` the maturity's distance to its schedule row's bounds; `cusip`, `face` and
//! `maturity` are copies of the leaf's hash inputs. `cusip` and `real` of the previous block are
//! read at rotation -5, its accumulators at -2 and -1.

use ff::{Field, PrimeField};
use halo2_proofs::{
    circuit::{Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector, VirtualCells},
    poly::Rotation,
};
use halo2curves::bn256::Fr;
use rayon::prelude::*;

use crate::chips::poseidon::chip::AssignedValue;
use crate::chips::range::{RangeCheckChip, RangeCheckConfig};
use crate::chips::rules_table::{byte_of, RulesTableChip, Slot, Tag};
use crate::cusip::{char_contribution, char_value, cusip_bytes, prefix_value, Eligibility};
use crate::policy::{fr_u64, PolicyInstance, BPS_MAX};

/// Rows of one position block.
pub const BLOCK_ROWS: usize = 5;
/// Low bytes of the order gap, in the running sum of column 11 (one byte per row but the last).
pub const GAP_LOW_BYTES: usize = BLOCK_ROWS - 1;
/// High bytes of the order gap, in byte slots: with the low ones, the gap is below 2^72, the
/// size of a CUSIP's nine bytes.
pub const GAP_HIGH_BYTES: usize = 5;
/// What a padding leaf's block shows in its character slots: valid characters, so that its
/// lookups pass; its rules are switched off by `real = 0`.
const PADDING_CHARS: &[u8; 9] = b"000000000";

/// The columns of a block. Slots and data columns are shared with the tree's rows; the block
/// owns only its rows.
#[derive(Clone, Debug)]
pub struct PositionColumns {
    pub slots: [Slot; 4],
    /// Columns 8, 9, 10 of the drawing.
    pub data: [Column<Advice>; 3],
    /// Column 11: the order gap's running sum.
    pub gap: RangeCheckConfig,
    /// 1 on the first row of every block but the first: whether there is a previous position.
    pub has_prev: Column<Fixed>,
}

/// Every named cell of a block (and of the one before it) as an expression, at the block's
/// first row.
pub struct PositionQueries {
    pub chars: [Expression<Fr>; 9],
    pub contributions: [Expression<Fr>; 8],
    pub digit: Expression<Fr>,
    pub prefix: Expression<Fr>,
    pub check_tens: Expression<Fr>,
    pub gap_high: [Expression<Fr>; GAP_HIGH_BYTES],
    pub gap_low: Expression<Fr>,
    pub to_lo: [Expression<Fr>; 2],
    pub to_hi: [Expression<Fr>; 2],
    pub cusip: Expression<Fr>,
    pub face: Expression<Fr>,
    pub maturity: Expression<Fr>,
    pub real: Expression<Fr>,
    pub eligible: Expression<Fr>,
    pub bps: Expression<Fr>,
    pub lo: Expression<Fr>,
    pub hi: Expression<Fr>,
    pub weekly: Expression<Fr>,
    /// counted, face, face * maturity, weekly face.
    pub acc: [Expression<Fr>; 4],
    pub has_prev: Expression<Fr>,
    pub prev_cusip: Expression<Fr>,
    pub prev_real: Expression<Fr>,
    pub prev_acc: [Expression<Fr>; 4],
}

/// Where each named cell lives: (column kind, index, row of the block).
#[derive(Clone, Copy)]
enum At {
    Key(usize, usize),
    Value(usize, usize),
    Data(usize, usize),
}

const CHARS: [At; 9] = [
    At::Key(0, 0),
    At::Key(1, 0),
    At::Key(2, 0),
    At::Key(3, 0),
    At::Key(0, 1),
    At::Key(1, 1),
    At::Key(2, 1),
    At::Key(3, 1),
    At::Key(0, 2),
];
const CONTRIBUTIONS: [At; 8] = [
    At::Value(0, 0),
    At::Value(1, 0),
    At::Value(2, 0),
    At::Value(3, 0),
    At::Value(0, 1),
    At::Value(1, 1),
    At::Value(2, 1),
    At::Value(3, 1),
];
const DIGIT: At = At::Value(0, 2);
const PREFIX: At = At::Key(1, 2);
const CHECK_TENS: At = At::Key(2, 2);
const GAP_HIGH: [At; GAP_HIGH_BYTES] = [At::Key(3, 2), At::Key(0, 3), At::Key(1, 3), At::Key(2, 3), At::Key(3, 3)];
const TO_LO: [At; 2] = [At::Key(0, 4), At::Key(1, 4)];
const TO_HI: [At; 2] = [At::Key(2, 4), At::Key(3, 4)];
const CUSIP: At = At::Data(0, 0);
const FACE: At = At::Data(1, 0);
const MATURITY: At = At::Data(2, 0);
const REAL: At = At::Data(0, 1);
const ELIGIBLE: At = At::Data(1, 1);
const BPS: At = At::Data(2, 1);
const LO: At = At::Data(0, 2);
const HI: At = At::Data(1, 2);
const WEEKLY: At = At::Data(2, 2);
const ACC: [At; 4] = [At::Data(0, 3), At::Data(1, 3), At::Data(2, 3), At::Data(0, 4)];

impl PositionColumns {
    fn column(&self, at: At) -> (Column<Advice>, usize) {
        match at {
            At::Key(s, r) => (self.slots[s].key, r),
            At::Value(s, r) => (self.slots[s].value, r),
            At::Data(c, r) => (self.data[c], r),
        }
    }

    fn query(&self, meta: &mut VirtualCells<'_, Fr>, at: At, block: i32) -> Expression<Fr> {
        let (col, row) = self.column(at);
        meta.query_advice(col, Rotation(row as i32 + block * BLOCK_ROWS as i32))
    }

    /// The block's cells, read from its first row.
    pub fn queries(&self, meta: &mut VirtualCells<'_, Fr>) -> PositionQueries {
        let q = |meta: &mut VirtualCells<'_, Fr>, at| self.query(meta, at, 0);
        let prev = |meta: &mut VirtualCells<'_, Fr>, at| self.query(meta, at, -1);
        PositionQueries {
            chars: CHARS.map(|at| q(meta, at)),
            contributions: CONTRIBUTIONS.map(|at| q(meta, at)),
            digit: q(meta, DIGIT),
            prefix: q(meta, PREFIX),
            check_tens: q(meta, CHECK_TENS),
            gap_high: GAP_HIGH.map(|at| q(meta, at)),
            gap_low: meta.query_advice(self.gap.column, Rotation::cur()),
            to_lo: TO_LO.map(|at| q(meta, at)),
            to_hi: TO_HI.map(|at| q(meta, at)),
            cusip: q(meta, CUSIP),
            face: q(meta, FACE),
            maturity: q(meta, MATURITY),
            real: q(meta, REAL),
            eligible: q(meta, ELIGIBLE),
            bps: q(meta, BPS),
            lo: q(meta, LO),
            hi: q(meta, HI),
            weekly: q(meta, WEEKLY),
            acc: ACC.map(|at| q(meta, at)),
            has_prev: meta.query_fixed(self.has_prev, Rotation::cur()),
            prev_cusip: prev(meta, CUSIP),
            prev_real: prev(meta, REAL),
            prev_acc: ACC.map(|at| prev(meta, at)),
        }
    }
}

/// `sum_i x_i * 256^i`.
pub fn bytes_le(bytes: &[Expression<Fr>]) -> Expression<Fr> {
    bytes.iter().rev().fold(Expression::Constant(Fr::ZERO), |acc, b| acc * Fr::from(256) + b.clone())
}

/// Everything a block holds, computed natively.
#[derive(Clone, Debug, Default)]
pub struct PositionWitness {
    pub chars: [Fr; 9],
    pub contributions: [Fr; 8],
    pub digit: Fr,
    pub prefix: Fr,
    pub check_tens: Fr,
    pub gap: Fr,
    pub to_lo: Fr,
    pub to_hi: Fr,
    pub cusip: Fr,
    pub face: Fr,
    pub maturity: Fr,
    pub real: Fr,
    pub eligible: Fr,
    pub bps: Fr,
    pub lo: Fr,
    pub hi: Fr,
    pub weekly: Fr,
    pub acc: [Fr; 4],
}

/// A leaf's hash inputs as the block needs them.
#[derive(Clone, Copy, Debug)]
pub struct PositionInput {
    pub cusip: Fr,
    pub face: Fr,
    pub maturity: Fr,
}

impl PositionWitness {
    /// The blocks of every leaf, in tree order: each block's own cells in parallel, then the
    /// running sums in one pass. `forced_rows` (adversarial tests only) picks a leaf's schedule
    /// row by index instead of by its maturity.
    pub fn build_all(
        leaves: &[PositionInput],
        policy: &PolicyInstance,
        as_of: u64,
        forced_rows: &[(usize, usize)],
    ) -> Vec<PositionWitness> {
        let schedule = policy.schedule(as_of);
        let eligible = Fr::from((policy.eligible == Eligibility::UsTreasury) as u64);
        let mut blocks: Vec<PositionWitness> = leaves
            .par_iter()
            .enumerate()
            .map(|(i, leaf)| {
                let real = leaf.cusip != Fr::ZERO;
                let chars = if real { cusip_bytes(&leaf.cusip).unwrap_or([0; 9]) } else { *PADDING_CHARS };
                let mut w = PositionWitness {
                    cusip: leaf.cusip,
                    face: leaf.face,
                    maturity: leaf.maturity,
                    real: Fr::from(real as u64),
                    eligible,
                    chars: chars.map(|c| Fr::from(u64::from(c))),
                    ..Default::default()
                };
                let mut sum = 0;
                for (p, c) in chars[..8].iter().enumerate() {
                    let v = char_contribution(*c, p + 1).unwrap_or(0);
                    w.contributions[p] = Fr::from(v);
                    sum += v;
                }
                let digit = char_value(chars[8]).unwrap_or(0);
                w.digit = Fr::from(digit);
                w.check_tens = Fr::from((sum + digit) / 10);
                if real && eligible == Fr::ONE {
                    w.prefix = Fr::from(prefix_value(&chars));
                }
                // The schedule row holding the maturity (row 0 if none: the proof then fails).
                let m = fr_u64(&leaf.maturity);
                let row = m.and_then(|m| schedule.iter().position(|s| s.lo <= m && m <= s.hi)).unwrap_or(0);
                let row = forced_rows.iter().find(|(l, _)| *l == i).map_or(row, |&(_, r)| r);
                let s = schedule[row];
                (w.lo, w.hi, w.bps, w.weekly) =
                    (Fr::from(s.lo), Fr::from(s.hi), Fr::from(s.bps), Fr::from(s.weekly as u64));
                if real {
                    w.to_lo = leaf.maturity - w.lo;
                    w.to_hi = w.hi - leaf.maturity;
                }
                w
            })
            .collect();
        let mut acc = [Fr::ZERO; 4];
        let mut prev_cusip = Fr::ZERO;
        for b in blocks.iter_mut() {
            let contribution = [b.face * (Fr::from(BPS_MAX) - b.bps), b.face, b.face * b.maturity, b.weekly * b.face];
            for (a, c) in acc.iter_mut().zip(contribution) {
                *a += c;
            }
            b.acc = acc;
            if b.real == Fr::ONE {
                b.gap = b.cusip - prev_cusip - Fr::ONE;
            }
            prev_cusip = b.cusip;
        }
        // The first block has no predecessor: its gap is not checked.
        if let Some(first) = blocks.first_mut() {
            first.gap = Fr::ZERO;
        }
        blocks
    }
}

/// The cells of a block other chips connect to.
#[derive(Clone, Copy, Debug)]
pub struct AssignedPosition {
    pub cusip: AssignedValue,
    pub face: AssignedValue,
    pub maturity: AssignedValue,
    pub eligible: AssignedValue,
    /// counted, face, face * maturity, weekly face: running sums up to this block.
    pub acc: [AssignedValue; 4],
}

pub struct PositionChip {
    config: PositionColumns,
    /// The selectors of the gates that constrain a block (one per chip), all on its first row.
    q_block: Vec<Selector>,
}

impl PositionChip {
    pub fn construct(config: PositionColumns, q_block: Vec<Selector>) -> Self {
        Self { config, q_block }
    }

    /// Equality on the data columns: the leaf's inputs, the eligibility flag and the totals
    /// are copied in and out of blocks.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, config: PositionColumns) -> PositionColumns {
        for col in config.data {
            meta.enable_equality(col);
        }
        config
    }

    /// Lays out one block from row `offset`; `index` is the leaf's index in tree order.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        rules: &RulesTableChip,
        range: &RangeCheckChip,
        offset: usize,
        index: usize,
        w: Option<&PositionWitness>,
    ) -> Result<AssignedPosition, Error> {
        let cfg = &self.config;
        let val = |f: &dyn Fn(&PositionWitness) -> Fr| w.map_or(Value::unknown(), |w| Value::known(f(w)));
        for q in &self.q_block {
            q.enable(region, offset)?;
        }
        region.assign_fixed(cfg.has_prev, offset, Fr::from((index > 0) as u64));
        for r in 0..BLOCK_ROWS {
            rules.enable(region, offset + r)?;
        }
        let mut slot = |at: At, tag: Tag, key: Value<Fr>, value: Value<Fr>| -> Result<(), Error> {
            let (s, r) = match at {
                At::Key(s, r) => (s, r),
                _ => unreachable!("slots are addressed by their key"),
            };
            rules.assign(region, offset + r, s, tag, key, value)?;
            Ok(())
        };
        for (p, at) in CHARS.iter().enumerate() {
            let value = if p < 8 { val(&|w| w.contributions[p]) } else { val(&|w| w.digit) };
            slot(*at, Tag::of_place(p + 1), val(&|w| w.chars[p]), value)?;
        }
        let zero = Value::known(Fr::ZERO);
        slot(PREFIX, Tag::Prefix, val(&|w| w.prefix), zero)?;
        slot(CHECK_TENS, Tag::Byte, val(&|w| w.check_tens), zero)?;
        for (j, at) in GAP_HIGH.iter().enumerate() {
            slot(*at, Tag::Byte, val(&|w| byte_of(&w.gap, GAP_LOW_BYTES + j)), zero)?;
        }
        for (j, at) in TO_LO.iter().enumerate() {
            slot(*at, Tag::Byte, val(&|w| byte_of(&w.to_lo, j)), zero)?;
        }
        for (j, at) in TO_HI.iter().enumerate() {
            slot(*at, Tag::Byte, val(&|w| byte_of(&w.to_hi, j)), zero)?;
        }
        let gap_low = val(&|w| {
            let mut le = w.gap.to_repr();
            le[GAP_LOW_BYTES..].iter_mut().for_each(|b| *b = 0);
            Fr::from_repr(le).expect("four bytes")
        });
        range.assign(region, offset, gap_low, GAP_LOW_BYTES);
        let mut data = |at: At, v: Value<Fr>| -> AssignedValue {
            let (col, r) = cfg.column(at);
            let cell = region.assign_advice(col, offset + r, v).cell();
            AssignedValue { cell, value: v }
        };
        let cusip = data(CUSIP, val(&|w| w.cusip));
        let face = data(FACE, val(&|w| w.face));
        let maturity = data(MATURITY, val(&|w| w.maturity));
        data(REAL, val(&|w| w.real));
        let eligible = data(ELIGIBLE, val(&|w| w.eligible));
        data(BPS, val(&|w| w.bps));
        data(LO, val(&|w| w.lo));
        data(HI, val(&|w| w.hi));
        data(WEEKLY, val(&|w| w.weekly));
        let acc = [0, 1, 2, 3].map(|j| data(ACC[j], val(&|w| w.acc[j])));
        // The drawing's empty cells, so that no cell a gate reads is left unassigned.
        data(At::Data(1, 4), zero);
        data(At::Data(2, 4), zero);
        Ok(AssignedPosition { cusip, face, maturity, eligible, acc })
    }
}
