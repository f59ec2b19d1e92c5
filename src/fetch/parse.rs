//! Feed bytes → [`ParsedFeed`]: the robust layer around feed-rs. Bytes are decoded to UTF-8
//! first ([`decode_xml`](crate::charset::decode_xml)), the root element is normalised and, only when feed-rs
//! rejects the document, the XML is repaired and parsed again ([`repair`](super::repair)).
//! Author text feed-rs would panic on is made safe first ([`person`](super::person)). JSON Feed
//! has its own lenient reader ([`json`](super::json)). A parser panic is caught and reported as
//! a parse error for that feed; it never takes the daemon down.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use chrono::{DateTime, Utc};
use feed_rs::model::{Feed, FeedType};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};

use super::entry::{self, FeedFormat};
use super::{FetchError, dates, hints, json, person, repair};
use crate::charset;
use crate::model::{FeedItem, clip_title};

/// Items read from one feed document; the rest are dropped with a warning. A feed with more is
/// an archive dump or an attack, and each item may cost a page fetch.
pub const MAX_ITEMS: usize = 1_000;

/// A parsed feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub format: FeedFormat,
    pub items: Vec<FeedItem>,
    /// What the items leave out, one per item and in the same order (for `newsd inspect`).
    pub details: Vec<EntryDetails>,
    /// The feed's own polling hint: RSS `<ttl>` or `sy:updatePeriod`/`sy:updateFrequency`,
    /// the larger if both.
    pub min_interval: Option<Duration>,
    /// The document was malformed and had to be repaired to be read (feedparser's "bozo").
    pub repaired: bool,
}

/// Per-entry facts beyond [`FeedItem`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryDetails {
    /// The entry's own id (RSS `guid`, Atom `id`, JSON `id`), if it has one.
    pub id: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// Characters of the summary and of the full content.
    pub summary_len: usize,
    pub content_len: usize,
}

/// Parses RSS, Atom or JSON Feed bytes fetched from `url` (used to resolve relative links).
pub fn parse_feed(bytes: &[u8], url: &str) -> Result<ParsedFeed, FetchError> {
    parse_feed_with(bytes, None, url)
}

/// Like [`parse_feed`], also using the charset of the HTTP `Content-Type` header when the bytes
/// carry no better evidence of their encoding.
pub fn parse_feed_with(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
) -> Result<ParsedFeed, FetchError> {
    catch_unwind(AssertUnwindSafe(|| parse_guarded(bytes, content_type, url)))
        .map_err(|_| FetchError::Parse("the feed parser panicked".into()))?
}

fn parse_guarded(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
) -> Result<ParsedFeed, FetchError> {
    let decoded = charset::decode_xml(bytes, content_type);
    let utf8_source = decoded.encoding == encoding_rs::UTF_8;
    let text = decoded.text;
    let base = (!url.is_empty() && url::Url::parse(url).is_ok()).then_some(url);
    if json::looks_like_json(&text) {
        let mut feed = json::parse(&text, base)?;
        entry::finish(&mut feed, utf8_source);
        bound(&mut feed, url);
        return Ok(feed);
    }
    let text: Cow<str> = match charset::rewrite_declared_encoding(&text) {
        Some(rewritten) => Cow::Owned(rewritten),
        None => text,
    };
    let (text, root) = repair::normalize_root(text);
    let (feed, repaired) = parse_xml(&text, base)?;
    let format = match feed.feed_type {
        FeedType::Atom => FeedFormat::Atom,
        FeedType::JSON => FeedFormat::Json1,
        FeedType::RSS0 | FeedType::RSS2 => root.rss_format(),
        FeedType::RSS1 => root.rdf_format(),
    };
    let min_interval = hints::max_interval(
        feed.ttl
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        hints::syndication_interval(&text),
    );
    let mut parsed = entry::from_feed_rs(feed, format, &text);
    parsed.min_interval = min_interval;
    parsed.repaired = repaired || root.repaired;
    entry::finish(&mut parsed, utf8_source);
    bound(&mut parsed, url);
    Ok(parsed)
}

/// Keeps the first [`MAX_ITEMS`] items and clips titles to a sane length.
fn bound(feed: &mut ParsedFeed, url: &str) {
    if feed.items.len() > MAX_ITEMS {
        tracing::warn!(feed = %url, items = feed.items.len(), kept = MAX_ITEMS, "feed has too many items, only the first are read");
        feed.items.truncate(MAX_ITEMS);
        feed.details.truncate(MAX_ITEMS);
    }
    for title in feed.items.iter_mut().filter_map(|item| item.title.as_mut()) {
        clip_title(title);
    }
    if let Some(title) = &mut feed.title {
        clip_title(title);
    }
}

/// How many times a rejected document is repaired and parsed again before giving up.
const MAX_REPAIRS: usize = 8;

/// Parses XML with feed-rs; when it is rejected, repairs what the error points at and tries
/// again. Returns the feed and whether any repair was needed.
fn parse_xml(text: &str, base: Option<&str>) -> Result<(Feed, bool), FetchError> {
    let mut current = match repair::drop_declarations(text) {
        Some(text) => Cow::Owned(guard_emails(text)),
        None => person::guard_emails(text).map_or(Cow::Borrowed(text), Cow::Owned),
    };
    let mut rebalanced = false;
    for attempt in 0..=MAX_REPAIRS {
        let error = match feed_rs_parse(&current, base) {
            Ok(feed) => return Ok((feed, attempt > 0)),
            Err(error) => error,
        };
        let targeted = match &error {
            ParseFeedError::ParseError(
                ParseErrorKind::MissingContent { position, .. }
                | ParseErrorKind::UnknownMimeType { position, .. },
            ) => repair::drop_elements_like(&current, *position as usize),
            ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
                repair::extract_embedded_feed(&current)
            }
            _ => None,
        };
        // A document cut short can surface as any error: balancing it is the general remedy.
        let next = targeted.or_else(|| {
            (!rebalanced).then(|| {
                rebalanced = true;
                repair::rebalance(&current)
            })
        });
        match next {
            Some(next) if next != *current => current = Cow::Owned(guard_emails(next)),
            _ => {
                tracing::debug!(error = %error, attempt, "feed rejected");
                return Err(FetchError::Parse(error.to_string()));
            }
        }
    }
    Err(FetchError::Parse("too many repairs".into()))
}

/// `text`, or its rewriting where feed-rs would panic on an author's e-mail (see [`person`]).
/// Applied to every version feed-rs reads: a repair can turn `&laquo;` into `&#171;`.
fn guard_emails(text: String) -> String {
    person::guard_emails(&text).unwrap_or(text)
}

fn feed_rs_parse(text: &str, base: Option<&str>) -> Result<Feed, ParseFeedError> {
    feed_rs::parser::Builder::new()
        .base_uri(base)
        // Entries without an id keep an empty one: the id, the key and the link fallback are
        // decided in `entry`, where it is known which ids the feed really gave.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(dates::parse_timestamp)
        .build()
        .parse(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_declaration_naming_an_encoding_is_read_not_a_panic_fuzz_crash() {
        // quick-xml panicked on a declaration naming an encoding after the document's start
        // (set_encoding after the prefix), and the feed was lost as "the feed parser panicked".
        let feed = parse_feed(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
              <title>T</title>\n<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n\
              <item><title>A</title><link>https://e.example/a</link></item></channel></rss>",
            "",
        )
        .expect("the feed is read");
        assert_eq!(feed.items.len(), 1);
        let unterminated = parse_feed(
            b"<?xml version=\"1.0\" encoding=\"windows-1251\"title>\n<rss version=\"2.0\">\
              <channel><title>T</title><item><title>A</title><link>https://e.example/a</link>\
              </item></channel></rss>",
            "",
        );
        assert!(
            !matches!(&unterminated, Err(FetchError::Parse(m)) if m.contains("panicked")),
            "{unterminated:?}"
        );
    }

    #[test]
    fn an_author_email_beside_a_multibyte_character_is_read_not_a_panic_feed_rs_3_0_0() {
        // feed-rs 3.0.0 (`parse_person_name_email`) sliced inside the `»` after the e-mail,
        // and the feed was lost as "the feed parser panicked".
        for (author, name) in [
            ("a@b.cc» Jöhn", "Jöhn"),
            ("Jöhn «a@b.cc»", "Jöhn"),
            ("Jöhn\u{a0}a@b.cc", "Jöhn"),
            ("Jö-a@b.cc", "Jö"),
            ("&#171;a@b.cc&#187; Jöhn", "Jöhn"),
        ] {
            let rss = format!(
                "<rss version=\"2.0\"><channel><title>T</title><item><title>A</title>\
                 <author>{author}</author></item></channel></rss>"
            );
            let feed = parse_feed(rss.as_bytes(), "").expect(author);
            assert_eq!(feed.items[0].author.as_deref(), Some(name), "{author}");
        }
    }

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

    #[test]
    fn ttl_and_syndication_hints_give_the_larger_interval() {
        let rss = br#"<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
            <channel><title>T</title><ttl>30</ttl>
            <sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
            </channel></rss>"#;
        let feed = parse_feed(rss, "https://news.example/rss").unwrap();
        assert_eq!(feed.min_interval, Some(Duration::from_secs(6 * 3600)));
    }

    #[test]
    fn http_charset_is_used_for_undeclared_bytes() {
        let rss = b"<rss version=\"2.0\"><channel><title>\xcf\xf0\xe8\xe2\xe5\xf2</title></channel></rss>";
        let feed =
            parse_feed_with(rss, Some("application/rss+xml; charset=windows-1251"), "").unwrap();
        assert_eq!(feed.title.as_deref(), Some("Привет"));
    }
}
