//! `fetch-once`, `search` and `reindex` over the fixture feeds: what gets stored, what gets
//! found, and what a second poll sends.

use std::collections::HashSet;

use chrono::DateTime;

use crate::server::{
    ARTICLES, Article, BOILERPLATE, BROKEN_500, BROKEN_GARBAGE, FEEDS, FixtureServer,
    LAST_MODIFIED, SHARED_WORD,
};
use crate::support::{Feed, Hit, Workspace};

/// The RSS, Atom and JSON feeds of the fixture site.
fn good_feeds(server: &FixtureServer) -> Vec<Feed<'static>> {
    FEEDS
        .iter()
        .map(|&(path, name)| Feed {
            url: server.url(path),
            name,
            tags: &["world", "en"],
        })
        .collect()
}

/// A phrase query, as a user types it: `"karabakh peace talks"`.
fn phrase(text: &str) -> String {
    format!("\"{text}\"")
}

/// Searches for an article's body phrase and checks it is found once, as the right page from
/// the right feed with the feed's date. Returns the hit.
fn assert_found_once(workspace: &Workspace, server: &FixtureServer, article: &Article) -> Hit {
    let hits = workspace.search(&phrase(article.phrase));
    assert_eq!(
        hits.len(),
        1,
        "searching {:?} should find exactly {}, found {hits:#?}",
        article.phrase,
        article.path
    );
    let hit = hits.into_iter().next().expect("one hit");
    assert_eq!(
        hit.url,
        server.url(article.path),
        "url of {:?}",
        article.phrase
    );
    assert_eq!(hit.source, article.source, "source of {}", article.path);
    let published = hit
        .published
        .as_deref()
        .unwrap_or_else(|| panic!("{} has no published date: {hit:?}", article.path));
    let published = DateTime::parse_from_rfc3339(published)
        .unwrap_or_else(|error| panic!("published {published:?} is not RFC 3339: {error}"));
    let expected = DateTime::parse_from_rfc3339(article.published).expect("fixture date");
    assert_eq!(published, expected, "published date of {}", article.path);
    hit
}

#[test]
fn fetch_once_makes_every_article_searchable_by_its_body_text() {
    let server = FixtureServer::start();
    let workspace = Workspace::new(&good_feeds(&server));

    let summary = workspace.fetch_once();
    assert_eq!(summary.failed, 0, "{}", summary.output);
    assert_eq!(summary.new_articles, 7, "{}", summary.output);

    let ids: HashSet<i64> = ARTICLES
        .iter()
        .map(|article| assert_found_once(&workspace, &server, article).id)
        .collect();
    assert_eq!(ids.len(), ARTICLES.len(), "every article has its own id");

    for (region, text) in BOILERPLATE {
        let hits = workspace.search(&phrase(text));
        let urls: Vec<&str> = hits.iter().map(|hit| hit.url.as_str()).collect();
        assert!(
            hits.is_empty(),
            "{text:?} is only in the {region} of each page, yet search finds {urls:?}"
        );
    }
}

#[test]
fn second_fetch_once_asks_conditionally_and_stores_nothing_twice() {
    let server = FixtureServer::start();
    let workspace = Workspace::new(&good_feeds(&server));
    let first = workspace.fetch_once();
    assert_eq!(first.new_articles, 7, "{}", first.output);

    server.clear_requests();
    let second = workspace.fetch_once();
    assert_eq!(second.new_articles, 0, "{}", second.output);
    assert_eq!(second.failed, 0, "{}", second.output);

    let requests = server.requests();
    let last_modified = DateTime::parse_from_rfc2822(LAST_MODIFIED).expect("fixture date");
    for (path, _) in FEEDS {
        let request = requests
            .iter()
            .find(|request| request.path == path)
            .unwrap_or_else(|| panic!("second fetch-once never requested {path}: {requests:#?}"));
        assert_eq!(
            request.if_none_match.as_deref(),
            Some(server.etag(path).as_str()),
            "If-None-Match sent for {path}"
        );
        let since = request
            .if_modified_since
            .as_deref()
            .unwrap_or_else(|| panic!("no If-Modified-Since sent for {path}"));
        let since = DateTime::parse_from_rfc2822(since)
            .unwrap_or_else(|error| panic!("If-Modified-Since {since:?} for {path}: {error}"));
        assert_eq!(since, last_modified, "If-Modified-Since sent for {path}");
        assert_eq!(
            request.status, 304,
            "answer to the second request for {path}"
        );
    }

    for article in &ARTICLES {
        assert_found_once(&workspace, &server, article);
    }
}

#[test]
fn failing_feeds_are_reported_and_the_others_still_ingested() {
    let server = FixtureServer::start();
    let mut feeds = good_feeds(&server);
    for (path, name) in [(BROKEN_500, "Server Error"), (BROKEN_GARBAGE, "Garbage")] {
        feeds.push(Feed {
            url: server.url(path),
            name,
            tags: &[],
        });
    }
    let workspace = Workspace::new(&feeds);

    let summary = workspace.fetch_once();
    assert_eq!(summary.failed, 2, "{}", summary.output);
    assert_eq!(summary.new_articles, 7, "{}", summary.output);
    for path in [BROKEN_500, BROKEN_GARBAGE] {
        let url = server.url(path);
        assert!(
            summary
                .output
                .stderr
                .lines()
                .any(|line| line.contains(&url)),
            "stderr should name the failed feed {url}\n{}",
            summary.output
        );
    }

    for article in &ARTICLES {
        assert_found_once(&workspace, &server, article);
    }
}

#[test]
fn reindex_rebuilds_the_same_index_from_the_database() {
    let server = FixtureServer::start();
    let workspace = Workspace::new(&good_feeds(&server));
    workspace.fetch_once();

    let mut queries: Vec<String> = ARTICLES.iter().map(|a| phrase(a.phrase)).collect();
    queries.push(SHARED_WORD.to_string());
    let results = |workspace: &Workspace| -> Vec<(String, Vec<(i64, String)>)> {
        queries
            .iter()
            .map(|query| {
                let hits = workspace.search(query);
                let hits = hits.into_iter().map(|hit| (hit.id, hit.url)).collect();
                (query.clone(), hits)
            })
            .collect()
    };
    let before = results(&workspace);
    let shared = &before.last().expect("shared word query").1;
    assert!(
        shared.len() >= 4,
        "{SHARED_WORD:?} is in four article bodies, search found {shared:?}"
    );

    let index_dir = workspace.data_dir.join("index");
    assert!(
        index_dir.is_dir(),
        "{} should exist after fetch-once",
        index_dir.display()
    );
    std::fs::remove_dir_all(&index_dir).expect("delete the index");
    workspace.run_ok(&["reindex"]);

    let after = results(&workspace);
    assert_eq!(after, before, "search results after reindex");
}

#[test]
fn a_lost_index_is_rebuilt_at_the_next_start() {
    let server = FixtureServer::start();
    let workspace = Workspace::new(&good_feeds(&server));
    workspace.fetch_once();
    std::fs::remove_dir_all(workspace.data_dir.join("index")).expect("delete the index");

    // The feeds answer 304 now: whatever is found again comes from SQLite, not from the site.
    let summary = workspace.fetch_once();
    assert_eq!(summary.new_articles, 0, "{}", summary.output);
    for article in &ARTICLES {
        assert_found_once(&workspace, &server, article);
    }
}

#[test]
fn site_rules_from_the_config_shape_what_the_daemon_extracts() {
    let server = FixtureServer::start();
    // A `[[site]]` rule for the fixture host that removes the story's first paragraph.
    let workspace = Workspace::with_fetch_settings(
        &crate::support::feeds_file(&good_feeds(&server)),
        "\n[[site]]\nhost = \"127.0.0.1\"\nremove = [\"div.t-content__body > p:first-child\"]\n",
    );
    workspace.fetch_once();
    let karabakh = &ARTICLES[0];
    assert!(
        workspace.search(&phrase(karabakh.phrase)).is_empty(),
        "the removed paragraph is not indexed"
    );
    // The other outlets' pages have no such element: the rule leaves them alone.
    for article in ARTICLES.iter().filter(|a| a.source != karabakh.source) {
        assert_found_once(&workspace, &server, article);
    }
}
