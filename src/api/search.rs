//! `GET /api/v1/search?q=…&limit=…`: ranked hits as JSON.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
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
    let limit = match params.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n @ 1..=MAX_LIMIT) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "`limit` must be a number from 1 to {MAX_LIMIT}, not `{text}`"
                )));
            }
        },
    };
    let index = state.index.clone();
    let q = query.clone();
    let hits = tokio::task::spawn_blocking(move || index.search(&q, limit))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            IndexError::Query(message) => ApiError::bad_request(message),
            other => ApiError::internal(other),
        })?;
    Ok(Json(SearchResponse { query, hits }))
}
