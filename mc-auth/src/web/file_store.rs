//! An encrypted token store in one file.
//!
//! - Encrypted at rest with XChaCha20-Poly1305 (RustCrypto) under a 32-byte key that the
//!   application supplies; the file's header is authenticated too. A wrong key or a modified
//!   file is a clear error, and such a file is never overwritten.
//! - Created with mode `0600`; an existing file readable or writable by group or others is
//!   refused (Unix).
//! - Every change is written to a temporary file in the same directory, fsynced, and renamed
//!   over the old file (then the directory is fsynced): a crash leaves the old or the new file,
//!   never a half-written one.
//! - Changes are read-modify-write under an exclusive lock on `<file>.lock`, so several
//!   processes can share one file without losing each other's entries.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chacha20poly1305::XChaCha20Poly1305;
use futures_util::future::{BoxFuture, FutureExt};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::store::{LockedTokens, StoreKey, StoredAccess, StoredTokens, TokenStore};
use crate::error::{Error, Result};
use crate::secret::{AccessToken, RefreshToken};
use crate::store::seal::{self, NONCE_LEN};

const MAGIC: &[u8] = b"mc-auth token store v1\n";

/// The key a [`FileTokenStore`] encrypts with: the one key type of every token store.
pub type FileStoreKey = crate::store::EncryptionKey;

/// A [`TokenStore`] in one encrypted file.
///
/// - Encrypted at rest with XChaCha20-Poly1305 under a 32-byte [`FileStoreKey`] that the
///   application supplies; the file's header is authenticated too. A wrong key or a modified
///   file is a clear error, and such a file is never overwritten.
/// - Created with mode `0600`; an existing file readable or writable by group or others is
///   refused (Unix).
/// - Every change is written to a temporary file in the same directory, fsynced, and renamed
///   over the old file: a crash leaves the old or the new file, never a half-written one.
/// - Changes are read-modify-write under an exclusive lock on `<file>.lock`, so several
///   processes can share one file without losing each other's entries.
///
/// ```no_run
/// use mc_auth::web::{FileStoreKey, FileTokenStore};
/// # fn run() -> mc_auth::Result<()> {
/// let key = FileStoreKey::from_base64(&std::env::var("MC_TOKEN_STORE_KEY").unwrap())?;
/// let store = FileTokenStore::new("/var/lib/myapp/mc-tokens", key);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FileTokenStore {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    path: PathBuf,
    cipher: XChaCha20Poly1305,
    crash_before_rename: AtomicBool,
}

/// What the file holds: users' tokens (a [`TokenStore`]) and shared client-credentials tokens
/// (a [`TokenCache`](crate::store::TokenCache), by shared key).
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Contents {
    pub(crate) entries: BTreeMap<String, Entry>,
    #[serde(default)]
    pub(crate) tokens: BTreeMap<String, EntryAccess>,
}

/// One user's tokens as serialized inside a sealed store (the file, or a shared-store record).
#[derive(Serialize, Deserialize)]
pub(crate) struct Entry {
    key: StoreKey,
    refresh_token: String,
    tenant: String,
    saved_at: u64,
    #[serde(default)]
    access: Option<EntryAccess>,
    #[serde(default)]
    in_doubt: bool,
}

/// An access token as serialized inside a sealed store.
#[derive(Serialize, Deserialize)]
pub(crate) struct EntryAccess {
    access_token: String,
    expires_at_ms: u64,
    scope: String,
    rest_instance_url: String,
    soap_instance_url: String,
    #[serde(default)]
    issued_at_ms: u64,
}

impl Drop for Entry {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.refresh_token);
    }
}

impl Drop for EntryAccess {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_token);
    }
}

impl Entry {
    pub(crate) fn new(key: &StoreKey, tokens: &StoredTokens) -> Self {
        Entry {
            key: key.clone(),
            refresh_token: tokens.refresh_token.expose_secret().to_owned(),
            tenant: tokens.tenant.clone(),
            saved_at: tokens.saved_at,
            access: tokens.access.as_ref().map(EntryAccess::new),
            in_doubt: tokens.in_doubt,
        }
    }

    pub(crate) fn tokens(&self) -> StoredTokens {
        let mut t = StoredTokens::new(RefreshToken::new(self.refresh_token.clone()), self.tenant.clone());
        t.saved_at = self.saved_at;
        t.in_doubt = self.in_doubt;
        t.access = self.access.as_ref().map(EntryAccess::access);
        t
    }
}

impl EntryAccess {
    pub(crate) fn new(a: &StoredAccess) -> Self {
        EntryAccess {
            access_token: a.access_token.expose_secret().to_owned(),
            expires_at_ms: a.expires_at_ms,
            scope: a.scope.clone(),
            rest_instance_url: a.rest_instance_url.clone(),
            soap_instance_url: a.soap_instance_url.clone(),
            issued_at_ms: a.issued_at_ms,
        }
    }

    pub(crate) fn access(&self) -> StoredAccess {
        StoredAccess::new(
            AccessToken::new(self.access_token.clone()),
            self.expires_at_ms,
            self.scope.clone(),
            self.rest_instance_url.clone(),
            self.soap_instance_url.clone(),
        )
        .issued_at(self.issued_at_ms)
    }
}

impl FileTokenStore {
    /// A store in the file at `path` (created on first save, with mode 0600).
    pub fn new(path: impl Into<PathBuf>, key: FileStoreKey) -> Self {
        let cipher = seal::cipher(&key);
        FileTokenStore {
            inner: Arc::new(Inner {
                path: path.into(),
                cipher,
                crash_before_rename: AtomicBool::new(false),
            }),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Testing aid: the next save writes and syncs its temporary file, then fails as if the
    /// process had died before the rename.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn simulate_crash_before_next_rename(&self) {
        self.inner.crash_before_rename.store(true, Ordering::SeqCst);
    }

    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| Error::Internal {
                what: format!("the token store task failed ({e})"),
            })?
    }
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Inner {
    pub(crate) fn err(&self, problem: impl Into<String>) -> Error {
        Error::Store {
            store: self.path.display().to_string(),
            problem: problem.into(),
        }
    }

    /// The error for a path that is a symbolic link.
    fn symlink_refused(&self, path: &Path) -> Error {
        self.err(format!(
            "{} is a symbolic link; refusing to follow it (it could make the store read or create another file). Remove the link, or point the store at the real file",
            path.display()
        ))
    }

    pub(crate) fn lock_file(&self, exclusive: bool) -> Result<File> {
        let file = self.open_lock_file(".lock")?;
        let locked = if exclusive { file.lock() } else { file.lock_shared() };
        locked.map_err(|e| self.err(format!("cannot lock the lock file of {} ({e})", self.path.display())))?;
        Ok(file)
    }

    /// Opens (creating it, mode 0600) the lock file `<file><suffix>`, without locking it.
    pub(crate) fn open_lock_file(&self, suffix: &str) -> Result<File> {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(suffix);
        let lock_path = self.path.with_file_name(name);
        if is_symlink(&lock_path) {
            return Err(self.symlink_refused(&lock_path));
        }
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        no_follow(&mut opts);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(&lock_path).map_err(|e| {
            // O_NOFOLLOW: a link planted between the check above and the open lands here.
            if is_symlink(&lock_path) {
                return self.symlink_refused(&lock_path);
            }
            self.err(format!(
                "cannot open the lock file {} ({e}); check the directory exists and is writable",
                lock_path.display()
            ))
        })?;
        Ok(file)
    }

    /// Reads and decrypts the file; a missing file is empty.
    pub(crate) fn read(&self) -> Result<Contents> {
        if is_symlink(&self.path) {
            return Err(self.symlink_refused(&self.path));
        }
        let mut opts = OpenOptions::new();
        opts.read(true);
        no_follow(&mut opts);
        let mut file = match opts.open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Contents::default()),
            Err(_) if is_symlink(&self.path) => return Err(self.symlink_refused(&self.path)),
            Err(e) => return Err(self.err(format!("cannot be read ({e})"))),
        };
        let mut bytes = Zeroizing::new(Vec::new());
        file.read_to_end(&mut bytes)
            .map_err(|e| self.err(format!("cannot be read ({e})")))?;
        self.check_permissions(&file)?;
        if bytes.len() < MAGIC.len() + NONCE_LEN || !bytes.starts_with(MAGIC) {
            return Err(self.err("is not an mc-auth token store (bad header); it was left untouched. Point the store at another path or delete this file"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[MAGIC.len()..MAGIC.len() + NONCE_LEN]);
        let plain = seal::open(&self.cipher, &nonce, MAGIC, &bytes[MAGIC.len() + NONCE_LEN..]).ok_or_else(|| {
            self.err("cannot be decrypted: the key is wrong or the file was modified. It was left untouched; supply the key it was written with, or delete the file (every stored user must then sign in again)")
        })?;
        serde_json::from_slice(&plain)
            .map_err(|_| self.err("decrypted but its contents are not a token store; it was left untouched"))
    }

    #[cfg(unix)]
    fn check_permissions(&self, file: &File) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| self.err(format!("cannot be inspected ({e})")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(self.err(format!(
                "has mode {:o}, open to other users; refusing to use it. Run `chmod 600 {}` if that was a mistake",
                mode & 0o777,
                self.path.display()
            )));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_permissions(&self, _file: &File) -> Result<()> {
        Ok(())
    }

    /// Encrypts and atomically replaces the file.
    fn write(&self, contents: &Contents) -> Result<()> {
        let plain = Zeroizing::new(serde_json::to_vec(contents).map_err(|e| Error::Internal {
            what: format!("could not encode the token store ({e})"),
        })?);
        let (nonce, sealed) = seal::seal(&self.cipher, MAGIC, &plain)?;
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{file_name}.tmp.{}.{}", std::process::id(), fastrand::u64(..)));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let result = (|| -> std::io::Result<()> {
            let mut f = opts.open(&tmp)?;
            f.write_all(MAGIC)?;
            f.write_all(&nonce)?;
            f.write_all(&sealed)?;
            f.sync_all()
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(self.err(format!(
                "cannot write {} ({e}); check the directory is writable and the disk is not full",
                tmp.display()
            )));
        }
        if self.crash_before_rename.swap(false, Ordering::SeqCst) {
            return Err(self.err("simulated crash before rename"));
        }
        fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            self.err(format!("cannot replace the file ({e})"))
        })?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    pub(crate) fn modify(&self, f: impl FnOnce(&mut Contents)) -> Result<()> {
        let _lock = self.lock_file(true)?;
        let mut contents = self.read()?;
        f(&mut contents);
        self.write(&contents)
    }
}

/// True when `path` itself (not what it points to) is a symbolic link.
fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Makes `opts` refuse to open a symbolic link in the last path component (Unix: `O_NOFOLLOW`,
/// which closes the gap between an [`is_symlink`] check and the open; elsewhere that check
/// is all there is). The temporary file needs nothing: `create_new` (`O_EXCL`) never follows.
fn no_follow(opts: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(opts, libc::O_NOFOLLOW);
    #[cfg(not(unix))]
    let _ = opts;
}

impl TokenStore for FileTokenStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<StoredTokens>>> {
        let k = key.to_key_string();
        self.blocking(move |inner| {
            let _lock = inner.lock_file(false)?;
            let contents = inner.read()?;
            Ok(contents.entries.get(&k).map(Entry::tokens))
        })
        .boxed()
    }

    fn save<'a>(&'a self, key: &'a StoreKey, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        let entry = Entry::new(key, tokens);
        self.blocking(move |inner| {
            inner.modify(|c| {
                c.entries.insert(entry.key.to_key_string(), entry);
            })
        })
        .boxed()
    }

    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<()>> {
        let k = key.to_key_string();
        self.blocking(move |inner| {
            inner.modify(|c| {
                c.entries.remove(&k);
            })
        })
        .boxed()
    }

    fn lock<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Box<dyn LockedTokens + 'a>>> {
        async move {
            let file = self.blocking(|inner| inner.lock_file(true)).await?;
            Ok(Box::new(FileLocked {
                store: self,
                key,
                _lock: file,
            }) as Box<dyn LockedTokens + 'a>)
        }
        .boxed()
    }
}

/// A [`FileTokenStore`] entry under the exclusive lock on `<file>.lock` (released when the
/// lock file is closed, on drop).
struct FileLocked<'a> {
    store: &'a FileTokenStore,
    key: &'a StoreKey,
    _lock: File,
}

impl LockedTokens for FileLocked<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<Option<StoredTokens>>> {
        let k = self.key.to_key_string();
        // The lock is held: read without taking it again (a second lock on another
        // descriptor would wait for this one).
        self.store
            .blocking(move |inner| Ok(inner.read()?.entries.get(&k).map(Entry::tokens)))
            .boxed()
    }

    fn save<'a>(&'a mut self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        let entry = Entry::new(self.key, tokens);
        self.store
            .blocking(move |inner| {
                let mut contents = inner.read()?;
                contents.entries.insert(entry.key.to_key_string(), entry);
                inner.write(&contents)
            })
            .boxed()
    }

    fn remove(&mut self) -> BoxFuture<'_, Result<()>> {
        let k = self.key.to_key_string();
        self.store
            .blocking(move |inner| {
                let mut contents = inner.read()?;
                if contents.entries.remove(&k).is_some() {
                    inner.write(&contents)?;
                }
                Ok(())
            })
            .boxed()
    }
}
