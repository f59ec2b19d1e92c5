//! Operations endpoints: `/metrics` (Prometheus/OpenMetrics text) and `/readyz` (the store and
//! the index answer). `/healthz` only says the process serves HTTP.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::metrics;

/// Every metric, with the index's document count sampled now.
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let text = metrics::global().encode(state.index.num_docs());
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

/// 200 when a trivial SQLite query and an index searcher both work; 503 naming what does not.
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let (store, index) = (state.store.clone(), state.index.clone());
    let checked = tokio::task::spawn_blocking(move || {
        store
            .check()
            .map_err(|e| format!("store: {e}"))
            .and_then(|()| index.check().map_err(|e| format!("index: {e}")))
    })
    .await
    .unwrap_or_else(|e| Err(format!("readiness check failed: {e}")));
    match checked {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {reason}\n"),
            )
                .into_response()
        }
    }
}
