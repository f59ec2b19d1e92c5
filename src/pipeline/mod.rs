//! The pipeline: spawns the stages and wires them with bounded channels.
//!
//! ```text
//! pollers ──items──► page workers ──articles──► dedup + store ──stored──► indexer task
//! (one per feed)     (fetch + extract,           (copies, stories,      (tantivy, batched
//!                     `page_workers` at once)     SQLite)                commits)
//! ```
//! Every channel is bounded, so a slow indexer slows the store task, which slows the page
//! workers, which makes the pollers wait; a poller waiting to queue its items holds one of the
//! `POLLS_IN_FLIGHT` permits every feed fetch needs, so the feed fetches wait too. Items are
//! written to SQLite before they are queued, so whatever is in a channel when the process dies
//! is found again at the next start.

mod dedup;
mod indexer;
mod ingest;
mod poll;
mod reload;
mod retention;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::Config;
use crate::fetch::{FetchError, HttpClient, Schedule};
use crate::index::{IndexError, SearchIndex};
use crate::model::{Article, PendingItem};
use crate::store::{Store, StoreError};

use dedup::{Dedup, store_stage};
pub use indexer::rebuild_index;
use indexer::{catch_up_index, index_stage};
use ingest::{Extracted, PageSettings, page_stage};
use poll::Pollers;
pub use reload::{Edit, EditError, FeedControl, FeedInbox, feed_control};
use retention::{DELETE_QUEUE, Deletion, retention_task};

/// Items found by pollers, waiting for a page worker. Small: items are already safe in SQLite,
/// the queue only has to keep the workers busy.
const ITEM_QUEUE: usize = 64;
/// Feeds polled at once, each holding its new items until they are queued (`Pollers::polls`):
/// the queue's size, so a full queue stops the feed fetches within one queue's worth of polls
/// and the items held in memory are at most this many feeds' new items.
const POLLS_IN_FLIGHT: usize = ITEM_QUEUE;
/// Extracted articles waiting for the store task.
const ARTICLE_QUEUE: usize = 64;
/// Stored articles waiting for the indexer; about one commit batch of slack.
const INDEX_QUEUE: usize = 256;
/// Pending items read from SQLite per batch when a backlog is requeued at start-up.
const REQUEUE_BATCH: usize = 256;
/// Feeds polled at once by `fetch-once`.
const ONCE_CONCURRENCY: usize = 8;
/// Memory budget of the tantivy writer.
const WRITER_MEMORY: usize = 50_000_000;
/// Articles read from SQLite per batch when catching the index up.
const CATCH_UP_BATCH: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("a pipeline task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The long-lived parts every stage uses.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<Store>,
    pub index: SearchIndex,
    pub http: HttpClient,
}

impl Services {
    /// Opens the store and the index in the configured data directory.
    pub fn open(config: &Config) -> Result<Services, PipelineError> {
        Ok(Services {
            store: Arc::new(Store::open(&config.database_path())?),
            index: SearchIndex::open(&config.index_dir())?,
            http: HttpClient::new(&config.fetch)?,
        })
    }
}

/// How long the pipeline runs.
#[derive(Debug)]
pub enum Mode {
    /// Poll every feed once, drain, commit, return (`newsd fetch-once`).
    Once,
    /// Poll every feed on its interval until shutdown (`newsd run`), following changes of the
    /// feed list (file, SIGHUP, the inbox's API edits).
    Daemon(FeedInbox),
}

/// Counts of what a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub feeds_ok: AtomicU64,
    pub feeds_not_modified: AtomicU64,
    pub feeds_failed: AtomicU64,
    /// Dead feeds, and feeds whose server asked to wait longer (`fetch-once` only).
    pub feeds_skipped: AtomicU64,
    pub new_articles: AtomicU64,
    /// Articles found to be another outlet's copy of a stored one (kept as its sources).
    pub copies: AtomicU64,
    /// Stored articles updated in place (edited headline, GUID or URL).
    pub edited: AtomicU64,
    pub stages: StageTimes,
}

/// Where a run's time went: each stage's busy time, summed over the tasks that ran it, so
/// stages that run side by side (page workers) can add up to more than the wall time. Waits
/// for the network and for a host's turn count as the fetches' time. Nanoseconds.
#[derive(Debug, Default)]
pub struct StageTimes {
    /// Feed polls: conditional GET, parse, new items recorded.
    pub feeds: AtomicU64,
    /// Article page fetches.
    pub pages: AtomicU64,
    /// Page extraction (on the blocking pool).
    pub extract: AtomicU64,
    /// Copy detection and story clustering.
    pub dedup: AtomicU64,
    /// The store task's SQLite work.
    pub store: AtomicU64,
    /// Index adds and commits, with the `indexed` marks.
    pub index: AtomicU64,
}

impl StageTimes {
    /// Adds `spent` to `stage`.
    pub(crate) fn add(stage: &AtomicU64, spent: Duration) {
        stage.fetch_add(
            u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Adds the time since `start` to `stage`.
    pub(crate) fn since(stage: &AtomicU64, start: Instant) {
        StageTimes::add(stage, start.elapsed());
    }
}

impl std::fmt::Display for StageTimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = |n: &AtomicU64| Duration::from_nanos(n.load(Ordering::Relaxed)).as_secs_f64();
        write!(
            f,
            "stage times (busy time summed over workers): feeds {:.1}s, page fetch {:.1}s, \
             extract {:.1}s, dedup/cluster {:.1}s, store {:.1}s, index {:.1}s",
            secs(&self.feeds),
            secs(&self.pages),
            secs(&self.extract),
            secs(&self.dedup),
            secs(&self.store),
            secs(&self.index),
        )
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        let (ok, nm, failed) = (
            get(&self.feeds_ok),
            get(&self.feeds_not_modified),
            get(&self.feeds_failed),
        );
        write!(
            f,
            "fetched {} feeds: {ok} ok, {nm} not modified, {failed} failed; {} new articles",
            ok + nm + failed,
            get(&self.new_articles)
        )?;
        match get(&self.copies) {
            0 => {}
            copies => write!(f, "; {copies} copies of stored articles")?,
        }
        match get(&self.edited) {
            0 => {}
            edited => write!(f, "; {edited} updated in place")?,
        }
        match get(&self.feeds_skipped) {
            0 => {}
            skipped => write!(f, "; {skipped} skipped (dead, or asked to wait)")?,
        }
        write!(f, "\n{}", self.stages)
    }
}

/// Runs the pipeline over `config.feeds` until `mode` says it is done or `shutdown` fires.
/// Sources stop first; what is already queued is finished, stored and committed.
pub async fn run(
    config: &Config,
    services: &Services,
    mode: Mode,
    shutdown: CancellationToken,
) -> Result<Arc<Report>, PipelineError> {
    let report = Arc::new(Report::default());
    let mut writer = services.index.writer(WRITER_MEMORY)?;
    // Before the index catches up: placing articles stored before stories existed marks them
    // for indexing again.
    let dedup = {
        let (store, config) = (services.store.clone(), config.dedup.clone());
        tokio::task::spawn_blocking(move || Dedup::restore(&store, &config)).await??
    };
    writer = catch_up_index(services.index.clone(), writer, services.store.clone()).await?;

    // Channel ends: the pollers (and the requeue of pending items) hold `item_tx`; the page
    // dispatcher owns `item_rx` and hands `article_tx` to its workers; the store task owns
    // `article_rx` and `stored_tx`; the indexer owns `stored_rx`. Each stage ends when all
    // senders of its input are gone, so dropping the sources drains the pipeline in order.
    let (item_tx, item_rx) = mpsc::channel::<PendingItem>(ITEM_QUEUE);
    let (article_tx, article_rx) = mpsc::channel::<Extracted>(ARTICLE_QUEUE);
    let (stored_tx, stored_rx) = mpsc::channel::<Article>(INDEX_QUEUE);
    // Retention's deletions to the indexer (the only writer); the retention task sends.
    let (delete_tx, delete_rx) = mpsc::channel::<Deletion>(DELETE_QUEUE);
    let metrics = crate::metrics::global();
    metrics.watch_queue("items", &item_tx);
    metrics.watch_queue("articles", &article_tx);
    metrics.watch_queue("index", &stored_tx);

    let indexer = tokio::spawn(index_stage(
        writer,
        services.store.clone(),
        stored_rx,
        delete_rx,
        config.index.clone(),
        report.clone(),
    ));
    let storer = tokio::spawn(store_stage(
        services.store.clone(),
        dedup,
        article_rx,
        stored_tx,
        report.clone(),
    ));
    let page_settings = Arc::new(PageSettings::from_config(config));
    let pages = tokio::spawn(page_stage(
        services.http.clone(),
        item_rx,
        article_tx,
        page_settings.clone(),
        report.clone(),
        shutdown.clone(),
    ));

    // Items an earlier run recorded but did not finish: those up to the newest item now, since
    // this run's pollers queue what they record themselves.
    let last_item = blocking(&services.store, |s| s.last_item_id()).await?;
    let mut sources = JoinSet::new();
    sources.spawn(requeue_pending(
        services.store.clone(),
        last_item,
        item_tx.clone(),
        shutdown.clone(),
    ));
    let pollers = Arc::new(Pollers {
        services: services.clone(),
        schedule: Schedule::from_config(&config.fetch),
        feeds_file: config.feeds_file.clone(),
        feeds_file_lock: tokio::sync::Mutex::new(()),
        items: item_tx,
        polls: tokio::sync::Semaphore::new(POLLS_IN_FLIGHT),
        report: report.clone(),
        shutdown: shutdown.clone(),
    });
    match mode {
        Mode::Once => {
            let (pollers, feeds) = (pollers.clone(), config.feeds.clone());
            sources.spawn(async move {
                futures::stream::iter(feeds)
                    .for_each_concurrent(ONCE_CONCURRENCY, |feed| pollers.clone().poll_now(feed))
                    .await;
            });
        }
        Mode::Daemon(inbox) => {
            if let Some(keep) = config.retention {
                let store = services.store.clone();
                sources.spawn(retention_task(store, keep, delete_tx, shutdown.clone()));
            }
            sources.spawn(reload::supervise(
                pollers.clone(),
                page_settings,
                config.feeds.clone(),
                config.path.clone(),
                inbox,
            ));
        }
    }
    // The pollers' tasks (and the reload supervisor) hold the last references, and with them
    // the item senders.
    drop(pollers);

    while let Some(done) = sources.join_next().await {
        done?;
    }
    pages.await?;
    storer.await??;
    indexer.await??;
    Ok(report)
}

/// Runs a store call on the blocking pool.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    call: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .expect("store calls do not panic")
}

/// Queues the items not done with ids up to `up_to`, read from SQLite a batch at a time: a
/// backlog of any size waits in SQLite, not in memory, and the queue's capacity paces the reads.
async fn requeue_pending(
    store: Arc<Store>,
    up_to: i64,
    tx: mpsc::Sender<PendingItem>,
    shutdown: CancellationToken,
) {
    let (mut after, mut requeued) = (0, 0_usize);
    loop {
        let batch = match blocking(&store, move |s| {
            s.pending_items_after(after, up_to, REQUEUE_BATCH)
        })
        .await
        {
            Ok(batch) => batch,
            Err(error) => {
                warn!(%error, "reading pending items failed, they wait for the next start");
                return;
            }
        };
        let Some(last) = batch.last() else { break };
        after = last.id;
        requeued += batch.len();
        send_all(batch, tx.clone(), shutdown.clone()).await;
        if tx.is_closed() || shutdown.is_cancelled() {
            return;
        }
    }
    if requeued > 0 {
        info!(
            items = requeued,
            "requeued items found before the last stop"
        );
    }
}

/// Queues `items` in order, as long as the queue is open and no shutdown is asked for.
async fn send_all(
    items: Vec<PendingItem>,
    tx: mpsc::Sender<PendingItem>,
    shutdown: CancellationToken,
) {
    for item in items {
        tokio::select! {
            sent = tx.send(item) => if sent.is_err() { return },
            () = shutdown.cancelled() => return,
        }
    }
}
