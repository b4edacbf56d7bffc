//! A property, not only "no panic": any string without control characters, sent as a SOAP
//! property value (and as the header token), reads back from the envelope unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    if value.chars().any(char::is_control) {
        return;
    }
    let back = mc_auth::__fuzz::soap_field_roundtrip(value);
    assert_eq!(back.as_deref(), Some(value), "SOAP field round trip changed {value:?}");
});
