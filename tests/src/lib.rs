//! Shared helpers for mc-auth's integration tests.
#![forbid(unsafe_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

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
