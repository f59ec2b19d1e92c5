//! Fetching: the HTTP client (conditional GET, size limits) and the feed parser (feed-rs behind
//! a guard). First stage of the flow: a feed URL in, new [`FeedItem`](crate::model::FeedItem)s
//! and raw article pages out.

mod dates;
mod discover;
mod entry;
#[cfg(test)]
mod golden;
mod guard;
mod hints;
mod http;
mod json;
mod parse;
mod person;
mod politeness;
mod repair;
mod root;
mod schedule;

pub use discover::{Candidate, Discovery, discover};
pub use entry::FeedFormat;
pub use guard::{Refused, Reserved};
pub use http::{CacheHints, FeedResponse, HttpClient, Page, RequestOptions};
pub use parse::{EntryDetails, ParsedFeed, parse_feed, parse_feed_with};
pub use politeness::{HostLimiter, HostPermit};
pub use schedule::{Plan, Schedule};

/// What went wrong fetching or parsing one feed or page.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("request failed: {0}")]
    Request(String),
    #[error("timed out")]
    Timeout,
    #[error("HTTP status {0}")]
    Status(u16),
    /// 410: the publisher says the feed is gone for good.
    #[error("gone (HTTP 410)")]
    Gone,
    /// 429 or 503, with the server's `Retry-After` when it sent one.
    #[error("rate limited (HTTP {status}){}", retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        status: u16,
        retry_after: Option<std::time::Duration>,
    },
    /// A bot-protection page (Cloudflare-style "Just a moment...") instead of the content.
    #[error("blocked by a bot challenge page (HTTP {status})")]
    Challenge { status: u16 },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("response larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("not a feed: {0}")]
    Parse(String),
    /// The SSRF guard: the address (resolved or literal) is loopback, private, link-local, ...
    #[error(transparent)]
    Refused(#[from] Refused),
}

impl FetchError {
    /// Whether trying again later may succeed. Client errors other than 408 and 429 will not
    /// change by themselves; everything else (network, 5xx, timeouts) may.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status(code) => *code >= 500 || *code == 408 || *code == 429,
            FetchError::Request(_)
            | FetchError::Timeout
            | FetchError::RateLimited { .. }
            | FetchError::Challenge { .. } => true,
            FetchError::Gone
            | FetchError::TooLarge { .. }
            | FetchError::TooManyRedirects(_)
            | FetchError::InvalidUrl(_)
            | FetchError::Parse(_)
            | FetchError::Refused(_) => false,
        }
    }
}

impl From<reqwest::Error> for FetchError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            return FetchError::Timeout;
        }
        // reqwest's top-level message is generic ("error sending request"); the cause says why.
        // A refusal by the guard's resolver is somewhere down the chain of causes.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<Refused>() {
                return FetchError::Refused(refused.clone());
            }
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        FetchError::Request(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_the_ones_that_may_heal() {
        assert!(FetchError::Status(503).is_transient());
        assert!(FetchError::Status(429).is_transient());
        assert!(FetchError::Timeout.is_transient());
        assert!(!FetchError::Status(404).is_transient());
        assert!(!FetchError::Parse("x".into()).is_transient());
    }
}
