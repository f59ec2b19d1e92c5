//! Searching over HTTP as a client does: one hit per story, facets, filters, sorting, pages,
//! mistakes answered 400, a search as an Atom or JSON feed, and an OpenAPI document that
//! describes every route.

use serde_json::Value;

use crate::daemon::Http;
use crate::server::FixtureServer;
use crate::stories::ingest_story;
use crate::support::Daemon;

fn get_json(http: &Http, daemon: &Daemon, path_and_query: &str) -> (u16, Value) {
    let (status, body) = http.get(&daemon.url(path_and_query));
    let value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("GET {path_and_query}: not JSON ({e}): {body}"));
    (status, value)
}

fn hit_sources(response: &Value) -> Vec<&str> {
    response["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["source"].as_str().expect("source"))
        .collect()
}

#[test]
fn search_api_collapses_filters_sorts_pages_and_explains_mistakes() {
    let server = FixtureServer::start();
    let workspace = ingest_story(&server);
    let daemon = workspace.start_daemon();
    let http = Http::new();
    let search = |query: &str| get_json(&http, &daemon, &format!("/api/v1/search?{query}"));

    // The talks: France 24's report and the wire's own, one story, one hit.
    let (status, talks) = search("q=geneva+armenia&facets=true");
    assert_eq!(status, 200, "{talks}");
    assert_eq!(talks["total"], 2, "{talks}");
    let hits = talks["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 1, "{talks}");
    assert_eq!(hits[0]["more_in_story"], 1, "{talks}");
    let html = hits[0]["snippet_html"].as_str().unwrap();
    assert!(html.contains("<b>Geneva</b>"), "{html}");
    let facet_sources: Vec<&str> = talks["facets"]["source"]
        .as_array()
        .expect("source facet")
        .iter()
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    for outlet in ["France 24", "Northern Wire", "Caucasus Watch"] {
        assert!(facet_sources.contains(&outlet), "{outlet}: {talks}");
    }
    assert_eq!(talks["facets"]["day"][0]["value"], "2025-11-04", "{talks}");

    let (_, every) = search("q=geneva+armenia&collapse=none");
    assert_eq!(hit_sources(&every).len(), 2, "{every}");
    let (_, wire) = search("q=geneva+armenia&collapse=none&source=Northern+Wire");
    assert_eq!(hit_sources(&wire), ["Northern Wire"], "{wire}");
    let (status, none) = search("q=geneva&lang=fr");
    assert_eq!((status, none["total"].as_u64()), (200, Some(0)), "{none}");

    // Newest first: Hokkaido (11:00) before Malatya (06:00).
    let (_, quakes) = search("q=earthquake&sort=newest&collapse=none");
    let titles: Vec<&str> = quakes["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 2, "{quakes}");
    assert!(
        titles[0].contains("Hokkaido") && titles[1].contains("Malatya"),
        "{titles:?}"
    );

    // Pages: a cursor leads to the next article, the last page has none.
    let (_, first) = search("q=earthquake&collapse=none&limit=1");
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = search(&format!(
        "q=earthquake&collapse=none&limit=1&cursor={cursor}"
    ));
    assert_ne!(first["hits"][0]["id"], second["hits"][0]["id"]);
    assert!(second["next_cursor"].is_null(), "{second}");
    // A page past the first hundred hits is searched on the blocking pool, the same way.
    let max_id = cursor.split('-').next().unwrap();
    let (status, deep) = search(&format!(
        "q=earthquake&collapse=none&limit=100&cursor={max_id}-150"
    ));
    assert_eq!(status, 200, "{deep}");
    assert_eq!(deep["total"].as_u64(), first["total"].as_u64(), "{deep}");
    assert_eq!(deep["hits"].as_array().map(Vec::len), Some(0), "{deep}");

    for (query, names) in [
        ("q=geneva&limit=0", "limit"),
        ("q=geneva&sort=sideways", "sort"),
        ("q=geneva&since=last-tuesday", "since"),
        ("q=geneva&colapse=none", "colapse"),
        ("q=geneva&cursor=xyz", "cursor"),
        ("q=%22geneva", "phrase is not closed"),
        ("q=nosuchfield:x", "unknown field"),
        ("limit=5", "`q`"),
    ] {
        let (status, error) = search(query);
        assert_eq!(status, 400, "{query}: {error}");
        let message = error["error"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{query}: {message}");
    }
}

#[test]
fn a_search_is_a_feed_and_every_documented_route_answers() {
    let server = FixtureServer::start();
    let workspace = ingest_story(&server);
    let daemon = workspace.start_daemon();
    let http = Http::new();

    // The Atom feed of a search: one entry per story, readable by a feed parser (newsd's own).
    let (status, atom) = http.get(&daemon.url("/feeds/search.atom?q=geneva+armenia"));
    assert_eq!(status, 200, "{atom}");
    let file = workspace.data_dir.with_extension("atom.xml");
    std::fs::write(&file, &atom).expect("save the feed");
    let output = workspace.run_ok(&["inspect", "feed", file.to_str().unwrap()]);
    let parsed: Value = serde_json::from_str(output.stdout.trim()).expect("inspect feed JSON");
    assert_eq!(parsed["format"], "atom10", "{parsed}");
    assert_eq!(parsed["n_entries"], 1, "one entry per story: {atom}");
    assert!(atom.contains("Also covered by"), "{atom}");

    let (status, json_feed) = get_json(&http, &daemon, "/feeds/search.json?q=armenia+OR+tramway");
    assert_eq!(status, 200);
    assert_eq!(json_feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(
        json_feed["items"].as_array().map(Vec::len),
        Some(2),
        "{json_feed}"
    );

    // Every path of the OpenAPI document answers (ids and queries filled in).
    let (status, openapi) = get_json(&http, &daemon, "/api/v1/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(openapi["openapi"], "3.1.0");
    let (_, hit) = get_json(&http, &daemon, "/api/v1/search?q=geneva+armenia");
    let article = hit["hits"][0]["id"].as_i64().expect("an article id");
    let story = hit["hits"][0]["story_id"].as_i64().expect("a story id");
    let paths = openapi["paths"].as_object().expect("paths");
    assert!(paths.len() >= 8, "{paths:?}");
    for path in paths.keys() {
        let url = path
            .replace("/stories/{id}", &format!("/stories/{story}"))
            .replace("/articles/{id}", &format!("/articles/{article}"));
        let url = if url.contains("search") {
            format!("{url}?q=geneva")
        } else {
            url
        };
        let (status, body) = http.get(&daemon.url(&url));
        assert_eq!(status, 200, "GET {url}: {body}");
    }
}
