//! The Poseidon chip: one permutation in [`ROWS_PER_PERMUTATION`] rows, laid out as drawn in
//! [`super::spec`].
//!
//! Every gate is degree 6 (a selector times an x^5 S-box), so circuits using this chip run with
//! `MAX_DEGREE=6`; see [`crate::ensure_max_degree`]. Fewer, wider rows pay for themselves: the
//! prover's cost is dominated by the number of rows times committed columns.

use ff::Field;
use halo2_proofs::{
    circuit::{Cell, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Expression, Fixed, Selector},
    poly::Rotation,
};
use halo2curves::bn256::Fr;

use super::native::{PermutationTrace, OUTPUT_COLUMN, TRACE_COLUMNS};
use super::spec::{
    spec, PartialRun, PoseidonSpec, FIXED_COLUMNS, ROWS_PER_PERMUTATION, SHORT_PARTIAL, WIDE_PARTIAL,
    WIDE_PARTIAL_ROWS, WIDTH,
};

/// Columns and selectors of the Poseidon chip.
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    /// Columns 0..=4 hold the state at the start of a row; 5..=10 the mid-state, S-box inputs
    /// or the output.
    pub advice: [Column<Advice>; TRACE_COLUMNS],
    pub fixed: [Column<Fixed>; FIXED_COLUMNS],
    q_full: Selector,
    q_last: Selector,
    q_short: Selector,
    q_wide: Selector,
}

/// A cell and the value the prover put in it (unknown during key generation).
#[derive(Clone, Copy, Debug)]
pub struct AssignedValue {
    pub cell: Cell,
    pub value: Value<Fr>,
}

/// The cells of one permutation that other gadgets connect to.
#[derive(Clone, Copy, Debug)]
pub struct PermutationCells {
    pub capacity: AssignedValue,
    pub inputs: [AssignedValue; 4],
    pub output: AssignedValue,
}

pub struct PoseidonChip {
    config: PoseidonConfig,
}

fn pow5(x: Expression<Fr>) -> Expression<Fr> {
    let x2 = x.clone() * x.clone();
    x2.clone() * x2 * x
}

/// `sum_i coeffs[i] * vars[i]`, skipping zero coefficients.
fn linear(coeffs: &[Fr], vars: &[Expression<Fr>]) -> Expression<Fr> {
    coeffs
        .iter()
        .zip(vars)
        .filter(|(c, _)| !bool::from(c.is_zero()))
        .fold(Expression::Constant(Fr::ZERO), |acc, (c, v)| acc + v.clone() * Expression::Constant(*c))
}

impl PoseidonChip {
    pub fn construct(config: PoseidonConfig) -> Self {
        Self { config }
    }

    pub fn config(&self) -> &PoseidonConfig {
        &self.config
    }

    /// Declares the permutation gates on columns the caller allocated. Equality is enabled on the
    /// input and output columns so that permutations can be chained by copy constraints.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        advice: [Column<Advice>; TRACE_COLUMNS],
        fixed: [Column<Fixed>; FIXED_COLUMNS],
    ) -> PoseidonConfig {
        let spec = spec();
        // Complex: the mid-state constraint is shared by both kinds of full row (q_full + q_last).
        let q_full = meta.complex_selector();
        let q_last = meta.complex_selector();
        let q_short = meta.selector();
        let q_wide = meta.selector();
        for col in advice[1..WIDTH].iter().chain([&advice[OUTPUT_COLUMN]]) {
            meta.enable_equality(*col);
        }
        let mds = spec.mds;

        // Full pair, rounds r and r+1:
        //
        //   row   | 0..=4 | 5..=9 | 10  || fixed 0..=4 | fixed 5..=9
        //   cur   | s     | m     | out || rc[r]       | rc[r+1]
        //   next  | s'    |       |     ||
        //
        //   m  = MDS * (s + rc[r])^5
        //   s' = MDS * (m + rc[r+1])^5           (q_full)
        //   out = (MDS * (m + rc[r+1])^5)[0]     (q_last: the permutation's last row)
        meta.create_gate("poseidon full pair", |meta| {
            let q_full = meta.query_selector(q_full);
            let q_last = meta.query_selector(q_last);
            let s: Vec<_> = (0..WIDTH).map(|i| meta.query_advice(advice[i], Rotation::cur())).collect();
            let m: Vec<_> = (0..WIDTH).map(|i| meta.query_advice(advice[WIDTH + i], Rotation::cur())).collect();
            let next: Vec<_> = (0..WIDTH).map(|i| meta.query_advice(advice[i], Rotation::next())).collect();
            let out = meta.query_advice(advice[OUTPUT_COLUMN], Rotation::cur());
            let rc_a: Vec<_> = (0..WIDTH).map(|i| meta.query_fixed(fixed[i], Rotation::cur())).collect();
            let rc_b: Vec<_> = (0..WIDTH).map(|i| meta.query_fixed(fixed[WIDTH + i], Rotation::cur())).collect();
            let sb_a: Vec<_> = (0..WIDTH).map(|i| pow5(s[i].clone() + rc_a[i].clone())).collect();
            let sb_b: Vec<_> = (0..WIDTH).map(|i| pow5(m[i].clone() + rc_b[i].clone())).collect();
            let either = q_full.clone() + q_last.clone();
            let mut constraints = Vec::with_capacity(2 * WIDTH + 1);
            for i in 0..WIDTH {
                constraints.push(either.clone() * (m[i].clone() - linear(&mds[i], &sb_a)));
            }
            for i in 0..WIDTH {
                constraints.push(q_full.clone() * (next[i].clone() - linear(&mds[i], &sb_b)));
            }
            constraints.push(q_last * (out - linear(&mds[0], &sb_b)));
            constraints
        });

        // Partial row of k rounds:
        //
        //   row   | 0..=4 | 5 .. 5+k-2      || fixed 0..k-1  | fixed 7..=11
        //   cur   | s     | x_1 .. x_{k-1}  || e_0 .. e_{k-1}| d_0 .. d_4
        //   next  | s'    |                 ||
        //
        //   y_0 = (s_0 + e_0)^5, y_j = x_j^5
        //   x_j = A_j . (s, y_0..y_{j-1}) + e_j
        //   s'  = B   . (s, y_0..y_{k-1}) + d
        // with A, B the same on every row (spec::PartialRun) and e, d per row.
        let partial_gate = |meta: &mut ConstraintSystem<Fr>, name: &'static str, q: Selector, run: &PartialRun| {
            meta.create_gate(name, |meta| {
                let q = meta.query_selector(q);
                let k = run.rounds;
                let s: Vec<_> = (0..WIDTH).map(|i| meta.query_advice(advice[i], Rotation::cur())).collect();
                let x: Vec<_> = (1..k).map(|j| meta.query_advice(advice[WIDTH + j - 1], Rotation::cur())).collect();
                let next: Vec<_> = (0..WIDTH).map(|i| meta.query_advice(advice[i], Rotation::next())).collect();
                let e: Vec<_> = (0..k).map(|j| meta.query_fixed(fixed[j], Rotation::cur())).collect();
                let d: Vec<_> =
                    (0..WIDTH).map(|i| meta.query_fixed(fixed[WIDE_PARTIAL + i], Rotation::cur())).collect();
                let mut vars = s.clone();
                vars.push(pow5(s[0].clone() + e[0].clone()));
                vars.extend(x.iter().map(|x| pow5(x.clone())));
                let mut constraints = Vec::with_capacity(k - 1 + WIDTH);
                for j in 1..k {
                    let coeffs = &run.sbox_inputs[j][..WIDTH + j];
                    constraints
                        .push(q.clone() * (x[j - 1].clone() - linear(coeffs, &vars[..WIDTH + j]) - e[j].clone()));
                }
                for i in 0..WIDTH {
                    constraints.push(q.clone() * (next[i].clone() - linear(&run.next_state[i], &vars) - d[i].clone()));
                }
                constraints
            });
        };
        partial_gate(meta, "poseidon partial row (4 rounds)", q_short, &spec.short_run);
        partial_gate(meta, "poseidon partial row (7 rounds)", q_wide, &spec.wide_run);

        PoseidonConfig { advice, fixed, q_full, q_last, q_short, q_wide }
    }

    /// Assigns one permutation at `offset`. `trace` is `None` during key generation.
    pub fn assign_permutation(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        trace: Option<&PermutationTrace>,
    ) -> PermutationCells {
        let spec = spec();
        let cfg = &self.config;
        let mut cells = [[None; TRACE_COLUMNS]; ROWS_PER_PERMUTATION];
        for (row, row_cells) in cells.iter_mut().enumerate() {
            let used = used_columns(row);
            for (col, cell) in row_cells.iter_mut().enumerate().take(used) {
                let value = match trace {
                    Some(t) => Value::known(t.rows[row][col]),
                    None => Value::unknown(),
                };
                let assigned = region.assign_advice(cfg.advice[col], offset + row, value);
                *cell = Some(AssignedValue { cell: assigned.cell(), value });
            }
            self.assign_row_constants(region, offset + row, row, spec);
        }
        let at = |row: usize, col: usize| cells[row][col].expect("assigned above");
        PermutationCells {
            capacity: at(0, 0),
            inputs: std::array::from_fn(|i| at(0, i + 1)),
            output: at(ROWS_PER_PERMUTATION - 1, OUTPUT_COLUMN),
        }
    }

    fn assign_row_constants(&self, region: &mut Region<'_, Fr>, abs: usize, row: usize, spec: &PoseidonSpec) {
        let cfg = &self.config;
        match row_kind(row) {
            RowKind::Full(pair) | RowKind::Last(pair) => {
                let r = PoseidonSpec::full_pair_round(pair);
                for i in 0..WIDTH {
                    region.assign_fixed(cfg.fixed[i], abs, spec.round_constants[r][i]);
                    region.assign_fixed(cfg.fixed[WIDTH + i], abs, spec.round_constants[r + 1][i]);
                }
                let q = if matches!(row_kind(row), RowKind::Last(_)) { cfg.q_last } else { cfg.q_full };
                q.enable(region, abs).expect("selector in range");
            }
            RowKind::Partial(p) => {
                let c = &spec.partial_constants[p];
                for (j, e) in c.sbox_inputs.iter().enumerate() {
                    region.assign_fixed(cfg.fixed[j], abs, *e);
                }
                for (i, d) in c.next_state.iter().enumerate() {
                    region.assign_fixed(cfg.fixed[WIDE_PARTIAL + i], abs, *d);
                }
                let q = if p == 0 { cfg.q_short } else { cfg.q_wide };
                q.enable(region, abs).expect("selector in range");
            }
        }
    }
}

enum RowKind {
    Full(usize),
    Last(usize),
    Partial(usize),
}

fn row_kind(row: usize) -> RowKind {
    let partial_rows = 1 + WIDE_PARTIAL_ROWS;
    match row {
        0 | 1 => RowKind::Full(row),
        r if r < 2 + partial_rows => RowKind::Partial(r - 2),
        r if r == ROWS_PER_PERMUTATION - 1 => RowKind::Last(r - partial_rows),
        r => RowKind::Full(r - partial_rows),
    }
}

/// Advice cells one permutation assigns (its rows are 11 wide at most, column 11 stays free).
pub fn assigned_cells_per_permutation() -> usize {
    (0..ROWS_PER_PERMUTATION).map(used_columns).sum()
}

/// Advice columns a row of the layout occupies.
fn used_columns(row: usize) -> usize {
    match row_kind(row) {
        RowKind::Full(_) => 2 * WIDTH,
        RowKind::Last(_) => OUTPUT_COLUMN + 1,
        RowKind::Partial(0) => WIDTH + SHORT_PARTIAL - 1,
        RowKind::Partial(_) => WIDTH + WIDE_PARTIAL - 1,
    }
}
