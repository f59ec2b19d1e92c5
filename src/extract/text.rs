//! The main text of a page: the paragraphs of its article container, without navigation,
//! headers, footers, "related stories", share and newsletter blocks. A simple, rule-based
//! extractor; paragraphs are separated by a blank line.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

/// Containers tried in order; the first holding enough paragraph text is the article.
static CONTAINERS: LazyLock<Vec<Selector>> = LazyLock::new(|| {
    [
        "[itemprop=articleBody]",
        "article",
        "[role=main]",
        "main",
        "body",
    ]
    .iter()
    .map(|css| Selector::parse(css).expect("static selector is valid"))
    .collect()
});

/// A container whose paragraphs hold less text than this is probably a teaser card.
const MIN_CONTAINER_CHARS: usize = 200;

/// Elements whose text is never article text.
const SKIPPED_TAGS: &[&str] = &[
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "script",
    "style",
    "noscript",
    "template",
    "button",
    "select",
    "figcaption",
    "svg",
    "iframe",
];

/// `class`/`id` words that mark boilerplate blocks.
const BOILERPLATE_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "related",
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "promo",
    "advert",
    "advertisement",
    "ad",
    "ads",
    "sponsored",
    "comments",
    "comment",
    "sidebar",
    "footer",
    "cookie",
    "cookies",
    "popup",
    "modal",
    "recommended",
    "trending",
    "outbrain",
    "taboola",
    "tags",
    "byline",
    "caption",
];

/// Elements whose text is a block of the article.
const BLOCK_TAGS: &[&str] = &["p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "li"];

/// The main text of `doc`, paragraphs separated by a blank line.
pub(super) fn main_text(doc: &Html) -> String {
    let mut fallback = String::new();
    for selector in CONTAINERS.iter() {
        for container in doc.select(selector) {
            if is_boilerplate(&container) {
                continue;
            }
            let text = blocks(container).join("\n\n");
            if text.chars().count() >= MIN_CONTAINER_CHARS {
                return text;
            }
            if fallback.len() < text.len() {
                fallback = text;
            }
        }
    }
    fallback
}

/// The text blocks under `root`, skipping boilerplate subtrees and blocks nested in blocks.
fn blocks(root: ElementRef) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<ElementRef> = root.child_elements().collect();
    stack.reverse();
    while let Some(el) = stack.pop() {
        if is_boilerplate(&el) {
            continue;
        }
        if BLOCK_TAGS.contains(&el.value().name()) {
            let text = collapse(el.text());
            if !text.is_empty() {
                out.push(text);
            }
            continue;
        }
        let children: Vec<ElementRef> = el.child_elements().collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

fn is_boilerplate(el: &ElementRef) -> bool {
    let value = el.value();
    if SKIPPED_TAGS.contains(&value.name()) || value.attr("hidden").is_some() {
        return true;
    }
    if value
        .attr("role")
        .is_some_and(|r| r == "navigation" || r == "complementary")
    {
        return true;
    }
    let marked = |attr: Option<&str>| {
        attr.is_some_and(|a| {
            a.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| {
                BOILERPLATE_WORDS
                    .iter()
                    .any(|b| word.eq_ignore_ascii_case(b))
            })
        })
    };
    marked(value.attr("class")) || marked(value.attr("id"))
}

fn collapse<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for word in parts.flat_map(str::split_whitespace) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Plain text of an HTML fragment (a feed item's summary, say), whitespace collapsed.
pub fn html_to_text(fragment: &str) -> String {
    if !fragment.contains('<') && !fragment.contains('&') {
        return collapse(std::iter::once(fragment));
    }
    let html = Html::parse_fragment(fragment);
    collapse(html.root_element().text())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body>
        <header><nav><ul><li><a href="/">Home</a></li><li>Zanzibar lighthouse festival</li></ul></nav></header>
        <div class="breadcrumb">Home » World</div>
        <article><h1>Talks resume</h1>
          <div class="share-buttons"><p>Share on Facebook</p></div>
          <p>Karabakh peace talks resumed in Geneva on Monday, with both delegations present.</p>
          <p>The   ministers met for four hours and agreed to continue the negotiations next week,
             officials said after the meeting ended late in the evening.</p>
          <h2>What comes next</h2>
          <p>A further round is expected before the end of the month.</p>
          <aside class="related"><h3>Related stories</h3><ul><li>Older talks</li></ul></aside>
        </article>
        <div id="newsletter-signup"><p>Sign up for our newsletter</p></div>
        <footer><p>© 2025 Example News</p></footer></body></html>"#;

    #[test]
    fn keeps_article_paragraphs_and_drops_boilerplate() {
        let text = main_text(&Html::parse_document(PAGE));
        assert!(
            text.starts_with("Karabakh peace talks resumed in Geneva"),
            "{text}"
        );
        assert!(text.contains("The ministers met for four hours"), "{text}");
        assert!(text.contains("\n\nWhat comes next\n\n"), "{text}");
        for boilerplate in [
            "Zanzibar",
            "Share on",
            "Related stories",
            "Sign up",
            "©",
            "Home »",
        ] {
            assert!(
                !text.contains(boilerplate),
                "{boilerplate} leaked into {text}"
            );
        }
    }

    #[test]
    fn page_without_article_element_uses_body_paragraphs() {
        let page = format!(
            "<body><nav>Menu</nav><div><p>{}</p></div></body>",
            "A long paragraph of news. ".repeat(10)
        );
        let text = main_text(&Html::parse_document(&page));
        assert!(text.starts_with("A long paragraph of news."));
        assert!(!text.contains("Menu"));
    }

    #[test]
    fn fragment_to_text() {
        assert_eq!(
            html_to_text("<p>One &amp; <b>two</b></p>\n<p>three</p>"),
            "One & two three"
        );
        assert_eq!(html_to_text("  plain   text "), "plain text");
    }
}
