//! [`Client`]: a Marketing Cloud API client for one installed package, with its token cache.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt};
use reqwest::header::HeaderValue;
use reqwest::Method;

use crate::cache::{CacheKey, Partition, TokenSource};
use crate::clock::Clock;
use crate::credentials::{AccountId, Credentials};
use crate::endpoint::AuthBase;
use crate::error::{Error, Result};
use crate::grant::{request_token, ClientCredentialsBody, Resend, TokenEndpoint};
use crate::request::{Base, RequestBuilder};
use crate::retry::RetryPolicy;
use crate::scopes::ScopeSet;
use crate::secret::ClientSecret;
use crate::token::{RefreshPolicy, Token};
use crate::userinfo::UserInfo;

/// Default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit for a whole request, response body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on API response bodies.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;

/// Configures a [`Client`]. Start with [`Client::builder`].
#[must_use = "a builder does nothing until you call `connect` or `build`"]
pub struct ClientBuilder {
    credentials: Credentials,
    scopes: Option<ScopeSet>,
    name: Cow<'static, str>,
    refresh: RefreshPolicy,
    clock: Clock,
    http: HttpSettings,
    max_body: usize,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// The scopes to request. Without this, the token carries every scope of the installed
    /// package (MC's rule when `scope` is omitted) and no grant check is made.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.scopes = Some(ScopeSet::new(scopes));
        self
    }

    /// The name used for this client in errors and logs (the `#[mc_client]` type's name).
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    /// Start refreshing this long before expiry (default 5 minutes, with jitter).
    pub fn refresh_window(mut self, window: Duration) -> Self {
        self.refresh.refresh_window = window;
        self
    }

    /// Stop handing out a token this long before expiry (default 30 seconds).
    pub fn hard_margin(mut self, margin: Duration) -> Self {
        self.refresh.hard_margin = margin;
        self
    }

    /// Replaces the whole refresh policy.
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.refresh = policy;
        self
    }

    /// The clock expiry is measured on (tests inject a [`ManualClock`](crate::ManualClock)).
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Limit for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// Limit for one whole request, from connecting to the last byte of the body (default
    /// 60 s). A request that runs out of time fails with a timeout
    /// [`Error::Transport`](crate::Error::Transport), and is retried per the
    /// [`RetryPolicy`] when it is idempotent.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.http.request_timeout = Some(timeout);
        self
    }

    /// Sends requests without a total time limit; the connect timeout still applies. For
    /// calls known to run long, or when you put your own limit around each call with
    /// `tokio::time::timeout`. Saves a timer per request.
    pub fn no_request_timeout(mut self) -> Self {
        self.http.request_timeout = None;
        self
    }

    /// The `User-Agent` header (default `mc-auth/<version>`), for example to name your
    /// application to Marketing Cloud support: `"acme-sync/2.1 mc-auth/0.1"`. An invalid
    /// header value is a [`Error::Config`](crate::Error::Config) from
    /// [`build`](Self::build).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.http.user_agent = Some(Cow::Owned(value.into()));
        self
    }

    /// Sends no `User-Agent` header.
    pub fn no_user_agent(mut self) -> Self {
        self.http.user_agent = None;
        self
    }

    /// Largest API response body accepted (default 32 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// When token requests and API calls are sent again after a transient failure (see
    /// [`RetryPolicy`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends auth, REST and SOAP requests through this proxy (`http://host:port`). Without
    /// it, the standard `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` variables apply.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.http.proxy = Some(url.into());
        self
    }

    /// Builds the client without any network traffic; the first call fetches a token.
    pub fn build(self) -> Result<Client> {
        self.credentials.validate()?;
        let auth = self.credentials.auth_base()?;
        let http = self.http.build()?;
        let account = self.credentials.account_id;
        let core = Arc::new(Core {
            http,
            auth,
            tenant: self.credentials.subdomain,
            client_id: self.credentials.client_id,
            client_secret: Some(self.credentials.client_secret),
            scopes: self.scopes,
            name: self.name,
            refresh: self.refresh,
            clock: self.clock,
            max_body: self.max_body,
            partitions: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            grant: Grant::ClientCredentials,
            retry: self.retry,
        });
        Ok(Client::from_core(core, account))
    }

    /// Builds the client and fetches its first token, checking that every requested scope
    /// was granted.
    pub async fn connect(self) -> Result<Client> {
        let client = self.build()?;
        client.token().await?;
        Ok(client)
    }
}

/// A Marketing Cloud client: credentials, a connection pool and a token cache.
///
/// Cheap to clone; clones share the cache and the connection pool. Every request gets its
/// token from the cache. Most code uses a `#[mc_client]` type, which wraps a `Client` and
/// checks scopes at compile time; a plain `Client` is the untyped escape hatch.
#[derive(Clone)]
pub struct Client {
    /// One allocation, so that a clone is one reference-count increment (clones are made per
    /// request and per task, often on several threads at once).
    handle: Arc<Handle>,
}

/// What a [`Client`] handle holds.
struct Handle {
    core: Arc<Core>,
    partition: Arc<Partition>,
}

/// The `User-Agent` sent unless a client says otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!("mc-auth/", env!("CARGO_PKG_VERSION"));

/// Connection settings shared by every client type.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub connect_timeout: Duration,
    /// `None`: no total limit per request.
    pub request_timeout: Option<Duration>,
    pub proxy: Option<String>,
    pub user_agent: Option<Cow<'static, str>>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            proxy: None,
            user_agent: Some(Cow::Borrowed(DEFAULT_USER_AGENT)),
        }
    }
}

impl HttpSettings {
    /// An HTTP client that never follows redirects.
    pub fn build(&self) -> Result<reqwest::Client> {
        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout);
        if let Some(timeout) = self.request_timeout {
            http = http.timeout(timeout);
        }
        match &self.user_agent {
            // A static value: copying it into each request touches no shared reference count.
            Some(Cow::Borrowed(ua)) => http = http.user_agent(HeaderValue::from_static(ua)),
            Some(Cow::Owned(ua)) => {
                let value = HeaderValue::try_from(ua.as_str()).map_err(|_| {
                    Error::config(
                        "user agent",
                        format!(
                            "`{}` is not a valid header value (printable ASCII only)",
                            ua.escape_debug()
                        ),
                    )
                })?;
                http = http.user_agent(value);
            }
            None => {}
        }
        if let Some(p) = &self.proxy {
            let proxy = reqwest::Proxy::all(p)
                .map_err(|e| Error::config("proxy", format!("`{p}` is not a proxy URL ({e})")))?;
            http = http.proxy(proxy);
        }
        http.build()
            .map_err(|e| Error::config("HTTP client", format!("could not be built ({e})")))
    }
}

/// How a client gets its tokens.
pub(crate) enum Grant {
    /// Server-to-server: client id and secret.
    ClientCredentials,
    /// A signed-in user's refresh token (web and public apps).
    User(Arc<crate::web::UserGrant>),
}

/// What clones and `for_account` handles of one client share.
pub(crate) struct Core {
    pub http: reqwest::Client,
    pub auth: AuthBase,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: Option<ClientSecret>,
    pub scopes: Option<ScopeSet>,
    pub name: Cow<'static, str>,
    pub refresh: RefreshPolicy,
    pub clock: Clock,
    pub max_body: usize,
    pub partitions: Mutex<HashMap<Option<AccountId>, Arc<Partition>>>,
    pub counters: Counters,
    pub grant: Grant,
    pub retry: RetryPolicy,
}

/// Counters a client keeps (shared by clones and `for_account` handles).
#[derive(Default)]
pub(crate) struct Counters {
    pub token_requests: AtomicU64,
    pub background_refreshes: AtomicU64,
    pub unauthorized_recoveries: AtomicU64,
    pub retries: AtomicU64,
}

/// A snapshot of a client's counters. See [`Client::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Token requests sent.
    pub token_requests: u64,
    /// Background (refresh-ahead) token requests started.
    pub background_refreshes: u64,
    /// 401 responses recovered from by getting a new token and retrying once.
    pub unauthorized_recoveries: u64,
    /// Requests sent again after a transient failure.
    pub retries: u64,
}

impl Core {
    fn partition(&self, account: Option<AccountId>) -> Arc<Partition> {
        let mut map = self.partitions.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(map.entry(account).or_insert_with(|| {
            Arc::new(Partition::new(CacheKey {
                tenant: self.tenant.clone(),
                client_id: self.client_id.clone(),
                account,
                scopes: self.scopes.clone(),
            }))
        }))
    }

    /// Secrets that must never appear in an error from this client.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.client_secret.iter().map(ClientSecret::expose_secret).collect()
    }

    async fn fetch_client_credentials(self: Arc<Self>, account: Option<AccountId>) -> Result<Token> {
        let Some(secret) = &self.client_secret else {
            return Err(Error::Internal {
                what: "a client-credentials client has no client secret".into(),
            });
        };
        let body = ClientCredentialsBody {
            grant_type: "client_credentials",
            client_id: &self.client_id,
            client_secret: secret.expose_secret(),
            scope: self.scopes.as_ref().map(ToString::to_string),
            account_id: account.map(|a| a.to_string()),
        };
        let span = tracing::info_span!(
            "mc_auth.token_request",
            grant = "client_credentials",
            tenant = %self.tenant,
            client = %self.name,
            account = ?account.map(|a| a.0),
            outcome = tracing::field::Empty,
        );
        let _enter = span.enter();
        self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
        drop(_enter);
        let result = async {
            let (resp, received) =
                request_token(&self.token_endpoint(), &body, Resend::Freely, &self.secrets()).await?;
            let token = Token::from_response(resp, account, received, self.auth.policy, &self.refresh)?;
            self.check_granted(&token)?;
            Ok(token)
        }
        .await;
        span.record("outcome", if result.is_ok() { "ok" } else { "error" });
        match &result {
            Ok(t) => {
                tracing::info!(parent: &span, lifetime_s = t.lifetime().as_secs(), scopes = %t.scopes, "token received")
            }
            Err(e) => tracing::info!(parent: &span, error = %e, "token request failed"),
        }
        result
    }
}

impl Core {
    /// The token endpoint of this client.
    pub(crate) fn token_endpoint(&self) -> TokenEndpoint<'_> {
        TokenEndpoint {
            http: &self.http,
            auth: &self.auth,
            clock: &self.clock,
            retry: &self.retry,
            counters: &self.counters,
        }
    }

    /// Fails with [`Error::ScopesNotGranted`] unless `token` carries every declared scope.
    pub(crate) fn check_granted(&self, token: &Token) -> Result<()> {
        if let Some(requested) = &self.scopes {
            let missing = requested.missing_from(&token.scopes);
            if !missing.is_empty() {
                return Err(Error::ScopesNotGranted {
                    client: self.name.to_string(),
                    missing,
                    granted: token.scopes.to_vec(),
                });
            }
        }
        Ok(())
    }
}

impl TokenSource for Core {
    fn fetch(self: Arc<Self>, account: Option<AccountId>) -> BoxFuture<'static, Result<Token>> {
        match &self.grant {
            Grant::ClientCredentials => self.fetch_client_credentials(account).boxed(),
            Grant::User(user) => Arc::clone(user).refresh(self, account).boxed(),
        }
    }

    fn note_background_refresh(&self) {
        self.counters.background_refreshes.fetch_add(1, Ordering::Relaxed);
    }
}

impl Client {
    /// Starts configuring a client for an installed package.
    ///
    /// ```no_run
    /// # async fn run() -> mc_auth::Result<()> {
    /// let client = mc_auth::Client::builder(mc_auth::Credentials::from_env()?)
    ///     .scopes(["email_read", "email_send"])
    ///     .connect()
    ///     .await?;
    /// let definitions = client.get("/messaging/v1/email/definitions").send().await?;
    /// println!("{}", definitions.text()?);
    /// # Ok(()) }
    /// ```
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            scopes: None,
            name: Cow::Borrowed("Client"),
            refresh: RefreshPolicy::default(),
            clock: Clock::System,
            http: HttpSettings::default(),
            max_body: DEFAULT_MAX_BODY,
            retry: RetryPolicy::default(),
        }
    }

    /// A handle acting in business unit `mid`: same credentials, scopes and connection pool,
    /// its own token partition (tokens requested with `account_id = mid`). Handles for the same
    /// MID share one partition.
    pub fn for_account(&self, mid: impl Into<AccountId>) -> Client {
        Client::from_core(Arc::clone(self.core()), Some(mid.into()))
    }

    /// The state shared by every handle of this client.
    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.handle.core
    }

    /// This handle's token partition.
    pub(crate) fn partition(&self) -> &Arc<Partition> {
        &self.handle.partition
    }

    pub(crate) fn from_core(core: Arc<Core>, account: Option<AccountId>) -> Client {
        let partition = core.partition(account);
        Client {
            handle: Arc::new(Handle { core, partition }),
        }
    }

    /// A usable access token, from the cache or freshly requested (one request however many
    /// tasks ask at once).
    #[inline]
    pub async fn token(&self) -> Result<Arc<Token>> {
        self.partition().get(self.core(), &self.core().clock).await
    }

    /// Runs `f` on a usable token: this thread's remembered one when it is current (no
    /// reference count touched), else one from [`token`](Self::token).
    pub(crate) async fn with_token<R>(&self, f: impl Fn(&Token) -> R) -> Result<R> {
        if let Some(r) = self.partition().with_remembered(&self.core().clock, &f) {
            return Ok(r);
        }
        let token = self.token().await?;
        Ok(f(&token))
    }

    /// The cached token, if any, without fetching or checking expiry.
    pub fn cached_token(&self) -> Option<Arc<Token>> {
        self.partition().peek()
    }

    /// Forgets the cached token if it is still `used` (call this when MC refused it).
    pub fn invalidate(&self, used: &Arc<Token>) -> bool {
        self.partition().invalidate(used)
    }

    /// The declared scopes, if any were given.
    pub fn scopes(&self) -> Option<&ScopeSet> {
        self.core().scopes.as_ref()
    }

    /// The client's name (the `#[mc_client]` type name, or `Client`).
    pub fn name(&self) -> &str {
        &self.core().name
    }

    /// The business unit this handle acts in, if one was set.
    pub fn account_id(&self) -> Option<AccountId> {
        self.partition().key().account
    }

    /// The tenant subdomain.
    pub fn subdomain(&self) -> &str {
        &self.core().tenant
    }

    /// The clock this client reads expiry from.
    pub fn clock(&self) -> &Clock {
        &self.core().clock
    }

    /// A snapshot of the counters (shared by clones and `for_account` handles).
    pub fn stats(&self) -> Stats {
        let c = &self.core().counters;
        Stats {
            token_requests: c.token_requests.load(Ordering::Relaxed),
            background_refreshes: c.background_refreshes.load(Ordering::Relaxed),
            unauthorized_recoveries: c.unauthorized_recoveries.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }

    /// A REST request to `path` under the tenant's REST instance URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), Base::Rest, method, path)
    }

    /// `GET path` on the REST host.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// `POST path` on the REST host.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// `PUT path` on the REST host.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }

    /// `PATCH path` on the REST host.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }

    /// `DELETE path` on the REST host.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// `GET /v2/userinfo` on the auth host: who the token belongs to (no scope needed).
    pub async fn userinfo(&self) -> Result<UserInfo> {
        RequestBuilder::new(self.clone(), Base::Auth, Method::GET, "/v2/userinfo")
            .send()
            .await?
            .json()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("name", &self.core().name)
            .field("subdomain", &self.core().tenant)
            .field("client_id", &self.core().client_id)
            .field("account_id", &self.account_id())
            .field("scopes", &self.core().scopes)
            .field("auth_url", &self.core().auth.base.as_str())
            .finish_non_exhaustive()
    }
}
