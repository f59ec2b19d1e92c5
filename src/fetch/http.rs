//! The HTTP client shared by feed and page fetches: one connection pool, a user agent,
//! timeouts, a redirect limit, conditional GET for feeds and a hard cap on body size.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

use super::FetchError;
use crate::config::FetchConfig;
use crate::model::Validators;

/// The answer to a conditional feed request.
#[derive(Debug)]
pub enum FeedResponse {
    /// 304: nothing changed since the validators were issued.
    NotModified,
    Body {
        bytes: Vec<u8>,
        content_type: Option<String>,
        validators: Validators,
    },
}

/// A fetched article page.
#[derive(Debug)]
pub struct Page {
    /// The URL after redirects.
    pub url: String,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

/// Cheap to clone: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    max_feed_bytes: u64,
    max_page_bytes: u64,
}

impl HttpClient {
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(&config.user_agent)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(std::time::Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
            .build()?;
        Ok(HttpClient {
            client,
            max_feed_bytes: config.max_feed_bytes,
            max_page_bytes: config.max_page_bytes,
        })
    }

    /// GETs a feed, sending `If-None-Match` / `If-Modified-Since` from `validators`.
    pub async fn get_feed(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FeedResponse, FetchError> {
        let mut request = self.client.get(url).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8",
        );
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let response = request.send().await?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(FeedResponse::NotModified);
        }
        let response = check_status(response)?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let content_type = header(CONTENT_TYPE);
        let bytes = read_limited(response, self.max_feed_bytes).await?;
        Ok(FeedResponse::Body {
            bytes,
            content_type,
            validators,
        })
    }

    /// GETs an article page.
    pub async fn get_page(&self, url: &str) -> Result<Page, FetchError> {
        let response = self
            .client
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            )
            .send()
            .await?;
        let response = check_status(response)?;
        let url = response.url().to_string();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_limited(response, self.max_page_bytes).await?;
        Ok(Page {
            url,
            bytes,
            content_type,
        })
    }
}

fn check_status(response: reqwest::Response) -> Result<reqwest::Response, FetchError> {
    let status = response.status();
    if status.is_success() {
        Ok(response)
    } else {
        Err(FetchError::Status(status.as_u16()))
    }
}

/// Reads the body, failing as soon as it passes `limit` bytes (the declared length is not
/// trusted: a server may lie or send no length at all).
async fn read_limited(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(FetchError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
