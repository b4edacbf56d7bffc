//! Headless Chromium driven through chromedriver (W3C WebDriver, with `fantoccini`).
//!
//! Each test starts its own chromedriver on a free loopback port, in a process group of its
//! own, and each browser session gets a fresh profile directory. Dropping the [`Driver`]
//! ends the group (chromedriver and the browsers it started) and removes the profiles.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Why a browser test cannot run: what to install. Also the `#[ignore]` reason.
pub const NEEDS: &str = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver";

/// How long a page may take to show an expected element.
const PAGE_WAIT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to start answering.
const DRIVER_START: Duration = Duration::from_secs(30);

/// The flags every Chromium runs with: headless, and nothing that reaches the network on its
/// own (the machine's network is closed; a test must not depend on it).
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// One browser at a time in this test binary: Chromium is heavy and CI machines are small.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A binary from an environment variable, else its Debian path; a clear panic when absent
/// (these tests run only when asked for, with `--ignored`, so absence is a failure).
fn binary(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "{} not found ({var} or the default path): this test {NEEDS}",
        path.display()
    );
    path
}

/// A running chromedriver, and the browser sessions and profile directories it made.
pub struct Driver {
    child: Child,
    url: String,
    profiles: Vec<PathBuf>,
    _turn: MutexGuard<'static, ()>,
}

impl Driver {
    /// Starts chromedriver and waits until it answers.
    pub async fn start() -> Driver {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let chromedriver = binary("CHROMEDRIVER", "/usr/bin/chromedriver");
        let _ = binary("CHROMIUM", "/usr/bin/chromium");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port for chromedriver")
            .port();
        let mut command = Command::new(&chromedriver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profiles: Vec::new(),
            _turn: turn,
        };
        let deadline = tokio::time::Instant::now() + DRIVER_START;
        let http = mc_auth::reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start ({status}); is port {port} taken?");
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not answer on {} within {DRIVER_START:?}",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A new browser session: its own Chromium with a fresh profile (no cookies shared with
    /// other sessions). `accept_insecure_certs` lets it open a self-signed HTTPS page (the
    /// loopback receiver's), as a user clicking through the warning would.
    pub async fn browser(&mut self, accept_insecure_certs: bool) -> Browser {
        static PROFILES: AtomicU64 = AtomicU64::new(0);
        let profile = std::env::temp_dir().join(format!(
            "mc-auth-browser-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("a profile directory");
        self.profiles.push(profile.clone());
        let chromium = binary("CHROMIUM", "/usr/bin/chromium");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({
            "browserName": "chrome",
            "acceptInsecureCerts": accept_insecure_certs,
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let Value::Object(caps) = caps else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));
        Browser { client }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group this test created: chromedriver and the browsers it started.
        let group = i32::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) with a negative pid signals the process group we created above.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
        for p in &self.profiles {
            remove_profile(p);
        }
    }
}

fn remove_profile(p: &Path) {
    // Chromium may still be writing for a moment after it is killed.
    for _ in 0..20 {
        if std::fs::remove_dir_all(p).is_ok() || !p.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A browser session.
pub struct Browser {
    client: Client,
}

impl Browser {
    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("the browser could not open {url}: {e}"));
    }

    /// The address the browser shows.
    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("the current URL").to_string()
    }

    /// The text of the element with this id, waiting for it to appear.
    pub async fn text(&self, id: &str) -> String {
        self.wait_for(id)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("the text of #{id}: {e}"))
    }

    /// The texts of every element matching a CSS selector.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.expect("find elements") {
            out.push(e.text().await.expect("an element's text"));
        }
        out
    }

    /// Replaces the value of the input with this id by `text`, as typed.
    pub async fn type_into(&self, id: &str, text: &str) {
        let input = self.wait_for(id).await;
        input.clear().await.expect("clear the input");
        input.send_keys(text).await.expect("type into the input");
    }

    /// Clicks the element with this id (a button that submits a form, a link) and waits
    /// until the browser has left the page: the next lookup cannot find an element of the
    /// old page (several pages share ids such as `status`).
    pub async fn click(&self, id: &str) {
        let old_page = self.client.find(Locator::Css("html")).await.expect("the page's root");
        self.wait_for(id)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click #{id}: {e}"));
        let deadline = tokio::time::Instant::now() + PAGE_WAIT;
        // Any answer about the old root means it is still the current page; an error means
        // it is gone (stale).
        while old_page.tag_name().await.is_ok() {
            if tokio::time::Instant::now() >= deadline {
                let url = self.url().await;
                panic!("clicking #{id} did not leave {url} within {PAGE_WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The value of the cookie `name` the browser holds for the current page's site, if any.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        let all = self.client.get_all_cookies().await.expect("the cookies");
        all.into_iter().find(|c| c.name() == name).map(|c| c.value().to_owned())
    }

    /// The page's HTML as the browser has it.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("the page source")
    }

    /// The whole visible text of the page.
    pub async fn body_text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("a body")
            .text()
            .await
            .expect("the body's text")
    }

    async fn wait_for(&self, id: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(PAGE_WAIT).for_element(Locator::Id(id)).await {
            Ok(e) => e,
            Err(e) => {
                let url = self.url().await;
                let page = self.source().await;
                panic!("no #{id} on {url} within {PAGE_WAIT:?} ({e}); the page is:\n{page}")
            }
        }
    }

    /// Ends the session (Chromium quits).
    pub async fn close(self) {
        self.client.close().await.expect("end the browser session");
    }
}
