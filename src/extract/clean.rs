//! Boilerplate rules applied to the parsed page before and after the main-text search:
//! navigation, share bars, newsletter boxes, "related" lists, breadcrumbs, tag lists, comment
//! threads and hidden blocks go, by tag, ARIA role and `class`/`id` words; link lists go by
//! link density. General rules, meant to hold on sites never seen.

use dom_query::{Document, NodeRef};

/// Elements that never hold article text.
const DROPPED_TAGS: &[&str] = &[
    "nav", "aside", "footer", "button", "select", "input", "textarea", "iframe", "svg", "script",
    "style", "template", "dialog", "menu", "label",
];

/// ARIA roles of page furniture.
const DROPPED_ROLES: &[&str] = &[
    "navigation",
    "complementary",
    "contentinfo",
    "banner",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
    "toolbar",
];

/// Words (a `class`/`id` token split on `-`, `_` and case) that mark boilerplate blocks.
const BOILERPLATE_WORDS: &[&str] = &[
    "breadcrumb",
    "breadcrumbs",
    "share",
    "sharing",
    "shares",
    "sharebar",
    "social",
    "socials",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "related",
    "recommended",
    "recommendations",
    "promo",
    "advert",
    "advertisement",
    "ads",
    "adslot",
    "sponsored",
    "sponsor",
    "comments",
    "comment",
    "disqus",
    "sidebar",
    "cookie",
    "cookies",
    "consent",
    "popup",
    "modal",
    "overlay",
    "outbrain",
    "taboola",
    "trending",
    "popular",
    "mostread",
    "tags",
    "taglist",
    "keywords",
    "pagination",
    "pager",
    "navbar",
    "menu",
    "nav",
    "navigation",
    "toolbar",
    "print",
    "rating",
    "skip",
    "banner",
    "footer",
    "masthead",
    "sr",
    "screenreader",
    "offscreen",
    "byline",
    "dateline",
    "postmeta",
    "author",
    "authors",
    "bio",
    "avatar",
    "caption",
    "credit",
    "credits",
    "copyright",
    "logo",
    "login",
    "follow",
    "readmore",
    "next",
    "prev",
    "previous",
    "categories",
    "meta",
];

/// Removes the boilerplate of `root`'s subtree (the whole page before the main-text search,
/// the article after it). A marked block holding much of the text is kept: it is the article
/// wrapped in an unlucky class name ("entry share", "container has-sidebar").
pub(crate) fn prune(root: &NodeRef) {
    let total = TextShare::of(root);
    let mut doomed = Vec::new();
    let mut stack: Vec<NodeRef> = root.element_children();
    while let Some(node) = stack.pop() {
        if is_boilerplate(&node)
            && (is_hard_boilerplate(&node) || !TextShare::of(&node).is_much_of(&total))
        {
            doomed.push(node);
            continue;
        }
        stack.extend(node.element_children());
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// Collapses chains of wrappers (a `div` whose only content is one `div`) into their innermost
/// block, which takes the wrappers' class names. CMS layouts nest each paragraph of a story
/// three or four wrappers deep (`field__item > paragraph > text > p`); collapsed, the
/// paragraphs' blocks sit near enough to their common container for the main-text search to
/// score it as one article rather than pick one block.
pub(crate) fn flatten_wrappers(root: &NodeRef) {
    let wrappers: Vec<NodeRef> = root
        .descendants_it()
        .filter(|n| n.is_element() && is_wrapper_tag(n) && only_child(n).is_some())
        .collect();
    // Innermost first: a wrapper's only child is then already the chain's last block.
    for outer in wrappers.into_iter().rev() {
        let Some(inner) = only_child(&outer) else {
            continue;
        };
        let classes = [outer.attr("class"), inner.attr("class")]
            .into_iter()
            .flatten()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        if !classes.is_empty() {
            inner.set_attr("class", &classes);
        }
        if inner.attr("id").is_none()
            && let Some(id) = outer.attr("id")
        {
            inner.set_attr("id", &id);
        }
        inner.unwrap_node();
    }
}

fn is_wrapper_tag(node: &NodeRef) -> bool {
    matches!(node.node_name().as_deref(), Some("div" | "section"))
}

/// The one `div`/`section` child of `node` when it holds nothing else (bar whitespace).
fn only_child<'a>(node: &NodeRef<'a>) -> Option<NodeRef<'a>> {
    let mut only = None;
    for child in node.children_it(false) {
        if child.is_element() {
            if only.is_some() || !is_wrapper_tag(&child) {
                return None;
            }
            only = Some(child);
        } else if child.is_text() && !child.text().trim().is_empty() {
            return None;
        }
    }
    only
}

/// How much text a subtree holds: all of it a reader sees, the part in paragraphs, the part
/// in links.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TextShare {
    pub visible: usize,
    pub paragraphs: usize,
    /// The part in links.
    pub linked: usize,
}

impl TextShare {
    pub(crate) fn of(node: &NodeRef) -> TextShare {
        let mut share = TextShare::default();
        let mut stack = vec![(*node, false, false)];
        while let Some((n, in_p, in_a)) = stack.pop() {
            if n.is_text() {
                let len = n.text().trim().len();
                share.visible += len;
                if in_p {
                    share.paragraphs += len;
                }
                if in_a {
                    share.linked += len;
                }
            } else if n.is_element() {
                let name = n.node_name();
                let name = name.as_deref().unwrap_or("");
                if matches!(name, "script" | "style" | "noscript" | "template") {
                    continue;
                }
                let in_p = in_p || matches!(name, "p" | "pre" | "blockquote");
                let in_a = in_a || name == "a";
                stack.extend(n.children_it(false).map(|c| (c, in_p, in_a)));
            }
        }
        share
    }

    /// Half the visible text, or a quarter of the paragraph text, of `total`.
    fn is_much_of(&self, total: &TextShare) -> bool {
        self.visible * 2 > total.visible
            || (self.paragraphs > 0 && self.paragraphs * 4 > total.paragraphs)
    }
}

/// Drops lists and blocks of `root` that are mostly links (menus, "more stories", tag clouds):
/// link text over `max_density` of the block's text.
pub(crate) fn drop_link_lists(root: &NodeRef, max_density: f32) {
    let mut doomed = Vec::new();
    for child in root.element_children() {
        link_share(&child, false, max_density, &mut doomed);
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// `(chars, linked chars)` of `node`'s text (whitespace not counted), in one pass over the
/// subtree; the link lists in it go to `doomed`.
fn link_share<'a>(
    node: &NodeRef<'a>,
    in_link: bool,
    max_density: f32,
    doomed: &mut Vec<NodeRef<'a>>,
) -> (usize, usize) {
    if node.is_text() {
        let chars = node.text().chars().filter(|c| !c.is_whitespace()).count();
        return (chars, if in_link { chars } else { 0 });
    }
    if !node.is_element() {
        return (0, 0);
    }
    let in_link = in_link || node.has_name("a");
    let (mut chars, mut linked) = (0, 0);
    for child in node.children_it(false) {
        let (c, l) = link_share(&child, in_link, max_density, doomed);
        chars += c;
        linked += l;
    }
    let container = matches!(
        node.node_name().as_deref(),
        Some("ul" | "ol" | "div" | "section" | "table" | "p" | "dl")
    );
    if container && chars > 0 && chars < 2000 && linked as f32 > max_density * chars as f32 {
        doomed.push(*node);
    }
    (chars, linked)
}

/// Removes the elements matching CSS `selectors` (per-site rules); a bad selector is skipped.
pub(crate) fn remove_selected(doc: &Document, selectors: &[String]) {
    for css in selectors {
        if let Some(selection) = doc.try_select(css) {
            selection.remove();
        }
    }
}

/// Words naming blocks that are never the article however much text they hold (a long
/// comment thread, a cookie wall).
const HARD_WORDS: &[&str] = &[
    "comment", "comments", "disqus", "cookie", "cookies", "consent", "respond", "replies",
];

/// Words that make a class a state of the article rather than a block ("has-comments").
const STATE_WORDS: &[&str] = &[
    "has", "no", "with", "show", "enable", "enabled", "open", "closed", "count",
];

fn is_hard_boilerplate(node: &NodeRef) -> bool {
    let Some(name) = node.node_name() else {
        return false;
    };
    if DROPPED_TAGS.contains(&&*name) && !matches!(&*name, "aside" | "footer") {
        return true;
    }
    if matches!(&*name, "article" | "main" | "body") {
        return false;
    }
    let hard = |value: Option<&str>| {
        value.is_some_and(|v| {
            v.split_whitespace().any(|token| {
                let words = words(token);
                let named =
                    |w: Option<&String>| w.is_some_and(|w| HARD_WORDS.contains(&w.as_str()));
                (named(words.first()) || named(words.last()))
                    && !words.iter().any(|w| STATE_WORDS.contains(&w.as_str()))
            })
        })
    };
    hard(node.attr("class").as_deref()) || hard(node.attr("id").as_deref())
}

fn is_boilerplate(node: &NodeRef) -> bool {
    let Some(name) = node.node_name() else {
        return false;
    };
    if DROPPED_TAGS.contains(&&*name) {
        return true;
    }
    if node.has_attr("hidden") || node.attr("aria-hidden").is_some_and(|v| &*v == "true") {
        return true;
    }
    if node.attr("style").is_some_and(|s| {
        let s = s.to_ascii_lowercase().replace(' ', "");
        s.contains("display:none") || s.contains("visibility:hidden")
    }) {
        return true;
    }
    if node
        .attr("role")
        .is_some_and(|r| DROPPED_ROLES.contains(&&*r.to_ascii_lowercase()))
    {
        return true;
    }
    if matches!(&*name, "body" | "html" | "article" | "main" | "h1" | "p") {
        return false;
    }
    // An id of four words or more is a heading's slug ("sharing-with-a-developer"), not a
    // component name.
    let id = node.attr("id").filter(|id| words(id).len() < 4);
    [node.attr("class"), id]
        .iter()
        .flatten()
        .any(|value| value.split_whitespace().any(names_boilerplate))
}

/// Whether a `class` token or an `id` names a boilerplate block; a BEM modifier (`block--ads`)
/// says how a block looks, not what it is.
fn names_boilerplate(token: &str) -> bool {
    let token = token.split("--").next().unwrap_or(token);
    words(token)
        .iter()
        .any(|w| BOILERPLATE_WORDS.contains(&w.as_str()))
}

/// `articleShareBar` / `article-share_bar` → `article`, `share`, `bar`.
pub(crate) fn words(token: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in token.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_class_tokens_into_words() {
        assert_eq!(words("articleShareBar"), ["article", "share", "bar"]);
        assert_eq!(words("post__related-links"), ["post", "related", "links"]);
    }

    #[test]
    fn prunes_marked_blocks_but_not_the_article() {
        let doc = Document::from(
            r#"<body><div class="share-tools">Share</div>
            <div class="has-sidebar"><p>Long article text that is most of the page, really.</p></div>
            <ul class="tag-list"><li>a</li></ul><div role="navigation">Menu</div></body>"#,
        );
        let body = doc.select("body");
        let body = body.nodes().first().unwrap();
        prune(body);
        let text = body.text();
        assert!(text.contains("Long article text"), "{text}");
        for gone in ["Share", "Menu"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
    }
}
