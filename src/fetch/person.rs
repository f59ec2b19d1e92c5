//! Author and contact text made safe for feed-rs, run on the XML before every feed-rs parse.
//! feed-rs 3.0.0 reads `<author>`, `<managingEditor>`, `<webMaster>`, `<dc:creator>`,
//! `<itunes:author>` and `<itunes:name>` as "name and e-mail" (`parse_person_name_email`) and
//! drops the one byte beside the e-mail it finds; when the character there is multibyte
//! (`Jöhn «a@b.cc»`, a no-break space, `Jö-a@b.cc`) it slices inside it and panics, and the
//! whole feed was lost. Here every e-mail-like run in those elements gets ASCII neighbours.

use std::collections::BTreeMap;

use super::root::{tag_end, tag_name};

/// Local names of the elements whose text feed-rs hands to `Person::parse`.
const PERSON_ELEMENTS: [&str; 5] = ["author", "managingEditor", "webMaster", "creator", "name"];

/// `text` with the text of each person element rewritten where an e-mail-like run (ASCII
/// printable characters around an `@`) touches a non-ASCII character: a non-alphanumeric
/// neighbour (`«`, `”`, a no-break space) becomes a space, as feed-rs means to drop it; an
/// alphanumeric one is kept and a space goes between. `None` when nothing needs it.
pub(crate) fn guard_emails(text: &str) -> Option<String> {
    if !text.contains('@') && !text.contains("&#") {
        return None;
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(lt) = text[from..].find('<') {
        let at = from + lt;
        let tag = &text[at..];
        if let Some(len) = special_len(tag) {
            // A person element inside a CDATA section is some HTML's, not the feed's.
            from = at + len;
            continue;
        }
        from = at + 1;
        let name = tag_name(tag);
        if tag[1..].starts_with(['/', '!', '?']) || !is_person_element(name) {
            continue;
        }
        let Some(len) = tag_end(tag) else { break };
        if tag[..len].ends_with("/>") {
            continue;
        }
        let start = at + len;
        let end = start + text_node_len(&text[start..]);
        let raw = &text[start..end];
        if (raw.contains('@') || raw.contains("&#"))
            && let Some(fixed) = space_emails(&decode(raw))
        {
            out.push_str(&text[copied..start]);
            escape_into(&mut out, &fixed);
            copied = end;
        }
        from = end;
    }
    if out.is_empty() {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

fn is_person_element(name: &str) -> bool {
    let local = name.rsplit(':').next().unwrap_or(name);
    PERSON_ELEMENTS
        .iter()
        .any(|p| p.eq_ignore_ascii_case(local))
}

/// Length of the text node at the start of `text` as feed-rs reads it: character data, CDATA
/// sections, comments and processing instructions up to the next start or end tag.
fn text_node_len(text: &str) -> usize {
    let mut at = 0;
    while let Some(lt) = text[at..].find('<') {
        match special_len(&text[at + lt..]) {
            Some(len) => at += lt + len,
            None => return at + lt,
        }
    }
    text.len()
}

/// Length of the CDATA section, comment or processing instruction at the start of `markup`
/// (all of it when unterminated); `None` when it starts with none of them.
fn special_len(markup: &str) -> Option<usize> {
    let close = [("<![CDATA[", "]]>"), ("<!--", "-->"), ("<?", "?>")]
        .into_iter()
        .find_map(|(open, close)| markup.starts_with(open).then_some(close))?;
    Some(markup.find(close).map_or(markup.len(), |i| i + close.len()))
}

/// The text feed-rs gets from a raw text node: CDATA kept, comments and processing
/// instructions skipped, character references and the five XML entities resolved, other
/// entities left as written.
fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            out.push_str(&after[..end]);
            rest = after.get(end + 3..).unwrap_or("");
        } else if rest.starts_with('<') {
            let close = if rest.starts_with("<!--") {
                "-->"
            } else {
                "?>"
            };
            rest = rest
                .find(close)
                .map_or("", |end| &rest[end + close.len()..]);
        } else if let Some((c, len)) = reference(rest) {
            out.push(c);
            rest = &rest[len..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The character of the reference (`&#171;`, `&#xAB;`, `&amp;`) at the start of `text`, and
/// its length.
fn reference(text: &str) -> Option<(char, usize)> {
    let end = text.find(';')?;
    let name = &text[1..end];
    let c = match name.strip_prefix('#') {
        Some(hex) if hex.starts_with(['x', 'X']) => {
            char::from_u32(u32::from_str_radix(&hex[1..], 16).ok()?)?
        }
        Some(decimal) => char::from_u32(decimal.parse().ok()?)?,
        None => match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => return None,
        },
    };
    Some((c, end + 1))
}

/// `text` with a space beside every e-mail-like run whose neighbour is not ASCII (see
/// [`guard_emails`]); `None` when every neighbour is ASCII already.
fn space_emails(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let graphic = |b: &u8| b.is_ascii_graphic();
    // Byte offset → how many bytes of `text` a space replaces there (0: a space goes in).
    let mut edits: BTreeMap<usize, usize> = BTreeMap::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('@') {
        let at = from + i;
        let start = bytes[..at]
            .iter()
            .rposition(|b| !graphic(b))
            .map_or(0, |p| p + 1);
        let end = bytes[at..]
            .iter()
            .position(|b| !graphic(b))
            .map_or(bytes.len(), |p| at + p);
        if let Some(c) = text[..start].chars().next_back().filter(|c| !c.is_ascii()) {
            if c.is_alphanumeric() {
                edits.insert(start, 0);
            } else {
                edits.insert(start - c.len_utf8(), c.len_utf8());
            }
        }
        if let Some(c) = text[end..].chars().next().filter(|c| !c.is_ascii()) {
            edits.insert(end, if c.is_alphanumeric() { 0 } else { c.len_utf8() });
        }
        from = end.max(at + 1);
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + edits.len());
    let mut copied = 0;
    for (at, replaced) in edits {
        if at < copied {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push(' ');
        copied = at + replaced;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(text: &str) -> String {
        guard_emails(text).unwrap_or_else(|| text.to_owned())
    }

    #[test]
    fn a_multibyte_neighbour_of_an_email_becomes_a_space() {
        assert_eq!(
            guarded("<author>Jöhn «a@b.cc»</author>"),
            "<author>Jöhn  a@b.cc </author>"
        );
        assert_eq!(
            guarded("<dc:creator>Jöhn\u{a0}a@b.cc</dc:creator>"),
            "<dc:creator>Jöhn a@b.cc</dc:creator>"
        );
        // A letter stays; a space goes between.
        assert_eq!(
            guarded("<author>Jö-a@b.cc</author>"),
            "<author>Jö -a@b.cc</author>"
        );
    }

    #[test]
    fn references_and_cdata_are_read_as_feed_rs_reads_them() {
        assert_eq!(
            guarded("<managingEditor>&#171;a@b.cc&#187; J&amp;J</managingEditor>"),
            "<managingEditor> a@b.cc  J&amp;J</managingEditor>"
        );
        assert_eq!(
            guarded("<itunes:name><![CDATA[«a@b.cc»]]><!-- x --> &lt;</itunes:name>"),
            "<itunes:name> a@b.cc  &lt;</itunes:name>"
        );
    }

    #[test]
    fn other_text_and_ascii_neighbours_are_left_alone() {
        for text in [
            "<author>John Doe (a@b.cc)</author><title>«a@b.cc»</title>",
            "<author>Jöhn «Doe»</author>",
            "<author><name>a@b.cc</name></author>",
            "<creator/>«a@b.cc»",
            "<description><![CDATA[<author>«a@b.cc»</author>]]></description>",
        ] {
            assert_eq!(guard_emails(text), None, "{text}");
        }
    }
}
