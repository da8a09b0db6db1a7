//! Test circuits for the chips that work on position blocks and parameter rows, without a tree:
//! the blocks' witness goes in as computed (or tampered with) by the test, the schedule table is
//! built from the policy, and MockProver reports which gate fails.

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::{MockProver, VerifyFailure},
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed},
};
use halo2curves::bn256::Fr;

use crate::chips::compare::{CompareChip, CompareConfig, Num};
use crate::chips::cusip::{CusipChip, CusipConfig};
use crate::chips::liabilities::{LiabilitiesChip, LiabilitiesConfig};
use crate::chips::order::{OrderChip, OrderConfig};
use crate::chips::portfolio::{PortfolioChip, PortfolioConfig};
use crate::chips::position::{PositionChip, PositionColumns, PositionInput, PositionWitness, BLOCK_ROWS};
use crate::chips::range::RangeCheckChip;
use crate::chips::rules_table::{RulesTableChip, RulesTableConfig, Slot};
use crate::chips::schedule::{ScheduleChip, ScheduleConfig, SchedulePolicy, TABLE_BUILD_ROWS};
use crate::cusip::{cusip_field, Eligibility};
use crate::policy::{PolicyInstance, HAIRCUT_SLOTS};
use crate::statement::DEPLOYMENT_SLOTS;

/// 2026-05-27.
pub const AS_OF: u64 = 20_600;

#[derive(Clone, Debug)]
pub struct Config {
    advice: [Column<Advice>; 12],
    rules: RulesTableConfig,
    position: PositionColumns,
    cusip: CusipConfig,
    order: OrderConfig,
    schedule: ScheduleConfig,
    portfolio: PortfolioConfig,
    compare: CompareConfig,
    liabilities: LiabilitiesConfig,
}

/// Position blocks (after a block of zeros standing in for the tree) and the schedule table
/// of `policy`; or, with `liabilities`, the liabilities rows alone.
#[derive(Clone, Debug, Default)]
pub struct ChipCircuit {
    pub blocks: Vec<PositionWitness>,
    pub policy: Option<PolicyInstance>,
    /// `(supplies, ratio, counted)`.
    pub liabilities: Option<([Fr; DEPLOYMENT_SLOTS], Fr, Fr)>,
}

pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Config {
    let advice: [Column<Advice>; 12] = std::array::from_fn(|_| meta.advice_column());
    let fixed: [Column<Fixed>; 8] = std::array::from_fn(|_| meta.fixed_column());
    let a = advice;
    let slots: [Slot; 4] = std::array::from_fn(|i| Slot { tag: fixed[4 + i], key: a[2 * i], value: a[2 * i + 1] });
    let data = [a[8], a[9], a[10], a[11]];
    let rules = RulesTableChip::configure(meta, slots.to_vec());
    let range = RangeCheckChip::configure(meta, a[11]);
    let has_prev = meta.fixed_column();
    let position =
        PositionChip::configure(meta, PositionColumns { slots, data: [a[8], a[9], a[10]], gap: range, has_prev });
    let cusip = CusipChip::configure(meta, &position);
    let order = OrderChip::configure(meta, &position);
    let weekly = meta.fixed_column();
    let schedule = ScheduleChip::configure(meta, &position, [a[1], a[2], a[3], a[4]], data, weekly);
    let portfolio = PortfolioChip::configure(meta, &position, [a[1], a[2]], data);
    let compare = CompareChip::configure(meta, slots, data, [fixed[0], fixed[1], fixed[2], fixed[3]]);
    let liabilities = LiabilitiesChip::configure(meta, data);
    Config { advice, rules, position, cusip, order, schedule, portfolio, compare, liabilities }
}

impl Circuit<Fr> for ChipCircuit {
    type Config = Config;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Config {
        configure(meta)
    }

    fn synthesize(&self, config: Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let rules = RulesTableChip::construct(config.rules.clone());
        let range = RangeCheckChip::construct(config.position.gap.clone());
        rules.load(&mut layouter)?;
        range.load_table(&mut layouter)?;
        let q_block =
            vec![config.cusip.q_block, config.order.q_block, config.schedule.q_block, config.portfolio.q_block];
        let positions = PositionChip::construct(config.position.clone(), q_block);
        let schedule = ScheduleChip::construct(config.schedule.clone());
        let compare = CompareChip::construct(config.compare.clone());
        let liabilities = LiabilitiesChip::construct(config.liabilities.clone());
        layouter.assign_region(
            || "chips",
            |mut region| {
                let zero = Value::known(Fr::ZERO);
                for row in 0..BLOCK_ROWS {
                    for col in config.advice {
                        region.assign_advice(col, row, zero);
                    }
                }
                let mut row = BLOCK_ROWS;
                for (i, w) in self.blocks.iter().enumerate() {
                    positions.assign(&mut region, &rules, &range, row, i, Some(w))?;
                    row += BLOCK_ROWS;
                }
                if let Some(p) = &self.policy {
                    let k = |v: u64| Value::known(Fr::from(v));
                    let (as_of, max_maturity) =
                        compare.range_pair(&mut region, &rules, row, k(AS_OF), k(p.max_maturity_days), false)?;
                    row += 1;
                    let mut buckets: Vec<(Num, Num)> = Vec::new();
                    for &(bound, bps) in &p.buckets {
                        buckets.push(compare.range_pair(&mut region, &rules, row, k(bound), k(bps), false)?);
                        row += 1;
                    }
                    let buckets: [(Num, Num); HAIRCUT_SLOTS] = buckets.try_into().expect("12");
                    schedule.assign_table(
                        &mut region,
                        &compare,
                        &rules,
                        row,
                        &SchedulePolicy { as_of, max_maturity, buckets },
                    )?;
                    row += TABLE_BUILD_ROWS;
                }
                if let Some((supplies, ratio, counted)) = self.liabilities {
                    let counted = compare.free(&mut region, 0, row, Value::known(counted));
                    row += 1;
                    liabilities.assign(
                        &mut region,
                        &compare,
                        &rules,
                        row,
                        supplies.map(Value::known),
                        Value::known(ratio),
                        &counted,
                        Fr::ZERO,
                    )?;
                }
                Ok(())
            },
        )
    }
}

pub fn run(circuit: &ChipCircuit) -> Result<(), Vec<VerifyFailure>> {
    crate::ensure_max_degree();
    MockProver::run(11, circuit, vec![]).expect("synthesis").verify()
}

/// Asserts a failure that names `needle` (a gate, a lookup or an equality constraint).
pub fn fails_with(r: Result<(), Vec<VerifyFailure>>, needle: &str) {
    let failures = r.expect_err("must not be provable");
    assert!(failures.iter().any(|f| format!("{f:?}").contains(needle)), "expected {needle}: {failures:?}");
}

/// (cusip, face, remaining days) positions, then `padding` padding leaves.
pub fn inputs(positions: &[(&str, u64, i64)], padding: usize) -> Vec<PositionInput> {
    let mut v: Vec<PositionInput> = positions
        .iter()
        .map(|&(c, face, rem)| PositionInput {
            cusip: cusip_field(c.as_bytes().try_into().expect("9 characters")),
            face: Fr::from(face),
            maturity: Fr::from((AS_OF as i64 + rem) as u64),
        })
        .collect();
    v.extend((0..padding).map(|_| PositionInput { cusip: Fr::ZERO, face: Fr::ZERO, maturity: Fr::ZERO }));
    v
}

/// Blocks and schedule for these positions under `policy` (`par` if `None`).
pub fn circuit(positions: &[(&str, u64, i64)], padding: usize, policy: Option<PolicyInstance>) -> ChipCircuit {
    let policy = policy.unwrap_or_else(|| crate::policy::Policy::par().instance());
    ChipCircuit {
        blocks: PositionWitness::build_all(&inputs(positions, padding), &policy, AS_OF, &[]),
        policy: Some(policy),
        liabilities: None,
    }
}

pub fn any_cusip() -> PolicyInstance {
    PolicyInstance { eligible: Eligibility::AnyCusip, ..crate::policy::Policy::par().instance() }
}
