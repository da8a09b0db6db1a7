//! No security counted twice, and padding worth nothing: real positions come first, in strictly
//! increasing `cusip_as_field` order; padding leaves come after them and carry no face value.
//!
//! Block rows (see [`super::position`]); `prev` is the previous block, five rows up:
//!
//! ```text
//! row | slot 3 | slots 0..3       | 8     | 9    | 11
//!  0  |        |                  | cusip | face | g z0
//!  1  |        |                  | real  |      | g z1
//!  2  | h0 0   |                  |       |      | g z2
//!  3  |        | h1 h2 h3 h4      |       |      | g z3
//!  4  |        |                  |       |      | g z4 = 0
//!
//! (1 - real) * face = 0
//! has_prev * real * (1 - prev.real) = 0                        no real position after padding
//! has_prev * real * (cusip - prev.cusip - 1 - gap) = 0         gap = g z0 + 2^32 (h0 + .. + 256^4 h4)
//! ```
//!
//! `g` is a 4-byte running sum (the range chip in column 11) and `h0..h4` are byte slots, so the
//! gap is below 2^72; CUSIPs are nine bytes, below 2^72, so `cusip - prev.cusip - 1` is that
//! small exactly when `cusip > prev.cusip`.

use halo2_proofs::plonk::{ConstraintSystem, Expression, Selector};
use halo2curves::bn256::Fr;

use crate::chips::position::{bytes_le, PositionColumns};

#[derive(Clone, Debug)]
pub struct OrderConfig {
    pub q_block: Selector,
}

pub struct OrderChip;

impl OrderChip {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, cols: &PositionColumns) -> OrderConfig {
        let q_block = meta.selector();
        meta.create_gate("padding last and worthless", |meta| {
            let q = meta.query_selector(q_block);
            let p = cols.queries(meta);
            let one = Expression::Constant(Fr::from(1));
            vec![q.clone() * (one.clone() - p.real.clone()) * p.face, q * p.has_prev * p.real * (one - p.prev_real)]
        });
        meta.create_gate("strict cusip order", |meta| {
            let q = meta.query_selector(q_block);
            let p = cols.queries(meta);
            let one = Expression::Constant(Fr::from(1));
            let gap = p.gap_low + bytes_le(&p.gap_high) * Fr::from(1u64 << 32);
            vec![q * p.has_prev * p.real * (p.cusip - p.prev_cusip - one - gap)]
        });
        OrderConfig { q_block }
    }
}

#[cfg(test)]
mod tests {
    use crate::chips::testing::{circuit, fails_with, run};
    use halo2curves::bn256::Fr;

    #[test]
    fn strictly_increasing_cusips_prove_and_repeats_or_descents_do_not() {
        run(&circuit(&[("912797KJ5", 100, 30), ("912797UD7", 100, 30)], 2, None)).expect("increasing");
        fails_with(run(&circuit(&[("912797KJ5", 100, 30), ("912797KJ5", 100, 30)], 0, None)), "strict cusip order");
        fails_with(run(&circuit(&[("912797UD7", 100, 30), ("912797KJ5", 100, 30)], 0, None)), "strict cusip order");
    }

    #[test]
    fn padding_comes_last_and_is_worth_nothing() {
        let mut c = circuit(&[("912797KJ5", 100, 30)], 2, None);
        c.blocks[2].face = Fr::from(1);
        fails_with(run(&c), "padding last and worthless");
        let mut c = circuit(&[("912797KJ5", 100, 30), ("912797UD7", 100, 30)], 1, None);
        c.blocks.swap(1, 2);
        fails_with(run(&c), "padding last and worthless");
    }
}
