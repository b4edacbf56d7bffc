//! The HTTP side: one axum fallback handler that records each request, applies injected
//! faults, and hands the request to its [`Endpoint`]: the token endpoint, the authorize pages,
//! the SOAP endpoint or the REST route table (which also serves `/v2/userinfo`).

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::api::{self, ApiRequest};
use super::endpoint::Endpoint;
use super::faults::Applied;
use super::state::Shared;
use super::token;
use super::util::lock;

/// Bodies larger than this are refused with 413.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Serves `shared` on `listener` until `shutdown` resolves (or its sender is dropped).
pub(crate) fn spawn(listener: TcpListener, shared: Arc<Shared>, shutdown: oneshot::Receiver<()>) {
    let app = Router::new().fallback(dispatch).with_state(shared);
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = shutdown.await;
        });
        if let Err(e) = server.await {
            tracing::warn!(error = %e, "the fake Marketing Cloud server stopped with an error");
        }
    });
}

async fn dispatch(State(shared): State<Arc<Shared>>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let query = parts.uri.query();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        let seq = shared
            .recorder
            .record(method, path, query, &parts.headers, &bytes::Bytes::new());
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        shared.recorder.complete(seq, status.as_u16(), None, false);
        return api::mc_error(status, 0, "The request body is too large or could not be read.");
    };
    let seq = shared.recorder.record(method, path, query, &parts.headers, &body);
    let endpoint = Endpoint::of(path);

    let fault = lock(&shared.faults).take(endpoint, path);
    let faulted = fault.is_some();
    let mut mangle = None;
    if let Some(fault) = fault {
        if let Some(wait) = fault.answer_after() {
            tokio::time::sleep(wait).await;
        }
        match fault.apply(endpoint, &parts.headers, &body) {
            Applied::Respond(response) => {
                shared.recorder.complete(seq, response.status().as_u16(), None, true);
                return response;
            }
            Applied::Delay(by) => tokio::time::sleep(by).await,
            Applied::Mangle(m) => mangle = Some(m),
        }
    }

    if endpoint != Endpoint::Token {
        let latency = lock(&shared.state).latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
    let (mut response, token_serial) = answer(&shared, endpoint, method, path, query, &parts.headers, &body);
    if let Some(m) = mangle {
        let (mut head, body) = response.into_parts();
        let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
        head.headers.remove(axum::http::header::CONTENT_LENGTH);
        response = Response::from_parts(head, Body::from(m.apply(&bytes)));
    }
    shared
        .recorder
        .complete(seq, response.status().as_u16(), token_serial, faulted);
    response
}

/// The normal answer to a request, computed under the state lock (the data extension row
/// uploads and polls release it after the token check: `state.rs`, "The rows lock").
fn answer(
    shared: &Shared,
    endpoint: Endpoint,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, Option<u64>) {
    let mut state = lock(&shared.state);
    match endpoint {
        Endpoint::Authorize => {
            let content_type = headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|c| c.to_str().ok());
            let page = super::oauth::authorize(&shared.config, &mut state, method, query, content_type, body);
            (page, None)
        }
        Endpoint::Soap => super::soap::handle(&shared.config, &mut state, method, headers, body),
        Endpoint::Token => (token::handle(&shared.config, &mut state, method, headers, body), None),
        Endpoint::Userinfo | Endpoint::Rest => api::handle(
            &shared.config,
            &shared.rows,
            state,
            &ApiRequest {
                method,
                path,
                query,
                headers,
                body,
            },
        ),
    }
}
