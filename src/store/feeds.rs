//! Feeds' HTTP and scheduling state, and the items their polls found.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Cached, Store, StoreError, from_text, to_text};
use crate::model::{FeedItem, FeedState, PendingItem, Validators};

/// What the store knows of one feed, as `feeds list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedStats {
    pub url: String,
    pub state: FeedState,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub error_streak: u32,
    /// Where the feed is fetched from when it moved but the feed list could not be updated.
    pub fetch_url: Option<String>,
    /// Items ever seen in the feed.
    pub entries_seen: u64,
    pub articles: u64,
}

/// What a successful poll (200) brought.
#[derive(Debug, Clone, Copy)]
pub struct Poll<'a> {
    pub validators: &'a Validators,
    pub items: &'a [FeedItem],
    pub now: DateTime<Utc>,
    pub next_poll_at: Option<DateTime<Utc>>,
    /// The poll interval the feed asked for (`<ttl>`, `sy:updatePeriod`).
    pub publisher_interval: Option<Duration>,
}

impl<'a> Poll<'a> {
    /// A poll at `now` with no schedule (tests, tools).
    pub fn new(validators: &'a Validators, items: &'a [FeedItem], now: DateTime<Utc>) -> Self {
        Poll {
            validators,
            items,
            now,
            next_poll_at: None,
            publisher_interval: None,
        }
    }
}

/// The scheduling part of a feed's state.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSchedule {
    pub state: FeedState,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub error_streak: u32,
    pub fetch_url: Option<String>,
    /// The poll interval the feed itself asked for at its last successful fetch.
    pub publisher_interval: Option<Duration>,
}

/// A known item whose headline the publisher edited (same GUID): the item takes the new
/// headline, and so does its article when its headline came from the feed. Returns the
/// number of articles changed (to be indexed again).
fn retitle(
    tx: &Connection,
    feed_url: &str,
    key: &str,
    title: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let old: Option<(i64, Option<String>)> = tx
        .query_row_cached(
            "SELECT id, title FROM items WHERE feed_url = ?1 AND item_key = ?2",
            params![feed_url, key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((item_id, Some(old))) = old else {
        return Ok(0);
    };
    if old == title {
        return Ok(0);
    }
    tx.execute_cached(
        "UPDATE items SET title = ?2 WHERE id = ?1",
        params![item_id, title],
    )?;
    Ok(tx.execute_cached(
        "UPDATE articles SET title = ?3, updated_at = ?4, indexed = 0
         WHERE item_id = ?1 AND title = ?2",
        params![item_id, old, title, to_text(now)],
    )?)
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

    /// Where the scheduler left `url`; `None` for a feed never polled.
    pub fn feed_schedule(&self, url: &str) -> Result<Option<FeedSchedule>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT state, next_poll_at, error_streak, fetch_url, publisher_interval
                 FROM feeds WHERE url = ?1",
                [url],
                |r| {
                    Ok(FeedSchedule {
                        state: FeedState::parse(&r.get::<_, String>(0)?),
                        next_poll_at: from_text(r.get(1)?),
                        error_streak: r.get(2)?,
                        fetch_url: r.get(3)?,
                        publisher_interval: r
                            .get::<_, Option<i64>>(4)?
                            .map(|secs| Duration::from_secs(secs.unsigned_abs())),
                    })
                },
            )
            .optional()?)
    }

    /// Records a successful poll of `feed_url` in one transaction: its new validators, its next
    /// poll, and the items not seen before. Returns those new items, to be fetched.
    pub fn record_poll(
        &self,
        feed_url: &str,
        source: &str,
        poll: &Poll<'_>,
    ) -> Result<Vec<PendingItem>, StoreError> {
        let Poll {
            validators,
            items,
            now,
            next_poll_at,
            publisher_interval,
        } = *poll;
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        record_success(&tx, feed_url, now, next_poll_at)?;
        tx.execute_cached(
            "UPDATE feeds SET etag = ?2, last_modified = ?3, publisher_interval = ?4 WHERE url = ?1",
            params![
                feed_url,
                validators.etag,
                validators.last_modified,
                publisher_interval.map(|d| d.as_secs() as i64)
            ],
        )?;
        let mut fresh = Vec::new();
        let mut retitled = 0;
        {
            let mut insert = tx.prepare_cached(
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
                } else if let Some(title) = item.title.as_deref().filter(|t| !t.is_empty()) {
                    retitled += retitle(&tx, feed_url, &item.key, title, now)?;
                }
            }
        }
        tx.commit()?;
        if retitled > 0 {
            self.want_reindex();
        }
        Ok(fresh)
    }

    /// Records a poll answered 304 Not Modified.
    pub fn record_not_modified(
        &self,
        feed_url: &str,
        now: DateTime<Utc>,
        next_poll_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        record_success(&self.conn(), feed_url, now, next_poll_at)
    }

    /// Records a failed poll and returns the error streak it makes (1 for a first failure).
    pub fn record_failure(
        &self,
        feed_url: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        Ok(self.conn().query_row_cached(
            "INSERT INTO feeds (url, last_fetch_at, last_error, error_streak, state)
             VALUES (?1, ?2, ?3, 1, 'backing off')
             ON CONFLICT (url) DO UPDATE SET
                 last_fetch_at = excluded.last_fetch_at,
                 last_error = excluded.last_error,
                 error_streak = feeds.error_streak + 1
             RETURNING error_streak",
            params![feed_url, to_text(now), error],
            |r| r.get(0),
        )?)
    }

    /// Sets a feed's state and next poll (after a failure, once its plan is known).
    pub fn schedule_feed(
        &self,
        feed_url: &str,
        state: FeedState,
        next_poll_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.conn().execute_cached(
            "UPDATE feeds SET state = ?2, next_poll_at = ?3 WHERE url = ?1",
            params![feed_url, state.as_str(), next_poll_at.map(to_text)],
        )?;
        Ok(())
    }

    /// Remembers that `feed_url` now lives at `fetch_url` (a permanent redirect that could not be
    /// written to the feed list); `None` forgets it.
    pub fn set_fetch_url(&self, feed_url: &str, fetch_url: Option<&str>) -> Result<(), StoreError> {
        self.conn().execute_cached(
            "INSERT INTO feeds (url, fetch_url) VALUES (?1, ?2)
             ON CONFLICT (url) DO UPDATE SET fetch_url = excluded.fetch_url",
            params![feed_url, fetch_url],
        )?;
        Ok(())
    }

    /// Moves everything known of feed `from` to feed `to` (after a permanent redirect was
    /// written to the feed list), so its items are not seen as new under the new address.
    pub fn rename_feed(&self, from: &str, to: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        let target_exists: bool = tx.query_row_cached(
            "SELECT EXISTS (SELECT 1 FROM feeds WHERE url = ?1)",
            [to],
            |r| r.get(0),
        )?;
        if target_exists {
            tx.execute_cached("DELETE FROM feeds WHERE url = ?1", [from])?;
        } else {
            tx.execute_cached(
                "UPDATE feeds SET url = ?2, fetch_url = NULL WHERE url = ?1",
                [from, to],
            )?;
        }
        // An item both feeds had stays with the new one.
        tx.execute_cached(
            "UPDATE OR IGNORE items SET feed_url = ?2 WHERE feed_url = ?1",
            [from, to],
        )?;
        tx.execute_cached(
            "UPDATE articles SET feed_url = ?2 WHERE feed_url = ?1",
            [from, to],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Publication dates of the `limit` most recent items of a feed, newest first: its rate of
    /// new entries, for a poll that answered 304.
    pub fn recent_entry_dates(
        &self,
        feed_url: &str,
        limit: usize,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT published FROM items WHERE feed_url = ?1 AND published IS NOT NULL
             ORDER BY published DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![feed_url, limit as i64], |r| r.get(0))?;
        let dates: Vec<Option<String>> = rows.collect::<Result<_, _>>()?;
        Ok(dates.into_iter().filter_map(from_text).collect())
    }

    /// Every feed the store has polled, with its counts.
    pub fn feed_stats(&self) -> Result<Vec<FeedStats>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT f.url, f.state, f.last_fetch_at, f.last_success_at, f.next_poll_at,
                    f.last_error, f.error_streak, f.fetch_url,
                    (SELECT COUNT(*) FROM items i WHERE i.feed_url = f.url),
                    (SELECT COUNT(*) FROM articles a WHERE a.feed_url = f.url)
             FROM feeds f ORDER BY f.url",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FeedStats {
                url: r.get(0)?,
                state: FeedState::parse(&r.get::<_, String>(1)?),
                last_fetch_at: from_text(r.get(2)?),
                last_success_at: from_text(r.get(3)?),
                next_poll_at: from_text(r.get(4)?),
                last_error: r.get(5)?,
                error_streak: r.get(6)?,
                fetch_url: r.get(7)?,
                entries_seen: r.get::<_, i64>(8)?.unsigned_abs(),
                articles: r.get::<_, i64>(9)?.unsigned_abs(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn record_success(
    conn: &Connection,
    feed_url: &str,
    now: DateTime<Utc>,
    next_poll_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    conn.execute_cached(
        "INSERT INTO feeds (url, last_fetch_at, last_success_at, next_poll_at, state, error_streak)
         VALUES (?1, ?2, ?2, ?3, 'ok', 0)
         ON CONFLICT (url) DO UPDATE SET
             last_fetch_at = excluded.last_fetch_at,
             last_success_at = excluded.last_success_at,
             next_poll_at = excluded.next_poll_at,
             state = 'ok',
             last_error = NULL,
             error_streak = 0",
        params![feed_url, to_text(now), next_poll_at.map(to_text)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::item;

    #[test]
    fn failures_count_a_streak_that_success_resets() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let url = "https://f.example/rss";
        assert_eq!(
            store
                .record_failure(url, "HTTP status 500", Utc::now())
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .record_failure(url, "HTTP status 500", Utc::now())
                .unwrap(),
            2
        );
        store
            .schedule_feed(url, FeedState::BackingOff, Some(Utc::now()))
            .unwrap();
        let stats = &store.feed_stats().unwrap()[0];
        assert_eq!(
            (stats.state, stats.error_streak),
            (FeedState::BackingOff, 2)
        );
        store.record_not_modified(url, Utc::now(), None).unwrap();
        let schedule = store.feed_schedule(url).unwrap().unwrap();
        assert_eq!((schedule.state, schedule.error_streak), (FeedState::Ok, 0));
    }

    #[test]
    fn renaming_a_feed_keeps_its_items_seen() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let (old, new) = ("http://old.example/rss", "https://new.example/rss");
        let v = Validators::default();
        store
            .record_poll(old, "F", &Poll::new(&v, &[item("a")], Utc::now()))
            .unwrap();
        store.rename_feed(old, new).unwrap();
        let items = [item("a"), item("b")];
        let again = store
            .record_poll(new, "F", &Poll::new(&v, &items, Utc::now()))
            .unwrap();
        assert_eq!(again.len(), 1, "only b is new");
        let stats = store.feed_stats().unwrap();
        assert_eq!(stats.len(), 1);
        assert_eq!((stats[0].url.as_str(), stats[0].entries_seen), (new, 2));
    }
}
