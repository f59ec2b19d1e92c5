//! A fast run finds what a careful one finds: `fetch-once` with eight page workers and eight
//! requests per host stores and finds the same articles, with the same copies under each, as a
//! run that reads one page at a time. The site syndicates: most texts are published by two or
//! three outlets under their own URLs and headlines, so the parallel run's arrival order decides
//! which copy is stored first, and nothing else may depend on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::server::FixtureServer;
use crate::support::{Feed, Workspace, feeds_file, letters, rss_feed, words};

const OUTLETS: usize = 6;
const ITEMS_PER_FEED: usize = 8;
/// Distinct article texts; each is published by up to three outlets.
const TEXTS: usize = 20;

/// A made-up word only text `text` holds, to search for it.
fn marker(text: usize) -> String {
    format!("zp{}zp", letters(text))
}

/// The text outlet `outlet` publishes as its item `item`. Consecutive outlets share texts, so
/// every text but a few is a syndicated copy somewhere; no outlet publishes a text twice.
fn text_of(outlet: usize, item: usize) -> usize {
    (outlet * 3 + item) % TEXTS
}

/// The page path of an outlet's item.
fn page_path(outlet: usize, item: usize) -> String {
    format!("/par/outlet{outlet}/story{item}.html")
}

/// Serves the outlets' feeds and pages; returns the feeds and, per text, the page URLs that
/// publish it.
fn generate_site(
    server: &FixtureServer,
) -> (Vec<Feed<'static>>, BTreeMap<usize, BTreeSet<String>>) {
    let mut published: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let feeds = (0..OUTLETS)
        .map(|outlet| {
            let items: String = (0..ITEMS_PER_FEED)
                .map(|item| {
                    let text = text_of(outlet, item);
                    let page = page_path(outlet, item);
                    published.entry(text).or_default().insert(server.url(&page));
                    // Each outlet writes its own headline over the shared text.
                    let title = words(1_000 + outlet * 100 + item, 6);
                    let body: String = (0..3)
                        .map(|p| format!("<p>{}.</p>\n", words(text * 3 + p, 40)))
                        .collect();
                    server.serve_generated(
                        &page,
                        "text/html; charset=utf-8",
                        format!(
                            "<!doctype html>\n<html lang=\"en\"><head><title>{title}</title>\
                             </head>\n<body><nav>Outlet {outlet} home</nav><article>\
                             <h1>{title}</h1>\n<p>{} {}.</p>\n{body}</article></body></html>\n",
                            marker(text),
                            words(text + 500, 12),
                        ),
                    );
                    format!(
                        "<item><title>{title}</title><link>{{{{BASE}}}}{page}</link>\
                         <guid>{{{{BASE}}}}{page}</guid>\
                         <pubDate>Fri, 27 Nov 2026 0{}:00:00 GMT</pubDate></item>\n",
                        item % 10
                    )
                })
                .collect();
            let path = format!("/par/outlet{outlet}.xml");
            server.serve_generated(
                &path,
                "application/rss+xml",
                rss_feed(&format!("Outlet {outlet}"), &items),
            );
            Feed {
                url: server.url(&path),
                name: [
                    "Outlet A", "Outlet B", "Outlet C", "Outlet D", "Outlet E", "Outlet F",
                ][outlet],
                tags: &[],
            }
        })
        .collect();
    (feeds, published)
}

/// Every stored article as the set of URLs it is read at: its own and its copies'.
fn stored_groups(database: &Path) -> BTreeSet<BTreeSet<String>> {
    let connection = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the data directory's database");
    let mut groups: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut statement = connection
        .prepare(
            "SELECT id, url FROM articles UNION ALL SELECT article_id, url FROM article_sources",
        )
        .expect("prepare");
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .expect("query");
    for row in rows {
        let (article, url) = row.expect("row");
        groups.entry(article).or_default().insert(url);
    }
    groups.into_values().collect()
}

/// What searching a text's marker finds: per hit, the URLs of the article and its copies.
fn found(workspace: &Workspace, text: usize) -> Vec<BTreeSet<String>> {
    workspace
        .search(&marker(text))
        .into_iter()
        .map(|hit| {
            std::iter::once(hit.url)
                .chain(hit.copies.into_iter().map(|copy| copy.url))
                .collect()
        })
        .collect()
}

#[test]
fn a_parallel_fetch_once_stores_and_finds_what_a_one_page_at_a_time_run_does() {
    let server = FixtureServer::start();
    let (feeds, published) = generate_site(&server);
    let feeds_toml = feeds_file(&feeds);
    let careful =
        Workspace::with_fetch_settings(&feeds_toml, "page_workers = 1\nper_host_concurrency = 1\n");
    let fast =
        Workspace::with_fetch_settings(&feeds_toml, "page_workers = 8\nper_host_concurrency = 8\n");

    let expected: BTreeSet<BTreeSet<String>> = published.values().cloned().collect();
    assert_eq!(expected.len(), TEXTS, "the site publishes every text");
    for (name, workspace) in [("careful", &careful), ("parallel", &fast)] {
        let summary = workspace.fetch_once();
        assert_eq!(summary.failed, 0, "{name}: {}", summary.output);
        assert_eq!(
            summary.new_articles, TEXTS as u64,
            "{name}: one article per text, the other outlets' pages its copies\n{}",
            summary.output
        );
        assert_eq!(
            stored_groups(&workspace.data_dir.join("newsd.sqlite")),
            expected,
            "{name}: each text stored once, with every other outlet's page as its copy"
        );
    }
    for (text, urls) in &published {
        let careful_hits = found(&careful, *text);
        assert_eq!(
            careful_hits,
            vec![urls.clone()],
            "the careful run finds text {text} once, with all its pages"
        );
        assert_eq!(
            found(&fast, *text),
            careful_hits,
            "the parallel run finds text {text} as the careful run does"
        );
    }
}
