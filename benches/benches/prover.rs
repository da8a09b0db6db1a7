//! Attestation proving and verification at small depths: keys are generated once, then prove
//! and verify are measured separately.

use bondproof_circuits::{AttestationCircuit, AttestationWitness, CircuitKind, TreeWitness};
use bondproof_prover::bench::{synthetic_leaves, synthetic_statement};
use bondproof_prover::keys::{circuit_keys, setup_insecure};
use bondproof_prover::prove::prove;
use bondproof_verifier::verify::verify_proof_bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn prover(c: &mut Criterion) {
    bondproof_circuits::ensure_max_degree();
    let mut group = c.benchmark_group("attestation");
    group.sample_size(10);
    for depth in [4usize, 6] {
        let k = AttestationCircuit::min_k(depth);
        let params = setup_insecure(k);
        let keys = circuit_keys(CircuitKind::Attestation, None, &params, depth).expect("keys");
        // Every leaf a real position (no padding): the most a tree of this depth proves.
        let leaves = synthetic_leaves(1 << depth);
        let tree = TreeWitness::build(&leaves);
        let statement = synthetic_statement(&leaves, tree.root().hash());
        let instances = statement.to_instances();
        let circuit = || AttestationCircuit::new(AttestationWitness::new(tree.clone(), statement));
        group.bench_with_input(BenchmarkId::new("prove", depth), &depth, |b, _| {
            b.iter(|| prove(&params, &keys.pk, circuit(), &instances).expect("proof"))
        });
        let proof = prove(&params, &keys.pk, circuit(), &instances).expect("proof");
        group.bench_with_input(BenchmarkId::new("verify", depth), &depth, |b, _| {
            b.iter(|| verify_proof_bytes(&keys.vk, &instances, &proof).expect("valid"))
        });
    }
    group.finish();
}

criterion_group!(benches, prover);
criterion_main!(benches);
