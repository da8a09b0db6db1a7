//! Every chip that checks the positions and the statement's numbers, configured together on the
//! shared columns: the attestation circuit and the chips' test circuit lay out the same gates.
//!
//! Columns: advice 0..=7 are the rules table's four lookup slots (key, value), 8..=11 data
//! (11 is also the range chip's running-sum column, for the order gap); advice 1..=4 hold the
//! schedule table's inputs and 1..=2 the portfolio limits' parameters, in rows of their own.

use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Fixed};
use halo2curves::bn256::Fr;

use crate::chips::compare::{CompareChip, CompareConfig};
use crate::chips::cusip::CusipChip;
use crate::chips::liabilities::{LiabilitiesChip, LiabilitiesConfig};
use crate::chips::order::OrderChip;
use crate::chips::portfolio::{PortfolioChip, PortfolioConfig};
use crate::chips::position::{PositionChip, PositionColumns};
use crate::chips::range::RangeCheckConfig;
use crate::chips::rules_table::{RulesTableChip, RulesTableConfig, Slot};
use crate::chips::schedule::{ScheduleChip, ScheduleConfig};

/// The fixed columns the chips use in their rows (the tree's rows use them for other things).
#[derive(Clone, Copy, Debug)]
pub struct PolicyFixed {
    /// The compare chip's per-row constants.
    pub compare: [Column<Fixed>; 4],
    pub has_prev: Column<Fixed>,
    /// The schedule table's weekly flag.
    pub weekly: Column<Fixed>,
    /// The four slots' tags.
    pub tags: [Column<Fixed>; 4],
}

#[derive(Clone, Debug)]
pub struct PolicyChipsConfig {
    rules: RulesTableConfig,
    position: PositionColumns,
    /// The block gates' selectors: CUSIP, order, schedule, portfolio.
    q_block: [halo2_proofs::plonk::Selector; 4],
    schedule: ScheduleConfig,
    portfolio: PortfolioConfig,
    compare: CompareConfig,
    liabilities: LiabilitiesConfig,
}

/// The constructed chips.
pub struct PolicyChips {
    pub rules: RulesTableChip,
    pub positions: PositionChip,
    pub schedule: ScheduleChip,
    pub portfolio: PortfolioChip,
    pub compare: CompareChip,
    pub liabilities: LiabilitiesChip,
}

impl PolicyChipsConfig {
    /// `range` must be the range chip configured on `advice[11]`.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        advice: [Column<Advice>; 12],
        range: RangeCheckConfig,
        fixed: PolicyFixed,
    ) -> Self {
        let a = advice;
        let slots: [Slot; 4] = std::array::from_fn(|i| Slot { tag: fixed.tags[i], key: a[2 * i], value: a[2 * i + 1] });
        let data = [a[8], a[9], a[10], a[11]];
        let rules = RulesTableChip::configure(meta, slots.to_vec());
        let position = PositionChip::configure(
            meta,
            PositionColumns { slots, data: [a[8], a[9], a[10]], gap: range, has_prev: fixed.has_prev },
        );
        let cusip = CusipChip::configure(meta, &position);
        let order = OrderChip::configure(meta, &position);
        let schedule = ScheduleChip::configure(meta, &position, [a[1], a[2], a[3], a[4]], data, fixed.weekly);
        let portfolio = PortfolioChip::configure(meta, &position, [a[1], a[2]], data);
        let compare = CompareChip::configure(meta, slots, data, fixed.compare);
        let liabilities = LiabilitiesChip::configure(meta, data);
        let q_block = [cusip.q_block, order.q_block, schedule.q_block, portfolio.q_block];
        Self { rules, position, q_block, schedule, portfolio, compare, liabilities }
    }

    pub fn construct(&self) -> PolicyChips {
        PolicyChips {
            rules: RulesTableChip::construct(self.rules.clone()),
            positions: PositionChip::construct(self.position.clone(), self.q_block.to_vec()),
            schedule: ScheduleChip::construct(self.schedule.clone()),
            portfolio: PortfolioChip::construct(self.portfolio.clone()),
            compare: CompareChip::construct(self.compare.clone()),
            liabilities: LiabilitiesChip::construct(self.liabilities.clone()),
        }
    }
}
