//! `newsd run` killed with SIGKILL in the middle of an ingest, several times, then left to
//! finish: every item ends up stored exactly once and found exactly once, and the index holds
//! one document per article. The fixture site is generated (feeds of many items, a page each);
//! its pages are gated, so the test decides how far each run gets before the kill instead of
//! guessing at timings.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::Deserialize;

use crate::daemon::Http;
use crate::server::FixtureServer;
use crate::support::{Feed, Hit, Workspace, letters, poll_until};

const FEEDS: usize = 5;
const ITEMS_PER_FEED: usize = 25;
const ITEMS: usize = FEEDS * ITEMS_PER_FEED;

/// How many more articles each run stores before it is killed: the first run is killed as soon
/// as the first article is in the store, later ones deeper into the ingest.
const KILL_AFTER: [usize; 4] = [1, 15, 30, 5];
/// Pages released per run beyond the articles it must store: room for the pages a killed run
/// had fetched but not stored (fetched again after the restart) and for workers kept busy.
const SLACK: usize = 20;

/// How long one run may take to store what it is waiting for, and to catch up at the end.
const DEADLINE: Duration = Duration::from_secs(120);
/// How long the last run may take to exit after SIGTERM.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(30);

/// One generated article: its page's path and a made-up word found in its body only.
struct Generated {
    path: String,
    marker: String,
}

/// `count` made-up words from a seeded generator: each article gets its own vocabulary, so no
/// two are taken for copies of each other or for the same story.
fn words(seed: usize, count: usize) -> Vec<String> {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ru", "ta", "vo", "pe", "si", "du", "ga", "ho", "ji", "be", "fu",
        "co", "wa", "ze", "ny", "qu", "ri", "mo", "te", "xa",
    ];
    let mut state = (seed as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % SYLLABLES.len() as u64) as usize
    };
    (0..count)
        .map(|_| {
            let syllables = 3 + next() % 2;
            (0..syllables).map(|_| SYLLABLES[next()]).collect()
        })
        .collect()
}

/// Serves `FEEDS` RSS feeds of `ITEMS_PER_FEED` items each, and a gated page per item.
fn generate_site(server: &FixtureServer) -> (Vec<Feed<'static>>, Vec<Generated>) {
    let mut feeds = Vec::new();
    let mut articles = Vec::new();
    for feed in 0..FEEDS {
        let feed_path = format!("/gen/feed{feed}.xml");
        let mut items = String::new();
        for item in 0..ITEMS_PER_FEED {
            let n = feed * ITEMS_PER_FEED + item;
            let path = format!("/gen/pages/feed{feed}/article{item}.html");
            let marker = format!("zq{}zq", letters(n));
            let title = format!("{} {}", marker, words(n + 1_000, 5).join(" "));
            let paragraphs: String = (0..4)
                .map(|p| {
                    let mut text = words(n * 4 + p, 30);
                    if p == 1 {
                        text.insert(7, marker.clone());
                    }
                    format!("<p>{}.</p>\n", text.join(" "))
                })
                .collect();
            let page = format!(
                "<!doctype html>\n<html lang=\"en\"><head><title>{title}</title></head>\n\
                 <body><article><h1>{title}</h1>\n{paragraphs}</article></body></html>\n"
            );
            server.serve_gated(&path, "text/html; charset=utf-8", page);
            items.push_str(&format!(
                "<item><title>{title}</title><link>{{{{BASE}}}}{path}</link>\
                 <guid>{{{{BASE}}}}{path}</guid>\
                 <pubDate>Tue, 04 Nov 2025 {:02}:{:02}:00 GMT</pubDate></item>\n",
                feed,
                item * 2
            ));
            articles.push(Generated { path, marker });
        }
        let rss = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Generated {feed}</title><link>{{{{BASE}}}}/</link>\
             <description>generated</description>\n{items}</channel></rss>\n"
        );
        server.serve_generated(&feed_path, "application/rss+xml", rss);
        feeds.push(Feed {
            url: server.url(&feed_path),
            name: [
                "Crash One",
                "Crash Two",
                "Crash Three",
                "Crash Four",
                "Crash Five",
            ][feed],
            tags: &["crash"],
        });
    }
    (feeds, articles)
}

/// What the store holds, read through SQLite as another process sees it.
#[derive(Debug, Default, Clone, Copy)]
struct StoreCounts {
    articles: usize,
    unindexed: usize,
    pending_items: usize,
}

/// The database, opened without creating it (the daemon does that).
fn open_store(path: &Path) -> Option<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    connection.busy_timeout(Duration::from_secs(5)).ok()?;
    Some(connection)
}

/// The counts, or `None` while the daemon has not created its tables yet.
fn store_counts(path: &Path) -> Option<StoreCounts> {
    let connection = open_store(path)?;
    let count = |sql: &str| -> Option<usize> {
        connection
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .ok()
            .map(|n| n as usize)
    };
    Some(StoreCounts {
        articles: count("SELECT COUNT(*) FROM articles")?,
        unindexed: count("SELECT COUNT(*) FROM articles WHERE indexed = 0")?,
        pending_items: count("SELECT COUNT(*) FROM items WHERE done = 0")?,
    })
}

#[derive(Debug, Deserialize)]
struct SearchResponse {
    hits: Vec<Hit>,
}

#[test]
fn killed_mid_ingest_again_and_again_stores_and_indexes_each_item_once() {
    let server = FixtureServer::start();
    let (feeds, articles) = generate_site(&server);
    let workspace = Workspace::new(&feeds);
    let database = workspace.data_dir.join("newsd.sqlite");

    let mut stored = 0;
    for (run, kill_after) in KILL_AFTER.into_iter().enumerate() {
        let mut daemon = workspace.start_daemon();
        server.release_gated(kill_after + SLACK);
        let target = (stored + kill_after).min(ITEMS);
        let counts = poll_until(DEADLINE, || {
            store_counts(&database).filter(|counts| counts.articles >= target)
        })
        .unwrap_or_else(|| {
            panic!(
                "run {run}: the store never reached {target} articles ({:?})\n{}",
                store_counts(&database),
                daemon.take_stderr()
            )
        });
        let status = daemon.kill();
        let after = store_counts(&database).unwrap_or_default();
        eprintln!(
            "run {run}: killed ({status}) with {} articles stored ({} unindexed), {} items pending",
            after.articles, after.unindexed, after.pending_items
        );
        assert!(
            after.articles >= counts.articles,
            "run {run}: committed articles survive the kill"
        );
        stored = after.articles;
    }

    // The last run is left alone until everything is stored and indexed.
    server.open_gate();
    let mut daemon = workspace.start_daemon();
    poll_until(DEADLINE, || {
        store_counts(&database).filter(|counts| {
            counts.articles >= ITEMS && counts.unindexed == 0 && counts.pending_items == 0
        })
    })
    .unwrap_or_else(|| {
        panic!(
            "the daemon never caught up: {:?}\n{}",
            store_counts(&database),
            daemon.take_stderr()
        )
    });

    // The store: one article per item, none twice, none missing.
    let connection = open_store(&database).expect("open the store");
    let mut statement = connection
        .prepare("SELECT url, COUNT(*) FROM articles GROUP BY url")
        .expect("prepare");
    let by_url: HashMap<String, i64> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query articles")
        .collect::<Result<_, _>>()
        .expect("read articles");
    let twice: Vec<_> = by_url.iter().filter(|(_, count)| **count > 1).collect();
    assert!(
        twice.is_empty(),
        "articles stored more than once: {twice:?}"
    );
    let missing: Vec<&str> = articles
        .iter()
        .map(|article| article.path.as_str())
        .filter(|path| !by_url.contains_key(&server.url(path)))
        .collect();
    assert!(missing.is_empty(), "items never stored: {missing:?}");
    assert_eq!(by_url.len(), ITEMS, "articles by url: {by_url:?}");
    let items: i64 = connection
        .query_row("SELECT COUNT(*) FROM items", [], |row| row.get(0))
        .expect("count items");
    assert_eq!(items, ITEMS as i64, "each feed item recorded once");

    // Search: each article found exactly once, every matching document listed.
    let http = Http::new();
    for article in &articles {
        let url = url::Url::parse_with_params(
            &daemon.url("/api/v1/search"),
            &[
                ("q", article.marker.as_str()),
                ("collapse", "none"),
                ("limit", "10"),
            ],
        )
        .expect("search url");
        let (status, body) = http.get(url.as_str());
        assert_eq!(status, 200, "{body}");
        let response: SearchResponse = serde_json::from_str(&body).expect("search response");
        let urls: Vec<&str> = response.hits.iter().map(|hit| hit.url.as_str()).collect();
        assert_eq!(
            urls,
            [server.url(&article.path)],
            "searching {:?} should find {} once",
            article.marker,
            article.path
        );
    }

    let status = daemon.terminate(SHUTDOWN_DEADLINE);
    assert!(
        status.is_some_and(|status| status.success()),
        "newsd run did not stop cleanly on SIGTERM: {status:?}\n{}",
        daemon.take_stderr()
    );

    // The index itself: one document per article, no leftovers of a killed run's batch.
    let index =
        newsd::index::SearchIndex::open(&workspace.data_dir.join("index")).expect("open the index");
    assert_eq!(index.num_docs(), ITEMS as u64, "documents in the index");
}
