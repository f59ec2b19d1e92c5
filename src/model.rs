//! The types passed between stages: a feed item found by the fetcher, an article built by the
//! extractor, and a search hit returned by the index.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Longest title kept, in characters: a feed or a page may put a megabyte in its title.
pub const MAX_TITLE_CHARS: usize = 500;

/// Cuts `title` to [`MAX_TITLE_CHARS`], at a space when there is one near the end, and marks
/// the cut with an ellipsis.
pub fn clip_title(title: &mut String) {
    let Some((cut, _)) = title.char_indices().nth(MAX_TITLE_CHARS) else {
        return;
    };
    let near_end = |at: &usize| title[*at..cut].chars().count() < MAX_TITLE_CHARS / 10;
    let cut = title[..cut]
        .rfind(char::is_whitespace)
        .filter(near_end)
        .unwrap_or(cut);
    title.truncate(cut);
    title.truncate(title.trim_end().len());
    title.push('…');
}

/// One entry of a feed, as the feed parser found it. `key` identifies it within its feed: the
/// item's GUID, else its link.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    pub key: String,
    pub link: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
}

/// HTTP cache validators of a feed, sent back on the next poll (conditional GET).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How a feed is doing, as the scheduler decided after its last poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedState {
    /// Never polled yet.
    New,
    Ok,
    /// Failing; retried with exponential backoff.
    BackingOff,
    /// 429/503; retried when the server's `Retry-After` says.
    RateLimited,
    /// A bot-challenge page answered instead of the feed; retried with backoff.
    Challenged,
    /// 410 Gone: not polled any more.
    Dead,
}

impl FeedState {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedState::New => "new",
            FeedState::Ok => "ok",
            FeedState::BackingOff => "backing off",
            FeedState::RateLimited => "rate limited",
            FeedState::Challenged => "challenged",
            FeedState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> FeedState {
        [
            FeedState::Ok,
            FeedState::BackingOff,
            FeedState::RateLimited,
            FeedState::Challenged,
            FeedState::Dead,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .unwrap_or(FeedState::New)
    }
}

/// A feed item remembered by the store and waiting for (or done with) its page.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingItem {
    /// Row id in the store's `items` table.
    pub id: i64,
    pub feed_url: String,
    /// The feed's display name, used as the article's source.
    pub source: String,
    pub item: FeedItem,
}

/// What the extractor read from an article page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractedPage {
    pub title: Option<String>,
    /// The main text: NFC, whitespace collapsed, paragraphs separated by a blank line; empty
    /// when the page holds no article (paywall, consent wall, video page).
    pub text: String,
    /// The authors joined with ", " (the first of `authors` when there is one).
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    pub canonical_url: Option<String>,
    /// The publication day as the page states it, in the page's own time zone (`published`
    /// is in UTC, which can be the day before or after).
    pub published_date: Option<chrono::NaiveDate>,
    /// Every author the page names, in its order.
    pub authors: Vec<String>,
    /// When the page says the article was last modified.
    pub updated: Option<DateTime<Utc>>,
    /// The article's main image (absolute URL).
    pub lead_image: Option<String>,
    /// The section or category the publisher files the article under.
    pub section: Option<String>,
    /// The publisher's name.
    pub site_name: Option<String>,
    /// The main content as sanitized HTML for display (`ammonia`: a small set of tags, links and
    /// images absolute), or escaped paragraphs when there was no content subtree.
    pub html: String,
}

/// A normalized article, ready to be stored and indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Store row id; 0 until stored.
    pub id: i64,
    pub item_id: i64,
    pub feed_url: String,
    pub source: String,
    pub url: String,
    pub canonical_url: String,
    pub title: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    pub text: String,
    /// The main content as sanitized HTML for display (links and images absolute, no scripts,
    /// styles or event handlers).
    pub html: String,
    /// Where `text` came from: the article page, or the feed when the page gave nothing.
    pub text_source: TextSource,
    pub fetched_at: DateTime<Utc>,
    /// The feed's own summary of the item, as text.
    pub summary: Option<String>,
    /// The feed's tags (from the feed list).
    pub tags: Vec<String>,
    /// When the page says the article was last modified.
    pub modified: Option<DateTime<Utc>>,
    /// The story it belongs to; `None` until the deduplicator has placed it.
    pub story_id: Option<i64>,
    /// Other outlets that published a copy of it (near-identical text), oldest first.
    pub copies: Vec<ArticleSource>,
}

impl Article {
    /// When the article happened for the story clock: its publication date, else when it was
    /// fetched.
    pub fn seen_at(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.fetched_at)
    }
}

/// Another place an article was published: a copy of its text under another URL (wire copy,
/// syndication, a blog republishing it). Stored in `article_sources`, searchable through the
/// article it copies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleSource {
    pub source: String,
    pub url: String,
    pub title: String,
    pub published: Option<DateTime<Utc>>,
    /// Estimated share of word shingles the copy has in common with the article, in [0, 1].
    pub similarity: f32,
}

/// A story: articles from one or more outlets about the same event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub id: i64,
    /// The headline of its first article.
    pub title: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Number of articles, copies not counted.
    pub article_count: u64,
    /// Distinct outlets among its articles and their copies.
    pub sources: Vec<String>,
}

/// Where an article's text came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    /// Extracted from the article's page.
    #[default]
    Page,
    /// The feed's own content or summary: the page could not be fetched or held no article
    /// (paywall, consent wall, video page).
    Feed,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Page => "page",
            TextSource::Feed => "feed",
        }
    }

    pub fn parse(text: &str) -> TextSource {
        if text == "feed" {
            TextSource::Feed
        } else {
            TextSource::Page
        }
    }
}

/// One search result, as the CLI and the HTTP API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    /// The title as HTML, query words in `<b>`.
    pub title_html: String,
    pub url: String,
    pub source: String,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    /// A passage of the text around the query words (its start when they are not in it).
    pub snippet: String,
    /// The snippet as HTML, query words in `<b>`.
    pub snippet_html: String,
    pub score: f32,
    pub story_id: Option<i64>,
    /// Other matching articles of the same story, folded into this hit (`collapse=story`).
    pub more_in_story: usize,
    /// Their outlets.
    pub more_sources: Vec<String>,
    /// Other outlets that published a copy of this article.
    pub copies: Vec<ArticleSource>,
    /// Whether the index lists outlets besides `source` for it: only then can the store hold
    /// copies to fill `copies` with.
    #[serde(skip)]
    pub copied: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_are_clipped_at_a_word() {
        let mut short = "A normal headline".to_owned();
        clip_title(&mut short);
        assert_eq!(short, "A normal headline");
        let mut long = "Endless headline ".repeat(10_000);
        clip_title(&mut long);
        assert!(long.chars().count() <= MAX_TITLE_CHARS + 1, "{long}");
        assert!(long.ends_with("headline…"), "{long}");
        let mut one_word = "é".repeat(10_000);
        clip_title(&mut one_word);
        assert_eq!(one_word.chars().count(), MAX_TITLE_CHARS + 1);
    }
}
