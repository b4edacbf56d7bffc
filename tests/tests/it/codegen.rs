//! Generated code is up to date: `cargo test` catches drift without anyone running `cargo xtask`.
//!
//! These call the same functions as `cargo xtask codegen --check` and `cargo xtask expand
//! --check`. When one fails, run the command it names and commit the result.

#[test]
fn generated_code_matches_the_scope_catalog() {
    if let Err(e) = xtask::codegen::run(&xtask::workspace_root(), true) {
        panic!("{e}");
    }
}

#[test]
fn expansion_snapshots_are_current() {
    if let Err(e) = xtask::expand::run(&xtask::workspace_root(), true) {
        panic!("{e}");
    }
}

#[test]
fn generated_files_say_how_they_were_made() {
    let root = xtask::workspace_root();
    for path in [xtask::codegen::RUNTIME_FILE, xtask::codegen::MACRO_FILE] {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        assert!(
            text.starts_with(xtask::codegen::HEADER),
            "{path} lacks the @generated header"
        );
    }
}
