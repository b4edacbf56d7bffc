//! `POST /messaging/v1/messageDefinitionSends/key:{key}/send`: the REST send of a triggered
//! send definition (the same definitions SOAP reads, starts and pauses).
//!
//! The body needs `To.Address` (an email address); `To.SubscriberKey` defaults to it and
//! `To.ContactAttributes.SubscriberAttributes` (an object of text values) is recorded. An
//! unknown key is a 404, a definition that is `New` or `Canceled` a 400, a body without a valid
//! address a 400 (errorcode 10000); a paused (`Inactive`) definition queues the send. The answer
//! is MC's 202 with `requestId` and one `responses` entry (`recipientSendId`, `hasErrors`,
//! `messages`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::api::{ApiError, Call};
use super::util::{json_response, request_id};

/// Answers the send.
pub(crate) fn send(call: &mut Call<'_>) -> Response {
    let key = call.param("key").to_owned();
    let body = match call.json_object(10000) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let to = body.get("To").and_then(Value::as_object);
    let address = to
        .and_then(|t| t.get("Address"))
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if !address.contains('@') {
        return ApiError::bad_request(10000, "To.Address must be an email address.").into_response();
    }
    let subscriber_key = to
        .and_then(|t| t.get("SubscriberKey"))
        .and_then(Value::as_str)
        .filter(|k| !k.trim().is_empty());
    let attributes = to
        .and_then(|t| t.get("ContactAttributes"))
        .and_then(|c| c.get("SubscriberAttributes"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mid = call.token.account_id;
    match call
        .state
        .soap
        .triggered
        .send_one(mid, &key, address, subscriber_key, attributes)
    {
        Ok(sent) => json_response(
            StatusCode::ACCEPTED,
            &json!({
                "requestId": request_id(),
                "responses": [{
                    "recipientSendId": request_id(),
                    "hasErrors": false,
                    "messages": [if sent { "Queued" } else { "Queued (the definition is paused)" }],
                }],
            }),
        ),
        Err((404, why)) => ApiError::not_found(10000, why).into_response(),
        Err((_, why)) => ApiError::bad_request(10000, why).into_response(),
    }
}
