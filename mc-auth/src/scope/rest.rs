//! The scope-checked REST handle that `client.rest::<S>()` returns.

use std::fmt;
use std::marker::PhantomData;

use reqwest::Method;

use super::Scopes;
use crate::api::encode_segment;
use crate::error::Error;
use crate::{Client, RequestBuilder};

/// One piece of a [`rest!`](crate::rest) path: literal text, or a path variable's value.
#[doc(hidden)]
pub enum Piece<'a> {
    /// Literal text of the template (slashes, segments, a `key:` prefix).
    Lit(&'static str),
    /// The value of variable `{name}`, percent-encoded as one path segment.
    Var(&'static str, &'a dyn fmt::Display),
}

/// The request of a `rest!` call whose scope check the caller did: the template filled in with
/// each variable percent-encoded as one segment. A value that cannot be a segment (empty, `.` or
/// `..`) is recorded on the request, and `send` returns it as [`Error::Config`] naming the
/// variable and the route; nothing is sent.
pub(crate) fn route(client: &Client, method: Method, template: &'static str, pieces: &[Piece<'_>]) -> RequestBuilder {
    let mut path = String::with_capacity(template.len() + 16);
    let mut error = None;
    for piece in pieces {
        match piece {
            Piece::Lit(s) => path.push_str(s),
            Piece::Var(name, value) => match encode_segment(&value.to_string()) {
                Ok(segment) => path.push_str(&segment),
                Err(e) => {
                    let reason = match e {
                        Error::Config { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    error.get_or_insert_with(|| {
                        Error::config(format!("path variable `{name}` of `{method} {template}`"), reason)
                    });
                    path.push('_');
                }
            },
        }
    }
    let request = client.request(method, &path);
    match error {
        Some(e) => request.fail_with(e),
        None => request,
    }
}

/// A REST handle for scope(s) `S` that the caller names: the unchecked way to reach a route.
///
/// `mailer.rest::<scope::EmailSend>()` compiles only if `Mailer` declared `email_send`
/// (see [`crate::scope`]), but nothing checks that `S` is what the path you then call needs:
/// **the caller vouches that `S` covers the path.** For a route in MC's permission table, use
/// [`mc_auth::rest!`](crate::rest) instead, which looks the route up at compile time and requires
/// exactly its scopes; keep `rest::<S>()` for routes the catalog does not list (it is also
/// what `client.client()` gives you, with the scope named for the reader).
///
/// The handle builds requests exactly like [`Client`]: the path is
/// under the tenant's REST base (`rest_instance_url`), the bearer token comes from the cache,
/// and a 401 triggers one token refresh and one retry.
///
/// `S` is a marker from [`crate::scope`] or a tuple of them when a call needs several scopes.
/// The handle is a borrowed, `Copy` view of the client: make one per call site.
///
/// ```no_run
/// use mc_auth::{mc_client, scope, Credentials};
///
/// #[mc_client(scopes = "data_extensions_write")]
/// struct Loader;
///
/// # async fn run() -> mc_auth::Result<()> {
/// let loader = Loader::connect(Credentials::from_env()?).await?;
/// let rows = serde_json::json!([{ "keys": { "id": 1 }, "values": { "name": "Ada" } }]);
/// loader
///     .rest::<scope::DataExtensionsWrite>()
///     .post("/hub/v1/dataevents/key:customers/rowset")
///     .json(&rows)
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
pub struct Rest<'a, S> {
    client: &'a Client,
    scopes: PhantomData<fn() -> S>,
}

impl<'a, S> Rest<'a, S> {
    /// Only [`ScopedClient::rest`](crate::scope::ScopedClient::rest) makes these, after the scope check.
    pub(crate) fn new(client: &'a Client) -> Self {
        Rest {
            client,
            scopes: PhantomData,
        }
    }

    /// A request with any method to `path` under the REST base.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, path)
    }

    /// A `GET` request to `path` under the REST base.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(path)
    }

    /// A `POST` request to `path` under the REST base.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(path)
    }

    /// A `PUT` request to `path` under the REST base.
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(path)
    }

    /// A `PATCH` request to `path` under the REST base.
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(path)
    }

    /// A `DELETE` request to `path` under the REST base.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(path)
    }

    /// The underlying runtime client.
    pub fn client(&self) -> &'a Client {
        self.client
    }
}

impl<S> Clone for Rest<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Rest<'_, S> {}

impl<S: Scopes> fmt::Debug for Rest<'_, S> {
    /// `Rest { client: "Mailer", scopes: ["email_send"] }`: no token, no secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rest")
            .field("client", &self.client.name())
            .field("scopes", &S::NAMES)
            .finish()
    }
}
