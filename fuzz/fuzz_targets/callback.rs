//! Authorization redirects (a full URL or a bare query string): parsing must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = std::str::from_utf8(data) {
        let _ = mc_auth::__fuzz::callback(input);
    }
});
