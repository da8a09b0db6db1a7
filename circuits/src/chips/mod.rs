//! Chips: each owns one concept of the circuits, declares its gates in `configure` on columns
//! the caller allocates, and lays out its rows in `assign`.

pub mod merkle_sum;
pub mod poseidon;
pub mod range;
