//! feed-rs's model → newsd's [`ParsedFeed`]: which link is the entry's, what its key is, and
//! the last clean-ups every format shares (the guid→link fallback, double-encoded UTF-8).

use std::collections::HashSet;

use feed_rs::model::{Entry, Feed, FeedType};
use sha2::{Digest, Sha256};

use super::parse::{EntryDetails, ParsedFeed};
use crate::entities;
use crate::model::FeedItem;

/// The feed's format, named as feedparser names versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss090,
    Rss091,
    Rss092,
    Rss10,
    Rss20,
    Atom,
    Json1,
    Json11,
}

impl FeedFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Rss090 => "rss090",
            FeedFormat::Rss091 => "rss091",
            FeedFormat::Rss092 => "rss092",
            FeedFormat::Rss10 => "rss10",
            FeedFormat::Rss20 => "rss20",
            FeedFormat::Atom => "atom10",
            FeedFormat::Json1 => "json1",
            FeedFormat::Json11 => "json11",
        }
    }
}

/// Maps a feed-rs feed; keys are left to [`finish`]. `text` is the document, read for what
/// feed-rs does not keep (which guids are not permalinks).
pub(crate) fn from_feed_rs(feed: Feed, format: FeedFormat, text: &str) -> ParsedFeed {
    let rss = matches!(
        feed.feed_type,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2
    );
    let not_links = non_permalink_guids(text);
    let (items, details) = feed
        .entries
        .into_iter()
        .map(|e| map_entry(e, rss, &not_links))
        .unzip();
    ParsedFeed {
        title: feed.title.map(|t| t.content),
        format,
        items,
        details,
        min_interval: None,
        repaired: false,
    }
}

fn map_entry(entry: Entry, rss: bool, not_links: &HashSet<String>) -> (FeedItem, EntryDetails) {
    let link = entry
        .links
        .iter()
        .find(|l| l.target.is_none() && l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.iter().find(|l| l.target.is_none()))
        .map(|l| l.href.clone())
        // An item without a link is reached through its guid, a permalink unless it says
        // otherwise (RSS 2.0; feedparser does the same, Atom ids included).
        .or_else(|| Some(entry.id.clone()).filter(|id| !id.is_empty() && !not_links.contains(id)));
    let summary = entry.summary.map(|s| s.content);
    let content = entry.content.and_then(|c| c.body);
    // feed-rs copies an RSS item's pubDate into `updated`; only a real update is reported.
    let updated = entry
        .updated
        .filter(|u| !(rss && Some(*u) == entry.published));
    let details = EntryDetails {
        id: Some(entry.id).filter(|id| !id.is_empty()),
        published: entry.published,
        updated,
        summary_len: summary.as_deref().map_or(0, |s| s.chars().count()),
        content_len: content.as_deref().map_or(0, |s| s.chars().count()),
    };
    let item = FeedItem {
        key: String::new(),
        link,
        title: entry.title.map(|t| t.content),
        summary: summary.or(content),
        author: entry
            .authors
            .into_iter()
            .find_map(|p| p.name.filter(|n| !n.trim().is_empty())),
        published: entry.published.or(entry.updated),
    };
    (item, details)
}

/// The clean-ups every format shares. `utf8_source`: the document was UTF-8, so text that is
/// UTF-8 read as ISO-8859-1 is repaired (feedparser's rule).
pub(crate) fn finish(feed: &mut ParsedFeed, utf8_source: bool) {
    let tidy = |text: &mut Option<String>| {
        if let Some(t) = text {
            let trimmed = t.trim();
            let repaired = if utf8_source {
                repair_mojibake(trimmed)
            } else {
                None
            };
            let text = repaired.as_deref().unwrap_or(trimmed);
            *t = entities::decode_named(text).into_owned();
        }
    };
    tidy(&mut feed.title);
    for (item, details) in feed.items.iter_mut().zip(&feed.details) {
        tidy(&mut item.title);
        item.key = match (&details.id, &item.link) {
            (Some(id), _) => id.clone(),
            (None, Some(link)) => link.clone(),
            (None, None) => content_key(item),
        };
    }
}

/// Values of the `<guid isPermaLink="false">` elements in `text`.
fn non_permalink_guids(text: &str) -> HashSet<String> {
    let finder = memchr::memmem::Finder::new("isPermaLink");
    let mut guids = HashSet::new();
    for at in finder.find_iter(text.as_bytes()) {
        let attr = &text[at + "isPermaLink".len()..];
        let value = attr.trim_start().trim_start_matches('=').trim_start();
        // Past the opening quote; `get` since a byte further may be inside a character.
        if !value.get(1..).is_some_and(|v| v.starts_with("false")) {
            continue;
        }
        let Some(body) = attr.find('>').map(|gt| &attr[gt + 1..]) else {
            continue;
        };
        let body = &body[..body.find('<').unwrap_or(body.len())];
        guids.insert(entities::decode_named(body.trim()).into_owned());
    }
    guids
}

/// Key of an item with neither id nor link: a hash of its title and summary.
fn content_key(item: &FeedItem) -> String {
    let mut hasher = Sha256::new();
    hasher.update(item.title.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(item.summary.as_deref().unwrap_or("").as_bytes());
    hex::encode(&hasher.finalize()[..16])
}

/// UTF-8 that was once decoded as ISO-8859-1 ("CafÃ©") back to what was meant ("Café"):
/// every character fits in a byte, some are not ASCII, and those bytes are valid UTF-8.
fn repair_mojibake(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut non_ascii = false;
    for c in text.chars() {
        let code = u32::from(c);
        if code > 0xFF {
            return None;
        }
        non_ascii |= code > 0x7F;
        bytes.push(code as u8);
    }
    if !non_ascii {
        return None;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_encoded_utf8_is_repaired() {
        assert_eq!(
            repair_mojibake("CafÃ© crÃ¨me").as_deref(),
            Some("Café crème")
        );
        // Real Latin-1 text is not valid UTF-8 once encoded back, so it stays as it is.
        assert_eq!(repair_mojibake("Café crème"), None);
        assert_eq!(repair_mojibake("plain"), None);
        assert_eq!(repair_mojibake("Привет"), None);
    }

    #[test]
    fn a_multibyte_character_after_is_permalink_is_no_panic_fuzz_crash() {
        // Slicing one byte past `=` panicked inside the `ے`.
        assert!(non_permalink_guids("<guid isPermaLink=ےے1\"false\">x</guid>").is_empty());
        assert_eq!(
            non_permalink_guids("<guid isPermaLink=\"false\">a-1</guid>"),
            HashSet::from(["a-1".to_string()])
        );
    }
}
