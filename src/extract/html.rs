//! The article as HTML for display: the cleaned content subtree, links and images made
//! absolute, promo lines dropped, then sanitized by `ammonia` to a small set of tags (no
//! scripts, styles, frames, event handlers or `javascript:` links). Pages whose text did not
//! come from a content subtree get escaped paragraphs instead.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use dom_query::NodeRef;
use url::Url;

use super::text;
use crate::entities::escape_html;

/// Tags kept for display; others are unwrapped to their text.
const KEPT_TAGS: &[&str] = &[
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "a",
    "img",
    "em",
    "strong",
    "i",
    "b",
    "figure",
    "figcaption",
];

/// Tags dropped with everything in them (the `h1` is the headline, which is shown apart).
const DROPPED_TAGS: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "form",
    "select", "textarea", "button", "h1",
];

/// The sanitizer, built once: relative URLs were already made absolute, so any left are
/// dropped, and only web and mail links survive.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(sanitizer);

fn sanitizer() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(KEPT_TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_TAGS.iter().copied().collect())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("img", HashSet::from(["src", "alt"])),
        ]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener nofollow"))
        .strip_comments(true);
    builder
}

/// HTML from elsewhere (a feed's `content:encoded` or description, when the page gave no
/// article) made safe for display the same way, relative links resolved against `base`.
pub fn sanitize_html(html: &str, base: &str) -> String {
    let mut builder = sanitizer();
    match Url::parse(base) {
        Ok(base) => builder.url_relative(UrlRelative::RewriteWithBase(base)),
        Err(_) => builder.url_relative(UrlRelative::Deny),
    };
    let html = super::nesting::cap_nesting(html);
    collapse_blank_lines(&builder.clean(&html).to_string())
}

/// `root`'s subtree as sanitized HTML, URLs resolved against `base`, without the blocks that
/// read as one of the `dropped` lines of the text. Changes the subtree, so call it after the
/// text is rendered.
pub(crate) fn sanitized(root: &NodeRef, base: Option<&Url>, dropped: &[String]) -> String {
    absolutize(root, base);
    if !dropped.is_empty() {
        drop_blocks(root, dropped);
    }
    let html = root.inner_html();
    let clean = SANITIZER.clean(&html).to_string();
    collapse_blank_lines(&clean)
}

/// Makes `a[href]` and `img[src]` absolute (a lazy image's real address, `data-src`, replacing
/// its placeholder) and drops every other attribute, which the sanitizer would drop anyway:
/// the fragment it parses is then a good deal smaller.
fn absolutize(root: &NodeRef, base: Option<&Url>) {
    let resolve = |value: &str| -> Option<String> {
        let value = value.trim();
        match base {
            Some(base) => base.join(value).ok(),
            None => Url::parse(value).ok(),
        }
        .map(String::from)
    };
    let elements: Vec<NodeRef> = root.descendants_it().filter(NodeRef::is_element).collect();
    for node in elements {
        let (attr, lazy) = if node.has_name("a") {
            ("href", None)
        } else if node.has_name("img") {
            ("src", Some(["data-src", "data-lazy-src", "data-original"]))
        } else {
            node.remove_all_attrs();
            continue;
        };
        let current = node.attr(attr);
        let placeholder = current
            .as_deref()
            .is_none_or(|v| v.trim().is_empty() || v.trim_start().starts_with("data:"));
        let value = lazy
            .filter(|_| placeholder)
            .and_then(|names| names.iter().find_map(|n| node.attr(n)))
            .or(current);
        node.retain_attrs(&["alt"]);
        if let Some(url) = value.as_deref().and_then(resolve) {
            node.set_attr(attr, &url);
        }
    }
}

/// Removes the short blocks the text rendering dropped ("Share", "Read more: …", bylines).
fn drop_blocks(root: &NodeRef, dropped: &[String]) {
    let dropped: HashSet<&str> = dropped.iter().map(String::as_str).collect();
    let mut doomed = Vec::new();
    short_text(root, &dropped, &mut doomed);
    for node in doomed {
        node.remove_from_parent();
    }
}

/// The length of `node`'s text, in one pass over the subtree; blocks in it that read as a
/// `dropped` line (short blocks without blocks inside, as the text's paragraphs are) go to
/// `doomed`. `None` when the subtree holds an image or much text.
fn short_text<'a>(
    node: &NodeRef<'a>,
    dropped: &HashSet<&str>,
    doomed: &mut Vec<NodeRef<'a>>,
) -> Option<usize> {
    let mut len = Some(0usize);
    let mut leaf = true;
    for child in node.children_it(false) {
        if child.is_element()
            && child
                .node_name()
                .is_some_and(|n| text::BLOCK_TAGS.contains(&&*n))
        {
            leaf = false;
        }
        let part = if child.is_text() {
            Some(child.text().len())
        } else if child.is_element() {
            if child.has_name("img") {
                None
            } else {
                short_text(&child, dropped, doomed)
            }
        } else {
            Some(0)
        };
        len = len.zip(part).map(|(a, b)| a + b);
    }
    let len = len.filter(|&l| l <= PROMO_MAX_BYTES);
    if len.is_some()
        && leaf
        && matches!(
            node.node_name().as_deref(),
            Some("p" | "li" | "div" | "span" | "h2" | "h3" | "h4" | "h5" | "h6")
        )
        && dropped.contains(text::normalize(&node.text()).as_str())
    {
        doomed.push(*node);
    }
    len
}

/// Blocks longer than this (in bytes; a promo line is under 160 characters) are no promo line.
const PROMO_MAX_BYTES: usize = 640;

/// The serialized fragment without the blank lines and indentation the page's source and the
/// removed blocks leave (kept as they are where preformatted text may hold them).
fn collapse_blank_lines(html: &str) -> String {
    if html.contains("<pre") {
        return html.trim().to_owned() + "\n";
    }
    let mut out = String::with_capacity(html.len());
    for line in html.lines().map(str::trim).filter(|l| !l.is_empty()) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The paragraphs as minimal, safe HTML: the fallback when no content subtree was found.
pub(crate) fn paragraphs(paragraphs: &[String]) -> String {
    let mut out = String::new();
    for p in paragraphs {
        out.push_str("<p>");
        out.push_str(&escape_html(p));
        out.push_str("</p>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use dom_query::Document;

    use super::*;

    fn clean(body: &str) -> String {
        let doc = Document::from(format!("<html><body>{body}</body></html>"));
        let base = Url::parse("https://news.example/world/story.html").unwrap();
        let root = doc.select("body");
        let root = root.nodes().first().unwrap();
        let (_, dropped) = text::paragraphs_and_dropped(root);
        sanitized(root, Some(&base), &dropped)
    }

    #[test]
    fn a_feeds_html_is_sanitized_with_links_resolved_against_the_item() {
        let html = sanitize_html(
            r#"<p>Read <a href="/world/more.html" onclick="x()">more</a>.<script>alert(1)</script></p>
            <img src="photo.jpg"><a href="javascript:alert(2)">bad</a>"#,
            "https://news.example/world/story.html",
        );
        assert!(
            html.contains(r#"href="https://news.example/world/more.html""#),
            "{html}"
        );
        assert!(
            html.contains(r#"src="https://news.example/world/photo.jpg""#),
            "{html}"
        );
        for gone in ["script", "alert", "onclick", "javascript"] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
    }

    #[test]
    fn scripts_handlers_and_javascript_links_go() {
        let html = clean(
            r#"<p onclick="steal()">Text <script>alert(1)</script><a href="javascript:alert(2)">bad</a></p>
            <img src="x.png" onerror="alert(3)"><iframe src="https://ads.example/"></iframe>
            <style>p { color: red }</style><p style="color: red" class="x">More text.</p>"#,
        );
        for gone in [
            "script",
            "alert",
            "onclick",
            "onerror",
            "iframe",
            "style",
            "javascript",
            "class",
        ] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
        assert!(
            html.contains("<p>Text <a rel=\"noopener nofollow\">bad</a></p>"),
            "{html}"
        );
        assert!(html.contains("<p>More text.</p>"), "{html}");
    }

    #[test]
    fn relative_links_and_images_become_absolute() {
        let html = clean(
            r#"<p>See <a href="/world/other.html">the other story</a>.</p>
            <figure><img src="data:image/gif;base64,R0l" data-src="../img/a.jpg" alt="Harbour"><figcaption>The harbour.</figcaption></figure>"#,
        );
        assert!(
            html.contains(
                r#"<a href="https://news.example/world/other.html" rel="noopener nofollow">the other story</a>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<img alt="Harbour" src="https://news.example/img/a.jpg">"#),
            "{html}"
        );
        assert!(
            html.contains("<figcaption>The harbour.</figcaption>"),
            "{html}"
        );
    }

    #[test]
    fn structure_is_kept_and_promo_lines_dropped() {
        let html = clean(
            "<div class=\"x\"><h1>Headline</h1><h2>Part one</h2><p>Body <em>text</em>.</p>\
             <ul><li>one</li><li><strong>two</strong></li></ul><blockquote>Quote</blockquote>\
             <p>Share</p><p>Read more: another story</p></div>",
        );
        assert_eq!(
            html,
            "<h2>Part one</h2><p>Body <em>text</em>.</p><ul><li>one</li><li><strong>two</strong></li></ul>\
             <blockquote>Quote</blockquote>\n"
        );
    }

    #[test]
    fn fallback_paragraphs_are_escaped() {
        assert_eq!(
            paragraphs(&["a < b & \"c\"".to_owned()]),
            "<p>a &lt; b &amp; &quot;c&quot;</p>\n"
        );
    }
}
