//! A real `redis-server` for tests: started on a free loopback port with a temporary
//! directory, no persistence, and killed (and its directory removed) on drop.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set by `cargo xtask test` (and CI): a missing system program is then a test failure
/// instead of a skipped test.
pub const REQUIRE_ENV: &str = "MC_AUTH_REQUIRE_SYSTEM_TOOLS";

/// Why a Redis test is skipped when `redis-server` is missing.
pub const SKIP_REASON: &str =
    "needs redis-server: run `cargo xtask test` (installs it) or `apt-get install redis-server`";

/// The `redis-server` program, if installed (on `PATH`, or where Debian puts it).
pub fn redis_server_path() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("redis-server"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([
            PathBuf::from("/usr/bin/redis-server"),
            PathBuf::from("/usr/sbin/redis-server"),
        ])
        .find(|p| p.is_file())
}

/// True when Redis tests must run: `redis-server` is installed, or [`REQUIRE_ENV`] is set
/// (they then fail, naming what to install, instead of being skipped).
pub fn redis_tests_run() -> bool {
    redis_server_path().is_some() || std::env::var_os(REQUIRE_ENV).is_some()
}

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    program: PathBuf,
}

impl RedisServer {
    /// Starts one on a free loopback port (Redis has no port 0: a port is picked, and
    /// another one tried if Redis cannot bind it).
    ///
    /// # Panics
    /// When `redis-server` is not installed (saying what to install), or will not start.
    pub fn start() -> RedisServer {
        let program = redis_server_path().unwrap_or_else(|| panic!("{SKIP_REASON}"));
        let dir = crate::temp_store_path("redis").parent().map(Path::to_path_buf).unwrap();
        let mut last = String::new();
        for _ in 0..10 {
            let port = free_port();
            let mut server = RedisServer {
                child: None,
                port,
                dir: dir.clone(),
                program: program.clone(),
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("redis-server did not start on any of 10 ports: {last}");
    }

    fn spawn(&mut self) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let mut child = Command::new(&self.program)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "yes"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "redis-server exited at once ({status}); port {} taken?",
                    self.port
                ));
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                return Err("redis-server did not listen within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Sends `signal` (`-STOP`, `-CONT`, `-KILL`) to the server.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {}", self.pid());
    }

    /// Kills the server (an outage) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: nothing is persisted).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn()
            .unwrap_or_else(|e| panic!("redis-server did not restart: {e}"));
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // SIGKILL ends a stopped (SIGSTOP) server too.
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a loopback port")
}

/// How long a client leaves a failed shared tier alone (mc-auth's pause after an outage).
pub const TIER_PAUSE: Duration = Duration::from_secs(5);
