//! The encrypted file token store: encryption, permissions, atomic writes, sharing.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use mc_auth::web::{FileStoreKey, FileTokenStore, StoreKey, StoredTokens, TokenStore};
use mc_auth::{Error, RefreshToken};

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mc-auth-test-{}-{}-{name}", std::process::id(), fastrand_u64()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("tokens.bin")
}

fn fastrand_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    RandomState::new().build_hasher().finish()
}

fn key(user: &str) -> StoreKey {
    StoreKey::new(
        "Mailer",
        "mc563885gzs27c5t9-63k636tzgm",
        None,
        "email_read offline",
        user,
    )
}

fn tokens(rt: &str) -> StoredTokens {
    StoredTokens::new(RefreshToken::new(rt), "mc563885gzs27c5t9-63k636tzgm")
}

#[tokio::test]
async fn round_trip_encrypted_with_mode_0600() {
    let path = temp_path("roundtrip");
    let k = FileStoreKey::generate().unwrap();
    let store = FileTokenStore::new(&path, k.clone());
    assert!(store.load(&key("alice")).await.unwrap().is_none());
    store
        .save(&key("alice"), &tokens("refresh-token-alice-1"))
        .await
        .unwrap();
    store.save(&key("bob"), &tokens("refresh-token-bob-1")).await.unwrap();
    let loaded = store.load(&key("alice")).await.unwrap().unwrap();
    assert_eq!(loaded.refresh_token.expose_secret(), "refresh-token-alice-1");

    let raw = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("refresh-token-alice-1") && !text.contains("alice"),
        "the file is encrypted"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    // Another store with the same key (another process) reads it.
    let again = FileTokenStore::new(&path, FileStoreKey::from_base64(&k.to_base64()).unwrap());
    assert_eq!(
        again
            .load(&key("bob"))
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        "refresh-token-bob-1"
    );
    again.remove(&key("bob")).await.unwrap();
    assert!(store.load(&key("bob")).await.unwrap().is_none());
    assert!(format!("{store:?} {k:?}").contains("redacted"));
}

#[tokio::test]
async fn wrong_key_or_tampered_file_is_a_clear_error_and_is_not_overwritten() {
    let path = temp_path("tamper");
    let store = FileTokenStore::new(&path, FileStoreKey::generate().unwrap());
    store.save(&key("alice"), &tokens("rt-1")).await.unwrap();
    let before = std::fs::read(&path).unwrap();

    let wrong = FileTokenStore::new(&path, FileStoreKey::generate().unwrap());
    let err = wrong.load(&key("alice")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Store { problem, .. } if problem.contains("wrong")),
        "{err}"
    );
    let err = wrong.save(&key("alice"), &tokens("rt-2")).await.unwrap_err();
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a file that cannot be decrypted is never overwritten"
    );

    let mut tampered = before.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    std::fs::write(&path, &tampered).unwrap();
    let err = store.load(&key("alice")).await.unwrap_err();
    assert!(err.to_string().contains("modified"), "{err}");
    assert!(store.save(&key("alice"), &tokens("rt-3")).await.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), tampered);
}

#[tokio::test]
async fn a_file_open_to_others_is_refused() {
    let path = temp_path("perm");
    let store = FileTokenStore::new(&path, FileStoreKey::generate().unwrap());
    store.save(&key("alice"), &tokens("rt-1")).await.unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = store.load(&key("alice")).await.unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    assert!(store.save(&key("alice"), &tokens("rt-2")).await.is_err());
}

#[tokio::test]
async fn a_crash_between_writes_leaves_the_previous_complete_file() {
    let path = temp_path("crash");
    let store = FileTokenStore::new(&path, FileStoreKey::generate().unwrap());
    store.save(&key("alice"), &tokens("rt-1")).await.unwrap();
    store.simulate_crash_before_next_rename();
    assert!(store.save(&key("alice"), &tokens("rt-2")).await.is_err());
    // The old file is intact and readable; the stray temporary file does not matter.
    let loaded = store.load(&key("alice")).await.unwrap().unwrap();
    assert_eq!(loaded.refresh_token.expose_secret(), "rt-1");
    store.save(&key("alice"), &tokens("rt-3")).await.unwrap();
    assert_eq!(
        store
            .load(&key("alice"))
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        "rt-3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_sharing_the_file_lose_nothing() {
    let path = temp_path("shared");
    let k = FileStoreKey::generate().unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            // A separate store instance per writer, as separate processes would have.
            let store = FileTokenStore::new(&path, k.clone());
            tokio::spawn(async move {
                store
                    .save(&key(&format!("user-{i}")), &tokens(&format!("rt-{i}")))
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let store = FileTokenStore::new(&path, k);
    for i in 0..40 {
        let got = store.load(&key(&format!("user-{i}"))).await.unwrap().unwrap();
        assert_eq!(got.refresh_token.expose_secret(), format!("rt-{i}"));
    }
}

#[test]
fn bad_keys_are_refused() {
    assert!(FileStoreKey::from_base64("not base64!").is_err());
    assert!(FileStoreKey::from_base64("AAAA").is_err());
}
