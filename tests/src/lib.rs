//! Shared helpers for mc-auth's integration tests.
#![forbid(unsafe_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

pub mod redis_server;

/// The vectors from MC's documentation, copied into `tests/fixtures`.
pub mod fixtures {
    /// `POST /v2/token` body for client credentials, as MC documents it.
    pub const CLIENT_CREDENTIALS_REQUEST: &str = include_str!("../fixtures/client-credentials-request.json");
    /// A client-credentials token response.
    pub const TOKEN_RESPONSE_CLIENT_CREDENTIALS: &str =
        include_str!("../fixtures/token-response-client-credentials.json");
    /// An authorization-code token response.
    pub const TOKEN_RESPONSE_AUTHORIZATION_CODE: &str =
        include_str!("../fixtures/token-response-authorization-code.json");
    /// The documented authorize URL.
    pub const AUTHORIZE_URL: &str = include_str!("../fixtures/authorize-url.txt");
}

/// A path for a token store file in a new, empty temporary directory of its own.
pub fn temp_store_path(name: &str) -> std::path::PathBuf {
    use std::hash::{BuildHasher, Hasher};
    let unique = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let dir = std::env::temp_dir().join(format!("mc-auth-{}-{name}-{unique}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("tokens")
}

/// Fails the test unless `err` is a transport timeout (the request ran out of time).
#[track_caller]
pub fn assert_timeout(err: &mc_auth::Error) {
    assert!(
        matches!(
            err,
            mc_auth::Error::Transport {
                kind: mc_auth::TransportKind::Timeout,
                ..
            }
        ),
        "expected a timeout, got {err:?}"
    );
}

/// A `tracing` writer that keeps everything written, to search logs for secrets.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Everything logged so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Installs a TRACE-level subscriber writing here, for the current thread, until the guard
    /// is dropped.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(self.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A forwarding HTTP proxy on loopback that keeps a copy of everything clients send through
/// it, to prove which requests went via the proxy.
pub struct RecordingProxy {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl RecordingProxy {
    /// Starts the proxy on an OS-assigned port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<u8>>> = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(proxy_connection(client, log.clone()));
            }
        });
        RecordingProxy { url, seen }
    }

    /// Everything clients sent through the proxy, as text.
    pub fn seen(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned()
    }

    /// Panics unless the proxy carried a token request, a REST GET of `rest_path` and a SOAP
    /// call to the fake at `base` (`http://127.0.0.1:PORT`).
    pub fn assert_carried_auth_rest_and_soap(&self, base: &str, rest_path: &str) {
        let seen = self.seen();
        for line in [
            format!("POST {base}/v2/token HTTP/1.1"),
            format!("GET {base}{rest_path} HTTP/1.1"),
            format!("POST {base}/Service.asmx HTTP/1.1"),
        ] {
            assert!(seen.contains(&line), "the proxy did not carry `{line}`:\n{seen}");
        }
    }
}

async fn proxy_connection(mut client: tokio::net::TcpStream, log: Arc<Mutex<Vec<u8>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Read the first request head to learn the target (absolute-form: `GET http://host:port/...`).
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let first = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_owned();
    let Some(authority) = first
        .split(' ')
        .nth(1)
        .and_then(|t| t.strip_prefix("http://"))
        .and_then(|t| t.split('/').next())
    else {
        return;
    };
    let Ok(mut upstream) = tokio::net::TcpStream::connect(authority).await else {
        return;
    };
    log.lock().unwrap().extend_from_slice(&head);
    if upstream.write_all(&head).await.is_err() {
        return;
    }
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = upstream.into_split();
    let up = tokio::spawn(async move {
        let mut buf = [0u8; 8192];
        loop {
            match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    log.lock().unwrap().extend_from_slice(&buf[..n]);
                    if uw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    let _ = tokio::io::copy(&mut ur, &mut cw).await;
    up.abort();
}
