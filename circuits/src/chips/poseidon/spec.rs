//! The circomlib BN254 Poseidon instance for width 5 (4 inputs), and the row layout that both
//! the native hasher and the chip follow.
//!
//! The permutation is laid out in [`ROWS_PER_PERMUTATION`] rows of a 12-column region:
//!
//! ```text
//! row  kind        rounds   cells (advice columns 0..=10)
//!  0   full pair   0, 1     s0..s4 | m0..m4          (m = state after the first round)
//!  1   full pair   2, 3     s0..s4 | m0..m4
//!  2   partial x4  4..=7    s0..s4 | x1..x3          (x_j = S-box input of the j-th round)
//!  3   partial x7  8..=14   s0..s4 | x1..x6
//!  ..  (8 rows of 7 partial rounds)
//! 10   partial x7  57..=63  s0..s4 | x1..x6
//! 11   full pair   64, 65   s0..s4 | m0..m4
//! 12   last pair   66, 67   s0..s4 | m0..m4 | out
//! ```
//!
//! A partial round changes only element 0 non-linearly, so across a run of `k` partial rounds the
//! state is an affine function of the starting state and of the `k` S-box outputs. One row
//! therefore holds `k` rounds: the starting state, the S-box inputs `x_1..x_{k-1}` (`x_0` is
//! `s0 + c`, no cell needed), and the next row's state, all tied by degree-5 constraints whose
//! linear coefficients are the same on every row. Only the affine constants depend on the round,
//! and they live in fixed columns. Column 11 is left free for the range check and node sums.

use std::sync::OnceLock;

use ff::{Field, PrimeField};
use halo2curves::bn256::Fr;

/// State width: a capacity element plus four inputs.
pub const WIDTH: usize = 5;
/// Number of absorbed inputs.
pub const RATE: usize = 4;
pub const FULL_ROUNDS: usize = 8;
pub const PARTIAL_ROUNDS: usize = 60;
/// Partial rounds in the one short row that follows the first full rounds (60 = 4 + 8 * 7).
pub const SHORT_PARTIAL: usize = 4;
/// Partial rounds in a wide row.
pub const WIDE_PARTIAL: usize = 7;
pub const WIDE_PARTIAL_ROWS: usize = (PARTIAL_ROUNDS - SHORT_PARTIAL) / WIDE_PARTIAL;
/// Rows of one permutation in the region layout above.
pub const ROWS_PER_PERMUTATION: usize = 2 + 1 + WIDE_PARTIAL_ROWS + 2;
/// Fixed columns the chip needs: two rounds of constants for a full pair, or up to
/// `WIDE_PARTIAL` S-box constants plus `WIDTH` next-state constants for a partial row.
pub const FIXED_COLUMNS: usize = WIDE_PARTIAL + WIDTH;

/// An affine form over the variables of a partial row: `s0..s4`, then `y_0..y_{k-1}`
/// (the S-box outputs), plus a constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affine {
    pub coeffs: Vec<Fr>,
    pub constant: Fr,
}

/// The linear part of a run of `k` partial rounds (identical for every run of that length) and,
/// per run, the affine constants.
#[derive(Clone, Debug)]
pub struct PartialRun {
    pub rounds: usize,
    /// `x_j = sbox_input[j] . vars + const_j` for j in 0..k (`x_0` uses s0 only).
    pub sbox_inputs: Vec<Vec<Fr>>,
    /// Next state `n_i = next_state[i] . vars + const_i`.
    pub next_state: [Vec<Fr>; WIDTH],
}

/// Constants of one partial row: S-box input constants then next-state constants.
#[derive(Clone, Debug)]
pub struct PartialConstants {
    pub sbox_inputs: Vec<Fr>,
    pub next_state: [Fr; WIDTH],
}

/// Everything the native hasher and the chip need, derived once from circomlib's constants.
#[derive(Clone, Debug)]
pub struct PoseidonSpec {
    /// `round_constants[r][i]` is added to element `i` before the S-box of round `r`.
    pub round_constants: Vec<[Fr; WIDTH]>,
    /// `mds[i][j]`: new state i = sum_j mds[i][j] * state j.
    pub mds: [[Fr; WIDTH]; WIDTH],
    pub short_run: PartialRun,
    pub wide_run: PartialRun,
    /// One entry per partial row, in layout order (the short row first).
    pub partial_constants: Vec<PartialConstants>,
    /// The same permutation rearranged for native speed (see [`SparseRounds`]).
    pub sparse: SparseRounds,
}

/// Partial rounds rewritten so each costs one S-box and a sparse matrix (9 multiplications
/// instead of 25), an equivalent form from the Poseidon paper's appendix:
///
/// * constants: a partial round's constant on elements 1..4 passes through the S-box untouched,
///   so `M (S(s + (a, v))) = M S(s + (a, 0)) + M (0, v)`; carrying `M (0, v)` forward leaves
///   every partial round but the first with a scalar constant, and the last carry is added to
///   the next full round's constants;
/// * matrices: `M = M_a D` with `D = diag(1, M_hat)` and `M_a = [[m00, w^T M_hat^-1], [u, I]]`;
///   `D` commutes with a partial S-box, so it moves into the previous round's matrix, and the
///   one left at the front is applied once before the partial rounds.
#[derive(Clone, Debug)]
pub struct SparseRounds {
    /// Added to the whole state before the first partial round (already multiplied by `pre`).
    pub first_constants: [Fr; WIDTH],
    /// Dense 4x4 applied to elements 1..4 before the first partial round.
    pub pre: [[Fr; WIDTH - 1]; WIDTH - 1],
    /// Per partial round after the first: the scalar added to element 0 before the S-box.
    pub scalar_constants: Vec<Fr>,
    /// Per partial round: `(m00, row: w^T M_hat^-1, column: u)`.
    pub matrices: Vec<(Fr, [Fr; WIDTH - 1], [Fr; WIDTH - 1])>,
    /// Round constants of the full round after the partial rounds, with the carry added.
    pub next_full_constants: [Fr; WIDTH],
}

/// The circomlib width-5 spec, built on first use.
pub fn spec() -> &'static PoseidonSpec {
    static SPEC: OnceLock<PoseidonSpec> = OnceLock::new();
    SPEC.get_or_init(PoseidonSpec::circomlib)
}

fn ark_to_fr(x: &ark_bn254::Fr) -> Fr {
    use ark_ff::{BigInteger, PrimeField as _};
    let le = x.into_bigint().to_bytes_le();
    let mut repr = [0u8; 32];
    repr.copy_from_slice(&le);
    Fr::from_repr(repr).expect("circomlib constants are canonical field elements")
}

impl PoseidonSpec {
    fn circomlib() -> Self {
        // light-poseidon ships circomlib's Grain-LFSR round constants and Cauchy MDS matrices.
        let params = light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<ark_bn254::Fr>(WIDTH as u8)
            .expect("width 5 is a circomlib instance");
        assert_eq!(params.full_rounds, FULL_ROUNDS);
        assert_eq!(params.partial_rounds, PARTIAL_ROUNDS);
        let round_constants: Vec<[Fr; WIDTH]> =
            params.ark.chunks(WIDTH).map(|c| std::array::from_fn(|i| ark_to_fr(&c[i]))).collect();
        assert_eq!(round_constants.len(), FULL_ROUNDS + PARTIAL_ROUNDS);
        let mds: [[Fr; WIDTH]; WIDTH] = std::array::from_fn(|i| std::array::from_fn(|j| ark_to_fr(&params.mds[i][j])));

        let first_partial = FULL_ROUNDS / 2;
        let mut partial_constants = Vec::with_capacity(1 + WIDE_PARTIAL_ROWS);
        let (short_run, c) = partial_run(&mds, &round_constants[first_partial..][..SHORT_PARTIAL]);
        partial_constants.push(c);
        let mut wide_run = None;
        for row in 0..WIDE_PARTIAL_ROWS {
            let start = first_partial + SHORT_PARTIAL + row * WIDE_PARTIAL;
            let (run, c) = partial_run(&mds, &round_constants[start..][..WIDE_PARTIAL]);
            debug_assert!(wide_run.as_ref().is_none_or(|w: &PartialRun| w.next_state == run.next_state));
            wide_run = Some(run);
            partial_constants.push(c);
        }
        let sparse = sparse_rounds(&mds, &round_constants);
        PoseidonSpec {
            sparse,
            round_constants,
            mds,
            short_run,
            wide_run: wide_run.expect("at least one wide row"),
            partial_constants,
        }
    }

    /// Round index of the first round held by full-pair row `pair` (0..4).
    pub fn full_pair_round(pair: usize) -> usize {
        if pair < 2 {
            2 * pair
        } else {
            FULL_ROUNDS / 2 + PARTIAL_ROUNDS + 2 * (pair - 2)
        }
    }
}

/// Symbolically runs `rcs.len()` partial rounds over variables `s0..s4, y_0..y_{k-1}`.
fn partial_run(mds: &[[Fr; WIDTH]; WIDTH], rcs: &[[Fr; WIDTH]]) -> (PartialRun, PartialConstants) {
    let k = rcs.len();
    let nvars = WIDTH + k;
    let unit = |v: usize| {
        let mut coeffs = vec![Fr::ZERO; nvars];
        coeffs[v] = Fr::ONE;
        Affine { coeffs, constant: Fr::ZERO }
    };
    let mut state: Vec<Affine> = (0..WIDTH).map(unit).collect();
    let mut sbox_inputs = Vec::with_capacity(k);
    let mut sbox_consts = Vec::with_capacity(k);
    for (j, rc) in rcs.iter().enumerate() {
        for (s, c) in state.iter_mut().zip(rc) {
            s.constant += c;
        }
        sbox_inputs.push(state[0].coeffs.clone());
        sbox_consts.push(state[0].constant);
        state[0] = unit(WIDTH + j);
        state = (0..WIDTH)
            .map(|i| {
                let mut acc = Affine { coeffs: vec![Fr::ZERO; nvars], constant: Fr::ZERO };
                for (l, s) in state.iter().enumerate() {
                    let m = mds[i][l];
                    for (a, b) in acc.coeffs.iter_mut().zip(&s.coeffs) {
                        *a += m * b;
                    }
                    acc.constant += m * s.constant;
                }
                acc
            })
            .collect();
    }
    let next_state: [Vec<Fr>; WIDTH] = std::array::from_fn(|i| state[i].coeffs.clone());
    let next_consts: [Fr; WIDTH] = std::array::from_fn(|i| state[i].constant);
    (
        PartialRun { rounds: k, sbox_inputs, next_state },
        PartialConstants { sbox_inputs: sbox_consts, next_state: next_consts },
    )
}

type Mat4 = [[Fr; 4]; 4];

/// Inverse of a 4x4 matrix by Gauss-Jordan elimination (MDS submatrices are invertible).
fn mat4_inv(m: &Mat4) -> Mat4 {
    let mut a = *m;
    let mut inv: Mat4 = std::array::from_fn(|i| std::array::from_fn(|j| if i == j { Fr::ONE } else { Fr::ZERO }));
    for col in 0..4 {
        let pivot = (col..4).find(|&r| !bool::from(a[r][col].is_zero())).expect("invertible");
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col].invert().expect("non-zero pivot");
        for j in 0..4 {
            a[col][j] *= p;
            inv[col][j] *= p;
        }
        for r in 0..4 {
            if r != col {
                let f = a[r][col];
                for j in 0..4 {
                    let (ac, ic) = (a[col][j], inv[col][j]);
                    a[r][j] -= f * ac;
                    inv[r][j] -= f * ic;
                }
            }
        }
    }
    inv
}

fn sparse_rounds(mds: &[[Fr; WIDTH]; WIDTH], rcs: &[[Fr; WIDTH]]) -> SparseRounds {
    let first = FULL_ROUNDS / 2;
    // Constants: carry each round's elements 1..4 forward through the MDS.
    let mut carry = [Fr::ZERO; WIDTH];
    let mut round0 = [Fr::ZERO; WIDTH];
    let mut scalars = Vec::with_capacity(PARTIAL_ROUNDS);
    for i in 0..PARTIAL_ROUNDS {
        let v: [Fr; WIDTH] = std::array::from_fn(|j| rcs[first + i][j] + carry[j]);
        if i == 0 {
            round0 = v;
        } else {
            scalars.push(v[0]);
        }
        let tail = if i == 0 { [Fr::ZERO; WIDTH] } else { [Fr::ZERO, v[1], v[2], v[3], v[4]] };
        carry = std::array::from_fn(|r| (0..WIDTH).fold(Fr::ZERO, |acc, c| acc + mds[r][c] * tail[c]));
    }
    let next_full_constants = std::array::from_fn(|j| rcs[first + PARTIAL_ROUNDS][j] + carry[j]);
    // Matrices, from the last partial round backwards: N = M_a D, D moves into the round before.
    let mut matrices = Vec::with_capacity(PARTIAL_ROUNDS);
    let mut n: [[Fr; WIDTH]; WIDTH] = *mds;
    let mut d_hat: Mat4 = [[Fr::ZERO; 4]; 4];
    for i in (0..PARTIAL_ROUNDS).rev() {
        let n_hat: Mat4 = std::array::from_fn(|r| std::array::from_fn(|c| n[r + 1][c + 1]));
        let n_hat_inv = mat4_inv(&n_hat);
        let w: [Fr; 4] = std::array::from_fn(|c| n[0][c + 1]);
        let row: [Fr; 4] = std::array::from_fn(|c| (0..4).fold(Fr::ZERO, |acc, k| acc + w[k] * n_hat_inv[k][c]));
        let col: [Fr; 4] = std::array::from_fn(|r| n[r + 1][0]);
        matrices.push((n[0][0], row, col));
        d_hat = n_hat;
        if i > 0 {
            // N_prev = D M: rows 1..4 of M mixed by n_hat, row 0 unchanged.
            let m = mds;
            n = std::array::from_fn(|r| {
                std::array::from_fn(|c| {
                    if r == 0 {
                        m[0][c]
                    } else {
                        (0..4).fold(Fr::ZERO, |acc, k| acc + n_hat[r - 1][k] * m[k + 1][c])
                    }
                })
            });
        }
    }
    matrices.reverse();
    // The first partial round's full constant passes through D as well: S(D s + D c).
    let first_constants = {
        let c = round0;
        let mut out = [c[0], Fr::ZERO, Fr::ZERO, Fr::ZERO, Fr::ZERO];
        for r in 0..4 {
            out[r + 1] = (0..4).fold(Fr::ZERO, |acc, k| acc + d_hat[r][k] * c[k + 1]);
        }
        out
    };
    SparseRounds { first_constants, pre: d_hat, scalar_constants: scalars, matrices, next_full_constants }
}
