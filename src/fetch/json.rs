//! JSON Feed (1.0 and 1.1) → [`ParsedFeed`], read leniently over `serde_json::Value`: any
//! `jsonfeed.org` version URL, numbers where strings belong, a single value where an array
//! belongs. feed-rs's typed reader rejects the whole feed for any of these.

use serde_json::{Map, Value};

use super::entry::FeedFormat;
use super::parse::{EntryDetails, ParsedFeed};
use super::{FetchError, dates};
use crate::model::FeedItem;

/// Whether the text is JSON rather than XML: its first non-blank character opens an object.
pub(crate) fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .starts_with('{')
}

/// Reads a JSON Feed. `base` resolves relative item URLs.
pub(crate) fn parse(text: &str, base: Option<&str>) -> Result<ParsedFeed, FetchError> {
    let text = text.trim_start_matches('\u{feff}');
    let root: Value = serde_json::from_str(text)
        .map_err(|e| FetchError::Parse(format!("unable to parse JSON: {e}")))?;
    let Value::Object(root) = root else {
        return Err(FetchError::Parse("not a JSON Feed: not an object".into()));
    };
    let Some(Value::Array(items)) = root.get("items") else {
        return Err(FetchError::Parse("not a JSON Feed (no items list)".into()));
    };
    let version = string(root.get("version")).unwrap_or_default();
    let format = if version.contains("1.1") {
        FeedFormat::Json11
    } else {
        FeedFormat::Json1
    };
    let base = base
        .or(root.get("feed_url").and_then(Value::as_str))
        .and_then(|b| url::Url::parse(b).ok());
    let (items, details) = items
        .iter()
        .filter_map(Value::as_object)
        .map(|item| map_item(item, base.as_ref()))
        .unzip();
    Ok(ParsedFeed {
        title: string(root.get("title")),
        format,
        items,
        details,
        min_interval: None,
        repaired: !version.starts_with("https://jsonfeed.org/version/1"),
    })
}

fn map_item(item: &Map<String, Value>, base: Option<&url::Url>) -> (FeedItem, EntryDetails) {
    let field = |name: &str| string(item.get(name));
    let link = field("url").or_else(|| field("external_url")).map(|href| {
        match base.and_then(|b| b.join(&href).ok()) {
            Some(resolved) => resolved.to_string(),
            None => href,
        }
    });
    let content = field("content_html").or_else(|| field("content_text"));
    let summary = field("summary");
    let published = field("date_published").and_then(|d| dates::parse_timestamp(&d));
    let updated = field("date_modified").and_then(|d| dates::parse_timestamp(&d));
    let details = EntryDetails {
        id: field("id"),
        published,
        updated,
        summary_len: summary.as_deref().map_or(0, |s| s.chars().count()),
        content_len: content.as_deref().map_or(0, |s| s.chars().count()),
    };
    let author = one_or_many(item.get("authors"))
        .chain(one_or_many(item.get("author")))
        .find_map(|a| match a {
            Value::Object(a) => string(a.get("name")),
            other => string(Some(other)),
        });
    let feed_item = FeedItem {
        key: String::new(),
        link,
        title: field("title"),
        summary: summary.or(content),
        author,
        published: published.or(updated),
    };
    (feed_item, details)
}

/// A string, or a number written where a string belongs.
fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The elements of an array, or a single value where an array belongs.
fn one_or_many(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    let (single, many) = match value {
        Some(Value::Array(values)) => (None, values.as_slice()),
        Some(Value::Null) | None => (None, &[][..]),
        Some(other) => (Some(other), &[][..]),
    };
    single.into_iter().chain(many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_http_url_and_loose_types_are_read() {
        let text = r#"{"version": "http://jsonfeed.org/version/1", "title": "J",
            "items": [{"id": 7, "url": "/a", "title": "A", "tags": "one",
                       "author": {"name": "Ann"}, "date_published": "2022-06-24 12:17:39"}]}"#;
        let feed = parse(text, Some("https://j.example/feed.json")).unwrap();
        assert_eq!(feed.format, FeedFormat::Json1);
        assert!(feed.repaired);
        let (item, details) = (&feed.items[0], &feed.details[0]);
        assert_eq!(details.id.as_deref(), Some("7"));
        assert_eq!(item.link.as_deref(), Some("https://j.example/a"));
        assert_eq!(item.author.as_deref(), Some("Ann"));
        assert!(item.published.is_some());
    }

    #[test]
    fn json_without_items_is_not_a_feed() {
        assert!(parse(r#"{"rss": {"channel": {}}}"#, None).is_err());
        assert!(parse(r#"{"items": [ {"title": "cut"#, None).is_err());
    }
}
