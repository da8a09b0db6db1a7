//! An insecure local setup (tests, first runs, `attest`): halo2's `ParamsKZG::setup` against
//! `keys::params_from_tau`, which makes the same points (a unit test compares them byte for
//! byte) from a fixed-base table. Same k, same tau, one run.

use bondproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use bondproof_circuits::{Bn256, Fr};
use bondproof_prover::keys::params_from_tau;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ff::Field;
use rand::{rngs::StdRng, SeedableRng};

fn setup(c: &mut Criterion) {
    let mut group = c.benchmark_group("insecure_setup");
    group.sample_size(10);
    for k in [12u32, 14] {
        let seed = 7;
        let tau = Fr::random(StdRng::seed_from_u64(seed));
        group.bench_with_input(BenchmarkId::new("halo2_setup", k), &k, |b, &k| {
            b.iter(|| ParamsKZG::<Bn256>::setup(k, StdRng::seed_from_u64(seed)))
        });
        group.bench_with_input(BenchmarkId::new("fixed_base", k), &k, |b, &k| {
            b.iter(|| params_from_tau(k, tau).expect("tau is not a root of unity"))
        });
    }
    group.finish();
}

criterion_group!(benches, setup);
criterion_main!(benches);
