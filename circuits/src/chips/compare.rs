//! Small arithmetic on the statement's numbers, one row each: range checks by bytes, `x <= y`
//! with the minimum, affine combinations, flags. The attestation circuit uses these rows to
//! check every public input that enters arithmetic and to build the haircut schedule from the
//! policy's parameters.
//!
//! Rows use the rules table's four byte slots (columns 0..=7) and the data columns 8..=11:
//!
//! ```text
//! gate          | slots 0..3       | 8  | 9  | 10 | 11  | fixed
//! range pair    | x0 x1 y0 y1      | x  | y  |    |     | complement: x + y = 10000 when 1
//! less-or-equal | d0 d1 0 0        | x  | y  | g  | min | force: g = 1 required when 1
//! linear        | (slots off)      | x  | y  | z  | out | f0..f3: out = f0 x + f1 y + f2 z + f3
//! bytes         | b0 b1 b2 b3      | z  |    |    |     | more: z = b + 2^32 z_next when 1, z = b else
//! flags         | (slots off)      | a  | b  | c  |     | a, b, c in {0, 1}
//! ```
//!
//! `less-or-equal`: `g = [x <= y]`, `min = g ? x : y`, and `d = g ? y - x : x - y - 1` is two
//! bytes, which decides `g` for any `x, y < 2^16`. `bytes` over n rows proves `z_0 < 2^(32 n)`.

use ff::{Field, PrimeField};
use halo2_proofs::{
    circuit::{Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::poseidon::chip::AssignedValue;
use crate::chips::position::bytes_le;
use crate::chips::rules_table::{byte_of, RulesTableChip, Slot};
use crate::policy::BPS_MAX;

#[derive(Clone, Debug)]
pub struct CompareConfig {
    pub slots: [Slot; 4],
    /// Columns 8, 9, 10, 11 of the drawing.
    pub data: [Column<Advice>; 4],
    /// Per-row constants: the complement, force, more flags and the linear coefficients.
    pub fixed: [Column<Fixed>; 4],
    q_range: Selector,
    q_le: Selector,
    q_linear: Selector,
    q_bytes: Selector,
    q_flags: Selector,
}

pub struct CompareChip {
    config: CompareConfig,
}

/// A value in a cell, as the chips pass them around.
pub type Num = AssignedValue;

fn c(v: u64) -> Expression<Fr> {
    Expression::Constant(Fr::from(v))
}

impl CompareChip {
    pub fn construct(config: CompareConfig) -> Self {
        Self { config }
    }

    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        slots: [Slot; 4],
        data: [Column<Advice>; 4],
        fixed: [Column<Fixed>; 4],
    ) -> CompareConfig {
        for col in data {
            meta.enable_equality(col);
        }
        let q_range = meta.selector();
        let q_le = meta.selector();
        let q_linear = meta.selector();
        let q_bytes = meta.selector();
        let q_flags = meta.selector();
        let key = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>, i: usize| {
            meta.query_advice(slots[i].key, Rotation::cur())
        };
        meta.create_gate("range pair", |meta| {
            let q = meta.query_selector(q_range);
            let b: Vec<_> = (0..4).map(|i| key(meta, i)).collect();
            let x = meta.query_advice(data[0], Rotation::cur());
            let y = meta.query_advice(data[1], Rotation::cur());
            let complement = meta.query_fixed(fixed[0], Rotation::cur());
            vec![
                q.clone() * (x.clone() - bytes_le(&b[0..2])),
                q.clone() * (y.clone() - bytes_le(&b[2..4])),
                q * complement * (x + y - c(BPS_MAX)),
            ]
        });
        meta.create_gate("less or equal", |meta| {
            let q = meta.query_selector(q_le);
            let d = bytes_le(&[key(meta, 0), key(meta, 1)]);
            let upper = bytes_le(&[key(meta, 2), key(meta, 3)]);
            let [x, y, g, min] = data.map(|col| meta.query_advice(col, Rotation::cur()));
            let force = meta.query_fixed(fixed[0], Rotation::cur());
            let one = c(1);
            let gap =
                g.clone() * (y.clone() - x.clone()) + (one.clone() - g.clone()) * (x.clone() - y.clone() - one.clone());
            vec![
                q.clone() * g.clone() * (one.clone() - g.clone()),
                q.clone() * (min - y.clone() - g.clone() * (x - y)),
                q.clone() * (gap - d),
                q.clone() * upper,
                q * force * (one - g),
            ]
        });
        meta.create_gate("linear", |meta| {
            let q = meta.query_selector(q_linear);
            let [x, y, z, out] = data.map(|col| meta.query_advice(col, Rotation::cur()));
            let [f0, f1, f2, f3] = fixed.map(|col| meta.query_fixed(col, Rotation::cur()));
            vec![q * (out - f0 * x - f1 * y - f2 * z - f3)]
        });
        meta.create_gate("bytes", |meta| {
            let q = meta.query_selector(q_bytes);
            let b: Vec<_> = (0..4).map(|i| key(meta, i)).collect();
            let z = meta.query_advice(data[0], Rotation::cur());
            let z_next = meta.query_advice(data[0], Rotation::next());
            let more = meta.query_fixed(fixed[0], Rotation::cur());
            vec![q * (z - bytes_le(&b) - more * z_next * Fr::from(1u64 << 32))]
        });
        meta.create_gate("flags", |meta| {
            let q = meta.query_selector(q_flags);
            data[..3]
                .iter()
                .map(|col| {
                    let x = meta.query_advice(*col, Rotation::cur());
                    q.clone() * x.clone() * (c(1) - x)
                })
                .collect::<Vec<_>>()
        });
        CompareConfig { slots, data, fixed, q_range, q_le, q_linear, q_bytes, q_flags }
    }

    fn put(&self, region: &mut Region<'_, Fr>, col: usize, row: usize, v: Value<Fr>) -> Num {
        let cell = region.assign_advice(self.config.data[col], row, v).cell();
        Num { cell, value: v }
    }

    /// Copies `from` into data column `col` of `row`.
    fn copy(&self, region: &mut Region<'_, Fr>, col: usize, row: usize, from: &Num) -> Num {
        let n = self.put(region, col, row, from.value);
        region.constrain_equal(n.cell, from.cell);
        n
    }

    fn bytes(
        &self,
        region: &mut Region<'_, Fr>,
        rules: &RulesTableChip,
        row: usize,
        bytes: [Value<Fr>; 4],
    ) -> Result<(), Error> {
        rules.enable(region, row)?;
        for (slot, b) in bytes.into_iter().enumerate() {
            rules.assign_byte(region, row, slot, b)?;
        }
        Ok(())
    }

    /// One row proving `x, y < 2^16`, and with `complement` also `x + y = 10000` (so that
    /// `x <= 10000`). Returns the cells of `x` and `y` (column 8, 9).
    pub fn range_pair(
        &self,
        region: &mut Region<'_, Fr>,
        rules: &RulesTableChip,
        row: usize,
        x: Value<Fr>,
        y: Value<Fr>,
        complement: bool,
    ) -> Result<(Num, Num), Error> {
        self.config.q_range.enable(region, row)?;
        region.assign_fixed(self.config.fixed[0], row, Fr::from(complement as u64));
        let b = |v: Value<Fr>, i| v.map(|v| byte_of(&v, i));
        self.bytes(region, rules, row, [b(x, 0), b(x, 1), b(y, 0), b(y, 1)])?;
        Ok((self.put(region, 0, row, x), self.put(region, 1, row, y)))
    }

    /// One row: `g = [x <= y]` and `min(x, y)`; with `force`, `x <= y` is required.
    /// Inputs must already be known to be below 2^16.
    pub fn less_or_equal(
        &self,
        region: &mut Region<'_, Fr>,
        rules: &RulesTableChip,
        row: usize,
        x: &Num,
        y: &Num,
        force: bool,
    ) -> Result<Num, Error> {
        self.config.q_le.enable(region, row)?;
        region.assign_fixed(self.config.fixed[0], row, Fr::from(force as u64));
        let g = x.value.zip(y.value).map(|(x, y)| le_u64(&x, &y));
        let gap = x.value.zip(y.value).map(|(x, y)| if le_u64(&x, &y) { y - x } else { x - y - Fr::ONE });
        let zero = Value::known(Fr::ZERO);
        self.bytes(region, rules, row, [gap.map(|v| byte_of(&v, 0)), gap.map(|v| byte_of(&v, 1)), zero, zero])?;
        self.copy(region, 0, row, x);
        self.copy(region, 1, row, y);
        self.put(region, 2, row, g.map(|g| Fr::from(g as u64)));
        let min = x.value.zip(y.value).map(|(x, y)| if le_u64(&x, &y) { x } else { y });
        Ok(self.put(region, 3, row, min))
    }

    /// One row: `f0 x + f1 y + f2 z + f3`; an absent input counts with coefficient 0 (its cell
    /// is not tied to anything).
    pub fn linear(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        inputs: [Option<&Num>; 3],
        f: [Fr; 4],
    ) -> Result<Num, Error> {
        self.config.q_linear.enable(region, row)?;
        let mut out = Value::known(f[3]);
        for (j, x) in inputs.iter().enumerate() {
            match x {
                Some(x) => {
                    region.assign_fixed(self.config.fixed[j], row, f[j]);
                    self.copy(region, j, row, x);
                    out = out + x.value * Value::known(f[j]);
                }
                None => {
                    // An absent input's cell is free (no copy constraint): its coefficient must
                    // be 0 whatever the caller passed, or the prover picks the output.
                    region.assign_fixed(self.config.fixed[j], row, Fr::ZERO);
                    self.put(region, j, row, Value::known(Fr::ZERO));
                }
            }
        }
        region.assign_fixed(self.config.fixed[3], row, f[3]);
        Ok(self.put(region, 3, row, out))
    }

    /// A constant in a cell (a linear row with no inputs).
    pub fn constant(&self, region: &mut Region<'_, Fr>, row: usize, v: u64) -> Result<Num, Error> {
        self.linear(region, row, [None, None, None], [Fr::ZERO, Fr::ZERO, Fr::ZERO, Fr::from(v)])
    }

    /// `rows` rows proving `value < 2^(32 rows)`; returns the cell holding `value`.
    pub fn bytes_range(
        &self,
        region: &mut Region<'_, Fr>,
        rules: &RulesTableChip,
        row: usize,
        value: Value<Fr>,
        rows: usize,
    ) -> Result<Num, Error> {
        let mut first = None;
        for i in 0..rows {
            let r = row + i;
            self.config.q_bytes.enable(region, r)?;
            region.assign_fixed(self.config.fixed[0], r, Fr::from((i + 1 < rows) as u64));
            let z = value.map(|v| shift_bytes(&v, 4 * i));
            let b = |j: usize| z.map(|z| byte_of(&z, j));
            self.bytes(region, rules, r, [b(0), b(1), b(2), b(3)])?;
            let n = self.put(region, 0, r, z);
            first.get_or_insert(n);
        }
        Ok(first.expect("at least one row"))
    }

    /// One row holding three flags, each proved to be 0 or 1.
    pub fn flags(&self, region: &mut Region<'_, Fr>, row: usize, flags: [Value<Fr>; 3]) -> Result<[Num; 3], Error> {
        self.config.q_flags.enable(region, row)?;
        Ok([0, 1, 2].map(|j| self.put(region, j, row, flags[j])))
    }

    /// Copies `from` into data column `col` of `row` (for gates of other chips that read the
    /// data columns).
    pub fn place(&self, region: &mut Region<'_, Fr>, col: usize, row: usize, from: &Num) -> Num {
        self.copy(region, col, row, from)
    }

    /// A free cell in data column `col`.
    pub fn free(&self, region: &mut Region<'_, Fr>, col: usize, row: usize, v: Value<Fr>) -> Num {
        self.put(region, col, row, v)
    }
}

/// Whether `x <= y` as integers below 2^64 (values above count as large).
fn le_u64(x: &Fr, y: &Fr) -> bool {
    let (x, y) = (crate::policy::fr_u64(x), crate::policy::fr_u64(y));
    matches!((x, y), (Some(x), Some(y)) if x <= y) || (x.is_some() && y.is_none())
}

/// `v >> (8 * bytes)` for `v` read as an integer.
fn shift_bytes(v: &Fr, bytes: usize) -> Fr {
    crate::chips::range::shift_bytes(*v, bytes)
}

/// A field element from a u128, for the statement's amounts.
pub fn fr_u128(x: u128) -> Fr {
    Fr::from_u128(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::rules_table::RulesTableConfig;
    use halo2_proofs::{
        circuit::{Layouter, SimpleFloorPlanner},
        dev::MockProver,
        plonk::Circuit,
    };

    #[derive(Clone, Debug)]
    struct Config {
        rules: RulesTableConfig,
        compare: CompareConfig,
    }

    /// `x <= y` forced, `x` and `y` range-checked first; `bps` checked to be at most 10000; `big`
    /// checked below 2^64.
    #[derive(Clone, Default)]
    struct CompareCircuit {
        x: u64,
        y: u64,
        bps: u64,
        big: Fr,
    }

    impl Circuit<Fr> for CompareCircuit {
        type Config = Config;
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();
        fn without_witnesses(&self) -> Self {
            self.clone()
        }
        fn configure(meta: &mut ConstraintSystem<Fr>) -> Config {
            let slots = [(); 4].map(|_| Slot {
                tag: meta.fixed_column(),
                key: meta.advice_column(),
                value: meta.advice_column(),
            });
            let rules = RulesTableChip::configure(meta, slots.to_vec());
            let data = [(); 4].map(|_| meta.advice_column());
            let fixed = [(); 4].map(|_| meta.fixed_column());
            Config { rules, compare: CompareChip::configure(meta, slots, data, fixed) }
        }
        fn synthesize(&self, config: Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
            let rules = RulesTableChip::construct(config.rules);
            rules.load(&mut layouter)?;
            let chip = CompareChip::construct(config.compare);
            layouter.assign_region(
                || "compare",
                |mut region| {
                    let k = |v: u64| Value::known(Fr::from(v));
                    let (x, y) = chip.range_pair(&mut region, &rules, 0, k(self.x), k(self.y), false)?;
                    chip.less_or_equal(&mut region, &rules, 1, &x, &y, true)?;
                    chip.range_pair(
                        &mut region,
                        &rules,
                        2,
                        k(self.bps),
                        k(BPS_MAX.wrapping_sub(self.bps) & 0xffff_ffff),
                        true,
                    )?;
                    chip.bytes_range(&mut region, &rules, 3, Value::known(self.big), 2)?;
                    Ok(())
                },
            )
        }
    }

    fn ok(c: CompareCircuit) -> bool {
        MockProver::run(9, &c, vec![]).expect("runs").verify().is_ok()
    }

    #[test]
    fn comparisons_and_ranges_hold_exactly_at_their_bounds() {
        let base = CompareCircuit { x: 5, y: 5, bps: 10_000, big: Fr::from(u64::MAX) };
        assert!(ok(base.clone()));
        assert!(ok(CompareCircuit { x: 0, y: 65_535, ..base.clone() }));
        assert!(!ok(CompareCircuit { x: 6, y: 5, ..base.clone() }), "x > y with force");
        assert!(!ok(CompareCircuit { x: 65_536, ..base.clone() }), "x of 2^16");
        assert!(!ok(CompareCircuit { bps: 10_001, ..base.clone() }), "bps above 10000");
        assert!(!ok(CompareCircuit { big: Fr::from_u128(1 << 64), ..base.clone() }), "2^64 in 8 bytes");
        assert!(!ok(CompareCircuit { big: -Fr::ONE, ..base }), "p - 1 in 8 bytes");
    }
}
