//! Extraction: an article page → [`ExtractedPage`]: decoded text, title, main text without
//! navigation and "related" blocks, and the metadata a page declares. Second stage of the flow,
//! after the page fetch; CPU-bound, so the pipeline runs it on the blocking pool.

mod charset;
mod metadata;
mod text;

use scraper::Html;

pub use charset::decode_html;
pub use text::html_to_text;

use crate::model::ExtractedPage;

/// Extracts the article from page bytes served with `content_type` from `url`.
pub fn extract(bytes: &[u8], content_type: Option<&str>, url: &str) -> ExtractedPage {
    let html = decode_html(bytes, content_type);
    let doc = Html::parse_document(&html);
    let meta = metadata::read(&doc, url);
    ExtractedPage {
        title: meta.title,
        text: text::main_text(&doc),
        author: meta.author,
        published: meta.published,
        lang: meta.lang,
        canonical_url: meta.canonical_url,
    }
}
