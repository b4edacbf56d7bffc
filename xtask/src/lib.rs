//! `cargo xtask`: project automation for mc-auth, as a library so tests can call it.
//!
//! The binary (`cargo xtask <command>`) is a thin command line over these modules;
//! `tests/tests/codegen.rs` calls [`codegen::run`] and [`expand::run`] in check mode so that
//! `cargo test` catches drift without anyone remembering a command.
#![forbid(unsafe_code)]

pub mod bench;
pub mod catalog;
pub mod codegen;
pub mod expand;
pub mod fuzz;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Runs `cargo <args>` in `root` with extra environment, echoing the command.
pub fn cargo(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = env.iter().map(|(k, v)| format!("{k}={v} ")).collect::<String>();
    eprintln!("==> {shown}cargo {}", args.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}cargo {}` failed ({status})", args.join(" ")))
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

/// `cargo xtask ci`: what `.ci/run` checks except the fuzz run and the examples (run
/// `cargo xtask fuzz` for that), plus the generated-code checks.
pub fn ci(root: &Path) -> Result<(), String> {
    cargo(root, &["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        root,
        &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        &[],
    )?;
    cargo(root, &["test", "--workspace"], &[])?;
    cargo(
        root,
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    eprintln!("==> codegen --check");
    codegen::run(root, true)?;
    eprintln!("==> expand --check");
    expand::run(root, true)?;
    eprintln!("ci: all passed");
    Ok(())
}
