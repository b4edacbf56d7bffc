//! Token endpoint response bodies: parsing must never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mc_auth::__fuzz::token_response(data);
});
