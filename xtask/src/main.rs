//! `cargo xtask`: project automation for mc-auth. Run `cargo xtask help`.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::{bench, codegen, expand, workspace_root};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen [--check]        generate code from scopes.toml (--check: fail if stale)
  expand [--check]         write #[mc_client] expansion snapshots in tests/expand (--check: fail if stale)
  ui [--bless]             run the trybuild suite (--bless: rewrite the expected .stderr files)
  ci                       fmt, clippy, tests, rustdoc, codegen --check and expand --check
  bench-compile [--runs N] [--generic]
                           cargo check time: 50 clients and 500 scoped calls vs plain structs
  fuzz [--seconds N] [TARGET...]
                           libFuzzer (cargo-fuzz on stable, -s none) on each parser target, N s each (default 60)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(&root, false).map(report("generated files")),
        ["codegen", "--check"] => codegen::run(&root, true).map(|_| println!("codegen: up to date")),
        ["expand"] => expand::run(&root, false).map(report("expansion snapshots")),
        ["expand", "--check"] => expand::run(&root, true).map(|_| println!("expand: snapshots up to date")),
        ["ui"] => xtask::ui(&root, false),
        ["ui", "--bless"] => xtask::ui(&root, true),
        ["ci"] => xtask::ci(&root),
        ["fuzz", rest @ ..] => {
            fuzz_args(rest).and_then(|(seconds, targets)| xtask::fuzz::fuzz(&root, seconds, &targets))
        }
        ["bench-compile", rest @ ..] => {
            bench_args(rest).and_then(|(runs, generic)| bench_compile(&root, runs, generic))
        }
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

fn report(what: &'static str) -> impl Fn(Vec<PathBuf>) {
    move |written| {
        for p in &written {
            println!("wrote {}", p.display());
        }
        if written.is_empty() {
            println!("{what}: up to date");
        }
    }
}

fn bench_args(args: &[&str]) -> Result<(usize, bool), String> {
    let (mut runs, mut generic) = (5, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--runs" => runs = it.next().and_then(|n| n.parse().ok()).ok_or(USAGE)?,
            "--generic" => generic = true,
            _ => return Err(USAGE.to_owned()),
        }
    }
    Ok((runs, generic))
}

fn bench_compile(root: &std::path::Path, runs: usize, generic: bool) -> Result<(), String> {
    let f = bench::run(root, runs, generic)?;
    if generic {
        println!("(with one generic helper per scope, bounded on Has<S>, taking one call in five)");
    }
    println!(
        "cargo check, {} clients and {} calls, median of {runs} (wall time):\n  plain structs, no bounds: {:.2} s\n  #[mc_client] + scope checks: {:.2} s\n  ratio: {:.2}x (target <= 1.2x)",
        bench::CLIENTS,
        bench::CALLS,
        f.plain.as_secs_f64(),
        f.scoped.as_secs_f64(),
        f.ratio()
    );
    if let (Some(p), Some(s), Some(r)) = (f.plain_cpu, f.scoped_cpu, f.cpu_ratio()) {
        println!(
            "  CPU time (cargo + rustc, less disturbed by a busy machine): {:.2} s vs {:.2} s, ratio {r:.2}x",
            p.as_secs_f64(),
            s.as_secs_f64()
        );
    }
    Ok(())
}

fn fuzz_args(args: &[&str]) -> Result<(u64, Vec<String>), String> {
    let (mut seconds, mut targets) = (60, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--seconds" => seconds = it.next().and_then(|n| n.parse().ok()).ok_or(USAGE)?,
            t if !t.starts_with('-') => targets.push(t.to_owned()),
            _ => return Err(USAGE.to_owned()),
        }
    }
    Ok((seconds, targets))
}
