//! Many multiples of one fixed point, fast: what an insecure setup and an insecure `.ptau`
//! (tests, first runs) spend their time on.

use std::io::Write;
use std::ops::AddAssign;

use bondproof_circuits::halo2_proofs::halo2curves::{
    ff::{Field, PrimeField},
    group::Curve,
    serde::SerdeObject,
};
use bondproof_circuits::Fr;
use rayon::prelude::*;

/// Multiples of one base from a table of d * 256^w * base (w < 32, d < 256): a scalar
/// multiplication is at most 32 additions, which makes writing 2^21 powers take seconds rather
/// than the minutes of one double-and-add each.
pub(crate) struct FixedBase<C: Curve> {
    windows: Vec<Vec<C::AffineRepr>>,
}

impl<C> FixedBase<C>
where
    C: Curve + AddAssign<C::AffineRepr> + Send + Sync,
    C::AffineRepr: SerdeObject + Copy + Send + Sync,
{
    pub(crate) fn new(base: C) -> Self {
        let mut windows = Vec::with_capacity(32);
        let mut b = base;
        for _ in 0..32 {
            let mut row = Vec::with_capacity(256);
            let mut acc = C::identity();
            for _ in 0..256 {
                row.push(acc.to_affine());
                acc += b;
            }
            windows.push(row);
            for _ in 0..8 {
                b = b.double();
            }
        }
        FixedBase { windows }
    }

    pub(crate) fn mul(&self, s: &Fr) -> C {
        // Fr's representation is little-endian: byte w is the digit of 256^w.
        let mut acc = C::identity();
        for (window, digit) in self.windows.iter().zip(s.to_repr().as_ref()) {
            if *digit != 0 {
                acc += window[*digit as usize];
            }
        }
        acc
    }

    /// Writes `first * tau^i * base` for i in 0..count, a bounded run of points at a time.
    pub(crate) fn write_powers<W: Write>(&self, out: &mut W, first: Fr, tau: Fr, count: u64) -> std::io::Result<()> {
        const RUN: u64 = 1 << 16;
        let mut start = 0;
        while start < count {
            let len = (count - start).min(RUN) as usize;
            for point in self.powers(first * tau.pow_vartime([start]), tau, len) {
                out.write_all(&point.to_raw_bytes())?;
            }
            start += len as u64;
        }
        Ok(())
    }

    /// `first * tau^i * base` for i in 0..count, affine, computed in parallel.
    pub(crate) fn powers(&self, first: Fr, tau: Fr, count: usize) -> Vec<C::AffineRepr> {
        let scalars = powers_of(first, tau, count);
        self.muls(&scalars)
    }

    /// `s * base` for each scalar, affine, computed in parallel.
    pub(crate) fn muls(&self, scalars: &[Fr]) -> Vec<C::AffineRepr> {
        let mut affine = vec![C::identity().to_affine(); scalars.len()];
        scalars.par_chunks(CHUNK).zip(affine.par_chunks_mut(CHUNK)).for_each(|(s, out)| {
            let projective: Vec<C> = s.iter().map(|s| self.mul(s)).collect();
            C::batch_normalize(&projective, out);
        });
        affine
    }
}

/// Points per parallel chunk: one batch normalization (one inversion) each.
const CHUNK: usize = 1 << 12;

/// `first * tau^i` for i in 0..count, each chunk from its own starting power, in parallel.
pub(crate) fn powers_of(first: Fr, tau: Fr, count: usize) -> Vec<Fr> {
    let mut out = vec![Fr::ZERO; count];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut x = first * tau.pow_vartime([(c * CHUNK) as u64]);
        for slot in chunk {
            *slot = x;
            x *= tau;
        }
    });
    out
}
