//! The HTTP client shared by feed and page fetches: one connection pool, per-host politeness,
//! timeouts, redirects followed by hand (so a permanent move of a feed is noticed), conditional
//! GET for feeds, `Retry-After`, bot-challenge pages, a hard cap on the decompressed body, and
//! the SSRF guard on every hop ([`guard`](super::guard)).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, RETRY_AFTER, SERVER, USER_AGENT,
};
use reqwest::{RequestBuilder, Response, StatusCode};
use url::Url;

use super::FetchError;
use super::guard::{AddressGuard, GuardedResolver};
use super::politeness::{HostLimiter, HostPermit};
use crate::config::FetchConfig;
use crate::model::Validators;

/// How much of an error or HTML response is read to recognise a challenge page.
const CHALLENGE_SNIFF_BYTES: u64 = 64 * 1024;

const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
                           application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";
const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

/// Per-feed request settings from the feed list.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestOptions<'a> {
    /// Replaces the global User-Agent.
    pub user_agent: Option<&'a str>,
    pub headers: &'a [(String, String)],
}

/// What the server said about how often to ask again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheHints {
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
}

/// The answer to a conditional feed request.
#[derive(Debug)]
pub enum FeedResponse {
    /// 304: nothing changed since the validators were issued.
    NotModified {
        hints: CacheHints,
        /// The feed's new address, when every redirect on the way was permanent (301/308).
        moved_to: Option<String>,
    },
    Body {
        /// The URL the feed was read from, after redirects: the base of its relative links.
        url: String,
        bytes: Vec<u8>,
        content_type: Option<String>,
        validators: Validators,
        hints: CacheHints,
        moved_to: Option<String>,
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

/// Cheap to clone: clones share the connection pool and the per-host limits.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    limiter: Arc<HostLimiter>,
    /// Checks literal-IP URLs; names are checked by the client's resolver with the same list.
    guard: AddressGuard,
    max_feed_bytes: u64,
    max_page_bytes: u64,
    max_redirects: usize,
}

/// A response, the permit of its host (held until the body is read) and where it came from.
struct Fetched {
    response: Response,
    _permit: HostPermit,
    url: Url,
    moved_to: Option<String>,
}

impl HttpClient {
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        let guard = AddressGuard::new(&config.allow_addresses);
        let client = reqwest::Client::builder()
            .dns_resolver(GuardedResolver::new(guard.clone()))
            .user_agent(&config.user_agent)
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout.min(config.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(HttpClient {
            client,
            limiter: Arc::new(HostLimiter::new(
                config.per_host_concurrency,
                config.per_host_gap,
            )),
            guard,
            max_feed_bytes: config.max_feed_bytes,
            max_page_bytes: config.max_page_bytes,
            max_redirects: config.max_redirects,
        })
    }

    /// GETs a feed, sending `If-None-Match` / `If-Modified-Since` from `validators`.
    pub async fn get_feed(
        &self,
        url: &str,
        validators: &Validators,
        options: RequestOptions<'_>,
    ) -> Result<FeedResponse, FetchError> {
        let fetched = self
            .get(url, |request| {
                let mut request = request.header(reqwest::header::ACCEPT, FEED_ACCEPT);
                if let Some(agent) = options.user_agent {
                    request = request.header(USER_AGENT, agent);
                }
                for (name, value) in options.headers {
                    request = request.header(name.as_str(), value.as_str());
                }
                if let Some(etag) = &validators.etag {
                    request = request.header(IF_NONE_MATCH, etag);
                }
                if let Some(date) = &validators.last_modified {
                    request = request.header(IF_MODIFIED_SINCE, date);
                }
                request
            })
            .await?;
        let headers = fetched.response.headers();
        let hints = CacheHints {
            max_age: max_age(headers),
        };
        if fetched.response.status() == StatusCode::NOT_MODIFIED {
            return Ok(FeedResponse::NotModified {
                hints,
                moved_to: fetched.moved_to,
            });
        }
        let validators = Validators {
            etag: header(headers, ETAG),
            last_modified: header(headers, LAST_MODIFIED),
        };
        let content_type = header(headers, CONTENT_TYPE);
        let moved_to = fetched.moved_to.clone();
        let url = fetched.url.to_string();
        let bytes = read_checked(fetched, self.max_feed_bytes).await?;
        Ok(FeedResponse::Body {
            url,
            bytes,
            content_type,
            validators,
            hints,
            moved_to,
        })
    }

    /// GETs an article page.
    pub async fn get_page(&self, url: &str) -> Result<Page, FetchError> {
        let fetched = self
            .get(url, |r| r.header(reqwest::header::ACCEPT, PAGE_ACCEPT))
            .await?;
        let url = fetched.url.to_string();
        let content_type = header(fetched.response.headers(), CONTENT_TYPE);
        let bytes = read_checked(fetched, self.max_page_bytes).await?;
        Ok(Page {
            url,
            bytes,
            content_type,
        })
    }

    /// Sends a GET built by `build`, following up to `max_redirects` redirects, each request
    /// checked by the guard and waiting for its host's turn.
    async fn get(
        &self,
        url: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Fetched, FetchError> {
        let mut url = Url::parse(url).map_err(|e| FetchError::InvalidUrl(format!("{url}: {e}")))?;
        let mut all_permanent = true;
        for hop in 0..=self.max_redirects {
            // reqwest does not ask the resolver about a literal address: check it here.
            match url.host() {
                Some(url::Host::Ipv4(ip)) => self.guard.check(ip.into())?,
                Some(url::Host::Ipv6(ip)) => self.guard.check(ip.into())?,
                Some(url::Host::Domain(_)) | None => {}
            }
            let host = url.host_str().unwrap_or_default().to_owned();
            let permit = self.limiter.acquire(&host).await;
            let response = build(self.client.get(url.clone())).send().await?;
            let status = response.status();
            let location = header(response.headers(), LOCATION);
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let Some(location) = location else {
                    return Err(FetchError::Status(status.as_u16()));
                };
                url = url
                    .join(&location)
                    .map_err(|e| FetchError::InvalidUrl(format!("redirect to {location}: {e}")))?;
                all_permanent &= matches!(status.as_u16(), 301 | 308);
                continue;
            }
            let moved_to = (hop > 0 && all_permanent).then(|| url.to_string());
            return Ok(Fetched {
                response,
                _permit: permit,
                url,
                moved_to,
            });
        }
        Err(FetchError::TooManyRedirects(self.max_redirects))
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// `max-age` of a `Cache-Control` header.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, CACHE_CONTROL)?;
    value.split(',').find_map(|directive| {
        let (name, secs) = directive.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("max-age"))
            .then(|| secs.trim().trim_matches('"').parse().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

/// `Retry-After` as a delay from `now`: delta-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = header(headers, RETRY_AFTER)?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(&value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// Reads the body of a successful response, or turns an unsuccessful one into its error.
/// HTML is sniffed for a bot-challenge page, which is not the content either.
async fn read_checked(fetched: Fetched, limit: u64) -> Result<Vec<u8>, FetchError> {
    let status = fetched.response.status();
    let headers = fetched.response.headers().clone();
    if status.is_success() {
        let html = header(&headers, CONTENT_TYPE).is_some_and(|t| t.contains("html"));
        let body = read_limited(fetched.response, limit).await?;
        if html
            && is_challenge(
                &headers,
                &body[..body.len().min(CHALLENGE_SNIFF_BYTES as usize)],
            )
        {
            return Err(FetchError::Challenge {
                status: status.as_u16(),
            });
        }
        return Ok(body);
    }
    let code = status.as_u16();
    let sniffed = read_limited(fetched.response, CHALLENGE_SNIFF_BYTES)
        .await
        .unwrap_or_default();
    if is_challenge(&headers, &sniffed) {
        return Err(FetchError::Challenge { status: code });
    }
    Err(match code {
        410 => FetchError::Gone,
        429 | 503 => FetchError::RateLimited {
            status: code,
            retry_after: retry_after(&headers, SystemTime::now()),
        },
        _ => FetchError::Status(code),
    })
}

/// Whether a response is a bot-protection interstitial (Cloudflare, and pages shaped like it).
fn is_challenge(headers: &HeaderMap, body: &[u8]) -> bool {
    if header(headers, "cf-mitigated".parse().expect("valid header name"))
        .is_some_and(|v| v.eq_ignore_ascii_case("challenge"))
    {
        return true;
    }
    let body = String::from_utf8_lossy(body);
    let cloudflare =
        header(headers, SERVER).is_some_and(|s| s.to_ascii_lowercase().contains("cloudflare"));
    let markers = [
        "/cdn-cgi/challenge-platform/",
        "cf-browser-verification",
        "<title>Just a moment...</title>",
        "<title>Attention Required! | Cloudflare</title>",
        "_Incapsula_Resource",
        "<title>DDoS-Guard</title>",
    ];
    markers.iter().any(|m| body.contains(m)) || (cloudflare && body.contains("challenge"))
}

/// Reads the body, failing as soon as it passes `limit` bytes after decompression (the
/// declared length is not trusted: a server may lie, send none, or send a gzip bomb).
async fn read_limited(mut response: Response, limit: u64) -> Result<Vec<u8>, FetchError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Tue, 21 Oct 2025 07:28:00 GMT").unwrap();
        assert_eq!(
            retry_after(&headers(&[("retry-after", "120")]), now),
            Some(Duration::from_secs(120))
        );
        let date = headers(&[("retry-after", "Tue, 21 Oct 2025 08:28:00 GMT")]);
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(3600)));
        let past = headers(&[("retry-after", "Tue, 21 Oct 2025 06:00:00 GMT")]);
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
    }

    #[test]
    fn max_age_from_cache_control() {
        let h = headers(&[("cache-control", "public, max-age=600, must-revalidate")]);
        assert_eq!(max_age(&h), Some(Duration::from_secs(600)));
        assert_eq!(max_age(&headers(&[("cache-control", "no-cache")])), None);
    }

    #[tokio::test]
    async fn reserved_addresses_are_refused_before_any_connection() {
        let client = HttpClient::new(&FetchConfig::default()).unwrap();
        for url in [
            "http://127.0.0.1:9/feed.xml",
            "http://[::1]:9/",
            "http://[::ffff:10.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706433/",
            "http://localhost:9/",
        ] {
            let error = client.get_page(url).await.unwrap_err();
            assert!(matches!(error, FetchError::Refused(_)), "{url}: {error:?}");
        }
    }

    #[test]
    fn challenge_pages_are_recognised() {
        let page = b"<html><head><title>Just a moment...</title></head></html>";
        assert!(is_challenge(&HeaderMap::new(), page));
        assert!(is_challenge(
            &headers(&[("cf-mitigated", "challenge")]),
            b""
        ));
        assert!(!is_challenge(
            &headers(&[("server", "cloudflare")]),
            b"<rss></rss>"
        ));
    }
}
