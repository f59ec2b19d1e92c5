//! The types passed between stages: a feed item found by the fetcher, an article built by the
//! extractor, and a search hit returned by the index.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
    pub text: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    pub canonical_url: Option<String>,
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
    pub fetched_at: DateTime<Utc>,
}

/// One search result, as the CLI and the HTTP API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    pub url: String,
    pub source: String,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    pub snippet: String,
    pub score: f32,
}
