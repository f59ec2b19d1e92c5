//! Pending items and articles: storing an article marks its item done in the same transaction,
//! and the `indexed` flag tracks what the tantivy index already holds.

use chrono::Utc;
use rusqlite::{OptionalExtension, Row, params};

use super::stories::{join_story, take_item};
use super::{Cached, Placement, Store, StoreError, from_text, to_text};
use crate::model::{Article, FeedItem, PendingItem, TextSource};

/// What became of an article handed to [`Store::store_article`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored under this id; to be indexed.
    New(i64),
    /// An article with the same canonical URL was already stored under this id.
    Duplicate(i64),
    /// The item was already done (a retry after a crash, say).
    AlreadyDone,
}

pub(super) const ARTICLE_COLUMNS: &str = "id, item_id, feed_url, source, url, canonical_url, \
                               title, author, published, lang, text, fetched_at, text_source, story_id, html, summary, \
                               tags, modified";

/// Tags as one column: joined by U+001F, which no tag contains.
pub(super) fn join_tags(tags: &[String]) -> String {
    tags.join("\u{1f}")
}

fn split_tags(text: &str) -> Vec<String> {
    text.split('\u{1f}')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An article row; its copies are loaded separately ([`Store::with_copies`]).
pub(super) fn article_from_row(r: &Row) -> rusqlite::Result<Article> {
    Ok(Article {
        id: r.get(0)?,
        item_id: r.get(1)?,
        feed_url: r.get(2)?,
        source: r.get(3)?,
        url: r.get(4)?,
        canonical_url: r.get(5)?,
        title: r.get(6)?,
        author: r.get(7)?,
        published: from_text(r.get(8)?),
        lang: r.get(9)?,
        text: r.get(10)?,
        fetched_at: from_text(r.get(11)?).unwrap_or_else(Utc::now),
        text_source: TextSource::parse(&r.get::<_, String>(12)?),
        story_id: r.get(13)?,
        html: r.get(14)?,
        summary: r.get(15)?,
        tags: split_tags(&r.get::<_, String>(16)?),
        modified: from_text(r.get(17)?),
        copies: Vec::new(),
    })
}

impl Store {
    /// Items found in feeds whose article is not stored yet (after a crash or a stop).
    pub fn pending_items(&self) -> Result<Vec<PendingItem>, StoreError> {
        self.pending_items_after(0, i64::MAX, usize::MAX)
    }

    /// Up to `limit` items not done yet with `after < id <= up_to`, oldest first: the start-up
    /// requeue reads a backlog in batches, so a large one never sits in memory whole.
    pub fn pending_items_after(
        &self,
        after: i64,
        up_to: i64,
        limit: usize,
    ) -> Result<Vec<PendingItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, feed_url, source, item_key, link, title, summary, author, published
             FROM items WHERE done = 0 AND id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![after, up_to, limit], |r| {
            Ok(PendingItem {
                id: r.get(0)?,
                feed_url: r.get(1)?,
                source: r.get(2)?,
                item: FeedItem {
                    key: r.get(3)?,
                    link: r.get(4)?,
                    title: r.get(5)?,
                    summary: r.get(6)?,
                    author: r.get(7)?,
                    published: from_text(r.get(8)?),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The id of the newest item recorded, 0 when there is none.
    pub fn last_item_id(&self) -> Result<i64, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row_cached("SELECT COALESCE(MAX(id), 0) FROM items", [], |r| r.get(0))?)
    }

    /// Stores `article` and marks its item done, in one transaction, with its content
    /// `fingerprint` and, when placed, its story (created or extended in the same
    /// transaction). An article whose canonical URL is already stored is not stored again.
    pub fn store_article(
        &self,
        article: &Article,
        fingerprint: Option<&str>,
        placement: Option<Placement>,
    ) -> Result<Stored, StoreError> {
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        if !take_item(&tx, article.item_id)? {
            return Ok(Stored::AlreadyDone);
        }
        let existing: Option<i64> = tx
            .query_row_cached(
                "SELECT id FROM articles WHERE canonical_url = ?1 LIMIT 1",
                [&article.canonical_url],
                |r| r.get(0),
            )
            .optional()?;
        let outcome = match existing {
            Some(id) => Stored::Duplicate(id),
            None => {
                tx.execute_cached(
                    "INSERT INTO articles (item_id, feed_url, source, url, canonical_url, title,
                         author, published, lang, text, fetched_at, text_source, fingerprint,
                         story_id, story_score, story_joined, html, summary, tags, modified)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, ?17, ?18, ?19, ?20)",
                    params![
                        article.item_id,
                        article.feed_url,
                        article.source,
                        article.url,
                        article.canonical_url,
                        article.title,
                        article.author,
                        article.published.map(to_text),
                        article.lang,
                        article.text,
                        to_text(article.fetched_at),
                        article.text_source.as_str(),
                        fingerprint,
                        placement.map(|p| p.story),
                        placement.map(|p| f64::from(p.score)),
                        placement.is_some_and(|p| p.joined),
                        article.html,
                        article.summary,
                        join_tags(&article.tags),
                        article.modified.map(to_text),
                    ],
                )?;
                let id = tx.last_insert_rowid();
                if let Some(placement) = placement {
                    join_story(&tx, id, article, placement.story)?;
                }
                Stored::New(id)
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Marks an item done without an article (it had neither a page nor a text to keep).
    pub fn skip_item(&self, item_id: i64) -> Result<(), StoreError> {
        self.conn()
            .execute_cached("UPDATE items SET done = 1 WHERE id = ?1", [item_id])?;
        Ok(())
    }

    /// Up to `limit` stored articles the index does not hold yet, oldest first.
    pub fn unindexed_articles(&self, limit: usize) -> Result<Vec<Article>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles WHERE indexed = 0 ORDER BY id LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], article_from_row)?;
        let articles = rows.collect::<Result<_, _>>()?;
        drop(stmt);
        drop(conn);
        self.with_copies(articles)
    }

    /// Up to `limit` articles with an id above `after`, in id order (for a full reindex).
    pub fn articles_after(&self, after: i64, limit: usize) -> Result<Vec<Article>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after, limit as i64], article_from_row)?;
        let articles = rows.collect::<Result<_, _>>()?;
        drop(stmt);
        drop(conn);
        self.with_copies(articles)
    }

    /// Records that the index has committed these articles.
    pub fn mark_indexed(&self, ids: &[i64]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        {
            let mut stmt = tx.prepare_cached("UPDATE articles SET indexed = 1 WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets what the index holds (before rebuilding it).
    pub fn mark_all_unindexed(&self) -> Result<(), StoreError> {
        self.conn()
            .execute_cached("UPDATE articles SET indexed = 0", [])?;
        Ok(())
    }

    /// Number of articles the index is known to hold.
    pub fn indexed_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self.conn().query_row_cached(
            "SELECT COUNT(*) FROM articles WHERE indexed = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(count.unsigned_abs())
    }

    /// Number of stored articles.
    pub fn article_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))?;
        Ok(count.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Validators;
    use crate::store::Poll;
    use crate::store::testing::item;

    fn article(pending: &PendingItem, canonical: &str) -> Article {
        Article {
            id: 0,
            item_id: pending.id,
            feed_url: pending.feed_url.clone(),
            source: pending.source.clone(),
            url: canonical.into(),
            canonical_url: canonical.into(),
            title: "T".into(),
            author: None,
            published: None,
            lang: None,
            text: "body".into(),
            html: "<p>body</p>".into(),
            text_source: TextSource::Feed,
            fetched_at: Utc::now(),
            summary: None,
            tags: Vec::new(),
            modified: None,
            story_id: None,
            copies: Vec::new(),
        }
    }

    /// The items `keys` of a feed polled once, new.
    fn polled(store: &Store, keys: &[&str]) -> Vec<PendingItem> {
        let items: Vec<_> = keys.iter().map(|k| item(k)).collect();
        store
            .record_poll(
                "https://f.example/rss",
                "F",
                &Poll::new(&Validators::default(), &items, Utc::now()),
            )
            .unwrap()
    }

    #[test]
    fn an_item_is_new_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let v = Validators::default();
        let first = store
            .record_poll(
                "https://f.example/rss",
                "F",
                &Poll::new(&v, &[item("a"), item("b")], Utc::now()),
            )
            .unwrap();
        assert_eq!(first.len(), 2);
        let again = store
            .record_poll(
                "https://f.example/rss",
                "F",
                &Poll::new(&v, &[item("a"), item("c")], Utc::now()),
            )
            .unwrap();
        assert_eq!(
            again
                .iter()
                .map(|p| p.item.key.as_str())
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(store.pending_items().unwrap().len(), 3);
        let last = store.last_item_id().unwrap();
        let keys = |items: Vec<PendingItem>| -> Vec<String> {
            items.into_iter().map(|p| p.item.key).collect()
        };
        assert_eq!(
            keys(store.pending_items_after(0, last, 2).unwrap()),
            ["a", "b"]
        );
        let second = store.pending_items_after(0, last, 2).unwrap()[1].id;
        assert_eq!(
            keys(store.pending_items_after(second, last, 2).unwrap()),
            ["c"]
        );
        assert_eq!(store.pending_items_after(0, second, 10).unwrap().len(), 2);
    }

    #[test]
    fn storing_marks_done_and_folds_canonical_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store = Store::open(&path).unwrap();
        let new = polled(&store, &["a", "b"]);
        let Stored::New(id) = store
            .store_article(&article(&new[0], "https://news.example/x"), None, None)
            .unwrap()
        else {
            panic!("first article must be new");
        };
        assert_eq!(
            store
                .store_article(&article(&new[0], "https://news.example/x"), None, None)
                .unwrap(),
            Stored::AlreadyDone
        );
        assert_eq!(
            store
                .store_article(&article(&new[1], "https://news.example/x"), None, None)
                .unwrap(),
            Stored::Duplicate(id)
        );
        assert!(store.pending_items().unwrap().is_empty());
        let unindexed = store.unindexed_articles(10).unwrap();
        assert_eq!(unindexed.len(), 1);
        assert_eq!(
            unindexed[0].text_source,
            TextSource::Feed,
            "where the text came from is kept"
        );

        store.mark_indexed(&[id]).unwrap();
        assert!(store.unindexed_articles(10).unwrap().is_empty());
        drop(store);
        // Reopening keeps everything (and does not re-run migrations).
        let store = Store::open(&path).unwrap();
        assert_eq!(store.article_count().unwrap(), 1);
    }

    #[test]
    fn a_batch_commits_once_and_keeps_what_succeeded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store = Store::open(&path).unwrap();
        let new = polled(&store, &["a", "b", "c"]);
        // Another connection, as `newsd search` opens.
        let reader = Store::open(&path).unwrap();
        let failed = store
            .batch(|store| {
                store
                    .store_article(&article(&new[0], "https://news.example/a"), None, None)
                    .unwrap();
                assert_eq!(reader.article_count().unwrap(), 0, "committed early");
                let failed =
                    store.add_copy(999_999, &article(&new[1], "https://news.example/b"), 0.9);
                store
                    .store_article(&article(&new[2], "https://news.example/c"), None, None)
                    .unwrap();
                failed
            })
            .unwrap();
        assert!(failed.is_err(), "a copy of a missing article is refused");
        assert_eq!(reader.article_count().unwrap(), 2);
        let pending = reader.pending_items().unwrap();
        assert_eq!(pending.len(), 1, "the refused copy's item stays pending");
        assert_eq!(pending[0].item.key, "b");
    }
}
