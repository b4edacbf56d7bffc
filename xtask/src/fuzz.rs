//! `cargo xtask fuzz --seconds N [TARGET...]`: coverage-guided fuzzing of mc-auth's parsers.
//!
//! The targets live in `fuzz/` (a crate outside the workspace) and run under libFuzzer through
//! cargo-fuzz on the **stable** toolchain: `cargo fuzz run -s none` adds only stable codegen flags
//! (`-Cpasses=sancov-module` and `-Cllvm-args=-sanitizer-coverage-*`), so no nightly and no
//! `RUSTC_BOOTSTRAP` are needed. What is given up is AddressSanitizer (`-Zsanitizer`, nightly
//! only), which matters little for safe Rust: panics, overflow checks and debug assertions are
//! all on and each aborts as a crash.
//!
//! Each target starts from its committed seeds in `fuzz/corpus/<target>/seed-*` plus what earlier
//! runs found (kept in `fuzz/target/corpus/<target>`, never committed). A crash leaves its input in
//! `fuzz/artifacts/<target>/`; the full libFuzzer log of each run is in `fuzz/target/fuzz-logs/`.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;

/// Every fuzz target in `fuzz/fuzz_targets`, in the order they run.
pub const TARGETS: &[&str] = &[
    "token_response",
    "api_error",
    "callback",
    "soap_response",
    "soap_roundtrip",
];

/// The cargo-fuzz release line that `fuzz` installs when `cargo fuzz` is missing.
const CARGO_FUZZ_VERSION: &str = "^0.13";

/// One target's run, as read from libFuzzer's output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Executions reached (`stat::number_of_executed_units`, else the last `#N` status line).
    pub executions: Option<u64>,
    /// Seconds libFuzzer reported (`Done N runs in S second(s)`; absent after a crash).
    pub seconds: Option<u64>,
    /// Average executions per second (`stat::average_exec_per_sec`).
    pub exec_per_sec: Option<u64>,
    /// Coverage (`cov:`) and corpus size (`corp:`) from the last status line.
    pub coverage: Option<u64>,
    /// Inputs in the corpus at the end.
    pub corpus: Option<u64>,
    /// The crash kind (`deadly signal`, `timeout`, `out-of-memory`, ...) if one was found.
    pub crash: Option<String>,
    /// Where libFuzzer wrote the crashing input.
    pub artifact: Option<String>,
    /// The panic message, if the crash was a Rust panic.
    pub panic: Option<String>,
}

/// Runs `targets` (all of [`TARGETS`] if empty) for `seconds` each, one after another, and
/// prints the executions reached and whether a crash was found. Fails if any target crashed,
/// after running them all.
pub fn fuzz(root: &Path, seconds: u64, targets: &[String]) -> Result<(), String> {
    if seconds == 0 {
        return Err("fuzz: --seconds must be at least 1 (libFuzzer reads 0 as \"forever\")".into());
    }
    let chosen: Vec<&str> = if targets.is_empty() {
        TARGETS.to_vec()
    } else {
        let mut chosen = Vec::new();
        for t in targets {
            let known = TARGETS
                .iter()
                .find(|k| **k == t.as_str())
                .ok_or_else(|| format!("fuzz: unknown target `{t}`; the targets are: {}", TARGETS.join(", ")))?;
            chosen.push(*known);
        }
        chosen
    };
    let fuzz_dir = root.join("fuzz");
    if !fuzz_dir.join("Cargo.toml").is_file() {
        return Err(format!("fuzz: no fuzz crate at {}", fuzz_dir.display()));
    }
    ensure_cargo_fuzz(root)?;

    let mut results = Vec::new();
    for target in &chosen {
        let outcome = run_target(root, &fuzz_dir, target, seconds)?;
        println!("{}", summary_line(target, seconds, &outcome));
        results.push((*target, outcome));
    }

    println!("\nfuzz summary ({seconds} s per target, libFuzzer via cargo-fuzz, stable, -s none):");
    for (target, outcome) in &results {
        println!("  {}", summary_line(target, seconds, outcome));
    }
    let crashed: Vec<String> = results
        .iter()
        .filter(|(_, o)| o.crash.is_some())
        .map(|(t, o)| {
            let artifact = o.artifact.as_deref().unwrap_or("(no artifact written)");
            format!("{t}: {artifact}\n    reproduce: cargo fuzz run -s none {t} {artifact}")
        })
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz: {} target(s) crashed:\n  {}",
            crashed.len(),
            crashed.join("\n  ")
        ))
    }
}

/// Installs cargo-fuzz from crates.io if `cargo fuzz` does not run.
fn ensure_cargo_fuzz(root: &Path) -> Result<(), String> {
    let present = Command::new(cargo())
        .args(["fuzz", "--version"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    eprintln!(
        "==> cargo-fuzz is not installed: installing it from crates.io \
         (`cargo install cargo-fuzz --version {CARGO_FUZZ_VERSION} --locked`, a few minutes, once).\n    \
         The targets link libFuzzer, which libfuzzer-sys compiles from C++: a C++ compiler (g++ or clang++) must be on PATH."
    );
    let status = Command::new(cargo())
        .args(["install", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--locked"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("fuzz: cannot run cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("fuzz: `cargo install cargo-fuzz` failed ({status})"))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs one target for `seconds`, streaming its output (less libFuzzer's per-input lines) and
/// keeping the full log in `fuzz/target/fuzz-logs/<target>.log`.
fn run_target(root: &Path, fuzz_dir: &Path, target: &str, seconds: u64) -> Result<Outcome, String> {
    let seeds = fuzz_dir.join("corpus").join(target);
    let grown = fuzz_dir.join("target").join("corpus").join(target);
    let logs = fuzz_dir.join("target").join("fuzz-logs");
    for dir in [&grown, &logs] {
        fs::create_dir_all(dir).map_err(|e| format!("fuzz: cannot create {}: {e}", dir.display()))?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let mut log =
        fs::File::create(&log_path).map_err(|e| format!("fuzz: cannot create {}: {e}", log_path.display()))?;

    // New inputs go to the first corpus directory (`grown`); the seeds are only read.
    let args: Vec<String> = vec![
        "fuzz".into(),
        "run".into(),
        "--fuzz-dir".into(),
        path_arg(fuzz_dir),
        "--sanitizer".into(),
        "none".into(),
        target.into(),
        path_arg(&grown),
        path_arg(&seeds),
        "--".into(),
        format!("-max_total_time={seconds}"),
        "-print_final_stats=1".into(),
        "-timeout=10".into(),
    ];
    eprintln!("==> cargo {}", args.join(" "));
    let mut child = Command::new(cargo())
        .args(&args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("fuzz: cannot run cargo fuzz: {e}"))?;

    let (tx, rx) = mpsc::channel::<String>();
    let readers = [
        forward(
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            tx.clone(),
        ),
        forward(child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>), tx),
    ];
    let mut lines = Vec::new();
    let mut in_dictionary = false;
    for line in rx {
        let _ = writeln!(log, "{line}");
        if line.starts_with("###### Recommended dictionary") {
            in_dictionary = true;
        }
        if !in_dictionary && !is_per_input_line(&line) {
            eprintln!("{line}");
        }
        if line.starts_with("###### End of recommended dictionary") {
            in_dictionary = false;
        }
        lines.push(line);
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait().map_err(|e| format!("fuzz: waiting for cargo fuzz: {e}"))?;
    let outcome = parse_output(lines.iter().map(String::as_str));
    if !status.success() && outcome.crash.is_none() {
        return Err(format!(
            "fuzz: `cargo fuzz run` for {target} failed ({status}) without a crash report \
             (a build error?); full log: {}",
            log_path.display()
        ));
    }
    Ok(outcome)
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn forward(stream: Option<Box<dyn Read + Send>>, tx: mpsc::Sender<String>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let Some(stream) = stream else { return };
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        while matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
            let line = String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).to_owned();
            if tx.send(line).is_err() {
                return;
            }
            buf.clear();
        }
    })
}

/// libFuzzer's lines for each new or reduced input (many), and its notes that no sanitizer
/// runtime is linked (expected with `-s none`): only in the log.
fn is_per_input_line(line: &str) -> bool {
    if line.starts_with("WARNING: Failed to find function \"__sanitizer_") {
        return true;
    }
    status_line(line).is_some_and(|(_, rest)| ["NEW", "REDUCE", "pulse", "RELOAD"].iter().any(|w| rest.starts_with(w)))
}

/// Splits a libFuzzer status line `#N\tWORD ...` into `N` and the rest.
fn status_line(line: &str) -> Option<(u64, &str)> {
    let rest = line.strip_prefix('#')?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    let n = rest[..end].parse().ok()?;
    Some((n, rest[end..].trim_start()))
}

/// The number after `key` in `line` (`cov: 123`, `corp: 45/6789b`).
fn number_after(line: &str, key: &str) -> Option<u64> {
    let at = line.find(key)? + key.len();
    let digits: String = line[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Reads libFuzzer's (and cargo-fuzz's) output: executions, coverage and any crash.
pub fn parse_output<'a>(lines: impl IntoIterator<Item = &'a str>) -> Outcome {
    let mut o = Outcome::default();
    let mut last_status = None;
    let mut stat_units = None;
    let mut done_runs = None;
    for line in lines {
        if let Some((n, rest)) = status_line(line) {
            last_status = Some(n);
            if rest.starts_with("DONE") {
                done_runs = Some(n);
            }
            if let Some(c) = number_after(rest, "cov:") {
                o.coverage = Some(c);
            }
            if let Some(c) = number_after(rest, "corp:") {
                o.corpus = Some(c);
            }
        } else if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
            stat_units = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("stat::average_exec_per_sec:") {
            o.exec_per_sec = v.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Done ") {
            // `Done 1590668 runs in 11 second(s)`
            let mut words = rest.split_whitespace();
            if let Some(n) = words.next().and_then(|w| w.parse().ok()) {
                done_runs = done_runs.or(Some(n));
            }
            o.seconds = words.nth(2).and_then(|w| w.parse().ok());
        } else if let Some(kind) = line
            .find("ERROR: libFuzzer: ")
            .map(|at| &line[at + "ERROR: libFuzzer: ".len()..])
        {
            o.crash = Some(kind.trim().to_owned());
        } else if let Some(at) = line.find("Test unit written to ") {
            o.artifact = Some(line[at + "Test unit written to ".len()..].trim().to_owned());
        } else if line.starts_with("thread '") && line.contains("panicked at") {
            o.panic = Some(line.to_owned());
        } else if o.panic.as_deref().is_some_and(|p| !p.contains("\n")) {
            // The line after `panicked at ...` is the message.
            if let Some(p) = o.panic.as_mut() {
                p.push('\n');
                p.push_str(line);
            }
        }
    }
    if o.artifact.is_some() && o.crash.is_none() {
        o.crash = Some("crash".into());
    }
    o.executions = stat_units.or(done_runs).or(last_status);
    o
}

fn summary_line(target: &str, seconds: u64, o: &Outcome) -> String {
    let execs = o
        .executions
        .map(|n| {
            let rate = o
                .exec_per_sec
                .unwrap_or_else(|| n / o.seconds.unwrap_or(seconds).max(1));
            // A crash stops the run early: say when.
            let when = match (&o.crash, rate) {
                (Some(_), r) if r > 0 => format!(", stopped by the crash after ~{} s", n / r),
                _ => String::new(),
            };
            format!("{} executions (~{}/s{when})", grouped(n), grouped(rate))
        })
        .unwrap_or_else(|| "executions unknown".into());
    let cov = match (o.coverage, o.corpus) {
        (Some(c), Some(k)) => format!(", cov {c}, corpus {k}"),
        (Some(c), None) => format!(", cov {c}"),
        _ => String::new(),
    };
    let verdict = match (&o.crash, &o.artifact) {
        (None, _) => "no crash".to_owned(),
        (Some(kind), artifact) => {
            let panic = o
                .panic
                .as_deref()
                .and_then(|p| p.lines().nth(1))
                .map(|m| format!(" (panic: {m})"))
                .unwrap_or_default();
            let at = artifact
                .as_deref()
                .map(|a| format!(", input in {a}"))
                .unwrap_or_default();
            format!("CRASH: {kind}{panic}{at}")
        }
    };
    format!("{target:<15} {execs}{cov}: {verdict}")
}

fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_clean_run() {
        let out = "INFO: seed corpus: files: 3 min: 120b max: 1312b total: 2700b rss: 30Mb\n\
#4\tINITED cov: 310 ft: 900 corp: 3/2700b exec/s: 0 rss: 31Mb\n\
#1024\tNEW    cov: 320 ft: 950 corp: 4/2800b lim: 1312 exec/s: 0 rss: 31Mb L: 90/1312 MS: 1 ChangeBit-\n\
#1590668\tDONE   cov: 612 ft: 2950 corp: 251/40Kb lim: 4096 exec/s: 26511 rss: 64Mb\n\
Done 1590668 runs in 61 second(s)\n\
stat::number_of_executed_units: 1590670\n\
stat::average_exec_per_sec:     26511\n";
        let o = parse_output(out.lines());
        assert_eq!(o.executions, Some(1590670));
        assert_eq!(o.seconds, Some(61));
        assert_eq!(o.exec_per_sec, Some(26511));
        assert_eq!(o.coverage, Some(612));
        assert_eq!(o.corpus, Some(251));
        assert_eq!(o.crash, None);
        assert!(is_per_input_line("#1024\tNEW    cov: 320"));
        assert!(!is_per_input_line("#1590668\tDONE   cov: 612"));
        assert_eq!(grouped(1590670), "1,590,670");
    }

    #[test]
    fn reads_a_crash() {
        let out = "#8192\tpulse  cov: 400 ft: 1000 corp: 40/3Kb exec/s: 4096 rss: 40Mb\n\
thread '<unnamed>' (14952) panicked at library/core/src/time.rs:962:23:\n\
cannot convert float seconds to Duration: value is either too big or NaN\n\
==14952== ERROR: libFuzzer: deadly signal\n\
MS: 2 CopyPart-InsertRepeatedBytes-; base unit: 0123\n\
artifact_prefix='/w/fuzz/artifacts/token_response/'; Test unit written to /w/fuzz/artifacts/token_response/crash-847e\n\
stat::number_of_executed_units: 9000\n\
stat::average_exec_per_sec:     1000\n";
        let o = parse_output(out.lines());
        assert_eq!(o.executions, Some(9000));
        assert_eq!(o.crash.as_deref(), Some("deadly signal"));
        assert_eq!(
            o.artifact.as_deref(),
            Some("/w/fuzz/artifacts/token_response/crash-847e")
        );
        let line = summary_line("token_response", 60, &o);
        assert!(line.contains("cannot convert float seconds"), "{line}");
        assert!(line.contains("after ~9 s"), "{line}");
    }
}
