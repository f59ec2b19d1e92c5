//! The standfirst: the lead paragraph set under the headline ("deck", "teaser", "intro"),
//! which sits in the page header outside the article container that the main-text search
//! picks. Found by class words near the top of the page and put back in front of the text.

use dom_query::{Document, NodeRef};

/// Class words of a standfirst.
const LEAD_WORDS: &[&str] = &[
    "lead",
    "deck",
    "dek",
    "standfirst",
    "teaser",
    "intro",
    "subtitle",
    "subheadline",
    "summary",
    "description",
    "abstract",
    "excerpt",
    "sapo",
    "chapo",
    "vorspann",
    "kurztext",
    "subline",
];

/// A standfirst is a sentence or a few, not a label or a whole article.
const MIN_CHARS: usize = 60;
const MAX_CHARS: usize = 600;

/// The page's standfirst, if it marks one: an element shortly after the headline whose class
/// names it.
pub(crate) fn find(doc: &Document) -> Option<String> {
    let body = doc.body()?;
    let mut after_headline: Option<usize> = None;
    let mut stack = vec![body];
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > MAX_VISITED || after_headline.is_some_and(|at| visited > at + NEAR_HEADLINE) {
            return None;
        }
        if !node.is_element() {
            continue;
        }
        let name = node.node_name();
        let name = name.as_deref().unwrap_or("");
        if SKIPPED.contains(&name) || node.has_attr("hidden") || has_word(&node, NOT_LEAD_WORDS) {
            continue;
        }
        if name == "h1" {
            after_headline.get_or_insert(visited);
            continue;
        }
        if after_headline.is_some() && has_word(&node, LEAD_WORDS) {
            let (text, linked) = visible_text(&node);
            let chars = text.chars().count();
            if (MIN_CHARS..=MAX_CHARS).contains(&chars) && linked * 2 < chars {
                return Some(text);
            }
        }
        stack.extend(node.children_it(true));
    }
    None
}

/// The characters of a page's description that must open the element showing it.
const SHOWN_PREFIX_CHARS: usize = 50;
/// A teaser shown in place of the article is at most this long.
const MAX_TEASER_CHARS: usize = 1500;

/// The element that shows the page's `description` to readers (the teaser a paywalled page
/// leaves visible), as text: the first visible block whose text opens with the description.
pub(crate) fn shown_teaser(doc: &Document, description: &str) -> Option<String> {
    let description = super::text::normalize(description);
    let prefix: String = description
        .trim_end_matches(['…', '.'])
        .chars()
        .take(SHOWN_PREFIX_CHARS)
        .collect();
    if prefix.chars().count() < MIN_CHARS.min(SHOWN_PREFIX_CHARS) {
        return None;
    }
    let mut stack = vec![doc.body()?];
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > MAX_VISITED {
            return None;
        }
        if !node.is_element() {
            continue;
        }
        let name = node.node_name();
        if SKIPPED.contains(&name.as_deref().unwrap_or("")) || node.has_attr("hidden") {
            continue;
        }
        if name.as_deref().is_some_and(|n| TEASER_TAGS.contains(&n)) {
            let (text, linked) = visible_text(&node);
            if text.starts_with(&prefix) {
                let chars = text.chars().count();
                return (chars <= MAX_TEASER_CHARS && linked * 2 < chars).then_some(text);
            }
            continue;
        }
        stack.extend(node.children_it(true));
    }
    None
}

/// Elements that hold a teaser paragraph.
const TEASER_TAGS: &[&str] = &["p", "h2", "h3"];

/// Elements never searched for a standfirst.
const SKIPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "footer",
    "form",
    "a",
    "ul",
    "ol",
    "figure",
    "figcaption",
    "button",
    "dialog",
    "iframe",
    "svg",
];

/// Class words of blocks that describe something else (a picture, the author, a dialog).
const NOT_LEAD_WORDS: &[&str] = &[
    "caption",
    "credit",
    "author",
    "bio",
    "byline",
    "image",
    "img",
    "photo",
    "video",
    "media",
    "modal",
    "dialog",
    "share",
    "related",
    "newsletter",
    "comment",
    "comments",
    "hidden",
    "sr",
];

/// How many elements after the headline a standfirst may come.
const NEAR_HEADLINE: usize = 60;
/// How many elements are looked at in all.
const MAX_VISITED: usize = 8000;

/// The normalized visible text of `node` (scripts and styles left out), and how much of it
/// is link text.
fn visible_text(node: &NodeRef) -> (String, usize) {
    let mut text = String::new();
    let mut linked = 0;
    let mut stack = vec![(*node, false)];
    while let Some((n, in_a)) = stack.pop() {
        if n.is_text() {
            let t = n.text();
            if in_a {
                linked += t.trim().chars().count();
            }
            text.push_str(&t);
        } else if n.is_element() {
            let name = n.node_name();
            if name
                .as_deref()
                .is_some_and(|name| SKIPPED.contains(&name) && name != "a")
            {
                continue;
            }
            let in_a = in_a || n.has_name("a");
            stack.extend(n.children_it(true).map(|c| (c, in_a)));
        }
    }
    (super::text::normalize(&text), linked)
}

fn has_word(node: &NodeRef, words: &[&str]) -> bool {
    [node.attr("class"), node.attr("id"), node.attr("itemprop")]
        .iter()
        .flatten()
        .any(|v| {
            v.split_whitespace().any(|token| {
                super::clean::words(token)
                    .iter()
                    .any(|w| words.contains(&w.as_str()))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_teaser_is_the_block_opening_with_the_description() {
        let doc = Document::from(
            r#"<body><nav><p>Snow on solar panels: our energy menu and more links here</p></nav>
            <main><h2>Snow strains solar panels</h2>
            <p class="text-xl">Snow on solar panels costs more than output: its <b>weight</b>
            strains modules and mounts.</p><p>Subscribe to read on.</p></main></body>"#,
        );
        let description = "Snow on solar panels costs more than output: its weight strains…";
        assert_eq!(
            shown_teaser(&doc, description).as_deref(),
            Some(
                "Snow on solar panels costs more than output: its weight strains modules and mounts."
            )
        );
        assert_eq!(
            shown_teaser(&doc, "A description the page never shows to its readers"),
            None
        );
    }
}
