//! mc-auth's integration tests, in one binary (one link instead of one per file): a module per
//! feature, each talking real HTTP to the fake Marketing Cloud on loopback.
//!
//! Find a feature's tests by its module name, and run them alone with
//! `cargo test -p mc-auth-tests --test it MODULE::` (for example `token_cache::`).
//!
//! | module | what it covers |
//! |---|---|
//! | `client_credentials` | the token request and response, MC's documented vectors, host policy |
//! | `token_cache` | one request per herd, refresh ahead, 401 recovery, business units |
//! | `core_invariants` | the core's promises under attack: echoed secrets, shared refresh tokens, wedges, short tokens, one construction path |
//! | `fault_matrix` | what each transport and HTTP fault does to token requests and API calls |
//! | `http_settings` | timeouts, `User-Agent`, query strings kept out of errors |
//! | `proxy` | an explicit proxy for auth, REST and SOAP (the environment variables are tested in `proxy_env`, its own binary) |
//! | `secrets` | `Debug`, `Display` and logs of every error and secret-holding type |
//! | `hardening` | forged redirects, the loopback receiver, dot segments, huge bodies, symlinks |
//! | `web_app`, `loopback`, `file_store` | web and public apps, the HTTPS redirect receiver, the encrypted file store |
//! | `api_roundtrip`, `fake_operations` | the typed operations against the fake |
//! | `properties` | property tests of the parsers (no panic on any input) |
//! | `soak` | an hour of simulated traffic with injected faults |
//! | `tracking` | SOAP filters (`ComplexFilterPart`, `DateValue`) and typed tracking event streams |
//! | `triggered_sends` | SOAP triggered sends: send with attributes, definitions, start and pause |
//! | `codegen` | generated files and expansion snapshots are fresh |
//!
//! Separate binaries remain only where they must: `proxy_env` (changes the process
//! environment) and the compile-fail suites `ui` and `ui_api` (trybuild).

mod api_roundtrip;
mod client_credentials;
mod codegen;
mod core_invariants;
mod fake_operations;
mod fault_matrix;
mod file_store;
mod hardening;
mod http_settings;
mod loopback;
mod properties;
mod proxy;
mod secrets;
mod soak;
mod token_cache;
mod tracking;
mod triggered_sends;
mod web_app;
