//! Solvency proving and verification at small depths: keys are generated once, then prove and
//! verify are measured separately.

use bondproof_circuits::merkle_sum::Leaf;
use bondproof_circuits::{Fr, SolvencyCircuit, SolvencyPublicInputs};
use bondproof_prover::keys::{circuit_keys, setup_insecure, CircuitKind};
use bondproof_prover::prove::{prove, solvency_circuit};
use bondproof_verifier::verify::verify_proof_bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ff::Field;

fn prover(c: &mut Criterion) {
    bondproof_circuits::ensure_max_degree();
    let mut group = c.benchmark_group("solvency");
    group.sample_size(10);
    for depth in [4usize, 6] {
        let k = SolvencyCircuit::min_k(depth);
        let params = setup_insecure(k);
        let keys = circuit_keys(CircuitKind::Solvency, None, &params, depth).expect("keys");
        let leaves: Vec<Leaf> = (0..1usize << depth)
            .map(|i| Leaf::new(Fr::from(i as u64 + 1), 1_000_000, 20_000, Fr::from(13 * i as u64)))
            .collect();
        let tree = bondproof_circuits::TreeWitness::build(&leaves);
        let inputs = SolvencyPublicInputs { root: tree.root().hash(), liabilities: 1_000_000, ratio_bps: 10_000, epoch: 1, domain: Fr::ZERO };
        let instances = inputs.to_instances();
        group.bench_with_input(BenchmarkId::new("prove", depth), &depth, |b, _| {
            b.iter(|| prove(&params, &keys.pk, solvency_circuit(&leaves, &inputs), &instances).expect("proof"))
        });
        let proof = prove(&params, &keys.pk, solvency_circuit(&leaves, &inputs), &instances).expect("proof");
        group.bench_with_input(BenchmarkId::new("verify", depth), &depth, |b, _| {
            b.iter(|| verify_proof_bytes(&keys.vk, &instances, &proof).expect("valid"))
        });
    }
    group.finish();
}

criterion_group!(benches, prover);
criterion_main!(benches);
