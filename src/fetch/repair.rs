//! XML repair for documents feed-rs rejects, in the spirit of feedparser's loose parser: one
//! pass that balances tags, closes what a truncated file left open, escapes stray `&` and `<`
//! and turns undeclared HTML entities into characters. Run only after a strict parse failed.

use super::root::{tag_end, tag_name};
use crate::entities;

pub(crate) use super::root::{extract_embedded_feed, normalize_root};

/// A well-formed rendering of `text`: an end tag closes every element opened after its match,
/// an end tag without a match is dropped, and whatever is open at the end is closed.
pub(crate) fn rebalance(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut open: Vec<&str> = Vec::new();
    let mut rest = text;
    let mut truncated = false;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        let markup = &rest[lt..];
        if ["<![CDATA[", "<!--"].iter().any(|m| m.starts_with(markup)) {
            // Cut off inside the opener itself.
            truncated = true;
            break;
        }
        let consumed = if let Some(len) = special_markup(markup) {
            out.push_str(&markup[..len.min(markup.len())]);
            if len > markup.len() {
                out.push_str(closing_of(markup));
            }
            len.min(markup.len())
        } else if markup[1..].starts_with('/') {
            let Some(len) = tag_end(markup) else {
                truncated = true;
                break;
            };
            let name = tag_name(markup);
            if let Some(depth) = open.iter().rposition(|n| *n == name) {
                for unclosed in open.drain(depth..).rev() {
                    push_end(&mut out, unclosed);
                }
            }
            len
        } else if markup[1..].starts_with(|c: char| c.is_alphabetic() || c == '_') {
            // A tag cut off by the end of the file is dropped with what follows it.
            let Some(len) = tag_end(markup) else {
                truncated = true;
                break;
            };
            let tag = &markup[..len];
            push_start_tag(&mut out, tag);
            if !tag.ends_with("/>") {
                open.push(tag_name(tag));
            }
            len
        } else {
            out.push_str("&lt;");
            1
        };
        rest = &markup[consumed..];
    }
    if !truncated {
        push_text(&mut out, rest);
    }
    for name in open.into_iter().rev() {
        push_end(&mut out, name);
    }
    out
}

/// Length of a comment, CDATA section, processing instruction or doctype at the start of
/// `markup`; past the end of `markup` when it is not terminated.
fn special_markup(markup: &str) -> Option<usize> {
    let (open, close) = [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")]
        .into_iter()
        .find(|(open, _)| markup.starts_with(open))
        .or_else(|| markup.starts_with("<!").then_some(("<!", ">")))?;
    if open == "<!" && markup.contains('[') {
        // A doctype with an internal subset ends at "]>".
        if let Some(subset) = markup
            .find('[')
            .filter(|i| markup[..*i].find('>').is_none())
        {
            return Some(
                markup[subset..]
                    .find("]>")
                    .map_or(markup.len() + 1, |i| subset + i + 2),
            );
        }
    }
    Some(
        markup[open.len()..]
            .find(close)
            .map_or(markup.len() + 1, |i| open.len() + i + close.len()),
    )
}

fn closing_of(markup: &str) -> &'static str {
    match () {
        _ if markup.starts_with("<!--") => "-->",
        _ if markup.starts_with("<![CDATA[") => "]]>",
        _ if markup.starts_with("<?") => "?>",
        _ => ">",
    }
}

fn push_end(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A start tag with bare `&` in attribute values escaped.
fn push_start_tag(out: &mut String, tag: &str) {
    if !tag.contains('&') {
        out.push_str(tag);
        return;
    }
    push_text(out, tag);
}

/// Character data with every `&` that does not start a reference escaped, and HTML entities
/// (which XML does not know) replaced by their characters.
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        if let Some(len) = numeric_reference(after) {
            out.push('&');
            out.push_str(&after[..len]);
            rest = &after[len..];
            continue;
        }
        match entities::reference_name(after) {
            Some(name @ ("amp" | "lt" | "gt" | "quot" | "apos")) => {
                out.push('&');
                out.push_str(name);
                out.push(';');
                rest = &after[name.len() + 1..];
            }
            Some(name) if entities::lookup(name).is_some() => {
                let c = entities::lookup(name).unwrap_or_default();
                out.push_str(&format!("&#{};", u32::from(c)));
                rest = &after[name.len() + 1..];
            }
            _ => {
                out.push_str("&amp;");
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Length of `#123;` or `#x1F;` at the start of `text`.
fn numeric_reference(text: &str) -> Option<usize> {
    let body = text.strip_prefix('#')?;
    let (digits, radix, skip) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 2),
        None => (body, 10, 1),
    };
    let end = digits.find(';')?;
    let code = u32::from_str_radix(&digits[..end], radix).ok()?;
    char::from_u32(code)?;
    Some(skip + end + 1)
}

/// After feed-rs rejected the element whose start tag ends at byte `position` (empty where
/// text is required, or of an unknown type): the text without that element and without any
/// other empty element of the same name. `None` when nothing could be removed.
pub(crate) fn drop_elements_like(text: &str, position: usize) -> Option<String> {
    let head = text.get(..position.min(text.len()))?;
    let lt = head.rfind('<')?;
    let len = tag_end(&text[lt..])?;
    let tag = &text[lt..lt + len];
    let name = tag_name(tag).to_owned();
    let end = if tag.ends_with("/>") {
        lt + len
    } else {
        element_end(text, lt + len, &name)?
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&drop_empty(&text[..lt], &name));
    out.push_str(&drop_empty(&text[end..], &name));
    Some(out)
}

/// End (exclusive) of the element whose content starts at `from`: after its end tag.
fn element_end(text: &str, from: usize, name: &str) -> Option<usize> {
    let close = format!("</{name}");
    let at = from + text[from..].find(&close)?;
    Some(at + tag_end(&text[at..])?)
}

/// `text` without the empty `<name …/>` and `<name …></name>` elements.
fn drop_empty(text: &str, name: &str) -> String {
    let open = format!("<{name}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        let candidate = &rest[i..];
        let delimited = candidate[open.len()..]
            .starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/');
        let empty_end = tag_end(candidate).filter(|_| delimited).and_then(|len| {
            if candidate[..len].ends_with("/>") {
                return Some(len);
            }
            let after = &candidate[len..];
            let content = after.len() - after.trim_start().len();
            after
                .trim_start()
                .starts_with(&format!("</{name}>"))
                .then(|| len + content + name.len() + 3)
        });
        match empty_end {
            Some(len) => {
                out.push_str(&rest[..i]);
                rest = &candidate[len..];
            }
            None => {
                out.push_str(&rest[..i + open.len()]);
                rest = &candidate[open.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Drops the XML declarations of a document already decoded to UTF-8. One that names an
/// encoding makes quick-xml panic inside feed-rs unless it is the very first thing it reads
/// (two feeds pasted together, a declaration left unterminated: found by `fuzz/` target
/// `feed`), and without one XML is UTF-8, which the text is. A declaration ends at its first
/// `>`, since none of its values holds one. `None` when there is none.
pub(crate) fn drop_declarations(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let is_declaration = |at: usize| {
        bytes.len() >= at + 6
            && bytes[at + 2..at + 5].eq_ignore_ascii_case(b"xml")
            && matches!(bytes[at + 5], b' ' | b'\t' | b'\r' | b'\n' | b'?')
    };
    let found: Vec<usize> = text
        .match_indices("<?")
        .map(|(at, _)| at)
        .filter(|&at| is_declaration(at))
        .collect();
    if found.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for at in found {
        if at < copied {
            continue;
        }
        out.push_str(&text[copied..at]);
        copied = text[at..].find('>').map_or(text.len(), |end| at + end + 1);
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatched_tags_are_balanced() {
        assert_eq!(
            rebalance("<rss><channel><item><title>a</item><b></x></channel></rss>"),
            "<rss><channel><item><title>a</title></item><b></b></channel></rss>"
        );
    }

    #[test]
    fn truncated_document_is_closed() {
        assert_eq!(
            rebalance("<rss><channel><item><title>a</title><link>htt"),
            "<rss><channel><item><title>a</title><link>htt</link></item></channel></rss>"
        );
        assert_eq!(rebalance("<a><b x=\"1"), "<a></a>");
        assert_eq!(rebalance("<a><![CDATA[x"), "<a><![CDATA[x]]></a>");
        assert_eq!(rebalance("<a>x<![CDA"), "<a>x</a>");
    }

    #[test]
    fn entities_and_stray_ampersands_are_made_xml() {
        assert_eq!(
            rebalance("<t>Caf&eacute; &amp; R&D &#233; &bogus; 1 < 2</t>"),
            "<t>Caf&#233; &amp; R&amp;D &#233; &amp;bogus; 1 &lt; 2</t>"
        );
        assert_eq!(
            rebalance("<a href=\"?a=1&b=2\"/>"),
            "<a href=\"?a=1&amp;b=2\"/>"
        );
    }

    #[test]
    fn empty_elements_of_the_rejected_name_are_dropped() {
        let text = "<item><media:description/><title>t</title><media:description type=\"plain\"></media:description><media:description>ok</media:description></item>";
        let at = text.find("/>").unwrap() + 2;
        assert_eq!(
            drop_elements_like(text, at).as_deref(),
            Some("<item><title>t</title><media:description>ok</media:description></item>")
        );
    }

    #[test]
    fn declarations_are_dropped_fuzz_crash_quick_xml_set_encoding_panic() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss><channel>\
                    <?xml version=\"1.0\" encoding=\"windows-1251\"?><title>T</title>\
                    </channel></rss>";
        assert_eq!(
            drop_declarations(text).expect("declarations"),
            "\n<rss><channel><title>T</title></channel></rss>"
        );
        // Unterminated: it ends at its first `>`.
        assert_eq!(
            drop_declarations("<?xml version=\"1.0\" encoding=\"windows-1251\"title>\n<link>")
                .as_deref(),
            Some("\n<link>")
        );
        assert_eq!(
            drop_declarations("<rss><?xml-stylesheet href=\"a\"?></rss>"),
            None
        );
    }
}
