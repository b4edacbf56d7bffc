//! Tidy: repository-wide rules that no compiler or lint checks, as one plain `#[test]` (as
//! rust-analyzer does), so `cargo test` enforces them without anyone remembering a command.
//!
//! It fails with a `file:line` list for, in any `.rs` file of the repository (the workspace and
//! `fuzz/`; not `target/`, hidden directories, trybuild compile-fail fixtures, which are the
//! `tests/ui` files with an expected `.stderr` beside them, or this file, which names what it
//! looks for):
//! - calls of the `todo`, `unimplemented` and `dbg` macros;
//! - banner comments: a comment line that starts with `---` or `===` (`// ---- x ----`,
//!   `// ==========`), or a `// BEGIN` / `// END` section marker;
//!
//! and for generated files that are not fresh (`cargo xtask codegen --check` and
//! `cargo xtask expand --check`, through the same functions).
//!
//! "Every public item is documented" is not checked here: every crate has
//! `#![warn(missing_docs)]`, and CI's clippy runs with `-D warnings`, which makes a missing doc
//! comment an error.

use std::fs;
use std::path::{Path, PathBuf};

/// Calls that must not be committed (spelled in pieces, so that this file does not contain
/// what it looks for).
const FORBIDDEN_CALLS: &[&str] = &[
    concat!("todo", "!("),
    concat!("unimplemented", "!("),
    concat!("dbg", "!("),
];

#[test]
fn tidy() {
    let root = xtask::workspace_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("mc-auth/src/lib.rs")),
        "tidy found no sources under {}",
        root.display()
    );
    let mut problems = Vec::new();
    for file in files.iter().filter(|f| !excluded(&root, f)) {
        let shown = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{shown}: {e}"));
        problems.extend(check(&shown, &text));
    }
    if let Err(e) = xtask::codegen::run(&root, true) {
        problems.push(format!("codegen: {e}"));
    }
    if let Err(e) = xtask::expand::run(&root, true) {
        problems.push(format!("expand: {e}"));
    }
    assert!(
        problems.is_empty(),
        "tidy found {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every `.rs` file under `dir`, less `target/` and hidden directories, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// This file, and the trybuild compile-fail fixtures (`tests/ui/**.rs` with a `.stderr`).
fn excluded(root: &Path, file: &Path) -> bool {
    file == root.join("xtask/tests/tidy.rs")
        || (file.starts_with(root.join("tests/ui")) && file.with_extension("stderr").exists())
}

/// The problems in one file's text, each as `file:line: what`.
fn check(file: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{file}:{}", i + 1);
        for call in FORBIDDEN_CALLS {
            if line.contains(call) {
                problems.push(format!("{at}: `{call}` left in"));
            }
        }
        if is_banner(line) {
            problems.push(format!("{at}: banner comment `{}`", line.trim()));
        }
    }
    problems
}

/// `// ---- x ----`, `// =====`, `//! ---`, `// BEGIN x`, `// END`.
fn is_banner(line: &str) -> bool {
    let Some(comment) = line.trim_start().strip_prefix("//") else {
        return false;
    };
    let body = comment.trim_start_matches(['/', '!']).trim_start();
    let marker = |word: &str| {
        body.strip_prefix(word)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    };
    body.starts_with("---") || body.starts_with("===") || marker("BEGIN") || marker("END")
}

#[test]
fn tidy_finds_what_it_looks_for() {
    let [todo, unimplemented, dbg] = [FORBIDDEN_CALLS[0], FORBIDDEN_CALLS[1], FORBIDDEN_CALLS[2]];
    let text = format!("fn a() {{\n    let x = {dbg}1);\n    {todo})\n}}\nfn b() {{ {unimplemented}\"x\") }}\n");
    assert_eq!(
        check("a.rs", &text),
        [
            format!("a.rs:2: `{dbg}` left in"),
            format!("a.rs:3: `{todo}` left in"),
            format!("a.rs:5: `{unimplemented}` left in"),
        ]
    );
    for banner in [
        "// ---- Channels ----",
        "    // ==========",
        "//! --- section",
        "/// ===",
        "// BEGIN generated",
        "// END",
        "// END: helpers",
    ] {
        assert!(is_banner(banner), "{banner}");
        assert_eq!(check("b.rs", banner).len(), 1, "{banner}");
    }
    for fine in [
        "// -- a dash pair is prose",
        "// BEGINNING of the flow",
        "// ENDPOINT",
        "// The END of a stream, mid-sentence, is prose",
        "let s = \"---\"; // fine",
        "x -= 1;",
        "/// | a | b |",
    ] {
        assert!(!is_banner(fine), "{fine}");
    }
    assert!(check("c.rs", "fn main() {}\n// ok\n").is_empty());
}

#[test]
fn compile_fail_fixtures_are_excluded_and_the_rest_is_not() {
    let root = xtask::workspace_root();
    assert!(excluded(&root, &root.join("tests/ui/fail/typo.rs")));
    assert!(!excluded(&root, &root.join("tests/ui/pass/one_client.rs")));
    assert!(!excluded(&root, &root.join("mc-auth/src/lib.rs")));
    assert!(excluded(&root, &root.join("xtask/tests/tidy.rs")));
}

/// The largest file the repository tracks, in bytes. A submission of this project is refused
/// whole when it grows too large (a session once lost its work to a committed build directory);
/// data a script can make again is generated, not committed.
const MAX_TRACKED_FILE_BYTES: u64 = 1024 * 1024;

/// No build output (`target`, `target-*` directories) and no file over
/// [`MAX_TRACKED_FILE_BYTES`] is tracked by git.
#[test]
fn no_build_output_or_large_file_is_tracked() {
    let root = xtask::workspace_root();
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output();
    let out = match out {
        Ok(out) if out.status.success() => out,
        // Not a git checkout (a source tarball): nothing is tracked, nothing to check.
        _ => return,
    };
    let listing = String::from_utf8_lossy(&out.stdout);
    let mut problems = Vec::new();
    for path in listing.split('\0').filter(|p| !p.is_empty()) {
        if is_build_output(path) {
            problems.push(format!(
                "{path}: build output is tracked (add its directory to .gitignore and `git rm -r --cached` it)"
            ));
            continue;
        }
        if let Ok(meta) = fs::metadata(root.join(path)) {
            if meta.len() > MAX_TRACKED_FILE_BYTES {
                problems.push(format!(
                    "{path}: {} bytes, over the {MAX_TRACKED_FILE_BYTES}-byte limit for a tracked file (generate it instead)",
                    meta.len()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} tracked file(s) should not be:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// True for a path inside a cargo build directory (`target/`, `target-xtask/`, ...).
fn is_build_output(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.iter().any(|dir| *dir == "target" || dir.starts_with("target-"))
}

#[test]
fn build_directories_are_recognised() {
    assert!(is_build_output("target/debug/x"));
    assert!(is_build_output("fuzz/target/x"));
    assert!(is_build_output("target-xtask/release/y"));
    assert!(!is_build_output("mc-auth/src/target.rs"));
    assert!(!is_build_output("docs/targeting/x.md"));
}
