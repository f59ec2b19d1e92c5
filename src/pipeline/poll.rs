//! The pollers: when each feed is due, fetch it (conditional GET), parse it, remember its new
//! items and queue them for their pages; then plan the next poll (adaptive interval, backoff,
//! `Retry-After`, dead on 410) and follow a permanent move of the feed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::{Report, Services, StageTimes, blocking, send_all};
use crate::config::{self, FeedConfig};
use crate::fetch::{FeedResponse, FetchError, Plan, RequestOptions, Schedule, parse_feed_with};
use crate::metrics::{self, FetchKind};
use crate::model::{FeedState, PendingItem};
use crate::store::{FeedSchedule, Poll, StoreError};

/// Entries' dates looked up in the store to estimate the rate of a feed that answered 304.
const RATE_SAMPLE: usize = 20;

/// What every poller shares.
pub(super) struct Pollers {
    pub services: Services,
    pub schedule: Schedule,
    /// The feed list, rewritten when a feed moves permanently.
    pub feeds_file: PathBuf,
    /// Serializes rewrites of the feed list by concurrent pollers.
    pub feeds_file_lock: tokio::sync::Mutex<()>,
    pub items: mpsc::Sender<PendingItem>,
    /// One permit per poll in flight, held from before the fetch until the poll's new items
    /// are queued ([`POLLS_IN_FLIGHT`](super::POLLS_IN_FLIGHT)). When the item queue is full,
    /// the pollers holding permits wait on it and the others wait here, before fetching: the
    /// page stage's pace reaches the feed fetches, and at most that many feeds' new items are
    /// held in memory. A semaphore, since the wait is across `.await`s; tokio's is fair, so
    /// no feed waits forever.
    pub polls: Semaphore,
    pub report: Arc<Report>,
    pub shutdown: CancellationToken,
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Pollers {
    /// Daemon mode: polls the feed whenever it is due, until shutdown, until it is dead, or
    /// until it leaves the feed list (`settings` closes; a poll in flight finishes first). New
    /// settings apply from the next poll; a fixed interval shorter than the wait left brings
    /// the next poll forward.
    pub async fn poll_forever(self: Arc<Self>, mut settings: watch::Receiver<FeedConfig>) {
        let mut feed = settings.borrow_and_update().clone();
        let wait = match self.stored_schedule(&feed).await {
            Some(s) if s.state == FeedState::Dead => {
                info!(feed = %feed.url, "feed is gone (HTTP 410), not polling it");
                return;
            }
            Some(s) => s.next_poll_at.map(until).unwrap_or_default(),
            None => Duration::ZERO,
        };
        let mut next = Instant::now() + wait;
        let mut last_poll: Option<Instant> = None;
        loop {
            tokio::select! {
                biased;
                () = self.shutdown.cancelled() => return,
                changed = settings.changed() => {
                    if changed.is_err() {
                        if !self.shutdown.is_cancelled() {
                            debug!(feed = %feed.url, "feed left the feed list, poller stops");
                        }
                        return;
                    }
                    // The poller's URL stays: it differs only after a move it followed.
                    let url = std::mem::take(&mut feed.url);
                    feed = settings.borrow_and_update().clone();
                    feed.url = url;
                    if let Some(interval) = feed.interval {
                        next = next.min(last_poll.unwrap_or_else(Instant::now) + interval);
                    }
                    continue;
                }
                () = tokio::time::sleep_until(next) => {}
            }
            last_poll = Some(Instant::now());
            match self.poll(&mut feed).await {
                Some(wait) => next = Instant::now() + wait,
                None => return,
            }
        }
    }

    /// `fetch-once`: polls `feed` now, unless it is dead or its server asked to wait longer.
    pub async fn poll_now(self: Arc<Self>, mut feed: FeedConfig) {
        if let Some(s) = self.stored_schedule(&feed).await {
            let waiting = s.state == FeedState::RateLimited
                && s.next_poll_at.is_some_and(|at| at > Utc::now());
            if s.state == FeedState::Dead || waiting {
                info!(feed = %feed.url, state = s.state.as_str(), next_poll = ?s.next_poll_at, "feed skipped");
                self.report.feeds_skipped.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        self.poll(&mut feed).await;
    }

    async fn stored_schedule(&self, feed: &FeedConfig) -> Option<FeedSchedule> {
        let url = feed.url.clone();
        match blocking(&self.services.store, move |s| s.feed_schedule(&url)).await {
            Ok(schedule) => schedule,
            Err(error) => {
                warn!(feed = %feed.url, %error, "cannot read feed state");
                None
            }
        }
    }

    /// Polls once, when a permit is free, and records the outcome. Returns when to poll next
    /// (`None`: never, or shut down).
    async fn poll(&self, feed: &mut FeedConfig) -> Option<Duration> {
        let _permit = tokio::select! {
            permit = self.polls.acquire() => permit.expect("the poll semaphore is never closed"),
            () = self.shutdown.cancelled() => return None,
        };
        let stored = self.stored_schedule(feed).await;
        let start = std::time::Instant::now();
        let result = tokio::select! {
            result = self.fetch_and_record(feed, stored.as_ref()) => result,
            () = self.shutdown.cancelled() => return None,
        };
        StageTimes::since(&self.report.stages.feeds, start);
        let plan = match result {
            Ok((plan, fresh)) => {
                send_all(fresh, self.items.clone(), self.shutdown.clone()).await;
                plan
            }
            Err(error) => self.record_failure(feed, &error, stored.as_ref()).await,
        };
        plan.next_in
    }

    /// The successful path: fetch, follow a move, parse, store new items with the next poll.
    async fn fetch_and_record(
        &self,
        feed: &mut FeedConfig,
        stored: Option<&FeedSchedule>,
    ) -> Result<(Plan, Vec<PendingItem>), PollError> {
        let store = &self.services.store;
        let fetch_url = stored
            .and_then(|s| s.fetch_url.clone())
            .unwrap_or_else(|| feed.url.clone());
        let url = feed.url.clone();
        let validators = blocking(store, move |s| s.validators(&url)).await?;
        let options = RequestOptions {
            user_agent: feed.user_agent.as_deref(),
            headers: &feed.headers,
        };
        let fetch = self
            .services
            .http
            .get_feed(&fetch_url, &validators, options);
        let response = metrics::global()
            .observe_fetch(FetchKind::Feed, fetch)
            .await?;
        metrics::global().feed_error_streak(&feed.url, 0);
        let (FeedResponse::NotModified { moved_to, .. } | FeedResponse::Body { moved_to, .. }) =
            &response;
        if let Some(to) = moved_to.clone() {
            self.follow_move(feed, &fetch_url, to).await;
        }
        let now = Utc::now();
        match response {
            FeedResponse::NotModified { hints, .. } => {
                let url = feed.url.clone();
                let dates =
                    blocking(store, move |s| s.recent_entry_dates(&url, RATE_SAMPLE)).await?;
                let interval = self.schedule.interval(feed.interval, &dates);
                let asked = stored.and_then(|s| s.publisher_interval);
                let plan =
                    self.schedule
                        .after_success(interval, &[hints.max_age, asked], fastrand::f64());
                let (url, next) = (feed.url.clone(), next_at(now, &plan));
                blocking(store, move |s| s.record_not_modified(&url, now, next)).await?;
                self.report
                    .feeds_not_modified
                    .fetch_add(1, Ordering::Relaxed);
                debug!(feed = %feed.url, next_in = ?plan.next_in, "feed not modified");
                Ok((plan, Vec::new()))
            }
            FeedResponse::Body {
                bytes,
                content_type,
                validators,
                hints,
                url: base,
                ..
            } => {
                let parsed = tokio::task::spawn_blocking(move || {
                    parse_feed_with(&bytes, content_type.as_deref(), &base)
                })
                .await
                .map_err(|e| FetchError::Parse(format!("parser task failed: {e}")))??;
                let dates: Vec<DateTime<Utc>> =
                    parsed.items.iter().filter_map(|i| i.published).collect();
                let interval = self.schedule.interval(feed.interval, &dates);
                let asked = parsed.min_interval;
                let plan =
                    self.schedule
                        .after_success(interval, &[hints.max_age, asked], fastrand::f64());
                let (url, source, next) =
                    (feed.url.clone(), feed.name.clone(), next_at(now, &plan));
                let fresh = blocking(store, move |s| {
                    let poll = Poll {
                        validators: &validators,
                        items: &parsed.items,
                        now,
                        next_poll_at: next,
                        publisher_interval: asked,
                    };
                    s.record_poll(&url, &source, &poll)
                })
                .await?;
                self.report.feeds_ok.fetch_add(1, Ordering::Relaxed);
                info!(feed = %feed.url, new_items = fresh.len(), next_in = ?plan.next_in, "feed polled");
                Ok((plan, fresh))
            }
        }
    }

    /// Records a failed poll and plans the retry.
    async fn record_failure(
        &self,
        feed: &FeedConfig,
        error: &PollError,
        stored: Option<&FeedSchedule>,
    ) -> Plan {
        self.report.feeds_failed.fetch_add(1, Ordering::Relaxed);
        let store = &self.services.store;
        let (url, message, now) = (feed.url.clone(), error.to_string(), Utc::now());
        let streak = blocking(store, move |s| s.record_failure(&url, &message, now))
            .await
            .unwrap_or_else(|e| {
                warn!(feed = %feed.url, error = %e, "cannot record feed failure");
                stored.map_or(1, |s| s.error_streak + 1)
            });
        metrics::global().feed_error_streak(&feed.url, streak);
        let interval = self.schedule.interval(feed.interval, &[]);
        let plan = match error {
            PollError::Fetch(fetch) => {
                self.schedule
                    .after_failure(fetch, streak, interval, fastrand::f64())
            }
            PollError::Store(_) => {
                self.schedule
                    .after_failure(&FetchError::Timeout, streak, interval, fastrand::f64())
            }
        };
        warn!(feed = %feed.url, %error, streak, state = plan.state.as_str(), retry_in = ?plan.next_in, "feed fetch failed");
        let (url, next) = (feed.url.clone(), next_at(now, &plan));
        if let Err(e) = blocking(store, move |s| s.schedule_feed(&url, plan.state, next)).await {
            warn!(feed = %feed.url, error = %e, "cannot record feed schedule");
        }
        plan
    }

    /// The feed answered from `to` after permanent redirects only: write the new address to the
    /// feed list and move the feed's history to it; if the list cannot be written (read-only
    /// config), keep the old name and fetch from the new address.
    async fn follow_move(&self, feed: &mut FeedConfig, fetched: &str, to: String) {
        if to == fetched {
            return;
        }
        let store = &self.services.store;
        let rewritten = {
            let _guard = self.feeds_file_lock.lock().await;
            config::replace_feed_url(&self.feeds_file, &feed.url, &to)
        };
        let (from, moved) = (feed.url.clone(), to.clone());
        let result = match rewritten {
            Ok(()) => {
                info!(feed = %from, to = %to, "feed moved permanently, feed list updated");
                feed.url = to;
                blocking(store, move |s| s.rename_feed(&from, &moved)).await
            }
            Err(error) => {
                warn!(feed = %from, to = %to, %error, "feed moved permanently, but the feed list cannot be updated; fetching from the new address");
                blocking(store, move |s| s.set_fetch_url(&from, Some(&moved))).await
            }
        };
        if let Err(error) = result {
            warn!(feed = %feed.url, %error, "cannot record the move of a feed");
        }
    }
}

fn next_at(now: DateTime<Utc>, plan: &Plan) -> Option<DateTime<Utc>> {
    plan.next_in
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| now + d)
}

/// Time from now until `at` (zero if past).
fn until(at: DateTime<Utc>) -> Duration {
    (at - Utc::now()).to_std().unwrap_or_default()
}
