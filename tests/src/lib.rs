//! Shared helpers for mc-auth's integration tests.
#![forbid(unsafe_code)]
