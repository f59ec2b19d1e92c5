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
