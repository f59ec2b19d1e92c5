//! The HTTP API and the search page: health, search, stories, articles, search feeds. Serves what the index and the store hold;
//! the one writer is the feed list (`admin`), behind a bearer token.

mod admin;
mod feeds;
mod ops;
mod search;
mod stories;
mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;

use crate::index::SearchIndex;
use crate::store::{Store, StoreError};
pub use admin::Admin;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub index: SearchIndex,
    pub store: Arc<Store>,
    /// The feed list and the token of the state-changing endpoints.
    pub admin: Admin,
}

/// The API's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/assets/app.js", get(web::script))
        .route("/assets/style.css", get(web::style))
        .route("/healthz", get(healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/v1/search", get(search::search))
        .route("/feeds/search.atom", get(feeds::atom))
        .route("/feeds/search.json", get(feeds::json_feed))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/stories", get(stories::list))
        .route("/api/v1/stories/{id}", get(stories::one))
        .route("/api/v1/articles/{id}", get(stories::article))
        .route(
            "/api/v1/feeds",
            get(admin::list)
                .post(admin::add)
                .put(admin::replace)
                .delete(admin::remove),
        )
        .with_state(state)
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Serves the API on an already-bound `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// The OpenAPI 3.1 description of every route.
const OPENAPI: &str = include_str!("assets/openapi.json");

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// A count parameter in `1..=max`, `default` when absent or empty.
pub(crate) fn count(
    value: Option<&str>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match value {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "`{name}` must be a number from 1 to {max}, not `{text}`"
            ))),
        },
    }
}

/// Runs a store call on the blocking pool; its failures answer 500.
pub(crate) async fn with_store<T: Send + 'static>(
    state: &AppState,
    call: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// An error answered as `{"error": "..."}` with its status.
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    pub(crate) fn internal(message: impl std::fmt::Display) -> Self {
        tracing::error!(error = %message, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}
