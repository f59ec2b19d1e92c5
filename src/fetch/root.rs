//! The root element of an XML feed, normalised before feed-rs dispatches on it: junk before the
//! first tag dropped, `<rss>` without (or with an unknown) version read as RSS 2.0, and the
//! namespaces of RSS 0.90, UserLand RSS and Atom 0.3 mapped to the ones feed-rs knows.

use std::borrow::Cow;

use super::entry::FeedFormat;

const RSS10_NS: &str = "http://purl.org/rss/1.0/";
const RSS090_NS: &str = "http://my.netscape.com/rdf/simple/0.9/";
const ATOM10_NS: &str = "http://www.w3.org/2005/Atom";
const ATOM03_NS: &str = "http://purl.org/atom/ns#";

/// What the root element said before it was normalised.
#[derive(Debug, Clone, Default)]
pub(crate) struct RootInfo {
    /// `version` attribute of an `<rss>` root.
    pub rss_version: Option<String>,
    /// An RDF root in the RSS 0.90 namespace.
    pub rss090: bool,
    /// The text was changed in a way feedparser would call malformed (junk before the root).
    pub repaired: bool,
}

impl RootInfo {
    pub fn rss_format(&self) -> FeedFormat {
        match self.rss_version.as_deref().map(str::trim) {
            Some("0.91") => FeedFormat::Rss091,
            Some("0.92") => FeedFormat::Rss092,
            _ => FeedFormat::Rss20,
        }
    }

    pub fn rdf_format(&self) -> FeedFormat {
        if self.rss090 {
            FeedFormat::Rss090
        } else {
            FeedFormat::Rss10
        }
    }
}

/// Normalises the prolog and the root start tag; the rest of the text is untouched.
pub(crate) fn normalize_root(text: Cow<'_, str>) -> (Cow<'_, str>, RootInfo) {
    let mut info = RootInfo::default();
    let Some(first) = first_markup(&text) else {
        return (text, info);
    };
    let trimmed = text[..first].trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    info.repaired = !trimmed.is_empty();
    let Some((tag_start, tag_end)) = root_tag(&text, first) else {
        return (slice_from(text, first), info);
    };
    let tag = &text[tag_start..tag_end];
    let name = tag_name(tag);
    let local = name.rsplit(':').next().unwrap_or(name);
    let new_tag = match local {
        "rss" => {
            let version = attr_value(tag, "version").map(str::to_owned);
            let mut new = tag.to_owned();
            if !matches!(version.as_deref(), Some("2.0" | "0.91" | "0.92")) {
                new = set_attr(&new, "version", "2.0");
            }
            // RSS 0.91–2.0 has no namespace; a default one (UserLand's) hides every element.
            if let Some(ns) = attr_value(&new, "xmlns").map(str::to_owned) {
                new = new.replacen(&format!("xmlns=\"{ns}\""), "", 1);
                new = new.replacen(&format!("xmlns='{ns}'"), "", 1);
            }
            info.rss_version = version;
            Some(new)
        }
        "RDF" if tag.contains(RSS090_NS) => {
            info.rss090 = true;
            Some(tag.replace(RSS090_NS, RSS10_NS))
        }
        _ => None,
    };
    if local == "feed" && tag.contains(ATOM03_NS) {
        // Atom 0.3's dates have other names; the text is copied anyway for the new root.
        let mut out = String::with_capacity(text.len() - first + 16);
        out.push_str(&text[first..tag_start]);
        out.push_str(&tag.replace(ATOM03_NS, ATOM10_NS));
        out.push_str(&rename_atom03_dates(&text[tag_end..]));
        return (Cow::Owned(out), info);
    }
    match new_tag {
        Some(new_tag) if new_tag != tag => {
            let mut out = String::with_capacity(text.len() - first + 16);
            out.push_str(&text[first..tag_start]);
            out.push_str(&new_tag);
            out.push_str(&text[tag_end..]);
            (Cow::Owned(out), info)
        }
        _ => (slice_from(text, first), info),
    }
}

/// Atom 0.3 `issued`/`modified` → Atom 1.0 `published`/`updated`.
fn rename_atom03_dates(body: &str) -> String {
    body.replace("<issued>", "<published>")
        .replace("</issued>", "</published>")
        .replace("<modified>", "<updated>")
        .replace("</modified>", "</updated>")
}

/// When the document's root is not a feed (an Atom feed inside an XHTML page, say), the first
/// feed element inside it, up to its last end tag.
pub(crate) fn extract_embedded_feed(text: &str) -> Option<String> {
    let first = first_markup(text)?;
    let (_, root_end) = root_tag(text, first)?;
    let body = &text[root_end..];
    let (name, at) = ["feed", "rss", "rdf:RDF"]
        .iter()
        .filter_map(|name| find_start_tag(body, name).map(|at| (*name, at)))
        .min_by_key(|(_, at)| *at)?;
    let inner = &body[at..];
    let end = inner
        .rfind(&format!("</{name}>"))
        .map_or(inner.len(), |i| i + name.len() + 3);
    Some(inner[..end].to_owned())
}

fn slice_from(text: Cow<'_, str>, from: usize) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(t) => Cow::Borrowed(&t[from..]),
        Cow::Owned(t) if from == 0 => Cow::Owned(t),
        Cow::Owned(t) => Cow::Owned(t[from..].to_owned()),
    }
}

/// Byte offset of the first `<` that opens markup (`<?`, `<!` or a tag name).
fn first_markup(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'<', bytes).find(|&i| {
        bytes
            .get(i + 1)
            .is_some_and(|&c| c == b'?' || c == b'!' || c.is_ascii_alphabetic() || c == b'_')
    })
}

/// Start and end (exclusive) of the first element start tag at or after `from`, skipping
/// declarations, processing instructions, comments and the doctype.
fn root_tag(text: &str, mut from: usize) -> Option<(usize, usize)> {
    loop {
        let rest = &text[from..];
        let lt = from + rest.find('<')?;
        let after = &text[lt..];
        if after.starts_with("<?") {
            from = lt + after.find("?>")? + 2;
        } else if after.starts_with("<!--") {
            from = lt + after.find("-->")? + 3;
        } else if after.starts_with("<!") {
            // A doctype may hold an internal subset in brackets.
            let close = match (after.find('['), after.find('>')) {
                (Some(open), Some(gt)) if open < gt => after[open..].find("]")? + open,
                _ => 0,
            };
            from = lt + close + after[close..].find('>')? + 1;
        } else if after[1..].starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return Some((lt, lt + tag_end(after)?));
        } else {
            from = lt + 1;
        }
    }
}

/// Length of the start tag at the beginning of `tag` (up to and including its `>`), quotes
/// respected.
pub(crate) fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, b) in tag.bytes().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The element name of a start tag (`<name …>`).
pub(crate) fn tag_name(tag: &str) -> &str {
    let body = tag.trim_start_matches(['<', '/']);
    let end = body
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(body.len());
    &body[..end]
}

/// Offset of a start tag `<name` followed by a blank, `>` or `/`.
fn find_start_tag(text: &str, name: &str) -> Option<usize> {
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle) {
        let at = from + i;
        let next = text[at + needle.len()..].chars().next();
        if next.is_some_and(|c| c.is_whitespace() || c == '>' || c == '/') {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// Value of attribute `name` in a start tag.
fn attr_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let preceded = tag[..at].ends_with(|c: char| c.is_whitespace());
        let rest = tag[from..].trim_start();
        let Some(value) = rest.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        if !preceded {
            continue;
        }
        let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let len = value[1..].find(quote)?;
        return Some(&value[1..1 + len]);
    }
    None
}

/// The start tag with attribute `name` set to `value` (replaced or added).
fn set_attr(tag: &str, name: &str, value: &str) -> String {
    if let Some(old) = attr_value(tag, name) {
        for quote in ['"', '\''] {
            let from = format!("{name}={quote}{old}{quote}");
            if tag.contains(&from) {
                return tag.replacen(&from, &format!("{name}=\"{value}\""), 1);
            }
        }
    }
    let name_end = tag
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(tag.len());
    format!(
        "{} {name}=\"{value}\"{}",
        &tag[..name_end],
        &tag[name_end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> (String, RootInfo) {
        let (text, info) = normalize_root(Cow::Borrowed(text));
        (text.into_owned(), info)
    }

    #[test]
    fn rss_without_version_becomes_rss2() {
        let (text, info) = normalized("<?xml version=\"1.0\"?>\n<rss><channel/></rss>");
        assert_eq!(
            text,
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(info.rss_format(), FeedFormat::Rss20);
    }

    #[test]
    fn userland_namespace_is_dropped_from_the_rss_root() {
        let (text, info) = normalized(
            "<rss version=\"0.92\" xmlns=\"http://backend.userland.com/rss092\"><channel/></rss>",
        );
        assert!(text.starts_with("<rss version=\"0.92\" >"), "{text}");
        assert_eq!(info.rss_format(), FeedFormat::Rss092);
    }

    #[test]
    fn rss090_namespace_is_read_as_rss10() {
        let (text, info) = normalized(
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"/>",
        );
        assert!(text.contains(RSS10_NS));
        assert_eq!(info.rdf_format(), FeedFormat::Rss090);
    }

    #[test]
    fn junk_before_the_declaration_is_dropped() {
        let (text, info) = normalized("\n  junk\n<?xml version=\"1.0\"?><feed/>");
        assert_eq!(text, "<?xml version=\"1.0\"?><feed/>");
        assert!(info.repaired);
        assert!(!normalized("\n <feed/>").1.repaired);
    }

    #[test]
    fn atom03_dates_are_renamed() {
        let (text, _) = normalized(
            "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><issued>x</issued></entry></feed>",
        );
        assert!(text.contains(ATOM10_NS) && text.contains("<published>x</published>"));
    }

    #[test]
    fn feed_inside_a_page_is_found() {
        let page = "<html><body><p>x</p><feed xmlns=\"a\"><entry/></feed></body></html>";
        assert_eq!(
            extract_embedded_feed(page).as_deref(),
            Some("<feed xmlns=\"a\"><entry/></feed>")
        );
        assert_eq!(extract_embedded_feed("<feed><entry/></feed>"), None);
    }
}
