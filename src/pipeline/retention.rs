//! Retention: once at start-up and then hourly, articles published (or fetched, when undated)
//! more than `retention_days` ago leave the index and then the store. Their items stay done, so
//! they are not ingested again.
//!
//! The index goes first, through the indexer task (the only writer): if the process dies before
//! the store is pruned, the index holds fewer documents than the store says are indexed, and
//! start-up indexes everything again; the next prune then finds the same articles.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::blocking;
use crate::metrics;
use crate::store::{Store, StoreError};

/// How often old articles are looked for.
pub(super) const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);
/// Articles removed per index commit and store transaction.
const PRUNE_BATCH: usize = 1000;
/// Deletion requests waiting for the indexer: the retention task waits for each answer anyway.
pub(super) const DELETE_QUEUE: usize = 1;

/// A request to the indexer: delete these articles' documents, commit, then answer.
pub(super) struct Deletion {
    pub ids: Vec<i64>,
    pub done: oneshot::Sender<()>,
}

#[derive(Debug, thiserror::Error)]
pub(super) enum RetentionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the indexer stopped before deleting the documents")]
    IndexerGone,
}

/// Prunes now and then every [`PRUNE_INTERVAL`] until shutdown.
pub(super) async fn retention_task(
    store: Arc<Store>,
    keep: Duration,
    index: mpsc::Sender<Deletion>,
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(PRUNE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = shutdown.cancelled() => return,
        }
        match prune(&store, keep, &index).await {
            Ok(0) => {}
            Ok(articles) => info!(articles, older_than = ?keep, "old articles pruned"),
            // The pipeline has drained (no feed left to poll): nothing to prune into.
            Err(RetentionError::IndexerGone) => return,
            Err(error) => warn!(%error, "pruning old articles failed"),
        }
    }
}

/// Removes every article older than `keep`, in batches; returns how many.
pub(super) async fn prune(
    store: &Arc<Store>,
    keep: Duration,
    index: &mpsc::Sender<Deletion>,
) -> Result<usize, RetentionError> {
    let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
    let before = Utc::now()
        .checked_sub_signed(keep)
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    let mut total = 0;
    loop {
        let ids = blocking(store, move |s| s.expired_articles(before, PRUNE_BATCH)).await?;
        if ids.is_empty() {
            return Ok(total);
        }
        let (done, answered) = oneshot::channel();
        let deletion = Deletion {
            ids: ids.clone(),
            done,
        };
        index
            .send(deletion)
            .await
            .map_err(|_| RetentionError::IndexerGone)?;
        answered.await.map_err(|_| RetentionError::IndexerGone)?;
        let pruned = blocking(store, move |s| s.prune_articles(&ids)).await?;
        metrics::global()
            .articles_pruned
            .inc_by(pruned.articles as u64);
        total += pruned.articles;
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::config::IndexConfig;
    use crate::index::{SearchIndex, SearchRequest};
    use crate::model::{Article, TextSource, Validators};
    use crate::pipeline::indexer::index_stage;
    use crate::store::testing::item;
    use crate::store::{Placement, Poll};

    const FEED: &str = "https://news.example/rss";

    /// Polls `key` and stores its article, published `age` ago, in story `story`.
    fn stored(store: &Store, key: &str, age: TimeDelta, word: &str, story: i64) -> Article {
        let items = [item(key)];
        let pending = store
            .record_poll(
                FEED,
                "News",
                &Poll::new(&Validators::default(), &items, Utc::now()),
            )
            .unwrap()
            .remove(0);
        let url = format!("https://news.example/{key}");
        let mut article = Article {
            id: 0,
            item_id: pending.id,
            feed_url: FEED.into(),
            source: "News".into(),
            url: url.clone(),
            canonical_url: url,
            title: format!("Title {key}"),
            author: None,
            published: Some(Utc::now() - age),
            lang: Some("en".into()),
            text: format!("The {word} report."),
            html: String::new(),
            text_source: TextSource::Feed,
            fetched_at: Utc::now(),
            summary: None,
            tags: Vec::new(),
            modified: None,
            story_id: Some(story),
            copies: Vec::new(),
        };
        let placement = Placement {
            story,
            score: 1.0,
            joined: false,
        };
        match store
            .store_article(&article, None, Some(placement))
            .unwrap()
        {
            crate::store::Stored::New(id) => article.id = id,
            other => panic!("{key} not stored: {other:?}"),
        }
        article
    }

    fn hits(index: &SearchIndex, query: &str) -> Vec<i64> {
        let request = SearchRequest {
            query: query.into(),
            limit: 10,
            ..SearchRequest::default()
        };
        let results = index.run(&request).unwrap();
        results.hits.iter().map(|hit| hit.id).collect()
    }

    #[tokio::test]
    async fn old_articles_leave_the_index_and_the_store_and_their_items_stay_done() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("db.sqlite")).unwrap());
        let index = SearchIndex::open(&dir.path().join("index")).unwrap();
        let old = stored(&store, "old", TimeDelta::days(40), "glacier", 1);
        let new = stored(&store, "new", TimeDelta::days(2), "harbour", 2);
        let mut writer = index.writer(15_000_000).unwrap();
        writer.add(&old).unwrap();
        writer.add(&new).unwrap();
        store.mark_indexed(&writer.commit().unwrap()).unwrap();
        assert_eq!(hits(&index, "glacier"), [old.id]);

        let (stored_tx, stored_rx) = mpsc::channel(1);
        let (delete_tx, delete_rx) = mpsc::channel(DELETE_QUEUE);
        let indexer = tokio::spawn(index_stage(
            writer,
            store.clone(),
            stored_rx,
            delete_rx,
            IndexConfig::default(),
            Arc::default(),
        ));
        let keep = Duration::from_secs(30 * 24 * 3600);
        assert_eq!(prune(&store, keep, &delete_tx).await.unwrap(), 1);
        assert_eq!(prune(&store, keep, &delete_tx).await.unwrap(), 0);
        drop((stored_tx, delete_tx));
        indexer.await.unwrap().unwrap();

        assert!(
            hits(&index, "glacier").is_empty(),
            "the old article is still found"
        );
        assert_eq!(hits(&index, "harbour"), [new.id]);
        assert!(store.article(old.id).unwrap().is_none());
        assert!(store.article(new.id).unwrap().is_some());
        assert!(store.story(1).unwrap().is_none(), "the emptied story stays");
        assert!(store.story(2).unwrap().is_some());
        // The feed lists the old entry again: it is known, so not ingested again.
        let again = store
            .record_poll(
                FEED,
                "News",
                &Poll::new(&Validators::default(), &[item("old")], Utc::now()),
            )
            .unwrap();
        assert!(again.is_empty(), "{again:?}");
        assert!(store.pending_items().unwrap().is_empty());
    }
}
