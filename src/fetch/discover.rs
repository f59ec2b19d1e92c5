//! Feed discovery for `newsd feeds add`: given a URL that answers a web page rather than a
//! feed, find the feeds the site offers. First the page's own `<link rel="alternate">`
//! announcements, then, when it has none, the paths where feeds usually live, each fetched and
//! kept only if it parses as a feed.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures::StreamExt;
use scraper::{Html, Selector};
use url::Url;

use super::{FetchError, HttpClient, parse_feed};

/// Where feeds usually live, relative to the site root and to the page's directory.
const COMMON_PATHS: [&str; 9] = [
    "feed",
    "rss",
    "rss.xml",
    "feed.xml",
    "atom.xml",
    "index.xml",
    "index.rss",
    "feeds/posts/default",
    "atom",
];

/// `type` values of `<link rel="alternate">` that announce a feed.
const FEED_TYPES: [&str; 3] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
];

/// Common-path probes in flight at once; the client's per-host limits still apply.
const PROBES_IN_FLIGHT: usize = 4;

/// A feed found for a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub url: String,
    /// The link's `title`, or the feed's own title for a probed path.
    pub title: Option<String>,
}

/// What a URL turned out to be.
#[derive(Debug)]
pub enum Discovery {
    /// The URL answers a feed.
    Feed { title: Option<String> },
    /// The URL answers something its content type calls a feed, but it does not parse.
    Unparsed { error: FetchError },
    /// The URL answers a web page; these feeds were found for it (perhaps none).
    Page { url: String, feeds: Vec<Candidate> },
}

/// Fetches `url` and finds out whether it is a feed or a page, and for a page which feeds it
/// leads to. Fails only when `url` itself cannot be fetched.
pub async fn discover(client: &HttpClient, url: &str) -> Result<Discovery, FetchError> {
    let page = client.get_page(url).await?;
    let html = looks_like_html(page.content_type.as_deref(), &page.bytes);
    if !html {
        return Ok(match parse_feed(&page.bytes, &page.url) {
            Ok(feed) => Discovery::Feed { title: feed.title },
            Err(error) if is_feed_type(page.content_type.as_deref()) => {
                Discovery::Unparsed { error }
            }
            Err(_) => Discovery::Page {
                feeds: probe_common_paths(client, &page.url).await,
                url: page.url,
            },
        });
    }
    let base = Url::parse(&page.url).map_err(|e| FetchError::InvalidUrl(e.to_string()))?;
    let feeds = alternate_links(&String::from_utf8_lossy(&page.bytes), &base);
    if !feeds.is_empty() {
        return Ok(Discovery::Page {
            url: page.url,
            feeds,
        });
    }
    // A feed served as `text/html` by a misconfigured server is still a feed.
    if let Ok(feed) = parse_feed(&page.bytes, &page.url)
        && !feed.items.is_empty()
    {
        return Ok(Discovery::Feed { title: feed.title });
    }
    Ok(Discovery::Page {
        feeds: probe_common_paths(client, &page.url).await,
        url: page.url,
    })
}

/// Whether a response is a web page: an HTML content type, or (with none) an HTML start.
fn looks_like_html(content_type: Option<&str>, bytes: &[u8]) -> bool {
    match content_type {
        Some(t) => t.to_ascii_lowercase().contains("html"),
        None => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
            let head = head.trim_start_matches('\u{feff}').trim_start();
            head.starts_with("<!doctype html") || head.starts_with("<html")
        }
    }
}

/// Whether a content type names a feed or XML/JSON, which a feed may be served as.
fn is_feed_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        ["rss", "atom", "xml", "json"].iter().any(|k| t.contains(k))
    })
}

/// The feeds a page announces with `<link rel="alternate" type="…" href="…">`, resolved
/// against its `<base href>` or its own URL, in page order, each once.
pub(crate) fn alternate_links(html: &str, page: &Url) -> Vec<Candidate> {
    let document = Html::parse_document(html);
    let base_selector = Selector::parse("base[href]").expect("valid selector");
    let base = document
        .select(&base_selector)
        .next()
        .and_then(|b| page.join(b.value().attr("href")?.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let link_selector = Selector::parse("link[rel][href][type]").expect("valid selector");
    let mut feeds: Vec<Candidate> = Vec::new();
    for link in document.select(&link_selector) {
        let attr = |name| link.value().attr(name).unwrap_or_default();
        let alternate = attr("rel")
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"));
        let kind = attr("type").split(';').next().unwrap_or_default().trim();
        let is_feed = FEED_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind));
        let Ok(url) = base.join(attr("href").trim()) else {
            continue;
        };
        if !alternate || !is_feed || !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        if feeds.iter().all(|f| f.url != url.as_str()) {
            let title = attr("title")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            feeds.push(Candidate {
                url: url.into(),
                title: (!title.is_empty()).then_some(title),
            });
        }
    }
    feeds
}

/// The common feed paths under the site root, the page's directory and (for an
/// extension-less last segment such as `/blog`) the page itself taken as a directory.
pub(crate) fn probe_urls(page: &Url) -> Vec<Url> {
    let mut bases = vec![page.join("/"), page.join("./")];
    let last = page.path_segments().and_then(|mut s| s.next_back());
    if let Some(last) = last.filter(|l| !l.is_empty() && !l.contains('.')) {
        bases.push(page.join(&format!("{last}/")));
    }
    let mut urls: Vec<Url> = Vec::new();
    for base in bases.into_iter().flatten() {
        for path in COMMON_PATHS {
            if let Ok(url) = base.join(path)
                && !urls.contains(&url)
                && url != *page
            {
                urls.push(url);
            }
        }
    }
    urls
}

/// Fetches each common path and keeps those that answer a feed, once per final URL and body.
async fn probe_common_paths(client: &HttpClient, page: &str) -> Vec<Candidate> {
    let Ok(page) = Url::parse(page) else {
        return Vec::new();
    };
    let answers: Vec<Option<(Candidate, u64)>> = futures::stream::iter(probe_urls(&page))
        .map(|url| probe(client, url))
        .buffered(PROBES_IN_FLIGHT)
        .collect()
        .await;
    let mut bodies = HashSet::new();
    let mut feeds: Vec<Candidate> = Vec::new();
    for (candidate, body) in answers.into_iter().flatten() {
        if bodies.insert(body) && feeds.iter().all(|f| f.url != candidate.url) {
            feeds.push(candidate);
        }
    }
    feeds
}

/// One probe: the feed at `url` and a hash of its body, if it answers one.
async fn probe(client: &HttpClient, url: Url) -> Option<(Candidate, u64)> {
    let answer = client.get_page(url.as_str()).await;
    let page = match answer {
        Ok(page) => page,
        Err(error) => {
            tracing::debug!(url = %url, %error, "no feed at common path");
            return None;
        }
    };
    let feed = parse_feed(&page.bytes, &page.url).ok()?;
    // Sites that answer every path with a page (a "soft 404") are not feeds, however lenient
    // the parser.
    if looks_like_html(page.content_type.as_deref(), &page.bytes) && feed.items.is_empty() {
        return None;
    }
    let mut hasher = DefaultHasher::new();
    page.bytes.hash(&mut hasher);
    Some((
        Candidate {
            url: page.url,
            title: feed.title.filter(|t| !t.trim().is_empty()),
        },
        hasher.finish(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn alternate_links_are_resolved_and_filtered() {
        let html = r#"<html><head>
            <link rel="stylesheet" type="text/css" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="All  news" href="rss">
            <link rel="Alternate feed" type="application/atom+xml; charset=utf-8" href="//cdn.example/atom.xml">
            <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/1">
            <link rel="alternate" hreflang="fr" type="text/html" href="/fr/">
            <link rel="alternate" type="application/feed+json" href="https://news.example/en/rss">
            <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
            </head><body></body></html>"#;
        let feeds = alternate_links(html, &url("https://news.example/en/"));
        assert_eq!(
            feeds,
            [
                Candidate {
                    url: "https://news.example/en/rss".into(),
                    title: Some("All news".into())
                },
                Candidate {
                    url: "https://cdn.example/atom.xml".into(),
                    title: None
                },
            ]
        );
    }

    #[test]
    fn base_href_is_honoured() {
        let html = r#"<head><base href="https://other.example/blog/">
            <link rel="alternate" type="application/atom+xml" href="atom.xml"></head>"#;
        let feeds = alternate_links(html, &url("https://news.example/a/b.html"));
        assert_eq!(feeds[0].url, "https://other.example/blog/atom.xml");
    }

    #[test]
    fn probes_cover_root_directory_and_extensionless_page() {
        let urls: Vec<String> = probe_urls(&url("https://s.example/news/blog"))
            .into_iter()
            .map(String::from)
            .collect();
        for expected in [
            "https://s.example/feed",
            "https://s.example/news/rss.xml",
            "https://s.example/news/blog/feed",
            "https://s.example/feeds/posts/default",
        ] {
            assert!(urls.iter().any(|u| u == expected), "{expected} in {urls:?}");
        }
        assert_eq!(urls.len(), 3 * COMMON_PATHS.len());
        // At the root, the directory is the root: each path once.
        assert_eq!(
            probe_urls(&url("https://s.example/index.html")).len(),
            COMMON_PATHS.len()
        );
    }

    #[test]
    fn html_is_told_from_feeds() {
        assert!(looks_like_html(Some("text/html; charset=utf-8"), b""));
        assert!(!looks_like_html(Some("application/rss+xml"), b"<html>"));
        assert!(looks_like_html(None, b"\n<!DOCTYPE html><html>"));
        assert!(!looks_like_html(None, b"<?xml version=\"1.0\"?><rss>"));
        assert!(is_feed_type(Some("text/xml")));
        assert!(!is_feed_type(Some("text/plain")));
    }
}
