//! `cargo xtask`: project automation for mc-auth. Run `cargo xtask help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use xtask::{codegen, workspace_root};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check]   generate code from scopes.toml (--check: fail if stale)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(&root, false).map(|w| {
            for p in &w {
                println!("wrote {}", p.display());
            }
            if w.is_empty() {
                println!("generated files are up to date");
            }
        }),
        ["codegen", "--check"] => codegen::run(&root, true).map(|_| println!("codegen: up to date")),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
