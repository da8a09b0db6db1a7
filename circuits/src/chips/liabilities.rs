//! Liabilities and coverage: each deployment's supply is below 2^96 cents, liabilities are the
//! sum of the table's supplies, and the counted reserves cover them at the ratio:
//! `counted = liabilities * ratio_bps + surplus`, the surplus below 2^128.
//!
//! `counted` is in units of 1/10000 cent (face times 10000 - bps, summed), so comparing it with
//! `liabilities * ratio_bps` (cents times basis points) needs no rounding.
//!
//! ```text
//! supply j:   3 `bytes` rows (12 bytes)                        of the compare chip
//! sum:        linear rows, three inputs each                   liabilities = s_0 + .. + s_15
//! ratio:      1 `bytes` row (4 bytes)
//! coverage:   | 8: counted | 9: liabilities | 10: ratio | 11: surplus |
//!             counted - liabilities * ratio - surplus = 0
//! surplus:    4 `bytes` rows (16 bytes)
//! ```
//!
//! Bounds: supplies below 2^96 make liabilities below 2^100 and the product below 2^132, far
//! below p, so a negative surplus wraps to more than p - 2^132 and fails its 16-byte check.

use ff::Field;
use halo2_proofs::{
    circuit::{Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::compare::{CompareChip, Num};
use crate::chips::rules_table::RulesTableChip;
use crate::statement::{DEPLOYMENT_SLOTS, RATIO_BYTES, SUPPLY_BYTES};

/// Bytes of the coverage surplus.
pub const SURPLUS_BYTES: usize = 16;

#[derive(Clone, Debug)]
pub struct LiabilitiesConfig {
    q_cover: Selector,
    data: [Column<Advice>; 4],
}

pub struct LiabilitiesChip {
    config: LiabilitiesConfig,
}

/// The cells the statement binds.
pub struct AssignedLiabilities {
    pub supplies: [Num; DEPLOYMENT_SLOTS],
    pub ratio: Num,
}

/// Rows [`LiabilitiesChip::assign`] uses.
pub const ROWS: usize = DEPLOYMENT_SLOTS * SUPPLY_BYTES / 4 + SUM_ROWS + RATIO_BYTES / 4 + 1 + SURPLUS_BYTES / 4;
const SUM_ROWS: usize = 1 + (DEPLOYMENT_SLOTS - 3).div_ceil(2);

impl LiabilitiesChip {
    pub fn construct(config: LiabilitiesConfig) -> Self {
        Self { config }
    }

    pub fn configure(meta: &mut ConstraintSystem<Fr>, data: [Column<Advice>; 4]) -> LiabilitiesConfig {
        for col in data {
            meta.enable_equality(col);
        }
        let q_cover = meta.selector();
        meta.create_gate("coverage", |meta| {
            let q = meta.query_selector(q_cover);
            let [counted, liabilities, ratio, surplus] = data.map(|c| meta.query_advice(c, Rotation::cur()));
            vec![q * (counted - liabilities * ratio - surplus)]
        });
        LiabilitiesConfig { q_cover, data }
    }

    /// Lays out the checks from `row`; `liabilities_offset` is zero but in adversarial tests.
    #[allow(clippy::too_many_arguments)]
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        compare: &CompareChip,
        rules: &RulesTableChip,
        mut row: usize,
        supplies: [Value<Fr>; DEPLOYMENT_SLOTS],
        ratio: Value<Fr>,
        counted: &Num,
        liabilities_offset: Fr,
    ) -> Result<AssignedLiabilities, Error> {
        let start = row;
        let mut cells = Vec::with_capacity(DEPLOYMENT_SLOTS);
        for s in supplies {
            cells.push(compare.bytes_range(region, rules, row, s, SUPPLY_BYTES / 4)?);
            row += SUPPLY_BYTES / 4;
        }
        let mut sum = compare.linear(
            region,
            row,
            [Some(&cells[0]), Some(&cells[1]), Some(&cells[2])],
            [Fr::ONE, Fr::ONE, Fr::ONE, Fr::ZERO],
        )?;
        row += 1;
        for pair in cells[3..].chunks(2) {
            let second = pair.get(1);
            let f2 = if second.is_some() { Fr::ONE } else { Fr::ZERO };
            sum =
                compare.linear(region, row, [Some(&sum), Some(&pair[0]), second], [Fr::ONE, Fr::ONE, f2, Fr::ZERO])?;
            row += 1;
        }
        let ratio_cell = compare.bytes_range(region, rules, row, ratio, RATIO_BYTES / 4)?;
        row += RATIO_BYTES / 4;

        self.config.q_cover.enable(region, row)?;
        let cfg = &self.config;
        let put =
            |region: &mut Region<'_, Fr>, col: usize, v: Value<Fr>| region.assign_advice(cfg.data[col], row, v).cell();
        let c = put(region, 0, counted.value);
        region.constrain_equal(c, counted.cell);
        let liabilities = sum.value + Value::known(liabilities_offset);
        let l = put(region, 1, liabilities);
        region.constrain_equal(l, sum.cell);
        let r = put(region, 2, ratio);
        region.constrain_equal(r, ratio_cell.cell);
        let surplus = counted.value - liabilities * ratio;
        let s = put(region, 3, surplus);
        row += 1;
        let checked = compare.bytes_range(region, rules, row, surplus, SURPLUS_BYTES / 4)?;
        region.constrain_equal(s, checked.cell);
        row += SURPLUS_BYTES / 4;
        debug_assert_eq!(row - start, ROWS);
        let _ = Fr::ZERO;
        Ok(AssignedLiabilities { supplies: cells.try_into().expect("16 supplies"), ratio: ratio_cell })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::testing::{fails_with, run, ChipCircuit};
    use ff::PrimeField;

    fn with(supplies: [u128; 3], ratio: u64, counted: u128) -> ChipCircuit {
        let mut s = [Fr::ZERO; DEPLOYMENT_SLOTS];
        for (j, v) in supplies.iter().enumerate() {
            s[j] = Fr::from_u128(*v);
        }
        ChipCircuit { liabilities: Some((s, Fr::from(ratio), Fr::from_u128(counted))), ..Default::default() }
    }

    #[test]
    fn coverage_holds_exactly_at_the_ratio_and_not_one_cent_beyond() {
        // counted is in 1/10000 cent: 3 cents * 10000 bps = 30000.
        run(&with([1, 1, 1], 10_000, 30_000)).expect("exactly covered");
        fails_with(run(&with([1, 1, 2], 10_000, 30_000)), "bytes");
        fails_with(run(&with([1, 1, 1], 10_001, 30_000)), "bytes");
    }

    #[test]
    fn a_supply_of_2_pow_96_is_refused() {
        let big = (1u128 << 96) - 1;
        run(&with([big, 0, 0], 1, big)).expect("2^96 - 1");
        fails_with(run(&with([1u128 << 96, 0, 0], 1, 1u128 << 100)), "bytes");
    }
}
