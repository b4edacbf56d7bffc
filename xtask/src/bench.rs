//! `cargo xtask bench-compile`: what the scope checks cost at compile time.
//!
//! Writes two crates under `target/xtask-bench/`, both depending on mc-auth by path:
//! - `scoped`: 50 `#[mc_client]` types of 4 scopes each and 500 scope-checked calls: half
//!   `mc_auth::rest!(c, METHOD "/route/{var}", var = ..)` on a catalogued route the client's
//!   scopes cover, half `c.rest::<S>().get(..)` (one in five of those through generic functions
//!   bounded on `Has<S>`);
//! - `plain`: 50 plain structs wrapping `mc_auth::Client` with the same hand-written methods
//!   (`SCOPES`, `connect`, `connect_with`, `for_account`, `client`, derived `Clone` and `Debug`)
//!   and the same 500 calls on the runtime client (the `rest!` ones as `request(method,
//!   &format!(..))`): no macro, no scope traits, no bounds.
//!
//! The scopes the clients declare are those that some single-scope catalogued route needs, so
//! that every client has routes to call.
//!
//! Dependencies are built once (a warm-up `cargo check` of each); then each crate's own
//! `cargo check` is timed after touching its source, alternately, `runs` times, and the
//! medians are compared.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::catalog::Catalog;

/// Client types per crate.
pub const CLIENTS: usize = 50;
/// Scoped calls per crate.
pub const CALLS: usize = 500;
/// Scopes each client type declares (a component with least privilege needs a few; the
/// issue's `Mailer` has two). Its ten calls cycle through them.
pub const SCOPES_PER_CLIENT: usize = 4;

/// The measured medians: wall-clock time of `cargo check`, and the CPU time (user + system)
/// of `cargo` and `rustc` together, which a busy machine disturbs less (Linux only).
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// Wall time, plain crate.
    pub plain: Duration,
    /// Wall time, scoped crate.
    pub scoped: Duration,
    /// CPU time, plain crate (`None` where `/proc/self/stat` is unavailable).
    pub plain_cpu: Option<Duration>,
    /// CPU time, scoped crate.
    pub scoped_cpu: Option<Duration>,
}

impl Figures {
    /// scoped / plain, wall time.
    pub fn ratio(&self) -> f64 {
        self.scoped.as_secs_f64() / self.plain.as_secs_f64()
    }

    /// scoped / plain, CPU time.
    pub fn cpu_ratio(&self) -> Option<f64> {
        Some(self.scoped_cpu?.as_secs_f64() / self.plain_cpu?.as_secs_f64())
    }
}

/// Generates both crates, measures, and returns the medians of `runs` timed checks each.
/// `generic` adds one generic helper per scope (see [`scoped_source`]).
pub fn run(root: &Path, runs: usize, generic: bool) -> Result<Figures, String> {
    let catalog = Catalog::load(root)?;
    let scopes: Vec<(String, String)> = catalog
        .scopes
        .iter()
        .filter(|s| route_for(&catalog, &s.name).is_some())
        .map(|s| (s.name.clone(), s.marker()))
        .collect();
    let routes: Vec<Call> = scopes.iter().filter_map(|(n, _)| route_for(&catalog, n)).collect();
    let base = root.join("target").join("xtask-bench");
    let target = root.join("target");
    let plain = write_crate(&base, "plain", root, &plain_source(&scopes, &routes, generic))?;
    let scoped = write_crate(&base, "scoped", root, &scoped_source(&scopes, &routes, generic))?;
    for dir in [&plain, &scoped] {
        check(dir, &target)?; // warm-up: dependencies
    }
    let (mut p, mut s, mut pc, mut sc) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let (wall, cpu) = timed_check(&plain, &target)?;
        p.push(wall);
        pc.extend(cpu);
        let (wall, cpu) = timed_check(&scoped, &target)?;
        s.push(wall);
        sc.extend(cpu);
    }
    let cpu_known = pc.len() == p.len() && sc.len() == s.len();
    Ok(Figures {
        plain: median(p),
        scoped: median(s),
        plain_cpu: cpu_known.then(|| median(pc)),
        scoped_cpu: cpu_known.then(|| median(sc)),
    })
}

/// A `rest!` call of the benchmark: a catalogued route that needs exactly one scope.
#[derive(Debug, Clone)]
pub struct Call {
    /// HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Its variables.
    pub vars: Vec<String>,
}

impl Call {
    /// `mc_auth::rest!(c, GET "/a/{id}", id = "v7")`.
    fn checked(&self, i: usize) -> String {
        let vars: String = self.vars.iter().map(|v| format!(", {v} = \"v{i}\"")).collect();
        format!("mc_auth::rest!(c, {} {:?}{vars})", self.method, self.path)
    }

    /// `c.client().request(Method::GET, &format!("/a/{}", "v7"))`: the same request by hand.
    fn plain(&self, i: usize) -> String {
        let mut template = self.path.clone();
        for v in &self.vars {
            template = template.replace(&format!("{{{v}}}"), "{}");
        }
        let args: String = self.vars.iter().map(|_| format!(", \"v{i}\"")).collect();
        format!(
            "c.client().request(mc_auth::reqwest::Method::{}, &format!({template:?}{args}))",
            self.method
        )
    }
}

/// The first catalogued route that needs exactly `scope`.
fn route_for(catalog: &Catalog, scope: &str) -> Option<Call> {
    let r = catalog.routes.iter().find(|r| r.scopes == [scope])?;
    Some(Call {
        method: r.method.clone(),
        path: r.path.clone(),
        vars: r.variables().iter().map(|v| v.to_string()).collect(),
    })
}

/// CPU time (user + system) of this process's waited-for children so far, from
/// `/proc/self/stat` (`cutime` and `cstime`, in clock ticks of 1/100 s on Linux).
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 16 and 17 of stat(5); after the name, numbering starts at field 3.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn write_crate(base: &Path, name: &str, root: &Path, source: &str) -> Result<PathBuf, String> {
    let dir = base.join(name);
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let manifest = format!(
        "[package]\nname = \"bench-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nmc-auth = {{ path = {:?} }}\n\n[workspace]\n",
        root.join("mc-auth").display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    // Share the workspace's lock file so dependency versions match what is already built.
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(dir.join("Cargo.lock"), lock).map_err(|e| e.to_string())?;
    }
    std::fs::write(src.join("lib.rs"), source).map_err(|e| e.to_string())?;
    Ok(dir)
}

fn check(dir: &Path, target: &Path) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--quiet", "--offline"])
        .current_dir(dir)
        // Incremental reuse would skip most of the work after a touch: check everything.
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TARGET_DIR", target)
        .status()
        .map_err(|e| format!("cargo check: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo check failed in {}", dir.display()))
    }
}

fn timed_check(dir: &Path, target: &Path) -> Result<(Duration, Option<Duration>), String> {
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).map_err(|e| e.to_string())?;
    std::fs::write(&lib, text).map_err(|e| e.to_string())?; // touch: new mtime
    let cpu_before = children_cpu();
    let start = Instant::now();
    check(dir, target)?;
    let wall = start.elapsed();
    let cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    Ok((wall, cpu))
}

/// The scopes client `c` declares: [`SCOPES_PER_CLIENT`] of them, spread over the catalog.
fn client_scopes(scopes: &[(String, String)], c: usize) -> Vec<&(String, String)> {
    let mut v: Vec<&(String, String)> = (0..SCOPES_PER_CLIENT)
        .map(|k| &scopes[(c * 7 + k * 23) % scopes.len()])
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The scope that call `i` (made by client `i % CLIENTS`) uses: one of its client's, in turn.
fn pick(scopes: &[(String, String)], i: usize) -> &(String, String) {
    let own = client_scopes(scopes, i % CLIENTS);
    own[(i / CLIENTS) % own.len()]
}

/// The index in `scopes` of [`pick`]'s scope.
fn pick_index(scopes: &[(String, String)], i: usize) -> usize {
    let want = pick(scopes, i);
    scopes.iter().position(|s| s == want).unwrap_or(0)
}

/// 50 `#[mc_client]` types and 500 checked calls (with `generic`, one in five through a
/// generic function bounded on `Has<S>`, one such function per scope).
pub fn scoped_source(scopes: &[(String, String)], routes: &[Call], generic: bool) -> String {
    let mut o = String::from(
        "#![allow(dead_code, non_snake_case)]\nuse mc_auth::scope::{self, Has};\nuse mc_auth::RequestBuilder;\n\n",
    );
    for c in 0..CLIENTS {
        let names: Vec<&str> = client_scopes(scopes, c).iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(
            o,
            "#[mc_auth::mc_client(scopes = \"{}\")]\npub struct Client{c};\n",
            names.join(" ")
        );
    }
    for (_, m) in scopes.iter().filter(|_| generic) {
        let _ = writeln!(
            o,
            "pub fn via_{m}<C: Has<scope::{m}>>(c: &C, p: &str) -> RequestBuilder {{ c.rest::<scope::{m}>().get(p) }}"
        );
    }
    o.push('\n');
    for c in 0..CLIENTS {
        let _ = writeln!(
            o,
            "pub fn calls_{c}(c: &Client{c}) -> Vec<RequestBuilder> {{\n    vec!["
        );
        for i in (0..CALLS).filter(|i| i % CLIENTS == c) {
            let (_, m) = pick(scopes, i);
            if i % 2 == 1 {
                let _ = writeln!(o, "        {},", routes[pick_index(scopes, i)].checked(i));
            } else if generic && i % 5 == 0 {
                let _ = writeln!(o, "        via_{m}(c, \"/path/{i}\"),");
            } else {
                let _ = writeln!(o, "        c.rest::<scope::{m}>().get(\"/path/{i}\"),");
            }
        }
        o.push_str("    ]\n}\n");
    }
    o
}

/// The same shape with plain structs, hand-written methods and no bounds. `connect` has the
/// generated code's shape (a plain function over one shared `async fn`), so that the
/// difference measured is the macro and the scope checks, not the style of `connect`.
/// With `generic`, the helper functions take `&Client` (plain code has nothing to be generic
/// over).
pub fn plain_source(scopes: &[(String, String)], routes: &[Call], generic: bool) -> String {
    let mut o = String::from(PLAIN_PRELUDE);
    for c in 0..CLIENTS {
        let names: Vec<String> = client_scopes(scopes, c).iter().map(|(n, _)| format!("{n:?}")).collect();
        o.push_str(
            &PLAIN_CLIENT
                .replace("{c}", &c.to_string())
                .replace("{scopes}", &names.join(", ")),
        );
    }
    for (_, m) in scopes.iter().filter(|_| generic) {
        let _ = writeln!(
            o,
            "pub fn via_{m}(c: &Client, p: &str) -> RequestBuilder {{ c.get(p) }}"
        );
    }
    o.push('\n');
    for c in 0..CLIENTS {
        let _ = writeln!(
            o,
            "pub fn calls_{c}(c: &Client{c}) -> Vec<RequestBuilder> {{\n    vec!["
        );
        for i in (0..CALLS).filter(|i| i % CLIENTS == c) {
            let (_, m) = pick(scopes, i);
            if i % 2 == 1 {
                let _ = writeln!(o, "        {},", routes[pick_index(scopes, i)].plain(i));
            } else if generic && i % 5 == 0 {
                let _ = writeln!(o, "        via_{m}(c.client(), \"/path/{i}\"),");
            } else {
                let _ = writeln!(o, "        c.client().get(\"/path/{i}\"),");
            }
        }
        o.push_str("    ]\n}\n");
    }
    o
}

const PLAIN_PRELUDE: &str = "#![allow(dead_code, non_snake_case)]
use std::future::Future;
use mc_auth::{Client, ClientBuilder, Credentials, RequestBuilder};

async fn connect<C>(
    builder: ClientBuilder,
    scopes: &'static [&'static str],
    name: &'static str,
    make: fn(Client) -> C,
) -> mc_auth::Result<C> {
    builder.scopes(scopes).name(name).connect().await.map(make)
}

";

const PLAIN_CLIENT: &str = "#[derive(Clone, Debug)]
pub struct Client{c} {
    inner: Client,
}

impl Client{c} {
    pub const SCOPES: &'static [&'static str] = &[{scopes}];
    pub fn connect(credentials: Credentials) -> impl Future<Output = mc_auth::Result<Self>> {
        connect(Client::builder(credentials), Self::SCOPES, \"Client{c}\", |inner| Self { inner })
    }
    pub fn connect_with(builder: ClientBuilder) -> impl Future<Output = mc_auth::Result<Self>> {
        connect(builder, Self::SCOPES, \"Client{c}\", |inner| Self { inner })
    }
    pub fn for_account(&self, account: impl Into<mc_auth::AccountId>) -> Self {
        Self { inner: self.inner.for_account(account) }
    }
    pub fn client(&self) -> &Client {
        &self.inner
    }
}

";
