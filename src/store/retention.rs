//! Retention: the articles older than the configured age, and their removal with their copies
//! and the stories left empty. Items stay (marked done), so a pruned article's feed entry is
//! never ingested again.

use chrono::{DateTime, Utc};
use rusqlite::{params, params_from_iter};

use super::{Store, StoreError, to_text};

/// What one prune removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub articles: usize,
    pub copies: usize,
    pub stories: usize,
}

impl Store {
    /// Up to `limit` ids of articles published (or fetched, when undated) before `before`,
    /// oldest first.
    pub fn expired_articles(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM articles WHERE coalesce(published, fetched_at) < ?1
             ORDER BY coalesce(published, fetched_at) LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let ids = stmt.query_map(params![to_text(before), limit], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Deletes articles `ids`, their copies (`article_sources`) and the stories they leave
    /// empty, in one transaction; the other stories' article counts follow.
    pub fn prune_articles(&self, ids: &[i64]) -> Result<Pruned, StoreError> {
        if ids.is_empty() {
            return Ok(Pruned::default());
        }
        let marks = vec!["?"; ids.len()].join(",");
        let mut conn = self.conn();
        let tx = conn.savepoint()?;
        let stories: Vec<i64> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT DISTINCT story_id FROM articles
                 WHERE id IN ({marks}) AND story_id IS NOT NULL"
            ))?;
            let rows = stmt.query_map(params_from_iter(ids), |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let copies = tx.execute(
            &format!("DELETE FROM article_sources WHERE article_id IN ({marks})"),
            params_from_iter(ids),
        )?;
        let articles = tx.execute(
            &format!("DELETE FROM articles WHERE id IN ({marks})"),
            params_from_iter(ids),
        )?;
        let mut emptied = 0;
        for story in stories {
            let deleted = tx.execute(
                "DELETE FROM stories WHERE id = ?1
                 AND NOT EXISTS (SELECT 1 FROM articles WHERE story_id = ?1)",
                [story],
            )?;
            if deleted > 0 {
                // The stories folded into it lead nowhere now.
                tx.execute("DELETE FROM stories WHERE merged_into = ?1", [story])?;
            }
            emptied += deleted;
            tx.execute(
                "UPDATE stories SET articles = (SELECT count(*) FROM articles WHERE story_id = ?1)
                 WHERE id = ?1",
                [story],
            )?;
        }
        tx.commit()?;
        Ok(Pruned {
            articles,
            copies,
            stories: emptied,
        })
    }
}
