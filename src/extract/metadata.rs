//! Metadata a page declares about itself: title, author, publication date, language and
//! canonical URL, from OpenGraph / `article:*` / `<meta name>` tags and plain HTML.

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};
use std::sync::LazyLock;
use url::Url;

#[derive(Debug, Default)]
pub(super) struct Metadata {
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lang: Option<String>,
    pub canonical_url: Option<String>,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector is valid")
}

static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static HTML: LazyLock<Selector> = LazyLock::new(|| selector("html[lang]"));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| selector("link[rel=canonical][href]"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));

pub(super) fn read(doc: &Html, url: &str) -> Metadata {
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|key| {
            doc.select(&META).find_map(|m| {
                let el = m.value();
                let name = el
                    .attr("property")
                    .or(el.attr("name"))
                    .or(el.attr("itemprop"))?;
                let content = el.attr("content")?.trim();
                (name.eq_ignore_ascii_case(key) && !content.is_empty()).then(|| content.to_owned())
            })
        })
    };
    let text_of = |sel: &Selector| {
        doc.select(sel)
            .next()
            .map(|e| collapse(&e.text().collect::<String>()))
            .filter(|t| !t.is_empty())
    };

    let title = meta(&["og:title", "twitter:title"])
        .or_else(|| text_of(&H1))
        .or_else(|| text_of(&TITLE));
    let author = meta(&["author", "article:author", "byl", "parsely-author"])
        .filter(|a| !a.starts_with("http"));
    let published = meta(&[
        "article:published_time",
        "datePublished",
        "pubdate",
        "date",
        "dc.date",
    ])
    .or_else(|| {
        doc.select(&TIME)
            .find_map(|t| t.value().attr("datetime").map(str::to_owned))
    })
    .and_then(|d| parse_date(&d));
    let lang = doc
        .select(&HTML)
        .next()
        .and_then(|h| h.value().attr("lang"))
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty());
    let base = Url::parse(url).ok();
    let canonical_url = doc
        .select(&CANONICAL)
        .find_map(|l| l.value().attr("href"))
        .or(meta(&["og:url"]).as_deref())
        .and_then(|href| match &base {
            Some(base) => base.join(href.trim()).ok(),
            None => Url::parse(href.trim()).ok(),
        })
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from);
    Metadata {
        title,
        author,
        published,
        lang,
        canonical_url,
    }
}

/// Parses the date formats pages use in metadata: RFC 3339 / ISO 8601 and RFC 2822.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .map(|d| d.with_timezone(&Utc))
        .ok()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_open_graph_and_html_metadata() {
        let page = r#"<html lang="fr-FR"><head><title>Site | Titre</title>
            <meta property="og:title" content="Le vrai titre">
            <meta name="author" content="Marie Dupont">
            <meta property="article:published_time" content="2025-06-10T08:30:00+02:00">
            <link rel="canonical" href="/monde/article.html"></head><body></body></html>"#;
        let meta = read(
            &Html::parse_document(page),
            "https://www.example.fr/x?utm_source=rss",
        );
        assert_eq!(meta.title.as_deref(), Some("Le vrai titre"));
        assert_eq!(meta.author.as_deref(), Some("Marie Dupont"));
        assert_eq!(meta.lang.as_deref(), Some("fr-fr"));
        assert_eq!(
            meta.published.unwrap().to_rfc3339(),
            "2025-06-10T06:30:00+00:00"
        );
        assert_eq!(
            meta.canonical_url.as_deref(),
            Some("https://www.example.fr/monde/article.html")
        );
    }

    #[test]
    fn title_falls_back_to_h1_then_title() {
        let meta = read(
            &Html::parse_document("<title>T</title><h1> Big  news </h1>"),
            "https://x.example/",
        );
        assert_eq!(meta.title.as_deref(), Some("Big news"));
        let meta = read(
            &Html::parse_document("<title>Only title</title>"),
            "https://x.example/",
        );
        assert_eq!(meta.title.as_deref(), Some("Only title"));
    }
}
