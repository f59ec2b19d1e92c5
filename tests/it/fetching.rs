//! How newsd fetches from publishers: permanent and temporary moves, 429 with `Retry-After`,
//! 410 Gone, challenge pages, timeouts, size caps, compression, per-feed headers and per-host
//! spacing, each against the moody publisher of `publisher.rs`.

use std::time::Duration;

use crate::publisher::Publisher;
use crate::support::{FetchSummary, Workspace, read};

fn feeds_toml(publisher: &Publisher, paths: &[&str]) -> String {
    paths
        .iter()
        .map(|path| {
            format!(
                "[[feed]]\nurl = \"{}\"\nname = \"{path}\"\n\n",
                publisher.url(path)
            )
        })
        .collect()
}

/// Checks the failed-feeds and new-articles counts of a `fetch-once` summary.
fn assert_counts(summary: &FetchSummary, failed: u64, new_articles: u64) {
    assert_eq!(
        (summary.failed, summary.new_articles),
        (failed, new_articles),
        "failed feeds and new articles\n{}",
        summary.output
    );
}

/// The `feeds list` line of `url`.
fn list_line(workspace: &Workspace, url: &str) -> String {
    let output = workspace.run_ok(&["feeds", "list"]);
    output
        .stdout
        .lines()
        .find(|line| line.starts_with(url))
        .unwrap_or_else(|| panic!("feeds list has no line for {url}:\n{output}"))
        .to_owned()
}

#[test]
fn a_permanent_move_updates_the_feed_list_and_a_temporary_one_does_not() {
    let publisher = Publisher::start();
    let workspace = Workspace::with_feeds_toml(&feeds_toml(
        &publisher,
        &["/feed/moved.xml", "/feed/elsewhere.xml"],
    ));

    let summary = workspace.fetch_once();
    assert_counts(&summary, 0, 2);
    let list = read(&workspace.feeds_file);
    assert!(
        list.contains(&publisher.url("/feed/new-home.xml")),
        "301 is followed in the list:\n{list}"
    );
    assert!(!list.contains(&publisher.url("/feed/moved.xml")), "{list}");
    assert!(
        list.contains(&publisher.url("/feed/elsewhere.xml")),
        "302 keeps the URL:\n{list}"
    );
    assert!(
        list.contains("name = \"/feed/moved.xml\""),
        "the feed keeps its name:\n{list}"
    );

    let again = workspace.fetch_once();
    assert_eq!(
        again.new_articles, 0,
        "nothing is new under the new address:\n{}",
        again.output
    );
    assert_eq!(
        publisher.seen("/feed/moved.xml").len(),
        1,
        "the old address is not asked again"
    );
    assert_eq!(publisher.seen("/feed/new-home.xml").len(), 2);
    assert_eq!(publisher.seen("/feed/elsewhere.xml").len(), 2);
    assert_eq!(
        workspace.search("marmaladenew").len(),
        1,
        "the moved feed's story, once"
    );
    assert_eq!(
        workspace.search("marmaladetodayquokka").len(),
        1,
        "the redirected feed's story, once"
    );
}

#[test]
fn a_rate_limited_feed_waits_for_retry_after_and_stays_enabled() {
    let publisher = Publisher::start();
    let url = publisher.url("/feed/busy.xml");
    let workspace = Workspace::with_feeds_toml(&feeds_toml(
        &publisher,
        &["/feed/busy.xml", "/feed/fine.xml"],
    ));

    let summary = workspace.fetch_once();
    assert_counts(&summary, 1, 1);
    let line = list_line(&workspace, &url);
    assert!(line.contains("rate limited"), "{line}");
    let next_poll = chrono::Utc::now() + chrono::Duration::seconds(7200);
    let hour = next_poll.format("%Y-%m-%d %H:").to_string();
    let hour_before = (next_poll - chrono::Duration::minutes(1))
        .format("%Y-%m-%d %H:")
        .to_string();
    assert!(
        line.contains(&hour) || line.contains(&hour_before),
        "next poll in 2 h: {line}"
    );

    let again = workspace.fetch_once();
    assert!(
        again.output.stdout.contains("1 skipped"),
        "{}",
        again.output
    );
    assert_eq!(
        publisher.seen("/feed/busy.xml").len(),
        1,
        "Retry-After is honoured"
    );
}

#[test]
fn a_gone_feed_is_dead_and_not_polled_again() {
    let publisher = Publisher::start();
    let url = publisher.url("/feed/gone.xml");
    let workspace = Workspace::with_feeds_toml(&feeds_toml(&publisher, &["/feed/gone.xml"]));

    let summary = workspace.fetch_once();
    assert_eq!(summary.failed, 1, "{}", summary.output);
    let line = list_line(&workspace, &url);
    assert!(line.contains("dead") && line.contains("never"), "{line}");
    workspace.fetch_once();
    assert_eq!(publisher.seen("/feed/gone.xml").len(), 1);
}

#[test]
fn a_challenge_page_is_its_own_state_not_a_parse_error() {
    let publisher = Publisher::start();
    let url = publisher.url("/feed/challenge.xml");
    let workspace = Workspace::with_feeds_toml(&feeds_toml(&publisher, &["/feed/challenge.xml"]));
    let summary = workspace.fetch_once();
    assert!(
        summary.output.stderr.contains("challenge"),
        "{}",
        summary.output
    );
    assert!(list_line(&workspace, &url).contains("challenged"));
}

#[test]
fn slow_huge_and_looping_feeds_fail_alone_within_their_limits() {
    let publisher = Publisher::start();
    let workspace = Workspace::with_fetch_settings(
        &feeds_toml(
            &publisher,
            &[
                "/feed/slow.xml",
                "/feed/huge.xml",
                "/feed/loop.xml",
                "/feed/fine.xml",
            ],
        ),
        "timeout = \"1s\"\nmax_feed_bytes = 1000000\n",
    );
    let started = std::time::Instant::now();
    let summary = workspace.fetch_once();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the slow feed is cut at its timeout"
    );
    assert_counts(&summary, 3, 1);
    let stderr = &summary.output.stderr;
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(stderr.contains("larger than 1000000 bytes"), "{stderr}");
    assert!(stderr.contains("more than 10 redirects"), "{stderr}");
    assert_eq!(workspace.search("marmaladefinequokka").len(), 1);
}

#[test]
fn compressed_feeds_per_feed_agent_and_headers() {
    let publisher = Publisher::start();
    let toml = format!(
        "[[feed]]\nurl = \"{}\"\nname = \"Keyed\"\nuser_agent = \"custom-agent/1.0\"\n\
         headers = {{ \"X-Api-Key\" = \"s3cret\" }}\n\n[[feed]]\nurl = \"{}\"\nname = \"Plain\"\n",
        publisher.url("/feed/keyed.xml"),
        publisher.url("/feed/plain.xml")
    );
    let workspace = Workspace::with_feeds_toml(&toml);
    let summary = workspace.fetch_once();
    assert_counts(&summary, 0, 2);

    let keyed = &publisher.seen("/feed/keyed.xml")[0];
    assert_eq!(keyed.user_agent.as_deref(), Some("custom-agent/1.0"));
    assert_eq!(keyed.api_key.as_deref(), Some("s3cret"));
    let plain = &publisher.seen("/feed/plain.xml")[0];
    assert!(
        plain
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("newsd/")),
        "{plain:?}"
    );
    assert_eq!(plain.api_key, None);
    let encodings = plain.accept_encoding.as_deref().unwrap_or_default();
    assert!(
        encodings.contains("gzip") && encodings.contains("br"),
        "{encodings}"
    );
    assert_eq!(
        workspace.search("marmaladekeyedquokka").len(),
        1,
        "a compressed feed and page are read"
    );
}

#[test]
fn requests_to_one_host_are_spaced_by_the_gap() {
    let publisher = Publisher::start();
    let workspace = Workspace::with_fetch_settings(
        &feeds_toml(&publisher, &["/feed/a.xml", "/feed/b.xml", "/feed/c.xml"]),
        "per_host_gap = \"300ms\"\n",
    );
    let summary = workspace.fetch_once();
    assert_eq!(summary.new_articles, 3, "{}", summary.output);
    let seen = publisher.all_seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    for pair in seen.windows(2) {
        let gap = pair[1].at - pair[0].at;
        // The client spaces request starts; arrival may drift by a few milliseconds.
        assert!(
            gap >= Duration::from_millis(250),
            "{} then {} after {gap:?}",
            pair[0].path,
            pair[1].path
        );
    }
}

#[test]
fn a_feeds_ttl_is_a_lower_bound_on_its_polling() {
    let publisher = Publisher::start();
    let url = publisher.url("/feed/ttl.xml");
    // The feed says <ttl>90</ttl>; the config would poll it every 15 minutes.
    let workspace = Workspace::with_feeds_toml(&feeds_toml(&publisher, &["/feed/ttl.xml"]));
    let before = chrono::Utc::now();
    workspace.fetch_once();
    let line = list_line(&workspace, &url);
    let next_poll = line
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter_map(|w| {
            chrono::NaiveDateTime::parse_from_str(&format!("{} {}", w[0], w[1]), "%Y-%m-%d %H:%M")
                .ok()
        })
        .nth(1)
        .unwrap_or_else(|| panic!("no next poll time in {line}"))
        .and_utc();
    let minutes = (next_poll - before).num_minutes();
    // 90 minutes, +-10% jitter, to the minute.
    assert!(
        (79..=100).contains(&minutes),
        "next poll in {minutes} min: {line}"
    );
}
