//! [`Client`]: a Marketing Cloud API client for one installed package, with its token cache.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
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
use crate::grant::{ClientCredentials, Grant, TokenEndpoint};
use crate::request::{Base, CallOptions, RequestBuilder};
use crate::retry::RetryPolicy;
use crate::rotation::{NewSecret, Secrets};
use crate::scopes::ScopeSet;
use crate::secret::Redactor;
use crate::shared_flight::SharedTier;
use crate::stats::{Counters, Stats};
use crate::store::TokenCache;
use crate::token::{RefreshPolicy, Token};
use crate::userinfo::UserInfo;

/// Default limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit for a whole request, response body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on API response bodies.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;
/// Default deadline of one token fetch when there is no request timeout to derive it from.
pub const DEFAULT_TOKEN_DEADLINE: Duration = Duration::from_secs(60);

/// How a client talks to Marketing Cloud: timeouts, proxy, `User-Agent`, body cap, retries,
/// token renewal and the clock. Shared by every kind of client: [`ClientBuilder`] for
/// server-to-server packages and [`App::with_settings`](crate::web::App::with_settings) for
/// web and public apps, so both are built by the same code with the same settings.
#[derive(Debug, Clone)]
#[must_use = "settings do nothing until given to a builder or an app"]
pub struct ClientSettings {
    refresh: RefreshPolicy,
    pub(crate) clock: Clock,
    http: HttpSettings,
    max_body: usize,
    retry: RetryPolicy,
    token_deadline: Option<Duration>,
    shared: Option<Arc<dyn TokenCache>>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            refresh: RefreshPolicy::default(),
            clock: Clock::System,
            http: HttpSettings::default(),
            max_body: DEFAULT_MAX_BODY,
            retry: RetryPolicy::default(),
            token_deadline: None,
            shared: None,
        }
    }
}

/// The setters of [`ClientSettings`], also offered by [`ClientBuilder`].
macro_rules! settings_setters {
    ($($field:tt)*) => {
        /// Start refreshing this long before expiry (default 5 minutes, with jitter; at most
        /// half a token's lifetime).
        pub fn refresh_window(mut self, window: Duration) -> Self {
            self$($field)*.refresh.refresh_window = window;
            self
        }

        /// Stop handing out a token this long before expiry (default 30 seconds; at most a
        /// tenth of a token's lifetime).
        pub fn hard_margin(mut self, margin: Duration) -> Self {
            self$($field)*.refresh.hard_margin = margin;
            self
        }

        /// Replaces the whole refresh policy.
        pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
            self$($field)*.refresh = policy;
            self
        }

        /// The clock expiry is measured on (tests inject a [`ManualClock`](crate::ManualClock)).
        pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
            self$($field)*.clock = clock.into();
            self
        }

        /// Limit for establishing a connection (default 10 s).
        pub fn connect_timeout(mut self, timeout: Duration) -> Self {
            self$($field)*.http.connect_timeout = timeout;
            self
        }

        /// Limit for one whole request, from connecting to the last byte of the body (default
        /// 60 s). A request that runs out of time fails with a timeout
        /// [`Error::Transport`](crate::Error::Transport), and is retried per the
        /// [`RetryPolicy`] when it is idempotent.
        pub fn request_timeout(mut self, timeout: Duration) -> Self {
            self$($field)*.http.request_timeout = Some(timeout);
            self
        }

        /// Sends requests without a total time limit; the connect timeout still applies. For
        /// calls known to run long, or when you put your own limit around each call with
        /// `tokio::time::timeout`. Saves a timer per request. Token fetches keep their own
        /// deadline (see [`token_deadline`](Self::token_deadline)).
        pub fn no_request_timeout(mut self) -> Self {
            self$($field)*.http.request_timeout = None;
            self
        }

        /// The longest one token fetch (all its attempts and back-off) may take before it is
        /// abandoned and its waiters get a timeout error; the next call starts a new one.
        /// Default: the connect plus request timeouts, or 60 s without a request timeout. A
        /// hung token endpoint can never wedge the client, whatever the other settings.
        pub fn token_deadline(mut self, deadline: Duration) -> Self {
            self$($field)*.token_deadline = Some(deadline);
            self
        }

        /// The `User-Agent` header (default `mc-auth/<version>`), for example to name your
        /// application to Marketing Cloud support: `"acme-sync/2.1 mc-auth/0.1"`. An invalid
        /// header value is a [`Error::Config`](crate::Error::Config) when the client is built.
        pub fn user_agent(mut self, value: impl Into<String>) -> Self {
            self$($field)*.http.user_agent = Some(Cow::Owned(value.into()));
            self
        }

        /// Sends no `User-Agent` header.
        pub fn no_user_agent(mut self) -> Self {
            self$($field)*.http.user_agent = None;
            self
        }

        /// Largest API response body accepted (default 32 MiB).
        pub fn max_body(mut self, bytes: usize) -> Self {
            self$($field)*.max_body = bytes;
            self
        }

        /// When token requests and API calls are sent again after a transient failure (see
        /// [`RetryPolicy`]).
        pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
            self$($field)*.retry = policy;
            self
        }

        /// Shares client-credentials tokens with other clients, processes or hosts through
        /// `cache` (see [`mc_auth::store`](crate::store)): on a miss of its own cache the
        /// client looks there before asking Marketing Cloud, and under the key's lease one
        /// client of the fleet requests each new token. Web and public apps share their users'
        /// tokens through their [`TokenStore`](crate::web::TokenStore) instead, and ignore this.
        pub fn shared_cache(mut self, cache: impl TokenCache) -> Self {
            self$($field)*.shared = Some(Arc::new(cache));
            self
        }

        /// [`shared_cache`](Self::shared_cache) with a cache already behind an `Arc`.
        pub fn shared_cache_arc(mut self, cache: Arc<dyn TokenCache>) -> Self {
            self$($field)*.shared = Some(cache);
            self
        }

        /// Sends auth, REST and SOAP requests through this proxy (`http://host:port`). Without
        /// it, the standard `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` variables apply.
        pub fn proxy(mut self, url: impl Into<String>) -> Self {
            self$($field)*.http.proxy = Some(url.into());
            self
        }
    };
}

impl ClientSettings {
    /// The defaults (see the README's Reliability table).
    pub fn new() -> Self {
        Self::default()
    }

    settings_setters!();

    /// The one place a client's shared state is built, for every kind of client.
    pub(crate) fn core(&self, identity: Identity, grant: Arc<dyn Grant>) -> Result<Arc<Core>> {
        let identity_shares = identity.shares_tokens;
        let flight_deadline = self.token_deadline.unwrap_or_else(|| match self.http.request_timeout {
            Some(request) => self.http.connect_timeout.saturating_add(request),
            None => DEFAULT_TOKEN_DEADLINE,
        });
        let endpoint = TokenEndpoint {
            http: self.http.build()?,
            auth: identity.auth,
            clock: self.clock.clone(),
            retry: self.retry,
            refresh: self.refresh,
            counters: Counters::default(),
            tenant: identity.tenant,
            client_id: identity.client_id,
            secrets: identity.secrets,
            scopes: identity.scopes,
            name: identity.name,
            flight_deadline,
        };
        let shared = match &self.shared {
            Some(cache) if identity_shares => Some(SharedTier::new(Arc::clone(cache))),
            _ => None,
        };
        Ok(Arc::new(Core {
            endpoint,
            grant,
            shared,
            max_body: self.max_body,
            partitions: Mutex::new(HashMap::new()),
        }))
    }
}

/// Who a client is: what [`ClientSettings::core`] needs besides the settings.
pub(crate) struct Identity {
    pub auth: AuthBase,
    pub tenant: String,
    pub client_id: String,
    pub secrets: Secrets,
    pub scopes: Option<ScopeSet>,
    pub name: Cow<'static, str>,
    /// Whether its tokens may go to the shared tier (client credentials: one token serves
    /// every process of the package; a user's token belongs to that user).
    pub shares_tokens: bool,
}

/// Configures a [`Client`]. Start with [`Client::builder`].
#[must_use = "a builder does nothing until you call `connect` or `build`"]
pub struct ClientBuilder {
    credentials: Credentials,
    scopes: Option<ScopeSet>,
    name: Cow<'static, str>,
    settings: ClientSettings,
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

    /// Replaces every connection and renewal setting at once.
    pub fn settings(mut self, settings: ClientSettings) -> Self {
        self.settings = settings;
        self
    }

    settings_setters!(.settings);

    /// The scopes set with [`scopes`](Self::scopes), if any.
    pub(crate) fn requested_scopes(&self) -> Option<&ScopeSet> {
        self.scopes.as_ref()
    }

    /// Builds the client without any network traffic; the first call fetches a token.
    pub fn build(self) -> Result<Client> {
        self.credentials.validate()?;
        let secrets = self.credentials.secrets();
        let identity = Identity {
            auth: self.credentials.auth_base()?,
            tenant: self.credentials.subdomain,
            client_id: self.credentials.client_id,
            secrets,
            scopes: self.scopes,
            name: self.name,
            shares_tokens: true,
        };
        let core = self.settings.core(identity, Arc::new(ClientCredentials))?;
        Ok(Client::from_core(core, self.credentials.account_id))
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
    /// Defaults for the calls made through this handle.
    options: CallOptions,
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

/// What clones and `for_account` handles of one client share.
pub(crate) struct Core {
    /// The token endpoint, HTTP client, policies and counters.
    pub endpoint: TokenEndpoint,
    /// Where tokens come from.
    pub grant: Arc<dyn Grant>,
    /// The tier shared with other processes, if any.
    pub shared: Option<SharedTier>,
    pub max_body: usize,
    pub partitions: Mutex<HashMap<Option<AccountId>, Arc<Partition>>>,
}

impl Core {
    fn partition(&self, account: Option<AccountId>) -> Arc<Partition> {
        let mut map = self.partitions.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(map.entry(account).or_insert_with(|| {
            Arc::new(Partition::new(CacheKey {
                tenant: self.endpoint.tenant.clone(),
                client_id: self.endpoint.client_id.clone(),
                account,
                scopes: self.endpoint.scopes.clone(),
            }))
        }))
    }

    /// A redactor that knows every live secret of this client: the client secret, every
    /// cached access token (all business units), and the grant's refresh token.
    pub(crate) fn redactor(&self) -> Redactor {
        let mut r = self.endpoint.redactor();
        let partitions: Vec<Arc<Partition>> = self
            .partitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for p in partitions {
            if let Some(t) = p.peek() {
                r.add(t.access_token.expose_secret());
            }
        }
        self.grant.live_secrets(&mut r);
        r
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.endpoint.http
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.endpoint.counters
    }

    pub(crate) fn retry(&self) -> &RetryPolicy {
        &self.endpoint.retry
    }
}

impl TokenSource for Core {
    fn fetch(self: Arc<Self>, account: Option<AccountId>) -> BoxFuture<'static, Result<Token>> {
        async move {
            match &self.shared {
                Some(tier) => tier.fetch(&self.endpoint, &*self.grant, account).await,
                None => self.grant.fetch(&self.endpoint, account).await,
            }
        }
        .boxed()
    }

    fn note_background_refresh(&self) {
        Counters::bump(&self.endpoint.counters.background_refreshes);
    }

    fn flight_deadline(&self) -> Duration {
        self.endpoint.flight_deadline
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
            settings: ClientSettings::default(),
        }
    }

    /// A handle acting in business unit `mid`: same credentials, scopes and connection pool,
    /// its own token partition (tokens requested with `account_id = mid`). Handles for the same
    /// MID share one partition.
    pub fn for_account(&self, mid: impl Into<AccountId>) -> Client {
        Client::from_core(Arc::clone(self.core()), Some(mid.into())).with_options(self.call_options())
    }

    /// A handle whose calls use `options` (a timeout, an idempotency override): same
    /// credentials, business unit, token cache and connection pool. Typed clients get the
    /// same with [`WithOptions::with_options`](crate::api::WithOptions::with_options).
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client {
            handle: Arc::new(Handle {
                core: Arc::clone(self.core()),
                partition: Arc::clone(self.partition()),
                options,
            }),
        }
    }

    /// The options calls through this handle use.
    pub fn call_options(&self) -> CallOptions {
        self.handle.options
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
            handle: Arc::new(Handle {
                core,
                partition,
                options: CallOptions::default(),
            }),
        }
    }

    /// A usable access token, from the cache or freshly requested (one request however many
    /// tasks ask at once).
    #[inline]
    pub async fn token(&self) -> Result<Arc<Token>> {
        self.partition().get(self.core(), &self.core().endpoint.clock).await
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
        self.core().endpoint.scopes.as_ref()
    }

    /// The client's name (the `#[mc_client]` type name, or `Client`).
    pub fn name(&self) -> &str {
        &self.core().endpoint.name
    }

    /// The signed-in user's key in the token store (web and public app clients: the user
    /// given to [`AuthorizeOptions`](crate::web::AuthorizeOptions), or the `sub` Marketing
    /// Cloud reported); `None` for server-to-server clients.
    pub fn user(&self) -> Option<&str> {
        self.core().grant.user()
    }

    /// The business unit this handle acts in, if one was set.
    pub fn account_id(&self) -> Option<AccountId> {
        self.partition().key().account
    }

    /// The tenant subdomain.
    pub fn subdomain(&self) -> &str {
        &self.core().endpoint.tenant
    }

    /// The clock this client reads expiry from.
    pub fn clock(&self) -> &Clock {
        &self.core().endpoint.clock
    }

    /// A snapshot of the counters (shared by clones and `for_account` handles), and of the
    /// client secrets: which one is in use, and whether it expires within 14 days.
    pub fn stats(&self) -> Stats {
        let ep = &self.core().endpoint;
        let mut stats = ep.counters.snapshot();
        ep.secrets.fill_stats(&mut stats, ep.clock.unix_millis());
        stats
    }

    /// Replaces the client secrets of this running client, and of every clone and
    /// business-unit handle of it: `new` becomes the active secret, used from the next token
    /// request; a staged secret set before is dropped. Cached tokens are kept (they stay valid
    /// until they expire, whatever happens to the secret that got them).
    ///
    /// Use it in the rotation's second step (after generating and staging a new secret in
    /// Setup > Apps > Installed Packages), or after a secret was revoked. An empty secret is an
    /// [`Error::Config`] and changes nothing, as is a public app's client (it has no secret).
    /// A web app's signed-in user client takes it for its own refreshes only; sign-ins made
    /// later use the secret the [`App`](crate::web::App) was built with.
    ///
    /// ```no_run
    /// # async fn run(client: mc_auth::Client) -> mc_auth::Result<()> {
    /// use mc_auth::{NewSecret, SecretExpiry};
    /// let expires: SecretExpiry = "2027-11-27".parse().expect("an RFC 3339 date");
    /// client.rotate_secret(NewSecret::new(std::env::var("NEW_SECRET").unwrap()).expires(expires))?;
    /// # Ok(()) }
    /// ```
    pub fn rotate_secret(&self, new: impl Into<NewSecret>) -> Result<()> {
        self.core().endpoint.secrets.rotate(new.into())
    }

    /// Sets (or replaces) the staged secret of this running client, and of every clone and
    /// business-unit handle of it: the active secret stays in use, and when Marketing Cloud
    /// refuses it with `invalid_client` (the staged secret was activated, or the active one
    /// was revoked) the staged one is tried once and, if it works, used from then on (a WARN
    /// log line says so). Cached tokens are kept. An empty secret is an [`Error::Config`];
    /// a public app (no secret) refuses it too.
    pub fn stage_secret(&self, new: impl Into<NewSecret>) -> Result<()> {
        self.core().endpoint.secrets.stage(new.into())
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
        let ep = &self.core().endpoint;
        f.debug_struct("Client")
            .field("name", &ep.name)
            .field("subdomain", &ep.tenant)
            .field("client_id", &ep.client_id)
            .field("account_id", &self.account_id())
            .field("scopes", &ep.scopes)
            .field("auth_url", &ep.auth.base.as_str())
            .finish_non_exhaustive()
    }
}
