//! Prometheus metrics: what the pipeline fetched, stored and indexed, and how long fetches and
//! searches take. Stages record into the one process-wide [`Metrics`] ([`global`]); `GET
//! /metrics` samples the gauges that are read rather than counted (queue depths, index
//! documents) and encodes the registry as Prometheus/OpenMetrics text.
//!
//! A global rather than a field of `Services`: one daemon runs per process, and stages record
//! with a one-line call instead of threading a handle through every task's arguments.

use std::future::Future;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;

use crate::fetch::{FeedResponse, FetchError, Page};

/// The `Content-Type` of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What was fetched: a feed or an article page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchKind {
    Feed,
    Page,
}

impl FetchKind {
    fn as_str(self) -> &'static str {
        match self {
            FetchKind::Feed => "feed",
            FetchKind::Page => "page",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FetchLabels {
    kind: &'static str,
    /// `ok`, `not_modified`, `error`, `timeout`, `refused`.
    outcome: &'static str,
    /// `2xx` … `5xx`, or `none` when no HTTP answer came.
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabel {
    feed: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Reads a queue's depth at scrape time (0 once every sender is gone).
type QueueProbe = Box<dyn Fn() -> usize + Send + Sync>;

/// Every metric newsd exports, registered under the `newsd_` prefix.
pub struct Metrics {
    registry: Registry,
    fetches: Family<FetchLabels, Counter>,
    fetch_bytes: Family<KindLabel, Counter>,
    fetch_seconds: HistogramFamily<KindLabel>,
    feed_error_streak: Family<FeedLabel, Gauge>,
    pub articles_ingested: Counter,
    pub copies_merged: Counter,
    pub articles_edited: Counter,
    pub articles_pruned: Counter,
    pub stories_open: Gauge,
    pub stories_folded: Counter,
    queue_depth: Family<QueueLabel, Gauge>,
    queue_capacity: Family<QueueLabel, Gauge>,
    /// The pipeline's channels, by name, sampled into the two gauges above on each scrape.
    queues: Mutex<Vec<(&'static str, usize, QueueProbe)>>,
    index_documents: Gauge,
    search_seconds: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Latency buckets from 5 ms to about 40 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

static GLOBAL: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn global() -> &'static Metrics {
    &GLOBAL
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("newsd");
        let fetches = Family::<FetchLabels, Counter>::default();
        registry.register(
            "fetches",
            "HTTP fetches by kind (feed, page), outcome and status class",
            fetches.clone(),
        );
        let fetch_bytes = Family::<KindLabel, Counter>::default();
        registry.register(
            "fetch_bytes",
            "Body bytes fetched (after decompression)",
            fetch_bytes.clone(),
        );
        let fetch_seconds: HistogramFamily<KindLabel> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "fetch_duration_seconds",
            "Time from the first request to the whole body, redirects and host turns included",
            fetch_seconds.clone(),
        );
        let feed_error_streak = Family::<FeedLabel, Gauge>::default();
        registry.register(
            "feed_error_streak",
            "Failed polls in a row, per feed (0 after a success)",
            feed_error_streak.clone(),
        );
        let articles_ingested = Counter::default();
        registry.register(
            "articles_ingested",
            "New articles stored",
            articles_ingested.clone(),
        );
        let copies_merged = Counter::default();
        registry.register(
            "copies_merged",
            "Articles recognised as another outlet's copy of a stored one",
            copies_merged.clone(),
        );
        let articles_edited = Counter::default();
        registry.register(
            "articles_edited",
            "Stored articles updated in place (edited headline, GUID or URL)",
            articles_edited.clone(),
        );
        let articles_pruned = Counter::default();
        registry.register(
            "articles_pruned",
            "Articles removed by retention",
            articles_pruned.clone(),
        );
        let stories_open = Gauge::default();
        registry.register(
            "stories_open",
            "Stories in the clusterer's window (new articles may still join them)",
            stories_open.clone(),
        );
        let stories_folded = Counter::default();
        registry.register(
            "stories_folded",
            "Stories folded into another when an article showed them to be one event",
            stories_folded.clone(),
        );
        let queue_depth = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "queue_depth",
            "Messages waiting in a pipeline channel",
            queue_depth.clone(),
        );
        let queue_capacity = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "queue_capacity",
            "Capacity of a pipeline channel",
            queue_capacity.clone(),
        );
        let index_documents = Gauge::default();
        registry.register(
            "index_documents",
            "Searchable documents in the index",
            index_documents.clone(),
        );
        let search_seconds = latency_histogram();
        registry.register(
            "search_duration_seconds",
            "Time to answer GET /api/v1/search",
            search_seconds.clone(),
        );
        Metrics {
            registry,
            fetches,
            fetch_bytes,
            fetch_seconds,
            feed_error_streak,
            articles_ingested,
            copies_merged,
            articles_edited,
            articles_pruned,
            stories_open,
            stories_folded,
            queue_depth,
            queue_capacity,
            queues: Mutex::new(Vec::new()),
            index_documents,
            search_seconds,
        }
    }

    /// Awaits a fetch and records its outcome, status class, body size and duration.
    pub async fn observe_fetch<T: Fetched>(
        &self,
        kind: FetchKind,
        fetch: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        let started = Instant::now();
        let result = fetch.await;
        let (outcome, status, bytes) = match &result {
            Ok(fetched) => {
                let (outcome, status) = fetched.outcome();
                (outcome, status, fetched.body_len())
            }
            Err(error) => (error_outcome(error), error_status(error), 0),
        };
        let kind = kind.as_str();
        self.fetches
            .get_or_create(&FetchLabels {
                kind,
                outcome,
                status,
            })
            .inc();
        self.fetch_bytes
            .get_or_create(&KindLabel { kind })
            .inc_by(bytes);
        self.fetch_seconds
            .get_or_create(&KindLabel { kind })
            .observe(started.elapsed().as_secs_f64());
        result
    }

    /// Sets a feed's error streak (0 after a successful poll).
    pub fn feed_error_streak(&self, feed: &str, streak: u32) {
        self.feed_error_streak
            .get_or_create(&FeedLabel { feed: feed.into() })
            .set(i64::from(streak));
    }

    /// Drops a feed's error streak series (the feed left the feed list).
    pub fn forget_feed(&self, feed: &str) {
        self.feed_error_streak
            .remove(&FeedLabel { feed: feed.into() });
    }

    /// Watches a pipeline channel through a weak sender, which never keeps it open.
    pub fn watch_queue<T: Send + 'static>(&self, name: &'static str, queue: &mpsc::Sender<T>) {
        let weak = queue.downgrade();
        let probe: QueueProbe = Box::new(move || {
            weak.upgrade()
                .map_or(0, |queue| queue.max_capacity() - queue.capacity())
        });
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        queues.retain(|(watched, ..)| *watched != name);
        queues.push((name, queue.max_capacity(), probe));
    }

    /// Records the time one search took.
    pub fn observe_search(&self, took: Duration) {
        self.search_seconds.observe(took.as_secs_f64());
    }

    /// Samples the read-at-scrape gauges and encodes every metric as OpenMetrics text.
    pub fn encode(&self, index_documents: u64) -> String {
        self.index_documents
            .set(i64::try_from(index_documents).unwrap_or(i64::MAX));
        for (queue, capacity, probe) in self.queues.lock().unwrap_or_else(|e| e.into_inner()).iter()
        {
            let (depth, capacity) = (probe(), *capacity);
            let label = QueueLabel { queue };
            let as_gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            self.queue_depth.get_or_create(&label).set(as_gauge(depth));
            self.queue_capacity
                .get_or_create(&label)
                .set(as_gauge(capacity));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// A fetch's successful result: what it says about outcome and size.
pub trait Fetched {
    /// (outcome, status class).
    fn outcome(&self) -> (&'static str, &'static str);
    fn body_len(&self) -> u64;
}

impl Fetched for FeedResponse {
    fn outcome(&self) -> (&'static str, &'static str) {
        match self {
            FeedResponse::NotModified { .. } => ("not_modified", "3xx"),
            FeedResponse::Body { .. } => ("ok", "2xx"),
        }
    }

    fn body_len(&self) -> u64 {
        match self {
            FeedResponse::NotModified { .. } => 0,
            FeedResponse::Body { bytes, .. } => bytes.len() as u64,
        }
    }
}

impl Fetched for Page {
    fn outcome(&self) -> (&'static str, &'static str) {
        ("ok", "2xx")
    }

    fn body_len(&self) -> u64 {
        self.bytes.len() as u64
    }
}

fn error_outcome(error: &FetchError) -> &'static str {
    match error {
        FetchError::Timeout => "timeout",
        FetchError::Refused(_) => "refused",
        _ => "error",
    }
}

/// The status class of the answer behind an error; `none` when there was no answer.
fn error_status(error: &FetchError) -> &'static str {
    let code = match error {
        FetchError::Status(code)
        | FetchError::RateLimited { status: code, .. }
        | FetchError::Challenge { status: code } => *code,
        FetchError::Gone => 410,
        _ => return "none",
    };
    match code {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fetches_are_counted_by_kind_outcome_and_status_class() {
        let metrics = Metrics::new();
        let page = Page {
            url: "https://news.example/a".into(),
            bytes: vec![b'x'; 10],
            content_type: None,
        };
        let _ = metrics
            .observe_fetch(FetchKind::Page, async { Ok(page) })
            .await;
        let _ = metrics
            .observe_fetch::<Page>(FetchKind::Page, async { Err(FetchError::Status(503)) })
            .await;
        let text = metrics.encode(7);
        for line in [
            r#"newsd_fetches_total{kind="page",outcome="ok",status="2xx"} 1"#,
            r#"newsd_fetches_total{kind="page",outcome="error",status="5xx"} 1"#,
            r#"newsd_fetch_bytes_total{kind="page"} 10"#,
            r#"newsd_fetch_duration_seconds_count{kind="page"} 2"#,
            "newsd_index_documents 7",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }

    #[tokio::test]
    async fn queues_are_sampled_without_keeping_them_open() {
        let metrics = Metrics::new();
        let (tx, mut rx) = mpsc::channel::<u8>(4);
        metrics.watch_queue("items", &tx);
        tx.send(1).await.unwrap();
        let text = metrics.encode(0);
        assert!(
            text.contains(r#"newsd_queue_depth{queue="items"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"newsd_queue_capacity{queue="items"} 4"#),
            "{text}"
        );
        drop(tx);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None, "the watcher kept the channel open");
    }
}
