//! Native Poseidon, computed round by round exactly as circomlib does, recording the cells of
//! the chip's row layout when asked. The chip's witness is this trace, so the two cannot drift.

use ff::Field;
use halo2curves::bn256::Fr;

use super::spec::{
    spec, FULL_ROUNDS, PARTIAL_ROUNDS, ROWS_PER_PERMUTATION, SHORT_PARTIAL, WIDE_PARTIAL, WIDE_PARTIAL_ROWS, WIDTH,
};

/// Advice cells of one permutation: `rows[r][c]` for the 11 hashing columns (0..=10).
pub const TRACE_COLUMNS: usize = 11;
/// The column of the last row that holds the hash output.
pub const OUTPUT_COLUMN: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermutationTrace {
    pub rows: [[Fr; TRACE_COLUMNS]; ROWS_PER_PERMUTATION],
}

impl PermutationTrace {
    pub fn output(&self) -> Fr {
        self.rows[ROWS_PER_PERMUTATION - 1][OUTPUT_COLUMN]
    }
    pub fn inputs(&self) -> [Fr; 4] {
        std::array::from_fn(|i| self.rows[0][i + 1])
    }
}

#[inline(always)]
fn pow5(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

#[inline(always)]
fn mix(state: &[Fr; WIDTH]) -> [Fr; WIDTH] {
    let m = &spec().mds;
    std::array::from_fn(|i| {
        let row = &m[i];
        state[0] * row[0] + state[1] * row[1] + state[2] * row[2] + state[3] * row[3] + state[4] * row[4]
    })
}

#[inline(always)]
fn full_round(state: &mut [Fr; WIDTH], round: usize) {
    let rc = &spec().round_constants[round];
    for (s, c) in state.iter_mut().zip(rc) {
        *s = pow5(*s + c);
    }
    *state = mix(state);
}

/// Returns the S-box input of element 0.
#[inline(always)]
fn partial_round(state: &mut [Fr; WIDTH], round: usize) -> Fr {
    let rc = &spec().round_constants[round];
    for (s, c) in state.iter_mut().zip(rc) {
        *s += c;
    }
    let x = state[0];
    state[0] = pow5(x);
    *state = mix(state);
    x
}

type Rows = [[Fr; TRACE_COLUMNS]; ROWS_PER_PERMUTATION];

/// Two full rounds; records the state between them in the row's middle cells.
#[inline(always)]
fn full_pair(state: &mut [Fr; WIDTH], round: usize, cells: Option<&mut [Fr; TRACE_COLUMNS]>) {
    full_round(state, round);
    if let Some(cells) = cells {
        cells[WIDTH..2 * WIDTH].copy_from_slice(state);
    }
    full_round(state, round + 1);
}

fn run(inputs: [Fr; 4], mut rows: Option<&mut Rows>) -> Fr {
    let mut state = [Fr::ZERO, inputs[0], inputs[1], inputs[2], inputs[3]];
    let mut round = 0;
    let runs = std::iter::once(SHORT_PARTIAL).chain(std::iter::repeat_n(WIDE_PARTIAL, WIDE_PARTIAL_ROWS));
    for row in 0..ROWS_PER_PERMUTATION {
        let mut cells = rows.as_deref_mut().map(|r| &mut r[row]);
        if let Some(c) = cells.as_deref_mut() {
            c[..WIDTH].copy_from_slice(&state);
        }
        let in_partial = (FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&round);
        if in_partial {
            let run_len = runs.clone().nth(row - FULL_ROUNDS / 4).expect("partial row");
            let mut cells = cells;
            for j in 0..run_len {
                let x = partial_round(&mut state, round + j);
                if let (true, Some(c)) = (j > 0, cells.as_deref_mut()) {
                    c[WIDTH + j - 1] = x;
                }
            }
            round += run_len;
        } else {
            full_pair(&mut state, round, cells);
            round += 2;
        }
    }
    debug_assert_eq!(round, FULL_ROUNDS + PARTIAL_ROUNDS);
    if let Some(rows) = rows {
        rows[ROWS_PER_PERMUTATION - 1][OUTPUT_COLUMN] = state[0];
    }
    state[0]
}

/// circomlib's `poseidon4`: the hash of four field elements. Uses the sparse partial rounds
/// (about half the multiplications of [`poseidon4_trace`], which must follow the chip's layout).
pub fn poseidon4(inputs: [Fr; 4]) -> Fr {
    let spec = spec();
    let sp = &spec.sparse;
    let mut state = [Fr::ZERO, inputs[0], inputs[1], inputs[2], inputs[3]];
    for round in 0..FULL_ROUNDS / 2 {
        full_round(&mut state, round);
    }
    let tail = [state[1], state[2], state[3], state[4]];
    for r in 0..4 {
        let row = &sp.pre[r];
        state[r + 1] = row[0] * tail[0] + row[1] * tail[1] + row[2] * tail[2] + row[3] * tail[3];
    }
    for (s, c) in state.iter_mut().zip(&sp.first_constants) {
        *s += c;
    }
    for (i, (m00, row, col)) in sp.matrices.iter().enumerate() {
        if i > 0 {
            state[0] += sp.scalar_constants[i - 1];
        }
        let x0 = pow5(state[0]);
        state[0] = *m00 * x0 + row[0] * state[1] + row[1] * state[2] + row[2] * state[3] + row[3] * state[4];
        for k in 0..4 {
            state[k + 1] += col[k] * x0;
        }
    }
    let after = FULL_ROUNDS / 2 + PARTIAL_ROUNDS;
    for (s, c) in state.iter_mut().zip(&sp.next_full_constants) {
        *s = pow5(*s + c);
    }
    state = mix(&state);
    for round in after + 1..FULL_ROUNDS + PARTIAL_ROUNDS {
        full_round(&mut state, round);
    }
    state[0]
}

/// The hash together with every cell the chip assigns for it.
pub fn poseidon4_trace(inputs: [Fr; 4]) -> PermutationTrace {
    let mut rows = [[Fr::ZERO; TRACE_COLUMNS]; ROWS_PER_PERMUTATION];
    run(inputs, Some(&mut rows));
    PermutationTrace { rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::PrimeField;

    fn fr_hex(h: &str) -> Fr {
        let bytes = hex_be(h);
        let mut le = bytes;
        le.reverse();
        Fr::from_repr(le).unwrap()
    }
    fn hex_be(h: &str) -> [u8; 32] {
        let h = h.trim_start_matches("0x");
        let mut out = [0u8; 32];
        let pad = 64 - h.len();
        let full: String = "0".repeat(pad) + h;
        for i in 0..32 {
            out[i] = u8::from_str_radix(&full[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn matches_circomlib_reference_value() {
        let out = poseidon4([1, 2, 3, 4].map(Fr::from));
        assert_eq!(out, fr_hex("0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465"));
    }

    #[test]
    fn sparse_rounds_equal_plain_rounds() {
        for seed in 0..20u64 {
            let inputs = [seed, seed * 7 + 1, u64::MAX - seed, seed << 40].map(Fr::from);
            assert_eq!(poseidon4(inputs), run(inputs, None));
        }
    }

    #[test]
    fn trace_output_equals_hash() {
        let inputs = [5, 6, 7, 8].map(Fr::from);
        let t = poseidon4_trace(inputs);
        assert_eq!(t.output(), poseidon4(inputs));
        assert_eq!(t.inputs(), inputs);
    }
}
