//! Web and public apps: applications acting for a signed-in Marketing Cloud user.
//!
//! 1. [`App::authorize_url`] gives the URL to send the user to, and a
//!    [`PendingAuthorization`] (random `state`, PKCE S256 verifier) to keep until they return.
//! 2. MC redirects to your redirect URI with `code` and `state` (and `tssd` for AppExchange
//!    apps, switching the tenant). [`App::complete`] parses the redirect, checks `state` in
//!    constant time, exchanges the code and returns a client for that user.
//! 3. That client refreshes its access token with the user's refresh token. MC rotates refresh
//!    tokens: each is used once, the new one replaces it atomically and is saved to the
//!    [`TokenStore`] **before** the new access token is handed out. However many tasks need a
//!    token at once, one refresh request is made.
//! 4. After a restart, [`App::resume`] rebuilds the client from the store.
//! 5. [`App::sign_out`] removes one user's stored tokens (and only theirs).
//!
//! A web app has a client secret (kept on your server); a public app has none, and its
//! config type has no place to put one.
//!
//! ## The `offline` scope
//!
//! Without `offline`, MC revokes the user's tokens when they sign out of Marketing Cloud: the
//! next refresh fails with `invalid_grant`, which mc-auth reports as
//! [`Error::ReauthorizationRequired`](crate::Error::ReauthorizationRequired) (send the user
//! through the authorize URL again; nothing else is lost). Declare `offline` to get refresh
//! tokens that survive sign-out (MC's default refresh-token lifetime is 30 days).
//!
//! ## Stores
//!
//! [`MemoryTokenStore`] (the default) keeps tokens for the life of the process.
//! [`FileTokenStore`] keeps them in one file encrypted with XChaCha20-Poly1305 under a key you
//! supply, written atomically, mode 0600, safe to share between processes.

mod app;
mod callback;
pub(crate) mod file_store;
#[cfg(feature = "loopback")]
mod loopback;
mod pkce;
mod state;
mod store;

pub use app::{App, AuthorizeOptions, FromClient, PendingAuthorization, PublicAppConfig, SignOut, WebAppConfig};
pub use callback::Callback;
pub use file_store::{FileStoreKey, FileTokenStore};
#[cfg(feature = "loopback")]
pub use loopback::LoopbackReceiver;
pub use pkce::PkceVerifier;
pub use state::CsrfState;
pub use store::{LockedTokens, MemoryTokenStore, StoreKey, StoredAccess, StoredTokens, TokenStore};
