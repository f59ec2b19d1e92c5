//! Feed bytes → [`FeedItem`]s, with feed-rs. A parser panic is caught and reported as a parse
//! error for that feed; it never takes the daemon down.

use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Link};

use super::FetchError;
use crate::model::FeedItem;

/// A parsed feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub items: Vec<FeedItem>,
}

/// Parses RSS, Atom or JSON Feed bytes fetched from `url` (used to resolve relative links).
pub fn parse_feed(bytes: &[u8], url: &str) -> Result<ParsedFeed, FetchError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        .id_generator(link_as_id)
        .build();
    let feed = catch_unwind(AssertUnwindSafe(|| parser.parse(bytes)))
        .map_err(|_| FetchError::Parse("the feed parser panicked".into()))?
        .map_err(|e| FetchError::Parse(e.to_string()))?;
    Ok(ParsedFeed {
        title: feed.title.map(|t| t.content),
        items: feed.entries.into_iter().map(to_item).collect(),
    })
}

/// Id of an entry without a GUID: its link, else feed-rs's hash of link and title.
fn link_as_id(links: &[Link], title: &Option<feed_rs::model::Text>, uri: Option<&str>) -> String {
    match links.first() {
        Some(link) => link.href.clone(),
        None => feed_rs::parser::generate_id(links, title, uri),
    }
}

fn to_item(entry: Entry) -> FeedItem {
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| l.href.clone());
    let summary = entry
        .summary
        .map(|s| s.content)
        .or_else(|| entry.content.and_then(|c| c.body));
    FeedItem {
        key: entry.id,
        link,
        title: entry.title.map(|t| t.content.trim().to_owned()),
        summary,
        author: entry
            .authors
            .into_iter()
            .find_map(|p| p.name.filter(|n| !n.trim().is_empty())),
        published: entry.published.or(entry.updated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_item_without_guid_is_keyed_by_its_link() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title> One </title><link>https://news.example/a</link><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
            <item><title>Two</title><guid isPermaLink="false">id-2</guid><link>/b</link></item>
            </channel></rss>"#;
        let feed = parse_feed(rss, "https://news.example/rss").unwrap();
        assert_eq!(feed.items[0].key, "https://news.example/a");
        assert_eq!(feed.items[0].title.as_deref(), Some("One"));
        assert!(feed.items[0].published.is_some());
        assert_eq!(feed.items[1].key, "id-2");
        assert_eq!(
            feed.items[1].link.as_deref(),
            Some("https://news.example/b")
        );
    }

    #[test]
    fn garbage_is_a_parse_error() {
        let err = parse_feed(
            b"<html><body>Just a moment...</body></html>",
            "https://x.example/",
        )
        .unwrap_err();
        assert!(matches!(err, FetchError::Parse(_)), "{err:?}");
    }
}
