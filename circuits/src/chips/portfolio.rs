//! Portfolio sums and limits: each block adds its position to four running sums (counted value
//! after the haircut, face, face times maturity, weekly-liquid face); after the last block the
//! weighted average maturity and weekly liquidity are checked against the policy.
//!
//! Block rows (see [`super::position`]); `prev` is the previous block:
//!
//! ```text
//! row | 8           | 9        | 10
//!  0  |             | face     | maturity
//!  1  |             |          | bps
//!  2  |             |          | weekly
//!  3  | acc_counted | acc_face | acc_face_mat
//!  4  | acc_weekly  |          |
//!
//! acc_counted  = has_prev * prev.acc_counted  + face * (10000 - bps)     exact, no rounding
//! acc_face     = has_prev * prev.acc_face     + face
//! acc_face_mat = has_prev * prev.acc_face_mat + face * maturity
//! acc_weekly   = has_prev * prev.acc_weekly   + weekly * face
//! ```
//!
//! Limits, one row each (data columns 8..=11, columns 1 and 2 of the same row):
//!
//! ```text
//! WAM:       | 1: max_wam | 2: on || 8: F | 9: FM | 10: as_of   | 11: s   s = on * (max_wam F - FM + as_of F)
//! liquidity: | 1: on      |       || 8: W | 9: F  | 10: min_bps | 11: s   s = on * (10000 W - min_bps F)
//! ```
//!
//! `s` is then proved below 2^128: every term is far below that, so a negative `s` (a limit
//! broken) wraps to more than p - 2^128 and fails.

use halo2_proofs::{
    circuit::{Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::compare::{CompareChip, Num};
use crate::chips::position::PositionColumns;
use crate::chips::rules_table::RulesTableChip;
use crate::policy::BPS_MAX;

/// Bytes of a limit's slack: the sums are below 2^(64 + 24 + 17) for any tree this crate builds.
pub const SLACK_BYTES: usize = 16;

#[derive(Clone, Debug)]
pub struct PortfolioConfig {
    pub q_block: Selector,
    q_wam: Selector,
    q_liquidity: Selector,
    /// Columns 1 and 2 of the limit rows: the policy's bound and switch.
    params: [Column<Advice>; 2],
    /// Columns 8..=11.
    data: [Column<Advice>; 4],
}

pub struct PortfolioChip {
    config: PortfolioConfig,
}

/// The four running sums after the last block.
#[derive(Clone, Copy, Debug)]
pub struct Totals {
    pub counted: Num,
    pub face: Num,
    pub face_maturity: Num,
    pub weekly: Num,
}

impl PortfolioChip {
    pub fn construct(config: PortfolioConfig) -> Self {
        Self { config }
    }

    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        cols: &PositionColumns,
        params: [Column<Advice>; 2],
        data: [Column<Advice>; 4],
    ) -> PortfolioConfig {
        for col in params {
            meta.enable_equality(col);
        }
        let q_block = meta.selector();
        meta.create_gate("portfolio running sums", |meta| {
            let q = meta.query_selector(q_block);
            let p = cols.queries(meta);
            let added = [
                p.face.clone() * (Expression::Constant(Fr::from(BPS_MAX)) - p.bps),
                p.face.clone(),
                p.face.clone() * p.maturity,
                p.weekly * p.face,
            ];
            (0..4)
                .map(|j| q.clone() * (p.acc[j].clone() - p.has_prev.clone() * p.prev_acc[j].clone() - added[j].clone()))
                .collect::<Vec<_>>()
        });
        let q_wam = meta.selector();
        let q_liquidity = meta.selector();
        meta.create_gate("weighted average maturity", |meta| {
            let q = meta.query_selector(q_wam);
            let [max_wam, on] = params.map(|c| meta.query_advice(c, Rotation::cur()));
            let [f, fm, as_of, s] = data.map(|c| meta.query_advice(c, Rotation::cur()));
            vec![q * (s - on * (max_wam * f.clone() - fm + as_of * f))]
        });
        meta.create_gate("weekly liquidity", |meta| {
            let q = meta.query_selector(q_liquidity);
            let on = meta.query_advice(params[0], Rotation::cur());
            let [w, f, min_bps, s] = data.map(|c| meta.query_advice(c, Rotation::cur()));
            vec![q * (s - on * (w * Fr::from(BPS_MAX) - min_bps * f))]
        });
        PortfolioConfig { q_block, q_wam, q_liquidity, params, data }
    }

    /// One limit row: the copied parameters and totals, then the slack, proved below 2^128 in
    /// the rows after it; returns the rows used.
    #[allow(clippy::too_many_arguments)]
    fn limit_row(
        &self,
        region: &mut Region<'_, Fr>,
        compare: &CompareChip,
        rules: &RulesTableChip,
        row: usize,
        params: &[&Num],
        data: [&Num; 3],
        slack: Value<Fr>,
    ) -> Result<usize, Error> {
        let columns = self.config.params.iter().zip(params).chain(self.config.data.iter().zip(&data));
        for (col, from) in columns {
            let cell = region.assign_advice(*col, row, from.value).cell();
            region.constrain_equal(cell, from.cell);
        }
        let s = region.assign_advice(self.config.data[3], row, slack).cell();
        let checked = compare.bytes_range(region, rules, row + 1, slack, SLACK_BYTES / 4)?;
        region.constrain_equal(s, checked.cell);
        Ok(1 + SLACK_BYTES / 4)
    }

    /// The WAM row and its slack's range check; returns the rows used.
    #[allow(clippy::too_many_arguments)]
    pub fn assign_wam(
        &self,
        region: &mut Region<'_, Fr>,
        compare: &CompareChip,
        rules: &RulesTableChip,
        row: usize,
        totals: &Totals,
        max_wam: &Num,
        on: &Num,
        as_of: &Num,
    ) -> Result<usize, Error> {
        self.config.q_wam.enable(region, row)?;
        let (f, fm) = (totals.face.value, totals.face_maturity.value);
        let slack = on.value * (max_wam.value * f - fm + as_of.value * f);
        self.limit_row(region, compare, rules, row, &[max_wam, on], [&totals.face, &totals.face_maturity, as_of], slack)
    }

    /// The weekly-liquidity row and its slack's range check; returns the rows used.
    #[allow(clippy::too_many_arguments)]
    pub fn assign_liquidity(
        &self,
        region: &mut Region<'_, Fr>,
        compare: &CompareChip,
        rules: &RulesTableChip,
        row: usize,
        totals: &Totals,
        on: &Num,
        min_bps: &Num,
    ) -> Result<usize, Error> {
        self.config.q_liquidity.enable(region, row)?;
        let ten_k = Value::known(Fr::from(BPS_MAX));
        let slack = on.value * (totals.weekly.value * ten_k - min_bps.value * totals.face.value);
        self.limit_row(region, compare, rules, row, &[on], [&totals.weekly, &totals.face, min_bps], slack)
    }

    /// Rows the two limits use.
    pub const LIMIT_ROWS: usize = 2 * (1 + SLACK_BYTES / 4);
}

#[cfg(test)]
mod tests {
    use crate::chips::testing::{circuit, fails_with, run};
    use halo2curves::bn256::Fr;

    #[test]
    fn running_sums_add_each_position_exactly() {
        let c = circuit(&[("912797KJ5", 300, 30), ("912797UD7", 100, 5)], 1, None);
        run(&c).expect("honest sums");
        assert_eq!(c.blocks[2].acc[1], Fr::from(400));
        for j in 0..4 {
            let mut bad = c.clone();
            bad.blocks[1].acc[j] += Fr::from(1);
            fails_with(run(&bad), "portfolio running sums");
        }
    }
}
