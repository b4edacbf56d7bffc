//! Token stores shared beyond one client: by the clients of a process, the processes of a
//! host, or a fleet of hosts.
//!
//! | store | shares | access tokens ([`TokenCache`]) | refresh tokens ([`TokenStore`]) |
//! |---|---|---|---|
//! | [`MemoryCache`], [`MemoryTokenStore`] | one process | yes | yes |
//! | [`FileTokenStore`] | one host | yes, encrypted, leased (`flock`) | yes, encrypted |
//! | [`RedisStore`] (feature `redis`) | a fleet | yes, encrypted, leased | yes, encrypted, leased |
//!
//! A client with a shared tier ([`ClientBuilder::shared_cache`](crate::ClientBuilder::shared_cache))
//! keeps its in-process cache as the fast path. On a miss it reads the shared tier; if that
//! has no fresh token it takes the key's lease and requests one (writing it to the tier), or,
//! when another process holds the lease, waits for that token to appear. So across a fleet
//! one process requests a token per expiry, and refresh ahead of expiry works the same way.
//! If the tier fails (an outage, a record it cannot read) the client logs a WARN and carries
//! on with its own cache and its own token requests: the tier never fails a call.
//!
//! Every record a shared store writes is sealed with XChaCha20-Poly1305 under an
//! [`EncryptionKey`] whose id is in the record: several keys can be accepted at once while
//! you rotate, and a record sealed under an unknown key, modified, or moved to another name
//! is refused (and treated as a miss).

mod file;
mod key;
mod memory;
#[cfg(feature = "redis")]
mod redis;
pub(crate) mod seal;
pub(crate) mod tier;

pub use key::EncryptionKey;
pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
pub use tier::{Lease, SharedKey, TokenCache};

pub use crate::web::{FileTokenStore, MemoryTokenStore, StoredAccess, TokenStore};
