//! `cargo xtask`: project automation for mc-auth. Run `cargo xtask --help`.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use lexopt::prelude::*;
use xtask::{bench, codegen, expand, workspace_root};

const USAGE: &str = "usage: cargo xtask <command> [options]

commands:
  codegen [--check]        generate code from scopes.toml (--check: fail if stale)
  expand [--check]         write #[mc_client] expansion snapshots in tests/expand (--check: fail if stale)
  test                     every test: installs what the tests need and is missing (apt-get:
                           redis-server), then cargo test --workspace (Redis tests included)
  ui [--bless]             run the trybuild suite (--bless: rewrite the expected .stderr files)
  ci [--full] [--list]     CI's steps, the one list .ci/run runs (as `ci --full`): fmt, clippy,
                           rustdoc, codegen --check, expand --check, the fuzz smoke, every example
                           with no MC_* variable set, then the tests. Without --full it skips the
                           slow ones: the fuzz smoke and the examples. --list prints the steps.
  bench-compile [--runs N] [--generic]
                           cargo check time: 50 clients and 500 scoped calls vs plain structs
  fuzz [--seconds N] [TARGET...]
                           libFuzzer (cargo-fuzz on stable, -s none) on each parser target, N s each (default 60)
  help, --help, -h         print this";

/// A command line, parsed.
#[derive(Debug, PartialEq, Eq)]
enum Cmd {
    Codegen { check: bool },
    Expand { check: bool },
    Ui { bless: bool },
    Test,
    Ci { full: bool, list: bool },
    BenchCompile { runs: usize, generic: bool },
    Fuzz { seconds: u64, targets: Vec<String> },
    Help,
}

fn main() -> ExitCode {
    let cmd = match parse(std::env::args_os().skip(1)) {
        Ok(cmd) => cmd,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the arguments after `cargo xtask`; an error names the unknown command, flag or value.
fn parse(args: impl IntoIterator<Item = impl Into<OsString>>) -> Result<Cmd, String> {
    let mut p = lexopt::Parser::from_args(args);
    let command = match p.next().map_err(|e| e.to_string())? {
        None => return Err("no command given".into()),
        Some(Short('h') | Long("help")) => return Ok(Cmd::Help),
        Some(Value(v)) => v.string().map_err(|e| e.to_string())?,
        Some(arg) => return Err(arg.unexpected().to_string()),
    };
    let mut cmd = match command.as_str() {
        "codegen" => Cmd::Codegen { check: false },
        "expand" => Cmd::Expand { check: false },
        "ui" => Cmd::Ui { bless: false },
        "test" => Cmd::Test,
        "ci" => Cmd::Ci {
            full: false,
            list: false,
        },
        "bench-compile" => Cmd::BenchCompile {
            runs: 5,
            generic: false,
        },
        "fuzz" => Cmd::Fuzz {
            seconds: 60,
            targets: Vec::new(),
        },
        "help" => Cmd::Help,
        other => return Err(format!("unknown command `{other}`")),
    };
    let err = |e: lexopt::Error| format!("{e} (in `cargo xtask {command}`)");
    while let Some(arg) = p.next().map_err(err)? {
        match (&mut cmd, arg) {
            (_, Short('h') | Long("help")) => return Ok(Cmd::Help),
            (Cmd::Codegen { check } | Cmd::Expand { check }, Long("check")) => *check = true,
            (Cmd::Ui { bless }, Long("bless")) => *bless = true,
            (Cmd::Ci { full, .. }, Long("full")) => *full = true,
            (Cmd::Ci { list, .. }, Long("list")) => *list = true,
            (Cmd::BenchCompile { runs, .. }, Long("runs")) => *runs = p.value().and_then(|v| v.parse()).map_err(err)?,
            (Cmd::BenchCompile { generic, .. }, Long("generic")) => *generic = true,
            (Cmd::Fuzz { seconds, .. }, Long("seconds")) => {
                *seconds = p.value().and_then(|v| v.parse()).map_err(err)?
            }
            (Cmd::Fuzz { targets, .. }, Value(t)) => targets.push(t.string().map_err(err)?),
            (_, arg) => return Err(err(arg.unexpected())),
        }
    }
    Ok(cmd)
}

fn run(cmd: Cmd) -> Result<(), String> {
    let root = workspace_root();
    match cmd {
        Cmd::Codegen { check: false } => codegen::run(&root, false).map(report("generated files")),
        Cmd::Codegen { check: true } => codegen::run(&root, true).map(|_| println!("codegen: up to date")),
        Cmd::Expand { check: false } => expand::run(&root, false).map(report("expansion snapshots")),
        Cmd::Expand { check: true } => expand::run(&root, true).map(|_| println!("expand: snapshots up to date")),
        Cmd::Ui { bless } => xtask::ui(&root, bless),
        Cmd::Test => xtask::test(&root),
        Cmd::Ci { full, list } => xtask::ci(&root, full, list),
        Cmd::BenchCompile { runs, generic } => bench_compile(&root, runs, generic),
        Cmd::Fuzz { seconds, targets } => xtask::fuzz::fuzz(&root, seconds, &targets),
        Cmd::Help => {
            println!("{USAGE}");
            Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: &[&str]) -> Cmd {
        parse(args.iter().copied()).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn err(args: &[&str]) -> String {
        match parse(args.iter().copied()) {
            Ok(cmd) => panic!("{args:?} parsed as {cmd:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_command_and_flag() {
        assert_eq!(ok(&["codegen"]), Cmd::Codegen { check: false });
        assert_eq!(ok(&["codegen", "--check"]), Cmd::Codegen { check: true });
        assert_eq!(ok(&["expand", "--check"]), Cmd::Expand { check: true });
        assert_eq!(ok(&["ui"]), Cmd::Ui { bless: false });
        assert_eq!(ok(&["ui", "--bless"]), Cmd::Ui { bless: true });
        assert_eq!(ok(&["test"]), Cmd::Test);
        assert_eq!(
            ok(&["ci"]),
            Cmd::Ci {
                full: false,
                list: false
            }
        );
        assert_eq!(ok(&["ci", "--list", "--full"]), Cmd::Ci { full: true, list: true });
        assert_eq!(
            ok(&["bench-compile"]),
            Cmd::BenchCompile {
                runs: 5,
                generic: false
            }
        );
        assert_eq!(
            ok(&["bench-compile", "--runs", "3", "--generic"]),
            Cmd::BenchCompile { runs: 3, generic: true }
        );
        assert_eq!(
            ok(&["bench-compile", "--runs=7"]),
            Cmd::BenchCompile {
                runs: 7,
                generic: false
            }
        );
        assert_eq!(
            ok(&["fuzz", "--seconds", "15", "callback", "api_error"]),
            Cmd::Fuzz {
                seconds: 15,
                targets: vec!["callback".into(), "api_error".into()]
            }
        );
        assert_eq!(
            ok(&["fuzz"]),
            Cmd::Fuzz {
                seconds: 60,
                targets: vec![]
            }
        );
        for help in [&["--help"][..], &["-h"], &["help"], &["ci", "--help"], &["fuzz", "-h"]] {
            assert_eq!(ok(help), Cmd::Help);
        }
    }

    #[test]
    fn mistakes_are_named() {
        assert!(err(&[]).contains("no command"));
        assert!(err(&["build"]).contains("unknown command `build`"));
        assert!(err(&["--check"]).contains("--check"));
        let e = err(&["codegen", "--bless"]);
        assert!(e.contains("--bless") && e.contains("cargo xtask codegen"), "{e}");
        assert!(err(&["ci", "extra"]).contains("extra"));
        assert!(err(&["ui", "--check"]).contains("--check"));
        assert!(err(&["test", "--full"]).contains("--full"));
        assert!(err(&["fuzz", "--seconds"]).contains("missing"));
        assert!(err(&["fuzz", "--seconds", "many"]).contains("many"));
        assert!(err(&["bench-compile", "--runs", "-1"]).contains("-1"));
    }

    #[test]
    fn usage_names_every_command_and_what_the_local_ci_skips() {
        for word in [
            "codegen [--check]",
            "expand [--check]",
            "ui [--bless]",
            "test ",
            "ci [--full] [--list]",
            "bench-compile [--runs N] [--generic]",
            "fuzz [--seconds N] [TARGET...]",
            "--help",
            "skips the\n                           slow ones: the fuzz smoke and the examples",
        ] {
            assert!(USAGE.contains(word), "{word}");
        }
    }
}
