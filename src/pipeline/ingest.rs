//! The page stage: each new item's page is fetched and extracted (falling back to the feed's
//! own text) on the blocking pool, `page_workers` at a time, at most one extraction per core.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use chrono::Utc;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::config::{Config, SiteRule};
use crate::dedup::canonical_url;
use crate::extract::{SiteRules, extract_with, html_to_text, sanitize_html};
use crate::fetch::HttpClient;
use crate::metrics::{self, FetchKind};
use crate::model::{Article, PendingItem, TextSource};

use super::{Report, StageTimes};

/// Page text shorter than this is a teaser when the feed's own text is longer.
const SHORT_PAGE_CHARS: usize = 1500;

/// What the page workers read from the config.
pub(super) struct PageSettings {
    /// Pages fetched and extracted at once.
    pub workers: usize,
    /// Extractions running at once: one per core. Extraction is CPU-bound, so more only
    /// time-slices the cores while holding more parsed pages in memory; the other workers'
    /// fetches go on meanwhile.
    pub extractors: Arc<Semaphore>,
    /// `[[site]]` extraction rules.
    pub sites: Vec<SiteRule>,
    /// Each feed's tags, by feed URL; its articles carry them. Replaced when the feed list
    /// reloads; a plain `RwLock`, never held across an `.await`.
    pub tags: RwLock<HashMap<String, Vec<String>>>,
}

impl PageSettings {
    pub fn from_config(config: &Config) -> PageSettings {
        PageSettings {
            workers: config.fetch.page_workers,
            extractors: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
            sites: config.sites.clone(),
            tags: RwLock::new(
                config
                    .feeds
                    .iter()
                    .map(|feed| (feed.url.clone(), feed.tags.clone()))
                    .collect(),
            ),
        }
    }
}

/// Fetches and extracts the page of each item, `settings.workers` at a time. On shutdown it
/// stops taking items (they stay pending in SQLite) and finishes the pages in flight.
pub(super) async fn page_stage(
    http: HttpClient,
    mut items: mpsc::Receiver<PendingItem>,
    articles: mpsc::Sender<Extracted>,
    settings: Arc<PageSettings>,
    report: Arc<Report>,
    shutdown: CancellationToken,
) {
    // One permit per page in flight; the dispatcher waits for a permit before taking the next
    // item, which is what pushes back on the pollers.
    let permits = Arc::new(Semaphore::new(settings.workers));
    let mut running = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("semaphore is never closed"),
            () = shutdown.cancelled() => break,
        };
        let item = tokio::select! {
            item = items.recv() => match item { Some(item) => item, None => break },
            () = shutdown.cancelled() => break,
        };
        let (http, articles, settings) = (http.clone(), articles.clone(), settings.clone());
        let report = report.clone();
        running.spawn(async move {
            // The store task only goes away when the pipeline is failing already.
            let _ = articles
                .send(build_article(&http, &settings, &report, item).await)
                .await;
            drop(permit);
        });
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
}

/// What a page worker made of an item.
pub(super) enum Extracted {
    Article(Box<Article>),
    /// Neither the page nor the feed had anything to keep.
    Nothing {
        item_id: i64,
    },
}

/// Fetches an item's page and builds its article. A page that cannot be fetched falls back to
/// the feed's own title and summary, so that the item is never lost.
async fn build_article(
    http: &HttpClient,
    settings: &Arc<PageSettings>,
    report: &Arc<Report>,
    pending: PendingItem,
) -> Extracted {
    let item = &pending.item;
    let start = Instant::now();
    let fetched = match &item.link {
        Some(link) => Some(
            metrics::global()
                .observe_fetch(FetchKind::Page, http.get_page(link))
                .await,
        ),
        None => None,
    };
    StageTimes::since(&report.stages.pages, start);
    let page = match fetched {
        Some(Ok(page)) => {
            let url = page.url.clone();
            let (settings, report) = (settings.clone(), report.clone());
            let core = settings
                .extractors
                .clone()
                .acquire_owned()
                .await
                .expect("semaphore is never closed");
            tokio::task::spawn_blocking(move || {
                let _core = core;
                let start = Instant::now();
                let rules = SiteRules::for_url(&settings.sites, &page.url);
                let extracted =
                    extract_with(&page.bytes, page.content_type.as_deref(), &page.url, &rules);
                StageTimes::since(&report.stages.extract, start);
                extracted
            })
            .await
            .ok()
            .map(|extracted| (url, extracted))
        }
        Some(Err(error)) => {
            let link = item.link.as_deref().unwrap_or_default();
            warn!(feed = %pending.feed_url, page = %link, %error, "page fetch failed, keeping the feed's summary");
            None
        }
        None => None,
    };
    let (url, page) = page.unwrap_or_else(|| {
        let url = item.link.clone().unwrap_or_else(|| item.key.clone());
        (url, Default::default())
    });
    let summary = item
        .summary
        .as_deref()
        .map(html_to_text)
        .filter(|s| !s.trim().is_empty());
    let (text, html, text_source) =
        if text_source(&page.text, summary.as_deref()) == TextSource::Feed {
            let html = sanitize_html(item.summary.as_deref().unwrap_or_default(), &url);
            (summary.clone().unwrap_or_default(), html, TextSource::Feed)
        } else {
            (page.text, page.html, TextSource::Page)
        };
    let title = item
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .or(page.title)
        .unwrap_or_default();
    if text.is_empty() && title.is_empty() {
        debug!(feed = %pending.feed_url, item = %item.key, "item has neither page nor text");
        return Extracted::Nothing {
            item_id: pending.id,
        };
    }
    Extracted::Article(Box::new(Article {
        id: 0,
        item_id: pending.id,
        feed_url: pending.feed_url.clone(),
        source: pending.source.clone(),
        canonical_url: canonical_url(page.canonical_url.as_deref().unwrap_or(&url)),
        url,
        title,
        author: item.author.clone().or(page.author),
        published: item.published.or(page.published),
        lang: page.lang,
        text,
        html,
        text_source,
        fetched_at: Utc::now(),
        summary,
        tags: settings
            .tags
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&pending.feed_url)
            .cloned()
            .unwrap_or_default(),
        modified: page.updated,
        story_id: None,
        copies: Vec::new(),
    }))
}

/// Where an article's text comes from: the page, unless it gave none or shows only a teaser
/// (a paywall) and the feed carries more.
fn text_source(page_text: &str, feed_text: Option<&str>) -> TextSource {
    let page_chars = page_text.trim().chars().count();
    let feed_has_more =
        feed_text.is_some_and(|s| page_chars < SHORT_PAGE_CHARS && s.chars().count() > page_chars);
    if page_chars == 0 || feed_has_more {
        TextSource::Feed
    } else {
        TextSource::Page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teaser_page_gives_way_to_a_fuller_feed() {
        let teaser = "Snow strains solar panels, experts warn.";
        let feed = "Snow strains solar panels, experts warn. The weight of a wet snow cover…";
        let article = "A full story. ".repeat(200);
        assert_eq!(text_source("", Some(teaser)), TextSource::Feed);
        assert_eq!(text_source(teaser, Some(feed)), TextSource::Feed);
        assert_eq!(text_source(teaser, Some("Short.")), TextSource::Page);
        assert_eq!(text_source(teaser, None), TextSource::Page);
        assert_eq!(
            text_source(&article, Some(&article.repeat(2))),
            TextSource::Page
        );
    }
}
