//! Making a proof: the solvency witness is built in parallel from the commitment's leaves, and
//! every proof (solvency or inclusion) is written with the Keccak transcript the EVM verifier
//! replays.

use bondproof_circuits::halo2_proofs::{
    plonk::{create_proof, Circuit, ProvingKey},
    poly::kzg::{commitment::{KZGCommitmentScheme, ParamsKZG}, multiopen::ProverSHPLONK},
    transcript::TranscriptWriterBuffer,
};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::{ensure_max_degree, Bn256, Fr, G1Affine, SolvencyCircuit, SolvencyPublicInputs, SolvencyWitness};
use bondproof_verifier::verify::VerifyError;
use ff::PrimeField;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;

/// The circuit for these leaves and public inputs.
pub fn solvency_circuit(leaves: &[Leaf], inputs: &SolvencyPublicInputs) -> SolvencyCircuit {
    let tree = TreeWitness::build(leaves);
    let depth = tree.depth();
    SolvencyCircuit::new(
        depth,
        SolvencyWitness {
            tree,
            liabilities: Fr::from_u128(inputs.liabilities),
            ratio_bps: Fr::from(inputs.ratio_bps as u64),
        },
    )
}

/// Proves `circuit` (solvency or inclusion) for `instances`; returns the proof bytes.
pub fn prove<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> Result<Vec<u8>, VerifyError> {
    ensure_max_degree();
    let mut transcript = <EvmTranscript<G1Affine, _, _, _> as TranscriptWriterBuffer<_, G1Affine, _>>::init(Vec::new());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        rand::rngs::OsRng,
        &mut transcript,
    )
    .map_err(|e| VerifyError::InvalidProof(format!("the prover could not satisfy the circuit: {e:?}")))?;
    Ok(transcript.finalize())
}
