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
//! | `rotation` | client-secret rotation: a full rotation under load, revoked and expired secrets, `rotate_secret`, expiry warnings |
//! | `secrets` | `Debug`, `Display` and logs of every error and secret-holding type |
//! | `hardening` | forged redirects, the loopback receiver, dot segments, huge bodies, symlinks |
//! | `web_app`, `loopback`, `file_store` | web and public apps, the HTTPS redirect receiver, the encrypted file store |
//! | `shared_tier` | tokens shared by separately built clients (`MemoryCache`) and by processes of one host (`FileTokenStore`); the fleet on Redis is `tests/tests/fleet.rs` |
//! | `authorize_pages` | the fake's login and consent pages (escaping, every post checked, Deny), users, `App::sign_out` |
//! | `api_roundtrip`, `fake_operations` | the typed operations against the fake |
//! | `soap_typed` | typed SOAP object actions: the fake's per-object scope check for the whole catalog, round trips, paging streams |
//! | `call_options` | per-call options on typed operations: idempotency override, call timeout |
//! | `bulk` | bulk loads at MC's limits: bounded memory, per-row failures, 429 bursts, cancellation; split batch sends |
//! | `properties` | property tests of the parsers (no panic on any input) |
//! | `serde_rows` | rows as the user's own serde types: REST and SOAP round trips, case-insensitive names, mismatch errors, encodings refused before sending, any text decodes or names its column |
//! | `soak` | an hour of simulated traffic with injected faults |
//! | `data_extension_schema` | data extensions created with typed fields, the fields enforced on REST and SOAP row writes, `ClearData`, folders, specs refused before sending |
//! | `tracking` | SOAP filters (`ComplexFilterPart`, `DateValue`) and typed tracking event streams |
//! | `triggered_sends` | SOAP triggered sends: send with attributes, definitions, start and pause |
//! | `automations` | Automation Studio over SOAP: automations (list, get, runs, start, pause), query activities, imports, file transfers, activity status |
//! | `subscribers` | SOAP subscribers and lists: `UpdateAdd` upserts, list membership and status per list, `LogUnsubEvent` in tracking, XML special characters, scopes, malformed requests |
//! | `business_units` | business-unit discovery and visibility: `QueryAllAccounts`, `ClientIDs`, a child never reading its parent |
//! | `codegen` | generated files and expansion snapshots are fresh |
//! | `routes` | every catalogued REST route against the fake: 403 without its scopes, 2xx with them, a documented 404 where not served; `rest!` path variables |
//!
//! Separate binaries remain only where they must: `proxy_env` (changes the process
//! environment), `fleet` (spawns itself as child processes, and needs `redis-server`),
//! `browser` (drives Chromium; `#[ignore]`d unless run with `--ignored`) and the compile-fail
//! suites `ui` and `ui_api` (trybuild).

mod api_roundtrip;
mod authorize_pages;
mod automations;
mod bulk;
mod business_units;
mod call_options;
mod client_credentials;
mod codegen;
mod core_invariants;
mod data_extension_schema;
mod fake_operations;
mod fault_matrix;
mod file_store;
mod hardening;
mod http_settings;
mod loopback;
mod properties;
mod proxy;
mod rotation;
mod routes;
mod secrets;
mod serde_rows;
mod shared_tier;
mod soak;
mod soap_typed;
mod subscribers;
mod token_cache;
mod tracking;
mod triggered_sends;
mod web_app;
