//! The haircut schedule: from the policy's public parameters the circuit builds a table of
//! maturity intervals, each with its haircut and whether it is weekly liquid; every real
//! position's maturity lies in the interval of the row its block looks up.
//!
//! The table, built in the parameter rows: for haircut slot j with bound `m_j` (days after the
//! as-of date) and haircut `bps_j`, the interval `[m_{j-1} + 1, min(m_j, max_maturity)]` (the
//! first starts at 0), split at 7 days into a weekly-liquid row and the rest. Bounds must not
//! decrease, so intervals never overlap and a position gets the first bucket whose bound holds.
//!
//! ```text
//! table row: | 1: as_of | 2: lo | 3: hi | 4: bps || 8: LO = as_of + lo | 9: HI = as_of + hi | 10: bps | 11: w = fixed
//! ```
//!
//! Block rows (see [`super::position`]):
//!
//! ```text
//! row | slots 0..3       | 8   | 9  | 10
//!  0  |                  |     |    | maturity
//!  1  |                  |     |    | bps
//!  2  |                  | lo  | hi | weekly
//!  4  | e0 e1 f0 f1      |     |    |
//!
//! (1, lo, hi, bps, weekly) is a table row (q_table, 8, 9, 10, 11)
//! real * (maturity - lo - e) = 0,  real * (hi - maturity - f) = 0,  e, f two bytes each
//! ```
//!
//! So a real position matures between the as-of date and the policy's maximum maturity, and
//! counts with its own bucket's haircut; a padding block looks up any row and is not bounded.

use ff::Field;
use halo2_proofs::{
    circuit::Region,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use crate::chips::compare::{CompareChip, Num};
use crate::chips::position::{bytes_le, PositionColumns};
use crate::chips::rules_table::RulesTableChip;
use crate::policy::{HAIRCUT_SLOTS, WEEKLY_DAYS};

#[derive(Clone, Debug)]
pub struct ScheduleConfig {
    pub q_block: Selector,
    q_table: Selector,
    /// Columns 1..=4 of a table row: as_of, lo, hi, bps.
    inputs: [Column<Advice>; 4],
    /// Columns 8..=11 of a table row: LO, HI, bps, w.
    row: [Column<Advice>; 4],
    weekly: Column<Fixed>,
}

pub struct ScheduleChip {
    config: ScheduleConfig,
}

/// The public inputs the schedule is built from, as cells.
#[derive(Clone, Copy, Debug)]
pub struct SchedulePolicy {
    pub as_of: Num,
    pub max_maturity: Num,
    /// `(max_days, bps)` per haircut slot.
    pub buckets: [(Num, Num); HAIRCUT_SLOTS],
}

/// Rows [`ScheduleChip::assign_table`] uses.
pub const TABLE_BUILD_ROWS: usize = 2 + HAIRCUT_SLOTS * 7 + (HAIRCUT_SLOTS - 1);

impl ScheduleChip {
    pub fn construct(config: ScheduleConfig) -> Self {
        Self { config }
    }

    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        cols: &PositionColumns,
        inputs: [Column<Advice>; 4],
        row: [Column<Advice>; 4],
        weekly: Column<Fixed>,
    ) -> ScheduleConfig {
        for col in inputs.iter().chain(row.iter()) {
            meta.enable_equality(*col);
        }
        let q_block = meta.complex_selector();
        let q_table = meta.complex_selector();
        meta.create_gate("schedule table row", |meta| {
            let q = meta.query_selector(q_table);
            let [as_of, lo, hi, bps] = inputs.map(|c| meta.query_advice(c, Rotation::cur()));
            let [lo_abs, hi_abs, bps_out, w] = row.map(|c| meta.query_advice(c, Rotation::cur()));
            let fixed_w = meta.query_fixed(weekly, Rotation::cur());
            vec![
                q.clone() * (lo_abs - as_of.clone() - lo),
                q.clone() * (hi_abs - as_of - hi),
                q.clone() * (bps_out - bps),
                q * (w - fixed_w),
            ]
        });
        meta.lookup_any("maturity's schedule row", |meta| {
            let qb = meta.query_selector(q_block);
            let qt = meta.query_selector(q_table);
            let p = cols.queries(meta);
            let table: Vec<Expression<Fr>> = row.iter().map(|c| meta.query_advice(*c, Rotation::cur())).collect();
            let mut pairs = vec![(qb.clone(), qt.clone())];
            for (x, t) in [p.lo, p.hi, p.bps, p.weekly].into_iter().zip(table) {
                pairs.push((qb.clone() * x, qt.clone() * t));
            }
            pairs
        });
        meta.create_gate("maturity within its schedule row", |meta| {
            let q = meta.query_selector(q_block);
            let p = cols.queries(meta);
            vec![
                q.clone() * p.real.clone() * (p.maturity.clone() - p.lo - bytes_le(&p.to_lo)),
                q * p.real * (p.hi - p.maturity - bytes_le(&p.to_hi)),
            ]
        });
        ScheduleConfig { q_block, q_table, inputs, row, weekly }
    }

    fn copy(&self, region: &mut Region<'_, Fr>, col: Column<Advice>, row: usize, from: &Num) -> Result<(), Error> {
        let cell = region.assign_advice(col, row, from.value).cell();
        region.constrain_equal(cell, from.cell);
        Ok(())
    }

    /// Builds the table from the policy's cells (each already range-checked below 2^16) from
    /// `row` on; uses [`TABLE_BUILD_ROWS`] rows.
    pub fn assign_table(
        &self,
        region: &mut Region<'_, Fr>,
        compare: &CompareChip,
        rules: &RulesTableChip,
        mut row: usize,
        policy: &SchedulePolicy,
    ) -> Result<(), Error> {
        let SchedulePolicy { as_of, max_maturity, buckets } = policy;
        let start = row;
        let seven = compare.constant(region, row, WEEKLY_DAYS)?;
        let eight = compare.constant(region, row + 1, WEEKLY_DAYS + 1)?;
        row += 2;
        let mut prev: Option<&Num> = None;
        for (bound, bps) in buckets {
            let lo = match prev {
                None => compare.constant(region, row, 0)?,
                Some(p) => {
                    compare.linear(region, row, [Some(p), None, None], [Fr::ONE, Fr::ZERO, Fr::ZERO, Fr::ONE])?
                }
            };
            row += 1;
            if let Some(p) = prev {
                compare.less_or_equal(region, rules, row, p, bound, true)?;
                row += 1;
            }
            let hi = compare.less_or_equal(region, rules, row, bound, max_maturity, false)?;
            let weekly_hi = compare.less_or_equal(region, rules, row + 1, &hi, &seven, false)?;
            let lo_or_eight = compare.less_or_equal(region, rules, row + 2, &lo, &eight, false)?;
            // max(lo, 8) = lo + 8 - min(lo, 8)
            let rest_lo = compare.linear(
                region,
                row + 3,
                [Some(&lo), Some(&eight), Some(&lo_or_eight)],
                [Fr::ONE, Fr::ONE, -Fr::ONE, Fr::ZERO],
            )?;
            row += 4;
            for (part_lo, part_hi, weekly) in [(&lo, &weekly_hi, true), (&rest_lo, &hi, false)] {
                self.config.q_table.enable(region, row)?;
                region.assign_fixed(self.config.weekly, row, Fr::from(weekly as u64));
                for (col, x) in self.config.inputs.into_iter().zip([as_of, part_lo, part_hi, bps]) {
                    self.copy(region, col, row, x)?;
                }
                let outs = [
                    as_of.value + part_lo.value,
                    as_of.value + part_hi.value,
                    bps.value,
                    halo2_proofs::circuit::Value::known(Fr::from(weekly as u64)),
                ];
                for (col, v) in self.config.row.into_iter().zip(outs) {
                    region.assign_advice(col, row, v);
                }
                row += 1;
            }
            prev = Some(bound);
        }
        debug_assert_eq!(row - start, TABLE_BUILD_ROWS);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::chips::position::PositionWitness;
    use crate::chips::testing::{circuit, fails_with, inputs, run, AS_OF};
    use crate::policy::{HaircutBucket, Policy};

    fn sec() -> Policy {
        Policy {
            name: "test".into(),
            max_maturity_days: Some(397),
            haircuts: vec![HaircutBucket { max_days: Some(91), bps: 0 }, HaircutBucket { max_days: None, bps: 50 }],
            ..Policy::par()
        }
    }

    #[test]
    fn maturities_prove_inside_the_bounds_and_not_outside() {
        let p = sec().instance();
        run(&circuit(&[("912797KJ5", 100, 0), ("912797UD7", 100, 397)], 0, Some(p))).expect("today and the limit");
        fails_with(run(&circuit(&[("912797KJ5", 100, -1)], 0, Some(p))), "maturity within its schedule row");
        fails_with(run(&circuit(&[("912797KJ5", 100, 398)], 0, Some(p))), "maturity within its schedule row");
    }

    #[test]
    fn a_position_cannot_claim_another_buckets_haircut() {
        let p = sec().instance();
        let positions = [("912797KJ5", 100, 92)];
        run(&circuit(&positions, 0, Some(p))).expect("92 days, 50 bps");
        // Schedule row 1 is the first bucket's part beyond 7 days: 0 bps.
        let mut c = circuit(&positions, 0, Some(p));
        c.blocks = PositionWitness::build_all(&inputs(&positions, 0), &p, AS_OF, &[(0, 1)]);
        fails_with(run(&c), "maturity within its schedule row");
        // A made-up row (0 bps, 0..65535 days) is not in the table.
        let mut c = circuit(&positions, 0, Some(p));
        c.blocks[0].bps = halo2curves::bn256::Fr::from(0);
        fails_with(run(&c), "maturity's schedule row");
    }
}
