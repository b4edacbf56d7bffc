//! The HTML pages of the fake's `/v2/authorize`: a login form (who signs in) and a consent
//! form (the app's name, the requested scopes, Allow / Deny), like Marketing Cloud's. Every
//! value that came from the request or from test set-up is HTML-escaped.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The authorize parameters a page carries forward to the next step as hidden fields.
pub(crate) const CARRIED_PARAMS: [&str; 7] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The hidden fields that carry the authorize request from one page to the next.
fn hidden_fields(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v)))
        .collect()
}

/// A complete page: no caching, no framing (MC's pages refuse to be framed: clickjacking), no
/// scripts.
fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: sans-serif; max-width: 32em; margin: 2em auto\">{body}</body></html>",
        escape(title)
    );
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
            ),
        ],
        html,
    )
        .into_response()
}

/// The login form: the user enters (or picks) a username. `known` are the users the fake
/// knows, offered as suggestions; `problem` is shown above the form (an unknown username).
pub(crate) fn login(
    app_name: &str,
    carried: &[(&str, &str)],
    known: &[String],
    prefill: &str,
    problem: Option<&str>,
) -> Response {
    let problem = problem
        .map(|p| {
            format!(
                "<p id=\"problem\" role=\"alert\" style=\"color: #b00\">{}</p>",
                escape(p)
            )
        })
        .unwrap_or_default();
    let options: String = known
        .iter()
        .map(|u| format!("<option value=\"{}\"></option>", escape(u)))
        .collect();
    let body = format!(
        "<h1>Log in to Marketing Cloud</h1>\
         <p>to continue to <strong id=\"app-name\">{app}</strong></p>{problem}\
         <form id=\"login\" method=\"post\" action=\"/v2/authorize\">{hidden}\
         <input type=\"hidden\" name=\"step\" value=\"login\">\
         <label>Username <input id=\"username\" name=\"username\" list=\"known-users\" value=\"{prefill}\" autocomplete=\"off\" required></label>\
         <datalist id=\"known-users\">{options}</datalist>\
         <button id=\"log-in\" type=\"submit\">Log In</button></form>",
        app = escape(app_name),
        hidden = hidden_fields(carried),
        prefill = escape(prefill),
    );
    page("Marketing Cloud Login", &body)
}

/// The consent form: who is signed in, which app asks, for which scopes; Allow or Deny.
pub(crate) fn consent(app_name: &str, carried: &[(&str, &str)], username: &str, scopes: &[String]) -> Response {
    let scopes: String = scopes
        .iter()
        .map(|s| format!("<li class=\"scope\">{}</li>", escape(s)))
        .collect();
    let body = format!(
        "<h1>Allow access?</h1>\
         <p>Signed in as <strong id=\"username\">{user}</strong></p>\
         <p><strong id=\"app-name\">{app}</strong> is requesting access to your Marketing Cloud account:</p>\
         <ul id=\"scopes\">{scopes}</ul>\
         <form id=\"consent\" method=\"post\" action=\"/v2/authorize\">{hidden}\
         <input type=\"hidden\" name=\"username\" value=\"{user}\">\
         <button id=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
         <button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        user = escape(username),
        app = escape(app_name),
        hidden = hidden_fields(carried),
    );
    page("Allow Access", &body)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
