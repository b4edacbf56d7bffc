//! Compile-fail cases for the typed API: every operation's scope gate (table-driven, one call
//! per operation), and an operation that needs two scopes. Bless with
//! `TRYBUILD=overwrite cargo test -p mc-auth-tests --test ui_api` and read the `.stderr`.

#[test]
fn api_scope_gates() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/api/*.rs");
}

#[test]
fn ops_scope_gates() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/ops/*.rs");
}
