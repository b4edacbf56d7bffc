//! Client-secret rotation against the fake Marketing Cloud: a full rotation under load, a
//! revoked secret with a staged one to fall back on, both secrets refused, replacing secrets in
//! a running client, expiry warnings and statistics. Time is a `ManualClock`: nothing sleeps.
//! Every test captures the logs (TRACE) and checks that no secret shows up in them, in `Debug`
//! output or in errors.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Package, RotationRefused, STAGE_INTERVAL};
use mc_auth::{Client, Credentials, Error, ManualClock, NewSecret, SecretExpiry, SecretPosition};
use mc_auth_tests::CapturedLogs;

const SCOPES: [&str; 1] = ["email_read"];
const OLD: &str = "old-secret-4f1c9a7e2b";
const LIFETIME: Duration = Duration::from_secs(1080);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

async fn fake_with(clock: &ManualClock, secret: &str) -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(Package::new("cid", secret).scopes(SCOPES).business_units([111, 222]));
    fake
}

fn client(creds: Credentials, clock: &ManualClock) -> Client {
    Client::builder(creds)
        .scopes(SCOPES)
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// The client secret each token request carried, in order.
fn secrets_sent(fake: &FakeMarketingCloud) -> Vec<String> {
    fake.requests()
        .token_requests()
        .iter()
        .map(|r| r.json().unwrap()["client_secret"].as_str().unwrap().to_owned())
        .collect()
}

/// Fails when any secret (client secrets, issued access tokens) appears in `text`.
fn assert_clean(text: &str, fake: &FakeMarketingCloud, secrets: &[&str]) {
    let tokens = fake.tokens().values();
    for s in secrets.iter().copied().chain(tokens.iter().map(String::as_str)) {
        assert!(!text.contains(s), "a secret leaked:\n{text}");
    }
}

/// `n` callers calling an API in a loop until told to stop; counts successes and keeps every
/// failure.
struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(client: &Client, n: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..n)
            .map(|_| {
                let (client, stop, ok, failures) = (client.clone(), stop.clone(), ok.clone(), failures.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        match client.get("/messaging/v1/email/definitions").send().await {
                            Ok(_) => ok.fetch_add(1, Ordering::SeqCst),
                            Err(e) => {
                                failures.lock().unwrap().push(e.to_string());
                                0
                            }
                        };
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        Load {
            stop,
            ok,
            failures,
            tasks,
        }
    }

    /// Waits until the callers have made `more` further successful calls.
    async fn progress(&self, more: usize) {
        let target = self.ok.load(Ordering::SeqCst) + more;
        while self.ok.load(Ordering::SeqCst) < target {
            assert!(
                self.failures.lock().unwrap().is_empty(),
                "{:?}",
                self.failures.lock().unwrap()
            );
            tokio::task::yield_now().await;
        }
    }

    async fn finish(self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
        let failures = self.failures.lock().unwrap().clone();
        (self.ok.load(Ordering::SeqCst), failures)
    }
}

/// MC's three steps (stage, update the apps, activate), twice, under 64 concurrent callers:
/// first the app gets the staged secret as `stage_secret` (as `MC_CLIENT_SECRET_STAGED` would)
/// and switches when the activation deactivates the old one; then it takes the next secret
/// with `rotate_secret` before the activation. Not one call fails, and the token requests are
/// exactly one per token lifetime plus the one refused at the switch.
#[tokio::test(flavor = "current_thread")]
async fn a_full_rotation_under_load_fails_no_call() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let clock = ManualClock::new();
    let fake = fake_with(&clock, OLD).await;
    let client = client(fake.credentials("cid"), &clock);
    let package = fake.package("cid");
    let load = Load::start(&client, 64);
    load.progress(200).await;
    assert_eq!(fake.requests().token_count(), 1, "64 callers, one token");

    // Step 1 in MC; step 2 in the app: the staged secret is deployed next to the active one.
    let staged = package.stage_secret().unwrap();
    client.stage_secret(staged.clone()).unwrap();
    clock.advance(LIFETIME);
    load.progress(200).await;
    assert_eq!(
        fake.requests().token_count(),
        2,
        "the active secret still works: no switch"
    );

    // Step 3 in MC: the old secret stops working. The next token request is refused, the
    // staged secret is tried once and kept.
    package.activate_staged().unwrap();
    assert!(!package.accepts(OLD));
    clock.advance(LIFETIME);
    load.progress(200).await;
    assert_eq!(
        fake.requests().token_count(),
        4,
        "one refused request, one with the staged secret"
    );
    clock.advance(LIFETIME);
    load.progress(200).await;
    assert_eq!(
        fake.requests().token_count(),
        5,
        "the staged secret is used first from now on"
    );

    // The next rotation, the app taking the new secret as soon as it is staged.
    let next = package.stage_secret().unwrap();
    client.rotate_secret(next.clone()).unwrap();
    clock.advance(LIFETIME);
    load.progress(200).await;
    package.activate_staged().unwrap();
    clock.advance(LIFETIME);
    load.progress(200).await;

    let (ok, failures) = load.finish().await;
    assert!(failures.is_empty(), "failed calls: {failures:?}");
    assert!(ok >= 1200);
    let (old, staged, next) = (
        OLD.to_owned(),
        staged.expose_secret().to_owned(),
        next.expose_secret().to_owned(),
    );
    assert_eq!(
        secrets_sent(&fake),
        [&old, &old, &old, &staged, &staged, &next, &next].map(String::clone),
        "one token request per lifetime, plus one refused at the switch"
    );
    let stats = client.stats();
    assert_eq!(stats.token_requests, 7);
    assert_eq!(stats.token_fetches, 6);
    assert_eq!(stats.secret_switches, 1);
    assert_eq!(stats.secret_in_use, Some(SecretPosition::Active));

    let text = logs.contents();
    let switch: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("using the staged secret"))
        .collect();
    assert_eq!(switch.len(), 1, "{text}");
    assert!(
        switch[0].contains("the active client secret was refused"),
        "{}",
        switch[0]
    );
    assert_clean(&text, &fake, &[OLD, &staged, &next]);
    assert_clean(
        &format!("{client:?} {stats:?} {:?}", fake.credentials("cid")),
        &fake,
        &[OLD, &staged, &next],
    );
}

/// MC revokes the active secret (leaked): 64 callers arriving at once send one refused
/// request and one with the staged secret, and every business-unit handle and clone uses the
/// staged secret from then on.
#[tokio::test(flavor = "current_thread")]
async fn a_revoked_secret_switches_to_the_staged_one_once_for_every_handle() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let clock = ManualClock::new();
    let fake = fake_with(&clock, OLD).await;
    let staged = fake.package("cid").stage_secret().unwrap();
    let mut creds = fake.credentials("cid");
    creds.client_secret_staged = Some(staged.clone());
    let client = client(creds, &clock);
    fake.package("cid").revoke();

    let calls: Vec<_> = (0..64)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get("/messaging/v1/email/definitions").send().await.map(|_| ()) })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let staged_value = staged.expose_secret().to_owned();
    assert_eq!(secrets_sent(&fake), [OLD.to_owned(), staged_value.clone()]);

    // Other business units and clones share the choice: no further refused request.
    let bu = client.clone().for_account(222u64);
    bu.get("/messaging/v1/email/definitions").send().await.unwrap();
    client.for_account(111u64).token().await.unwrap();
    assert_eq!(
        secrets_sent(&fake),
        [
            OLD.to_owned(),
            staged_value.clone(),
            staged_value.clone(),
            staged_value.clone()
        ]
    );
    let stats = bu.stats();
    assert_eq!(
        (stats.secret_switches, stats.secret_in_use),
        (1, Some(SecretPosition::Staged))
    );

    let text = logs.contents();
    let warns: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("client secret"))
        .collect();
    assert_eq!(warns.len(), 1, "{text}");
    assert!(
        warns[0].contains("refused=active") && warns[0].contains("in_use=staged"),
        "{}",
        warns[0]
    );
    assert_clean(&text, &fake, &[OLD, &staged_value]);
}

/// Both secrets wrong: one clear error for every caller, two token requests per failed fetch,
/// never more.
#[tokio::test(flavor = "current_thread")]
async fn both_secrets_refused_is_one_clear_error_with_bounded_requests() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let clock = ManualClock::new();
    let fake = fake_with(&clock, "the-real-secret-000").await;
    let mut creds = fake.credentials("cid");
    creds.client_secret = "wrong-active-secret-111".into();
    creds.client_secret_staged = Some("wrong-staged-secret-222".into());
    let client = client(creds, &clock);

    let calls: Vec<_> = (0..64)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.token().await })
        })
        .collect();
    let mut errors = Vec::new();
    for c in calls {
        errors.push(c.await.unwrap().unwrap_err());
    }
    assert_eq!(fake.requests().token_count(), 2, "one flight, one extra request");
    let err = &errors[0];
    match err {
        Error::OAuth {
            error, refused_secrets, ..
        } => {
            assert_eq!(error, "invalid_client");
            let positions: Vec<SecretPosition> = refused_secrets.iter().map(|r| r.position).collect();
            assert_eq!(positions, [SecretPosition::Active, SecretPosition::Staged]);
            assert!(refused_secrets.iter().all(|r| !r.expired && r.expires.is_none()));
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    for part in [
        "the active client secret was refused, the staged client secret was refused",
        "may have been revoked",
        "leaked",
        "rotated",
        "Setup > Apps > Installed Packages",
        "client.rotate_secret",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    // The next call tries again, with the same bound.
    client.token().await.unwrap_err();
    assert_eq!(fake.requests().token_count(), 4);
    assert_eq!(client.stats().secret_switches, 0);

    // With one secret: one request, and the error says no other one is configured.
    let mut single = fake.credentials("cid");
    single.client_secret = "wrong-active-secret-111".into();
    let err = self::client(single, &clock).token().await.unwrap_err();
    assert_eq!(fake.requests().token_count(), 5);
    let text = err.to_string();
    assert!(
        text.contains("no other secret is configured") && text.contains("may have been revoked"),
        "{text}"
    );

    let secrets = [
        "the-real-secret-000",
        "wrong-active-secret-111",
        "wrong-staged-secret-222",
    ];
    let all = format!("{} {errors:?} {err:?} {client:?}", logs.contents());
    assert_clean(&all, &fake, &secrets);
}

/// `rotate_secret` on a clone reaches the original and every business-unit handle, keeps the
/// cached tokens, and refuses an empty secret.
#[tokio::test(flavor = "current_thread")]
async fn rotate_secret_reaches_every_handle_and_keeps_cached_tokens() {
    let clock = ManualClock::new();
    let fake = fake_with(&clock, OLD).await;
    let client = client(fake.credentials("cid"), &clock);
    let bu = client.for_account(222u64);
    let home_token = client.token().await.unwrap();
    let bu_token = bu.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 2);

    let next = fake.package("cid").stage_secret().unwrap();
    let err = client.clone().rotate_secret("   ").unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "rotate_secret"),
        "{err:?}"
    );
    client.clone().rotate_secret(next.clone()).unwrap();
    assert!(
        Arc::ptr_eq(&client.token().await.unwrap(), &home_token),
        "cached token kept"
    );
    assert!(Arc::ptr_eq(&bu.token().await.unwrap(), &bu_token), "cached token kept");
    assert_eq!(fake.requests().token_count(), 2);

    fake.package("cid").activate_staged().unwrap();
    clock.advance(LIFETIME);
    client.token().await.unwrap();
    bu.token().await.unwrap();
    let next = next.expose_secret().to_owned();
    assert_eq!(
        secrets_sent(&fake),
        [OLD.to_owned(), OLD.to_owned(), next.clone(), next]
    );
    assert_eq!(client.stats().secret_switches, 0);
}

/// 14 days before the configured expiry the client warns (at most once a day) and flags it in
/// `Stats`; once the secret expired, the refusal says so and where to rotate it.
#[tokio::test(flavor = "current_thread")]
async fn expiry_warnings_and_stats_follow_the_clock() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let clock = ManualClock::new();
    let fake = fake_with(&clock, OLD).await;
    let mc_clock: mc_auth::Clock = clock.clone().into();
    let expires = SecretExpiry::at(mc_clock.wall_time() + 20 * DAY);
    fake.package("cid").expire_secret_at(clock.now() + 20 * DAY);
    let creds = Credentials::builder()
        .subdomain(fake.subdomain())
        .client_id("cid")
        .client_secret(OLD)
        .client_secret_expires(expires)
        .auth_url(fake.url())
        .build();
    let client = client(creds, &clock);
    let warnings = || {
        logs.contents()
            .lines()
            .filter(|l| l.contains("WARN") && l.contains("client secret expires on"))
            .count()
    };

    client.token().await.unwrap();
    let stats = client.stats();
    assert!(!stats.secret_expires_soon && !stats.secret_expired);
    assert_eq!(warnings(), 0);

    // 13 days and 23 hours before expiry.
    clock.advance(6 * DAY + Duration::from_secs(3600));
    assert!(client.stats().secret_expires_soon, "the flag needs no token request");
    client.token().await.unwrap();
    assert_eq!(warnings(), 1);
    let text = logs.contents();
    let line = text.lines().find(|l| l.contains("client secret expires on")).unwrap();
    assert!(
        line.contains(&format!("the active client secret expires on {expires} (in 14 days)"))
            && line.contains("Installed Packages"),
        "{line}"
    );
    // Token requests every 18 minutes for the rest of the day: no more warnings.
    for _ in 0..79 {
        clock.advance(LIFETIME);
        client.token().await.unwrap();
    }
    assert_eq!(warnings(), 1, "at most once a day");
    clock.advance(2 * LIFETIME);
    client.token().await.unwrap();
    assert_eq!(warnings(), 2, "again the next day");
    assert!(client.stats().secret_expires_soon && !client.stats().secret_expired);

    // Past the expiry: MC refuses the secret, and the error says why.
    clock.advance(14 * DAY);
    let err = client.token().await.unwrap_err();
    let stats = client.stats();
    assert!(stats.secret_expires_soon && stats.secret_expired);
    let text = err.to_string();
    assert!(
        text.contains(&format!("the active client secret expired on {expires}"))
            && text.contains("Setup > Apps > Installed Packages")
            && text.contains("cannot be renewed"),
        "{text}"
    );
    assert!(
        !text.contains("revoked"),
        "an expired secret is not reported as revoked: {text}"
    );
    assert!(matches!(&err, Error::OAuth { refused_secrets, .. } if refused_secrets[0].expired));
    let text = logs.contents();
    assert!(
        text.lines().any(|l| l.contains("WARN")
            && l.contains("the active client secret expired on")
            && !l.contains("token request failed")),
        "the expiry warning changes its wording:\n{text}"
    );
    assert_clean(&format!("{} {err:?}", logs.contents()), &fake, &[OLD]);
}

/// The fake follows MC's rules for staging: at most one new staged secret per 5 minutes, a new
/// one replaces an unactivated one, activation needs a staged secret, revocation is immediate.
#[tokio::test]
async fn the_fake_stages_activates_and_revokes_as_mc_does() {
    let clock = ManualClock::new();
    let fake = fake_with(&clock, OLD).await;
    let package = fake.package("cid");
    assert_eq!(package.activate_staged(), Err(RotationRefused::NothingStaged));
    let first = package.stage_secret().unwrap();
    clock.advance(STAGE_INTERVAL - Duration::from_secs(1));
    match package.stage_secret() {
        Err(RotationRefused::TooSoon { wait }) => assert_eq!(wait, Duration::from_secs(1)),
        other => panic!("{other:?}"),
    }
    clock.advance(Duration::from_secs(1));
    let second = package.stage_secret().unwrap();
    assert_ne!(first, second);

    // Over real HTTP: the replaced staged secret is refused, the new one and the active one work.
    let with = |secret: &str| {
        let mut creds = fake.credentials("cid");
        creds.client_secret = secret.into();
        client(creds, &clock)
    };
    assert!(with(first.expose_secret())
        .token()
        .await
        .unwrap_err()
        .to_string()
        .contains("invalid_client"));
    with(second.expose_secret()).token().await.unwrap();
    with(OLD).token().await.unwrap();
    assert_eq!(package.staged_secret(), Some(second.clone()));

    package.activate_staged().unwrap();
    assert_eq!(package.secret(), Some(second.clone()));
    assert!(with(OLD).token().await.is_err());
    package.revoke();
    assert!(with(second.expose_secret()).token().await.is_err());
    assert_eq!(package.secret(), None);
}

/// Secret values given to a running client never show in `Debug`.
#[test]
fn new_secrets_and_credentials_are_redacted() {
    let new = NewSecret::new("brand-new-secret-value").expires("2027-05-31".parse().unwrap());
    let creds = Credentials::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_id("id")
        .client_secret("active-secret-value")
        .client_secret_staged("staged-secret-value")
        .build();
    let text = format!("{new:?} {new:#?} {creds:?} {creds:#?}");
    for s in ["brand-new-secret-value", "active-secret-value", "staged-secret-value"] {
        assert!(!text.contains(s), "{text}");
    }
    assert!(text.contains("2027-05-31") || text.contains("SecretExpiry"), "{text}");
}

/// On a multi-threaded runtime, 64 callers spread over four business units hit a revoked
/// secret at once: each partition's one fetch sends at most one refused request and one with
/// the staged secret, never one per caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_switch_is_bounded_across_threads_and_business_units() {
    let clock = ManualClock::new();
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(
        Package::new("cid", OLD)
            .scopes(SCOPES)
            .business_units([111, 222, 333, 444]),
    );
    let staged = fake.package("cid").stage_secret().unwrap();
    let mut creds = fake.credentials("cid");
    creds.client_secret_staged = Some(staged.clone());
    let client = client(creds, &clock);
    fake.package("cid").revoke();
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let calls: Vec<_> = (0..64u64)
        .map(|i| {
            let c = client.for_account([111u64, 222, 333, 444][(i % 4) as usize]);
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                c.get("/messaging/v1/email/definitions").send().await.map(|_| ())
            })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let sent = secrets_sent(&fake);
    let with_staged = sent.iter().filter(|s| *s == staged.expose_secret()).count();
    let refused = sent.iter().filter(|s| *s == OLD).count();
    assert_eq!(with_staged, 4, "one token per business unit: {sent:?}");
    assert!(
        (1..=4).contains(&refused),
        "at most one refused request per fetch: {sent:?}"
    );
    assert_eq!(client.stats().secret_switches, 1);
    assert_eq!(client.stats().token_requests as usize, sent.len());
}
