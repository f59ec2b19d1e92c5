//! `GET /api/v1/search?q=…`: a page of ranked hits (one per story by default), facet counts
//! and the cursor of the next page, as JSON. Every parameter is checked: a mistake answers 400
//! with a message naming it.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;

use super::{ApiError, AppState, count};
use crate::index::{Facets, IndexError, MAX_LIMIT, SearchRequest, SearchResults};
use crate::model::SearchHit;
use crate::since::parse_since;

/// Hits per page when the request names no limit.
const DEFAULT_LIMIT: usize = 20;

#[derive(Debug, Serialize)]
pub(super) struct SearchResponse {
    query: String,
    total: usize,
    hits: Vec<SearchHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<Facets>,
    next_cursor: Option<String>,
}

/// Reads the query string into a request: `q` (required), `limit`, `cursor`, `since`,
/// `until`, `source`, `lang`, `feed`, `tag` (each repeatable), `sort`, `recency`, `collapse`,
/// `facets`. Parameters starting with `_` are ignored (cache busters).
pub(crate) fn search_request(query_string: &str) -> Result<SearchRequest, ApiError> {
    let mut request = SearchRequest {
        limit: DEFAULT_LIMIT,
        ..SearchRequest::default()
    };
    let mut q = None;
    let now = Utc::now();
    let bad = |name: &str, message: String| ApiError::bad_request(format!("`{name}`: {message}"));
    let flag = |name: &str, value: &str| match value {
        "" | "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(bad(name, format!("is true or false, not `{value}`"))),
    };
    for (name, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let value = value.into_owned();
        match name.as_ref() {
            "q" => q = Some(value),
            "limit" => request.limit = count(Some(&value), "limit", DEFAULT_LIMIT, MAX_LIMIT)?,
            "cursor" => request.cursor = Some(value),
            "since" => request.since = Some(parse_since(&value, now).map_err(|e| bad("since", e))?),
            "until" => request.until = Some(parse_since(&value, now).map_err(|e| bad("until", e))?),
            "source" => request.sources.push(value),
            "lang" => request.langs.push(value),
            "feed" => request.feeds.push(value),
            "tag" => request.tags.push(value),
            "sort" => request.sort = value.parse().map_err(|e| bad("sort", e))?,
            "collapse" => request.collapse = value.parse().map_err(|e| bad("collapse", e))?,
            "recency" => request.recency = flag("recency", &value)?,
            "facets" => request.facets = flag("facets", &value)?,
            other if other.starts_with('_') => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}`; parameters are q, limit, cursor, since, until, \
                     source, lang, feed, tag, sort, recency, collapse, facets"
                )));
            }
        }
    }
    request.query = q.ok_or_else(|| ApiError::bad_request("missing parameter `q`"))?;
    Ok(request)
}

/// Runs `request`, hits with their copies; a bad query answers 400.
///
/// A shallow search (the first [`MAX_LIMIT`] hits or stories, what nearly every request asks)
/// takes about a millisecond of CPU and runs on the runtime thread that received it: handing
/// it to the blocking pool and back cost a seventh of its CPU time (waking a pool thread,
/// parking the worker; `bench/search_cpu.py`), and the runtime's few threads keep the snippet
/// word cache warm where the pool's come and go. Deeper pages rank up to
/// [`MAX_LIMIT`]× more candidates and go to the blocking pool. The copies come from the store,
/// whose one connection a batch commit may hold for a moment: the runtime thread waits for it
/// as a pool thread would.
pub(super) async fn run(
    state: &AppState,
    request: SearchRequest,
) -> Result<SearchResults, ApiError> {
    let request_is_shallow = request.depth() <= MAX_LIMIT;
    let (index, store) = (state.index.clone(), state.store.clone());
    let search = move || {
        let mut results = index.run(&request).map_err(|e| match e {
            IndexError::Query(message) => ApiError::bad_request(message),
            other => ApiError::internal(other),
        })?;
        results.hits = store
            .with_hit_copies(results.hits)
            .map_err(ApiError::internal)?;
        Ok::<_, ApiError>(results)
    };
    if request_is_shallow {
        return search();
    }
    tokio::task::spawn_blocking(search)
        .await
        .map_err(ApiError::internal)?
}

pub(super) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = search_request(raw.as_deref().unwrap_or_default())?;
    let query = request.query.clone();
    let started = std::time::Instant::now();
    let results = run(&state, request).await?;
    crate::metrics::global().observe_search(started.elapsed());
    json(&SearchResponse {
        query,
        total: results.total,
        hits: results.hits,
        facets: results.facets,
        next_cursor: results.next_cursor,
    })
}

/// `response` as JSON, written into a buffer about the page's size: axum's `Json` starts at
/// 128 bytes and grows to a page of twenty hits (15–20 KB) through eight reallocations.
fn json(response: &SearchResponse) -> Result<Response, ApiError> {
    let text: usize = response
        .hits
        .iter()
        .map(|h| 2 * (h.title.len() + h.snippet.len()) + h.url.len())
        .sum();
    let mut body = Vec::with_capacity(1024 + text + 256 * response.hits.len());
    serde_json::to_writer(&mut body, response).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
