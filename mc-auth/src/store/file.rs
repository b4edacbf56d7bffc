//! The file store as a [`TokenCache`]: client-credentials tokens shared by the processes of
//! one host, in the same encrypted file as users' refresh tokens.
//!
//! The lease on a token is an exclusive `flock` on `<file>.lease.<first 16 digits of the
//! shared key>`, taken without waiting: the kernel releases it when its holder exits or dies,
//! so a crashed holder never delays the others.

use std::fs::{File, TryLockError};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt};

use super::tier::{Lease, SharedKey, TokenCache};
use crate::error::Result;
use crate::web::file_store::EntryAccess;
use crate::web::{FileTokenStore, StoredAccess};

impl TokenCache for FileTokenStore {
    fn get<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<StoredAccess>>> {
        let k = key.as_str().to_owned();
        self.blocking(move |inner| {
            let _lock = inner.lock_file(false)?;
            Ok(inner.read()?.tokens.get(&k).map(EntryAccess::access))
        })
        .boxed()
    }

    fn put<'a>(&'a self, key: &'a SharedKey, token: &'a StoredAccess) -> BoxFuture<'a, Result<()>> {
        let k = key.as_str().to_owned();
        let entry = EntryAccess::new(token);
        self.blocking(move |inner| {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            inner.modify(|contents| {
                // Expired tokens of any key go: the file does not grow with old ones.
                contents.tokens.retain(|_, t| t.access().expires_at_ms > now_ms);
                contents.tokens.insert(k, entry);
            })
        })
        .boxed()
    }

    fn try_lease<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<Box<dyn Lease>>>> {
        let suffix = format!(".lease.{}", &key.as_str()[..16]);
        self.blocking(move |inner| {
            let file = inner.open_lock_file(&suffix)?;
            match file.try_lock() {
                Ok(()) => Ok(Some(Box::new(FileLease { _file: file }) as Box<dyn Lease>)),
                Err(TryLockError::WouldBlock) => Ok(None),
                Err(TryLockError::Error(e)) => Err(inner.err(format!("cannot lock a token lease file ({e})"))),
            }
        })
        .boxed()
    }

    /// Zero: the kernel frees the lease of a process that exits or dies at once.
    fn lease_ttl(&self) -> Duration {
        Duration::ZERO
    }
}

/// A held lease: the locked lease file, unlocked when closed (on release or drop).
struct FileLease {
    _file: File,
}

impl Lease for FileLease {
    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        drop(self);
        async {}.boxed()
    }
}
