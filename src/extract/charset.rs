//! Bytes → text for HTML pages: BOM, then the HTTP `Content-Type` charset, then a
//! `<meta charset>` in the first kilobytes (unless the bytes are UTF-8 with non-ASCII text in
//! them: pages re-saved as UTF-8 keep their old declaration), then UTF-8 when the bytes are
//! UTF-8, else `chardetng`'s guess (old Latin-1 / windows-1252 pages that declare nothing).

use encoding_rs::{Encoding, UTF_8};

/// How far into the page a `<meta charset>` is looked for (the HTML spec says 1024 bytes;
/// real pages put long `<head>`s first, so look further).
const META_SNIFF_BYTES: usize = 4096;

/// Decodes an HTML page to a string.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let encoding = content_type
        .and_then(charset_param)
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
    if is_utf8(bytes) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// The `charset=` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
    })
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
