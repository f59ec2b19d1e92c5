//! Backpressure, as an operator sees it: while the article pages do not answer, `newsd run`
//! stops fetching feeds once its item queue is full, instead of polling every feed and holding
//! all their new items in memory; when the pages answer again, every feed is polled and every
//! item is stored, none lost. The pages are gated by the fixture server, so the test decides
//! when the page stage is stalled instead of guessing at timings.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::daemon::Http;
use crate::server::FixtureServer;
use crate::support::{Feed, POLL, Workspace, letters, poll_until, rss_feed, words};

/// Many more feeds than the daemon polls while its queue is full: its item queue holds 64
/// items and 64 polls may be in flight, so about 64 + 64 / `ITEMS_PER_FEED` feeds are polled.
const FEEDS: usize = 240;
const ITEMS_PER_FEED: usize = 2;
const ITEMS: usize = FEEDS * ITEMS_PER_FEED;

/// How long the feed requests must stay the same to count as stopped. The count can only
/// grow, so a slow machine can only make this test miss a regression, never fail a good build.
const QUIET: Duration = Duration::from_secs(2);
/// How long the daemon may take to stall, and then to store everything.
const DEADLINE: Duration = Duration::from_secs(120);

/// A made-up word per `n`, prefixed and suffixed with `zq`.
fn marker(n: usize) -> String {
    format!("zq{}zq", letters(n))
}

/// Serves `FEEDS` feeds of `ITEMS_PER_FEED` items each, every item's page gated.
fn generate_site(server: &FixtureServer) -> Vec<Feed<'static>> {
    (0..FEEDS)
        .map(|feed| {
            let path = format!("/bp/feed{feed}.xml");
            let items: String = (0..ITEMS_PER_FEED)
                .map(|item| {
                    let n = feed * ITEMS_PER_FEED + item;
                    let page = format!("/bp/pages/{feed}/{item}.html");
                    let title = format!("{} {}", marker(n), words(n + 100_000, 5));
                    let body: String = (0..3)
                        .map(|p| format!("<p>{}.</p>\n", words(n * 3 + p, 40)))
                        .collect();
                    server.serve_gated(
                        &page,
                        "text/html; charset=utf-8",
                        format!(
                            "<!doctype html>\n<html lang=\"en\"><head><title>{title}</title>\
                             </head>\n<body><article><h1>{title}</h1>\n{body}</article></body>\
                             </html>\n"
                        ),
                    );
                    format!(
                        "<item><title>{title}</title><link>{{{{BASE}}}}{page}</link>\
                         <guid>{{{{BASE}}}}{page}</guid></item>\n"
                    )
                })
                .collect();
            server.serve_generated(
                &path,
                "application/rss+xml",
                rss_feed(&format!("Feed {feed}"), &items),
            );
            Feed {
                url: server.url(&path),
                name: "Backpressure",
                tags: &[],
            }
        })
        .collect()
}

/// Feed requests the fixture server has answered.
fn feed_requests(server: &FixtureServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/bp/feed"))
        .count()
}

/// The daemon's `newsd_queue_depth` of the item queue, from `/metrics`.
fn item_queue_depth(http: &Http, metrics_url: &str) -> Option<usize> {
    let (_, text) = http.get(metrics_url);
    text.lines()
        .find(|line| line.starts_with("newsd_queue_depth{queue=\"items\"}"))
        .and_then(|line| line.split_whitespace().last()?.parse().ok())
}

/// (articles stored, distinct article URLs, items still pending), read through SQLite as another process sees it;
/// `None` until the daemon has created its tables.
fn store_counts(database: &Path) -> Option<(usize, usize, usize)> {
    let connection =
        Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    connection.busy_timeout(Duration::from_secs(5)).ok()?;
    let count = |sql: &str| {
        connection
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .ok()
            .map(|n| n as usize)
    };
    Some((
        count("SELECT COUNT(*) FROM articles")?,
        count("SELECT COUNT(DISTINCT url) FROM articles")?,
        count("SELECT COUNT(*) FROM items WHERE done = 0")?,
    ))
}

#[test]
fn feed_fetches_wait_while_the_page_stage_is_stalled_and_nothing_is_lost() {
    let server = FixtureServer::start();
    let feeds = generate_site(&server);
    let workspace = Workspace::with_fetch_settings(
        &crate::support::feeds_file(&feeds),
        "page_workers = 2\nper_host_concurrency = 64\n",
    );
    let database = workspace.data_dir.join("newsd.sqlite");
    let daemon = workspace.start_daemon();
    let http = Http::new();
    let metrics_url = daemon.url("/metrics");

    // Stalled: no page answers, the item queue fills up, and the feed requests stop.
    poll_until(DEADLINE, || {
        (item_queue_depth(&http, &metrics_url)? == 64).then_some(())
    })
    .expect("the item queue fills up while no page answers");
    let start = Instant::now();
    let (mut polled, mut since) = (feed_requests(&server), Instant::now());
    while since.elapsed() < QUIET {
        assert!(start.elapsed() < DEADLINE, "the feed requests never stop");
        std::thread::sleep(POLL);
        let now = feed_requests(&server);
        if now != polled {
            (polled, since) = (now, Instant::now());
        }
    }
    eprintln!("stalled: {polled} of {FEEDS} feeds fetched");
    assert!(
        polled <= FEEDS / 2,
        "{polled} of {FEEDS} feeds were fetched while the page stage was stalled; \
         the pollers should wait for the item queue"
    );

    // Resumed: every feed is polled once and every item stored once.
    server.open_gate();
    let counts = poll_until(DEADLINE, || {
        store_counts(&database).filter(|&(articles, _, pending)| articles >= ITEMS && pending == 0)
    });
    assert_eq!(
        counts,
        Some((ITEMS, ITEMS, 0)),
        "(articles, distinct article URLs, items pending) once the pages answer"
    );
    assert_eq!(feed_requests(&server), FEEDS, "each feed fetched once");
}
