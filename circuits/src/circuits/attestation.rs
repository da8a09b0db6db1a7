//! The attestation circuit: one proof per epoch, one circuit (and one verifying key) for every
//! policy. Its statement is [`AttestationStatement`]; in the circuit:
//!
//! - the whole Merkle-sum tree is recomputed from the private leaves up to the public root,
//!   every face value below 2^64 ([`MerkleSumChip`]);
//! - each leaf has a position block ([`crate::chips::position`]) proving its CUSIP is valid,
//!   check digit and (under `us-treasury`) issuer prefix from its characters ([`CusipChip`]);
//!   real leaves in strictly increasing CUSIP order, padding after them and worth nothing
//!   ([`OrderChip`]); its maturity in the schedule row whose haircut and weekly flag it counts
//!   with ([`ScheduleChip`]); and the running sums of the portfolio ([`PortfolioChip`]);
//! - the parameter rows range-check every policy parameter, build the haircut schedule, and
//!   check WAM and weekly liquidity; each deployment's supply is below 2^96, liabilities are
//!   their sum, and the counted reserves cover them at the ratio ([`LiabilitiesChip`]).
//!
//! Epoch, custodian and the deployments' domains enter no constraint: halo2 absorbs every
//! public input into the transcript before the first challenge, so a proof made for other
//! values does not verify (the tests show it for each one).
//!
//! Rows: the tree, then one 5-row block per leaf, then the parameter rows.
//!
//! Columns (shared with the tree): advice 0..=10 the Poseidon trace, 11 the sum and running-sum
//! column; in block and parameter rows 0..=7 are the rules table's four lookup slots and
//! 8..=11 data. Fixed 8..=11 hold the slots' tags there, fixed 4 `has_prev`, fixed 5 the
//! schedule table's weekly flag, fixed 0..=3 the compare chip's constants.

use ff::Field;
use halo2_proofs::{
    circuit::{Cell, Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};
use halo2curves::bn256::Fr;

use crate::chips::compare::Num;
use crate::chips::liabilities;
use crate::chips::merkle_sum::{configure_tree, MerkleSumChip, MerkleSumConfig, TreeWitness};
use crate::chips::policy_chips::{PolicyChips, PolicyChipsConfig, PolicyFixed};
use crate::chips::portfolio::{PortfolioChip, Totals};
use crate::chips::position::{PositionInput, PositionWitness, BLOCK_ROWS};
use crate::chips::range::RangeCheckChip;
use crate::chips::rules_table::RulesTableChip;
use crate::chips::schedule::{SchedulePolicy, TABLE_BUILD_ROWS};
use crate::policy::{BPS_MAX, HAIRCUT_SLOTS};
use crate::statement::{AttestationStatement as S, DEPLOYMENT_SLOTS};

/// The private witness: every leaf of the tree (with its hash traces) and the statement.
#[derive(Clone, Debug)]
pub struct AttestationWitness {
    pub tree: TreeWitness,
    pub statement: S,
    /// Adversarial tests only; [`Tamper::default`] for a real proof.
    pub tamper: Tamper,
}

impl AttestationWitness {
    pub fn new(tree: TreeWitness, statement: S) -> Self {
        Self { tree, statement, tamper: Tamper::default() }
    }
}

/// What a cheating prover could put in the witness that an honest one never does, so that the
/// tests can show each such witness fails.
#[derive(Clone, Debug, Default)]
pub struct Tamper {
    /// `(leaf, schedule row)`: force a leaf's haircut row to another row of
    /// [`crate::policy::PolicyInstance::schedule`].
    pub forced_schedule_rows: Vec<(usize, usize)>,
    /// Added to the liabilities cell, which must equal the sum of the table's supplies.
    pub liabilities_offset: Fr,
    /// `(public input, value)`: the prover assigns this field element where the statement's
    /// value belongs (a value no statement type can hold, such as p - 1); the test passes the
    /// same value as the public input.
    pub public_overrides: Vec<(usize, Fr)>,
}

#[derive(Clone, Debug)]
pub struct AttestationConfig {
    pub tree: MerkleSumConfig,
    pub instance: Column<Instance>,
    chips: PolicyChipsConfig,
}

#[derive(Clone, Debug)]
pub struct AttestationCircuit {
    pub depth: usize,
    pub witness: Option<AttestationWitness>,
}

/// Parameter rows: flags, range pairs (as-of and maximum maturity; WAM bound; weekly floor;
/// six of bucket bounds; twelve of bucket haircuts), the schedule table, liabilities and
/// coverage, the two portfolio limits.
const PARAM_ROWS: usize =
    1 + 3 + HAIRCUT_SLOTS / 2 + HAIRCUT_SLOTS + TABLE_BUILD_ROWS + liabilities::ROWS + PortfolioChip::LIMIT_ROWS;

impl AttestationCircuit {
    pub fn new(witness: AttestationWitness) -> Self {
        Self { depth: witness.tree.depth(), witness: Some(witness) }
    }

    /// The circuit shape alone, for key generation.
    pub fn shape(depth: usize) -> Self {
        Self { depth, witness: None }
    }

    /// Rows the layout uses (without halo2's blinding rows).
    pub fn rows(depth: usize) -> usize {
        MerkleSumChip::rows(depth) + BLOCK_ROWS * (1 << depth) + PARAM_ROWS
    }

    /// The smallest k whose usable rows hold the layout and the lookup tables.
    pub fn min_k(depth: usize) -> u32 {
        let tables = RulesTableChip::table_len().max(RangeCheckChip::TABLE_ROWS);
        crate::min_k_for_rows(Self::rows(depth).max(tables))
    }
}

impl Circuit<Fr> for AttestationCircuit {
    type Config = AttestationConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::shape(self.depth)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> AttestationConfig {
        let tree = configure_tree(meta);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let a = tree.poseidon.advice;
        let fx = tree.poseidon.fixed;
        let advice = std::array::from_fn(|i| if i < a.len() { a[i] } else { tree.sum });
        let fixed = PolicyFixed {
            compare: [fx[0], fx[1], fx[2], fx[3]],
            has_prev: fx[4],
            weekly: fx[5],
            tags: [fx[8], fx[9], fx[10], fx[11]],
        };
        let chips = PolicyChipsConfig::configure(meta, advice, tree.range.clone(), fixed);
        AttestationConfig { tree, instance, chips }
    }

    fn synthesize(&self, config: AttestationConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let merkle = MerkleSumChip::construct(config.tree.clone());
        let PolicyChips { rules, positions, schedule, portfolio, compare, liabilities } = config.chips.construct();
        merkle.range().load_table(&mut layouter)?;
        rules.load(&mut layouter)?;

        let depth = self.depth;
        let n = 1usize << depth;
        let witness = self.witness.as_ref();
        let blocks: Option<Vec<PositionWitness>> = witness.map(|w| {
            let inputs: Vec<PositionInput> = w.tree.levels[0]
                .iter()
                .map(|leaf| {
                    let [cusip, face, maturity, _salt] = leaf.trace.inputs();
                    PositionInput { cusip, face, maturity }
                })
                .collect();
            PositionWitness::build_all(
                &inputs,
                &w.statement.policy,
                w.statement.as_of_days,
                &w.tamper.forced_schedule_rows,
            )
        });
        // The public inputs as the prover assigns them.
        let publics: Option<Vec<Fr>> = witness.map(|w| {
            let mut v = w.statement.to_instances();
            for &(k, x) in &w.tamper.public_overrides {
                v[k] = x;
            }
            v
        });
        let pv = |k: usize| publics.as_ref().map_or(Value::unknown(), |p| Value::known(p[k]));
        let complement = |k: usize| pv(k).map(|x| Fr::from(BPS_MAX) - x);

        let public: Vec<(Cell, usize)> = layouter.assign_region(
            || "attestation",
            |mut region| {
                let mut public = Vec::new();
                let tree = merkle.assign_tree(&mut region, 0, depth, witness.map(|w| &w.tree));
                public.push((tree.root.hash.cell, S::ROOT));

                // One block per leaf, tied to the leaf's hash inputs.
                let base = MerkleSumChip::rows(depth);
                let mut assigned = Vec::with_capacity(n);
                for (i, leaf) in tree.leaves.iter().enumerate() {
                    let w = blocks.as_ref().map(|b| &b[i]);
                    let block = positions.assign(&mut region, &rules, merkle.range(), base + BLOCK_ROWS * i, i, w)?;
                    for (cell, input) in [block.cusip, block.face, block.maturity].iter().zip(&leaf[..3]) {
                        region.constrain_equal(cell.cell, input.cell);
                    }
                    assigned.push(block);
                }

                // The policy's parameters, each range-checked.
                let mut row = base + BLOCK_ROWS * n;
                let [eligible, wam_on, weekly_on] = compare.flags(
                    &mut region,
                    row,
                    [pv(S::ELIGIBLE_TREASURY), pv(S::WAM_ENABLED), pv(S::WEEKLY_ENABLED)],
                )?;
                row += 1;
                public.extend([
                    (eligible.cell, S::ELIGIBLE_TREASURY),
                    (wam_on.cell, S::WAM_ENABLED),
                    (weekly_on.cell, S::WEEKLY_ENABLED),
                ]);
                for block in &assigned {
                    region.constrain_equal(block.eligible.cell, eligible.cell);
                }
                let (as_of, max_maturity) =
                    compare.range_pair(&mut region, &rules, row, pv(S::AS_OF), pv(S::MAX_MATURITY), false)?;
                let (max_wam, _) =
                    compare.range_pair(&mut region, &rules, row + 1, pv(S::MAX_WAM), Value::known(Fr::ZERO), false)?;
                let (min_weekly, _) = compare.range_pair(
                    &mut region,
                    &rules,
                    row + 2,
                    pv(S::MIN_WEEKLY_BPS),
                    complement(S::MIN_WEEKLY_BPS),
                    true,
                )?;
                row += 3;
                public.extend([
                    (as_of.cell, S::AS_OF),
                    (max_maturity.cell, S::MAX_MATURITY),
                    (max_wam.cell, S::MAX_WAM),
                    (min_weekly.cell, S::MIN_WEEKLY_BPS),
                ]);
                let mut bounds: Vec<Num> = Vec::with_capacity(HAIRCUT_SLOTS);
                for pair in 0..HAIRCUT_SLOTS / 2 {
                    let (x, y) = compare.range_pair(
                        &mut region,
                        &rules,
                        row,
                        pv(S::BUCKETS + 4 * pair),
                        pv(S::BUCKETS + 4 * pair + 2),
                        false,
                    )?;
                    bounds.extend([x, y]);
                    row += 1;
                }
                let mut buckets: Vec<(Num, Num)> = Vec::with_capacity(HAIRCUT_SLOTS);
                for (j, bound) in bounds.into_iter().enumerate() {
                    let bps_index = S::BUCKETS + 2 * j + 1;
                    let (bps, _) =
                        compare.range_pair(&mut region, &rules, row, pv(bps_index), complement(bps_index), true)?;
                    row += 1;
                    public.push((bound.cell, S::BUCKETS + 2 * j));
                    public.push((bps.cell, S::BUCKETS + 2 * j + 1));
                    buckets.push((bound, bps));
                }
                let buckets: [(Num, Num); HAIRCUT_SLOTS] = buckets.try_into().expect("12 slots");
                schedule.assign_table(
                    &mut region,
                    &compare,
                    &rules,
                    row,
                    &SchedulePolicy { as_of, max_maturity, buckets },
                )?;
                row += TABLE_BUILD_ROWS;

                // Liabilities and coverage on the counted total.
                let last = assigned.last().expect("a tree has leaves");
                let totals =
                    Totals { counted: last.acc[0], face: last.acc[1], face_maturity: last.acc[2], weekly: last.acc[3] };
                let supplies: [Value<Fr>; DEPLOYMENT_SLOTS] = std::array::from_fn(|j| pv(S::DEPLOYMENTS + 2 * j + 1));
                let offset = witness.map_or(Fr::ZERO, |w| w.tamper.liabilities_offset);
                let owed = liabilities.assign(
                    &mut region,
                    &compare,
                    &rules,
                    row,
                    supplies,
                    pv(S::RATIO_BPS),
                    &totals.counted,
                    offset,
                )?;
                row += liabilities::ROWS;
                public.push((owed.ratio.cell, S::RATIO_BPS));
                for (j, supply) in owed.supplies.iter().enumerate() {
                    public.push((supply.cell, S::DEPLOYMENTS + 2 * j + 1));
                }

                // Portfolio limits.
                row += portfolio.assign_wam(&mut region, &compare, &rules, row, &totals, &max_wam, &wam_on, &as_of)?;
                row +=
                    portfolio.assign_liquidity(&mut region, &compare, &rules, row, &totals, &weekly_on, &min_weekly)?;
                debug_assert_eq!(row - base - BLOCK_ROWS * n, PARAM_ROWS);
                Ok(public)
            },
        )?;
        for (cell, index) in public {
            layouter.constrain_instance(cell, config.instance, index);
        }
        Ok(())
    }
}
