//! `cargo xtask`: project automation for mc-auth, as a library so tests can call it.
//!
//! The binary (`cargo xtask <command>`) is a thin command line over these modules;
//! `tests/tests/it/codegen.rs` calls [`codegen::run`] and [`expand::run`] in check mode so that
//! `cargo test` catches drift without anyone remembering a command.
//!
//! [`ci_steps`] is CI's one list of steps: `.ci/run` installs what must exist before Rust code
//! can run and then runs `cargo xtask ci --full`, which runs every step of that list. Its last
//! steps are [`test_steps`], which `cargo xtask test` runs alone: install the system packages
//! the tests need ([`SYSTEM_PACKAGES`]), then every test.
#![forbid(unsafe_code)]

pub mod bench;
pub mod catalog;
pub mod codegen;
pub mod expand;
pub mod fuzz;
pub mod soap_catalog;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Runs `cargo <args>` in `root` with extra environment, echoing the command.
pub fn cargo(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = env.iter().map(|(k, v)| format!("{k}={v} ")).collect::<String>();
    eprintln!("==> {shown}cargo {}", args.join(" "));
    run_cargo(root, args, env, false).map_err(|e| format!("`{shown}cargo {}` {e}", args.join(" ")))
}

/// Runs cargo; `example` removes every `MC_*` variable and discards stdout.
fn run_cargo(root: &Path, args: &[&str], env: &[(&str, &str)], example: bool) -> Result<(), String> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).envs(env.iter().copied()).current_dir(root);
    if example {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("MC_") {
                command.env_remove(name);
            }
        }
        command.stdout(Stdio::null());
    }
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("failed ({status})"))
    }
}

/// `cargo xtask ui [--bless]`: the trybuild suite; `bless` rewrites the expected `.stderr`.
pub fn ui(root: &Path, bless: bool) -> Result<(), String> {
    let env: &[(&str, &str)] = if bless { &[("TRYBUILD", "overwrite")] } else { &[] };
    cargo(root, &["test", "-p", "mc-auth-tests", "--test", "ui"], env)?;
    if bless {
        eprintln!("blessed: read every changed .stderr under tests/ui as a user would before committing it");
    }
    Ok(())
}

/// Seconds each fuzz target runs in CI's fuzz smoke.
pub const CI_FUZZ_SECONDS: u64 = 15;

/// The environment CI's cargo commands run with (`.ci/run` also exports it, for the build
/// of xtask itself): plain output in logs, and a backtrace with every panic.
pub const CI_ENV: &[(&str, &str)] = &[("CARGO_TERM_COLOR", "never"), ("RUST_BACKTRACE", "1")];

/// One step of CI, from [`ci_steps`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the step runs, as printed after `==>` (a command one can paste, less the
    /// `MC_*` removal for the examples, which is said in a trailing comment).
    pub command: String,
    /// Run only by `cargo xtask ci --full` (CI): the slow steps the local shortcut skips.
    pub full_only: bool,
    action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Cargo {
        args: Vec<String>,
        env: Vec<(&'static str, &'static str)>,
    },
    Example(String),
    Codegen,
    Expand,
    Fuzz,
    Install(&'static [SystemPackage]),
}

impl Step {
    fn cargo(args: &str, env: &[(&'static str, &'static str)]) -> Step {
        let shown = env.iter().map(|(k, v)| format!("{k}=\"{v}\" ")).collect::<String>();
        Step {
            command: format!("{shown}cargo {args}"),
            full_only: false,
            action: Action::Cargo {
                args: args.split(' ').map(str::to_owned).collect(),
                env: env.to_vec(),
            },
        }
    }

    /// Runs the step in `root`, each cargo command with [`CI_ENV`] set.
    fn run(&self, root: &Path) -> Result<(), String> {
        let failed = |e: String| format!("`{}` {e}", self.command);
        match &self.action {
            Action::Cargo { args, env } => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let env: Vec<_> = CI_ENV.iter().chain(env).copied().collect();
                run_cargo(root, &args, &env, false).map_err(failed)
            }
            Action::Example(name) => {
                run_cargo(root, &["run", "--quiet", "--example", name], CI_ENV, true).map_err(failed)
            }
            Action::Codegen => codegen::run(root, true).map(drop),
            Action::Expand => expand::run(root, true).map(drop),
            Action::Fuzz => fuzz::fuzz(root, CI_FUZZ_SECONDS, &[]),
            Action::Install(packages) => install_missing(packages),
        }
    }
}

/// CI's steps, in the order they run: the one list that both `.ci/run` (through
/// `cargo xtask ci --full`) and the local `cargo xtask ci` take their steps from.
///
/// Cheap checks come first so that a mistake fails fast; the test suite runs last so that
/// CI's output ends with cargo test's own `test result:` lines. The examples are every
/// `[[example]]` in `examples/Cargo.toml`; each must exit 0 with no `MC_*` variable set
/// (so against the fake Marketing Cloud).
pub fn ci_steps(root: &Path) -> Result<Vec<Step>, String> {
    let mut steps = vec![
        Step::cargo("fmt --all -- --check", &[]),
        Step::cargo("clippy --workspace --all-targets -- -D warnings", &[]),
        Step::cargo(
            "doc --workspace --no-deps --all-features",
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        Step {
            command: "cargo xtask codegen --check".into(),
            full_only: false,
            action: Action::Codegen,
        },
        Step {
            command: "cargo xtask expand --check".into(),
            full_only: false,
            action: Action::Expand,
        },
        Step {
            command: format!("cargo xtask fuzz --seconds {CI_FUZZ_SECONDS}"),
            full_only: true,
            action: Action::Fuzz,
        },
    ];
    for name in examples(root)? {
        steps.push(Step {
            command: format!("cargo run --quiet --example {name} >/dev/null  # with no MC_* variable set"),
            full_only: true,
            action: Action::Example(name),
        });
    }
    steps.extend(test_steps());
    Ok(steps)
}

/// Set for the test run of `cargo xtask test` and CI: a test that needs a program of
/// [`SYSTEM_PACKAGES`] then fails when it is missing, instead of being reported as ignored.
pub const REQUIRE_ENV: &str = "MC_AUTH_REQUIRE_SYSTEM_TOOLS";

/// A Debian package a test needs, and a file it installs (present means installed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemPackage {
    /// The package name, for `apt-get install`.
    pub package: &'static str,
    /// A file the package installs: when it exists, the package is not installed again.
    pub provides: &'static str,
}

/// Everything the tests need beyond cargo, the one list `cargo xtask test` and CI install
/// from: `redis-server` for the fleet tests (`tests/tests/fleet.rs`), Chromium and
/// chromedriver for the browser tests (`tests/tests/browser`).
pub const SYSTEM_PACKAGES: &[SystemPackage] = &[
    SystemPackage {
        package: "redis-server",
        provides: "/usr/bin/redis-server",
    },
    SystemPackage {
        package: "chromium",
        provides: "/usr/bin/chromium",
    },
    SystemPackage {
        package: "chromium-driver",
        provides: "/usr/bin/chromedriver",
    },
];

/// `cargo xtask test`, and the end of CI: install the missing [`SYSTEM_PACKAGES`], run the
/// browser tests (`#[ignore]`d, so a plain `cargo test` on a machine without Chromium reports
/// them skipped, never passed; run here with `--ignored`), then `cargo test --workspace` with
/// [`REQUIRE_ENV`] set, under which the Redis tests fail rather than skip when
/// `redis-server` is missing.
pub fn test_steps() -> Vec<Step> {
    let names: Vec<&str> = SYSTEM_PACKAGES.iter().map(|p| p.package).collect();
    vec![
        Step {
            command: format!("apt-get install {}  # only when missing", names.join(" ")),
            full_only: false,
            action: Action::Install(SYSTEM_PACKAGES),
        },
        Step::cargo("test -p mc-auth-tests --test browser -- --ignored", &[]),
        Step::cargo("test --workspace", &[(REQUIRE_ENV, "1")]),
    ]
}

/// `cargo xtask test`: runs [`test_steps`], printing `==> <command>` before each.
pub fn test(root: &Path) -> Result<(), String> {
    for step in test_steps() {
        println!("\n==> {}", step.command);
        step.run(root)?;
    }
    Ok(())
}

/// Installs with `apt-get` those of `packages` whose file is missing (nothing when all are
/// there). Fails with what to install by hand when `apt-get` cannot (no root, no apt).
pub fn install_missing(packages: &[SystemPackage]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|p| !Path::new(p.provides).exists())
        .map(|p| p.package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let by_hand = || format!("install them yourself: apt-get install {}", missing.join(" "));
    let apt = |args: &[&str]| -> Result<(), String> {
        eprintln!("==> apt-get {}", args.join(" "));
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("cannot run apt-get ({e}); {}", by_hand()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("apt-get {} failed ({status}); {}", args.join(" "), by_hand()))
        }
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq"];
    install.extend(&missing);
    apt(&install)?;
    if let Some(p) = packages.iter().find(|p| !Path::new(p.provides).exists()) {
        return Err(format!(
            "after installing {}, {} is still missing",
            p.package, p.provides
        ));
    }
    Ok(())
}

/// The `[[example]]` names in `examples/Cargo.toml`, in file order.
pub fn examples(root: &Path) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Manifest {
        #[serde(default)]
        example: Vec<Example>,
    }
    #[derive(Deserialize)]
    struct Example {
        name: String,
    }
    let path = root.join("examples/Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(manifest.example.into_iter().map(|e| e.name).collect())
}

/// `cargo xtask ci [--full] [--list]`: runs [`ci_steps`] in order (without `full`, all but
/// the full-only ones), printing `==> <command>` before each and stopping at the first that
/// fails; with `list`, prints the steps instead of running them.
pub fn ci(root: &Path, full: bool, list: bool) -> Result<(), String> {
    let steps = ci_steps(root)?;
    if list {
        for step in &steps {
            let skipped = step.full_only && !full;
            println!(
                "{}{}",
                step.command,
                if skipped { "  (--full only: skipped)" } else { "" }
            );
        }
        return Ok(());
    }
    for step in steps.iter().filter(|s| full || !s.full_only) {
        println!("\n==> {}", step.command);
        step.run(root)?;
    }
    println!();
    if full {
        println!("CI passed");
    } else {
        println!("ci: passed, less the --full only steps (the fuzz smoke and the examples; `cargo xtask ci --list`)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_has_every_step_once_with_tests_last() {
        let steps = ci_steps(&workspace_root()).unwrap();
        let commands: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
        for expected in [
            "cargo fmt --all -- --check",
            "cargo clippy --workspace --all-targets -- -D warnings",
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --all-features",
            "cargo xtask codegen --check",
            "cargo xtask expand --check",
            "cargo xtask fuzz --seconds 15",
        ] {
            assert_eq!(commands.iter().filter(|c| **c == expected).count(), 1, "{expected}");
        }
        assert_eq!(
            commands.last(),
            Some(&"MC_AUTH_REQUIRE_SYSTEM_TOOLS=\"1\" cargo test --workspace")
        );
        let install = commands.len() - 3;
        assert!(
            commands[install].starts_with("apt-get install redis-server"),
            "{}",
            commands[install]
        );
        let tests: Vec<String> = test_steps().into_iter().map(|s| s.command).collect();
        assert_eq!(tests, commands[install..], "CI ends with exactly `cargo xtask test`");
        for example in [
            "quickstart",
            "send_email",
            "upsert_rows",
            "fire_event",
            "assets",
            "soap_retrieve",
            "web_app",
        ] {
            let step = steps
                .iter()
                .find(|s| s.action == Action::Example(example.into()))
                .unwrap_or_else(|| panic!("example {example} is not run"));
            assert!(step.full_only);
        }
    }

    #[test]
    fn browser_tests_run_after_installing_chromium_and_before_the_suite() {
        let steps = ci_steps(&workspace_root()).unwrap();
        let at = |command: &str| {
            steps
                .iter()
                .position(|s| s.command == command)
                .unwrap_or_else(|| panic!("no step `{command}`"))
        };
        let install = at("apt-get install redis-server chromium chromium-driver  # only when missing");
        let browser = at("cargo test -p mc-auth-tests --test browser -- --ignored");
        assert!(install < browser && browser < at("MC_AUTH_REQUIRE_SYSTEM_TOOLS=\"1\" cargo test --workspace"));
        assert_eq!(steps[install].action, Action::Install(SYSTEM_PACKAGES));
    }

    #[test]
    fn installing_nothing_missing_runs_no_apt_get() {
        let present = [SystemPackage {
            package: "surely-not-a-package",
            provides: env!("CARGO_MANIFEST_DIR"),
        }];
        assert_eq!(install_missing(&present), Ok(()));
    }

    #[test]
    fn the_local_shortcut_skips_only_fuzz_and_examples() {
        let steps = ci_steps(&workspace_root()).unwrap();
        for step in &steps {
            let slow = matches!(step.action, Action::Fuzz | Action::Example(_));
            assert_eq!(step.full_only, slow, "{}", step.command);
        }
    }
}
