//! Web and public apps: the authorize URL, the callback, the code exchange, and clients that
//! act for a signed-in user with rotating refresh tokens.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use typed_builder::TypedBuilder;

use super::callback::{parse_checked, validate_tssd};
use super::pkce::PkceVerifier;
use super::state::CsrfState;
use super::store::{MemoryTokenStore, StoreKey, StoredTokens, TokenStore};
use crate::client::{Client, Core, Counters, Grant, HttpSettings};
use crate::clock::Clock;
use crate::credentials::{validate_subdomain, AccountId};
use crate::endpoint::{auth_host_url, AuthBase};
use crate::error::{Error, Result};
use crate::grant::{request_token, Resend};
use crate::retry::RetryPolicy;
use crate::scopes::ScopeSet;
use crate::secret::{ClientSecret, RefreshToken};
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
    /// Your identifier for the user or session, used as part of the token store key
    /// (default `"default"`).
    #[builder(default = "default".to_owned(), setter(into))]
    pub user: String,
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
    user: String,
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

    /// The user identifier this authorization is for.
    pub fn user(&self) -> &str {
        &self.user
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
    http: reqwest::Client,
    clock: Clock,
    refresh: RefreshPolicy,
    retry: RetryPolicy,
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
            config.subdomain,
            config.client_id,
            Some(config.client_secret),
            config.redirect_uri,
            config.account_id,
            config.auth_url,
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
            config.subdomain,
            config.client_id,
            None,
            config.redirect_uri,
            config.account_id,
            config.auth_url,
            scopes,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn new<I, S>(
        name: &str,
        subdomain: String,
        client_id: String,
        client_secret: Option<ClientSecret>,
        redirect_uri: String,
        account_id: Option<AccountId>,
        auth_url: Option<String>,
        scopes: I,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        validate_subdomain(&subdomain).map_err(|why| Error::config("subdomain", why))?;
        if client_id.trim().is_empty() {
            return Err(Error::config(
                "client_id",
                "is empty; copy it from the installed package",
            ));
        }
        let redirect = url::Url::parse(&redirect_uri)
            .map_err(|e| Error::config("redirect_uri", format!("`{redirect_uri}` is not a URL ({e})")))?;
        let emulator = auth_url
            .as_deref()
            .map(AuthBase::parse)
            .transpose()?
            .is_some_and(|a| a.policy.loopback);
        let loopback_redirect = crate::endpoint::is_loopback(&redirect);
        if redirect.scheme() != "https" && !(emulator && loopback_redirect) {
            return Err(Error::config(
                "redirect_uri",
                format!("`{redirect_uri}` is not HTTPS; Marketing Cloud accepts only HTTPS redirect URIs (for local use, https://127.0.0.1:80/; plain HTTP on loopback is accepted only with a loopback auth_url, such as the fake)"),
            ));
        }
        let auth_override = auth_url.as_deref().map(AuthBase::parse).transpose()?;
        let mut declared: Vec<String> = Vec::new();
        for s in scopes {
            let s = s.as_ref().trim();
            if !s.is_empty() && !declared.iter().any(|d| d == s) {
                declared.push(s.to_owned());
            }
        }
        let scopes = ScopeSet::new(&declared);
        Ok(App {
            inner: Arc::new(AppInner {
                name: name.to_owned(),
                subdomain,
                client_id,
                client_secret,
                redirect_uri,
                account_id,
                auth_override,
                declared,
                scopes,
                store: Arc::new(MemoryTokenStore::new()),
                http: HttpSettings::default().build()?,
                clock: Clock::System,
                refresh: RefreshPolicy::default(),
                retry: RetryPolicy::default(),
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

    /// The clock token expiry is measured on (tests inject a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(mut self, clock: impl Into<Clock>) -> Self {
        self.inner_mut().clock = clock.into();
        self
    }

    /// When requests are sent again after transient failures (see [`RetryPolicy`]). Code
    /// exchanges and refreshes are only resent when the first attempt never reached MC.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.inner_mut().retry = policy;
        self
    }

    /// When access tokens are renewed (see [`RefreshPolicy`]).
    pub fn with_refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.inner_mut().refresh = policy;
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
            created_at: app.clock.now(),
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
        let secret = app.client_secret.as_ref().map(ClientSecret::expose_secret);
        let verifier = pending.pkce.as_ref().map(PkceVerifier::expose_secret);
        let body = Body {
            grant_type: "authorization_code",
            code: callback.code.expose_secret(),
            client_id: &app.client_id,
            client_secret: secret,
            redirect_uri: &app.redirect_uri,
            code_verifier: verifier,
            account_id: app.account_id.map(|a| a.to_string()),
        };
        let mut secrets: Vec<&str> = vec![callback.code.expose_secret()];
        secrets.extend(secret);
        secrets.extend(verifier);
        let span = tracing::info_span!("mc_auth.token_request", grant = "authorization_code", tenant = %tenant, client = %app.name, account = ?app.account_id.map(|a| a.0));
        let core = self.core(auth, tenant.clone(), pending.user.clone());
        core.counters.token_requests.fetch_add(1, Ordering::Relaxed);
        let (resp, received) = request_token(&core.token_endpoint(), &body, Resend::OnlyIfUnsent, &secrets)
            .await
            .inspect_err(|e| tracing::info!(parent: &span, error = %e, "code exchange failed"))?;
        let Some(refresh_token) = resp.refresh_token.clone() else {
            return Err(Error::UnexpectedResponse {
                status: 200,
                endpoint: "/v2/token".into(),
                problem: "the authorization-code response has no `refresh_token`".into(),
                excerpt: String::new(),
            });
        };
        let Grant::User(user) = &core.grant else {
            unreachable!("built as a user grant")
        };
        // Persist first: the access token is only handed out once the refresh token is safe.
        user.replace_refresh_token(refresh_token).await?;
        let token = Token::from_response(resp, app.account_id, received, core.auth.policy, &app.refresh)?;
        core.check_granted(&token)?;
        tracing::info!(parent: &span, scopes = %token.scopes, "user authorized");
        let client = Client::from_core(core, app.account_id);
        client.partition().seed(Arc::new(token));
        Ok(C::from_client(client))
    }

    /// A client for a user whose refresh token is in the store (saved by an earlier
    /// [`complete`](Self::complete)), or `None` when the user must authorize.
    pub async fn resume(&self, user: &str) -> Result<Option<C>> {
        self.resume_in(&self.inner.subdomain.clone(), user).await
    }

    /// Like [`resume`](Self::resume) for a user of another tenant (one that came back with
    /// `tssd`).
    pub async fn resume_in(&self, tenant: &str, user: &str) -> Result<Option<C>> {
        validate_tssd(tenant)?;
        let auth = self.auth_for(tenant)?;
        let core = self.core(auth, tenant.to_owned(), user.to_owned());
        let Grant::User(grant) = &core.grant else {
            unreachable!("built as a user grant")
        };
        match self.inner.store.load(&grant.key).await? {
            None => Ok(None),
            Some(stored) => {
                *grant.refresh_token.lock().await = Some(stored.refresh_token);
                Ok(Some(C::from_client(Client::from_core(core, self.inner.account_id))))
            }
        }
    }

    fn core(&self, auth: AuthBase, tenant: String, user: String) -> Arc<Core> {
        let app = &self.inner;
        let key = StoreKey::new(
            app.name.clone(),
            tenant.clone(),
            app.account_id.map(|a| a.0),
            app.scopes.to_string(),
            user,
        );
        let grant = UserGrant {
            refresh_token: tokio::sync::Mutex::new(None),
            store: Arc::clone(&app.store),
            key,
            tenant: tenant.clone(),
        };
        Arc::new(Core {
            http: app.http.clone(),
            auth,
            tenant,
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            scopes: Some(app.scopes.clone()),
            name: app.name.clone().into(),
            refresh: app.refresh,
            clock: app.clock.clone(),
            max_body: crate::client::DEFAULT_MAX_BODY,
            partitions: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            grant: Grant::User(Arc::new(grant)),
            retry: app.retry,
        })
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

/// The refresh-token side of a user client: the one current refresh token, used by one
/// request at a time and replaced (and saved) atomically when it rotates.
pub(crate) struct UserGrant {
    refresh_token: tokio::sync::Mutex<Option<RefreshToken>>,
    store: Arc<dyn TokenStore>,
    key: StoreKey,
    tenant: String,
}

impl UserGrant {
    async fn replace_refresh_token(&self, new: RefreshToken) -> Result<()> {
        let mut slot = self.refresh_token.lock().await;
        let saved = self
            .store
            .save(&self.key, &StoredTokens::new(new.clone(), self.tenant.clone()))
            .await;
        *slot = Some(new);
        saved
    }

    /// Uses the refresh token once, saves its successor, then returns the new access token.
    pub(crate) async fn refresh(self: Arc<Self>, core: Arc<Core>, account: Option<AccountId>) -> Result<Token> {
        let mut slot = self.refresh_token.lock().await;
        let Some(current) = slot.clone() else {
            return Err(Error::ReauthorizationRequired {
                reason: "there is no refresh token for this user (it was refused earlier, or never stored)".into(),
            });
        };
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
        let secret = core.client_secret.as_ref().map(ClientSecret::expose_secret);
        let body = Body {
            grant_type: "refresh_token",
            refresh_token: current.expose_secret(),
            client_id: &core.client_id,
            client_secret: secret,
            account_id: account.map(|a| a.to_string()),
        };
        let mut secrets = vec![current.expose_secret()];
        secrets.extend(secret);
        let span = tracing::info_span!("mc_auth.token_request", grant = "refresh_token", tenant = %core.tenant, client = %core.name, account = ?account.map(|a| a.0));
        core.counters.token_requests.fetch_add(1, Ordering::Relaxed);
        let (resp, received) = match request_token(&core.token_endpoint(), &body, Resend::OnlyIfUnsent, &secrets).await
        {
            Ok(r) => r,
            Err(Error::OAuth { error, description, .. }) if error == "invalid_grant" => {
                // The refresh token is dead: never send it again. The store keeps its entry
                // untouched; the next authorization replaces it.
                *slot = None;
                tracing::info!(parent: &span, "refresh token refused (invalid_grant)");
                return Err(Error::ReauthorizationRequired {
                    reason: format!(
                        "Marketing Cloud refused the refresh token (invalid_grant{})",
                        description.map(|d| format!(": {d}")).unwrap_or_default()
                    ),
                });
            }
            Err(e) => {
                tracing::info!(parent: &span, error = %e, "refresh failed");
                return Err(e);
            }
        };
        if let Some(next) = resp.refresh_token.clone() {
            // Persist the rotated token before anything else can fail or hand out the access
            // token; keep it in memory even if saving fails, since the old one is spent.
            let saved = self
                .store
                .save(&self.key, &StoredTokens::new(next.clone(), self.tenant.clone()))
                .await;
            *slot = Some(next);
            saved?;
        }
        drop(slot);
        let token = Token::from_response(resp, account, received, core.auth.policy, &core.refresh)?;
        core.check_granted(&token)?;
        tracing::info!(parent: &span, lifetime_s = token.lifetime().as_secs(), "token refreshed");
        Ok(token)
    }
}
