//! Making a proof: the attestation witness is built in parallel from the commitment's leaves, and
//! a proof is written with the Keccak transcript the EVM verifier replays, or (an attestation to
//! be compressed) with the Poseidon transcript the compression circuit replays.

use bondproof_circuits::halo2_proofs::{
    plonk::{create_proof, Circuit, ProvingKey},
    poly::kzg::{
        commitment::{KZGCommitmentScheme, ParamsKZG},
        multiopen::ProverSHPLONK,
    },
    transcript::TranscriptWriterBuffer,
};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::{
    ensure_max_degree, AttestationCircuit, AttestationStatement, AttestationWitness, Bn256, Fr, G1Affine,
};
use bondproof_verifier::bundle::Transcript;
use snark_verifier_sdk::halo2::PoseidonTranscript;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier_sdk::NativeLoader;

use crate::error::{Error, Result};

/// The attestation circuit for these leaves (in tree order) and this statement.
pub fn attestation_circuit(leaves: &[Leaf], statement: &AttestationStatement) -> AttestationCircuit {
    AttestationCircuit::new(AttestationWitness::new(TreeWitness::build(leaves), *statement))
}

/// Proves `circuit` (attestation or inclusion) for `instances` with the Keccak transcript;
/// returns the proof bytes.
pub fn prove<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> Result<Vec<u8>> {
    prove_with(params, pk, circuit, instances, Transcript::Keccak)
}

/// [`prove`] with the chosen transcript.
pub fn prove_with<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
    transcript: Transcript,
) -> Result<Vec<u8>> {
    ensure_max_degree();
    let failed = |e| Error::Proof(format!("the prover could not satisfy the circuit: {e:?}"));
    match transcript {
        Transcript::Keccak => {
            let mut t = <EvmTranscript<G1Affine, _, _, _> as TranscriptWriterBuffer<_, G1Affine, _>>::init(Vec::new());
            create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
                params,
                pk,
                &[circuit],
                &[&[instances]],
                rand::rngs::OsRng,
                &mut t,
            )
            .map_err(failed)?;
            Ok(t.finalize())
        }
        Transcript::Poseidon => {
            let mut t =
                <PoseidonTranscript<NativeLoader, _> as TranscriptWriterBuffer<_, G1Affine, _>>::init(Vec::new());
            create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
                params,
                pk,
                &[circuit],
                &[&[instances]],
                rand::rngs::OsRng,
                &mut t,
            )
            .map_err(failed)?;
            Ok(t.finalize())
        }
    }
}
