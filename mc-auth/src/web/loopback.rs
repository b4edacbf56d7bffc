//! A redirect receiver on `127.0.0.1` for command-line and desktop apps.
//!
//! MC accepts only HTTPS redirect URIs (`https://127.0.0.1:80/` is its documented local one),
//! so the receiver serves HTTPS with a self-signed certificate made at run time. The browser
//! warns about the certificate once; the page it then shows says the window can be closed.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::app::{App, FromClient};
use super::callback::state_matches;
use super::state::CsrfState;
use super::AuthorizeOptions;
use crate::error::{Error, Result};

/// Longest request head accepted from the browser.
const MAX_REQUEST: usize = 16 * 1024;
/// How long one browser connection may take, from accept to the end of its request head
/// (TLS handshake included). Connections are served concurrently, so a slow or idle one
/// delays only itself.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// Most connections served at once; further ones wait in the listen queue until one ends
/// (at the latest after [`CONNECTION_TIMEOUT`]).
const MAX_CONNECTIONS: usize = 32;
/// How long [`LoopbackReceiver::wait_for_redirect`] and the `authorize` methods wait for the
/// redirect by default: time for the user to sign in, with margin.
const DEFAULT_WAIT_LIMIT: Duration = Duration::from_secs(10 * 60);

const REFUSED_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Not signed in</title></head><body style=\"font-family: sans-serif\"><h1>This sign-in link is not valid here</h1><p>It does not belong to the sign-in this application started, or it has expired. Start the sign-in again from the application.</p></body></html>";
const NOT_COMPLETED_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Not signed in</title></head><body style=\"font-family: sans-serif\"><h1>The sign-in was not completed</h1><p>You can close this window; the application says why.</p></body></html>";

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Signed in</title></head><body style=\"font-family: sans-serif\"><h1>You are signed in</h1><p>You can close this window and return to the application.</p></body></html>";

/// Listens on `127.0.0.1` over HTTPS for the authorization redirect.
///
/// ```no_run
/// # async fn run(app: mc_auth::web::App) -> mc_auth::Result<()> {
/// use mc_auth::web::LoopbackReceiver;
/// // The package's redirect URI must be exactly this (for example https://127.0.0.1:80/).
/// let receiver = LoopbackReceiver::bind("127.0.0.1:80".parse().unwrap(), "/").await?;
/// let client = receiver
///     .authorize(&app, |url| println!("Open this URL in your browser: {url}"))
///     .await?;
/// # Ok(()) }
/// ```
pub struct LoopbackReceiver {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    certificate: CertificateDer<'static>,
    path: Arc<str>,
    /// `https://127.0.0.1:PORT` or `https://[::1]:PORT` (no port for 443).
    origin: String,
    redirect_uri: String,
    wait_limit: Duration,
}

impl LoopbackReceiver {
    /// Binds `addr` (a loopback address; port 0 picks a free one) and serves `path`.
    pub async fn bind(addr: SocketAddr, path: &str) -> Result<Self> {
        if !addr.ip().is_loopback() {
            return Err(Error::config(
                "loopback receiver",
                format!("{addr} is not a loopback address; use 127.0.0.1 (or [::1])"),
            ));
        }
        if !path.starts_with('/') {
            return Err(Error::config(
                "loopback receiver",
                format!("the path `{path}` must start with `/`"),
            ));
        }
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            Error::config(
                "loopback receiver",
                format!("cannot listen on {addr} ({e}); pick another port"),
            )
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::config("loopback receiver", format!("no local address ({e})")))?;
        let names = vec![local.ip().to_string(), "localhost".to_owned()];
        let certified = rcgen::generate_simple_self_signed(names).map_err(|e| Error::Internal {
            what: format!("could not make a self-signed certificate ({e})"),
        })?;
        let certificate = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(vec![certificate.clone()], key))
            .map_err(|e| Error::Internal {
                what: format!("could not configure TLS ({e})"),
            })?;
        let origin = origin(local);
        let redirect_uri = format!("{origin}{path}");
        Ok(LoopbackReceiver {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificate,
            path: Arc::from(path),
            origin,
            redirect_uri,
            wait_limit: DEFAULT_WAIT_LIMIT,
        })
    }

    /// How long to wait for the redirect before giving up with [`Error::Callback`]
    /// (10 minutes unless set). Each connection is also limited to
    /// 30 seconds, and at most 32 are served at once.
    pub fn wait_limit(mut self, limit: Duration) -> Self {
        self.wait_limit = limit;
        self
    }

    /// The redirect URI this receiver serves (register it on the package).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The self-signed certificate (DER), for clients that should trust it (tests).
    pub fn certificate_der(&self) -> &[u8] {
        self.certificate.as_ref()
    }

    /// Serves requests until one arrives on the redirect path; answers it with a short "you
    /// can close this window" page and returns the full redirect URL. Other paths get 404
    /// (browsers ask for `/favicon.ico`); broken connections are skipped.
    ///
    /// This does not check the redirect's `state`, so any request on the path ends the wait:
    /// prefer [`wait_for_redirect_with_state`](Self::wait_for_redirect_with_state) (which the
    /// `authorize` methods use), and check the state yourself (for example with
    /// [`App::complete`]) if you use this one.
    pub async fn wait_for_redirect(&self) -> Result<String> {
        self.serve(None).await
    }

    /// Serves requests until the redirect carrying `state` arrives (the one the authorization
    /// started here will get); answers it with a short "you can close this window" page and
    /// returns the full redirect URL.
    ///
    /// A request on the redirect path with a missing or different `state` (forged, or left
    /// over from an earlier attempt) gets a 400 page, and the wait goes on. Other paths get
    /// 404. Connections are served concurrently (at most 32 at once, each for at most 30
    /// seconds), so an idle or slow one never holds up the real redirect. The whole wait
    /// lasts at most the [`wait_limit`](Self::wait_limit) (10 minutes by default), then
    /// fails with [`Error::Callback`].
    pub async fn wait_for_redirect_with_state(&self, state: &CsrfState) -> Result<String> {
        self.serve(Some(state.clone())).await
    }

    async fn serve(&self, state: Option<CsrfState>) -> Result<String> {
        let state = state.map(Arc::new);
        // Dropped on return, which aborts every connection still being served.
        let mut connections = JoinSet::new();
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let (found_tx, mut found) = mpsc::channel::<String>(1);
        let deadline = tokio::time::sleep(self.wait_limit);
        tokio::pin!(deadline);
        loop {
            while connections.try_join_next().is_some() {}
            let permit = tokio::select! {
                biased;
                Some(target) = found.recv() => return Ok(format!("{}{target}", self.origin)),
                () = &mut deadline => return Err(self.gave_up()),
                permit = Arc::clone(&permits).acquire_owned() => permit.map_err(|e| Error::Internal {
                    what: format!("the loopback receiver's connection limit failed ({e})"),
                })?,
            };
            let tcp = tokio::select! {
                biased;
                Some(target) = found.recv() => return Ok(format!("{}{target}", self.origin)),
                () = &mut deadline => return Err(self.gave_up()),
                accepted = self.listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(e) => return Err(Error::config("loopback receiver", format!("accept failed ({e}); start the authorization again"))),
                },
            };
            let connection = Connection {
                acceptor: self.acceptor.clone(),
                path: Arc::clone(&self.path),
                state: state.clone(),
                found: found_tx.clone(),
            };
            connections.spawn(async move {
                let _permit = permit;
                let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection.serve(tcp)).await;
            });
        }
    }

    fn gave_up(&self) -> Error {
        Error::Callback {
            problem: format!(
                "no redirect arrived at {} within {} s (the user did not finish signing in, or the package's redirect URI is not this one)",
                self.redirect_uri,
                self.wait_limit.as_secs()
            ),
        }
    }

    /// The whole flow: makes the authorize URL (state and PKCE), hands it to `open` (print it
    /// or open a browser), waits for the redirect, and completes the exchange.
    ///
    /// The app's redirect URI must equal [`redirect_uri`](Self::redirect_uri). Requests with
    /// another `state` are refused and the wait goes on, for at most the
    /// [`wait_limit`](Self::wait_limit).
    pub async fn authorize<C: FromClient>(&self, app: &App<C>, open: impl FnOnce(&str)) -> Result<C> {
        self.authorize_with(app, AuthorizeOptions::default(), open).await
    }

    /// [`authorize`](Self::authorize) with options (user identifier, state, PKCE).
    pub async fn authorize_with<C: FromClient>(
        &self,
        app: &App<C>,
        options: AuthorizeOptions,
        open: impl FnOnce(&str),
    ) -> Result<C> {
        let (url, pending) = app.authorize_url_with(options)?;
        open(&url);
        let redirect = self.wait_for_redirect_with_state(pending.state()).await?;
        app.complete(pending, &redirect).await
    }
}

impl fmt::Debug for LoopbackReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackReceiver")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// `https://HOST[:PORT]` for a bound address, IPv6 hosts in brackets; no port for 443.
fn origin(local: SocketAddr) -> String {
    let host = match local.ip() {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    if local.port() == 443 {
        format!("https://{host}")
    } else {
        format!("https://{host}:{}", local.port())
    }
}

/// What one connection's task needs.
struct Connection {
    acceptor: TlsAcceptor,
    path: Arc<str>,
    /// The state the redirect must carry; `None` accepts any request on the path.
    state: Option<Arc<CsrfState>>,
    /// Where the accepted request target goes.
    found: mpsc::Sender<String>,
}

impl Connection {
    /// Serves one connection (the caller bounds its time): one request, one answer.
    async fn serve(self, tcp: TcpStream) {
        let Ok(mut tls) = self.acceptor.accept(tcp).await else {
            return;
        };
        let Ok(Some(target)) = read_request_target(&mut tls).await else {
            let _ = respond(&mut tls, "400 Bad Request", "Bad request").await;
            return;
        };
        let (path_only, query) = target.split_once('?').unwrap_or((&target, ""));
        if path_only != &*self.path {
            let _ = respond(&mut tls, "404 Not Found", "Not found").await;
            return;
        }
        if let Some(state) = &self.state {
            if !state_matches(query, state) {
                let _ = respond(&mut tls, "400 Bad Request", REFUSED_PAGE).await;
                return;
            }
        }
        let denied = url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "error");
        let page = if denied { NOT_COMPLETED_PAGE } else { DONE_PAGE };
        // Answer first: once the target is handed over the wait ends and this task is dropped.
        let _ = respond(&mut tls, "200 OK", page).await;
        let _ = self.found.try_send(target);
    }
}

/// Reads a request head and returns its target (`/path?query`) for `GET`; `None` otherwise.
async fn read_request_target<S: AsyncReadExt + Unpin>(stream: &mut S) -> std::io::Result<Option<String>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() + n > MAX_REQUEST {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Ok(Some(target.to_owned())),
        _ => Ok(None),
    }
}

async fn respond<S: AsyncWriteExt + Unpin>(stream: &mut S, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
