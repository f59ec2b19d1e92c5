//! A workspace per test (config, feeds file and data dir in a temp dir) and the ways a user
//! runs `newsd` in it: one-shot commands with a deadline, and the daemon behind a guard that
//! always kills it.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tempfile::TempDir;

/// How long a one-shot command may take before the test gives up on it. Generous: the fixture
/// server answers at once, so only a hung binary gets near it.
const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

/// How long the daemon may take to print its `listening on` line.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// How often a wait loop looks at its condition again.
pub const POLL: Duration = Duration::from_millis(50);

/// A feed entry for `feeds.toml`.
pub struct Feed<'a> {
    pub url: String,
    pub name: &'a str,
    pub tags: &'a [&'a str],
}

/// A temp dir holding `newsd.toml`, `feeds.toml` and the data dir.
pub struct Workspace {
    _dir: TempDir,
    pub config: PathBuf,
    pub feeds_file: PathBuf,
    pub data_dir: PathBuf,
}

/// The text of a feeds file listing `feeds`.
pub fn feeds_file(feeds: &[Feed]) -> String {
    let mut text = String::from("# feeds polled by the integration tests\n");
    for feed in feeds {
        let tags: Vec<String> = feed.tags.iter().map(|tag| format!("\"{tag}\"")).collect();
        text.push_str(&format!(
            "\n[[feed]]\nurl = \"{}\"\nname = \"{}\"\ntags = [{}]\n",
            feed.url,
            feed.name,
            tags.join(", ")
        ));
    }
    text
}

impl Workspace {
    /// A workspace whose feeds file lists `feeds`.
    pub fn new(feeds: &[Feed]) -> Workspace {
        Workspace::with_feeds_toml(&feeds_file(feeds))
    }

    /// A workspace whose feeds file is exactly `feeds_toml`.
    pub fn with_feeds_toml(feeds_toml: &str) -> Workspace {
        Workspace::with_fetch_settings(feeds_toml, "")
    }

    /// A workspace whose feeds file is `feeds_toml` and whose `[fetch]` section also holds
    /// `fetch_settings` (TOML lines such as `per_host_gap = "200ms"`).
    pub fn with_fetch_settings(feeds_toml: &str, fetch_settings: &str) -> Workspace {
        Workspace::with_settings(feeds_toml, fetch_settings, "")
    }

    /// A workspace whose feeds file is `feeds_toml` and whose config holds `fetch_settings` in
    /// its `[fetch]` section and then `tables` (whole TOML tables, such as `[dedup]` and its
    /// keys).
    pub fn with_settings(feeds_toml: &str, fetch_settings: &str, tables: &str) -> Workspace {
        // Defaults for the tests, unless `fetch_settings` sets the key. Every fixture feed and
        // page is on one host: without `per_host_gap = "0s"`, per-host politeness would space
        // the requests a second apart. That host is 127.0.0.1, which the SSRF guard refuses
        // unless it is allowed (`allow_addresses = []` sets the guard's default back).
        let sets = |key: &str| {
            fetch_settings
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{key} ")))
        };
        let defaults: String = [
            ("timeout", "\"10s\""),
            ("default_interval", "\"15m\""),
            ("per_host_gap", "\"0s\""),
            ("allow_addresses", "[\"127.0.0.0/8\"]"),
        ]
        .iter()
        .filter(|(key, _)| !sets(key))
        .map(|(key, value)| format!("{key} = {value}\n"))
        .collect();
        let dir = tempfile::tempdir().expect("create temp dir");
        let config = dir.path().join("newsd.toml");
        let feeds_file = dir.path().join("feeds.toml");
        let data_dir = dir.path().join("data");
        let newsd_toml = format!(
            "# newsd configuration for one integration test\n\
             feeds_file = \"feeds.toml\"\n\
             data_dir = \"{}\"\n\
             listen = \"127.0.0.1:0\"\n\
             \n\
             [fetch]\n\
             {defaults}\
             {fetch_settings}\n\
             {tables}\n",
            data_dir.display()
        );
        std::fs::write(&config, newsd_toml).expect("write newsd.toml");
        std::fs::write(&feeds_file, feeds_toml).expect("write feeds.toml");
        Workspace {
            _dir: dir,
            config,
            feeds_file,
            data_dir,
        }
    }

    /// `newsd --config <this workspace's config> ARGS...`, isolated from the caller's
    /// environment (no inherited newsd variables, no proxy, no colour).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_newsd"));
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.config.parent().expect("config has a parent"))
            .stdin(Stdio::null())
            .env_remove("NEWSD_CONFIG")
            .env_remove("NEWSD_DATA_DIR")
            .env_remove("NEWSD_LISTEN")
            .env_remove("NEWSD_LOG_FORMAT")
            .env_remove("NEWSD_FEEDS_FILE")
            .env_remove("NEWSD_SHUTDOWN_TIMEOUT")
            .env_remove("NEWSD_RETENTION_DAYS")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        for proxy in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            command.env_remove(proxy);
        }
        command
    }

    /// Runs a one-shot command to completion (or kills it at the deadline and fails the test).
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    /// [`run`](Self::run) with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let shown = format!("newsd {}", args.join(" "));
        let child = command.spawn().expect("spawn newsd");
        let mut child = KillOnDrop(child);
        let stdout = drain(child.0.stdout.take().expect("piped stdout"));
        let stderr = drain(child.0.stderr.take().expect("piped stderr"));
        let deadline = Instant::now() + COMMAND_DEADLINE;
        let status = loop {
            if let Some(status) = child.0.try_wait().expect("wait for newsd") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.0.kill();
                let _ = child.0.wait();
                panic!(
                    "`{shown}` still running after {COMMAND_DEADLINE:?}\nstderr:\n{}",
                    stderr.join().unwrap_or_default()
                );
            }
            std::thread::sleep(POLL);
        };
        Output {
            command: shown,
            status,
            stdout: stdout.join().expect("read stdout"),
            stderr: stderr.join().expect("read stderr"),
        }
    }

    /// Runs a one-shot command and fails the test unless it exits 0.
    pub fn run_ok(&self, args: &[&str]) -> Output {
        let output = self.run(args);
        assert!(output.status.success(), "expected success:\n{output}");
        output
    }

    /// `newsd fetch-once`, which must exit 0 and print its summary line.
    pub fn fetch_once(&self) -> FetchSummary {
        let output = self.run_ok(&["fetch-once"]);
        FetchSummary::parse(output)
    }

    /// `newsd search QUERY --json`, one hit per line.
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let output = self.run_ok(&["search", query, "--json"]);
        output
            .stdout
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|error| {
                    panic!("bad search hit line {line:?}: {error}\n{output}")
                })
            })
            .collect()
    }

    /// Starts `newsd run` and waits until it reports its listener.
    pub fn start_daemon(&self) -> Daemon {
        self.start_daemon_with_env(&[])
    }

    /// [`start_daemon`](Self::start_daemon) with extra environment variables.
    pub fn start_daemon_with_env(&self, env: &[(&str, &str)]) -> Daemon {
        let mut command = self.command(&["run"]);
        command.envs(env.iter().copied());
        Daemon::start(command)
    }
}

/// What a finished command printed.
pub struct Output {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

/// The outcome of `fetch-once`: its output and the counts from its summary line
/// (`fetched 4 feeds: 2 ok, 1 not modified, 1 failed; 7 new articles`).
pub struct FetchSummary {
    pub output: Output,
    pub failed: u64,
    pub new_articles: u64,
}

impl FetchSummary {
    fn parse(output: Output) -> FetchSummary {
        let line = output
            .stdout
            .lines()
            .find(|line| line.contains("new articles"))
            .unwrap_or_else(|| panic!("no summary line with \"new articles\":\n{output}"))
            .to_string();
        let count = |label| {
            number_before(&line, label)
                .unwrap_or_else(|| panic!("summary {line:?} has no \"N {label}\"\n{output}"))
        };
        FetchSummary {
            failed: count("failed"),
            new_articles: count("new articles"),
            output,
        }
    }
}

/// The number written just before `label` in `text`: `number_before("2 ok, 1 failed", "failed")`
/// is `Some(1)`.
fn number_before(text: &str, label: &str) -> Option<u64> {
    text.match_indices(label).find_map(|(at, _)| {
        let before = text[..at].trim_end();
        let digits_at = before
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        before[digits_at..].parse().ok()
    })
}

/// One search hit, as `search --json` prints it and `/api/v1/search` returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub url: String,
    pub source: String,
    pub published: Option<String>,
    pub snippet: String,
    pub story_id: Option<i64>,
    /// Other outlets' copies of the article.
    pub copies: Vec<HitCopy>,
}

/// Another outlet's copy of a hit's article.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HitCopy {
    pub source: String,
    pub url: String,
}

/// `newsd run` as a child process. Dropping it kills the process, so a failing test never
/// leaves a daemon behind.
pub struct Daemon {
    child: Child,
    /// `http://127.0.0.1:PORT` from the `listening on` line.
    pub base: String,
    stderr: Option<JoinHandle<String>>,
}

impl Daemon {
    fn start(mut command: Command) -> Daemon {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn newsd run");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        let mut daemon = Daemon {
            child,
            base: String::new(),
            stderr: Some(stderr),
        };

        // A reader thread forwards stdout lines for as long as the daemon writes any: it keeps
        // reading after nobody listens, so the daemon never writes into a closed pipe.
        let (line_tx, line_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = line_tx.send(line);
            }
        });

        let deadline = Instant::now() + STARTUP_DEADLINE;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match line_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let base = rest.split_whitespace().next().unwrap_or_default();
                        daemon.base = base.trim_end_matches('/').to_string();
                        return daemon;
                    }
                    seen.push(line);
                }
                Err(error) => {
                    let status = daemon.child.try_wait().ok().flatten();
                    let _ = daemon.child.kill();
                    let _ = daemon.child.wait();
                    panic!(
                        "newsd run printed no `listening on` line ({error:?}, exit status \
                         {status:?})\n--- stdout ---\n{}\n--- stderr ---\n{}",
                        seen.join("\n"),
                        daemon.take_stderr()
                    );
                }
            }
        }
    }

    /// The absolute URL of a path on the daemon's HTTP listener.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// Sends `signal` (`"HUP"`, `"TERM"`, …) to the daemon with `kill`.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} failed: {sent}");
    }

    /// Sends SIGTERM and waits up to `within` for the process to exit; `None` if it did not.
    pub fn terminate(&mut self, within: Duration) -> Option<ExitStatus> {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed: {sent}");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for newsd run") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Sends SIGKILL, as a crash or the OOM killer would, and reaps the process.
    pub fn kill(&mut self) -> ExitStatus {
        self.child.kill().expect("kill -9 newsd run");
        self.child.wait().expect("wait for killed newsd run")
    }

    /// Everything the daemon wrote to stderr. Only complete once the process has exited.
    pub fn take_stderr(&mut self) -> String {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Kills a one-shot child if the test panics while it runs.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Reads a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits until `check` returns `Some`, looking again every [`POLL`]; `None` at the deadline.
pub fn poll_until<T>(deadline: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// The text of a file, for assertions on files the binary edits.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

#[test]
fn number_before_reads_the_count_in_front_of_a_label() {
    let line = "fetched 4 feeds: 2 ok, 1 not modified, 1 failed; 7 new articles";
    assert_eq!(number_before(line, "failed"), Some(1));
    assert_eq!(number_before(line, "new articles"), Some(7));
    assert_eq!(number_before("0 new articles", "new articles"), Some(0));
    assert_eq!(number_before("no count here failed", "failed"), None);
}

/// `n` in letters (`0` → `a`, `26` → `ba`), for made-up words no tokenizer splits. Markers end
/// in `zq`, which no stemmer touches (`zqy` and `zqi` both stem to `zqi` in English).
pub fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

/// `count` made-up words seeded by `seed`: pages written from different seeds share no
/// vocabulary, so none is taken for a copy of another.
pub fn words(seed: usize, count: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "pe", "si", "du", "ga", "ho", "ji", "be", "fu",
        "co",
    ];
    let mut state = (seed as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|_| {
            (0..3)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    SYLLABLES[(state % SYLLABLES.len() as u64) as usize]
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An RSS 2.0 feed titled `title` around `items` (`<item>` elements); `{{BASE}}` in it is the
/// fixture server's base URL.
pub fn rss_feed(title: &str, items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>{{{{BASE}}}}/</link>\
         <description>generated</description>\n{items}</channel></rss>\n"
    )
}
