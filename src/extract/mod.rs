//! Extraction: an article page → [`ExtractedPage`]: decoded text, title, main text without
//! navigation and "related" blocks, and the metadata a page declares. Second stage of the flow,
//! after the page fetch; CPU-bound, so the pipeline runs it on the blocking pool.
//!
//! The page is parsed once (html5ever, via `dom_query`) after its nesting is capped
//! (`nesting.rs`): metadata is read first, boilerplate is pruned by general rules (and per-site
//! rules), `dom_smoothie` (a Readability.js port) picks the article subtree, which is cleaned
//! again and rendered as paragraphs and as sanitized HTML.

mod clean;
mod html;
mod lang;
mod lead;
mod metadata;
mod nesting;
mod site;
#[cfg(test)]
mod tests;
mod text;

use std::time::{Duration, Instant};

use dom_query::{Document, NodeRef};
use dom_smoothie::{ParsePolicy, Readability, TextMode};
use tracing::debug;

use crate::charset::decode_html;
pub use html::sanitize_html;
pub use site::SiteRules;
pub use text::html_to_text;

use crate::model::{ExtractedPage, clip_title};

/// Bytes of a page that are read; the rest is cut (html5ever closes what is open).
pub const MAX_PAGE_BYTES: usize = 3 * 1024 * 1024;
/// Elements beyond which the main-text search is not run (it is superlinear in the worst case).
const MAX_ELEMENTS: usize = 60_000;
/// Time after which the page's remaining stages are skipped; what was read so far is kept.
const TIME_BUDGET: Duration = Duration::from_secs(2);
/// Link text over this share of a block's text makes it a link list.
const MAX_LINK_DENSITY: f32 = 0.6;
/// A found block with less text than this is worth a second search.
const MIN_FOUND_CHARS: usize = 500;
/// A found block with less text than this gives way to a second search's block that holds
/// several times more.
const SHORT_FOUND_CHARS: usize = 1000;
/// How many times more text the second search must find to replace a short block.
const SHORT_FOUND_FACTOR: usize = 3;
/// Article text shorter than this is no article (a teaser, a video page, an error).
const MIN_ARTICLE_CHARS: usize = 100;
/// Text shorter than this that asks for a subscription is a paywall stub.
const PAYWALL_MAX_CHARS: usize = 1500;

/// Extracts the article from page bytes served with `content_type` from `url`.
pub fn extract(bytes: &[u8], content_type: Option<&str>, url: &str) -> ExtractedPage {
    extract_with(bytes, content_type, url, &SiteRules::default())
}

/// [`extract`] with a site's rules applied (see [`SiteRules::for_url`]).
pub fn extract_with(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
    rules: &SiteRules,
) -> ExtractedPage {
    let started = Instant::now();
    let bytes = &bytes[..bytes.len().min(MAX_PAGE_BYTES)];
    let decoded = decode_html(bytes, content_type);
    let html = nesting::cap_nesting(&decoded);
    let doc = Document::from(&*html);
    let mut meta = metadata::read(&doc, url);
    if let Some(title) = &mut meta.title {
        clip_title(title);
    }
    let mut page = ExtractedPage {
        title: meta.title,
        author: (!meta.authors.is_empty()).then(|| meta.authors.join(", ")),
        authors: meta.authors,
        published: meta.published.map(|d| d.instant),
        published_date: meta.published.map(|d| d.day),
        updated: meta.updated.map(|d| d.instant),
        lang: meta.lang,
        canonical_url: meta.canonical_url,
        lead_image: meta.image,
        section: meta.section,
        site_name: meta.site_name,
        ..ExtractedPage::default()
    };
    if started.elapsed() > TIME_BUDGET {
        debug!(%url, elapsed = ?started.elapsed(), "page over its time budget, text skipped");
        return page;
    }
    let lead = lead::find(&doc);
    let Content {
        mut paragraphs,
        html: mut content_html,
    } = main_text(doc, &html, url, rules);
    if let Some(lead) = lead
        && !paragraphs.is_empty()
        && !paragraphs
            .iter()
            .any(|p| p.contains(&lead) || lead.contains(p.as_str()))
    {
        content_html.insert_str(0, &html::paragraphs(std::slice::from_ref(&lead)));
        paragraphs.insert(0, lead);
    }
    let mut text = paragraphs.join("\n\n");
    if !looks_like_article(&text)
        && let Some(teaser) = meta
            .description
            .as_deref()
            .and_then(|d| lead::shown_teaser(&Document::from(&*html), d))
            .filter(|t| t.chars().count() >= MIN_ARTICLE_CHARS)
    {
        debug!(%url, "no article on the page, only the teaser it shows");
        paragraphs = vec![teaser];
        text = paragraphs[0].clone();
        content_html = String::new();
    }
    if !looks_like_article(&text) {
        debug!(%url, chars = text.len(), "no article text on the page");
    } else {
        page.html = if content_html.trim().is_empty() {
            html::paragraphs(&paragraphs)
        } else {
            content_html
        };
        page.text = drop_leading_title(text, page.title.as_deref());
    }
    if page.lang.is_none() {
        page.lang = lang::detect(&page.text);
    }
    page
}

/// The article's text and display HTML.
#[derive(Debug, Default)]
struct Content {
    paragraphs: Vec<String>,
    /// Sanitized HTML of the content subtree.
    html: String,
}

/// The article's content from `doc`, parsed from `html`: site rules, pruning, the main-text
/// search, cleaning again.
fn main_text(doc: Document, html: &str, url: &str, rules: &SiteRules) -> Content {
    clean::remove_selected(&doc, &rules.remove);
    if let Some(css) = &rules.body
        && let Some(found) = doc.try_select(css).filter(|s| s.exists())
    {
        let mut content = Content::default();
        for node in found.nodes() {
            let part = finish(node, url);
            content.paragraphs.extend(part.paragraphs);
            content.html.push_str(&part.html);
        }
        return content;
    }
    let Some(body) = doc.body() else {
        return Content::default();
    };
    clean::prune(&body);
    clean::flatten_wrappers(&body);
    if body.descendants_it().filter(NodeRef::is_element).count() > MAX_ELEMENTS {
        debug!(%url, "page has too many elements for the main-text search");
        return Content::default();
    }
    // Readability's first pass strips "unlikely" blocks by class name; on pages where that
    // leaves a wrong block standing (a list of links, a scrap), a second pass without it
    // finds the article, on the page parsed again (rarer than copying it every time).
    let first = grab(doc, url, None);
    let poor = |found: &clean::TextShare| {
        found.visible < MIN_FOUND_CHARS || found.linked * 2 > found.visible
    };
    let short = |found: &clean::TextShare| found.visible < SHORT_FOUND_CHARS;
    if first
        .as_ref()
        .is_some_and(|(_, found)| !poor(found) && !short(found))
    {
        return first.map(|(c, _)| c).unwrap_or_default();
    }
    let spare = Document::from(html);
    clean::remove_selected(&spare, &rules.remove);
    if let Some(body) = spare.body() {
        clean::prune(&body);
        clean::flatten_wrappers(&body);
    }
    let second = grab(spare, url, Some(ParsePolicy::Moderate));
    match (first, second) {
        (Some(a), Some(b)) if !poor(&a.1) => {
            if b.1.visible > a.1.visible * SHORT_FOUND_FACTOR && !poor(&b.1) {
                b.0
            } else {
                a.0
            }
        }
        (Some(a), Some(b)) if !poor(&b.1) || b.1.visible > a.1.visible => b.0,
        (a, b) => a.or(b).map(|(c, _)| c).unwrap_or_default(),
    }
}

/// Runs the main-text search (all of Readability's passes, or one `policy`) and renders
/// what it finds, with how much text the found block held.
fn grab(
    doc: Document,
    url: &str,
    policy: Option<ParsePolicy>,
) -> Option<(Content, clean::TextShare)> {
    let config = dom_smoothie::Config {
        keep_classes: true,
        text_mode: TextMode::Raw,
        ..dom_smoothie::Config::default()
    };
    let absolute = url::Url::parse(url).is_ok().then_some(url);
    let mut readability = Readability::with_document(doc, absolute, Some(config)).ok()?;
    let result = match policy {
        Some(policy) => readability.parse_with_policy(policy),
        None => readability.parse(),
    };
    if let Err(error) = result {
        debug!(%url, %error, "no article found");
        return None;
    }
    let content = readability.doc.select("#readability-page-1");
    let root = content.nodes().first()?;
    let found = clean::TextShare::of(root);
    Some((finish(root, url), found))
}

/// Cleans the chosen subtree again and renders it as text and as HTML.
fn finish(root: &NodeRef, url: &str) -> Content {
    clean::prune(root);
    clean::drop_link_lists(root, MAX_LINK_DENSITY);
    let (paragraphs, dropped) = text::paragraphs_and_dropped(root);
    let base = url::Url::parse(url).ok();
    let html = html::sanitized(root, base.as_ref(), &dropped);
    Content { paragraphs, html }
}

/// Words that, in a short text, mean the article is behind a login or subscription.
const PAYWALL_PHRASES: &[&str] = &[
    "subscribe to continue",
    "subscribe to read",
    "to continue reading",
    "already a subscriber",
    "subscribers only",
    "log in to read",
    "sign in to read",
    "jetzt abonnieren",
    "weiterlesen mit",
    "abonnez-vous",
    "réservé aux abonnés",
];

fn looks_like_article(text: &str) -> bool {
    let chars = text.chars().count();
    if chars < MIN_ARTICLE_CHARS {
        return false;
    }
    if chars < PAYWALL_MAX_CHARS {
        let lower = text.to_lowercase();
        return !PAYWALL_PHRASES.iter().any(|p| lower.contains(p));
    }
    true
}

/// The text without a first paragraph that repeats the headline.
fn drop_leading_title(text: String, title: Option<&str>) -> String {
    match (title, text.split_once("\n\n")) {
        (Some(title), Some((first, rest))) if first.trim().eq_ignore_ascii_case(title.trim()) => {
            rest.to_owned()
        }
        _ => text,
    }
}
