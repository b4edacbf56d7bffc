//! [`EncryptionKey`]: the application key every mc-auth token store encrypts with.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A 32-byte XChaCha20-Poly1305 key for token stores ([`FileTokenStore`](crate::web::FileTokenStore),
/// [`RedisStore`](crate::store::RedisStore)). Zeroized on drop; `Debug` shows only its id.
///
/// Its [`id`](Self::id) is derived from the key (it reveals nothing about it) and is written
/// into every shared-store record, so that a store can hold records of an old and a new key
/// while you rotate.
#[derive(Clone)]
pub struct EncryptionKey {
    bytes: Zeroizing<[u8; 32]>,
    id: [u8; 8],
}

impl EncryptionKey {
    /// A key from raw bytes (for example from your secret manager).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"mc-auth store key id\0");
        hasher.update(bytes);
        let digest = hasher.finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        EncryptionKey {
            bytes: Zeroizing::new(bytes),
            id,
        }
    }

    /// A key from its standard base64 form (44 characters).
    pub fn from_base64(encoded: &str) -> Result<Self> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded.trim())
                .map_err(|_| Error::config("token store key", "is not valid base64"))?,
        );
        let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            Error::config(
                "token store key",
                format!("decodes to {} bytes; it must be 32", bytes.len()),
            )
        })?;
        Ok(Self::from_bytes(arr))
    }

    /// A new random key. Keep it somewhere safe (not next to the store): without it the
    /// store cannot be read.
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| Error::Internal {
            what: format!("the operating system's random generator failed ({e})"),
        })?;
        Ok(Self::from_bytes(*bytes))
    }

    /// The key in standard base64, to save in a secret manager.
    ///
    /// # Security
    /// Anyone with this value and the store can read the tokens in it.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_ref()))
    }

    /// The key's id: 16 hex digits derived from the key, written into every record sealed
    /// with it (safe to log).
    pub fn id(&self) -> String {
        hex(&self.id)
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn id_bytes(&self) -> [u8; 8] {
        self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey(id {}, <redacted>)", self.id())
    }
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
