//! Feeds' HTTP state and the items their polls found.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_text, to_text};
use crate::model::{FeedItem, PendingItem, Validators};

/// Outcome of the last poll of a feed, as `feeds list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    Ok,
    NotModified,
    Error,
}

impl FeedStatus {
    fn as_str(self) -> &'static str {
        match self {
            FeedStatus::Ok => "ok",
            FeedStatus::NotModified => "not modified",
            FeedStatus::Error => "error",
        }
    }
}

/// What the store knows of one feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedStats {
    pub url: String,
    pub last_fetch_at: Option<DateTime<Utc>>,
    /// "ok", "not modified" or "error"; `None` before the first poll.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub error_streak: u32,
    pub articles: u64,
}

impl Store {
    /// The validators to send with the next request for `url`.
    pub fn validators(&self, url: &str) -> Result<Validators, StoreError> {
        let found = self
            .conn()
            .query_row(
                "SELECT etag, last_modified FROM feeds WHERE url = ?1",
                [url],
                |r| {
                    Ok(Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// Records a successful poll of `feed_url` in one transaction: its new validators, and the
    /// items not seen before. Returns those new items, to be fetched.
    pub fn record_poll(
        &self,
        feed_url: &str,
        source: &str,
        validators: &Validators,
        items: &[FeedItem],
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingItem>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        upsert_status(&tx, feed_url, FeedStatus::Ok, None, now)?;
        tx.execute(
            "UPDATE feeds SET etag = ?2, last_modified = ?3 WHERE url = ?1",
            params![feed_url, validators.etag, validators.last_modified],
        )?;
        let mut fresh = Vec::new();
        {
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO items
                 (feed_url, item_key, source, link, title, summary, author, published, discovered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for item in items {
                let inserted = insert.execute(params![
                    feed_url,
                    item.key,
                    source,
                    item.link,
                    item.title,
                    item.summary,
                    item.author,
                    item.published.map(to_text),
                    to_text(now),
                ])?;
                if inserted == 1 {
                    fresh.push(PendingItem {
                        id: tx.last_insert_rowid(),
                        feed_url: feed_url.to_owned(),
                        source: source.to_owned(),
                        item: item.clone(),
                    });
                }
            }
        }
        tx.commit()?;
        Ok(fresh)
    }

    /// Records a poll answered 304 Not Modified.
    pub fn record_not_modified(
        &self,
        feed_url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        upsert_status(&self.conn(), feed_url, FeedStatus::NotModified, None, now)
    }

    /// Records a failed poll; the error streak grows.
    pub fn record_failure(
        &self,
        feed_url: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        upsert_status(&self.conn(), feed_url, FeedStatus::Error, Some(error), now)
    }

    /// Every feed the store has polled, with its article count.
    pub fn feed_stats(&self) -> Result<Vec<FeedStats>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT f.url, f.last_fetch_at, f.last_status, f.last_error, f.error_streak,
                    (SELECT COUNT(*) FROM articles a WHERE a.feed_url = f.url)
             FROM feeds f ORDER BY f.url",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FeedStats {
                url: r.get(0)?,
                last_fetch_at: from_text(r.get(1)?),
                last_status: r.get(2)?,
                last_error: r.get(3)?,
                error_streak: r.get(4)?,
                articles: r.get::<_, i64>(5)?.unsigned_abs(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn upsert_status(
    conn: &rusqlite::Connection,
    feed_url: &str,
    status: FeedStatus,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO feeds (url, last_fetch_at, last_status, last_error, error_streak)
         VALUES (?1, ?2, ?3, ?4, CASE WHEN ?4 IS NULL THEN 0 ELSE 1 END)
         ON CONFLICT (url) DO UPDATE SET
             last_fetch_at = excluded.last_fetch_at,
             last_status = excluded.last_status,
             last_error = excluded.last_error,
             error_streak = CASE WHEN ?4 IS NULL THEN 0 ELSE feeds.error_streak + 1 END",
        params![feed_url, to_text(now), status.as_str(), error],
    )?;
    Ok(())
}
