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
    // Commands that talk to Ethereum nodes write to sockets, where a peer's closed connection
    // must be an error (EPIPE), not a silent death by SIGPIPE.
    if !cli.command.uses_network() {
        restore_default_sigpipe();
    }
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

/// Rust starts programs with SIGPIPE ignored, so `bondproof verify … | head` would panic in
/// `println!` once `head` exits. A command-line tool ends quietly instead, as other Unix tools do.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
