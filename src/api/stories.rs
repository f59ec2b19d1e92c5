//! Stories and articles: `GET /api/v1/stories?since=…&min_sources=…&limit=…`,
//! `GET /api/v1/stories/{id}`, `GET /api/v1/articles/{id}` (with why it is in its story).

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState, count, with_store};
use crate::model::{Article, ArticleSource, Story, TextSource};
use crate::since::parse_since;
use crate::store::Placed;

/// Stories listed when the request names no limit, and the most it may ask for.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 200;

#[derive(Debug, Deserialize)]
pub(super) struct StoriesParams {
    since: Option<String>,
    min_sources: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct StoriesResponse {
    since: DateTime<Utc>,
    stories: Vec<Story>,
}

/// An article as the API shows it.
#[derive(Debug, Serialize)]
pub(super) struct ArticleView {
    id: i64,
    title: String,
    url: String,
    source: String,
    feed_url: String,
    author: Option<String>,
    published: Option<DateTime<Utc>>,
    lang: Option<String>,
    text_source: TextSource,
    story_id: Option<i64>,
    /// Other outlets' copies of it.
    copies: Vec<ArticleSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    /// Sanitized HTML of the content, for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
}

impl ArticleView {
    fn new(article: Article, with_text: bool) -> Self {
        ArticleView {
            id: article.id,
            title: article.title,
            url: article.url,
            source: article.source,
            feed_url: article.feed_url,
            author: article.author,
            published: article.published,
            lang: article.lang,
            text_source: article.text_source,
            story_id: article.story_id,
            copies: article.copies,
            text: with_text.then_some(article.text),
            html: with_text.then_some(article.html),
        }
    }
}

#[derive(Debug, Serialize)]
pub(super) struct StoryResponse {
    #[serde(flatten)]
    story: Story,
    articles: Vec<ArticleView>,
}

#[derive(Debug, Serialize)]
pub(super) struct ArticleResponse {
    #[serde(flatten)]
    article: ArticleView,
    /// Why it is in its story: joined (with the score) or started it.
    placement: Placed,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Query(params): Query<StoriesParams>,
) -> Result<Json<StoriesResponse>, ApiError> {
    let since = parse_since(params.since.as_deref().unwrap_or("24h"), Utc::now())
        .map_err(|e| ApiError::bad_request(format!("`since`: {e}")))?;
    let min_sources = count(params.min_sources.as_deref(), "min_sources", 1, 10_000)?;
    let limit = count(params.limit.as_deref(), "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let stories = with_store(&state, move |s| s.stories(since, min_sources, limit)).await?;
    Ok(Json(StoriesResponse { since, stories }))
}

pub(super) async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<StoryResponse>, ApiError> {
    let id = parse_id(&id, "story")?;
    let found = with_store(&state, move |s| s.story(id)).await?;
    let (story, articles) = found.ok_or_else(|| ApiError::not_found(format!("no story {id}")))?;
    Ok(Json(StoryResponse {
        story,
        articles: articles
            .into_iter()
            .map(|a| ArticleView::new(a, false))
            .collect(),
    }))
}

pub(super) async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ArticleResponse>, ApiError> {
    let id = parse_id(&id, "article")?;
    let found = with_store(&state, move |s| s.article(id)).await?;
    let (article, placement) =
        found.ok_or_else(|| ApiError::not_found(format!("no article {id}")))?;
    Ok(Json(ArticleResponse {
        article: ArticleView::new(article, true),
        placement,
    }))
}

fn parse_id(text: &str, what: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::bad_request(format!("`{text}` is not a {what} id")))
}
