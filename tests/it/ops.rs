//! Running `newsd` in production: `/metrics` and `/readyz`, JSON logs, environment overrides,
//! systemd's notification socket, and retention pruning old articles.

use std::collections::BTreeMap;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use crate::daemon::Http;
use crate::server::{ARTICLES, FixtureServer, RSS};
use crate::support::{Feed, Workspace, poll_until};

/// How long the daemon may take to ingest and index the fixture feed.
const INGEST_DEADLINE: Duration = Duration::from_secs(30);

/// How long the daemon may take to exit after SIGTERM.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// One sample line of the Prometheus text format: `name{label="value",…} value`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses Prometheus/OpenMetrics text strictly: every line is a `# ` comment (`# TYPE`,
/// `# HELP`, `# UNIT`, `# EOF`) or a sample with a valid name, quoted labels and a number.
fn parse_metrics(text: &str) -> Result<(Vec<Sample>, BTreeMap<String, String>), String> {
    let mut samples = Vec::new();
    let mut types = BTreeMap::new();
    let valid_name = |name: &str| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("TYPE"), Some(name), Some(kind)) => {
                    types.insert(name.to_owned(), kind.to_owned());
                }
                (Some("HELP" | "UNIT"), Some(_), _) | (Some("EOF"), None, None) => {}
                _ => return Err(format!("bad comment line {line:?}")),
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("no value in {line:?}"))?;
        let value: f64 = value
            .parse()
            .map_err(|e| format!("bad value in {line:?}: {e}"))?;
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let inner = rest
                    .strip_suffix('}')
                    .ok_or_else(|| format!("unclosed labels in {line:?}"))?;
                let mut labels = BTreeMap::new();
                for pair in inner.split("\",").filter(|p| !p.is_empty()) {
                    let (key, quoted) = pair
                        .split_once("=\"")
                        .ok_or_else(|| format!("bad label {pair:?} in {line:?}"))?;
                    if !valid_name(key) {
                        return Err(format!("bad label name {key:?} in {line:?}"));
                    }
                    labels.insert(key.to_owned(), quoted.trim_end_matches('"').to_owned());
                }
                (name, labels)
            }
        };
        if !valid_name(name) {
            return Err(format!("bad metric name {name:?} in {line:?}"));
        }
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Ok((samples, types))
}

/// Scrapes `/metrics` and parses it.
struct Scrape {
    samples: Vec<Sample>,
    types: BTreeMap<String, String>,
    text: String,
}

impl Scrape {
    fn get(http: &Http, url: &str) -> Scrape {
        let (status, text) = http.get(url);
        assert_eq!(status, 200, "GET {url} answered {text}");
        let (samples, types) =
            parse_metrics(&text).unwrap_or_else(|e| panic!("not Prometheus text: {e}\n{text}"));
        Scrape {
            samples,
            types,
            text,
        }
    }

    /// The value of the series `name` with exactly `labels`, if exported.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == labels)
            .map(|s| s.value)
    }

    fn expect(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no {name}{labels:?} in\n{}", self.text))
    }
}

fn france24(server: &FixtureServer) -> Workspace {
    Workspace::new(&[Feed {
        url: server.url(RSS),
        name: "France 24",
        tags: &["world"],
    }])
}

#[test]
fn metrics_count_fetches_ingested_articles_and_index_documents() {
    let server = FixtureServer::start();
    let workspace = france24(&server);
    let mut daemon = workspace.start_daemon();
    let http = Http::new();
    let metrics_url = daemon.url("/metrics");
    let items = ARTICLES.iter().filter(|a| a.source == "France 24").count() as f64;

    let scrape = poll_until(INGEST_DEADLINE, || {
        let scrape = Scrape::get(&http, &metrics_url);
        let done = scrape.value("newsd_articles_ingested_total", &[]) == Some(items)
            && scrape.value("newsd_index_documents", &[]) == Some(items);
        done.then_some(scrape)
    });
    let Some(scrape) = scrape else {
        let last = Scrape::get(&http, &metrics_url).text;
        panic!(
            "the daemon did not ingest and index {items} articles within {INGEST_DEADLINE:?}\n\
             {last}\nstderr:\n{}",
            daemon.take_stderr()
        );
    };
    let feed_ok = [("kind", "feed"), ("outcome", "ok"), ("status", "2xx")];
    assert_eq!(scrape.expect("newsd_fetches_total", &feed_ok), 1.0);
    let page_ok = [("kind", "page"), ("outcome", "ok"), ("status", "2xx")];
    assert_eq!(scrape.expect("newsd_fetches_total", &page_ok), items);
    assert!(scrape.expect("newsd_fetch_bytes_total", &[("kind", "feed")]) > 0.0);
    assert_eq!(
        scrape.expect("newsd_fetch_duration_seconds_count", &[("kind", "page")]),
        items
    );
    let feed_url = server.url(RSS);
    assert_eq!(
        scrape.expect("newsd_feed_error_streak", &[("feed", &feed_url)]),
        0.0
    );
    assert_eq!(scrape.expect("newsd_copies_merged_total", &[]), 0.0);
    assert_eq!(scrape.expect("newsd_stories_folded_total", &[]), 0.0);
    assert_eq!(scrape.expect("newsd_articles_edited_total", &[]), 0.0);
    assert!(scrape.expect("newsd_stories_open", &[]) >= 1.0);
    for queue in ["items", "articles", "index"] {
        assert!(scrape.expect("newsd_queue_capacity", &[("queue", queue)]) > 0.0);
        scrape.expect("newsd_queue_depth", &[("queue", queue)]);
    }
    assert_eq!(
        scrape.types.get("newsd_fetches").map(String::as_str),
        Some("counter")
    );
    assert_eq!(
        scrape
            .types
            .get("newsd_search_duration_seconds")
            .map(String::as_str),
        Some("histogram")
    );

    let (status, body) = http.get(&daemon.url("/api/v1/search?q=tram"));
    assert_eq!(status, 200, "{body}");
    let scrape = Scrape::get(&http, &metrics_url);
    assert_eq!(
        scrape.expect("newsd_search_duration_seconds_count", &[]),
        1.0
    );
}

#[test]
fn readyz_answers_503_naming_the_index_when_it_cannot_be_read() {
    let workspace = Workspace::new(&[]);
    let daemon = workspace.start_daemon();
    let http = Http::new();
    let (status, body) = http.get(&daemon.url("/readyz"));
    assert_eq!((status, body.as_str()), (200, "ready\n"));

    // No feeds, so nothing commits and rewrites it.
    std::fs::remove_file(workspace.data_dir.join("index").join("meta.json")).unwrap();
    let (status, body) = http.get(&daemon.url("/readyz"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("index"), "{body}");
    let (status, _) = http.get(&daemon.url("/healthz"));
    assert_eq!(status, 200, "alive, though not ready");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let workspace = Workspace::new(&[]);
    let mut daemon = workspace.start_daemon_with_env(&[("NEWSD_LOG_FORMAT", "json")]);
    let exit = daemon.terminate(SHUTDOWN_DEADLINE);
    let stderr = daemon.take_stderr();
    assert!(exit.is_some_and(|e| e.success()), "{exit:?}\n{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "INFO" && l["fields"]["message"] == "newsd started"),
        "{stderr}"
    );
}

#[test]
fn environment_overrides_the_feed_list_and_a_bad_value_names_its_variable() {
    let server = FixtureServer::start();
    let workspace = Workspace::new(&[]);
    let other = workspace.config.with_file_name("other-feeds.toml");
    let feeds = format!("[[feed]]\nurl = \"{}\"\n", server.url(RSS));
    std::fs::write(&other, feeds).unwrap();

    let output = workspace.run_with_env(
        &["validate"],
        &[("NEWSD_FEEDS_FILE", other.to_str().unwrap())],
    );
    assert!(output.status.success(), "{output}");
    assert!(output.stdout.contains("ok (1 feeds in"), "{output}");

    let output = workspace.run_with_env(&["validate"], &[("NEWSD_SHUTDOWN_TIMEOUT", "forever")]);
    assert!(!output.status.success(), "{output}");
    assert!(
        output.stderr.contains("$NEWSD_SHUTDOWN_TIMEOUT") && output.stderr.contains("forever"),
        "{output}"
    );
}

/// Reads datagrams from `socket` until one holds `wanted` or the deadline passes.
fn wait_for(socket: &UnixDatagram, wanted: &str, seen: &mut Vec<String>) -> bool {
    let end = Instant::now() + INGEST_DEADLINE;
    let mut buffer = [0u8; 4096];
    while Instant::now() < end {
        if let Ok(n) = socket.recv(&mut buffer) {
            let message = String::from_utf8_lossy(&buffer[..n]).into_owned();
            let found = message.lines().any(|line| line == wanted);
            seen.push(message);
            if found {
                return true;
            }
        }
    }
    false
}

#[test]
fn systemd_hears_ready_watchdog_and_stopping() {
    let workspace = Workspace::new(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut daemon = workspace.start_daemon_with_env(&[
        ("NOTIFY_SOCKET", path.to_str().unwrap()),
        ("WATCHDOG_USEC", "200000"),
    ]);
    let mut seen = Vec::new();
    assert!(wait_for(&socket, "READY=1", &mut seen), "{seen:?}");
    assert!(wait_for(&socket, "WATCHDOG=1", &mut seen), "{seen:?}");
    let exit = daemon.terminate(SHUTDOWN_DEADLINE);
    assert!(wait_for(&socket, "STOPPING=1", &mut seen), "{seen:?}");
    assert!(
        exit.is_some_and(|e| e.success()),
        "{}",
        daemon.take_stderr()
    );
}

#[test]
fn retention_prunes_old_articles_and_their_items_are_not_fetched_again() {
    let server = FixtureServer::start();
    let workspace = france24(&server);
    let articles: Vec<_> = ARTICLES
        .iter()
        .filter(|a| a.source == "France 24")
        .collect();
    let fetched = workspace.fetch_once();
    assert_eq!(
        fetched.new_articles,
        articles.len() as u64,
        "{}",
        fetched.output
    );
    let phrase = format!("\"{}\"", articles[0].phrase);
    assert_eq!(workspace.search(&phrase).len(), 1);

    // The fixture articles are from November 2025: older than 30 days.
    let mut daemon = workspace.start_daemon_with_env(&[("NEWSD_RETENTION_DAYS", "30")]);
    let http = Http::new();
    let metrics_url = daemon.url("/metrics");
    let pruned = poll_until(INGEST_DEADLINE, || {
        let scrape = Scrape::get(&http, &metrics_url);
        let pruned =
            scrape.value("newsd_articles_pruned_total", &[]) == Some(articles.len() as f64);
        (pruned && scrape.value("newsd_index_documents", &[]) == Some(0.0)).then_some(())
    });
    assert!(
        pruned.is_some(),
        "not pruned:\n{}",
        Scrape::get(&http, &metrics_url).text
    );
    let exit = daemon.terminate(SHUTDOWN_DEADLINE);
    assert!(
        exit.is_some_and(|e| e.success()),
        "{}",
        daemon.take_stderr()
    );
    assert!(workspace.search(&phrase).is_empty());

    // The feed answers 200 with the same entries (one headline edited): nothing new, no page.
    server.serve_instead(RSS, "/stories/france24-retitled.xml");
    server.clear_requests();
    let again = workspace.fetch_once();
    assert_eq!(again.new_articles, 0, "{}", again.output);
    let requests = server.requests();
    assert!(
        requests.iter().any(|r| r.path == RSS && r.status == 200),
        "{requests:?}"
    );
    assert!(requests.iter().all(|r| r.path == RSS), "{requests:?}");
    assert!(workspace.search(&phrase).is_empty());
}
