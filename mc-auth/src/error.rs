//! The one error type of mc-auth.
//!
//! Every message says what went wrong and what to do next, and none contains a secret.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::expiry::RefusedSecret;
use crate::secret::Redactor;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in mc-auth.
///
/// `Error` is `Clone` so that one failed token request can be handed to every task that
/// waited for it. New variants may be added in minor releases.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token endpoint answered with an OAuth error (`invalid_client`, `invalid_grant`, ...).
    #[error("the Marketing Cloud token endpoint refused the request (HTTP {status}): {error}{}; {}{}", paren(description), oauth_hint(error, *account, refused_secrets), uri.as_deref().map(|u| format!(" [{u}]")).unwrap_or_default())]
    OAuth {
        /// HTTP status of the response.
        status: u16,
        /// The OAuth `error` code.
        error: String,
        /// The OAuth `error_description`, if any.
        description: Option<String>,
        /// The OAuth `error_uri`, if any.
        uri: Option<String>,
        /// The MID of the business unit the token was requested for, if one was.
        account: Option<u64>,
        /// For `invalid_client`: the client secrets that were tried and refused, in order (the
        /// one in use, then the other one if the client has two). Empty for other errors.
        refused_secrets: Vec<RefusedSecret>,
    },
    /// A REST or SOAP API call failed with an MC error response.
    #[error("Marketing Cloud API call {request} failed with HTTP {status}{}: {message}; {}{}", errorcode.map(|c| format!(", errorcode {c}")).unwrap_or_default(), api_hint(*status), retry_after.map(|d| format!(" (Retry-After: {} s)", d.as_secs())).unwrap_or_default())]
    Api {
        /// HTTP status of the response.
        status: u16,
        /// MC's numeric `errorcode`, if the body had one.
        errorcode: Option<i64>,
        /// MC's message (or a short excerpt of the body).
        message: String,
        /// HTTP method and path of the request, for context (no query string).
        request: String,
        /// The delay MC asked for with `Retry-After` (429 only).
        retry_after: Option<Duration>,
    },
    /// The request did not get an HTTP response (connection refused or reset, DNS, TLS, timeout).
    #[error("{} {endpoint}: {}; check the network, proxy settings and the tenant subdomain, then retry", transport_what(*kind), with_causes(source.as_ref()))]
    Transport {
        /// What kind of failure it was.
        kind: TransportKind,
        /// Which endpoint was being called (scheme, host and path; never a secret).
        endpoint: String,
        /// The underlying error.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// A response that is not what MC sends: wrong status, malformed or truncated body.
    #[error("unexpected response from {endpoint} (HTTP {status}): {problem}{}; this is not what Marketing Cloud sends: check the endpoint URL, any proxy in between, and retry later", if excerpt.is_empty() { String::new() } else { format!("; body starts: {excerpt:?}") })]
    UnexpectedResponse {
        /// HTTP status of the response.
        status: u16,
        /// Which endpoint answered.
        endpoint: String,
        /// What was wrong with it.
        problem: String,
        /// The start of the body, with every secret removed.
        excerpt: String,
    },
    /// A setting is missing or invalid.
    #[error("invalid configuration for {setting}: {reason}")]
    Config {
        /// The setting (for example `subdomain` or `MC_CLIENT_ID`).
        setting: String,
        /// Why it was refused and what to do.
        reason: String,
    },
    /// A URL that a token would be sent to is not a Marketing Cloud host.
    #[error("refusing to send a token to {url}: {reason}; tokens go only to https://*.marketingcloudapis.com, or to loopback when the auth URL is loopback")]
    UntrustedEndpoint {
        /// The URL that was refused.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// MC issued a token without some of the scopes that were requested.
    #[error("{}", scopes_not_granted(client, missing, granted))]
    ScopesNotGranted {
        /// The client type (or `Client`) that asked.
        client: String,
        /// The scopes that were requested but not granted, sorted.
        missing: Vec<String>,
        /// The scopes that were granted, sorted.
        granted: Vec<String>,
    },
    /// The authorization server sent the user back with an error (`error`, `error_description`).
    #[error("the authorization was not granted: {error}{}; the user declined or the app is not allowed for this user: check the package's redirect URI and the user's permissions, then start the authorization again", paren(description))]
    AuthorizationDenied {
        /// The OAuth `error` code (for example `access_denied`).
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The redirect back from the authorization server could not be accepted (missing code,
    /// `state` mismatch, invalid `tssd`, ...).
    #[error(
        "refusing the authorization redirect: {problem}; start the authorization again from a fresh authorize URL"
    )]
    Callback {
        /// What was wrong.
        problem: String,
    },
    /// A token store failed to load or save tokens.
    #[error("token store {store}: {problem}")]
    Store {
        /// Which store (for example the file path).
        store: String,
        /// What went wrong and what to do.
        problem: String,
    },
    /// The SOAP API answered with a fault.
    #[error(
        "the Marketing Cloud SOAP API answered with a fault (HTTP {status}, {faultcode}): {faultstring}{}; {}",
        paren(detail),
        soap_hint(faultstring)
    )]
    SoapFault {
        /// HTTP status (MC sends faults with 500).
        status: u16,
        /// `faultcode`.
        faultcode: String,
        /// `faultstring`.
        faultstring: String,
        /// The text of `detail`, when the fault has one.
        detail: Option<String>,
    },
    /// A SOAP request was answered, but some objects failed (or a Retrieve reported an error).
    #[error("{}", soap_objects(action, overall_status, results))]
    SoapObjects {
        /// `Retrieve`, `Create`, `Update`, `Delete` or `Perform`.
        action: String,
        /// MC's `OverallStatus`.
        overall_status: String,
        /// Every object's result, the successful ones included.
        results: Vec<crate::soap::object::ObjectResult>,
    },
    /// The access could not go on because the signed-in user must authorize the app again.
    #[error("the user must authorize this app again: {reason}; send them to the authorize URL")]
    ReauthorizationRequired {
        /// Why (for example the refresh token was rejected with `invalid_grant`).
        reason: String,
    },
    /// A row handed to a bulk load cannot be sent: it could not be read from the caller's
    /// stream, is not a JSON object, or is larger than a request may be.
    #[error("{}{problem}", index.map(|i| format!("row {i} (0-based, in the order given): ")).unwrap_or_default())]
    Row {
        /// The row's position in the input (0-based), when the problem is one row's.
        index: Option<u64>,
        /// What is wrong and what to do.
        problem: String,
    },
    /// A data extension row could not be decoded into the caller's `Deserialize` type, or a
    /// value of the caller's `Serialize` type cannot be a row (refused before anything is
    /// sent). Names the row, its key values when known, and the column; values in the message
    /// are cut short, so a huge value cannot make a huge error.
    #[error("{}", row_codec_message(*row, keys, column.as_deref(), problem))]
    RowCodec {
        /// The row's position (0-based): in the query's result, the Retrieve's stream, or the
        /// slice given to an upsert; `None` for a lone row (`Row::decode`).
        row: Option<u64>,
        /// The row's primary-key columns and their values (shortened), when known.
        keys: Vec<(String, String)>,
        /// The column (or field) at fault, when the problem is one column's.
        column: Option<String>,
        /// What was expected and what was found, or why the value was refused.
        problem: String,
    },
    /// An invariant of mc-auth itself broke. Please report it.
    #[error("internal error in mc-auth: {what}; please report this as a bug")]
    Internal {
        /// What broke.
        what: String,
    },
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made (refused, DNS, TLS handshake).
    Connect,
    /// The request or the connection timed out.
    Timeout,
    /// The connection broke while the request or response was in flight.
    Io,
}

impl Error {
    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::OAuth { status, .. } | Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// True for failures that may go away if the same request is sent again later
    /// (transport errors, 429, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api { status, .. } | Error::OAuth { status, .. } => *status == 429 || *status >= 500,
            Error::UnexpectedResponse { status, .. } => *status == 429 || *status >= 500,
            Error::SoapFault { faultstring, .. } => faultstring.to_ascii_lowercase().contains("throttl"),
            _ => false,
        }
    }

    /// This error with every text field passed through `redactor` (see
    /// [`Redactor`](crate::secret::Redactor)): the last step before an error derived from a
    /// response leaves the client, so no field can carry a secret a server echoed.
    pub(crate) fn redact(self, redactor: &Redactor) -> Self {
        let r = |s: String| redactor.text(&s);
        let ro = |s: Option<String>| s.map(|s| redactor.text(&s));
        match self {
            Error::OAuth {
                status,
                error,
                description,
                uri,
                account,
                refused_secrets,
            } => Error::OAuth {
                status,
                error: r(error),
                description: ro(description),
                uri: ro(uri),
                account,
                refused_secrets,
            },
            Error::Api {
                status,
                errorcode,
                message,
                request,
                retry_after,
            } => Error::Api {
                status,
                errorcode,
                message: r(message),
                request: r(request),
                retry_after,
            },
            Error::Transport { kind, endpoint, source } => Error::Transport {
                kind,
                endpoint: r(endpoint),
                source,
            },
            Error::UnexpectedResponse {
                status,
                endpoint,
                problem,
                excerpt,
            } => Error::UnexpectedResponse {
                status,
                endpoint: r(endpoint),
                problem: r(problem),
                excerpt: r(excerpt),
            },
            Error::AuthorizationDenied { error, description } => Error::AuthorizationDenied {
                error: r(error),
                description: ro(description),
            },
            Error::Callback { problem } => Error::Callback { problem: r(problem) },
            Error::Store { store, problem } => Error::Store {
                store,
                problem: r(problem),
            },
            Error::SoapFault {
                status,
                faultcode,
                faultstring,
                detail,
            } => Error::SoapFault {
                status,
                faultcode: r(faultcode),
                faultstring: r(faultstring),
                detail: ro(detail),
            },
            Error::SoapObjects {
                action,
                overall_status,
                results,
            } => Error::SoapObjects {
                action,
                overall_status: r(overall_status),
                results: results.into_iter().map(|o| o.redact(redactor)).collect(),
            },
            Error::ReauthorizationRequired { reason } => Error::ReauthorizationRequired { reason: r(reason) },
            Error::Internal { what } => Error::Internal { what: r(what) },
            Error::Row { index, problem } => Error::Row {
                index,
                problem: r(problem),
            },
            Error::RowCodec {
                row,
                keys,
                column,
                problem,
            } => Error::RowCodec {
                row,
                keys: keys.into_iter().map(|(k, v)| (r(k), r(v))).collect(),
                column: ro(column),
                problem: r(problem),
            },
            e @ (Error::Config { .. } | Error::UntrustedEndpoint { .. } | Error::ScopesNotGranted { .. }) => e,
        }
    }

    /// True for the token endpoint's `invalid_client` (the client id or secret was refused).
    pub(crate) fn is_invalid_client(&self) -> bool {
        matches!(self, Error::OAuth { error, .. } if error == "invalid_client")
    }

    /// An `invalid_client` error with the secrets that were refused.
    pub(crate) fn with_refused_secrets(mut self, refused: Vec<RefusedSecret>) -> Self {
        if let Error::OAuth { refused_secrets, .. } = &mut self {
            *refused_secrets = refused;
        }
        self
    }

    pub(crate) fn config(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn untrusted(url: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::UntrustedEndpoint {
            url: url.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn transport(endpoint: &(impl fmt::Display + ?Sized), err: reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            TransportKind::Timeout
        } else if err.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Io
        };
        Error::Transport {
            kind,
            endpoint: endpoint.to_string(),
            source: Arc::new(err.without_url()),
        }
    }
}

fn oauth_hint(error: &str, account: Option<u64>, refused_secrets: &[RefusedSecret]) -> String {
    if error == "invalid_client" && !refused_secrets.is_empty() {
        let hint = crate::expiry::refused_hint(refused_secrets);
        return match account {
            Some(mid) => format!("{hint}; if the secret is right, check that the installed package has access to business unit {mid} (Setup > Installed Packages > the package > Access)"),
            None => hint,
        };
    }
    if let (Some(mid), "unauthorized_client" | "invalid_client" | "invalid_request" | "access_denied") =
        (account, error)
    {
        return format!("the package may not act in business unit {mid}: check that the installed package has access to that business unit (Setup > Installed Packages > the package > Access), or drop `account_id` to use the package's own business unit");
    }
    match error {
        "invalid_client" => "check the client id and secret, and that the installed package is enabled and installed in this business unit",
        "unauthorized_client" => "this package may not use this grant type; check the installed package's integration type (server-to-server, web or public app)",
        "unsupported_grant_type" => "Marketing Cloud accepts authorization_code, refresh_token and client_credentials; this is a bug in the caller if it sent another",
        "invalid_grant" => "the code or refresh token was refused (expired, already used or revoked): send the user through authorization again",
        "invalid_scope" => "request only scopes that the installed package has; edit the package or the requested scopes",
        "invalid_request" => "the token request was malformed; check the redirect URI, account_id and other parameters",
        _ => "see the error description and error_uri",
    }
    .to_owned()
}

fn soap_hint(faultstring: &str) -> &'static str {
    let f = faultstring.to_ascii_lowercase();
    if f.contains("insufficient privileges") || f.contains("permission") {
        "the token lacks a scope this object and action need: add the scope to the installed package and to the client's declared scopes (#[mc_client(scopes = \"...\")])"
    } else if f.contains("token expired") || f.contains("login failed") || f.contains("unauthorized") {
        "the token was refused even after a fresh one was obtained; check that the package is installed in this business unit and that the SOAP host belongs to this tenant"
    } else if f.contains("throttl") || f.contains("rate limit") || f.contains("too many") {
        "Marketing Cloud is throttling this client: send fewer requests and retry later"
    } else {
        "check the object type and properties against the SOAP API reference"
    }
}

fn api_hint(status: u16) -> &'static str {
    match status {
        400 => "fix the request as the message says; it will not succeed if sent again unchanged",
        401 => "the token was refused even after a fresh one was obtained; check that the package is installed in this business unit and that the REST and SOAP hosts belong to this tenant",
        403 => "the token lacks a scope this operation needs: add the scope to the installed package and to the client's declared scopes (#[mc_client(scopes = \"...\")])",
        404 => "check the path, key or id",
        409 => "the resource is in a conflicting state; read it again and retry",
        429 => "Marketing Cloud is throttling this client: wait for Retry-After and send fewer requests",
        s if s >= 500 => "Marketing Cloud failed to handle the request; retry later with backoff",
        _ => "see the message from Marketing Cloud",
    }
}

/// ` (text)`, or nothing when absent or empty.
fn paren(text: &Option<String>) -> String {
    match text.as_deref() {
        Some(t) if !t.is_empty() => format!(" ({t})"),
        _ => String::new(),
    }
}

fn transport_what(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Connect => "could not connect to",
        TransportKind::Timeout => "timed out talking to",
        TransportKind::Io => "lost the connection to",
    }
}

/// The error and its causes: the root cause (DNS, refused, TLS) is what users need, and
/// reqwest keeps it in the source chain, not in its own message.
fn with_causes(source: &(dyn std::error::Error + 'static)) -> String {
    let mut out = source.to_string();
    let mut cause = source.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

fn scopes_not_granted(client: &str, missing: &[String], granted: &[String]) -> String {
    let plural = if missing.len() > 1 { "s" } else { "" };
    let missing: Vec<String> = missing.iter().map(|s| format!("`{s}`")).collect();
    let granted = if granted.is_empty() {
        "none".to_owned()
    } else {
        granted.join(" ")
    };
    format!(
        "Marketing Cloud did not grant {client} the scope{plural} {} (granted: {granted}); add the missing scope{plural} to the installed package in Setup > Apps > Installed Packages (changes take up to 5 minutes to reach new tokens)",
        missing.join(", ")
    )
}

fn row_codec_message(row: Option<u64>, keys: &[(String, String)], column: Option<&str>, problem: &str) -> String {
    let mut out = match row {
        Some(i) => format!("row {i}"),
        None => "row".to_owned(),
    };
    if !keys.is_empty() {
        let keys: Vec<String> = keys.iter().map(|(k, v)| format!("{k} {v:?}")).collect();
        out.push_str(&format!(" ({})", keys.join(", ")));
    }
    if let Some(column) = column {
        out.push_str(&format!(": column {column:?}"));
    }
    out.push_str(": ");
    out.push_str(problem);
    out
}

fn soap_objects(action: &str, overall_status: &str, results: &[crate::soap::object::ObjectResult]) -> String {
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.is_ok())
        .map(|r| {
            format!(
                "#{}: {}{}",
                r.ordinal.map(|o| o.to_string()).unwrap_or_else(|| "?".into()),
                r.status_message.as_deref().unwrap_or("error"),
                r.error_code.map(|c| format!(" (ErrorCode {c})")).unwrap_or_default()
            )
        })
        .collect();
    let mut out = format!("SOAP {action} failed: {overall_status}");
    if !failed.is_empty() {
        out.push_str(&format!(
            "; {} of {} object(s) failed: {}",
            failed.len(),
            results.len(),
            failed.join("; ")
        ));
    }
    out.push_str("; fix the objects named and send only those again");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_not_granted_names_each_scope_and_the_fix() {
        let e = Error::ScopesNotGranted {
            client: "Mailer".into(),
            missing: vec!["email_send".into(), "sms_send".into()],
            granted: vec!["email_read".into()],
        };
        let s = e.to_string();
        assert!(s.contains("`email_send`, `sms_send`"), "{s}");
        assert!(s.contains("Installed Packages"), "{s}");
        assert!(s.contains("5 minutes"), "{s}");
    }

    #[test]
    fn transient_classification() {
        let api = |status| Error::Api {
            status,
            errorcode: None,
            message: String::new(),
            request: "GET /".into(),
            retry_after: None,
        };
        assert!(api(429).is_transient());
        assert!(api(503).is_transient());
        assert!(!api(400).is_transient());
        assert!(!api(403).is_transient());
    }
}
