//! SOAP response bodies, interpreted for every action: must never panic.
//!
//! Input layout: 2 bytes big-endian status (mapped to 100..=999), then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + u16::from_be_bytes([*a, *b]) % 900, rest),
        _ => (200, data),
    };
    mc_auth::__fuzz::soap_response(status, body);
});
