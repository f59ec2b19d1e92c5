//! `GET /api/v1/search?q=…&limit=…`: ranked hits as JSON.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState, count};
use crate::index::IndexError;
use crate::model::SearchHit;

/// Hits per page when the request names no limit.
const DEFAULT_LIMIT: usize = 20;
/// Largest page a request may ask for.
const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct SearchResponse {
    query: String,
    hits: Vec<SearchHit>,
}

pub(super) async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let query = params
        .q
        .ok_or_else(|| ApiError::bad_request("missing parameter `q`"))?;
    let limit = count(params.limit.as_deref(), "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let (index, store) = (state.index.clone(), state.store.clone());
    let q = query.clone();
    let hits = tokio::task::spawn_blocking(move || {
        let hits = index.search(&q, limit).map_err(|e| match e {
            IndexError::Query(message) => ApiError::bad_request(message),
            other => ApiError::internal(other),
        })?;
        store.with_hit_copies(hits).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(SearchResponse { query, hits }))
}
