//! `newsd run` as a user runs it: it binds its listener, polls the feeds, answers the HTTP API
//! and stops cleanly on SIGTERM.

use std::time::Duration;

use serde::Deserialize;

use crate::server::{ARTICLES, FixtureServer, RSS};
use crate::support::{Daemon, Feed, Hit, Workspace, poll_until};

/// How long the daemon may take to poll its feed and make the first article searchable.
const INGEST_DEADLINE: Duration = Duration::from_secs(30);

/// How long the daemon may take to exit after SIGTERM.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

/// A blocking HTTP client for the test thread: reqwest on a small runtime of its own.
pub(crate) struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    pub(crate) fn new() -> Http {
        Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build client runtime"),
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("build http client"),
        }
    }

    /// GETs `url` and returns the status and body.
    pub(crate) fn get(&self, url: &str) -> (u16, String) {
        self.runtime.block_on(async {
            let response = self
                .client
                .get(url)
                .send()
                .await
                .unwrap_or_else(|error| panic!("GET {url}: {error}"));
            let status = response.status().as_u16();
            let body = response
                .text()
                .await
                .unwrap_or_else(|error| panic!("GET {url}: reading body: {error}"));
            (status, body)
        })
    }
}

#[derive(Debug, Deserialize)]
struct SearchResponse {
    query: String,
    hits: Vec<Hit>,
}

#[derive(Debug, Deserialize)]
struct ErrorResponse {
    error: String,
}

fn search_url(daemon: &Daemon, query: &str, limit: u32) -> String {
    url::Url::parse_with_params(
        &daemon.url("/api/v1/search"),
        &[("q", query), ("limit", &limit.to_string())],
    )
    .expect("search url")
    .into()
}

#[test]
fn daemon_serves_health_and_search_and_exits_cleanly_on_sigterm() {
    let server = FixtureServer::start();
    let workspace = Workspace::new(&[Feed {
        url: server.url(RSS),
        name: "France 24",
        tags: &["world", "en"],
    }]);
    let mut daemon = workspace.start_daemon();
    let http = Http::new();

    let (status, body) = http.get(&daemon.url("/healthz"));
    assert_eq!(status, 200, "GET /healthz answered {body:?}");

    let article = &ARTICLES[0];
    let query = format!("\"{}\"", article.phrase);
    let url = search_url(&daemon, &query, 5);
    let found = poll_until(INGEST_DEADLINE, || {
        let (status, body) = http.get(&url);
        assert_eq!(status, 200, "GET {url} answered {body}");
        let response: SearchResponse = serde_json::from_str(&body)
            .unwrap_or_else(|error| panic!("GET {url}: bad JSON {body:?}: {error}"));
        (!response.hits.is_empty()).then_some(response)
    });
    let Some(found) = found else {
        panic!(
            "the daemon did not make {} searchable within {INGEST_DEADLINE:?}\nstderr:\n{}",
            article.path,
            daemon.take_stderr()
        );
    };
    assert_eq!(found.query, query);
    assert_eq!(found.hits.len(), 1, "{:#?}", found.hits);
    assert_eq!(found.hits[0].url, server.url(article.path));
    assert_eq!(found.hits[0].source, article.source);
    assert!(!found.hits[0].title.is_empty(), "{:?}", found.hits[0]);

    let malformed = search_url(&daemon, "title:(unclosed", 5);
    let (status, body) = http.get(&malformed);
    assert_eq!(status, 400, "GET {malformed} answered {body}");
    let error: ErrorResponse = serde_json::from_str(&body)
        .unwrap_or_else(|error| panic!("400 body is not {{\"error\": ...}}: {body:?}: {error}"));
    assert!(!error.error.trim().is_empty(), "empty error message");

    let exit = daemon.terminate(SHUTDOWN_DEADLINE);
    let stderr = daemon.take_stderr();
    let Some(exit) = exit else {
        panic!("newsd run still running {SHUTDOWN_DEADLINE:?} after SIGTERM\nstderr:\n{stderr}");
    };
    assert!(
        exit.success(),
        "newsd run exited with {exit} after SIGTERM\nstderr:\n{stderr}"
    );
}
