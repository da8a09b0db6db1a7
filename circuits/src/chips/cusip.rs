//! The CUSIP chip: a position's CUSIP is nine valid characters with a valid check digit, computed
//! from the characters, and under `us-treasury` eligibility its issuer prefix is a US Treasury
//! one. The characters' lookups (alphabet, contributions, prefix) are slots of the rules table;
//! this chip ties them to the leaf's `cusip_as_field`.
//!
//! Block rows (see [`super::position`]):
//!
//! ```text
//! row | slot 0 | slot 1 | slot 2 | slot 3 | 8     | 9
//!  0  | c1 v1  | c2 v2  | c3 v3  | c4 v4  | cusip |
//!  1  | c5 v5  | c6 v6  | c7 v7  | c8 v8  | real  | eligible
//!  2  | c9 d   | pfx 0  | m 0    |        |       |
//!
//! real * (1 - real) = 0
//! (1 - real) * cusip = 0                                   padding has no CUSIP
//! real * (cusip - sum_j c_j 256^(9-j)) = 0                 the leaf's CUSIP is these characters
//! real * (v1 + .. + v8 + d - 10 m) = 0                     check digit
//! pfx - eligible * real * sum_{j<=6} c_j 256^(6-j) = 0     the prefix the table checks
//! ```
//!
//! A real leaf's CUSIP is non-zero (its characters are), so `real` is exactly `cusip != 0`.

use halo2_proofs::plonk::{ConstraintSystem, Expression, Selector};
use halo2curves::bn256::Fr;

use crate::chips::position::PositionColumns;

#[derive(Clone, Debug)]
pub struct CusipConfig {
    pub q_block: Selector,
}

pub struct CusipChip;

/// `sum_j x_j 256^(n-1-j)`: big-endian bytes.
pub fn bytes_be(bytes: &[Expression<Fr>]) -> Expression<Fr> {
    bytes.iter().fold(Expression::Constant(Fr::from(0)), |acc, b| acc * Fr::from(256) + b.clone())
}

impl CusipChip {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, cols: &PositionColumns) -> CusipConfig {
        let q_block = meta.selector();
        meta.create_gate("cusip", |meta| {
            let q = meta.query_selector(q_block);
            let p = cols.queries(meta);
            let one = Expression::Constant(Fr::from(1));
            let not_real = one - p.real.clone();
            let check_sum = p.contributions.iter().fold(p.digit.clone(), |acc, v| acc + v.clone());
            vec![
                q.clone() * p.real.clone() * not_real.clone(),
                q.clone() * not_real * p.cusip.clone(),
                q.clone() * p.real.clone() * (p.cusip - bytes_be(&p.chars)),
                q.clone() * p.real.clone() * (check_sum - p.check_tens * Fr::from(10)),
                q * (p.prefix - p.eligible * p.real * bytes_be(&p.chars[..6])),
            ]
        });
        CusipConfig { q_block }
    }
}

#[cfg(test)]
mod tests {
    use crate::chips::testing::{any_cusip, circuit, fails_with, run};

    #[test]
    fn valid_cusips_prove_and_bad_ones_do_not() {
        let ok = [("912797KJ5", 100, 30), ("912797UD7", 100, 30)];
        run(&circuit(&ok, 2, None)).expect("Treasury CUSIPs with valid check digits");
        // A wrong check digit: the check sum is no multiple of ten.
        fails_with(run(&circuit(&[("912797KJ4", 100, 30)], 0, None)), "name: \"cusip\"");
        // A corporate CUSIP: not a Treasury issuer under us-treasury, fine under any-cusip.
        fails_with(run(&circuit(&[("037833100", 100, 30)], 0, None)), "rules table slot");
        run(&circuit(&[("037833100", 100, 30)], 0, Some(any_cusip()))).expect("any valid CUSIP");
    }

    #[test]
    fn the_leaf_cusip_must_be_its_characters() {
        let mut c = circuit(&[("912797KJ5", 100, 30)], 0, None);
        // Characters of one CUSIP behind the field value of another.
        c.blocks[0].cusip += halo2curves::bn256::Fr::from(1);
        fails_with(run(&c), "name: \"cusip\"");
    }
}
