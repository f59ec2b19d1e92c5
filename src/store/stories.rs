//! What the deduplicator decided, kept: the same article found again (edited in place), copies
//! of an article on other sites (`article_sources`), and stories (`stories`, `articles.story_id`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::articles::{ARTICLE_COLUMNS, article_from_row};
use super::{Cached, Store, StoreError, from_text, to_text};
use crate::model::{Article, ArticleSource, SearchHit, Story};

/// Where the deduplicator put a new article: the story it joined or started, and the cosine
/// similarity with that story (the best candidate's when it started one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub story: i64,
    pub score: f32,
    pub joined: bool,
}

/// An article already stored that a new one turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownArticle {
    pub id: i64,
    pub source: String,
    pub title: String,
    /// How it was recognised.
    pub by: Recognised,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recognised {
    /// The same canonical URL (the article's, or one of its copies').
    Url,
    /// The same text (content fingerprint).
    Fingerprint,
}

/// Why an article is where it is: the answer of `GET /api/v1/articles/{id}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Placed {
    pub story_id: Option<i64>,
    /// True when it joined a story that existed; false when it started one.
    pub joined: bool,
    /// Cosine similarity with the story's centroid when it joined (with the best candidate when
    /// it started its own).
    pub score: Option<f32>,
    /// The story's first article, the one the headline comes from.
    pub story_first_article: Option<i64>,
    /// The story the article joined first, when that story was folded into `story_id` since
    /// (an article showed the two to be one event); `score` is with that story.
    pub folded_from: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Marks an item done; false when it already was (its article is stored).
pub(super) fn take_item(tx: &Connection, item_id: i64) -> Result<bool, StoreError> {
    Ok(tx.execute_cached(
        "UPDATE items SET done = 1 WHERE id = ?1 AND done = 0",
        [item_id],
    )? == 1)
}

/// Adds article `id` to story `story`, creating the story with this article's headline.
pub(super) fn join_story(
    tx: &Connection,
    id: i64,
    article: &Article,
    story: i64,
) -> Result<(), StoreError> {
    let seen = to_text(article.seen_at());
    tx.execute_cached(
        "INSERT INTO stories (id, title, first_article, first_seen, last_seen, articles)
         VALUES (?1, ?2, ?3, ?4, ?4, 1)
         ON CONFLICT (id) DO UPDATE SET
             first_seen = min(first_seen, excluded.first_seen),
             last_seen = max(last_seen, excluded.last_seen),
             articles = articles + 1",
        params![story, article.title, id, seen],
    )?;
    Ok(())
}

impl Store {
    /// The stored article `article` is another spelling of: the same canonical URL (of an
    /// article or of a copy), else the same text.
    pub fn find_same_article(
        &self,
        canonical_url: &str,
        fingerprint: Option<&str>,
    ) -> Result<Option<KnownArticle>, StoreError> {
        let conn = self.conn();
        let row = |by| {
            move |r: &rusqlite::Row| {
                Ok(KnownArticle {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    title: r.get(2)?,
                    by,
                })
            }
        };
        let by_url = conn
            .query_row_cached(
                "SELECT id, source, title FROM articles WHERE canonical_url = ?1
                 UNION ALL
                 SELECT a.id, a.source, a.title FROM article_sources s
                     JOIN articles a ON a.id = s.article_id WHERE s.canonical_url = ?1
                 LIMIT 1",
                [canonical_url],
                row(Recognised::Url),
            )
            .optional()?;
        if by_url.is_some() {
            return Ok(by_url);
        }
        let Some(fingerprint) = fingerprint else {
            return Ok(None);
        };
        Ok(conn
            .query_row_cached(
                "SELECT id, source, title FROM articles WHERE fingerprint = ?1 ORDER BY id LIMIT 1",
                [fingerprint],
                row(Recognised::Fingerprint),
            )
            .optional()?)
    }

    /// The outlet of article `id`.
    pub fn article_source(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT source FROM articles WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The publisher edited article `id` (new headline, GUID or URL, same text): it takes the
    /// new version's headline, address and text, in place, and is to be indexed again. Marks
    /// the new version's item done. False when that item was done already.
    pub fn edit_article(
        &self,
        id: i64,
        edited: &Article,
        fingerprint: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        if !take_item(&tx, edited.item_id)? {
            return Ok(false);
        }
        tx.execute_cached(
            "UPDATE articles SET title = ?2, url = ?3, canonical_url = ?4, text = ?5,
                 author = coalesce(?6, author), fingerprint = coalesce(?7, fingerprint),
                 updated_at = ?8, html = ?9, indexed = 0
             WHERE id = ?1",
            params![
                id,
                edited.title,
                edited.url,
                edited.canonical_url,
                edited.text,
                edited.author,
                fingerprint,
                to_text(Utc::now()),
                edited.html,
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Records `copy` as another source of article `of` (and that `of` is to be indexed
    /// again, now findable by the copy's outlet). Marks the copy's item done. False when that
    /// item was done already.
    pub fn add_copy(&self, of: i64, copy: &Article, similarity: f32) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        if !take_item(&tx, copy.item_id)? {
            return Ok(false);
        }
        tx.execute_cached(
            "INSERT INTO article_sources (article_id, item_id, feed_url, source, url,
                 canonical_url, title, published, similarity, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                of,
                copy.item_id,
                copy.feed_url,
                copy.source,
                copy.url,
                copy.canonical_url,
                copy.title,
                copy.published.map(to_text),
                f64::from(similarity),
                to_text(copy.fetched_at),
            ],
        )?;
        tx.execute_cached("UPDATE articles SET indexed = 0 WHERE id = ?1", [of])?;
        tx.commit()?;
        Ok(true)
    }

    /// Places an article stored before stories existed (at start-up).
    pub fn place_article(
        &self,
        article: &Article,
        placement: Placement,
        fingerprint: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        let changed = tx.execute_cached(
            "UPDATE articles SET story_id = ?2, story_score = ?3, story_joined = ?4,
                 fingerprint = coalesce(fingerprint, ?5), indexed = 0
             WHERE id = ?1 AND story_id IS NULL",
            params![
                article.id,
                placement.story,
                f64::from(placement.score),
                placement.joined,
                fingerprint
            ],
        )?;
        if changed == 1 {
            join_story(&tx, article.id, article, placement.story)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The articles the deduplicator's window holds (seen at or after `since`), plus those not
    /// placed in a story yet, in the order they were stored.
    pub fn window_articles(&self, since: DateTime<Utc>) -> Result<Vec<Article>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ARTICLE_COLUMNS} FROM articles
             WHERE coalesce(published, fetched_at) >= ?1 OR story_id IS NULL ORDER BY id"
        ))?;
        let rows = stmt.query_map([to_text(since)], article_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the newest stored article was seen (its story clock), if any is stored.
    pub fn newest_seen(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let newest: Option<String> = self.conn().query_row_cached(
            "SELECT max(coalesce(published, fetched_at)) FROM articles",
            [],
            |r| r.get(0),
        )?;
        Ok(from_text(newest))
    }

    /// Folds story `from` into story `into` (the clusterer found them one event): `from`'s
    /// articles move to `into`, to be indexed again with it, and `into`'s first and last seen
    /// and article count take them in. `from`'s row stays, leading to `into` (and so do the
    /// rows folded into `from` before). Returns the moved articles, as stored now.
    pub fn fold_story(&self, from: i64, into: i64) -> Result<Vec<Article>, StoreError> {
        let moved = {
            let mut conn = self.conn();
            let tx = conn.savepoint()?;
            let moved = {
                let mut stmt = tx.prepare_cached(&format!(
                    "UPDATE articles SET story_folded_from = coalesce(story_folded_from, story_id),
                         story_id = ?2, indexed = 0
                     WHERE story_id = ?1 RETURNING {ARTICLE_COLUMNS}"
                ))?;
                let rows = stmt.query_map(params![from, into], article_from_row)?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
            tx.execute_cached(
                "UPDATE stories SET
                     first_seen = min(first_seen, (SELECT first_seen FROM stories WHERE id = ?1)),
                     last_seen = max(last_seen, (SELECT last_seen FROM stories WHERE id = ?1)),
                     articles = (SELECT count(*) FROM articles WHERE story_id = ?2)
                 WHERE id = ?2",
                params![from, into],
            )?;
            tx.execute_cached(
                "UPDATE stories SET merged_into = ?2, articles = 0
                 WHERE id = ?1 OR merged_into = ?1",
                params![from, into],
            )?;
            tx.commit()?;
            moved
        };
        self.with_copies(moved)
    }

    /// The largest story id ever given.
    pub fn max_story_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM stories", [], |r| r.get(0))?)
    }

    /// Attaches to each article its copies, oldest first.
    pub fn with_copies(&self, mut articles: Vec<Article>) -> Result<Vec<Article>, StoreError> {
        self.attach_copies(&mut articles, |a| (a.id, &mut a.copies))?;
        Ok(articles)
    }

    /// Attaches to each search hit its article's copies. A page where no hit is `copied` (the
    /// index lists no other outlet for any) asks nothing: most pages, and the query was 3% of
    /// a search's CPU.
    pub fn with_hit_copies(&self, mut hits: Vec<SearchHit>) -> Result<Vec<SearchHit>, StoreError> {
        if !hits.iter().any(|hit| hit.copied) {
            return Ok(hits);
        }
        self.attach_copies(&mut hits, |h| (h.id, &mut h.copies))?;
        Ok(hits)
    }

    fn attach_copies<T>(
        &self,
        items: &mut [T],
        slot: impl Fn(&mut T) -> (i64, &mut Vec<ArticleSource>),
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = items.iter_mut().map(|item| slot(item).0).collect();
        let mut copies = self.copies_of(&ids)?;
        for item in items {
            let (id, to) = slot(item);
            *to = copies.remove(&id).unwrap_or_default();
        }
        Ok(())
    }

    /// The copies of each of `ids` that has any, oldest first.
    pub fn copies_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<ArticleSource>>, StoreError> {
        let mut found: HashMap<i64, Vec<ArticleSource>> = HashMap::new();
        let conn = self.conn();
        // SQLite caps bound parameters; 500 per statement stays well under every build's cap.
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT article_id, source, url, title, published, similarity FROM article_sources
                 WHERE article_id IN ({marks}) ORDER BY id"
            ))?;
            let rows = stmt.query_map(params_from_iter(chunk), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    ArticleSource {
                        source: r.get(1)?,
                        url: r.get(2)?,
                        title: r.get(3)?,
                        published: from_text(r.get(4)?),
                        similarity: r.get::<_, f64>(5)? as f32,
                    },
                ))
            })?;
            for row in rows {
                let (id, source) = row?;
                found.entry(id).or_default().push(source);
            }
        }
        Ok(found)
    }

    /// One article with its copies and why it is in its story.
    pub fn article(&self, id: i64) -> Result<Option<(Article, Placed)>, StoreError> {
        let found = {
            let conn = self.conn();
            conn.query_row_cached(
                &format!(
                    "SELECT {ARTICLE_COLUMNS}, story_score, story_joined, updated_at,
                         (SELECT first_article FROM stories WHERE stories.id = articles.story_id),
                         story_folded_from
                     FROM articles WHERE id = ?1"
                ),
                [id],
                |r| {
                    let article = article_from_row(r)?;
                    // The columns selected after the article's own.
                    let n = ARTICLE_COLUMNS.split(',').count();
                    let placed = Placed {
                        story_id: article.story_id,
                        score: r.get::<_, Option<f64>>(n)?.map(|s| s as f32),
                        joined: r.get(n + 1)?,
                        updated_at: from_text(r.get(n + 2)?),
                        story_first_article: r.get(n + 3)?,
                        folded_from: r.get(n + 4)?,
                    };
                    Ok((article, placed))
                },
            )
            .optional()?
        };
        let Some((article, placed)) = found else {
            return Ok(None);
        };
        let article = self.with_copies(vec![article])?.remove(0);
        Ok(Some((article, placed)))
    }

    /// Stories seen at or after `since` with at least `min_sources` outlets, the most covered
    /// first (outlets, then articles, then the newest).
    pub fn stories(
        &self,
        since: DateTime<Utc>,
        min_sources: usize,
        limit: usize,
    ) -> Result<Vec<Story>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "WITH recent AS (SELECT id FROM stories WHERE last_seen >= ?1),
             outlets AS (
                 SELECT story_id, source FROM articles WHERE story_id IN recent
                 UNION
                 SELECT a.story_id, s.source FROM article_sources s
                     JOIN articles a ON a.id = s.article_id WHERE a.story_id IN recent
             )
             SELECT st.id, st.title, st.first_seen, st.last_seen, st.articles,
                    group_concat(o.source, char(31)) AS names, count(*) AS n
             FROM stories st JOIN outlets o ON o.story_id = st.id
             GROUP BY st.id HAVING n >= ?2
             ORDER BY n DESC, st.articles DESC, st.last_seen DESC, st.id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![to_text(since), min_sources as i64, limit as i64],
            story_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One story and its articles (with their copies), oldest first. A story folded into
    /// another is that one.
    pub fn story(&self, id: i64) -> Result<Option<(Story, Vec<Article>)>, StoreError> {
        let (story, articles) = {
            let conn = self.conn();
            let into: Option<i64> = conn
                .query_row_cached("SELECT merged_into FROM stories WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?
                .flatten();
            let id = into.unwrap_or(id);
            let story = conn
                .query_row_cached(
                    "SELECT st.id, st.title, st.first_seen, st.last_seen, st.articles,
                         (SELECT group_concat(source, char(31)) FROM (
                             SELECT source FROM articles WHERE story_id = st.id
                             UNION
                             SELECT s.source FROM article_sources s
                                 JOIN articles a ON a.id = s.article_id WHERE a.story_id = st.id)),
                         0
                     FROM stories st WHERE st.id = ?1",
                    [id],
                    story_from_row,
                )
                .optional()?;
            let Some(story) = story else {
                return Ok(None);
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles WHERE story_id = ?1
                 ORDER BY coalesce(published, fetched_at), id"
            ))?;
            let articles = stmt
                .query_map([id], article_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            (story, articles)
        };
        Ok(Some((story, self.with_copies(articles)?)))
    }
}

fn story_from_row(r: &rusqlite::Row) -> rusqlite::Result<Story> {
    let names: Option<String> = r.get(5)?;
    let mut sources: Vec<String> = names
        .unwrap_or_default()
        .split('\u{1f}')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    sources.sort();
    sources.dedup();
    Ok(Story {
        id: r.get(0)?,
        title: r.get(1)?,
        first_seen: from_text(r.get(2)?).unwrap_or_default(),
        last_seen: from_text(r.get(3)?).unwrap_or_default(),
        article_count: r.get::<_, i64>(4)?.unsigned_abs(),
        sources,
    })
}
