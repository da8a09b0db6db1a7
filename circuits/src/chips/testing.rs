//! Test circuits for the chips that work on position blocks and parameter rows, without a tree:
//! the blocks' witness goes in as computed (or tampered with) by the test, the schedule table is
//! built from the policy, and MockProver reports which gate fails.

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::{MockProver, VerifyFailure},
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error},
};
use halo2curves::bn256::Fr;

use crate::chips::compare::Num;
use crate::chips::policy_chips::{PolicyChips, PolicyChipsConfig, PolicyFixed};
use crate::chips::position::{PositionInput, PositionWitness, BLOCK_ROWS};
use crate::chips::range::{RangeCheckChip, RangeCheckConfig};
use crate::chips::schedule::{SchedulePolicy, TABLE_BUILD_ROWS};
use crate::cusip::{cusip_field, Eligibility};
use crate::policy::{PolicyInstance, HAIRCUT_SLOTS};
use crate::statement::DEPLOYMENT_SLOTS;

/// 2026-05-27.
pub const AS_OF: u64 = 20_600;

#[derive(Clone, Debug)]
pub struct Config {
    advice: [Column<Advice>; 12],
    range: RangeCheckConfig,
    chips: PolicyChipsConfig,
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
    let mut fixed = || meta.fixed_column();
    let fixed = PolicyFixed {
        compare: std::array::from_fn(|_| fixed()),
        has_prev: fixed(),
        weekly: fixed(),
        tags: std::array::from_fn(|_| fixed()),
    };
    let range = RangeCheckChip::configure(meta, advice[11]);
    let chips = PolicyChipsConfig::configure(meta, advice, range.clone(), fixed);
    Config { advice, range, chips }
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
        let PolicyChips { rules, positions, schedule, compare, liabilities, .. } = config.chips.construct();
        let range = RangeCheckChip::construct(config.range.clone());
        rules.load(&mut layouter)?;
        range.load_table(&mut layouter)?;
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
