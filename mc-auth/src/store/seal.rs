//! Sealing with XChaCha20-Poly1305: the one encryption code of every token store.
//!
//! [`seal`] and [`open`] are the primitive (a random 24-byte nonce, the ciphertext, and
//! authenticated data that binds it to its context); the file store frames them in its file.
//! A [`Keyring`] seals shared-store records: `mcs1 | key id (8 bytes) | nonce | ciphertext`,
//! authenticated together with the record's name in the store, so a record that was modified,
//! written under another key, or copied to another name is refused.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::key::{hex, EncryptionKey};
use crate::error::{Error, Result};

/// Length of an XChaCha20 nonce.
pub(crate) const NONCE_LEN: usize = 24;

/// The first bytes of every shared-store record (the format's version).
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
const RECORD_MAGIC: &[u8; 4] = b"mcs1";
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
const KEY_ID_LEN: usize = 8;

/// A cipher for `key`.
pub(crate) fn cipher(key: &EncryptionKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.bytes().into())
}

/// Encrypts `plain` with a fresh random nonce; returns the nonce and the ciphertext (with its
/// tag). `aad` is authenticated, not encrypted.
pub(crate) fn seal(cipher: &XChaCha20Poly1305, aad: &[u8], plain: &[u8]) -> Result<([u8; NONCE_LEN], Vec<u8>)> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| Error::Internal {
        what: format!("the operating system's random generator failed ({e})"),
    })?;
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| Error::Internal {
            what: "encryption failed".into(),
        })?;
    Ok((nonce, sealed))
}

/// Decrypts what [`seal`] made; `None` when the key is wrong or anything was modified.
pub(crate) fn open(
    cipher: &XChaCha20Poly1305,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
        .ok()
        .map(Zeroizing::new)
}

/// The keys a shared store seals with: the current one for writing, and previous ones that
/// are still accepted for reading while a rotation is under way.
#[derive(Clone)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) struct Keyring {
    current: ([u8; KEY_ID_LEN], XChaCha20Poly1305),
    previous: Vec<([u8; KEY_ID_LEN], XChaCha20Poly1305)>,
}

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum Refused {
    /// Too short or not in the record format.
    Malformed,
    /// Sealed under a key this keyring does not have.
    ForeignKey(String),
    /// The key id is known but authentication failed: modified, or copied from another name.
    Forged(String),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Malformed => f.write_str(
                "is not an mc-auth record (bad header or too short); it was ignored. Another program may be writing under the store's key prefix: give mc-auth its own prefix",
            ),
            Refused::ForeignKey(id) => write!(
                f,
                "was sealed under key id {id}, which this process does not have; it was ignored. If you are rotating keys, add the old key with `previous_key` until every process has the new one"
            ),
            Refused::Forged(id) => write!(
                f,
                "fails authentication under key id {id}: it was modified, or moved from another name; it was ignored"
            ),
        }
    }
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
impl Keyring {
    /// Seals with `current`, accepting records sealed with any of `previous` too.
    pub fn new(current: &EncryptionKey, previous: &[EncryptionKey]) -> Self {
        Keyring {
            current: (current.id_bytes(), cipher(current)),
            previous: previous.iter().map(|k| (k.id_bytes(), cipher(k))).collect(),
        }
    }

    /// The current key's id.
    pub fn current_id(&self) -> String {
        hex(&self.current.0)
    }

    fn aad(id: &[u8; KEY_ID_LEN], name: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(RECORD_MAGIC.len() + KEY_ID_LEN + name.len());
        aad.extend_from_slice(RECORD_MAGIC);
        aad.extend_from_slice(id);
        aad.extend_from_slice(name);
        aad
    }

    /// Seals `plain` as the record called `name`.
    pub fn seal_record(&self, name: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        let (id, cipher) = &self.current;
        let (nonce, sealed) = seal(cipher, &Self::aad(id, name), plain)?;
        let mut out = Vec::with_capacity(RECORD_MAGIC.len() + KEY_ID_LEN + NONCE_LEN + sealed.len());
        out.extend_from_slice(RECORD_MAGIC);
        out.extend_from_slice(id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens the record called `name`.
    pub fn open_record(&self, name: &[u8], record: &[u8]) -> std::result::Result<Zeroizing<Vec<u8>>, Refused> {
        let header = RECORD_MAGIC.len() + KEY_ID_LEN + NONCE_LEN;
        if record.len() < header + 16 || !record.starts_with(RECORD_MAGIC) {
            return Err(Refused::Malformed);
        }
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&record[RECORD_MAGIC.len()..RECORD_MAGIC.len() + KEY_ID_LEN]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&record[RECORD_MAGIC.len() + KEY_ID_LEN..header]);
        let cipher = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|(known, _)| *known == id)
            .map(|(_, c)| c)
            .ok_or_else(|| Refused::ForeignKey(hex(&id)))?;
        open(cipher, &nonce, &Self::aad(&id, name), &record[header..]).ok_or_else(|| Refused::Forged(hex(&id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_open_only_under_their_key_and_name() {
        let old = EncryptionKey::generate().unwrap();
        let new = EncryptionKey::generate().unwrap();
        let sealed = Keyring::new(&old, &[]).seal_record(b"a", b"payload").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"payload"));

        let rotating = Keyring::new(&new, std::slice::from_ref(&old));
        assert_eq!(&*rotating.open_record(b"a", &sealed).unwrap(), b"payload");
        assert_eq!(rotating.open_record(b"b", &sealed), Err(Refused::Forged(old.id())));

        let stranger = Keyring::new(&new, &[]);
        assert_eq!(stranger.open_record(b"a", &sealed), Err(Refused::ForeignKey(old.id())));

        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(rotating.open_record(b"a", &flipped), Err(Refused::Forged(old.id())));
        assert_eq!(rotating.open_record(b"a", b"mcs1short"), Err(Refused::Malformed));
        assert_eq!(rotating.open_record(b"a", &[]), Err(Refused::Malformed));
    }
}
