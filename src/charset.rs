//! Bytes → UTF-8 text, before any parser sees them, for the two kinds of document newsd reads.
//! XML (feeds, OPML): a byte-order mark, the shape of UTF-16 without one, bytes that are valid
//! UTF-8, then the declared charset (HTTP `Content-Type`, the XML declaration) and finally
//! `chardetng`'s guess. HTML pages: a BOM, then the HTTP charset, then a `<meta charset>` in
//! the first kilobytes (unless the bytes are UTF-8 with non-ASCII text in them: pages re-saved
//! as UTF-8 keep their old declaration), then UTF-8 when the bytes are UTF-8, else the guess
//! (old Latin-1 / windows-1252 pages that declare nothing).

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// XML text as UTF-8, with the encoding it was read in.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static Encoding,
}

/// Decodes `bytes` to UTF-8. `content_type` is the HTTP header, if any. Never fails: bytes that
/// are invalid in the chosen encoding become U+FFFD.
pub(crate) fn decode_xml<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Decoded<'a> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_as(&bytes[bom_len..], encoding);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return decode_as(bytes, encoding);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            // Valid UTF-8 wins over any declaration: text that happens to be valid UTF-8 in a
            // single-byte encoding is vanishingly rare, a wrong `encoding="iso-8859-1"` is not.
            return Decoded {
                text: Cow::Borrowed(text),
                encoding: UTF_8,
            };
        }
        // A body cut inside its last character is still UTF-8.
        Err(e) if e.error_len().is_none() => return decode_as(bytes, UTF_8),
        Err(_) => {}
    }
    let declared = content_type
        .and_then(charset_of_content_type)
        .or_else(|| xml_declared_encoding(bytes))
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        // Bytes are not UTF-8, so a UTF-8 (or UTF-16, which was ruled out above) label lies.
        .filter(|e| *e != UTF_8 && *e != UTF_16LE && *e != UTF_16BE);
    let encoding = declared.unwrap_or_else(|| guess(bytes));
    decode_as(bytes, encoding)
}

fn decode_as<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Decoded<'a> {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Decoded { text, encoding }
}

/// UTF-16 without a byte-order mark: an XML document starts with `<` (0x3C) next to a zero byte.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes {
        [0, b'<', 0, _, ..] => Some(UTF_16BE),
        [b'<', 0, _, 0, ..] => Some(UTF_16LE),
        _ => None,
    }
}

/// `charset=` parameter of a `Content-Type` header value.
fn charset_of_content_type(value: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (name, v) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\'').to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// `encoding` pseudo-attribute of an XML declaration at the start of `bytes`.
fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let start = memchr::memmem::find(head, b"<?xml")?;
    let end = start + memchr::memmem::find(&head[start..], b"?>")?;
    let decl = &head[start..end];
    let at = memchr::memmem::find(decl, b"encoding")? + "encoding".len();
    let rest = decl[at..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let quote = *rest.first().filter(|q| **q == b'"' || **q == b'\'')?;
    let value = &rest[1..];
    let len = memchr::memchr(quote, value)?;
    Some(String::from_utf8_lossy(&value[..len]).into_owned())
}

/// `chardetng`'s guess for bytes that are neither UTF-8 nor declared; windows-1252 when the
/// bytes are too few to tell.
fn guess(bytes: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    if !detector.feed(bytes, true) {
        return WINDOWS_1252;
    }
    detector.guess(None, Utf8Detection::Deny)
}

/// Makes the XML declaration at the start of `text` agree with the text now being UTF-8: its
/// `encoding` pseudo-attribute is replaced. Returns `None` when no change is needed.
pub(crate) fn rewrite_declared_encoding(text: &str) -> Option<String> {
    let head = &text[..floor_char_boundary(text, 512)];
    let start = head.find("<?xml")?;
    let end = start + head[start..].find("?>")?;
    let decl = &head[start..end];
    let at = decl.find("encoding")?;
    let rest = &decl[at + "encoding".len()..];
    let eq = rest.find('=')?;
    let value = rest[eq + 1..].trim_start();
    let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let len = value[1..].find(quote)?;
    let label = &value[1..1 + len];
    if label.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let value_start = start + at + "encoding".len() + eq + 1 + (rest[eq + 1..].len() - value.len());
    let value_end = value_start + len + 2;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..value_start]);
    out.push_str("\"utf-8\"");
    out.push_str(&text[value_end..]);
    Some(out)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// How far into the page a `<meta charset>` is looked for (the HTML spec says 1024 bytes;
/// real pages put long `<head>`s first, so look further).
const META_SNIFF_BYTES: usize = 4096;

/// Decodes an HTML page to a string.
pub(crate) fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let encoding = content_type
        .and_then(charset_of_content_type)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| {
            meta_charset(&bytes[..bytes.len().min(META_SNIFF_BYTES)])
                .filter(|declared| *declared == UTF_8 || bytes.is_ascii() || !is_utf8(bytes))
        })
        .unwrap_or_else(|| sniff(bytes));
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Whether `bytes` are UTF-8 (a sequence cut off at the very end, by a size cap, counts).
fn is_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    }
}

/// UTF-8 when the bytes are valid UTF-8, else the encoding `chardetng` guesses.
fn sniff(bytes: &[u8]) -> &'static Encoding {
    if is_utf8(bytes) { UTF_8 } else { guess(bytes) }
}

/// The encoding named by `<meta charset=…>` or `<meta http-equiv … content="…charset=…">`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("charset") {
        rest = &rest[at + "charset".len()..];
        let value = rest.trim_start().strip_prefix('=')?.trim_start();
        let value = value.trim_start_matches(['"', '\'']);
        let end = value
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(value.len());
        if let Some(encoding) = Encoding::for_label(&value.as_bytes()[..end]) {
            return Some(encoding);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_bom_is_decoded() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss>é</rss>";
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        let decoded = decode_xml(&bytes, None);
        assert_eq!(decoded.encoding, UTF_16BE);
        assert_eq!(decoded.text, text);
    }

    #[test]
    fn utf16le_without_bom_is_recognised() {
        let bytes: Vec<u8> = "<rss/>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(decode_xml(&bytes, None).text, "<rss/>");
    }

    #[test]
    fn valid_utf8_wins_over_a_lying_declaration() {
        let bytes = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Motörhead</t>".as_bytes();
        assert_eq!(decode_xml(bytes, None).encoding, UTF_8);
    }

    #[test]
    fn undeclared_latin1_is_guessed() {
        let bytes = b"<rss><title>Caf\xe9 cr\xe8me, d\xe9j\xe0 vu, \xe9t\xe9</title></rss>";
        let decoded = decode_xml(bytes, None);
        assert_eq!(
            decoded.text,
            "<rss><title>Café crème, déjà vu, été</title></rss>"
        );
    }

    #[test]
    fn declared_single_byte_charset_is_used() {
        let bytes = b"<?xml version='1.0' encoding='windows-1251'?><t>\xcf\xf0\xe8\xe2\xe5\xf2</t>";
        assert!(decode_xml(bytes, None).text.contains("Привет"));
        let http = decode_xml(
            b"<t>\xcf\xf0\xe8\xe2\xe5\xf2</t>",
            Some("text/xml; charset=cp1251"),
        );
        assert!(http.text.contains("Привет"));
    }

    #[test]
    fn declaration_is_rewritten_to_utf8() {
        let out = rewrite_declared_encoding("<?xml version=\"1.0\" encoding='utf-16'?><a/>");
        assert_eq!(
            out.as_deref(),
            Some("<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>")
        );
        assert!(rewrite_declared_encoding("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").is_none());
    }

    #[test]
    fn header_charset_wins_over_default() {
        let latin1 = b"<p>caf\xe9</p>";
        assert_eq!(
            decode_html(latin1, Some("text/html; charset=ISO-8859-1")),
            "<p>café</p>"
        );
    }

    #[test]
    fn meta_charset_is_used_without_header() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><p>na\xefve</p>";
        assert!(decode_html(page, Some("text/html")).contains("naïve"));
    }

    #[test]
    fn utf8_bytes_win_over_a_stale_meta_declaration() {
        let page = "<meta charset=\"gb2312\"><title>新电脑</title>".as_bytes();
        assert!(decode_html(page, None).contains("新电脑"));
    }

    #[test]
    fn undeclared_latin1_is_sniffed() {
        let page = "<p>Les élèves répètent déjà à l’école, où la fête approche.</p>".as_bytes();
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(std::str::from_utf8(page).unwrap());
        assert!(decode_html(&latin1, None).contains("élèves répètent déjà"));
        assert!(decode_html(page, None).contains("l’école"));
    }

    #[test]
    fn bom_wins() {
        assert_eq!(
            decode_html(b"\xef\xbb\xbfok", Some("text/html; charset=latin1")),
            "ok"
        );
    }
}
