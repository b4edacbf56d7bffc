//! REST error bodies with a `Retry-After` header: parsing and formatting must never panic.
//!
//! Input layout: 2 bytes big-endian status (mapped to 100..=999, as an HTTP client would
//! deliver), 1 byte length `n`, `n` bytes of `Retry-After` value, then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, rest) = match data {
        [a, b, rest @ ..] => (100 + u16::from_be_bytes([*a, *b]) % 900, rest),
        _ => (400, data),
    };
    let (retry_after, body) = match rest {
        [n, rest @ ..] => rest.split_at(usize::from(*n).min(rest.len())),
        [] => (&[][..], rest),
    };
    let retry_after = String::from_utf8_lossy(retry_after);
    let message = mc_auth::__fuzz::api_error_body(status, &retry_after, body);
    assert!(!message.is_empty());
});
