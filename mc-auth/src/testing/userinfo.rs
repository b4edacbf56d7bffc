//! `GET /v2/userinfo`: who the token belongs to and where its instance lives.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::api::Call;
use super::util::{json_response, unix_now};

fn timezone() -> Value {
    json!({
        "longName": "(GMT-08:00) Pacific Time (US & Canada)",
        "shortName": "GMT-8",
        "offset": -8.0,
        "dst": true,
    })
}

/// A stable GUID-shaped application id derived from the client id.
fn application_id(client_id: &str) -> String {
    // FNV-1a, 64 bits: stable across runs, no dependency.
    let hash = client_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:08x}-0000-4000-8000-{:012x}", hash >> 32, hash & 0xffff_ffff_ffff)
}

/// Answers `/v2/userinfo` in MC's shape for the request's token.
pub(crate) fn get(call: &mut Call<'_>) -> Response {
    let now = call.config.clock.now();
    let remaining = call.token.expires_at.saturating_duration_since(now).as_secs();
    let urls = call.state.instance_urls(call.config);
    let user = call.token.user.as_ref().unwrap_or(&call.state.user);
    let (app_name, app_scopes) = match call.state.packages.get(&call.token.client_id) {
        Some(p) => (p.name.clone(), p.scopes.to_vec()),
        None => (String::new(), call.token.scopes.to_vec()),
    };
    let body = json!({
        "exp": unix_now() + remaining,
        "iss": format!("{}/", call.config.base_url),
        "user": {
            "sub": user.sub,
            "name": user.name,
            "preferred_username": user.preferred_username,
            "email": user.email,
            "locale": "en-US",
            "zoneinfo": "America/Los_Angeles",
            "timezone": timezone(),
        },
        "organization": {
            "member_id": call.token.account_id,
            "enterprise_id": call.config.enterprise_id,
            "enterprise_name": "Fake Enterprise",
            "account_type": "enterprise",
            "stack_key": "FAKE1",
            "region": "NA1",
            "locale": "en-US",
            "zoneinfo": "America/Los_Angeles",
            "timezone": timezone(),
        },
        "rest": {
            "rest_instance_url": urls.rest,
            "soap_instance_url": urls.soap,
        },
        "application": {
            "id": application_id(&call.token.client_id),
            "name": app_name,
            "redirectUrl": [],
            "appScopes": app_scopes,
        },
        "permissions": [],
    });
    json_response(StatusCode::OK, &body)
}
