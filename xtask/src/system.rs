//! System programs the tests need that cargo cannot build: found on `PATH`, or installed
//! with `apt-get` (Debian, as CI and the developers' machines are).

use std::path::PathBuf;
use std::process::Command;

/// Set for the test run of `cargo xtask test` and CI: a test that needs a program of
/// [`SYSTEM_PACKAGES`] then fails when it is missing, instead of being reported as ignored.
pub const REQUIRE_ENV: &str = "MC_AUTH_REQUIRE_SYSTEM_TOOLS";

/// A program some tests need, and the Debian package that provides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemPackage {
    /// The program the tests run.
    pub program: &'static str,
    /// The Debian package that installs it.
    pub apt: &'static str,
    /// Which tests need it.
    pub needed_by: &'static str,
}

/// Everything the tests need beyond cargo: the one list `cargo xtask test` and CI install from.
pub const SYSTEM_PACKAGES: &[SystemPackage] = &[SystemPackage {
    program: "redis-server",
    apt: "redis-server",
    needed_by: "tests/tests/fleet.rs (tokens shared by a fleet of processes through Redis)",
}];

/// Where `program` is: on `PATH`, or in `/usr/sbin` or `/usr/bin` (Debian puts some server
/// programs there, outside a non-root `PATH`).
pub fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The packages of [`SYSTEM_PACKAGES`] whose program is missing.
pub fn missing() -> Vec<SystemPackage> {
    SYSTEM_PACKAGES
        .iter()
        .copied()
        .filter(|p| find(p.program).is_none())
        .collect()
}

/// Installs the missing packages with `apt-get` (through `sudo` unless running as root);
/// nothing to do when all are there. An error says what to install by hand.
pub fn install_missing() -> Result<(), String> {
    let missing = missing();
    if missing.is_empty() {
        let found: Vec<&str> = SYSTEM_PACKAGES.iter().map(|p| p.program).collect();
        println!("system packages: all present ({})", found.join(", "));
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.apt).collect();
    let by_hand = || {
        let needs: Vec<String> = missing
            .iter()
            .map(|p| format!("{} for {}", p.program, p.needed_by))
            .collect();
        format!(
            "install {} with your package manager (needed: {})",
            names.join(" "),
            needs.join("; ")
        )
    };
    if find("apt-get").is_none() {
        return Err(format!("apt-get is not available: {}", by_hand()));
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut command = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        println!("==> {}apt-get {}", if root { "" } else { "sudo " }, args.join(" "));
        let status = command
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("cannot run apt-get ({e}): {}", by_hand()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`apt-get {}` failed ({status}): {}", args.join(" "), by_hand()))
        }
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&names);
    apt(&install)?;
    let still = self::missing();
    if !still.is_empty() {
        let programs: Vec<&str> = still.iter().map(|p| p.program).collect();
        return Err(format!(
            "apt-get installed {} but {} is still not found",
            names.join(" "),
            programs.join(", ")
        ));
    }
    Ok(())
}
