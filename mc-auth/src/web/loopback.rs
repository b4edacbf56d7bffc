//! A redirect receiver on `127.0.0.1` for command-line and desktop apps.
//!
//! MC accepts only HTTPS redirect URIs (`https://127.0.0.1:80/` is its documented local one),
//! so the receiver serves HTTPS with a self-signed certificate made at run time. The browser
//! warns about the certificate once; the page it then shows says the window can be closed.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::app::{App, FromClient};
use super::AuthorizeOptions;
use crate::error::{Error, Result};

/// Longest request head accepted from the browser.
const MAX_REQUEST: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

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
    path: String,
    redirect_uri: String,
}

impl LoopbackReceiver {
    /// Binds `addr` (a loopback address; port 0 picks a free one) and serves `path`.
    pub async fn bind(addr: SocketAddr, path: &str) -> Result<Self> {
        if !addr.ip().is_loopback() {
            return Err(Error::config(
                "loopback receiver",
                format!("{addr} is not a loopback address; use 127.0.0.1"),
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
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(|e| Error::Internal {
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
        let port = if local.port() == 443 {
            String::new()
        } else {
            format!(":{}", local.port())
        };
        let redirect_uri = format!("https://{}{port}{path}", local.ip());
        Ok(LoopbackReceiver {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificate,
            path: path.to_owned(),
            redirect_uri,
        })
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
    pub async fn wait_for_redirect(&self) -> Result<String> {
        loop {
            let (tcp, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| Error::config("loopback receiver", format!("accept failed ({e})")))?;
            let Ok(Ok(mut tls)) = tokio::time::timeout(READ_TIMEOUT, self.acceptor.accept(tcp)).await else {
                continue;
            };
            let Ok(Ok(Some(target))) = tokio::time::timeout(READ_TIMEOUT, read_request_target(&mut tls)).await else {
                let _ = respond(&mut tls, "400 Bad Request", "Bad request").await;
                continue;
            };
            let path_only = target.split('?').next().unwrap_or("");
            if path_only != self.path {
                let _ = respond(&mut tls, "404 Not Found", "Not found").await;
                continue;
            }
            let _ = respond(&mut tls, "200 OK", DONE_PAGE).await;
            return Ok(format!("{}{}", self.redirect_uri.trim_end_matches(&self.path), target));
        }
    }

    /// The whole flow: makes the authorize URL (state and PKCE), hands it to `open` (print it
    /// or open a browser), waits for the redirect, and completes the exchange.
    ///
    /// The app's redirect URI must equal [`redirect_uri`](Self::redirect_uri).
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
        let redirect = self.wait_for_redirect().await?;
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
