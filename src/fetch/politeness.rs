//! Per-host politeness, shared by feed and page fetches: at most `concurrency` requests in
//! flight to one host, and at least `gap` between the starts of two requests to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Limits per host. Uses tokio's clock, so tests can pause time.
#[derive(Debug)]
pub struct HostLimiter {
    concurrency: usize,
    gap: Duration,
    /// Hosts seen so far. A std mutex: it is held only to look up or insert an entry, never
    /// across an await.
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

#[derive(Debug)]
struct Host {
    in_flight: Arc<Semaphore>,
    /// When the next request may start. A tokio mutex: a caller holds it while it sleeps until
    /// its turn, which queues the others behind it in order.
    next_start: tokio::sync::Mutex<Instant>,
}

/// Held while a request to a host is in flight.
#[derive(Debug)]
pub struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

impl HostLimiter {
    pub fn new(concurrency: usize, gap: Duration) -> HostLimiter {
        HostLimiter {
            concurrency: concurrency.max(1),
            gap,
            hosts: Mutex::default(),
        }
    }

    /// Waits until a request to `host` may start, and returns the permit to hold while it runs.
    pub async fn acquire(&self, host: &str) -> HostPermit {
        let entry = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| {
                    Arc::new(Host {
                        in_flight: Arc::new(Semaphore::new(self.concurrency)),
                        next_start: tokio::sync::Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit = entry
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let mut next_start = entry.next_start.lock().await;
        tokio::time::sleep_until(*next_start).await;
        *next_start = Instant::now() + self.gap;
        HostPermit { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_start_a_gap_apart() {
        let limiter = Arc::new(HostLimiter::new(2, Duration::from_secs(1)));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = limiter.acquire("news.example").await;
                start.elapsed()
            }));
        }
        let mut started: Vec<Duration> = Vec::new();
        for task in tasks {
            started.push(task.await.unwrap());
        }
        started.sort();
        assert_eq!(started, [0, 1, 2].map(Duration::from_secs));
        // Another host does not wait for this one.
        let before = Instant::now();
        let _other = limiter.acquire("other.example").await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_n_requests_in_flight_per_host() {
        let limiter = HostLimiter::new(2, Duration::ZERO);
        let a = limiter.acquire("news.example").await;
        let _b = limiter.acquire("NEWS.example").await;
        let third = tokio::time::timeout(Duration::from_secs(60), limiter.acquire("news.example"));
        assert!(
            third.await.is_err(),
            "a third request must wait for a permit"
        );
        drop(a);
        let third = tokio::time::timeout(Duration::from_secs(1), limiter.acquire("news.example"));
        assert!(third.await.is_ok(), "a finished request frees its permit");
    }
}
