//! The feed list over HTTP: `GET /api/v1/feeds` (the feeds polled, with their state), and the
//! state-changing `POST` (add), `PUT` (replace one feed's settings) and `DELETE ?url=` (remove).
//! Edits go to the feeds file (comments kept) and apply at once through the pipeline's
//! [`FeedControl`]. Every state-changing endpoint takes an [`Authorized`] first: the configured
//! bearer token, compared in constant time.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ApiError, AppState, with_store};
use crate::config::{ApiToken, FeedConfig, FeedEntry};
use crate::model::FeedState;
use crate::pipeline::{Edit, EditError, FeedControl};
use crate::store::FeedStats;

/// What the admin endpoints need: the running feed list and the token.
#[derive(Clone, Default)]
pub struct Admin {
    /// `None` when no pipeline runs in this process.
    pub feeds: Option<FeedControl>,
    pub token: Option<ApiToken>,
}

/// Proof that a request carried the configured bearer token.
pub(super) struct Authorized;

impl FromRequestParts<AppState> for Authorized {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        authorize(state.admin.token.as_ref(), parts.headers.get(AUTHORIZATION))
    }
}

/// A request without the token: 403 when none is configured, else 401 with the challenge.
pub(super) struct Refused(ApiError);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let challenge = self.0.status == StatusCode::UNAUTHORIZED;
        let mut response = self.0.into_response();
        if challenge {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn authorize(
    token: Option<&ApiToken>,
    header: Option<&HeaderValue>,
) -> Result<Authorized, Refused> {
    let Some(token) = token else {
        let message = "state-changing endpoints are disabled: set api_token or NEWSD_API_TOKEN";
        return Err(Refused(error(StatusCode::FORBIDDEN, message)));
    };
    let given = header
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given.trim());
    // Digests first: equal lengths, so the comparison's time says nothing about the token.
    let matches = given.is_some_and(|given| {
        let (given, wanted) = (Sha256::digest(given), Sha256::digest(token.as_bytes()));
        bool::from(given.as_slice().ct_eq(wanted.as_slice()))
    });
    if matches {
        return Ok(Authorized);
    }
    let message = match given {
        None => "this endpoint needs `Authorization: Bearer <token>`",
        Some(_) => "wrong bearer token",
    };
    Err(Refused(error(StatusCode::UNAUTHORIZED, message)))
}

fn error(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        message: message.into(),
    }
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Invalid(_) => error(StatusCode::BAD_REQUEST, e.to_string()),
            EditError::Listed(_) | EditError::ListBroken(_) => {
                error(StatusCode::CONFLICT, e.to_string())
            }
            EditError::NotListed(_) => error(StatusCode::NOT_FOUND, e.to_string()),
            EditError::Stopped => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            EditError::Failed(_) => ApiError::internal(e),
        }
    }
}

fn control(state: &AppState) -> Result<&FeedControl, ApiError> {
    state.admin.feeds.as_ref().ok_or_else(|| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the feed list is managed by `newsd run`",
        )
    })
}

/// A feed as `POST` and `PUT` take it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedBody {
    url: String,
    name: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    /// `"10m"`, `"1h 30m"`: a fixed poll interval, at least a minute.
    interval: Option<String>,
    user_agent: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

impl FeedBody {
    fn parse(body: &[u8]) -> Result<FeedEntry, ApiError> {
        let body: FeedBody = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("bad feed JSON: {e}")))?;
        let interval = body
            .interval
            .as_deref()
            .map(|text| {
                humantime::parse_duration(text).map_err(|e| {
                    ApiError::bad_request(format!("`interval` is not a duration (`{text}`): {e}"))
                })
            })
            .transpose()?;
        for (name, value) in &body.headers {
            if HeaderName::try_from(name.as_str()).is_err()
                || HeaderValue::try_from(value.as_str()).is_err()
            {
                return Err(ApiError::bad_request(format!(
                    "`headers`: `{name}` is not a valid HTTP header"
                )));
            }
        }
        Ok(FeedEntry {
            url: body.url,
            name: body.name,
            tags: body.tags,
            interval,
            user_agent: body.user_agent,
            headers: body.headers,
        })
    }
}

/// A feed as the API shows it. Header values are left out: they may hold API keys.
#[derive(Debug, Serialize)]
pub(super) struct FeedView {
    url: String,
    name: String,
    tags: Vec<String>,
    interval: Option<String>,
    user_agent: Option<String>,
    /// The names of the extra request headers.
    headers: Vec<String>,
    state: &'static str,
    last_success_at: Option<DateTime<Utc>>,
    next_poll_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    error_streak: u32,
    entries_seen: u64,
    articles: u64,
}

impl FeedView {
    fn new(feed: FeedConfig, stats: Option<&FeedStats>) -> Self {
        FeedView {
            interval: feed
                .interval
                .map(|i| humantime::format_duration(i).to_string()),
            headers: feed.headers.into_iter().map(|(name, _)| name).collect(),
            state: stats.map_or(FeedState::New, |s| s.state).as_str(),
            last_success_at: stats.and_then(|s| s.last_success_at),
            next_poll_at: stats.and_then(|s| s.next_poll_at),
            last_error: stats.and_then(|s| s.last_error.clone()),
            error_streak: stats.map_or(0, |s| s.error_streak),
            entries_seen: stats.map_or(0, |s| s.entries_seen),
            articles: stats.map_or(0, |s| s.articles),
            url: feed.url,
            name: feed.name,
            tags: feed.tags,
            user_agent: feed.user_agent,
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct FeedList {
    feeds: Vec<FeedView>,
}

/// `GET /api/v1/feeds`: the feeds being polled, in list order, with what the store knows.
pub(super) async fn list(State(state): State<AppState>) -> Result<Json<FeedList>, ApiError> {
    let feeds = control(&state)?.list().await?;
    let stats = with_store(&state, |s| s.feed_stats()).await?;
    let feeds = feeds
        .into_iter()
        .map(|feed| {
            let stat = stats.iter().find(|s| s.url == feed.url);
            FeedView::new(feed, stat)
        })
        .collect();
    Ok(Json(FeedList { feeds }))
}

/// `POST /api/v1/feeds`: adds a feed; 201 with it, 409 when it is listed already.
pub(super) async fn add(
    _: Authorized,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<FeedView>), ApiError> {
    let entry = FeedBody::parse(&body)?;
    let feed = control(&state)?.edit(Edit::Add(entry)).await?;
    Ok((StatusCode::CREATED, Json(FeedView::new(feed, None))))
}

/// `PUT /api/v1/feeds`: replaces every setting of the listed feed with the body's `url`.
pub(super) async fn replace(
    _: Authorized,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<FeedView>, ApiError> {
    let entry = FeedBody::parse(&body)?;
    let feed = control(&state)?.edit(Edit::Replace(entry)).await?;
    Ok(Json(FeedView::new(feed, None)))
}

#[derive(Debug, Deserialize)]
pub(super) struct RemoveParams {
    url: Option<String>,
}

/// `DELETE /api/v1/feeds?url=…`: stops polling a feed and removes it from the list; its
/// articles stay.
pub(super) async fn remove(
    _: Authorized,
    State(state): State<AppState>,
    Query(params): Query<RemoveParams>,
) -> Result<StatusCode, ApiError> {
    let url = params
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("`url` is required"))?;
    control(&state)?.edit(Edit::Remove(url)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> ApiToken {
        ApiToken::new("s3cret")
    }

    #[test]
    fn bearer_token_is_checked() {
        let header = |v: &'static str| HeaderValue::from_static(v);
        let status = |r: Result<Authorized, Refused>| r.err().map(|r| r.into_response().status());
        assert_eq!(
            status(authorize(None, Some(&header("Bearer s3cret")))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(authorize(Some(&token()), None)),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(authorize(Some(&token()), Some(&header("Bearer s3cre")))),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(authorize(Some(&token()), Some(&header("Basic s3cret")))),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            status(authorize(Some(&token()), Some(&header("bearer s3cret")))),
            None
        );
    }

    #[test]
    fn bad_bodies_are_named() {
        let message = |body: &str| match FeedBody::parse(body.as_bytes()) {
            Ok(_) => String::new(),
            Err(e) => e.message,
        };
        assert!(message(r#"{"url":"https://a/","colour":1}"#).contains("colour"));
        assert!(message(r#"{"url":"https://a/","interval":"soon"}"#).contains("interval"));
        assert!(message(r#"{"url":"https://a/","headers":{"a b":"c"}}"#).contains("a b"));
        assert_eq!(message(r#"{"url":"https://a/","interval":"5m"}"#), "");
    }
}
