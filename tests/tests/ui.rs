//! Compile-time behaviour of `#[mc_client]` and the scope checks, with trybuild.
//!
//! `tests/ui/pass` must compile (and run: their `main`s do no network); `tests/ui/fail` must
//! fail with exactly the committed `.stderr`. After an intended change to a message, run
//! `cargo xtask ui --bless` (or `TRYBUILD=overwrite cargo test -p mc-auth-tests --test ui`)
//! and read every changed `.stderr` as a user would before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
