//! `bondproof`: the command line. Parses, dispatches to one module per subcommand
//! (`cli/`), renders a failure and exits with its code: 0 success / proof valid, 1 proof
//! invalid or statement unprovable, 2 bad input or usage.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

fn main() -> ExitCode {
    // Before any thread starts: the circuits' gates are degree 6 (see bondproof_circuits).
    bondproof_circuits::ensure_max_degree();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are answers, not errors.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let json = cli.json;
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure { error, reported }) => {
            let code = error.exit_code();
            if json && !reported {
                cli::print_json(&json!({"ok": false, "exit_code": code, "error": error.to_string()}));
            }
            eprintln!("error: {error}");
            ExitCode::from(code)
        }
    }
}
