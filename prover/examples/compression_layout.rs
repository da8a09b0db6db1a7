//! The compression circuit's layout for attestations at given depths, without keys or a proof:
//! advice and lookup cells, and the columns they need at the parameters' k and the next two.
//! For sizing an outer k (a batch, the universal mode) before paying for key generation.
//!
//! `cargo run --release --example compression_layout -- PARAMS DEPTH[,DEPTH...] [universal]`

use std::path::Path;

use bondproof_prover::compress::outer_layout;
use bondproof_prover::keys::read_params;
use snark_verifier_sdk::halo2::aggregation::VerifierUniversality;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(params), Some(depths)) = (args.first(), args.get(1)) else {
        eprintln!("usage: compression_layout PARAMS DEPTH[,DEPTH...] [universal]");
        std::process::exit(2);
    };
    let depths: Vec<u32> = depths.split(',').map(|d| d.parse().expect("a depth is a whole number")).collect();
    let universal = args.get(2).is_some_and(|a| a == "universal");
    let mode = if universal { VerifierUniversality::Full } else { VerifierUniversality::None };
    let (params, _) = read_params(Path::new(params)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let layout = outer_layout(&params, &depths, mode).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let k = layout.shape.k;
    println!(
        "{{\"depths\": {depths:?}, \"universal\": {universal}, \"k\": {k}, \"advice_cells\": {}, \"lookup_cells\": {}, \
         \"advice_columns\": [[{k}, {}], [{}, {}], [{}, {}]], \"lookup_advice\": {}, \"fixed\": {}}}",
        layout.advice_cells,
        layout.lookup_cells,
        layout.shape.advice,
        k + 1,
        layout.advice_columns_at(k + 1),
        k + 2,
        layout.advice_columns_at(k + 2),
        layout.shape.lookup_advice,
        layout.shape.fixed
    );
}
