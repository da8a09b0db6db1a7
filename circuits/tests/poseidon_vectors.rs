//! The native hasher and the chip against vectors computed with npm `poseidon-lite`
//! (fixtures/vectors/poseidon.json, produced by fixtures/vectors/generate.mjs).

use bondproof_circuits::merkle_sum::{node_hash, Leaf, TreeWitness};
use bondproof_circuits::poseidon::poseidon4;
use bondproof_circuits::statement::fr_from_be_bytes;
use bondproof_circuits::Fr;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/vectors/poseidon.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors file")).expect("json")
}

fn fr(v: &Value) -> Fr {
    let h = v.as_str().expect("hex string").trim_start_matches("0x");
    let mut be = [0u8; 32];
    for (i, b) in be.iter_mut().enumerate() {
        *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex");
    }
    fr_from_be_bytes(&be).expect("canonical")
}

fn dec(v: &Value) -> u64 {
    v.as_str().expect("decimal string").parse().expect("u64")
}

#[test]
fn native_poseidon4_matches_poseidon_lite() {
    let v = vectors();
    let cases = v["poseidon4"].as_array().expect("array");
    assert!(cases.len() >= 10);
    for case in cases {
        let inputs: Vec<Fr> = case["inputs"].as_array().unwrap().iter().map(fr).collect();
        let out = poseidon4([inputs[0], inputs[1], inputs[2], inputs[3]]);
        assert_eq!(out, fr(&case["output"]), "vector {}", case["label"]);
    }
}

#[test]
fn merkle_sum_tree_matches_poseidon_lite() {
    let v = &vectors()["merkle_sum_tree_depth2"];
    let leaves: Vec<Leaf> = v["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| Leaf::new(fr(&l["cusip_as_field"]), dec(&l["face_value"]), dec(&l["maturity_days"]), fr(&l["salt"])))
        .collect();
    for (leaf, l) in leaves.iter().zip(v["leaves"].as_array().unwrap()) {
        assert_eq!(leaf.hash(), fr(&l["hash"]));
    }
    let tree = TreeWitness::build(&leaves);
    assert_eq!(tree.root().hash(), fr(&v["root"]));
    let l = &tree.levels[1];
    assert_eq!(node_hash((l[0].hash(), l[0].sum), (l[1].hash(), l[1].sum)), fr(&v["root"]));
}
