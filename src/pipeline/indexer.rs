//! The indexer stage: the only holder of the tantivy writer. Adds stored articles, commits in
//! batches, then marks them indexed in the store; at start-up it catches the index up.

use std::collections::HashMap;
use std::sync::Arc;

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::retention::Deletion;
use super::{CATCH_UP_BATCH, PipelineError, Report, StageTimes, WRITER_MEMORY};
use crate::config::IndexConfig;
use crate::index::{ArticleWriter, SearchIndex};
use crate::model::Article;
use crate::store::Store;

/// How often the indexer looks whether articles changed outside the store stage.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Indexes what the store holds and the index does not: articles stored but not committed
/// before a crash, or everything when the index was lost (deleted, or restored from an older
/// backup: it then holds fewer documents than the store says it does).
pub(super) async fn catch_up_index(
    index: SearchIndex,
    writer: ArticleWriter,
    store: Arc<Store>,
) -> Result<ArticleWriter, PipelineError> {
    tokio::task::spawn_blocking(move || {
        let mut writer = writer;
        let (in_index, indexed) = (index.num_docs(), store.indexed_count()?);
        if in_index < indexed {
            warn!(
                in_index,
                indexed, "the index lost documents, indexing every article again"
            );
            store.mark_all_unindexed()?;
        }
        let total = index_unindexed(&mut writer, &store)?;
        if total > 0 {
            info!(
                articles = total,
                "indexed articles stored before the last stop"
            );
        }
        Ok(writer)
    })
    .await?
}

/// Adds every stored, unindexed article to the index, committing per batch. Returns the count.
fn index_unindexed(writer: &mut ArticleWriter, store: &Store) -> Result<usize, PipelineError> {
    let mut total = 0;
    loop {
        let batch = store.unindexed_articles(CATCH_UP_BATCH)?;
        if batch.is_empty() {
            return Ok(total);
        }
        for article in &batch {
            writer.add(article)?;
        }
        total += batch.len();
        store.mark_indexed(&writer.commit()?)?;
    }
}

/// Rebuilds the index from the store (`newsd reindex`). Fails while a daemon holds the writer.
pub async fn rebuild_index(index: &SearchIndex, store: Arc<Store>) -> Result<usize, PipelineError> {
    let mut writer = index.writer(WRITER_MEMORY)?;
    tokio::task::spawn_blocking(move || {
        writer.without_background_merges();
        writer.delete_all()?;
        writer.commit()?;
        store.mark_all_unindexed()?;
        let indexed = index_unindexed(&mut writer, &store)?;
        writer.merge_all()?;
        Ok(indexed)
    })
    .await?
}

/// The only holder of the index writer: adds stored articles and commits every
/// `commit_docs` documents or `commit_interval` after the first uncommitted one, and at the end.
/// After each commit the store records what the index now holds. Retention's deletions are
/// committed at once, then answered.
///
/// Articles wait for the commit in `pending`, by id, and reach the writer just before it: an
/// article sent again before the commit (another outlet's copy of it arrived, or its publisher
/// edited it) is indexed once, in its last version, as the delete-then-add of every version
/// would have left it.
pub(super) async fn index_stage(
    mut writer: ArticleWriter,
    store: Arc<Store>,
    mut stored: mpsc::Receiver<Article>,
    mut deletes: mpsc::Receiver<Deletion>,
    config: IndexConfig,
    report: Arc<Report>,
) -> Result<(), PipelineError> {
    let times = &report.stages.index;
    let mut pending: HashMap<i64, Article> = HashMap::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut sweep = tokio::time::interval(SWEEP_INTERVAL);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let commit_at = deadline;
        let next = tokio::select! {
            next = stored.recv() => next,
            () = async { tokio::time::sleep_until(commit_at.expect("guarded")).await },
                if commit_at.is_some() => {
                let start = Instant::now();
                add_pending(&mut writer, &mut pending)?;
                writer = commit(writer, &store).await?;
                StageTimes::since(times, start);
                deadline = None;
                continue;
            }
            Some(deletion) = deletes.recv() => {
                writer.delete(&deletion.ids);
                writer = commit(writer, &store).await?;
                deadline = None;
                let _ = deletion.done.send(());
                continue;
            }
            _ = sweep.tick() => {
                if store.take_reindex_wanted() {
                    // What is pending is older than what the sweep reads from the store.
                    add_pending(&mut writer, &mut pending)?;
                    let (back, added) = sweep_unindexed(writer, &store).await?;
                    writer = back;
                    if added > 0 {
                        deadline.get_or_insert_with(|| {
                            tokio::time::Instant::now() + config.commit_interval
                        });
                    }
                }
                continue;
            }
        };
        let Some(article) = next else { break };
        let start = Instant::now();
        pending.insert(article.id, article);
        deadline.get_or_insert_with(|| tokio::time::Instant::now() + config.commit_interval);
        if pending.len() + writer.uncommitted() >= config.commit_docs {
            add_pending(&mut writer, &mut pending)?;
            writer = commit(writer, &store).await?;
            deadline = None;
        }
        StageTimes::since(times, start);
    }
    let start = Instant::now();
    add_pending(&mut writer, &mut pending)?;
    while store.take_reindex_wanted() {
        writer = sweep_unindexed(writer, &store).await?.0;
    }
    if writer.uncommitted() > 0 {
        commit(writer, &store).await?;
    }
    StageTimes::since(times, start);
    Ok(())
}

/// Hands the articles waiting for the commit to the writer.
fn add_pending(
    writer: &mut ArticleWriter,
    pending: &mut HashMap<i64, Article>,
) -> Result<(), PipelineError> {
    for (_, article) in pending.drain() {
        writer.add(&article)?;
    }
    Ok(())
}

/// Adds the articles marked for indexing again outside the store stage (headlines edited in
/// their feed). Returns the writer and how many it added.
async fn sweep_unindexed(
    writer: ArticleWriter,
    store: &Arc<Store>,
) -> Result<(ArticleWriter, usize), PipelineError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = writer;
        let batch = store.unindexed_articles(CATCH_UP_BATCH)?;
        for article in &batch {
            writer.add(article)?;
        }
        if batch.len() == CATCH_UP_BATCH {
            store.want_reindex();
        }
        Ok((writer, batch.len()))
    })
    .await?
}

/// Commits on the blocking pool (a commit fsyncs) and marks the committed articles indexed.
async fn commit(writer: ArticleWriter, store: &Arc<Store>) -> Result<ArticleWriter, PipelineError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = writer;
        let ids = writer.commit()?;
        store.mark_indexed(&ids)?;
        debug!(documents = ids.len(), "index committed");
        Ok(writer)
    })
    .await?
}
