//! Large `.ptau` files for timing the ceremony import, and the import itself:
//!
//! ```text
//! cargo run --release -p bondproof-prover --example ptau -- write POWER OUT.ptau
//! cargo run --release -p bondproof-prover --example ptau -- import FILE K
//! ```
//!
//! `write` makes a file in snarkjs's layout from a random tau that passes through this process
//! (insecure: for measurement only); `import` runs `ceremony::import_ceremony` and prints what
//! it found and how long it took. Measure peak memory with `/usr/bin/time -v`.

use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use bondproof_circuits::halo2_proofs::poly::commitment::Params;
use bondproof_circuits::Fr;
use bondproof_prover::ceremony::{import_ceremony, write_insecure_ptau};
use ff::Field;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: ptau write POWER OUT | ptau import FILE K";
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["write", power, out] => {
            let Ok(power) = power.parse::<u32>() else {
                eprintln!("{usage}");
                return ExitCode::from(2);
            };
            let t = Instant::now();
            let tau = Fr::random(rand::rngs::OsRng);
            // Written beside the target, then renamed: an interrupted run leaves no truncated file.
            let tmp = format!("{out}.part");
            let written = std::fs::File::create(&tmp).and_then(|f| {
                let mut w = BufWriter::with_capacity(1 << 20, f);
                write_insecure_ptau(&mut w, power, tau)?;
                w.into_inner().map_err(|e| e.into_error())?.sync_all()
            });
            if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, out)) {
                eprintln!("{out}: {e}");
                return ExitCode::from(2);
            }
            println!("wrote {out}: 2^{power} powers in {:.1} s", t.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        ["import", file, k] => {
            let Ok(k) = k.parse::<u32>() else {
                eprintln!("{usage}");
                return ExitCode::from(2);
            };
            let t = Instant::now();
            match import_ceremony(Path::new(file), k) {
                Ok(setup) => {
                    println!(
                        "{file}: {} of power {}, cut to k = {}, checked in {:.2} s\nsetup id {}\nsha256 {}",
                        setup.format.name(),
                        setup.powers_in_file,
                        setup.params.k(),
                        t.elapsed().as_secs_f64(),
                        setup.setup_id,
                        setup.file_sha256
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(2)
                }
            }
        }
        _ => {
            eprintln!("{usage}");
            ExitCode::from(2)
        }
    }
}
