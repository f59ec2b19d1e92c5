//! Subscribing to a search: `GET /feeds/search.atom?q=…` (Atom 1.0) and `/feeds/search.json`
//! (JSON Feed 1.1). Newest first, one entry per story (its other outlets named in the entry),
//! so a feed reader gets each story once however many outlets cover it. Takes the parameters
//! of `/api/v1/search`.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use quick_xml::escape::escape;
use serde_json::json;

use super::search::{run, search_request};
use super::{ApiError, AppState};
use crate::index::{SearchResults, Sort};
use crate::model::SearchHit;

/// Entries in a feed when the request names no limit.
const FEED_ENTRIES: usize = 50;

/// Runs the feed's search: newest first unless the request sorts otherwise.
async fn results(state: &AppState, raw: Option<&str>) -> Result<(String, SearchResults), ApiError> {
    let raw = raw.unwrap_or_default();
    let mut request = search_request(raw)?;
    let names = || url::form_urlencoded::parse(raw.as_bytes()).map(|(n, _)| n.into_owned());
    if !names().any(|n| n == "sort") {
        request.sort = Sort::Newest;
    }
    if !names().any(|n| n == "limit") {
        request.limit = FEED_ENTRIES;
    }
    let query = request.query.clone();
    Ok((query, run(state, request).await?))
}

/// `http://HOST/PATH?QUERY` as the client addressed it.
fn self_url(headers: &HeaderMap, path: &str, raw: Option<&str>) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    match raw {
        Some(query) if !query.is_empty() => format!("http://{host}{path}?{query}"),
        _ => format!("http://{host}{path}"),
    }
}

/// The outlets besides the hit's own: copies and other articles of its story.
fn other_outlets(hit: &SearchHit) -> Vec<&str> {
    let mut outlets: Vec<&str> = hit
        .copies
        .iter()
        .map(|c| c.source.as_str())
        .chain(hit.more_sources.iter().map(String::as_str))
        .filter(|s| *s != hit.source)
        .collect();
    outlets.sort_unstable();
    outlets.dedup();
    outlets
}

fn entry_text(hit: &SearchHit) -> String {
    let others = other_outlets(hit);
    if others.is_empty() {
        hit.snippet.clone()
    } else {
        format!("{}\n\nAlso covered by {}.", hit.snippet, others.join(", "))
    }
}

fn newest(results: &SearchResults) -> DateTime<Utc> {
    results
        .hits
        .iter()
        .filter_map(|h| h.published)
        .max()
        .unwrap_or_else(Utc::now)
}

pub(super) async fn atom(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (query, results) = results(&state, raw.as_deref()).await?;
    let me = self_url(&headers, "/feeds/search.atom", raw.as_deref());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!("  <title>newsd: {}</title>\n", escape(&query)));
    xml.push_str(&format!("  <id>{}</id>\n", escape(&me)));
    xml.push_str(&format!(
        "  <link rel=\"self\" href=\"{}\"/>\n",
        escape(&me)
    ));
    xml.push_str(&format!(
        "  <updated>{}</updated>\n",
        newest(&results).to_rfc3339()
    ));
    xml.push_str("  <generator>newsd</generator>\n");
    for hit in &results.hits {
        let when = hit.published.unwrap_or_else(Utc::now).to_rfc3339();
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", escape(&hit.title)));
        xml.push_str(&format!("    <id>{}</id>\n", escape(&hit.url)));
        xml.push_str(&format!("    <link href=\"{}\"/>\n", escape(&hit.url)));
        xml.push_str(&format!(
            "    <published>{when}</published>\n    <updated>{when}</updated>\n"
        ));
        xml.push_str(&format!(
            "    <author><name>{}</name></author>\n",
            escape(&hit.source)
        ));
        xml.push_str(&format!(
            "    <summary>{}</summary>\n",
            escape(entry_text(hit))
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

pub(super) async fn json_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (query, results) = results(&state, raw.as_deref()).await?;
    let me = self_url(&headers, "/feeds/search.json", raw.as_deref());
    let items: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|hit| {
            json!({
                "id": hit.url,
                "url": hit.url,
                "title": hit.title,
                "content_text": entry_text(hit),
                "date_published": hit.published.map(|d| d.to_rfc3339()),
                "authors": [{ "name": hit.source }],
                "language": hit.lang,
            })
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("newsd: {query}"),
        "feed_url": me,
        "items": items,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/feed+json; charset=utf-8")],
        feed.to_string(),
    )
        .into_response())
}
