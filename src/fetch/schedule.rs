//! When to poll a feed next: an adaptive interval from the feed's own rate of new entries,
//! bounded by config and by what the publisher asks (`<ttl>`, `sy:updatePeriod`,
//! `Cache-Control: max-age`), exponential backoff with jitter on errors, `Retry-After` on 429/503,
//! and no more polls after 410 Gone. Pure functions of their inputs, so they are easy to test.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::FetchError;
use crate::config::FetchConfig;
use crate::model::FeedState;

/// Entries looked at to estimate a feed's rate.
const RATE_WINDOW: usize = 20;
/// Shortest wait after a `Retry-After: 0` or a past date.
const MIN_RETRY: Duration = Duration::from_secs(1);

/// The scheduling bounds, from `[fetch]`.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub default_interval: Duration,
    pub min_interval: Duration,
    pub max_interval: Duration,
    pub max_backoff: Duration,
}

/// What to do after a poll: the feed's state and when to poll again (`None`: never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub state: FeedState,
    pub next_in: Option<Duration>,
}

impl Schedule {
    pub fn from_config(config: &FetchConfig) -> Schedule {
        Schedule {
            default_interval: config.default_interval,
            min_interval: config.min_interval,
            max_interval: config.max_interval,
            max_backoff: config.max_backoff,
        }
    }

    /// The regular interval of a feed: `fixed` when the feed list sets one, else the mean gap
    /// between its recent entries (within `[min_interval, max_interval]`), else the default.
    pub fn interval(&self, fixed: Option<Duration>, entry_dates: &[DateTime<Utc>]) -> Duration {
        if let Some(fixed) = fixed {
            return fixed;
        }
        let mut dates = entry_dates.to_vec();
        dates.sort_unstable_by(|a, b| b.cmp(a));
        dates.truncate(RATE_WINDOW);
        let interval = match (dates.first(), dates.last()) {
            (Some(newest), Some(oldest)) if dates.len() >= 2 => {
                let span = (*newest - *oldest).to_std().unwrap_or_default();
                span / (dates.len() as u32 - 1)
            }
            _ => self.default_interval,
        };
        interval.clamp(self.min_interval, self.max_interval)
    }

    /// After a poll that succeeded (200 or 304): the feed's interval, never shorter than what
    /// the publisher asked for (`hints`), never longer than `max_backoff`, with ±10% jitter so
    /// feeds do not fire in lockstep. `jitter` is uniform in `[0, 1)`.
    pub fn after_success(
        &self,
        interval: Duration,
        hints: &[Option<Duration>],
        jitter: f64,
    ) -> Plan {
        let asked = hints.iter().flatten().max().copied().unwrap_or_default();
        let base = interval.max(asked).min(self.max_backoff);
        Plan {
            state: FeedState::Ok,
            next_in: Some(base.mul_f64(0.9 + 0.2 * jitter)),
        }
    }

    /// After a failed poll, the `streak`-th in a row (1 for the first): 410 stops polling;
    /// 429/503 wait as long as `Retry-After` says (at most `max_backoff`); anything else backs
    /// off exponentially from `interval`, up to `max_backoff`, with jitter in `[50%, 100%]`.
    pub fn after_failure(
        &self,
        error: &FetchError,
        streak: u32,
        interval: Duration,
        jitter: f64,
    ) -> Plan {
        let backoff = || {
            let doubled = interval.saturating_mul(1 << streak.saturating_sub(1).min(20));
            doubled.min(self.max_backoff).mul_f64(0.5 + 0.5 * jitter)
        };
        let (state, next_in) = match error {
            FetchError::Gone => (FeedState::Dead, None),
            FetchError::RateLimited {
                retry_after: Some(after),
                ..
            } => (
                FeedState::RateLimited,
                Some((*after).clamp(MIN_RETRY, self.max_backoff)),
            ),
            FetchError::RateLimited {
                retry_after: None, ..
            } => (FeedState::RateLimited, Some(backoff())),
            FetchError::Challenge { .. } => (FeedState::Challenged, Some(backoff())),
            _ => (FeedState::BackingOff, Some(backoff())),
        };
        Plan { state, next_in }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn schedule() -> Schedule {
        Schedule {
            default_interval: MIN * 15,
            min_interval: MIN * 5,
            max_interval: MIN * 360,
            max_backoff: MIN * 60 * 24,
        }
    }

    fn dates(gaps_minutes: &[i64]) -> Vec<DateTime<Utc>> {
        let start = DateTime::from_timestamp(1_750_000_000, 0).unwrap();
        gaps_minutes
            .iter()
            .map(|m| start + chrono::Duration::minutes(*m))
            .collect()
    }

    #[test]
    fn interval_follows_the_entry_rate_within_bounds() {
        let s = schedule();
        assert_eq!(s.interval(None, &dates(&[0, 60, 120, 180])), MIN * 60);
        assert_eq!(
            s.interval(None, &dates(&[0, 1, 2])),
            MIN * 5,
            "bounded below"
        );
        assert_eq!(
            s.interval(None, &dates(&[0, 60 * 24 * 7])),
            MIN * 360,
            "bounded above"
        );
        assert_eq!(
            s.interval(None, &dates(&[0])),
            MIN * 15,
            "too few dates: default"
        );
        assert_eq!(
            s.interval(Some(MIN * 2), &dates(&[0, 60])),
            MIN * 2,
            "fixed wins"
        );
    }

    #[test]
    fn publisher_hints_are_a_lower_bound_and_jitter_spreads_polls() {
        let s = schedule();
        let plan = s.after_success(MIN * 15, &[Some(MIN * 60), None], 0.5);
        assert_eq!(
            plan,
            Plan {
                state: FeedState::Ok,
                next_in: Some(MIN * 60)
            }
        );
        let early = s.after_success(MIN * 15, &[], 0.0).next_in.unwrap();
        let late = s.after_success(MIN * 15, &[], 0.999).next_in.unwrap();
        assert!(
            early >= MIN * 13 && late <= MIN * 17 && early < late,
            "{early:?} {late:?}"
        );
        let huge_ttl = s.after_success(MIN, &[Some(MIN * 60 * 24 * 365)], 0.5);
        assert_eq!(
            huge_ttl.next_in,
            Some(MIN * 60 * 24),
            "never longer than max_backoff"
        );
    }

    #[test]
    fn errors_back_off_exponentially_up_to_the_cap_and_never_give_up() {
        let s = schedule();
        let error = FetchError::Status(500);
        let next = |streak| {
            s.after_failure(&error, streak, MIN * 15, 0.999_999)
                .next_in
                .unwrap()
        };
        assert!(next(1) <= MIN * 15 && next(1) > MIN * 14);
        assert!(next(2) > MIN * 29 && next(3) > MIN * 59);
        assert!(next(30) <= MIN * 60 * 24 && next(30) > MIN * 60 * 23);
        let low = s.after_failure(&error, 3, MIN * 15, 0.0).next_in.unwrap();
        assert_eq!(low, MIN * 30, "jitter keeps at least half the backoff");
        assert_eq!(
            s.after_failure(&error, 1, MIN, 0.0).state,
            FeedState::BackingOff
        );
    }

    #[test]
    fn retry_after_is_honoured_and_gone_stops() {
        let s = schedule();
        let limited = FetchError::RateLimited {
            status: 429,
            retry_after: Some(MIN * 42),
        };
        assert_eq!(
            s.after_failure(&limited, 5, MIN * 15, 0.3),
            Plan {
                state: FeedState::RateLimited,
                next_in: Some(MIN * 42)
            }
        );
        let now = FetchError::RateLimited {
            status: 503,
            retry_after: Some(Duration::ZERO),
        };
        assert_eq!(
            s.after_failure(&now, 1, MIN, 0.3).next_in,
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            s.after_failure(&FetchError::Gone, 1, MIN, 0.3),
            Plan {
                state: FeedState::Dead,
                next_in: None
            }
        );
        let challenge = FetchError::Challenge { status: 403 };
        assert_eq!(
            s.after_failure(&challenge, 1, MIN, 0.3).state,
            FeedState::Challenged
        );
    }
}
