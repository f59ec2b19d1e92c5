//! Metadata a page declares about itself — title, authors, publication and update dates,
//! language, canonical URL, lead image, section, site name — from JSON-LD, OpenGraph and
//! `article:*` / `<meta name>` tags, then plain HTML (`<h1>`, `<time>`, bylines), then the URL.
//! Read from the parsed page before the main-text stage prunes it.

mod dates;
mod jsonld;
mod people;
mod published;
mod title;
mod visible;

use dom_query::{Document, NodeRef};
use url::Url;

pub(crate) use dates::PageDate;

/// Whether `text` holds a date ("Posted: Fri 6:45 PM, Feb 16, 2018").
pub(crate) fn has_date(text: &str) -> bool {
    dates::find_in_text(text).is_some()
}

#[derive(Debug, Default)]
pub(crate) struct Metadata {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<PageDate>,
    pub updated: Option<PageDate>,
    pub lang: Option<String>,
    pub canonical_url: Option<String>,
    pub image: Option<String>,
    pub section: Option<String>,
    pub site_name: Option<String>,
    /// The page's summary of itself (`<meta name=description>`, OpenGraph, Twitter).
    pub description: Option<String>,
}

/// `<meta>` keys (`property`, `name` or `itemprop`, lowercase) for each field, best first.
const PUBLISHED_KEYS: &[&str] = &[
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "article.published",
    "published_time",
    "publish-date",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "article:published",
];
/// Generic page-date keys: CMSs often fill them with the page's last edit, so a date the page
/// shows by its headline is believed first.
const PAGE_DATE_KEYS: &[&str] = &[
    "dc.date.issued",
    "dcterms.date",
    "dc.date",
    "dcterms.created",
    "date",
];
const UPDATED_KEYS: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
];
const AUTHOR_KEYS: &[&str] = &[
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "citation_author",
];
const TITLE_KEYS: &[&str] = &["og:title", "twitter:title", "headline", "dc.title"];

/// Reads the metadata of `doc`, served from `url`.
pub(crate) fn read(doc: &Document, url: &str) -> Metadata {
    let metas = meta_tags(doc);
    let meta = |keys: &[&str]| -> Option<&str> {
        keys.iter().find_map(|k| {
            metas
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        })
    };
    // JSON-LD, also in an untyped `<script>` that holds it (some CMSs leave the type out).
    let ld_texts: Vec<_> = doc
        .select("script:not([src])")
        .nodes()
        .iter()
        .filter(|n| {
            n.attr("type")
                .is_none_or(|t| t.eq_ignore_ascii_case("application/ld+json"))
        })
        .map(|n| n.text())
        .filter(|t| t.contains("@context") || t.contains("@type"))
        .collect();
    let ld = jsonld::read(ld_texts.iter().map(|t| &**t));

    let site_name = meta(&["og:site_name", "application-name"])
        .map(collapse)
        .or(ld.publisher.clone());
    let h1_nodes = doc.select("h1");
    let h1_nodes = h1_nodes.nodes();
    let h1s: Vec<String> = h1_nodes.iter().map(headline_text).collect();
    let declared: Vec<String> = meta(TITLE_KEYS)
        .map(collapse)
        .into_iter()
        .chain(ld.headline.as_deref().map(collapse))
        .collect();
    let doc_title = doc
        .select("title")
        .nodes()
        .first()
        .map(|t| collapse(&t.text()));
    let title = title::choose(&h1s, &declared, doc_title.as_deref(), site_name.as_deref());

    let mut authors = people::clean_all(ld.authors.iter().map(String::as_str));
    if authors.is_empty() {
        let metas_authors = AUTHOR_KEYS.iter().flat_map(|k| {
            metas
                .iter()
                .filter(move |(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        });
        authors = people::clean_all(metas_authors.flat_map(|v| v.split(';')));
    }
    if authors.is_empty() {
        authors = byline_in_html(doc);
    }
    if let Some(site) = &site_name {
        authors.retain(|a| !a.eq_ignore_ascii_case(site));
    }

    let visible = std::cell::OnceCell::new();
    let visible_text = || visible.get_or_init(|| visible::Flat::read(doc));
    let mut sources = published::Sources {
        declared: [
            ld.published.as_deref().and_then(dates::parse_machine),
            meta(PUBLISHED_KEYS).and_then(dates::parse_machine),
        ]
        .into_iter()
        .flatten()
        .collect(),
        url: dates::from_url(url),
        near_headline: date_near_headline(doc, h1_nodes, title.as_deref()),
        page: meta(PAGE_DATE_KEYS).and_then(dates::parse_machine),
        modified: [
            ld.modified.as_deref().and_then(dates::parse_machine),
            meta(UPDATED_KEYS).and_then(dates::parse_machine),
        ]
        .into_iter()
        .flatten()
        .collect(),
        ..published::Sources::default()
    };
    // The markup's dates are looked up (a walk of the whole page each) only where they count:
    // when nothing is declared, or to confirm a date by the headline the declarations lack.
    let (first, shown) = (sources.declared.first(), sources.near_headline);
    if first.is_none() || shown.is_some_and(|s| first.is_some_and(|f| f.day != s.day)) {
        sources
            .declared
            .extend(date_in_html(doc, "[itemprop=datePublished]"));
        sources.time = date_in_html(doc, "time[datetime]");
    }
    if sources.declared.is_empty()
        && [
            sources.url,
            sources.time,
            sources.near_headline,
            sources.page,
        ]
        .iter()
        .all(Option::is_none)
    {
        sources.labelled = visible::after_label(visible_text());
        sources.in_date_block = date_in_text(doc);
        sources.update_labelled = visible::after_update_label(visible_text());
    }
    let published = published::choose(&sources);
    let updated = sources.modified.first().copied();
    let lang = doc
        .select("html[lang]")
        .attr("lang")
        .map(|l| l.trim().to_owned())
        .or_else(|| {
            meta(&["content-language", "og:locale", "language", "dc.language"]).map(str::to_owned)
        })
        .or(ld.language.clone())
        .map(|l| primary_language(l.as_ref()))
        .filter(|l| !l.is_empty());

    let base = Url::parse(url).ok();
    let absolute = |href: &str| -> Option<String> {
        let href = href.trim();
        match &base {
            Some(base) => base.join(href).ok(),
            None => Url::parse(href).ok(),
        }
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from)
    };
    let canonical_url = doc
        .select("link[rel=canonical][href]")
        .attr("href")
        .and_then(|h| absolute(h.as_ref()))
        .or_else(|| meta(&["og:url"]).and_then(absolute));
    let image = meta(&[
        "og:image",
        "og:image:url",
        "twitter:image",
        "twitter:image:src",
    ])
    .map(str::to_owned)
    .or(ld.image.clone())
    .and_then(|i| absolute(&i));
    let section = meta(&["article:section", "section", "parsely-section"])
        .map(collapse)
        .or(ld.section.clone());
    let description = meta(&["og:description", "description", "twitter:description"])
        .map(collapse)
        .filter(|d| !d.is_empty());

    Metadata {
        title,
        authors,
        published,
        updated,
        lang,
        canonical_url,
        image,
        section,
        site_name,
        description,
    }
}

/// Class words of a kicker or label inside a headline ("Olympia: | Headline").
const KICKER_WORDS: &[&str] = &[
    "kicker",
    "overline",
    "topline",
    "dachzeile",
    "eyebrow",
    "roofline",
    "label",
    "rubric",
    "category",
    "flag",
    "spitzmarke",
];

/// A headline's text without the kicker or label the page sets inside it.
fn headline_text(h1: &NodeRef) -> String {
    let mut text = String::new();
    let mut stack = vec![*h1];
    while let Some(node) = stack.pop() {
        if node.is_text() {
            text.push_str(&node.text());
        } else if node.is_element() {
            let kicker = node.id != h1.id
                && [node.attr("class"), node.attr("id")]
                    .iter()
                    .flatten()
                    .any(|v| {
                        let v = v.to_ascii_lowercase();
                        KICKER_WORDS.iter().any(|k| v.contains(k))
                    });
            if kicker {
                continue;
            }
            if node.has_name("br") {
                text.push(' ');
            }
            stack.extend(node.children_it(true));
        }
    }
    collapse(&text)
}

/// `(key, content)` of every `<meta>`, keys lowercase, in page order.
fn meta_tags(doc: &Document) -> Vec<(String, String)> {
    let selection = doc.select("meta[content]");
    let mut out = Vec::with_capacity(selection.length());
    for node in selection.nodes() {
        let Some(content) = node.attr("content") else {
            continue;
        };
        let content = content.trim();
        if content.is_empty() {
            continue;
        }
        for attr in ["property", "name", "itemprop", "http-equiv"] {
            if let Some(key) = node.attr(attr) {
                for key in key.split_whitespace() {
                    out.push((key.to_ascii_lowercase(), content.to_owned()));
                }
            }
        }
    }
    out
}

/// Authors named in the page's HTML: `itemprop=author`, `rel=author`, then byline blocks.
fn byline_in_html(doc: &Document) -> Vec<String> {
    for (css, many) in [
        ("[itemprop=author] [itemprop=name]", true),
        ("[itemprop=author]", true),
        ("a[rel=author]", true),
        ("[class*=byline] [class*=author], [class*=byline] a", false),
        (
            "[class*=author-name], [class*=authorname], [class*=author__name]",
            false,
        ),
        ("[class*=byline], [class*=author], [id*=author]", false),
    ] {
        let selection = doc.select(css);
        let texts: Vec<String> = selection
            .nodes()
            .iter()
            .filter(|n| !in_comments(n))
            .map(|n| {
                n.attr("content")
                    .map_or_else(|| n.text().to_string(), |c| c.to_string())
            })
            .filter(|t| t.trim().chars().count() <= 120)
            .take(4)
            .collect();
        let mut authors = people::clean_all(texts.iter().map(String::as_str));
        if !authors.is_empty() {
            if !many {
                authors.truncate(1);
            }
            return authors;
        }
    }
    Vec::new()
}

/// The date written closest to the headline: around the `h1` (of `h1s`) that reads as `title`,
/// then the first `h1`; when no `h1` reads as the title, found in the whole page's text.
fn date_near_headline(doc: &Document, h1s: &[NodeRef], title: Option<&str>) -> Option<PageDate> {
    let lower = title.map(str::to_lowercase).filter(|t| !t.is_empty());
    let headings: Vec<String> = h1s.iter().map(|h| collapse(&h.text())).collect();
    let titled = lower
        .as_deref()
        .and_then(|lower| headings.iter().position(|h| visible::reads_as(h, lower)));
    let Some(titled) = titled else {
        return visible::near_headline(&visible::Flat::read(doc), title);
    };
    [titled, 0].into_iter().enumerate().find_map(|(i, at)| {
        if i == 1 && at == titled {
            return None;
        }
        let around = visible::Flat::around(h1s[at], headings[at].clone());
        visible::near_headline(&around, Some(&headings[at]))
    })
}

/// The first date that elements matching `css` state (attribute, then text).
fn date_in_html(doc: &Document, css: &str) -> Option<PageDate> {
    doc.select(css)
        .nodes()
        .iter()
        .filter(|n| !in_comments(n))
        .find_map(|n| {
            n.attr("datetime")
                .or_else(|| n.attr("content"))
                .and_then(|v| dates::parse_machine(v.as_ref()))
                .or_else(|| dates::find_in_text(&n.text()))
        })
}

/// A date written in the page's date or byline blocks ("Posted on 5. April 2017").
fn date_in_text(doc: &Document) -> Option<PageDate> {
    let css = "[class*=date i], [class*=time i], [class*=posted i], [class*=publish i], \
               [class*=byline i], [class*=meta i], [id*=date i], [class*=datum i]";
    doc.select(css)
        .nodes()
        .iter()
        .filter(|n| !in_comments(n))
        .take(40)
        .find_map(|n| {
            let text = n.text();
            (text.len() <= 200)
                .then(|| dates::find_in_text(&text))
                .flatten()
        })
}

/// Whether a node sits in a comment thread (whose dates and names are not the article's).
fn in_comments(node: &NodeRef) -> bool {
    node.ancestors_it(Some(12)).any(|a| {
        let marks = |v: Option<&str>| v.is_some_and(|v| v.to_ascii_lowercase().contains("comment"));
        marks(a.attr("class").as_deref()) || marks(a.attr("id").as_deref())
    })
}

/// `en` of `en-US`, `de` of `de_DE`.
fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(html: &str, url: &str) -> Option<String> {
        read(&Document::from(html), url)
            .published
            .map(|d| d.day.to_string())
    }

    #[test]
    fn a_generic_page_date_yields_to_the_date_by_the_headline() {
        // `<meta name=date>` holds the CMS's last edit; the page shows when it was published.
        let html = "<html><head><meta name=\"date\" content=\"2021-12-20T11:02:44+01:00\">\
                    <meta name=\"DC.date\" content=\"2021-12-20\"></head><body>\
                    <h1>Riesling posts win prizes</h1><span class=\"date\">27.01.2022</span>\
                    <p>Text.</p></body></html>";
        assert_eq!(
            published(html, "https://wine.example/news/riesling").as_deref(),
            Some("2022-01-27")
        );
        // Without a visible date it still counts.
        let html = "<html><head><meta name=\"date\" content=\"2021-12-20\"></head>\
                    <body><h1>Riesling</h1><p>Text.</p></body></html>";
        assert_eq!(
            published(html, "https://wine.example/news/riesling").as_deref(),
            Some("2021-12-20")
        );
    }

    #[test]
    fn java_style_dates_in_open_graph_meta() {
        let html = "<html><head><meta property=\"og:article:published_time\" \
                    content=\"Mon Oct 11 14:57:21 CEST 2021\"></head><body><p>Text.</p></body></html>";
        assert_eq!(
            published(html, "https://thw.example/2021/10/meldung_01/page.html").as_deref(),
            Some("2021-10-11")
        );
    }
}
