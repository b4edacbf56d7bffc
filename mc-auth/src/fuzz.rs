//! Entry points for fuzzers and property tests: each runs one parser on untrusted input.
//! Not public API; no stability promise.

use crate::http::api_error;
use crate::soap::{xml, SoapObject};

/// Parses a token endpoint response body.
pub fn token_response(data: &[u8]) -> Result<(), String> {
    crate::TokenResponse::parse(data).map(|_| ())
}

/// Parses an API error body (with a `Retry-After` header value) and formats the error.
pub fn api_error_body(status: u16, retry_after: &str, data: &[u8]) -> String {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(v) = reqwest::header::HeaderValue::from_str(retry_after) {
        headers.insert(reqwest::header::RETRY_AFTER, v);
    }
    api_error(
        status,
        &headers,
        data,
        "GET /fuzz".into(),
        &crate::secret::Redactor::new(),
    )
    .to_string()
}

/// Parses an authorization redirect (URL or query string).
pub fn callback(input: &str) -> Result<(), String> {
    crate::web::Callback::parse(input)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Interprets a SOAP response body for every action.
pub fn soap_response(status: u16, data: &[u8]) {
    for action in ["Retrieve", "Create", "Update", "Delete", "Perform"] {
        let _ = crate::soap::interpret_for_fuzzing(status, data, action);
    }
}

/// Sends `value` through one property of a SOAP Create envelope and reads it back.
pub fn soap_field_roundtrip(value: &str) -> Option<String> {
    let object = SoapObject::new("Subscriber").with("EmailAddress", value);
    let envelope = crate::soap::envelope_for_fuzzing(value, &object);
    let root = xml::parse(&envelope).ok()?;
    let body = root.child("Body")?;
    let objects = body.child("CreateRequest")?.child("Objects")?;
    let token = root.child("Header")?.child("fueloauth")?.text.clone();
    let field = objects.child_text("EmailAddress")?.to_owned();
    (token == value).then_some(field)
}
