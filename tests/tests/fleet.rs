//! Tokens shared by a fleet of processes through a real `redis-server`.
//!
//! The fleet is real OS processes: this test binary spawns itself as children (the
//! `MC_AUTH_FLEET_CHILD` variable picks the role), each a client of the fake Marketing Cloud
//! that runs in the parent, all sharing one Redis started by the harness on a free loopback
//! port. The parent steps every clock (the fake's and each child's manual clock) in lockstep
//! and tells the children, line by line on stdin, when to make calls.
//!
//! Its own `main` (libtest-mimic): so that it can be a child, and so that without
//! `redis-server` its tests are reported as ignored, saying what to install, never as
//! passed. `cargo xtask test` installs `redis-server` and sets `MC_AUTH_REQUIRE_SYSTEM_TOOLS`,
//! under which a missing server fails the tests instead.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;
use libtest_mimic::{Arguments, Trial};
use mc_auth::store::{EncryptionKey, RedisStore, SharedKey, TokenCache};
use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::web::{App, WebAppConfig};
use mc_auth::{Client, Credentials, Error, ManualClock, ScopeSet};
use mc_auth_tests::redis_server::{redis_tests_run, RedisServer, REQUIRE_ENV, SKIP_REASON};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStdin, ChildStdout};

/// Selects a child's role (`client` or `web`).
const CHILD_ENV: &str = "MC_AUTH_FLEET_CHILD";
const PROCESSES: usize = 8;
const TASKS: usize = 16;
const PATH: &str = "/messaging/v1/email/definitions";
const SCOPES: [&str; 1] = ["email_read"];
const WEB_SCOPES: [&str; 2] = ["email_read", "offline"];
const REDIRECT: &str = "https://127.0.0.1:80/";
/// The fake's token lifetime (its default, MC's 18 minutes).
const LIFETIME: Duration = Duration::from_secs(1080);

fn main() {
    if let Ok(role) = std::env::var(CHILD_ENV) {
        child::main(&role);
        return;
    }
    let mut args = Arguments::from_args();
    // Each test runs a fleet of processes: one at a time.
    args.test_threads.get_or_insert(1);
    let run = redis_tests_run();
    if !run {
        eprintln!("fleet: these tests are ignored: {SKIP_REASON}");
    }
    let tests: Vec<(&str, fn())> = vec![
        ("cold_start_8_processes_x_16_tasks_make_one_token_request", cold_start),
        ("one_token_request_per_lifetime_across_the_fleet", lifetimes),
        ("requests_per_simulated_hour_shared_vs_unshared", requests_per_hour),
        (
            "lease_holder_killed_mid_request_the_others_recover",
            lease_holder_killed,
        ),
        ("redis_hung_or_stopped_mid_run_no_call_fails", redis_outage),
        ("tampered_foreign_key_and_moved_records_are_refused", tampered_records),
        ("refresh_tokens_across_processes_each_used_once", refresh_tokens),
        ("bad_settings_and_debug_output", settings_and_debug),
    ];
    let mut trials: Vec<Trial> = tests
        .into_iter()
        .map(|(name, f)| {
            Trial::test(name, move || {
                f();
                Ok(())
            })
            .with_ignored_flag(!run)
        })
        .collect();
    trials.push(Trial::test("xtask_sets_the_variable_this_harness_reads", || {
        assert_eq!(xtask::REQUIRE_ENV, REQUIRE_ENV);
        assert!(xtask::SYSTEM_PACKAGES.iter().any(|p| p.package == "redis-server"));
        Ok(())
    }));
    libtest_mimic::run(&args, trials).exit();
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A fake with a client-credentials package, on a manual clock.
async fn fake(clock: &ManualClock) -> (FakeMarketingCloud, Credentials) {
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    let creds = fake.register_package(Package::new("fleet-client-id", "fleet-secret-value-0001").scopes(SCOPES));
    (fake, creds)
}

/// One child process and its pipes.
struct Member {
    child: tokio::process::Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    took_lease: Arc<AtomicBool>,
    log: Arc<Mutex<String>>,
    alive: bool,
}

/// The children, driven in lockstep.
struct Fleet {
    members: Vec<Member>,
    clock: ManualClock,
}

/// What a child's `call` reported.
#[derive(Debug)]
struct Calls {
    ok: usize,
    failed: usize,
    first_error: String,
}

impl Fleet {
    fn spawn(role: &str, env: &[(&str, String)], clock: &ManualClock) -> Fleet {
        let exe = std::env::current_exe().unwrap();
        let members = (0..PROCESSES)
            .map(|_| {
                let mut command = tokio::process::Command::new(&exe);
                command
                    .env(CHILD_ENV, role)
                    .env_remove("MC_ACCOUNT_ID")
                    .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true);
                let mut child = command.spawn().expect("spawn a fleet child");
                let stdin = child.stdin.take().unwrap();
                let lines = BufReader::new(child.stdout.take().unwrap()).lines();
                let took_lease = Arc::new(AtomicBool::new(false));
                let log = Arc::new(Mutex::new(String::new()));
                let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
                tokio::spawn({
                    let (took_lease, log) = (Arc::clone(&took_lease), Arc::clone(&log));
                    async move {
                        while let Ok(Some(line)) = errors.next_line().await {
                            if line.contains("took the token lease") {
                                took_lease.store(true, Ordering::SeqCst);
                            }
                            let mut log = log.lock().unwrap();
                            log.push_str(&line);
                            log.push('\n');
                        }
                    }
                });
                Member {
                    child,
                    stdin,
                    lines,
                    took_lease,
                    log,
                    alive: true,
                }
            })
            .collect();
        Fleet {
            members,
            clock: clock.clone(),
        }
    }

    async fn send(&mut self, command: &str) {
        for m in self.members.iter_mut().filter(|m| m.alive) {
            m.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
            m.stdin.flush().await.unwrap();
        }
    }

    async fn replies(&mut self) -> Vec<String> {
        join_all(self.members.iter_mut().filter(|m| m.alive).map(|m| async move {
            match tokio::time::timeout(Duration::from_secs(120), m.lines.next_line()).await {
                Ok(Ok(Some(line))) => line,
                other => panic!(
                    "a child did not answer ({other:?}); its log:\n{}",
                    m.log.lock().unwrap()
                ),
            }
        }))
        .await
    }

    async fn all(&mut self, command: &str) -> Vec<String> {
        self.send(command).await;
        self.replies().await
    }

    /// Moves every clock (the parent's, shared with the fake, and each child's) by `by`.
    async fn advance(&mut self, by: Duration) {
        self.clock.advance(by);
        for reply in self.all(&format!("advance {}", by.as_secs())).await {
            assert_eq!(reply, "advanced");
        }
    }

    /// Every live child makes `TASKS` concurrent API calls; then waits until its client holds
    /// a fresh token (a refresh it started in the background has landed).
    async fn call(&mut self) -> Vec<Calls> {
        let replies = self.all("call").await;
        let calls = replies.iter().map(|r| parse_calls(r)).collect();
        for reply in self.all("settle").await {
            assert_eq!(reply, "settled");
        }
        calls
    }

    /// Sum of the children's `Stats` fields: (token requests, shared hits, shared failures).
    async fn stats(&mut self) -> (u64, u64, u64) {
        let mut sum = (0, 0, 0);
        for reply in self.all("stats").await {
            let n: Vec<u64> = reply.split(' ').skip(1).map(|v| v.parse().unwrap()).collect();
            sum.0 += n[0];
            sum.1 += n[1];
            sum.2 += n[2];
        }
        sum
    }

    fn logs(&self) -> String {
        self.members.iter().map(|m| m.log.lock().unwrap().clone()).collect()
    }
}

fn parse_calls(reply: &str) -> Calls {
    let mut parts = reply.splitn(4, ' ');
    assert_eq!(parts.next(), Some("done"), "{reply}");
    Calls {
        ok: parts.next().unwrap().parse().unwrap(),
        failed: parts.next().unwrap().parse().unwrap(),
        first_error: parts.next().unwrap_or_default().to_owned(),
    }
}

#[track_caller]
fn assert_all_ok(calls: &[Calls], processes: usize) {
    assert_eq!(calls.len(), processes);
    for c in calls {
        assert_eq!((c.ok, c.failed), (TASKS, 0), "a call failed: {}", c.first_error);
    }
}

/// The environment of a client-credentials child.
fn client_env(
    creds: &Credentials,
    fake: &FakeMarketingCloud,
    redis: Option<(&str, &EncryptionKey)>,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("MC_SUBDOMAIN", fake.subdomain().to_owned()),
        ("MC_CLIENT_ID", creds.client_id.clone()),
        ("MC_CLIENT_SECRET", creds.client_secret.expose_secret().to_owned()),
        ("MC_AUTH_URL", fake.url().to_owned()),
    ];
    if let Some((url, key)) = redis {
        env.push(("FLEET_REDIS_URL", url.to_owned()));
        env.push(("FLEET_KEY", key.to_base64().to_string()));
    }
    env
}

fn cold_start() {
    block_on(async {
        let redis = RedisServer::start();
        let clock = ManualClock::new();
        let (fake, creds) = fake(&clock).await;
        let key = EncryptionKey::generate().unwrap();
        let mut fleet = Fleet::spawn("client", &client_env(&creds, &fake, Some((&redis.url(), &key))), &clock);
        let calls = fleet.call().await;
        assert_all_ok(&calls, PROCESSES);
        assert_eq!(fake.requests().token_count(), 1, "one token request for 8 x 16 callers");
        let (requests, hits, failures) = fleet.stats().await;
        assert_eq!((requests, failures), (1, 0));
        assert_eq!(
            hits,
            PROCESSES as u64 - 1,
            "every other process took the token from Redis"
        );
        assert_eq!(fake.requests().api_count(), PROCESSES * TASKS);
    });
}

fn lifetimes() {
    block_on(async {
        let redis = RedisServer::start();
        let clock = ManualClock::new();
        let (fake, creds) = fake(&clock).await;
        let key = EncryptionKey::generate().unwrap();
        let mut fleet = Fleet::spawn("client", &client_env(&creds, &fake, Some((&redis.url(), &key))), &clock);
        assert_all_ok(&fleet.call().await, PROCESSES);
        let mut expected = 1;
        for lifetime in 1..=3 {
            // Into every process's refresh window (the last 4 to 5 minutes), before the hard
            // margin: one background refresh for the whole fleet.
            fleet.advance(LIFETIME - Duration::from_secs(100)).await;
            assert_all_ok(&fleet.call().await, PROCESSES);
            expected += 1;
            assert_eq!(
                fake.requests().token_count(),
                expected,
                "refresh ahead, lifetime {lifetime}"
            );
            // Past expiry: every caller waits, one request for the fleet.
            fleet.advance(LIFETIME + Duration::from_secs(1)).await;
            assert_all_ok(&fleet.call().await, PROCESSES);
            expected += 1;
            assert_eq!(
                fake.requests().token_count(),
                expected,
                "after expiry, lifetime {lifetime}"
            );
        }
        let (requests, _, failures) = fleet.stats().await;
        assert_eq!((requests, failures), (expected as u64, 0));
    });
}

/// Steps one simulated hour, a minute at a time, each minute all 8 x 16 callers calling:
/// token requests with Redis and without (printed: the benchmark in the README).
fn requests_per_hour() {
    block_on(async {
        let redis = RedisServer::start();
        let key = EncryptionKey::generate().unwrap();
        let mut counts = Vec::new();
        for shared in [true, false] {
            let clock = ManualClock::new();
            let (fake, creds) = fake(&clock).await;
            let url = redis.url();
            let env = client_env(&creds, &fake, shared.then_some((url.as_str(), &key)));
            let mut fleet = Fleet::spawn("client", &env, &clock);
            for _ in 0..60 {
                assert_all_ok(&fleet.call().await, PROCESSES);
                fleet.advance(Duration::from_secs(60)).await;
            }
            counts.push(fake.requests().token_count());
        }
        let (shared, unshared) = (counts[0], counts[1]);
        println!(
            "\n    token requests in one simulated hour, 8 processes x 16 tasks, 18-minute tokens: {shared} sharing Redis, {unshared} without\n"
        );
        // A token lives 18 minutes and is refreshed 4 to 5 minutes early: 4 to 6 per hour per
        // process, or for the fleet when it shares.
        assert!((4..=6).contains(&shared), "{shared} requests with Redis");
        assert!(unshared >= PROCESSES * 4, "{unshared} requests without Redis");
    });
}

fn lease_holder_killed() {
    block_on(async {
        let redis = RedisServer::start();
        let clock = ManualClock::new();
        let (fake, creds) = fake(&clock).await;
        let key = EncryptionKey::generate().unwrap();
        let mut env = client_env(&creds, &fake, Some((&redis.url(), &key)));
        env.push(("FLEET_LEASE_TTL_MS", "1000".into()));
        let mut fleet = Fleet::spawn("client", &env, &clock);
        // The first token request hangs: its sender holds the lease until it is killed.
        fake.inject(Fault::delay(Duration::from_secs(600)).only_token_requests().times(1));
        fleet.send("call").await;
        let holder = loop {
            if let Some(i) = fleet.members.iter().position(|m| m.took_lease.load(Ordering::SeqCst)) {
                break i;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        // Killed mid-request: once its token request reached the fake (and hangs there).
        while fake.requests().token_count() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let m = &mut fleet.members[holder];
        m.child.start_kill().unwrap();
        m.child.wait().await.unwrap();
        m.alive = false;
        let calls: Vec<Calls> = fleet.replies().await.iter().map(|r| parse_calls(r)).collect();
        assert_all_ok(&calls, PROCESSES - 1);
        let (requests, hits, failures) = fleet.stats().await;
        assert_eq!(
            requests,
            1,
            "after the lease lapsed one survivor requested the token; logs:\n{}",
            fleet.logs()
        );
        assert_eq!(hits, PROCESSES as u64 - 2, "the other survivors took it from Redis");
        assert_eq!(failures, 0);
    });
}

fn redis_outage() {
    block_on(async {
        let mut redis = RedisServer::start();
        let clock = ManualClock::new();
        let (fake, creds) = fake(&clock).await;
        let key = EncryptionKey::generate().unwrap();
        let mut fleet = Fleet::spawn("client", &client_env(&creds, &fake, Some((&redis.url(), &key))), &clock);
        assert_all_ok(&fleet.call().await, PROCESSES);
        assert_eq!(fake.requests().token_count(), 1);

        // Hung: Redis accepts nothing more; every call to it runs into the store's timeout.
        redis.signal("-STOP");
        fleet.advance(LIFETIME + Duration::from_secs(1)).await;
        assert_all_ok(&fleet.call().await, PROCESSES);
        assert_eq!(
            fake.requests().token_count(),
            1 + PROCESSES,
            "each process fetched its own"
        );
        redis.signal("-CONT");

        // Gone: after the tier's pause, calls meet a refused connection.
        tokio::time::sleep(mc_auth_tests::redis_server::TIER_PAUSE + Duration::from_millis(500)).await;
        redis.stop();
        fleet.advance(LIFETIME + Duration::from_secs(1)).await;
        assert_all_ok(&fleet.call().await, PROCESSES);
        let (requests, _, failures) = fleet.stats().await;
        assert_eq!(requests as usize, fake.requests().token_count());
        assert!(
            failures >= 2 * PROCESSES as u64,
            "each outage was noticed by every process: {failures}"
        );
        let logs = fleet.logs();
        assert!(
            logs.contains("WARN") && logs.contains("carrying on without it"),
            "{logs}"
        );
    });
}

fn tampered_records() {
    block_on(async {
        let redis = RedisServer::start();
        let clock = ManualClock::new();
        let (fake, creds) = fake(&clock).await;
        let key = EncryptionKey::generate().unwrap();
        let store = RedisStore::new(&redis.url(), key.clone()).unwrap();
        let client = |s: &RedisStore| {
            Client::builder(creds.clone())
                .scopes(SCOPES)
                .clock(clock.clone())
                .shared_cache(s.clone())
                .build()
                .unwrap()
        };
        let first = client(&store).token().await.unwrap();
        let shared_key = SharedKey::new(fake.subdomain(), &creds.client_id, None, Some(&ScopeSet::new(SCOPES)));
        let name = store.token_record_name(&shared_key);
        let raw = redis::Client::open(redis.url()).unwrap();
        let mut conn = raw.get_multiplexed_async_connection().await.unwrap();
        let record: Vec<u8> = redis::cmd("GET").arg(&name).query_async(&mut conn).await.unwrap();
        let secret = first.access_token().expose_secret().as_bytes().to_vec();
        assert!(!record.windows(secret.len()).any(|w| w == secret.as_slice()), "sealed");
        assert!(store.get(&shared_key).await.unwrap().is_some());

        // Tampered: one bit flipped.
        let mut tampered = record.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let () = redis::cmd("SET")
            .arg(&name)
            .arg(&tampered)
            .query_async(&mut conn)
            .await
            .unwrap();
        let err = store.get(&shared_key).await.unwrap_err();
        assert!(matches!(err, Error::Store { .. }), "{err:?}");
        assert!(err.to_string().contains("fails authentication"), "{err}");
        // A client treats it as a miss: one token request, and the record is good again.
        let second = client(&store);
        second.token().await.unwrap();
        assert_eq!(fake.requests().token_count(), 2);
        assert!(second.stats().shared_failures >= 1);
        assert!(store.get(&shared_key).await.unwrap().is_some(), "rewritten");

        // Foreign key: refused, naming the key id; accepted once given as a previous key.
        let other = EncryptionKey::generate().unwrap();
        let stranger = RedisStore::new(&redis.url(), other.clone()).unwrap();
        let err = stranger.get(&shared_key).await.unwrap_err();
        assert!(
            err.to_string().contains(&key.id()) && err.to_string().contains("previous_key"),
            "{err}"
        );
        let rotating = RedisStore::builder(&redis.url(), other)
            .previous_key(key.clone())
            .build()
            .unwrap();
        assert!(rotating.get(&shared_key).await.unwrap().is_some());

        // Moved: a valid record copied under another key's name.
        let elsewhere = SharedKey::new(
            fake.subdomain(),
            &creds.client_id,
            Some(5),
            Some(&ScopeSet::new(SCOPES)),
        );
        let good: Vec<u8> = redis::cmd("GET").arg(&name).query_async(&mut conn).await.unwrap();
        let () = redis::cmd("SET")
            .arg(store.token_record_name(&elsewhere))
            .arg(&good)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(store.get(&elsewhere).await.unwrap_err().to_string().contains("moved"));

        // Not a record at all.
        let () = redis::cmd("SET")
            .arg(&name)
            .arg("garbage")
            .query_async(&mut conn)
            .await
            .unwrap();
        let err = store.get(&shared_key).await.unwrap_err();
        assert!(err.to_string().contains("not an mc-auth record"), "{err}");
        assert!(!format!("{err} {err:?}").contains(std::str::from_utf8(&secret).unwrap()));
    });
}

fn refresh_tokens() {
    block_on(async {
        let redis = RedisServer::start();
        let clock = ManualClock::new();
        let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
        fake.register_package(Package::web_app("fleet-web-id", "fleet-web-secret-0001", REDIRECT).scopes(WEB_SCOPES));
        let key = EncryptionKey::generate().unwrap();
        let store = RedisStore::new(&redis.url(), key.clone()).unwrap();
        let app = web_app(fake.url(), fake.subdomain(), store, &clock);
        let (url, pending) = app.authorize_url().unwrap();
        let redirect = fake.authorize(&url).await;
        let signed_in = app.complete(pending, redirect.url()).await.unwrap();
        let user = signed_in.user().unwrap().to_owned();
        let user_id = user.clone();
        let env = vec![
            ("MC_SUBDOMAIN", fake.subdomain().to_owned()),
            ("MC_AUTH_URL", fake.url().to_owned()),
            ("FLEET_REDIS_URL", redis.url()),
            ("FLEET_KEY", key.to_base64().to_string()),
            ("FLEET_USER", user),
        ];
        let mut fleet = Fleet::spawn("web", &env, &clock);
        assert_all_ok(&fleet.call().await, PROCESSES);
        for _ in 0..3 {
            fleet.advance(LIFETIME + Duration::from_secs(1)).await;
            assert_all_ok(&fleet.call().await, PROCESSES);
        }
        let uses = fake.web().refresh_token_uses();
        assert!(uses.iter().all(|&u| u <= 1), "a refresh token was sent twice: {uses:?}");
        assert_eq!(
            uses.iter().sum::<u32>(),
            3,
            "one refresh per expiry for the fleet: {uses:?}"
        );
        // Signing out (under the user's Redis lock) removes the user's record for every process.
        assert_eq!(app.sign_out(&user_id).await.unwrap(), mc_auth::web::SignOut::SignedOut);
        assert!(app.resume(&user_id).await.unwrap().is_none(), "signed out everywhere");
        let refresh_tokens = fake.web().refresh_tokens();
        let logs = fleet.logs();
        for rt in &refresh_tokens {
            assert!(!logs.contains(rt.as_str()), "a refresh token in a log");
        }
    });
}

fn settings_and_debug() {
    block_on(async {
        let key = EncryptionKey::generate().unwrap();
        let store = RedisStore::new("redis://:hunter2-password@127.0.0.1:1/3", key.clone()).unwrap();
        let shown = format!("{store:?} {key:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains(key.to_base64().as_str()),
            "{shown}"
        );
        assert!(shown.contains(&key.id()), "{shown}");
        let err = RedisStore::new("http://:hunter2@nowhere", key.clone()).unwrap_err();
        assert!(
            matches!(err, Error::Config { .. }) && !err.to_string().contains("hunter2"),
            "{err}"
        );
        let err = RedisStore::builder("redis://127.0.0.1:1", key.clone())
            .lease_ttl(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("lease TTL"), "{err}");
        for huge in [Duration::MAX, Duration::from_secs(u64::MAX / 4)] {
            let err = RedisStore::builder("redis://127.0.0.1:1", key.clone())
                .timeout(huge)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("Redis timeout"), "{err}");
            let err = RedisStore::builder("redis://127.0.0.1:1", key.clone())
                .lease_ttl(huge)
                .build()
                .unwrap_err();
            assert!(err.to_string().contains("lease TTL"), "{err}");
        }
        // Nothing listens on port 1: a clear transport error, bounded by the timeout.
        let err = store.get(&SharedKey::new("t", "c", None, None)).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(
            err.to_string().contains("127.0.0.1:1") && !err.to_string().contains("hunter2"),
            "{err}"
        );
    });
}

fn web_app(auth_url: &str, subdomain: &str, store: RedisStore, clock: &ManualClock) -> App {
    let config = WebAppConfig::builder()
        .subdomain(subdomain)
        .client_id("fleet-web-id")
        .client_secret("fleet-web-secret-0001")
        .redirect_uri(REDIRECT)
        .auth_url(auth_url)
        .build();
    App::web(config, WEB_SCOPES, "Mailer")
        .unwrap()
        .with_store(store)
        .with_clock(clock.clone())
}

/// The child processes.
mod child {
    use super::*;

    pub fn main(role: &str) {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
        block_on(run(role));
    }

    fn env(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn store() -> Option<RedisStore> {
        let url = env("FLEET_REDIS_URL")?;
        let key = EncryptionKey::from_base64(&env("FLEET_KEY").unwrap()).unwrap();
        let mut builder = RedisStore::builder(&url, key);
        if let Some(ms) = env("FLEET_LEASE_TTL_MS") {
            builder = builder.lease_ttl(Duration::from_millis(ms.parse().unwrap()));
        }
        Some(builder.build().unwrap())
    }

    async fn run(role: &str) {
        let clock = ManualClock::new();
        let client = match role {
            "client" => {
                let mut builder = Client::builder(Credentials::from_env().unwrap())
                    .scopes(SCOPES)
                    .clock(clock.clone());
                if let Some(store) = store() {
                    builder = builder.shared_cache(store);
                }
                builder.build().unwrap()
            }
            "web" => {
                let app = web_app(
                    &env("MC_AUTH_URL").unwrap(),
                    &env("MC_SUBDOMAIN").unwrap(),
                    store().unwrap(),
                    &clock,
                );
                app.resume(&env("FLEET_USER").unwrap())
                    .await
                    .unwrap()
                    .expect("the user's tokens are in Redis")
            }
            other => panic!("unknown fleet role {other}"),
        };
        let mut commands = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(command)) = commands.next_line().await {
            let reply = match command.split(' ').collect::<Vec<_>>().as_slice() {
                ["call"] => call(&client).await,
                ["settle"] => settle(&client, &clock).await,
                ["advance", secs] => {
                    clock.advance(Duration::from_secs(secs.parse().unwrap()));
                    "advanced".to_owned()
                }
                ["stats"] => {
                    let s = client.stats();
                    format!("stats {} {} {}", s.token_requests, s.shared_hits, s.shared_failures)
                }
                _ => format!("unknown command {command}"),
            };
            println!("{reply}");
        }
    }

    async fn call(client: &Client) -> String {
        let results = join_all((0..TASKS).map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get(PATH).send().await.map(drop) })
        }))
        .await;
        let errors: Vec<String> = results
            .into_iter()
            .filter_map(|r| match r {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(e) => Some(e.to_string()),
            })
            .collect();
        format!(
            "done {} {} {}",
            TASKS - errors.len(),
            errors.len(),
            errors.first().map_or("-", String::as_str).replace('\n', " ")
        )
    }

    /// Waits (bounded) until the client holds a token it would not refresh yet.
    async fn settle(client: &Client, clock: &ManualClock) -> String {
        for _ in 0..1000 {
            if client.cached_token().is_some_and(|t| clock.now() < t.refresh_at()) {
                return "settled".into();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        "unsettled".into()
    }
}
