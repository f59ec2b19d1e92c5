//! Hostile servers and hostile links: bodies that never end or drip, gzip bombs, redirect loops
//! and chains, wrong content types, invalid UTF-8, absurd nesting, sizes and counts, and links
//! to the daemon's own network (the SSRF guard). Each must fail alone, within its limits, with
//! a clear error for its feed or page, while a normal feed in the same run is still ingested.

use std::io::Write;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::server::{ARTICLES, ATOM, FixtureServer};
use crate::support::{FetchSummary, Workspace};

/// The normal feed beside the hostile ones, and a phrase of one of its articles.
const NORMAL_FEED: &str = ATOM;
const NORMAL_PHRASE: &str = ARTICLES[3].phrase;

/// Upper bound that proves a run did not hang: far above any limit the tests set.
const NO_HANG: Duration = Duration::from_secs(90);

/// A workspace polling the hostile `paths` of `server` and the normal feed, with `settings` in
/// its `[fetch]` section.
fn workspace(server: &FixtureServer, paths: &[&str], settings: &str) -> Workspace {
    let mut feeds = String::new();
    for (n, path) in paths.iter().chain([&NORMAL_FEED]).enumerate() {
        feeds.push_str(&format!(
            "[[feed]]\nurl = \"{}\"\nname = \"feed {n}\"\n\n",
            server.url(path)
        ));
    }
    Workspace::with_fetch_settings(&feeds, settings)
}

/// Runs `fetch-once`, checking it ends in time and that the normal feed was read and its
/// article can be found.
fn fetch_once_beside_normal(workspace: &Workspace) -> FetchSummary {
    let started = Instant::now();
    let summary = workspace.fetch_once();
    assert!(started.elapsed() < NO_HANG, "{}", summary.output);
    let hits = workspace.search(&format!("\"{NORMAL_PHRASE}\""));
    assert_eq!(
        hits.len(),
        1,
        "the normal feed is ingested\n{}",
        summary.output
    );
    summary
}

fn assert_failed(summary: &FetchSummary, failed: u64, messages: &[&str]) {
    assert_eq!(summary.failed, failed, "failed feeds\n{}", summary.output);
    for message in messages {
        assert!(
            summary.output.stderr.contains(message),
            "stderr should say {message:?}\n{}",
            summary.output
        );
    }
}

/// An RSS feed with `items` as (guid, title, link, description).
fn rss(items: &[(&str, &str, Option<&str>, &str)]) -> String {
    let mut feed = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Hostile</title><link>http://hostile.example/</link>\n",
    );
    for (guid, title, link, description) in items {
        let link = link
            .map(|l| format!("<link>{l}</link>"))
            .unwrap_or_default();
        feed.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>{link}\
             <description>{description}</description>\
             <pubDate>Tue, 04 Nov 2025 07:41:00 GMT</pubDate></item>\n"
        ));
    }
    feed.push_str("</channel></rss>\n");
    feed
}

fn rss_response(body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/rss+xml")], body.into()).into_response()
}

fn html_response(body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// A feed whose one item links to `page` on the server and carries `phrase` in its summary.
fn feed_linking_to(page: &str, phrase: &str) -> impl Fn(&str) -> Response + Send + Sync {
    let (page, phrase) = (page.to_owned(), phrase.to_owned());
    move |base| {
        let link = format!("{base}{page}");
        let summary = format!("The summary of this item says {phrase}.");
        rss_response(rss(&[("item-1", "A linked story", Some(&link), &summary)]))
    }
}

/// A stream of `chunk` forever, each after `every`.
fn endless(chunk: &'static [u8], every: Duration) -> Body {
    Body::from_stream(futures::stream::unfold((), move |()| async move {
        tokio::time::sleep(every).await;
        Some((Ok::<_, std::io::Error>(chunk), ()))
    }))
}

#[test]
fn a_body_that_never_ends_is_cut_at_max_feed_bytes() {
    let server = FixtureServer::start();
    server.route("/hostile/endless.xml", |_| {
        rss_response(endless(&[b'x'; 64 * 1024], Duration::ZERO))
    });
    let workspace = workspace(
        &server,
        &["/hostile/endless.xml"],
        "max_feed_bytes = 1000000\n",
    );
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 1, &["larger than 1000000 bytes"]);
}

#[test]
fn a_body_dripping_one_byte_a_second_is_cut_at_the_timeout() {
    let server = FixtureServer::start();
    server.route("/hostile/drip.xml", |_| {
        rss_response(endless(b" ", Duration::from_secs(1)))
    });
    let workspace = workspace(&server, &["/hostile/drip.xml"], "timeout = \"2s\"\n");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 1, &["timed out"]);
}

/// 1 GiB of zeros, gzip-compressed to about 1 MB, compressed as it is sent: the server only
/// does the work for as much as the client reads.
fn gzip_bomb() -> Body {
    const MIB: usize = 1024 * 1024;
    let encoder = GzEncoder::new(Vec::new(), Compression::best());
    Body::from_stream(futures::stream::unfold(
        (Some(encoder), 0),
        |(encoder, sent)| async move {
            let mut encoder = encoder?;
            if sent == 1024 {
                let rest = encoder.finish().expect("finish gzip");
                return Some((Ok::<_, std::io::Error>(rest), (None, sent)));
            }
            encoder.write_all(&[0; MIB]).expect("compress");
            let chunk = std::mem::take(encoder.get_mut());
            Some((Ok(chunk), (Some(encoder), sent + 1)))
        },
    ))
}

#[test]
fn a_gzip_bomb_is_cut_at_max_feed_bytes_after_decompression() {
    let server = FixtureServer::start();
    server.route("/hostile/bomb.xml", |_| {
        (
            [
                (header::CONTENT_TYPE, "application/rss+xml"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            gzip_bomb(),
        )
            .into_response()
    });
    let workspace = workspace(
        &server,
        &["/hostile/bomb.xml"],
        "max_feed_bytes = 1000000\n",
    );
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 1, &["larger than 1000000 bytes"]);
}

#[test]
fn a_redirect_loop_and_50_redirects_fail_at_max_redirects() {
    let server = FixtureServer::start();
    server.route("/hostile/loop-a.xml", |base| {
        redirect(format!("{base}/hostile/loop-b.xml"))
    });
    server.route("/hostile/loop-b.xml", |_| {
        redirect("/hostile/loop-a.xml".into())
    });
    for hop in 1..=50 {
        server.route(&format!("/hostile/hop/{hop}"), move |_| {
            redirect(format!("/hostile/hop/{}", hop - 1))
        });
    }
    server.route("/hostile/hop/0", |_| rss_response(rss(&[])));
    let workspace = workspace(
        &server,
        &["/hostile/loop-a.xml", "/hostile/hop/50"],
        "max_redirects = 5\n",
    );
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 2, &["more than 5 redirects"]);
    let hops = server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/hostile/hop/"))
        .count();
    assert_eq!(hops, 6, "the first request and 5 redirects");
}

/// The first bytes of a PNG file.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[test]
fn wrong_content_types_are_judged_by_the_bytes() {
    let server = FixtureServer::start();
    // An HTML page where a feed should be: a clear "not a feed".
    server.route("/hostile/page-as-feed.xml", |_| {
        rss_response("<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>")
    });
    // A feed served as an image is still read; its page, an actual image, is no article: the
    // item keeps the feed's summary.
    server.route("/hostile/feed-as-png.xml", |base| {
        let feed = feed_linking_to("/hostile/image.html", "zebra crossings repainted")(base);
        let (mut parts, body) = feed.into_parts();
        parts
            .headers
            .insert(header::CONTENT_TYPE, "image/png".parse().unwrap());
        Response::from_parts(parts, body)
    });
    server.route("/hostile/image.html", |_| {
        ([(header::CONTENT_TYPE, "image/png")], PNG).into_response()
    });
    let workspace = workspace(
        &server,
        &["/hostile/page-as-feed.xml", "/hostile/feed-as-png.xml"],
        "",
    );
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 1, &["not a feed"]);
    let hits = workspace.search("\"zebra crossings repainted\"");
    assert_eq!(hits.len(), 1, "{}", summary.output);
}

#[test]
fn invalid_utf8_in_a_feed_and_its_page_is_read_around() {
    let server = FixtureServer::start();
    server.route("/hostile/bad-utf8.xml", |base| {
        let mut feed = rss(&[(
            "item-1",
            "Broken \u{1}bytes",
            Some(&format!("{base}/hostile/bad-utf8.html")),
            "Summary about BYTES molasses flood anniversary.",
        )])
        .into_bytes();
        let at = feed.windows(5).position(|w| w == b"BYTES").unwrap();
        feed.splice(at..at + 5, *b"\xff\xfe\xc3\x28\x80");
        let at = feed.iter().position(|&b| b == 1).unwrap();
        feed.splice(at..at + 1, *b"\xe2\x82");
        rss_response(feed)
    });
    server.route("/hostile/bad-utf8.html", |_| {
        let mut page = b"<html><head><meta charset=\"utf-8\"><title>Molasses</title></head><body>\
            <article><h1>Molasses</h1><p>The great molasses flood anniversary was marked in \
            Boston's North End with a walk along the waterfront, \xff\xfe\xc0 where the tank \
            once stood, and a reading of the names of the victims.</p><p>Historians spoke \
            about the causes of the disaster and the court case that followed it, which \
            changed how engineers certify their work.</p></article></body></html>"
            .to_vec();
        page.extend_from_slice(b"\x80\x81");
        html_response(page)
    });
    let workspace = workspace(&server, &["/hostile/bad-utf8.xml"], "");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 0, &[]);
    let hits = workspace.search("molasses");
    assert_eq!(hits.len(), 1, "{}", summary.output);
}

#[test]
fn a_page_nested_100000_levels_deep_neither_crashes_nor_hangs() {
    const DEPTH: usize = 100_000;
    let server = FixtureServer::start();
    server.route("/hostile/deep.xml", |base| {
        // A second item whose summary is nested as deep, for the feed-HTML path.
        let summary = format!(
            "<![CDATA[{}The harbour seals returned to the estuary.{}]]>",
            "<div>".repeat(DEPTH),
            "</div>".repeat(DEPTH)
        );
        let link = format!("{base}/hostile/deep.html");
        rss_response(rss(&[
            ("item-1", "A deep page", Some(&link), "A short summary."),
            ("item-2", "A deep summary", None, &summary),
        ]))
    });
    server.route("/hostile/deep.html", |_| {
        let mut page = String::from("<html><head><title>Deep</title></head><body>");
        page.push_str(&"<div>".repeat(DEPTH));
        page.push_str(
            "<p>At the bottom of the page a lighthouse keeper retires after forty years on the \
             rock, and the village gathers on the quay to thank him for every night he kept the \
             lamp burning through the storms of the northern winter.</p>",
        );
        page.push_str(&"</div>".repeat(DEPTH));
        page.push_str("</body></html>");
        html_response(page)
    });
    let workspace = workspace(&server, &["/hostile/deep.xml"], "");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 0, &[]);
    let page = workspace.search("\"lighthouse keeper retires\"");
    assert_eq!(page.len(), 1, "the page's text is read\n{}", summary.output);
    let seals = workspace.search("\"harbour seals returned\"");
    assert_eq!(
        seals.len(),
        1,
        "the summary's text is read\n{}",
        summary.output
    );
}

#[test]
fn a_50_mb_page_is_refused_and_the_feed_summary_kept() {
    let server = FixtureServer::start();
    server.route(
        "/hostile/huge.xml",
        feed_linking_to("/hostile/huge.html", "the tallest sandcastle"),
    );
    server.route("/hostile/huge.html", |_| {
        let mut page = String::from("<html><body><article>");
        page.push_str(&"<p>Sand and more sand.</p>\n".repeat(50 * 1024 * 1024 / 26));
        page.push_str("</article></body></html>");
        html_response(page)
    });
    let workspace = workspace(&server, &["/hostile/huge.xml"], "");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(
        &summary,
        0,
        &["page fetch failed", "larger than 16777216 bytes"],
    );
    let hits = workspace.search("\"tallest sandcastle\"");
    assert_eq!(hits.len(), 1, "{}", summary.output);
}

#[test]
fn a_feed_with_100000_items_is_capped_with_a_log_line() {
    let server = FixtureServer::start();
    server.route("/hostile/many.xml", |_| {
        let mut feed = String::from(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title>\n",
        );
        for n in 0..100_000 {
            feed.push_str(&format!(
                "<item><guid isPermaLink=\"false\">i{n}</guid><title>Item {n}</title></item>\n"
            ));
        }
        feed.push_str("</channel></rss>\n");
        rss_response(feed)
    });
    let workspace = workspace(&server, &["/hostile/many.xml"], "");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 0, &["feed has too many items", "items=100000"]);
    // The normal feed's two articles, and the capped feed's first items.
    assert_eq!(summary.new_articles, 2 + 1000, "{}", summary.output);
}

#[test]
fn a_one_megabyte_title_is_truncated() {
    let server = FixtureServer::start();
    server.route("/hostile/long-title.xml", |base| {
        let title = "Endless headline ".repeat(1024 * 1024 / 17);
        let link = format!("{base}/hostile/long-title.html");
        rss_response(rss(&[(
            "item-1",
            &title,
            Some(&link),
            "Summary of the story of the walrus census.",
        )]))
    });
    server.route("/hostile/long-title.html", |_| {
        let title = "Endless page title ".repeat(1024 * 1024 / 19);
        html_response(format!(
            "<html><head><title>{title}</title></head><body><h1>{title}</h1>\
             <p>The walrus census counted more animals than expected.</p></body></html>"
        ))
    });
    let workspace = workspace(&server, &["/hostile/long-title.xml"], "");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(&summary, 0, &[]);
    let hits = workspace.search("walrus");
    assert_eq!(hits.len(), 1, "{}", summary.output);
    let title = &hits[0].title;
    assert!(title.starts_with("Endless headline"), "{title:.200}");
    assert!(title.chars().count() <= 1000, "{} chars", title.len());
}

/// A workspace without the tests' default allow-list refuses the fixture server on 127.0.0.1,
/// by its address and by a name resolving to it, before sending anything.
#[test]
fn hostile_links_to_loopback_are_refused_without_the_allow_list() {
    let server = FixtureServer::start();
    let port = server.base().rsplit(':').next().unwrap().to_owned();
    let by_name = format!("http://localhost:{port}{NORMAL_FEED}");
    let feeds = format!(
        "[[feed]]\nurl = \"{}\"\nname = \"by address\"\n\n[[feed]]\nurl = \"{by_name}\"\n\
         name = \"by name\"\n",
        server.url(NORMAL_FEED)
    );
    let workspace = Workspace::with_fetch_settings(&feeds, "allow_addresses = []\n");
    let summary = workspace.fetch_once();
    assert_failed(
        &summary,
        2,
        &["refused: address 127.0.0.1 is loopback; allow it with [fetch] allow_addresses"],
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    let list = workspace.run_ok(&["feeds", "list"]).stdout;
    assert_eq!(list.matches("is loopback").count(), 2, "{list}");

    let add = workspace.run_ok(&["feeds", "add", &server.url("/rss/france24.xml")]);
    assert!(add.stderr.contains("refused: address 127.0.0.1"), "{add}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// With only 127.0.0.1 allowed, redirects from it to other reserved addresses are refused at
/// the hop, for feeds and for article pages (which then keep the feed's summary).
#[test]
fn hostile_redirects_to_reserved_addresses_are_refused() {
    let server = FixtureServer::start();
    let port = server.base().rsplit(':').next().unwrap().to_owned();
    let targets = [
        (
            "other-loopback",
            format!("http://127.0.0.2:{port}{NORMAL_FEED}"),
        ),
        ("private", "http://10.0.0.1/feed.xml".to_owned()),
        (
            "metadata",
            "http://169.254.169.254/latest/meta-data/".to_owned(),
        ),
        (
            "mapped",
            format!("http://[::ffff:127.0.0.2]:{port}{NORMAL_FEED}"),
        ),
    ];
    let mut paths = Vec::new();
    for (name, target) in targets {
        let path = format!("/hostile/to-{name}.xml");
        server.route(&path, move |_| redirect(target.clone()));
        paths.push(path);
    }
    server.route(
        "/hostile/page-redirect.xml",
        feed_linking_to("/hostile/to-metadata.html", "the pelican count"),
    );
    server.route("/hostile/to-metadata.html", |_| {
        redirect("http://169.254.169.254/latest/meta-data/".into())
    });
    paths.push("/hostile/page-redirect.xml".into());
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let workspace = workspace(&server, &paths, "allow_addresses = [\"127.0.0.1/32\"]\n");
    let summary = fetch_once_beside_normal(&workspace);
    assert_failed(
        &summary,
        4,
        &[
            "refused: address 127.0.0.2 is loopback",
            "refused: address 10.0.0.1 is private",
            "refused: address 169.254.169.254 is a cloud metadata endpoint",
            "refused: address ::ffff:127.0.0.2 is loopback",
            "page fetch failed",
        ],
    );
    let hits = workspace.search("\"pelican count\"");
    assert_eq!(
        hits.len(),
        1,
        "the page's feed summary is kept\n{}",
        summary.output
    );
}
