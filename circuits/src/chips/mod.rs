//! Chips: each owns one concept of the circuits, declares its gates in `configure` on columns
//! the caller allocates (with the row layout drawn beside them), and lays out its rows in
//! `assign`.
//!
//! - [`poseidon`]: circomlib's Poseidon permutation, 13 rows;
//! - [`range`]: byte running sums in column 11 (face values, order gaps);
//! - [`merkle_sum`]: leaves and nodes of the Merkle-sum tree over the Poseidon chip;
//! - [`rules_table`]: the table of CUSIP characters, Treasury prefixes and bytes, and its lookup
//!   slots;
//! - [`position`]: the per-leaf block and its witness, which these chips constrain:
//!   [`cusip`] (characters, check digit, issuer), [`order`] (strict order, padding),
//!   [`schedule`] (maturity bounds and haircut row), [`portfolio`] (running sums, WAM, weekly
//!   liquidity);
//! - [`compare`]: range checks, comparisons and affine rows on the statement's numbers;
//! - [`liabilities`]: supplies, their sum, and coverage;
//! - [`policy_chips`]: all of the above but the tree, configured together on the shared columns.

pub mod compare;
pub mod cusip;
pub mod liabilities;
pub mod merkle_sum;
pub mod order;
pub mod policy_chips;
pub mod portfolio;
pub mod poseidon;
pub mod position;
pub mod range;
pub mod rules_table;
pub mod schedule;
#[cfg(test)]
pub(crate) mod testing;
