//! The pipeline: spawns the stages and wires them with bounded channels.
//!
//! ```text
//! pollers ──items──► page workers ──articles──► store task ──stored──► indexer task
//! (one per feed)     (fetch + extract,           (SQLite)               (tantivy, batched
//!                     `page_workers` at once)                            commits)
//! ```
//! Every channel is bounded, so a slow indexer slows the store task, which slows the page
//! workers, which makes the pollers wait. Items are written to SQLite before they are queued,
//! so whatever is in a channel when the process dies is found again at the next start.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::{Config, FeedConfig, IndexConfig};
use crate::dedup::canonical_url;
use crate::extract::{extract, html_to_text};
use crate::fetch::{FeedResponse, FetchError, HttpClient, parse_feed};
use crate::index::{ArticleWriter, IndexError, SearchIndex};
use crate::model::{Article, PendingItem};
use crate::store::{Store, StoreError, Stored};

/// Items found by pollers, waiting for a page worker. Small: items are already safe in SQLite,
/// the queue only has to keep the workers busy.
const ITEM_QUEUE: usize = 64;
/// Extracted articles waiting for the store task.
const ARTICLE_QUEUE: usize = 64;
/// Stored articles waiting for the indexer; about one commit batch of slack.
const INDEX_QUEUE: usize = 256;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Poll every feed once, drain, commit, return (`newsd fetch-once`).
    Once,
    /// Poll every feed on its interval until shutdown (`newsd run`).
    Daemon,
}

/// Counts of what a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub feeds_ok: AtomicU64,
    pub feeds_not_modified: AtomicU64,
    pub feeds_failed: AtomicU64,
    pub new_articles: AtomicU64,
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
        )
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
    writer = catch_up_index(services.index.clone(), writer, services.store.clone()).await?;

    // Channel ends: the pollers (and the requeue of pending items) hold `item_tx`; the page
    // dispatcher owns `item_rx` and hands `article_tx` to its workers; the store task owns
    // `article_rx` and `stored_tx`; the indexer owns `stored_rx`. Each stage ends when all
    // senders of its input are gone, so dropping the sources drains the pipeline in order.
    let (item_tx, item_rx) = mpsc::channel::<PendingItem>(ITEM_QUEUE);
    let (article_tx, article_rx) = mpsc::channel::<Extracted>(ARTICLE_QUEUE);
    let (stored_tx, stored_rx) = mpsc::channel::<Article>(INDEX_QUEUE);

    let indexer = tokio::spawn(index_stage(
        writer,
        services.store.clone(),
        stored_rx,
        config.index.clone(),
    ));
    let storer = tokio::spawn(store_stage(
        services.store.clone(),
        article_rx,
        stored_tx,
        report.clone(),
    ));
    let pages = tokio::spawn(page_stage(
        services.http.clone(),
        item_rx,
        article_tx,
        config.fetch.page_workers,
        shutdown.clone(),
    ));

    let pending = blocking(&services.store, |s| s.pending_items()).await?;
    if !pending.is_empty() {
        info!(
            items = pending.len(),
            "requeueing items found before the last stop"
        );
    }
    let mut sources = JoinSet::new();
    sources.spawn(send_all(pending, item_tx.clone(), shutdown.clone()));
    match mode {
        Mode::Once => {
            let (services, config, report, item_tx, shutdown) = (
                services.clone(),
                config.clone(),
                report.clone(),
                item_tx.clone(),
                shutdown.clone(),
            );
            sources.spawn(async move {
                futures::stream::iter(config.feeds.iter())
                    .for_each_concurrent(ONCE_CONCURRENCY, |feed| {
                        poll_once(&services, feed, &item_tx, &report, &shutdown)
                    })
                    .await;
            });
        }
        Mode::Daemon => {
            for feed in &config.feeds {
                let interval = config.interval_of(feed);
                sources.spawn(poll_forever(
                    services.clone(),
                    feed.clone(),
                    interval,
                    item_tx.clone(),
                    report.clone(),
                    shutdown.clone(),
                ));
            }
        }
    }
    drop(item_tx);

    while let Some(done) = sources.join_next().await {
        done?;
    }
    pages.await?;
    storer.await??;
    indexer.await??;
    Ok(report)
}

/// Indexes what the store holds and the index does not: articles stored but not committed
/// before a crash, or everything when the index was lost (deleted, or restored from an older
/// backup: it then holds fewer documents than the store says it does).
async fn catch_up_index(
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
        writer.delete_all()?;
        writer.commit()?;
        store.mark_all_unindexed()?;
        index_unindexed(&mut writer, &store)
    })
    .await?
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

async fn poll_forever(
    services: Services,
    feed: FeedConfig,
    interval: Duration,
    tx: mpsc::Sender<PendingItem>,
    report: Arc<Report>,
    shutdown: CancellationToken,
) {
    loop {
        poll_once(&services, &feed, &tx, &report, &shutdown).await;
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// Polls one feed: conditional GET, parse, remember new items, queue them for their pages.
async fn poll_once(
    services: &Services,
    feed: &FeedConfig,
    tx: &mpsc::Sender<PendingItem>,
    report: &Report,
    shutdown: &CancellationToken,
) {
    let fresh = tokio::select! {
        polled = poll_feed(services, feed) => polled,
        () = shutdown.cancelled() => return,
    };
    let fresh = match fresh {
        Ok(Some(fresh)) => {
            report.feeds_ok.fetch_add(1, Ordering::Relaxed);
            info!(feed = %feed.url, new_items = fresh.len(), "feed polled");
            fresh
        }
        Ok(None) => {
            report.feeds_not_modified.fetch_add(1, Ordering::Relaxed);
            debug!(feed = %feed.url, "feed not modified");
            return;
        }
        Err(error) => {
            report.feeds_failed.fetch_add(1, Ordering::Relaxed);
            warn!(feed = %feed.url, %error, "feed fetch failed");
            let message = error.to_string();
            let url = feed.url.clone();
            if let Err(e) = blocking(&services.store, move |s| {
                s.record_failure(&url, &message, Utc::now())
            })
            .await
            {
                warn!(feed = %feed.url, error = %e, "cannot record feed failure");
            }
            return;
        }
    };
    send_all(fresh, tx.clone(), shutdown.clone()).await;
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `Ok(None)` when the feed answered 304.
async fn poll_feed(
    services: &Services,
    feed: &FeedConfig,
) -> Result<Option<Vec<PendingItem>>, PollError> {
    let url = feed.url.clone();
    let validators = blocking(&services.store, move |s| s.validators(&url)).await?;
    let (bytes, validators) = match services.http.get_feed(&feed.url, &validators).await? {
        FeedResponse::NotModified => {
            let url = feed.url.clone();
            blocking(&services.store, move |s| {
                s.record_not_modified(&url, Utc::now())
            })
            .await?;
            return Ok(None);
        }
        FeedResponse::Body {
            bytes, validators, ..
        } => (bytes, validators),
    };
    let url = feed.url.clone();
    let parsed = tokio::task::spawn_blocking(move || parse_feed(&bytes, &url))
        .await
        .map_err(|e| FetchError::Parse(format!("parser task failed: {e}")))??;
    let (url, source) = (feed.url.clone(), feed.name.clone());
    let fresh = blocking(&services.store, move |s| {
        s.record_poll(&url, &source, &validators, &parsed.items, Utc::now())
    })
    .await?;
    Ok(Some(fresh))
}

/// Fetches and extracts the page of each item, `workers` at a time. On shutdown it stops
/// taking items (they stay pending in SQLite) and finishes the pages in flight.
async fn page_stage(
    http: HttpClient,
    mut items: mpsc::Receiver<PendingItem>,
    articles: mpsc::Sender<Extracted>,
    workers: usize,
    shutdown: CancellationToken,
) {
    // One permit per page in flight; the dispatcher waits for a permit before taking the next
    // item, which is what pushes back on the pollers.
    let permits = Arc::new(Semaphore::new(workers));
    let mut running = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("semaphore is never closed"),
            () = shutdown.cancelled() => break,
        };
        let item = tokio::select! {
            item = items.recv() => match item { Some(item) => item, None => break },
            () = shutdown.cancelled() => break,
        };
        let (http, articles) = (http.clone(), articles.clone());
        running.spawn(async move {
            // The store task only goes away when the pipeline is failing already.
            let _ = articles.send(build_article(&http, item).await).await;
            drop(permit);
        });
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
}

/// What a page worker made of an item.
enum Extracted {
    Article(Box<Article>),
    /// Neither the page nor the feed had anything to keep.
    Nothing {
        item_id: i64,
    },
}

/// Fetches an item's page and builds its article. A page that cannot be fetched falls back to
/// the feed's own title and summary, so that the item is never lost.
async fn build_article(http: &HttpClient, pending: PendingItem) -> Extracted {
    let item = &pending.item;
    let page = match &item.link {
        Some(link) => match http.get_page(link).await {
            Ok(page) => {
                let url = page.url.clone();
                tokio::task::spawn_blocking(move || {
                    extract(&page.bytes, page.content_type.as_deref(), &page.url)
                })
                .await
                .ok()
                .map(|extracted| (url, extracted))
            }
            Err(error) => {
                warn!(feed = %pending.feed_url, page = %link, %error, "page fetch failed, keeping the feed's summary");
                None
            }
        },
        None => None,
    };
    let (url, page) = page.unwrap_or_else(|| {
        let url = item.link.clone().unwrap_or_else(|| item.key.clone());
        (url, Default::default())
    });
    let text = if page.text.trim().is_empty() {
        item.summary
            .as_deref()
            .map(html_to_text)
            .unwrap_or_default()
    } else {
        page.text
    };
    let title = item
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .or(page.title)
        .unwrap_or_default();
    if text.is_empty() && title.is_empty() {
        debug!(feed = %pending.feed_url, item = %item.key, "item has neither page nor text");
        return Extracted::Nothing {
            item_id: pending.id,
        };
    }
    Extracted::Article(Box::new(Article {
        id: 0,
        item_id: pending.id,
        feed_url: pending.feed_url.clone(),
        source: pending.source.clone(),
        canonical_url: canonical_url(page.canonical_url.as_deref().unwrap_or(&url)),
        url,
        title,
        author: item.author.clone().or(page.author),
        published: item.published.or(page.published),
        lang: page.lang,
        text,
        fetched_at: Utc::now(),
    }))
}

/// Stores each extracted article (one transaction each) and passes new ones to the indexer.
async fn store_stage(
    store: Arc<Store>,
    mut extracted: mpsc::Receiver<Extracted>,
    stored: mpsc::Sender<Article>,
    report: Arc<Report>,
) -> Result<(), PipelineError> {
    while let Some(next) = extracted.recv().await {
        let mut article = match next {
            Extracted::Article(article) => *article,
            Extracted::Nothing { item_id } => {
                blocking(&store, move |s| s.skip_item(item_id)).await?;
                continue;
            }
        };
        let to_store = article.clone();
        match blocking(&store, move |s| s.store_article(&to_store)).await? {
            Stored::New(id) => {
                article.id = id;
                report.new_articles.fetch_add(1, Ordering::Relaxed);
                debug!(id, url = %article.url, "article stored");
                if stored.send(article).await.is_err() {
                    break;
                }
            }
            Stored::Duplicate(id) => {
                debug!(duplicate_of = id, url = %article.url, "same canonical url")
            }
            Stored::AlreadyDone => {}
        }
    }
    Ok(())
}

/// The only holder of the index writer: adds stored articles and commits every
/// `commit_docs` documents or `commit_interval` after the first uncommitted one, and at the end.
/// After each commit the store records what the index now holds.
async fn index_stage(
    mut writer: ArticleWriter,
    store: Arc<Store>,
    mut stored: mpsc::Receiver<Article>,
    config: IndexConfig,
) -> Result<(), PipelineError> {
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let next = match deadline {
            Some(at) => tokio::select! {
                next = stored.recv() => next,
                () = tokio::time::sleep_until(at) => {
                    writer = commit(writer, &store).await?;
                    deadline = None;
                    continue;
                }
            },
            None => stored.recv().await,
        };
        let Some(article) = next else { break };
        writer.add(&article)?;
        deadline.get_or_insert_with(|| tokio::time::Instant::now() + config.commit_interval);
        if writer.uncommitted() >= config.commit_docs {
            writer = commit(writer, &store).await?;
            deadline = None;
        }
    }
    if writer.uncommitted() > 0 {
        commit(writer, &store).await?;
    }
    Ok(())
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
