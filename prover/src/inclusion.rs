//! Inclusion proofs for the auditor: one proof per position that its CUSIP, at its face value,
//! is a leaf of the tree behind the published root. Nothing else about the tree (no sibling,
//! no index, no other position) leaves the proof.
//!
//! A batch shares one proving key, loaded or generated once, between all its workers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bondproof_circuits::circuits::inclusion::PathStep;
use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use bondproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use bondproof_circuits::{Bn256, Fr, InclusionCircuit, InclusionPublicInputs, InclusionWitness};
use bondproof_verifier::bundle::CircuitInfo;
use bondproof_verifier::inclusion_bundle::{
    InclusionBundle, InclusionInputsJson, InclusionMetadata, INCLUSION_FORMAT_VERSION,
};
use bondproof_verifier::verify::verify_proof_bytes;
use ff::PrimeField;

use crate::commitment::{fr_hex, Commitment, CommittedLeaf};
use crate::error::{Error, Result};
use crate::ingest::Cusip;
use crate::keys::{load_for_proving, CircuitKeys, ProvingSetup};
use crate::tree::MerkleSumTree;
use bondproof_circuits::CircuitKind;

/// The verifying key `--all` writes beside the bundles.
pub const BATCH_VK_FILE: &str = "inclusion.vk.bin";

/// How a batch spreads over the machine: `concurrent` proofs at a time, each on its own rayon
/// pool of `threads_per_proof` threads.
///
/// Measured on the 2-core machine this was written on (release build, k = 9: the inclusion
/// circuit fits k = 9 at depth 5 and at depth 16 alike), proofs per second over `--all`:
///
///   plan                                         fixture, 26 positions    depth 16, 300 positions
///   1 thread (RAYON_NUM_THREADS=1)               3.55 3.62 3.65           3.53
///   2 proofs at a time, 1 thread each (chosen)   7.07 7.56 7.58           6.86 (3000 positions: 6.73)
///   1 proof at a time, 2 threads inside          6.19 6.32 6.30           *
///   par_iter on the global pool (nested)         6.52 6.20 5.66           *
///
/// (* no clean run: another engineer's builds shared the machine; per-proof cost depends on k,
/// not depth, and the fixture rows were taken with the machine otherwise idle.)
/// A k = 9 proof is FFTs and MSMs over 512 rows: too small for fork/join inside one proof to
/// pay (1.75x on 2 threads), while independent proofs share nothing but the read-only key
/// (1.95-2.1x). Letting rayon nest proofs in one pool was slower and noisier than either.
/// Hence one thread per proof and as many proofs as there are threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchPlan {
    pub concurrent: usize,
    pub threads_per_proof: usize,
}

impl BatchPlan {
    /// The measured best plan for `threads` threads.
    pub fn for_threads(threads: usize) -> Self {
        Self::with_threads_per_proof(threads, 1)
    }

    /// `threads` split into proofs of `threads_per_proof` threads each (at least one proof).
    pub fn with_threads_per_proof(threads: usize, threads_per_proof: usize) -> Self {
        let per = threads_per_proof.clamp(1, threads.max(1));
        Self { concurrent: (threads / per).max(1), threads_per_proof: per }
    }
}

impl Default for BatchPlan {
    fn default() -> Self {
        // RAYON_NUM_THREADS, when set, is the operator's say in how much of the machine to use.
        Self::for_threads(rayon::current_num_threads())
    }
}

/// What a batch did.
#[derive(Debug)]
pub struct BatchOutcome {
    pub proved: usize,
    pub vk_path: PathBuf,
    pub plan: BatchPlan,
    pub elapsed: Duration,
}

/// A commitment, its tree, and the inclusion keys for its depth: everything needed to prove
/// any of its positions.
pub struct InclusionProver {
    pub commitment: Commitment,
    commitment_path: PathBuf,
    leaves: Vec<CommittedLeaf>,
    tree: MerkleSumTree,
    params: ParamsKZG<Bn256>,
    pub keys: CircuitKeys,
    pub insecure_setup: bool,
}

impl InclusionProver {
    /// Reads and checks the commitment, cuts the parameters down to the inclusion circuit's k
    /// for this depth, and loads (or generates and caches) the keys.
    pub fn load(commitment_path: &Path, params_path: &Path) -> Result<Self> {
        let (commitment, leaves, tree) = Commitment::read(commitment_path)?;
        let ProvingSetup { params, info, keys, .. } =
            load_for_proving(CircuitKind::Inclusion, params_path, commitment.depth, &|_| {})?;
        Ok(Self {
            commitment,
            commitment_path: commitment_path.to_path_buf(),
            leaves,
            tree,
            params,
            keys,
            insecure_setup: info.insecure,
        })
    }

    pub fn k(&self) -> u32 {
        self.params.k()
    }

    pub fn depth(&self) -> usize {
        self.commitment.depth
    }

    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// Tree indices of the real (non-padding) positions, in tree order.
    pub fn real_positions(&self) -> Vec<usize> {
        (0..self.leaves.len()).filter(|&i| self.leaves[i].cusip.is_some()).collect()
    }

    /// The tree index of `cusip`. The tree has one leaf per CUSIP, every account's share summed,
    /// so `account` only checks that the commitment lists a share of this CUSIP in it.
    pub fn index_of(&self, cusip: &str, account: Option<&str>) -> Result<usize> {
        let file = self.commitment_path.display().to_string();
        let parsed = Cusip::parse(cusip.trim()).map_err(|e| {
            crate::ingest::InputError::new(
                &self.commitment_path,
                format!("--cusip '{cusip}' is not a valid CUSIP: {e}"),
            )
        })?;
        let index = self
            .leaves
            .iter()
            .position(|l| l.cusip == Some(parsed))
            .ok_or_else(|| Error::NotCommitted { file: file.clone(), cusip: parsed.to_string() })?;
        if let Some(account) = account {
            let shares = &self.commitment.leaves[index].accounts;
            if !shares.iter().any(|s| s.account.as_deref() == Some(account)) {
                let listed: Vec<String> =
                    shares.iter().map(|s| s.account.clone().unwrap_or_else(|| "(none)".into())).collect();
                return Err(Error::AccountNotListed {
                    file,
                    cusip: parsed.to_string(),
                    account: account.to_string(),
                    listed: if listed.is_empty() { "none recorded".into() } else { listed.join(", ") },
                });
            }
        }
        Ok(index)
    }

    /// Proves the position at tree index `index`, on the calling thread's rayon pool, and checks
    /// the proof before handing it out: a bundle that does not verify is never written.
    pub fn prove_index(&self, index: usize) -> Result<InclusionBundle> {
        let committed = &self.leaves[index];
        let cusip = committed.cusip.map(|c| c.to_string()).unwrap_or_default();
        let fail = |message: String| Error::InclusionProof { cusip: cusip.clone(), message };
        if committed.cusip.is_none() {
            return Err(fail(format!("leaf {index} is padding, not a position")));
        }
        let leaf = committed.to_leaf();
        let path: Vec<PathStep> = self
            .tree
            .path(index)
            .into_iter()
            .map(|s| PathStep {
                sibling_hash: s.sibling_hash,
                sibling_sum: Fr::from_u128(s.sibling_sum),
                sibling_is_left: s.sibling_is_left,
            })
            .collect();
        let inputs = InclusionPublicInputs {
            root: self.tree.root(),
            cusip: leaf.cusip,
            face_value: committed.face_value,
            epoch: self.commitment.epoch,
        };
        let instances = inputs.to_instances();
        let circuit = InclusionCircuit::new(InclusionWitness { leaf, path });
        let proof =
            crate::prove::prove(&self.params, &self.keys.pk, circuit, &instances).map_err(|e| fail(e.to_string()))?;
        verify_proof_bytes(&self.keys.vk, &instances, &proof).map_err(|e| fail(e.to_string()))?;
        Ok(InclusionBundle {
            format_version: INCLUSION_FORMAT_VERSION,
            circuit: CircuitInfo {
                name: CircuitKind::Inclusion.name().into(),
                k: self.k(),
                depth: self.depth() as u32,
            },
            public_inputs: InclusionInputsJson::new(&inputs.root, &cusip, committed.face_value, self.commitment.epoch),
            proof: format!("0x{}", hex::encode(&proof)),
            vk_hash: self.keys.vk.hash_hex(),
            metadata: InclusionMetadata {
                created_at: crate::attestation::created_at(),
                as_of: self.commitment.as_of.clone(),
                insecure_setup: self.insecure_setup,
                prover: crate::attestation::PROVER.into(),
            },
        })
    }

    pub fn write_vk(&self, path: &Path) -> Result<()> {
        bondproof_verifier::atomic::write_atomic(path, &self.keys.vk.bytes).map_err(write_err(path))
    }

    /// Proves one CUSIP into `out`, and writes the verifying key beside it as `<stem>.vk.bin`.
    pub fn prove_one(&self, cusip: &str, account: Option<&str>, out: &Path) -> Result<(InclusionBundle, PathBuf)> {
        let index = self.index_of(cusip, account)?;
        let bundle = self.prove_index(index)?;
        let vk_path = crate::attestation::vk_path_for(out);
        self.write_vk(&vk_path)?;
        bundle.write(out).map_err(write_err(out))?;
        Ok((bundle, vk_path))
    }

    /// Proves every real position into `<out_dir>/<CUSIP>.json`, plus `inclusion.vk.bin`.
    /// `on_done` is called (from worker threads) with each CUSIP as its bundle is written.
    /// Stops handing out work at the first failure and returns it.
    pub fn prove_all(&self, out_dir: &Path, plan: BatchPlan, on_done: &(dyn Fn(&str) + Sync)) -> Result<BatchOutcome> {
        let start = Instant::now();
        std::fs::create_dir_all(out_dir).map_err(write_err(out_dir))?;
        let vk_path = out_dir.join(BATCH_VK_FILE);
        self.write_vk(&vk_path)?;
        let todo = self.real_positions();

        // Each worker owns a pool sized to the plan, so a proof's internal rayon work stays on
        // that pool. (A plain par_iter over positions would not keep to the plan: a worker
        // blocked in another pool's `install` steals further positions, and the global pool's
        // work-stealing, not the plan, decides how proofs and their insides share the cores.)
        let pools = (0..plan.concurrent)
            .map(|i| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(plan.threads_per_proof)
                    .thread_name(move |t| format!("inclusion-{i}-{t}"))
                    .build()
                    .map_err(|e| Error::Threads(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let next = AtomicUsize::new(0);
        let proved = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error: Mutex<Option<Error>> = Mutex::new(None);
        let (todo, next, proved, failed, first_error) = (&todo, &next, &proved, &failed, &first_error);
        std::thread::scope(|s| {
            for pool in &pools {
                s.spawn(move || {
                    while !failed.load(Ordering::Relaxed) {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = todo.get(j) else { break };
                        let result = pool.install(|| self.prove_index(index)).and_then(|bundle| {
                            let path = out_dir.join(format!("{}.json", bundle.public_inputs.cusip));
                            bundle.write(&path).map_err(write_err(&path))?;
                            Ok(bundle.public_inputs.cusip)
                        });
                        match result {
                            Ok(cusip) => {
                                proved.fetch_add(1, Ordering::Relaxed);
                                on_done(&cusip);
                            }
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                first_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                            }
                        }
                    }
                });
            }
        });
        if let Some(e) = first_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        Ok(BatchOutcome { proved: proved.load(Ordering::Relaxed), vk_path, plan, elapsed: start.elapsed() })
    }

    /// The root as published: 0x-hex.
    pub fn root_hex(&self) -> String {
        fr_hex(&self.tree.root())
    }
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    Error::write(path)
}

/// How one statement position fared against the proofs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReconcileStatus {
    /// A proof verifies against the root at exactly the statement's face value.
    Matched,
    /// No proof for this CUSIP in the folder.
    Missing,
    /// Proofs exist, but none verifies against the root at the statement's face value.
    Mismatched,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReconcileRow {
    pub cusip: String,
    pub status: ReconcileStatus,
    /// The statement's rows for this CUSIP, summed (cents).
    pub statement_face_value: u64,
    /// The face value a valid proof against the root carries, if there is one.
    pub proved_face_value: Option<u64>,
    /// The proof file that decided the row.
    pub proof: Option<PathBuf>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ReconcileReport {
    pub rows: Vec<ReconcileRow>,
    /// CUSIPs with a proof in the folder but not on the statement (informational: the tree may
    /// hold positions another statement covers).
    pub not_on_statement: Vec<String>,
    /// `.json` files in the folder that are not inclusion bundles.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl ReconcileReport {
    pub fn count(&self, status: ReconcileStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    pub fn all_matched(&self) -> bool {
        self.rows.iter().all(|r| r.status == ReconcileStatus::Matched)
    }
}

/// Checks every position of a custodian's statement (already summed per CUSIP) against the
/// inclusion bundles in `proofs_dir`. Bundles are matched by the CUSIP they prove, not by file
/// name: the proof, not the name, is what the custodian vouches for. A folder may hold several
/// bundles for one CUSIP (say, from several epochs); any one valid under `root` at the
/// statement's face value matches.
pub fn reconcile(
    statement: &[crate::ingest::Holding],
    proofs_dir: &Path,
    key: &bondproof_verifier::VerifierKey,
    root: &Fr,
) -> Result<ReconcileReport> {
    use rayon::prelude::*;
    use std::collections::BTreeMap;

    let entries = std::fs::read_dir(proofs_dir)
        .map_err(|e| crate::ingest::InputError::new(proofs_dir, format!("cannot read the proofs folder: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    files.sort();
    let mut by_cusip: BTreeMap<String, Vec<(PathBuf, InclusionBundle)>> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for path in files {
        match InclusionBundle::read(&path) {
            Ok(b) => by_cusip.entry(b.public_inputs.cusip.clone()).or_default().push((path, b)),
            Err(e) => unreadable.push((path, e.to_string())),
        }
    }

    let rows: Vec<ReconcileRow> = statement
        .par_iter()
        .map(|h| {
            let cusip = h.cusip.to_string();
            let mut row = ReconcileRow {
                cusip: cusip.clone(),
                status: ReconcileStatus::Missing,
                statement_face_value: h.face_value,
                proved_face_value: None,
                proof: None,
                reason: Some(format!("no inclusion proof for {cusip} in {}", proofs_dir.display())),
            };
            let Some(candidates) = by_cusip.get(&cusip) else { return row };
            row.status = ReconcileStatus::Mismatched;
            let mut first_failure: Option<(PathBuf, String)> = None;
            for (path, bundle) in candidates {
                match bondproof_verifier::verify_inclusion_bundle(bundle, key, Some(root)) {
                    Ok(inputs) if inputs.face_value == h.face_value => {
                        row.status = ReconcileStatus::Matched;
                        row.proved_face_value = Some(inputs.face_value);
                        row.proof = Some(path.clone());
                        row.reason = None;
                        return row;
                    }
                    Ok(inputs) => {
                        // Under one root a CUSIP has one leaf, so this is the tree's figure.
                        row.proved_face_value = Some(inputs.face_value);
                        row.proof = Some(path.clone());
                        row.reason = Some(format!(
                            "face value differs: the statement says {}, the tree holds {}",
                            h.face_value, inputs.face_value
                        ));
                    }
                    Err(e) => {
                        first_failure.get_or_insert_with(|| (path.clone(), format!("proof invalid: {e}")));
                    }
                }
            }
            if row.proved_face_value.is_none() {
                if let Some((path, reason)) = first_failure {
                    row.proof = Some(path);
                    row.reason = Some(reason);
                }
            }
            row
        })
        .collect();
    let on_statement: std::collections::HashSet<String> = statement.iter().map(|h| h.cusip.to_string()).collect();
    let not_on_statement = by_cusip.keys().filter(|c| !on_statement.contains(*c)).cloned().collect();
    Ok(ReconcileReport { rows, not_on_statement, unreadable })
}
