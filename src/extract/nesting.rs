//! Nesting capped before parsing. html5ever's tree builder looks through the stack of open
//! elements for many start tags, so a page nested 100,000 levels deep costs it quadratic time
//! (minutes), and every recursive walk after it a deep stack. One linear scan estimates the
//! depth of each tag; tags beyond [`MAX_DEPTH`] are dropped, their text kept.

use std::borrow::Cow;

use memchr::memchr;

/// Deepest element kept. Real pages stay under a hundred.
pub const MAX_DEPTH: usize = 512;

/// Closed implicitly by the next of their kind (or never opened outside their context), so a
/// long run of them does not nest: not counted.
const FLAT: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "option",
    "optgroup", "rb", "rt", "rp",
];

/// Void elements: never opened.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen",
];

/// Elements whose content is text up to their end tag, not markup.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

fn is_one_of(name: &str, set: &[&str]) -> bool {
    set.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// `html` with the tags nested deeper than [`MAX_DEPTH`] removed (borrowed when none are).
pub fn cap_nesting(html: &str) -> Cow<'_, str> {
    cap_nesting_at(html, MAX_DEPTH)
}

fn cap_nesting_at(html: &str, max: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut depth = 0usize;
    // Open `<svg>`/`<math>` elements: inside them, `<x/>` closes itself.
    let mut foreign = 0usize;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            at = find(bytes, start + 4, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_at = start + 1 + usize::from(closing);
        if !bytes.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
            at = start + 1;
            continue;
        }
        let name_len = bytes[name_at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_'))
            .count();
        let name = &html[name_at..name_at + name_len];
        let end = memchr(b'>', &bytes[name_at..]).map_or(bytes.len(), |e| name_at + e + 1);
        let self_closing = bytes[..end].ends_with(b"/>");
        at = end;
        if !closing && is_one_of(name, RAW_TEXT) {
            // Skip to the end tag; it is seen next, and not counted either.
            at = find_end_tag(bytes, end, name).unwrap_or(bytes.len());
            continue;
        }
        if is_one_of(name, FLAT)
            || is_one_of(name, VOID)
            || is_one_of(name, RAW_TEXT)
            || (self_closing && foreign > 0)
        {
            continue;
        }
        let is_foreign = name.eq_ignore_ascii_case("svg") || name.eq_ignore_ascii_case("math");
        let drop = if closing {
            let deep = depth > max;
            depth = depth.saturating_sub(1);
            if is_foreign {
                foreign = foreign.saturating_sub(1);
            }
            deep
        } else {
            depth += 1;
            if is_foreign && !self_closing {
                foreign += 1;
            }
            depth > max
        };
        if drop {
            let out = out.get_or_insert_with(|| String::with_capacity(html.len()));
            out.push_str(&html[copied..start]);
            copied = end;
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&html[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(html),
    }
}

/// Where `needle` first occurs in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&bytes[from..], needle).map(|at| from + at)
}

/// Where the end tag `</name` (any case) first occurs at or after `from`.
fn find_end_tag(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    while let Some(found) = find(bytes, at, b"</") {
        let candidate = &bytes[found + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return Some(found);
        }
        at = found + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_pages_are_left_alone() {
        let html = "<html><body><div><p>One<p>Two<ul><li>a<li>b</ul><br><img src=x>\
                    <svg><path d=\"M0\"/><path/></svg><script>if (a<b) {}</script></div>";
        assert!(matches!(cap_nesting_at(html, 4), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_beyond_the_limit_are_dropped_and_their_text_kept() {
        let html = format!(
            "<body>{}<b>deep</b> text{}</body>",
            "<div>".repeat(10),
            "</div>".repeat(10)
        );
        let capped = cap_nesting_at(&html, 3);
        assert_eq!(
            capped, "<body><div><div>deep text</div></div></body>",
            "body and two divs are kept"
        );
    }

    #[test]
    fn self_closing_html_tags_still_nest() {
        let html = "<div/>".repeat(10);
        assert_eq!(cap_nesting_at(&html, 2), "<div/><div/>");
    }

    #[test]
    fn a_page_100000_deep_is_capped_in_one_pass() {
        let html = format!(
            "{}text{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let capped = cap_nesting(&html);
        assert_eq!(capped.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(capped.matches("</div>").count(), MAX_DEPTH);
        assert!(capped.contains("text"));
    }
}
