//! One event reported early in two pieces: two outlets tell a strike's trains, two others its
//! pay talks, each pair a story of its own; a later run brings a report telling both, and the
//! two stories become one. Checked through what users see: search hits (the index), `newsd
//! stories`, and the HTTP API, where the folded story's id leads to the one that took its
//! articles and each moved article says where it came from.

use serde_json::Value;

use crate::daemon::Http;
use crate::server::{FEEDS, FixtureServer};
use crate::support::{Feed, Workspace, feeds_file, rss_feed};

/// Folding needs two stories of 10 articles by default; here 2 do. The reports of one angle
/// score .83-.93 with each other, .14-.15 with the other angle's: they join a story at 0.4 (the
/// default for a headline and a teaser, 0.11, would join the angles at once), and the two
/// angles' centroids, which share little more than "Lisbon metro", fold from 0.1.
const DEDUP: &str = "[dedup]\nstory_threshold = 0.4\nstory_merge_threshold = 0.1\n\
                     story_merge_articles = 2\n";

/// The outlet, its headline and its text: the trains twice, the pay talks twice, then both.
const STRIKE: [(&str, &str, &str); 5] = [
    (
        "Lisbon Post",
        "Lisbon metro strike halts trains at rush hour",
        "Metro workers in Lisbon walked out at dawn, halting trains on all four lines and \
         leaving commuters queuing for buses outside Rossio and Oriente stations.",
    ),
    (
        "Tagus Times",
        "Metro strike halts Lisbon trains, commuters queue for buses",
        "Outside Rossio and Oriente stations commuters queued for buses after Lisbon metro \
         workers walked out at dawn, halting trains on all four lines.",
    ),
    (
        "Iberia Daily",
        "Lisbon metro drivers demand nine percent pay rise",
        "The drivers' union demanded a nine percent pay rise, and the city council offered \
         talks with the transport ministry and the metro board next week.",
    ),
    (
        "Atlantic Wire",
        "Council offers talks as Lisbon metro drivers demand pay rise",
        "The city council offered talks next week with the transport ministry and the metro \
         board, as the drivers' union demanded a nine percent pay rise.",
    ),
    (
        "Porto Herald",
        "Lisbon metro strike halts trains as drivers demand pay rise",
        "Metro workers walked out at dawn, halting trains on all four lines; the drivers' union \
         demanded a nine percent pay rise and the city council offered talks with the \
         transport ministry.",
    ),
];

/// Serves report `n` (a page, and a feed of its outlet linking to it) and returns the feed.
fn report(server: &FixtureServer, n: usize) -> Feed<'static> {
    let (outlet, title, text) = STRIKE[n];
    let page = format!("/strike/page{n}.html");
    server.serve_generated(
        &page,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><title>{title}</title></head>\n<body>\
             <article><h1>{title}</h1>\n<p>{text}</p></article></body></html>\n"
        ),
    );
    let item = format!(
        "<item><title>{title}</title><link>{{{{BASE}}}}{page}</link><guid>{{{{BASE}}}}{page}</guid>\
         <pubDate>Tue, 04 Nov 2025 1{n}:30:00 GMT</pubDate><description>{text}</description></item>\n"
    );
    let path = format!("/strike/feed{n}.xml");
    server.serve_generated(&path, "application/rss+xml", rss_feed(outlet, &item));
    Feed {
        url: server.url(&path),
        name: outlet,
        tags: &[],
    }
}

/// The fixture site's outlets (the clusterer has seen other news first, as on any running
/// install) and the first `reports` strike reports.
fn feeds(server: &FixtureServer, reports: usize) -> String {
    let mut feeds: Vec<Feed> = FEEDS
        .iter()
        .map(|&(path, name)| Feed {
            url: server.url(path),
            name,
            tags: &[],
        })
        .collect();
    feeds.extend((0..reports).map(|n| report(server, n)));
    feeds_file(&feeds)
}

/// The story of each strike report, by outlet, from `newsd search --collapse none`.
fn stories_by_outlet(workspace: &Workspace) -> Vec<(String, i64)> {
    let output = workspace.run_ok(&["search", "Lisbon", "--collapse", "none", "--json"]);
    let mut found: Vec<(String, i64)> = output
        .stdout
        .lines()
        .map(|line| {
            let hit: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let story = hit["story_id"].as_i64().expect("a story");
            (hit["source"].as_str().expect("source").to_owned(), story)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_report_telling_two_stories_of_one_event_folds_them_into_one() {
    let server = FixtureServer::start();
    let workspace = Workspace::with_settings(&feeds(&server, 0), "", DEDUP);
    assert_eq!(workspace.fetch_once().new_articles, 7);
    std::fs::write(&workspace.feeds_file, feeds(&server, 4)).expect("rewrite feeds.toml");
    assert_eq!(workspace.fetch_once().new_articles, 4);
    let before = stories_by_outlet(&workspace);
    let story_of = |stories: &[(String, i64)], outlet: &str| {
        let found = stories.iter().find(|(source, _)| source == outlet);
        found.unwrap_or_else(|| panic!("{outlet} in {stories:?}")).1
    };
    let (trains, talks) = (
        story_of(&before, "Lisbon Post"),
        story_of(&before, "Iberia Daily"),
    );
    assert_ne!(trains, talks, "{before:?}");
    assert_eq!(story_of(&before, "Tagus Times"), trains, "{before:?}");
    assert_eq!(story_of(&before, "Atlantic Wire"), talks, "{before:?}");

    // The next run (a new process: the window comes back from the store) brings the report
    // that tells both: the younger story is folded into the older, in the store and the index.
    std::fs::write(&workspace.feeds_file, feeds(&server, 5)).expect("rewrite feeds.toml");
    assert_eq!(workspace.fetch_once().new_articles, 1);
    let (kept, folded) = (trains.min(talks), trains.max(talks));
    let after = stories_by_outlet(&workspace);
    assert_eq!(after.len(), 5, "{after:?}");
    assert!(after.iter().all(|(_, story)| *story == kept), "{after:?}");
    let listed = workspace.run_ok(&[
        "stories",
        "--since",
        "3650d",
        "--min-sources",
        "5",
        "--json",
    ]);
    let listed: Vec<Value> = listed
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a story line"))
        .collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (&listed[0]["id"], &listed[0]["article_count"]),
        (&kept.into(), &5.into())
    );

    let daemon = workspace.start_daemon();
    let http = Http::new();
    let get_json = |path: &str| {
        let (status, body) = http.get(&daemon.url(path));
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str::<Value>(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
    };
    // The folded story's id leads to the story that took its articles.
    let story = get_json(&format!("/api/v1/stories/{folded}"));
    assert_eq!(story["id"], kept, "{story}");
    let articles = story["articles"].as_array().expect("articles");
    assert_eq!(articles.len(), 5, "{story}");
    // Each article says where it was first placed when that story was folded since.
    for article in articles {
        let id = article["id"].as_i64().expect("id");
        let placement = &get_json(&format!("/api/v1/articles/{id}"))["placement"];
        let source = article["source"].as_str().expect("source");
        let moved = before.contains(&(source.to_owned(), folded));
        let expected: Value = if moved { folded.into() } else { Value::Null };
        assert_eq!(placement["folded_from"], expected, "{article}: {placement}");
        assert_eq!(placement["story_id"], kept, "{placement}");
    }
}
