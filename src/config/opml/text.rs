//! Text of a lenient OPML read: bytes to a string whatever the encoding, entity references
//! decoded where they are references and left alone where an `&` is just an ampersand.

use std::borrow::Cow;

/// `feed://host/x` and `feed:https://host/x`, which some exporters write, as plain http(s).
pub(super) fn feed_scheme_to_http(url: &str) -> String {
    let url = url.trim();
    match url.get(..5) {
        Some(scheme) if scheme.eq_ignore_ascii_case("feed:") => {
            let rest = &url[5..];
            if rest.starts_with("//") {
                format!("http:{rest}")
            } else {
                rest.to_owned()
            }
        }
        _ => url.to_owned(),
    }
}

/// Bytes to text, as a feed's are read (`crate::charset::decode_xml`).
pub(super) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    crate::charset::decode_xml(bytes, None).text
}

/// Replaces XML and common HTML entity references; an `&` that starts no known reference (a
/// raw `&` in a URL's query) stays as it is.
pub(super) fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let reference = after
            .get(..after.len().min(12))
            .and_then(|head| head.find(';'))
            .and_then(|end| Some((entity(&after[..end])?, end)));
        match reference {
            Some((ch, end)) => {
                out.push(ch);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character an entity name (`amp`, `#8211`, `#x2013`, `eacute`) stands for.
fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    crate::entities::lookup(name)
}

pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_decoded_and_stray_ampersands_kept() {
        assert_eq!(unescape("a=1&b=2&amp;c=&#51;"), "a=1&b=2&c=3");
        assert_eq!(
            unescape("&eacute;&#x2019;&bogus;&#0;&"),
            "é\u{2019}&bogus;&#0;&"
        );
        assert_eq!(unescape("plain"), "plain");
    }

    #[test]
    fn encodings_are_found_from_bom_or_declaration() {
        assert_eq!(decode(b"\xef\xbb\xbf<opml/>"), "<opml/>");
        assert_eq!(
            decode(b"<?xml version='1.0' encoding='latin1'?><opml>\xe9t\xe9</opml>"),
            "<?xml version='1.0' encoding='latin1'?><opml>été</opml>"
        );
        assert_eq!(decode(b"<opml>\xe9</opml>"), "<opml>é</opml>");
    }
}
