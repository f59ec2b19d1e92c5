//! Fetching: the HTTP client (conditional GET, size limits) and the feed parser (feed-rs behind
//! a guard). First stage of the flow: a feed URL in, new [`FeedItem`](crate::model::FeedItem)s
//! and raw article pages out.

mod http;
mod parse;

pub use http::{FeedResponse, HttpClient, Page};
pub use parse::{ParsedFeed, parse_feed};

/// What went wrong fetching or parsing one feed or page.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("request failed: {0}")]
    Request(String),
    #[error("timed out")]
    Timeout,
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("response larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("not a feed: {0}")]
    Parse(String),
}

impl FetchError {
    /// Whether trying again later may succeed. Client errors other than 408 and 429 will not
    /// change by themselves; everything else (network, 5xx, timeouts) may.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status(code) => *code >= 500 || *code == 408 || *code == 429,
            FetchError::Request(_) | FetchError::Timeout => true,
            FetchError::TooLarge { .. } | FetchError::Parse(_) => false,
        }
    }
}

impl From<reqwest::Error> for FetchError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            return FetchError::Timeout;
        }
        // reqwest's top-level message is generic ("error sending request"); the cause says why.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
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
