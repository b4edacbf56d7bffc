//! `cargo xtask`: project automation for mc-auth, as a library so tests can call it.
//!
//! The binary (`cargo xtask <command>`) is a thin command line over these modules;
//! `tests/tests/codegen.rs` calls [`codegen::run`] directly so `cargo test` catches drift.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod codegen;
pub mod toml;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}
