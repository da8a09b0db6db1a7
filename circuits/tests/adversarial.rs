//! Cheats found by an adversarial review of the attestation circuit, kept as regression tests:
//! cheating witnesses run through MockProver (and the real prover) on the *unchanged*
//! constraint system. A cheat that needs cells the honest synthesis does not let
//! a caller set is injected by a floor planner that wraps `SimpleFloorPlanner` and substitutes
//! the value of chosen advice cells (column index, absolute row) as they are assigned: the gates,
//! lookups, copy constraints and fixed columns are exactly `AttestationCircuit`'s.

use std::any::Any;
use std::cell::RefCell;

use bondproof_circuits::chips::merkle_sum::MerkleSumChip;
use bondproof_circuits::chips::position::BLOCK_ROWS;
use bondproof_circuits::chips::schedule::TABLE_BUILD_ROWS;
use bondproof_circuits::circuits::attestation::{AttestationConfig, Tamper};
use bondproof_circuits::cusip::cusip_field;
use bondproof_circuits::halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::{MockProver, VerifyFailure},
    plonk::{
        Advice, Any as AnyCol, Assigned, Assignment, Challenge, Circuit, Column, ConstraintSystem, Error, Fixed,
        FloorPlanner, Instance, Selector,
    },
};
use bondproof_circuits::merkle_sum::{Leaf, TreeWitness};
use bondproof_circuits::policy::{Policy, HAIRCUT_SLOTS};
use bondproof_circuits::statement::{domain_tag, AttestationStatement as S, Deployment, DEPLOYMENT_SLOTS};
use bondproof_circuits::{ensure_max_degree, AttestationCircuit, AttestationWitness, Fr};
use ff::{Field, PrimeField};

const DEPTH: usize = 3;
const AS_OF: u64 = 20_600;

// ------------------------------------------------------------------ cell-substituting planner

/// One substituted advice cell: column index, absolute row, the value the honest synthesis
/// must be putting there (a guard that the right cell is hit), the cheating value.
#[derive(Clone, Debug)]
struct Edit {
    column: usize,
    row: usize,
    honest: Option<Fr>,
    cheat: Fr,
    hits: usize,
}

thread_local! {
    static EDITS: RefCell<Vec<Edit>> = const { RefCell::new(Vec::new()) };
}

fn to_f<F: Field>(x: Fr) -> F {
    *(&x as &dyn Any).downcast_ref::<F>().expect("the circuit is over Fr")
}

struct TamperCs<'a, CS>(&'a mut CS);

impl<F: Field, CS: Assignment<F>> Assignment<F> for TamperCs<'_, CS> {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name_fn: N) {
        self.0.enter_region(name_fn)
    }
    fn annotate_column<A: FnOnce() -> AR, AR: Into<String>>(&mut self, annotation: A, column: Column<AnyCol>) {
        self.0.annotate_column(annotation, column)
    }
    fn exit_region(&mut self) {
        self.0.exit_region()
    }
    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        annotation: A,
        selector: &Selector,
        row: usize,
    ) -> Result<(), Error> {
        self.0.enable_selector(annotation, selector, row)
    }
    fn query_instance(&self, column: Column<Instance>, row: usize) -> Result<Value<F>, Error> {
        self.0.query_instance(column, row)
    }
    fn assign_advice<'v>(
        &mut self,
        column: Column<Advice>,
        row: usize,
        to: Value<Assigned<F>>,
    ) -> Value<&'v Assigned<F>> {
        let to = EDITS.with(|edits| {
            for e in edits.borrow_mut().iter_mut() {
                if e.column == column.index() && e.row == row {
                    if let Some(h) = e.honest {
                        let h: F = to_f(h);
                        to.assert_if_known(|v| v.evaluate() == h);
                    }
                    e.hits += 1;
                    return Value::known(Assigned::Trivial(to_f::<F>(e.cheat)));
                }
            }
            to
        });
        self.0.assign_advice(column, row, to)
    }
    fn assign_fixed(&mut self, column: Column<Fixed>, row: usize, to: Assigned<F>) {
        self.0.assign_fixed(column, row, to)
    }
    fn copy(&mut self, lc: Column<AnyCol>, lr: usize, rc: Column<AnyCol>, rr: usize) {
        self.0.copy(lc, lr, rc, rr)
    }
    fn fill_from_row(&mut self, column: Column<Fixed>, row: usize, to: Value<Assigned<F>>) -> Result<(), Error> {
        self.0.fill_from_row(column, row, to)
    }
    fn get_challenge(&self, challenge: Challenge) -> Value<F> {
        self.0.get_challenge(challenge)
    }
    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, name_fn: N) {
        self.0.push_namespace(name_fn)
    }
    fn pop_namespace(&mut self, gadget_name: Option<String>) {
        self.0.pop_namespace(gadget_name)
    }
    fn next_phase(&mut self) {
        self.0.next_phase()
    }
}

struct TamperPlanner;

impl FloorPlanner for TamperPlanner {
    fn synthesize<
        F: Field,
        CS: Assignment<F> + bondproof_circuits::halo2_proofs::circuit::layouter::SyncDeps,
        C: Circuit<F>,
    >(
        cs: &mut CS,
        circuit: &C,
        config: C::Config,
        constants: Vec<Column<Fixed>>,
    ) -> Result<(), Error> {
        let mut w = TamperCs(cs);
        SimpleFloorPlanner::synthesize(&mut w, circuit, config, constants)
    }
}

/// `AttestationCircuit` itself (same configure, same synthesize), laid out by [`TamperPlanner`].
struct Cheat(AttestationCircuit);

impl Circuit<Fr> for Cheat {
    type Config = AttestationConfig;
    type FloorPlanner = TamperPlanner;
    type Params = ();
    fn without_witnesses(&self) -> Self {
        Cheat(self.0.without_witnesses())
    }
    fn configure(meta: &mut ConstraintSystem<Fr>) -> AttestationConfig {
        AttestationCircuit::configure(meta)
    }
    fn synthesize(&self, config: AttestationConfig, layouter: impl Layouter<Fr>) -> Result<(), Error> {
        self.0.synthesize(config, layouter)
    }
}

fn run_cheat(
    witness: AttestationWitness,
    instances: Vec<Fr>,
    edits: Vec<Edit>,
) -> (Result<(), Vec<VerifyFailure>>, Vec<Edit>) {
    ensure_max_degree();
    EDITS.with(|e| *e.borrow_mut() = edits);
    let k = AttestationCircuit::min_k(DEPTH);
    let r = MockProver::run(k, &Cheat(AttestationCircuit::new(witness)), vec![instances]).expect("synthesis").verify();
    let edits = EDITS.with(|e| std::mem::take(&mut *e.borrow_mut()));
    (r, edits)
}

// ------------------------------------------------------------------ witnesses

fn leaves(positions: &[(&str, u64, i64)]) -> Vec<Leaf> {
    (0..1usize << DEPTH)
        .map(|i| {
            let salt = Fr::from(1_000_003 * (i as u64 + 7));
            match positions.get(i) {
                Some(&(c, face, rem)) => {
                    let bytes: [u8; 9] = c.as_bytes().try_into().expect("9 characters");
                    Leaf::new(cusip_field(&bytes), face, (AS_OF as i64 + rem) as u64, salt)
                }
                None => Leaf::new(Fr::ZERO, 0, 0, salt),
            }
        })
        .collect()
}

fn statement(tree: &TreeWitness, policy: &Policy, supplies: &[u128], ratio_bps: u32) -> S {
    let mut t = [Deployment::default(); DEPLOYMENT_SLOTS];
    for (j, s) in supplies.iter().enumerate() {
        t[j] = Deployment { domain: domain_tag(1 + j as u64, [0xa1; 20]), supply_cents: *s };
    }
    S {
        root: tree.root().hash(),
        epoch: 42,
        custodian: [0xc0; 20],
        as_of_days: AS_OF,
        ratio_bps,
        policy: policy.instance(),
        deployments: t,
    }
}

/// First row of the liabilities chip (the parameter rows as `AttestationCircuit::synthesize`
/// lays them out: flags, 3 range pairs, 6 bound pairs, 12 bps rows, the schedule table).
fn liabilities_row(depth: usize) -> usize {
    MerkleSumChip::rows(depth)
        + BLOCK_ROWS * (1 << depth)
        + 1
        + 3
        + HAIRCUT_SLOTS / 2
        + HAIRCUT_SLOTS
        + TABLE_BUILD_ROWS
}

/// Advice column indices: 0..=10 the Poseidon trace, 11 the sum column (allocated in that
/// order by `configure_tree`, the only advice columns of the circuit).
const COL_A10: usize = 10;
const COL_SUM: usize = 11;

// ------------------------------------------------------------------ F1: liabilities

/// The liabilities sum is a chain of `linear` rows `out = x + y + z`; 16 supplies make three,
/// six pairs and one, so the last row has no `z`. Its cell in column 10 is free (no copy constraint), so its
/// coefficient must be 0: when it was 1, a prover set that cell to `fake - table_sum` and the
/// row's output to `fake`, and liabilities became any value (found in review, fixed in
/// `CompareChip::linear`).
#[test]
fn a_free_cell_in_the_liabilities_sum_cannot_change_the_liabilities() {
    let policy = Policy::par();
    // $1,000.00 of T-bills against $1,000,000,000.00 of tokens over three chains.
    let ls = leaves(&[("912797KJ5", 1_000_00, 30)]);
    let supplies = [400_000_000_00u128, 350_000_000_00, 250_000_000_00];
    let table_sum: u128 = supplies.iter().sum();
    let fake: u128 = 1_000_00; // what the coverage row will compare against
    let tree = TreeWitness::build(&ls);
    let st = statement(&tree, &policy, &supplies, 10_000);
    let instances = st.to_instances();

    // Honest witness: refused (sanity).
    let (honest, _) = run_cheat(AttestationWitness::new(tree.clone(), st), instances.clone(), vec![]);
    let f = honest.expect_err("an honest witness of an uncovered table must fail");
    eprintln!("honest: {} failures, first {:?}", f.len(), f.first());

    // The existing Tamper hook alone (the coverage row's liabilities cell) is caught by the copy.
    let offset = Fr::from_u128(fake) - Fr::from_u128(table_sum);
    let tamper = Tamper { liabilities_offset: offset, ..Tamper::default() };
    let w = AttestationWitness { tree: tree.clone(), statement: st, tamper: tamper.clone() };
    let (only_offset, _) = run_cheat(w, instances.clone(), vec![]);
    let f = only_offset.expect_err("offset alone is caught");
    eprintln!("offset alone: {} failures, first {:?}", f.len(), f.first());

    // The cheat: + the free z cell and the sum's output on the last sum row.
    let last_sum_row = liabilities_row(DEPTH) + DEPLOYMENT_SLOTS * 3 + 1 + (DEPLOYMENT_SLOTS - 3) / 2;
    let edits = vec![
        Edit { column: COL_A10, row: last_sum_row, honest: Some(Fr::ZERO), cheat: offset, hits: 0 },
        Edit {
            column: COL_SUM,
            row: last_sum_row,
            honest: Some(Fr::from_u128(table_sum)),
            cheat: Fr::from_u128(fake),
            hits: 0,
        },
    ];
    let w = AttestationWitness { tree, statement: st, tamper };
    let (r, edits) = run_cheat(w, instances, edits);
    assert!(edits.iter().all(|e| e.hits == 1), "each edited cell assigned once: {edits:?}");
    let failures = r.expect_err("$1,000 must not prove coverage of $1,000,000,000");
    assert!(failures.iter().any(|f| format!("{f:?}").contains("linear")), "{failures:?}");
}

/// The same cheat end to end: keys from the honest `AttestationCircuit::shape`, the cheating
/// witness proved with the real prover (SHPLONK), the proof refused under the honest key.
#[test]
fn a_real_proof_of_the_liabilities_cheat_does_not_verify() {
    use bondproof_circuits::halo2_proofs::{
        plonk::{create_proof, keygen_pk, keygen_vk_custom, verify_proof},
        poly::kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
        transcript::{Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer},
    };
    use bondproof_circuits::{Bn256, G1Affine};
    ensure_max_degree();
    let policy = Policy::par();
    let ls = leaves(&[("912797KJ5", 1_000_00, 30)]);
    let supplies = [400_000_000_00u128, 350_000_000_00, 250_000_000_00];
    let table_sum: u128 = supplies.iter().sum();
    let fake: u128 = 1_000_00;
    let tree = TreeWitness::build(&ls);
    let st = statement(&tree, &policy, &supplies, 10_000);
    let instances = st.to_instances();
    let offset = Fr::from_u128(fake) - Fr::from_u128(table_sum);
    let last_sum_row = liabilities_row(DEPTH) + DEPLOYMENT_SLOTS * 3 + 1 + (DEPLOYMENT_SLOTS - 3) / 2;

    let k = AttestationCircuit::min_k(DEPTH);
    let params = ParamsKZG::<Bn256>::setup(k, rand::rngs::OsRng);
    let shape = AttestationCircuit::shape(DEPTH);
    let vk = keygen_vk_custom(&params, &shape, true).expect("vk");
    let pk = keygen_pk(&params, vk.clone(), &shape).expect("pk");

    EDITS.with(|e| {
        *e.borrow_mut() = vec![
            Edit { column: COL_A10, row: last_sum_row, honest: Some(Fr::ZERO), cheat: offset, hits: 0 },
            Edit {
                column: COL_SUM,
                row: last_sum_row,
                honest: Some(Fr::from_u128(table_sum)),
                cheat: Fr::from_u128(fake),
                hits: 0,
            },
        ]
    });
    let tamper = Tamper { liabilities_offset: offset, ..Tamper::default() };
    let cheat = Cheat(AttestationCircuit::new(AttestationWitness { tree, statement: st, tamper }));
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        &params,
        &pk,
        &[cheat],
        &[&[&instances]],
        rand::rngs::OsRng,
        &mut transcript,
    )
    .expect("the prover does not check the constraints; the verifier does");
    let edits = EDITS.with(|e| std::mem::take(&mut *e.borrow_mut()));
    assert!(edits.iter().all(|e| e.hits >= 1), "{edits:?}");
    let proof = transcript.finalize();
    let mut read = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&proof[..]);
    let verdict = verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        &params,
        &vk,
        SingleStrategy::new(&params),
        &[&[&instances]],
        &mut read,
    );
    assert!(verdict.is_err(), "$1,000 must not prove coverage of $1,000,000,000");
}
