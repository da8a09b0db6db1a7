//! Checking a proof against a verifying key, and the key against what the verifier trusts: a
//! key rebuilt from the circuit code and a ceremony file ([`check_rebuilt_key`]), or at least
//! a setup the verifier named ([`check_setup_id`]).

use std::io::Cursor;

use bondproof_circuits::halo2_proofs::{
    self as halo2_proofs,
    plonk::{verify_proof, VerifyingKey},
    poly::kzg::{
        commitment::{KZGCommitmentScheme, ParamsKZG},
        multiopen::VerifierSHPLONK,
        strategy::SingleStrategy,
    },
    transcript::{EncodedChallenge, TranscriptRead, TranscriptReadBuffer},
};
use bondproof_circuits::{AttestationStatement, Bn256, CircuitKind, Fr, G1Affine};
use snark_verifier_sdk::halo2::PoseidonTranscript;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier_sdk::NativeLoader;

use crate::bundle::{CircuitInfo, ProofBundle, Transcript};
use crate::vk_file::VerifierKey;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the bundle was made for verifying key {bundle}, but the pinned key is {pinned}")]
    VkMismatch { bundle: String, pinned: String },
    #[error("the bundle is for circuit {bundle}, but the pinned key is for {pinned}")]
    CircuitMismatch { bundle: String, pinned: String },
    #[error("the proof is for root {bundle}, not the expected root {expected}")]
    RootMismatch { bundle: String, expected: String },
    #[error("the {circuit} circuit takes {expected} public inputs, not {found}")]
    InstanceCount { circuit: CircuitKind, expected: usize, found: usize },
    #[error("malformed bundle: {0}")]
    Malformed(String),
    #[error("the proof does not verify: {0}")]
    InvalidProof(String),
    #[error("the pinned verifying key {pinned} is not the key {rebuilt} rebuilt from the circuit code and the ceremony: {detail}")]
    KeyDiffers { pinned: String, rebuilt: String, detail: String },
    #[error("the verifying key's setup is {key}, not the setup {named} you named")]
    SetupMismatch { key: String, named: String },
    #[error("the verifying key's G1 or G2 generator is not the curve's standard one, as no ceremony has it: the key is forged")]
    NonStandardGenerators,
}

/// Refuses a pinned key that is not, byte for byte, the key rebuilt from the circuit code and
/// the ceremony. A key carries every fixed commitment (selectors, constants, tables), so one
/// that differs may switch a constraint off; the message says what differs.
pub fn check_rebuilt_key(rebuilt: &VerifierKey, pinned: &VerifierKey) -> Result<(), VerifyError> {
    match rebuilt.difference(pinned) {
        None => Ok(()),
        Some(detail) => Err(VerifyError::KeyDiffers { pinned: pinned.hash_hex(), rebuilt: rebuilt.hash_hex(), detail }),
    }
}

/// Accepts a key whose setup (`setup`, see [`crate::vk_file::setup_id_of`]) is the one named by
/// `setup_id` (`0x` optional) and whose generators are the standard ones. This checks the setup
/// only: the key's fixed commitments are still the key maker's, which only rebuilding the key
/// ([`check_rebuilt_key`]) checks.
pub fn check_setup_id(setup: &str, standard_generators: bool, setup_id: &str) -> Result<(), VerifyError> {
    let named = crate::vk_file::parse_setup_id(setup_id).unwrap_or_else(|| setup_id.trim().to_string());
    if setup != named {
        return Err(VerifyError::SetupMismatch { key: setup.to_string(), named });
    }
    if !standard_generators {
        return Err(VerifyError::NonStandardGenerators);
    }
    Ok(())
}

/// Verifies raw proof bytes for these public inputs. Extra bytes after the proof are an error:
/// halo2 itself would ignore them. So is a public-input vector of another length than the key's
/// circuit takes: halo2 reads missing inputs as zero, so a shorter vector would verify whenever
/// the dropped inputs were zero, and the statement would not be the one shown.
pub fn verify_proof_bytes(key: &VerifierKey, instances: &[Fr], proof: &[u8]) -> Result<(), VerifyError> {
    verify_proof_with(key, instances, proof, Transcript::Keccak)
}

/// [`verify_proof_bytes`] for a proof made with `transcript`.
pub fn verify_proof_with(
    key: &VerifierKey,
    instances: &[Fr],
    proof: &[u8],
    transcript: Transcript,
) -> Result<(), VerifyError> {
    bondproof_circuits::ensure_max_degree();
    let expected = key.circuit.instance_count();
    if instances.len() != expected {
        return Err(VerifyError::InstanceCount { circuit: key.circuit, expected, found: instances.len() });
    }
    verify_transcript(&key.params, &key.vk, instances, proof, transcript)
}

/// halo2's SHPLONK verifier over the whole of `proof`, read with `transcript`: bytes left after
/// the proof are refused (halo2 would ignore them), and a panic on malformed data (some point
/// decodings panic) is an invalid proof, not a crash. Every proof bondproof checks goes here.
pub fn verify_transcript(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[Fr],
    proof: &[u8],
    transcript: Transcript,
) -> Result<(), VerifyError> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut cursor = Cursor::new(proof);
        let result = match transcript {
            Transcript::Keccak => {
                read_proof(params, vk, instances, &mut EvmTranscript::<G1Affine, NativeLoader, _, _>::init(&mut cursor))
            }
            Transcript::Poseidon => {
                read_proof(params, vk, instances, &mut PoseidonTranscript::<NativeLoader, _>::init(&mut cursor))
            }
        };
        (result, cursor.position() as usize)
    }));
    match outcome {
        Ok((Ok(()), read)) if read == proof.len() => Ok(()),
        Ok((Ok(()), read)) => {
            Err(VerifyError::InvalidProof(format!("{} unexpected bytes after the proof", proof.len() - read)))
        }
        Ok((Err(e), _)) => Err(VerifyError::InvalidProof(format!("{e:?}"))),
        Err(_) => Err(VerifyError::InvalidProof("the verifier rejected malformed proof data".into())),
    }
}

fn read_proof<E: EncodedChallenge<G1Affine>, T: TranscriptRead<G1Affine, E>>(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[Fr],
    transcript: &mut T,
) -> Result<(), halo2_proofs::plonk::Error> {
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        params,
        vk,
        SingleStrategy::new(params),
        &[&[instances]],
        transcript,
    )
}

/// Checks that the bundle was made for the pinned key and that its proof verifies for the
/// statement in its public inputs; returns that statement, the only part of the bundle a
/// verifier may present as proved.
pub fn verify_bundle(bundle: &ProofBundle, key: &VerifierKey) -> Result<AttestationStatement, VerifyError> {
    check_pinned_key(&bundle.vk_hash, &bundle.circuit, key)?;
    if key.circuit != CircuitKind::Attestation {
        return Err(VerifyError::CircuitMismatch {
            bundle: bundle.circuit.name.clone(),
            pinned: key.circuit.name().into(),
        });
    }
    let statement = bundle.statement().map_err(VerifyError::Malformed)?;
    let proof = bundle.proof_bytes().map_err(VerifyError::Malformed)?;
    verify_proof_with(key, &statement.to_instances(), &proof, bundle.transcript)?;
    Ok(statement)
}

/// A bundle names the key and circuit it was made for; both must be the pinned key's, or the
/// proof would be checked against a key its author never used.
pub fn check_pinned_key(vk_hash: &str, circuit: &CircuitInfo, key: &VerifierKey) -> Result<(), VerifyError> {
    let pinned = key.hash_hex();
    if !vk_hash.eq_ignore_ascii_case(&pinned) {
        return Err(VerifyError::VkMismatch { bundle: vk_hash.to_string(), pinned });
    }
    if circuit.name != key.circuit.name() || circuit.depth != key.depth || circuit.k != key.k() {
        return Err(VerifyError::CircuitMismatch {
            bundle: format!("{} (depth {}, k {})", circuit.name, circuit.depth, circuit.k),
            pinned: format!("{} (depth {}, k {})", key.circuit, key.depth, key.k()),
        });
    }
    Ok(())
}
