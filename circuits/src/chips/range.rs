//! Range check by byte decomposition: a running sum `z_0 = v, z_{i+1} = (z_i - b_i) / 256` in one
//! advice column, each byte `b_i = z_i - 256 z_{i+1}` looked up in a 256-row table, and
//! `z_n = 0`. That proves `v < 2^(8n)` in `n + 1` cells of a single column, which the Poseidon
//! layout leaves free (column 11), so a leaf's range check costs no extra rows.

use ff::PrimeField;
use halo2_proofs::{
    circuit::{Layouter, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Selector, TableColumn},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::poseidon::chip::AssignedValue;

pub const LIMB_BITS: usize = 8;

#[derive(Clone, Debug)]
pub struct RangeCheckConfig {
    pub column: Column<Advice>,
    table: TableColumn,
    q_lookup: Selector,
    q_zero: Selector,
}

pub struct RangeCheckChip {
    config: RangeCheckConfig,
}

/// `v >> (8 * bytes)` for `v` read as an integer in `[0, p)`.
pub fn shift_bytes(v: Fr, bytes: usize) -> Fr {
    let repr = v.to_repr();
    let mut out = [0u8; 32];
    if bytes < 32 {
        out[..32 - bytes].copy_from_slice(&repr[bytes..]);
    }
    Fr::from_repr(out).expect("a right shift of a canonical value is canonical")
}

impl RangeCheckChip {
    pub fn construct(config: RangeCheckConfig) -> Self {
        Self { config }
    }

    pub fn configure(meta: &mut ConstraintSystem<Fr>, column: Column<Advice>) -> RangeCheckConfig {
        let table = meta.lookup_table_column();
        let q_lookup = meta.complex_selector();
        let q_zero = meta.selector();
        meta.enable_equality(column);
        // row | column
        //  i  | z_i       q_lookup: z_i - 256 z_{i+1} in [0, 256)
        //  n  | z_n = 0   q_zero
        meta.lookup("byte of a running sum", |meta| {
            let q = meta.query_selector(q_lookup);
            let z = meta.query_advice(column, Rotation::cur());
            let z_next = meta.query_advice(column, Rotation::next());
            let byte = z - z_next * Fr::from(1 << LIMB_BITS);
            vec![(q * byte, table)]
        });
        meta.create_gate("running sum ends at zero", |meta| {
            let q = meta.query_selector(q_zero);
            let z = meta.query_advice(column, Rotation::cur());
            vec![q * z]
        });
        RangeCheckConfig { column, table, q_lookup, q_zero }
    }

    pub fn load_table(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error> {
        layouter.assign_table(
            || "bytes",
            |mut table| {
                for i in 0..(1usize << LIMB_BITS) {
                    table.assign_cell(|| "byte", self.config.table, i, || Value::known(Fr::from(i as u64)))?;
                }
                Ok(())
            },
        )
    }

    /// Proves `value < 2^(8 * bytes)` using rows `offset ..= offset + bytes` of the column.
    /// Returns `z_0`, the cell holding `value`, for the caller to tie to where the value lives.
    pub fn assign(&self, region: &mut Region<'_, Fr>, offset: usize, value: Value<Fr>, bytes: usize) -> AssignedValue {
        let cfg = &self.config;
        let mut first = None;
        for i in 0..=bytes {
            let z = value.map(|v| shift_bytes(v, i));
            let cell = region.assign_advice(cfg.column, offset + i, z).cell();
            if i < bytes {
                cfg.q_lookup.enable(region, offset + i).expect("selector in range");
            } else {
                cfg.q_zero.enable(region, offset + i).expect("selector in range");
            }
            first.get_or_insert(AssignedValue { cell, value });
        }
        first.expect("at least one row")
    }

    /// Rows of the byte table: a circuit using this chip needs at least as many usable rows.
    pub const TABLE_ROWS: usize = 1 << LIMB_BITS;

    /// Rows `assign` uses for a check of `bytes` bytes.
    pub const fn rows(bytes: usize) -> usize {
        bytes + 1
    }
}
