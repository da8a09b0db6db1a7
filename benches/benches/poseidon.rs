//! Native Poseidon and native tree building.

use bondproof_circuits::merkle_sum::Leaf;
use bondproof_circuits::poseidon::{poseidon4, poseidon4_trace};
use bondproof_circuits::Fr;
use bondproof_prover::tree::MerkleSumTree;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn leaves(n: usize) -> (Vec<Leaf>, Vec<u64>) {
    let leaves =
        (0..n).map(|i| Leaf::new(Fr::from(i as u64 + 1), 100 * i as u64, 20_000, Fr::from(7 * i as u64))).collect();
    (leaves, (0..n).map(|i| 100 * i as u64).collect())
}

fn native(c: &mut Criterion) {
    let inputs = [1, 2, 3, 4].map(Fr::from);
    c.bench_function("poseidon4 native", |b| b.iter(|| poseidon4(std::hint::black_box(inputs))));
    c.bench_function("poseidon4 trace", |b| b.iter(|| poseidon4_trace(std::hint::black_box(inputs))));
    let mut group = c.benchmark_group("tree build");
    group.sample_size(10);
    for log in [10, 14] {
        let (l, f) = leaves(1 << log);
        group.bench_with_input(BenchmarkId::from_parameter(1 << log), &log, |b, _| {
            b.iter(|| MerkleSumTree::build(&l, &f))
        });
    }
    group.finish();
}

criterion_group!(benches, native);
criterion_main!(benches);
