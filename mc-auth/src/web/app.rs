//! Web and public apps: the authorize URL, the callback, the code exchange, and clients that
//! act for a signed-in user with rotating refresh tokens.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use futures_util::future::BoxFuture;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use sha2::{Digest, Sha256};
use typed_builder::TypedBuilder;

use super::callback::{parse_checked, validate_tssd};
use super::pkce::PkceVerifier;
use super::state::CsrfState;
use super::store::{MemoryTokenStore, StoreKey, StoredAccess, StoredTokens, TokenStore};
use crate::client::{Client, ClientSettings, Core, Identity};
use crate::clock::Clock;
use crate::credentials::{validate_subdomain, AccountId};
use crate::endpoint::{auth_host_url, AuthBase};
use crate::error::{Error, Result, TransportKind};
use crate::grant::{obtain, Grant, GrantRequest, Resend, TokenEndpoint};
use crate::retry::RetryPolicy;
use crate::rotation::Secrets;
use crate::scopes::ScopeSet;
use crate::secret::{AccessToken, ClientSecret};
use crate::token::{RefreshPolicy, Token};

/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Settings of a **web app** package (confidential: it has a client secret, kept on your
/// server).
#[derive(Clone, TypedBuilder)]
#[non_exhaustive]
pub struct WebAppConfig {
    /// The tenant subdomain (28 characters, starting with `mc`).
    #[builder(setter(into))]
    pub subdomain: String,
    /// The package's client id.
    #[builder(setter(into))]
    pub client_id: String,
    /// The package's client secret.
    #[builder(setter(into))]
    pub client_secret: ClientSecret,
    /// One of the package's redirect URIs (HTTPS), exactly as registered.
    #[builder(setter(into))]
    pub redirect_uri: String,
    /// The business unit to act in.
    #[builder(default, setter(strip_option, into))]
    pub account_id: Option<AccountId>,
    /// Overrides the auth base URL (emulators and tests; Marketing Cloud hosts or loopback).
    #[builder(default, setter(strip_option, into))]
    pub auth_url: Option<String>,
}

impl fmt::Debug for WebAppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebAppConfig")
            .field("subdomain", &self.subdomain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .field("account_id", &self.account_id)
            .field("auth_url", &self.auth_url)
            .finish()
    }
}

/// Settings of a **public app** package (mobile, desktop, single-page apps). There is no
/// field for a client secret: a public app cannot keep one, so it cannot ship one by mistake.
/// Use PKCE (on by default).
#[derive(Clone, Debug, TypedBuilder)]
#[non_exhaustive]
pub struct PublicAppConfig {
    /// The tenant subdomain (28 characters, starting with `mc`).
    #[builder(setter(into))]
    pub subdomain: String,
    /// The package's client id.
    #[builder(setter(into))]
    pub client_id: String,
    /// One of the package's redirect URIs, exactly as registered.
    #[builder(setter(into))]
    pub redirect_uri: String,
    /// The business unit to act in.
    #[builder(default, setter(strip_option, into))]
    pub account_id: Option<AccountId>,
    /// Overrides the auth base URL (emulators and tests; Marketing Cloud hosts or loopback).
    #[builder(default, setter(strip_option, into))]
    pub auth_url: Option<String>,
}

/// Turns a [`Client`] into a typed client (`#[mc_client]` types implement this).
pub trait FromClient: Sized {
    /// Wraps `client`.
    fn from_client(client: Client) -> Self;
}

impl FromClient for Client {
    fn from_client(client: Client) -> Self {
        client
    }
}

/// Options for [`App::authorize_url_with`].
#[derive(Debug, Clone, TypedBuilder)]
#[non_exhaustive]
pub struct AuthorizeOptions {
    /// A `state` of your own; a random one when unset.
    #[builder(default, setter(strip_option, into))]
    pub state: Option<String>,
    /// Send a PKCE S256 challenge (default true).
    #[builder(default = true)]
    pub pkce: bool,
    /// Your identifier for the user, the token store key under which their tokens are kept
    /// (and what [`App::resume`] takes). When unset, [`App::complete`] asks Marketing Cloud
    /// who signed in (`GET /v2/userinfo`) and uses the user's `sub`; read it back with
    /// [`Client::user`]. Never a shared constant: two users must never share a key.
    #[builder(default, setter(strip_option, into))]
    pub user: Option<String>,
}

impl Default for AuthorizeOptions {
    fn default() -> Self {
        AuthorizeOptions::builder().build()
    }
}

/// An authorization in progress: the `state` and PKCE verifier to check the redirect with.
///
/// Keep it (for example in the user's server-side session) until the redirect comes back.
/// Not `Clone`: it completes one authorization.
#[must_use = "keep the pending authorization to complete it when the user comes back"]
pub struct PendingAuthorization {
    state: CsrfState,
    pkce: Option<PkceVerifier>,
    user: Option<String>,
    created_at: Instant,
}

impl PendingAuthorization {
    /// The `state` sent in the authorize URL.
    pub fn state(&self) -> &CsrfState {
        &self.state
    }

    /// The PKCE verifier, when PKCE is used.
    pub fn pkce_verifier(&self) -> Option<&PkceVerifier> {
        self.pkce.as_ref()
    }

    /// The user identifier this authorization is for, when one was given.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// When the authorize URL was made.
    pub fn created_at(&self) -> Instant {
        self.created_at
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &self.state)
            .field("pkce", &self.pkce)
            .field("user", &self.user)
            .finish()
    }
}

/// What [`App::sign_out`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "tell the user whether they were signed in"]
pub enum SignOut {
    /// The user's stored tokens were removed.
    SignedOut,
    /// Nothing was stored for the user: they were not signed in (or were already signed
    /// out). Nothing was changed.
    NotSignedIn,
}

impl fmt::Display for SignOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignOut::SignedOut => "signed out: the user's stored tokens were removed",
            SignOut::NotSignedIn => "the user was not signed in: no tokens were stored for them",
        })
    }
}

/// A web or public app package, producing clients of type `C` that act for signed-in users.
///
/// Made by `Mailer::web_app(config)` / `Mailer::public_app(config)` for an `#[mc_client]`
/// type, or [`App::web`] / [`App::public`] for a plain [`Client`]. Cheap to clone.
pub struct App<C = Client> {
    inner: Arc<AppInner>,
    _client: PhantomData<fn() -> C>,
}

impl<C> Clone for App<C> {
    fn clone(&self) -> Self {
        App {
            inner: Arc::clone(&self.inner),
            _client: PhantomData,
        }
    }
}

#[derive(Clone)]
struct AppInner {
    name: String,
    subdomain: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: String,
    account_id: Option<AccountId>,
    auth_override: Option<AuthBase>,
    /// Scopes in declaration order (the authorize URL keeps it).
    declared: Vec<String>,
    scopes: ScopeSet,
    store: Arc<dyn TokenStore>,
    settings: ClientSettings,
}

/// What differs between a web and a public app's settings.
struct AppIdentity {
    subdomain: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    redirect_uri: String,
    account_id: Option<AccountId>,
    auth_url: Option<String>,
}

impl<C: FromClient> App<C> {
    /// A web app (with client secret) whose users' tokens carry `scopes`.
    pub fn web<I, S>(config: WebAppConfig, scopes: I, name: &str) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if config.client_secret.is_empty() {
            return Err(Error::config(
                "client_secret",
                "is empty; copy it from the installed package",
            ));
        }
        Self::new(
            name,
            AppIdentity {
                subdomain: config.subdomain,
                client_id: config.client_id,
                client_secret: Some(config.client_secret),
                redirect_uri: config.redirect_uri,
                account_id: config.account_id,
                auth_url: config.auth_url,
            },
            scopes,
        )
    }

    /// A public app (no client secret) whose users' tokens carry `scopes`.
    pub fn public<I, S>(config: PublicAppConfig, scopes: I, name: &str) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::new(
            name,
            AppIdentity {
                subdomain: config.subdomain,
                client_id: config.client_id,
                client_secret: None,
                redirect_uri: config.redirect_uri,
                account_id: config.account_id,
                auth_url: config.auth_url,
            },
            scopes,
        )
    }

    fn new<I, S>(name: &str, id: AppIdentity, scopes: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        validate_subdomain(&id.subdomain).map_err(|why| Error::config("subdomain", why))?;
        if id.client_id.trim().is_empty() {
            return Err(Error::config(
                "client_id",
                "is empty; copy it from the installed package",
            ));
        }
        let redirect_uri = id.redirect_uri;
        let redirect = url::Url::parse(&redirect_uri)
            .map_err(|e| Error::config("redirect_uri", format!("`{redirect_uri}` is not a URL ({e})")))?;
        let auth_override = id.auth_url.as_deref().map(AuthBase::parse).transpose()?;
        let emulator = auth_override.as_ref().is_some_and(|a| a.policy.loopback);
        let loopback_redirect = crate::endpoint::is_loopback(&redirect);
        if redirect.scheme() != "https" && !(emulator && loopback_redirect) {
            return Err(Error::config(
                "redirect_uri",
                format!("`{redirect_uri}` is not HTTPS; Marketing Cloud accepts only HTTPS redirect URIs (for local use, https://127.0.0.1:80/; plain HTTP on loopback is accepted only with a loopback auth_url, such as the fake)"),
            ));
        }
        let mut declared: Vec<String> = Vec::new();
        for s in scopes {
            let s = s.as_ref().trim();
            if !s.is_empty() && !declared.iter().any(|d| d == s) {
                declared.push(s.to_owned());
            }
        }
        let scopes = ScopeSet::new(&declared);
        let settings = ClientSettings::default();
        Ok(App {
            inner: Arc::new(AppInner {
                name: name.to_owned(),
                subdomain: id.subdomain,
                client_id: id.client_id,
                client_secret: id.client_secret,
                redirect_uri,
                account_id: id.account_id,
                auth_override,
                declared,
                scopes,
                store: Arc::new(MemoryTokenStore::new()),
                settings,
            }),
            _client: PhantomData,
        })
    }

    fn inner_mut(&mut self) -> &mut AppInner {
        // Copy-on-write: an App already cloned keeps its settings; this one gets its own.
        Arc::make_mut(&mut self.inner)
    }

    /// Keeps refresh tokens in `store` (default: memory only).
    pub fn with_store(mut self, store: impl TokenStore) -> Self {
        self.inner_mut().store = Arc::new(store);
        self
    }

    /// Keeps refresh tokens in a shared store.
    pub fn with_shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.inner_mut().store = store;
        self
    }

    /// Every connection and renewal setting (timeouts, proxy, `User-Agent`, body cap,
    /// retries, refresh policy, clock), exactly as for a server-to-server client: the same
    /// [`ClientSettings`], applied by the same code.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mc_auth::{web::{App, PublicAppConfig}, ClientSettings};
    /// let app: App = App::public(
    ///     PublicAppConfig::builder()
    ///         .subdomain("mc563885gzs27c5t9-63k636tzgm")
    ///         .client_id("vqwyswrlzzfk024ivr682esb")
    ///         .redirect_uri("https://127.0.0.1:80/")
    ///         .build(),
    ///     ["email_read"],
    ///     "Reader",
    /// )?
    /// .with_settings(ClientSettings::new().proxy("http://proxy.internal:3128").request_timeout(Duration::from_secs(20)));
    /// # Ok::<(), mc_auth::Error>(())
    /// ```
    pub fn with_settings(mut self, settings: ClientSettings) -> Self {
        self.inner_mut().settings = settings;
        self
    }

    /// The clock token expiry is measured on (tests inject a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(self, clock: impl Into<Clock>) -> Self {
        let settings = self.inner.settings.clone().clock(clock);
        self.with_settings(settings)
    }

    /// When requests are sent again after transient failures (see [`RetryPolicy`]). Code
    /// exchanges and refreshes are only resent when the first attempt never reached MC.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        let settings = self.inner.settings.clone().retry_policy(policy);
        self.inner_mut().settings = settings;
        self
    }

    /// When access tokens are renewed (see [`RefreshPolicy`]).
    pub fn with_refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        let settings = self.inner.settings.clone().refresh_policy(policy);
        self.inner_mut().settings = settings;
        self
    }

    /// The authorize URL to send the user to, with a random `state` and a PKCE challenge.
    ///
    /// ```
    /// use mc_auth::web::{App, WebAppConfig};
    /// let app: App = App::web(
    ///     WebAppConfig::builder()
    ///         .subdomain("mc563885gzs27c5t9-63k636tzgm")
    ///         .client_id("vqwyswrlzzfk024ivr682esb")
    ///         .client_secret("secret")
    ///         .redirect_uri("https://www.example.com/code_callback.jsp")
    ///         .build(),
    ///     ["email_read", "email_write", "email_send"],
    ///     "Mailer",
    /// )?;
    /// let (url, pending) = app.authorize_url()?;
    /// assert!(url.contains("scope=email_read%20email_write%20email_send"));
    /// assert!(url.contains(&format!("state={}", pending.state().as_str())));
    /// # Ok::<(), mc_auth::Error>(())
    /// ```
    pub fn authorize_url(&self) -> Result<(String, PendingAuthorization)> {
        self.authorize_url_with(AuthorizeOptions::default())
    }

    /// The authorize URL with your own options (state, PKCE on or off, user identifier).
    pub fn authorize_url_with(&self, options: AuthorizeOptions) -> Result<(String, PendingAuthorization)> {
        let app = &self.inner;
        let state = match options.state {
            Some(s) => CsrfState::new(s)?,
            None => CsrfState::generate()?,
        };
        let pkce = if options.pkce {
            Some(PkceVerifier::generate()?)
        } else {
            None
        };
        let enc = |v: &str| utf8_percent_encode(v, QUERY_VALUE).to_string();
        let mut url = format!(
            "{}/v2/authorize?response_type=code&client_id={}&redirect_uri={}",
            self.authorize_base(),
            enc(&app.client_id),
            enc(&app.redirect_uri)
        );
        if !app.declared.is_empty() {
            let scope: Vec<String> = app.declared.iter().map(|s| enc(s)).collect();
            url.push_str("&scope=");
            url.push_str(&scope.join("%20"));
        }
        url.push_str("&state=");
        url.push_str(&enc(state.as_str()));
        if let Some(v) = &pkce {
            url.push_str("&code_challenge=");
            url.push_str(&v.challenge());
            url.push_str("&code_challenge_method=S256");
        }
        let pending = PendingAuthorization {
            state,
            pkce,
            user: options.user,
            created_at: app.settings.clock.now(),
        };
        Ok((url, pending))
    }

    fn authorize_base(&self) -> String {
        match &self.inner.auth_override {
            Some(a) => a.base.as_str().to_owned(),
            None => auth_host_url(&self.inner.subdomain),
        }
    }

    /// The auth base for `tenant`: the override when set (emulators keep their URL), else the
    /// tenant's own auth host.
    fn auth_for(&self, tenant: &str) -> Result<AuthBase> {
        match &self.inner.auth_override {
            Some(a) => Ok(a.clone()),
            None => AuthBase::parse(&auth_host_url(tenant)),
        }
    }

    /// Completes an authorization: parses the redirect (full URL or query string), checks
    /// `state` in constant time, switches tenant on a valid `tssd`, exchanges the code (with
    /// the PKCE verifier), checks the granted scopes, saves the refresh token, and returns a
    /// client acting for the user.
    pub async fn complete(&self, pending: PendingAuthorization, redirect: &str) -> Result<C> {
        // The state is checked before anything else in the redirect is believed.
        let callback = parse_checked(redirect, &pending.state)?;
        let app = &self.inner;
        let tenant = match &callback.tssd {
            Some(t) => {
                validate_tssd(t)?;
                t.clone()
            }
            None => app.subdomain.clone(),
        };
        let auth = self.auth_for(&tenant)?;
        let grant = Arc::new(UserGrant {
            store: Arc::clone(&app.store),
            key: OnceLock::new(),
            home_account: app.account_id,
            last: Mutex::new(HashMap::new()),
        });
        let core = self.core(auth, tenant.clone(), Arc::clone(&grant))?;
        #[derive(Serialize)]
        struct Body<'a> {
            grant_type: &'static str,
            code: &'a str,
            client_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_secret: Option<&'a str>,
            redirect_uri: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            code_verifier: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            account_id: Option<String>,
        }
        let verifier = pending.pkce.as_ref().map(PkceVerifier::expose_secret);
        let body = Body {
            grant_type: "authorization_code",
            code: callback.code.expose_secret(),
            client_id: &app.client_id,
            client_secret: app.client_secret.as_ref().map(ClientSecret::expose_secret),
            redirect_uri: &app.redirect_uri,
            code_verifier: verifier,
            account_id: app.account_id.map(|a| a.to_string()),
        };
        let mut redactor = core.endpoint.redactor().with(callback.code.expose_secret());
        if let Some(v) = verifier {
            redactor.add(v);
        }
        let request = GrantRequest::new(
            "authorization_code",
            &body,
            Resend::OnlyIfUnsent,
            app.account_id,
            redactor,
        )?;
        let granted = obtain(&core.endpoint, request).await?;
        let Some(refresh_token) = granted.refresh_token else {
            return Err(Error::UnexpectedResponse {
                status: 200,
                endpoint: "POST /v2/token".into(),
                problem: "the authorization-code response has no `refresh_token`".into(),
                excerpt: String::new(),
            });
        };
        let token = Arc::new(granted.token);
        let client = Client::from_core(Arc::clone(&core), app.account_id);
        client.partition().seed(Arc::clone(&token));
        let user = match pending.user {
            Some(user) => user,
            None => {
                let info = client.userinfo().await?;
                match info.user.sub.filter(|s| !s.trim().is_empty()) {
                    Some(sub) => sub,
                    None => {
                        return Err(Error::Callback {
                            problem: "Marketing Cloud did not say who signed in (no `user.sub` in /v2/userinfo); name the user with AuthorizeOptions::user".into(),
                        })
                    }
                }
            }
        };
        let key = self.store_key(&tenant, user);
        // Persist first: the client is only handed out once the refresh token is safe.
        {
            let mut entry = app.store.lock(&key).await?;
            let tokens = StoredTokens::new(refresh_token, tenant.clone())
                .with_access(stored_access(&token, &core.endpoint.clock));
            entry.save(&tokens).await?;
        }
        grant.remember(app.account_id, &token);
        let _ = grant.key.set(key);
        tracing::info!(client = %app.name, tenant = %tenant, scopes = %token.scopes, "user authorized");
        Ok(C::from_client(client))
    }

    /// A client for a user whose tokens are in the store (saved by an earlier
    /// [`complete`](Self::complete)), or `None` when the user must authorize: nothing is
    /// stored, or the last refresh's answer was lost so its refresh token may be spent.
    ///
    /// Any number of clients, tasks and processes may resume the same user from one shared
    /// store: the store is the one source of truth, so each expiry causes one refresh and a
    /// refresh token is never sent twice.
    pub async fn resume(&self, user: &str) -> Result<Option<C>> {
        self.resume_in(&self.inner.subdomain.clone(), user).await
    }

    /// Like [`resume`](Self::resume) for a user of another tenant (one that came back with
    /// `tssd`).
    pub async fn resume_in(&self, tenant: &str, user: &str) -> Result<Option<C>> {
        validate_tssd(tenant)?;
        let app = &self.inner;
        let auth = self.auth_for(tenant)?;
        let key = self.store_key(tenant, user.to_owned());
        let Some(stored) = app.store.load(&key).await? else {
            return Ok(None);
        };
        if stored.in_doubt {
            return Ok(None);
        }
        let key_cell = OnceLock::new();
        let _ = key_cell.set(key);
        let grant = Arc::new(UserGrant {
            store: Arc::clone(&app.store),
            key: key_cell,
            home_account: app.account_id,
            last: Mutex::new(HashMap::new()),
        });
        let core = self.core(auth, tenant.to_owned(), Arc::clone(&grant))?;
        let client = Client::from_core(Arc::clone(&core), app.account_id);
        // A stored access token still good is used as it is: resuming costs no refresh.
        if let Some(access) = &stored.access {
            if let Some(token) = grant.adopt(&core.endpoint, access, app.account_id) {
                client.partition().seed(Arc::new(token));
            }
        }
        Ok(Some(C::from_client(client)))
    }

    /// Signs `user` out of this app: removes their stored tokens (refresh token and access
    /// token) and nobody else's. Says [`SignOut::NotSignedIn`] when nothing was stored for
    /// them (never signed in, already signed out, or a typo in the user id).
    ///
    /// The removal happens under the store's lock for the user, so a refresh in flight
    /// anywhere (any task or process sharing the store) finishes first and cannot write the
    /// tokens back. Clients already made for the user keep the access token they hold until
    /// it expires (Marketing Cloud has no endpoint to revoke it); their next refresh fails
    /// with [`Error::ReauthorizationRequired`], and [`resume`](Self::resume) returns `None`.
    /// The refresh token stays valid at Marketing Cloud until it expires, but it is gone
    /// from the store, so no copy is left to use.
    pub async fn sign_out(&self, user: &str) -> Result<SignOut> {
        self.sign_out_in(&self.inner.subdomain.clone(), user).await
    }

    /// Like [`sign_out`](Self::sign_out) for a user of another tenant (one that came back
    /// with `tssd`).
    pub async fn sign_out_in(&self, tenant: &str, user: &str) -> Result<SignOut> {
        validate_tssd(tenant)?;
        let key = self.store_key(tenant, user.to_owned());
        let mut entry = self.inner.store.lock(&key).await?;
        if entry.load().await?.is_none() {
            return Ok(SignOut::NotSignedIn);
        }
        entry.remove().await?;
        tracing::info!(client = %self.inner.name, tenant = %tenant, "user signed out: stored tokens removed");
        Ok(SignOut::SignedOut)
    }

    fn store_key(&self, tenant: &str, user: String) -> StoreKey {
        let app = &self.inner;
        StoreKey::new(
            app.name.clone(),
            tenant.to_owned(),
            app.account_id.map(|a| a.0),
            app.scopes.to_string(),
            user,
        )
    }

    /// A user client's shared state, built like every client's by [`ClientSettings`].
    fn core(&self, auth: AuthBase, tenant: String, grant: Arc<UserGrant>) -> Result<Arc<Core>> {
        let app = &self.inner;
        let identity = Identity {
            auth,
            tenant,
            client_id: app.client_id.clone(),
            secrets: Secrets::single(app.client_secret.clone()),
            scopes: Some(app.scopes.clone()),
            name: app.name.clone().into(),
            shares_tokens: false,
        };
        app.settings.core(identity, grant)
    }
}

impl<C> fmt::Debug for App<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let app = &self.inner;
        f.debug_struct("App")
            .field("name", &app.name)
            .field("kind", &if app.client_secret.is_some() { "web" } else { "public" })
            .field("subdomain", &app.subdomain)
            .field("client_id", &app.client_id)
            .field("redirect_uri", &app.redirect_uri)
            .field("scopes", &app.scopes)
            .field("store", &app.store)
            .finish_non_exhaustive()
    }
}

/// `token` as a store entry, its expiry in wall-clock time.
fn stored_access(token: &Token, clock: &Clock) -> StoredAccess {
    crate::store::tier::to_stored(token, clock)
}

/// A signed-in user's grant: refresh tokens read from and written to the store, under its
/// lock, every time (no private copy).
struct UserGrant {
    store: Arc<dyn TokenStore>,
    /// Set once the user is known (at once on resume, after the code exchange otherwise).
    key: OnceLock<StoreKey>,
    /// The business unit of the store key: its access token is shared through the store.
    home_account: Option<AccountId>,
    /// A digest of the last access token this grant gave its cache, per business unit: a
    /// different one in the store is newer (another client or process refreshed).
    last: Mutex<HashMap<Option<AccountId>, [u8; 32]>>,
}

fn digest(token: &AccessToken) -> [u8; 32] {
    Sha256::digest(token.expose_secret().as_bytes()).into()
}

impl UserGrant {
    fn remember(&self, account: Option<AccountId>, token: &Token) {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account, digest(&token.access_token));
    }

    fn is_last(&self, account: Option<AccountId>, token: &AccessToken) -> bool {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account)
            .is_some_and(|d| *d == digest(token))
    }

    /// A token from a stored access token with at least a second to live, checked like any
    /// other (hosts, scopes); remembered as this grant's last.
    fn adopt(&self, ep: &TokenEndpoint, access: &StoredAccess, account: Option<AccountId>) -> Option<Token> {
        let token = crate::store::tier::from_stored(ep, access, account)?;
        self.remember(account, &token);
        Some(token)
    }

    async fn refresh(&self, ep: &TokenEndpoint, account: Option<AccountId>) -> Result<Token> {
        let key = self.key.get().ok_or_else(|| Error::Internal {
            what: "a user client was used before its user was known".into(),
        })?;
        let mut entry = self.store.lock(key).await?;
        let Some(stored) = entry.load().await? else {
            return Err(Error::ReauthorizationRequired {
                reason: format!(
                    "no refresh token is stored for user `{}` (it was removed, or never saved)",
                    key.user
                ),
            });
        };
        if stored.in_doubt {
            return Err(Error::ReauthorizationRequired {
                reason: "the last refresh for this user was sent but its answer was lost, so Marketing Cloud may have used up the refresh token; mc-auth never sends a refresh token twice".into(),
            });
        }
        let home = account == self.home_account;
        if home {
            if let Some(access) = stored
                .access
                .as_ref()
                .filter(|a| !self.is_last(account, &a.access_token))
            {
                if let Some(token) = self.adopt(ep, access, account) {
                    tracing::debug!(client = %ep.name, "a newer access token was in the store: used it instead of refreshing");
                    return Ok(token);
                }
            }
        }
        // Write ahead: if the answer is lost (or this task is abandoned), the entry says so,
        // and nobody sends this refresh token again.
        let mut doubt = stored.clone();
        doubt.in_doubt = true;
        entry.save(&doubt).await?;
        #[derive(Serialize)]
        struct Body<'a> {
            grant_type: &'static str,
            refresh_token: &'a str,
            client_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            client_secret: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            account_id: Option<String>,
        }
        let current_secret = ep.secrets.current_secret();
        let body = Body {
            grant_type: "refresh_token",
            refresh_token: stored.refresh_token.expose_secret(),
            client_id: &ep.client_id,
            client_secret: current_secret.as_ref().map(ClientSecret::expose_secret),
            account_id: account.map(|a| a.to_string()),
        };
        let redactor = ep.redactor().with(stored.refresh_token.expose_secret());
        let request = GrantRequest::new("refresh_token", &body, Resend::OnlyIfUnsent, account, redactor)?;
        match obtain(ep, request).await {
            Ok(granted) => {
                let next = granted.refresh_token.unwrap_or_else(|| stored.refresh_token.clone());
                let mut saved = StoredTokens::new(next, stored.tenant.clone());
                saved.access = if home {
                    Some(stored_access(&granted.token, &ep.clock))
                } else {
                    stored.access.clone()
                };
                entry.save(&saved).await?;
                self.remember(account, &granted.token);
                Ok(granted.token)
            }
            Err(Error::OAuth { error, description, .. }) if error == "invalid_grant" => {
                // The refresh token is dead: the entry stays marked, never sent again.
                Err(Error::ReauthorizationRequired {
                    reason: format!(
                        "Marketing Cloud refused the refresh token (invalid_grant{})",
                        description.map(|d| format!(": {d}")).unwrap_or_default()
                    ),
                })
            }
            Err(e) if refresh_token_unspent(&e) => {
                entry.save(&stored).await?;
                Err(e)
            }
            Err(e) => Err(Error::ReauthorizationRequired {
                reason: format!("the refresh was sent but its answer was lost ({e}), so Marketing Cloud may have used up the refresh token; mc-auth never sends a refresh token twice"),
            }),
        }
    }
}

/// True when a failed refresh certainly left its refresh token unused: MC answered with an
/// error, or the request never left.
fn refresh_token_unspent(e: &Error) -> bool {
    match e {
        Error::OAuth { .. } => true,
        Error::UnexpectedResponse { status, .. } => !(200..300).contains(status),
        Error::Transport { kind, .. } => *kind == TransportKind::Connect,
        _ => false,
    }
}

impl Grant for UserGrant {
    fn fetch<'a>(&'a self, ep: &'a TokenEndpoint, account: Option<AccountId>) -> BoxFuture<'a, Result<Token>> {
        Box::pin(self.refresh(ep, account))
    }

    fn user(&self) -> Option<&str> {
        self.key.get().map(|k| k.user.as_str())
    }
}
