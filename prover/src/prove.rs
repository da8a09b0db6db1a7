//! Making a proof, written with the Keccak transcript the EVM verifier replays or (an attestation
//! to be compressed) with the Poseidon transcript the compression circuit replays. The
//! attestation's witness is the one `Commitment::read_for_proving` checked the root on.

use bondproof_circuits::halo2_proofs::{
    plonk::{create_proof, Circuit, ProvingKey},
    poly::kzg::{
        commitment::{KZGCommitmentScheme, ParamsKZG},
        multiopen::ProverSHPLONK,
    },
    transcript::{EncodedChallenge, TranscriptWriterBuffer},
};
use bondproof_circuits::{ensure_max_degree, Bn256, Fr, G1Affine};
use bondproof_verifier::bundle::Transcript;
use snark_verifier_sdk::halo2::PoseidonTranscript;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier_sdk::NativeLoader;

use crate::error::{Error, Result};

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
    match transcript {
        Transcript::Keccak => {
            write_proof::<_, EvmTranscript<G1Affine, NativeLoader, _, _>, _>(params, pk, circuit, instances)
        }
        Transcript::Poseidon => {
            write_proof::<_, PoseidonTranscript<NativeLoader, _>, _>(params, pk, circuit, instances)
        }
    }
}

/// One SHPLONK proof written through transcript `T`.
fn write_proof<E, T, C>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> Result<Vec<u8>>
where
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWriterBuffer<Vec<u8>, G1Affine, E>,
    C: Circuit<Fr>,
{
    let mut t = T::init(Vec::new());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        rand::rngs::OsRng,
        &mut t,
    )
    .map_err(|e| Error::Proof(format!("the prover could not satisfy the circuit: {e:?}")))?;
    Ok(t.finalize())
}
