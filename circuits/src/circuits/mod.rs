//! The circuits, each composed of the chips in [`crate::chips`].

pub mod attestation;
pub mod inclusion;
