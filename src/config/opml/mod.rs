//! OPML subscription lists, the format feed readers trade feed lists in: a lenient reader for
//! `newsd feeds import` and an OPML 2.0 writer for `newsd feeds export`.
//!
//! Real OPML files are often not well-formed XML (a raw `&` in a URL or a description, HTML
//! entities such as `&nbsp;`, a stray `"`, a truncated last line), so the reader never gives up
//! on the first error: it tokenizes with quick-xml's most forgiving settings, decodes entities
//! itself (`text`), salvages a broken tag and starts again at the next outline, keeping every
//! `xmlUrl` it can reach. Folders (outlines without `xmlUrl`) become tags of the
//! feeds inside them, as does an outline's `category` attribute, which is what export writes.

mod text;

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::feeds::FeedConfig;
use super::feeds_edit::NewFeed;
use text::{collapse_whitespace, decode, feed_scheme_to_http, unescape};

/// What an OPML file holds.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Opml {
    /// Every outline with an `xmlUrl`, in file order, duplicates included.
    pub feeds: Vec<NewFeed>,
    /// The first markup error met, if any; reading recovers what it can past it.
    pub error: Option<String>,
}

/// A file that holds no OPML at all.
#[derive(Debug, thiserror::Error)]
#[error("not an OPML file: no <opml> element and no outline with an xmlUrl")]
pub struct NotOpml;

/// Reads an OPML file leniently. Fails only when the bytes hold no `<opml>` root and no feed.
pub fn parse_opml(bytes: &[u8]) -> Result<Opml, NotOpml> {
    let text = decode(bytes);
    let mut reading = Reading::default();
    let mut from = Some(0);
    while let Some(start) = from {
        from = reading.read(&text, start);
    }
    if reading.saw_root || !reading.opml.feeds.is_empty() {
        Ok(reading.opml)
    } else {
        Err(NotOpml)
    }
}

/// The state of one read through a file, kept across restarts after broken markup.
#[derive(Default)]
struct Reading {
    opml: Opml,
    saw_root: bool,
    /// One entry per open `<outline>`: the folder name it gives its children, if any.
    folders: Vec<Option<String>>,
}

impl Reading {
    /// Reads `text` from `start` to its end or to broken markup (a tag whose quotes never
    /// close, a tag cut short by the end of the file). The broken tag is salvaged as far as
    /// it goes, and the offset of the next outline tag after it is returned to go on from.
    fn read(&mut self, text: &str, start: usize) -> Option<usize> {
        let text = &text[start..];
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
        loop {
            let before = usize::try_from(reader.buffer_position()).unwrap_or(text.len());
            match reader.read_event() {
                Ok(Event::Eof) => return None,
                Ok(Event::Start(tag)) if is(&tag, "outline") => {
                    let folder = outline(&tag, &self.folders, &mut self.opml.feeds);
                    self.folders.push(folder);
                }
                Ok(Event::Empty(tag)) if is(&tag, "outline") => {
                    outline(&tag, &self.folders, &mut self.opml.feeds);
                }
                Ok(Event::Start(tag) | Event::Empty(tag)) if is(&tag, "opml") => {
                    self.saw_root = true;
                }
                Ok(Event::End(tag))
                    if tag.local_name().as_ref().eq_ignore_ascii_case("outline") =>
                {
                    self.folders.pop();
                }
                Ok(_) => {}
                Err(error) => {
                    self.opml.error.get_or_insert_with(|| error.to_string());
                    let broken = before + text[before..].find('<')?;
                    let next = next_outline_tag(text, broken + 1);
                    self.salvage(&text[broken..next.unwrap_or(text.len())]);
                    return next.map(|next| start + next);
                }
            }
        }
    }

    /// Reads what it can of a broken `<outline …` tag: its attributes up to where it ends.
    fn salvage(&mut self, tag: &str) {
        let tag = tag.trim_end();
        let Some(content) = tag.strip_prefix('<').filter(|c| {
            c.get(..7)
                .is_some_and(|n| n.eq_ignore_ascii_case("outline"))
                && c[7..].starts_with(char::is_whitespace)
        }) else {
            return;
        };
        let opens = tag.ends_with('>') && !tag.ends_with("/>");
        let content = content.trim_end_matches('>').trim_end_matches('/');
        let folder = outline(
            &BytesStart::from_content(content, 7),
            &self.folders,
            &mut self.opml.feeds,
        );
        if opens {
            self.folders.push(folder);
        }
    }
}

/// Offset in `text` of the first `<outline` or `</outline` at or after `from`.
fn next_outline_tag(text: &str, from: usize) -> Option<usize> {
    let lower = text.get(from..)?.to_ascii_lowercase();
    let at = [lower.find("<outline"), lower.find("</outline")]
        .into_iter()
        .flatten()
        .min()?;
    Some(from + at)
}

fn is(tag: &BytesStart, name: &str) -> bool {
    tag.local_name().as_ref().eq_ignore_ascii_case(name)
}

/// Reads one `<outline>`: a feed when it has an `xmlUrl` (pushed onto `feeds`), else a folder.
/// Returns the folder name its children are tagged with.
fn outline(
    tag: &BytesStart,
    folders: &[Option<String>],
    feeds: &mut Vec<NewFeed>,
) -> Option<String> {
    let (mut url, mut title, mut text, mut category) = (None, None, None, None);
    let mut attributes = tag.html_attributes();
    attributes.with_checks(false);
    for attribute in attributes.flatten() {
        let key = attribute.key.local_name();
        let slot = match key.as_ref().to_ascii_lowercase().as_str() {
            "xmlurl" => &mut url,
            "title" => &mut title,
            "text" => &mut text,
            "category" => &mut category,
            _ => continue,
        };
        let value = collapse_whitespace(&unescape(&attribute.value));
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value);
        }
    }
    let name = title.or(text);
    let Some(url) = url else {
        return name;
    };
    let mut tags: Vec<String> = Vec::new();
    let categories = category.iter().flat_map(|c| c.split(','));
    for tag in folders
        .iter()
        .flatten()
        .map(String::as_str)
        .chain(categories)
    {
        let tag = tag.trim().trim_matches('/').trim();
        if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    feeds.push(NewFeed {
        url: feed_scheme_to_http(&url),
        name,
        tags,
    });
    None
}

/// Writes `feeds` as an OPML 2.0 document: one flat `<outline type="rss">` per feed, its name
/// as `text` and `title`, its tags comma-separated in `category` (a tag's own commas become
/// spaces, since a comma separates categories).
pub fn write_opml(title: &str, feeds: &[FeedConfig]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head>\n    <title>{}</title>\n  </head>\n  <body>\n",
        escape(title)
    ));
    for feed in feeds {
        let name = escape(&feed.name);
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"",
            escape(&feed.url)
        ));
        if !feed.tags.is_empty() {
            let tags: Vec<String> = feed.tags.iter().map(|t| t.replace(',', " ")).collect();
            out.push_str(&format!(" category=\"{}\"", escape(&tags.join(","))));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// Escapes text for an attribute value or element content.
fn escape(text: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(opml: &Opml) -> Vec<&str> {
        opml.feeds.iter().map(|f| f.url.as_str()).collect()
    }

    #[test]
    fn raw_ampersands_do_not_stop_the_import() {
        let opml = parse_opml(
            br#"<?xml version="1.0"?><opml version="1.0"><body>
            <outline text="A & B" description="news & views" xmlUrl="https://a.example/?x=1&y=2&amp;z=3"/>
            <outline text="C" xmlUrl="https://c.example/rss"/>
            </body></opml>"#,
        )
        .unwrap();
        assert_eq!(
            urls(&opml),
            ["https://a.example/?x=1&y=2&z=3", "https://c.example/rss"]
        );
        assert_eq!(opml.feeds[0].name.as_deref(), Some("A & B"));
    }

    #[test]
    fn nested_outlines_become_tags() {
        let opml = parse_opml(
            br#"<opml version="2.0"><body>
              <outline text="News" title="World news">
                <outline text="Europe">
                  <outline text="Le Monde" xmlUrl="https://lemonde.example/rss" category="fr,/press/"/>
                </outline>
                <outline text="BBC" xmlUrl="https://bbc.example/rss"/>
              </outline>
              <outline text="Loose" xmlUrl="https://loose.example/feed"/>
            </body></opml>"#,
        )
        .unwrap();
        let tags: Vec<&[String]> = opml.feeds.iter().map(|f| f.tags.as_slice()).collect();
        assert_eq!(
            tags,
            [
                &["World news", "Europe", "fr", "press"][..],
                &["World news"][..],
                &[][..]
            ]
        );
    }

    #[test]
    fn outlines_without_xml_url_are_not_feeds() {
        let opml = parse_opml(
            br#"<opml><body><outline text="Site" htmlUrl="https://site.example/"/>
            <outline text="Empty" xmlUrl=""/><outline type="link" url="https://l.example/"/>
            <outline text="Feed" xmlurl="https://f.example/rss"/></body></opml>"#,
        )
        .unwrap();
        assert_eq!(urls(&opml), ["https://f.example/rss"]);
    }

    #[test]
    fn html_and_numeric_entities_are_decoded() {
        let opml = parse_opml(
            "<opml><body><outline text=\"Caf&eacute; &#8211; News&nbsp;&amp; more &bogus; &#x2019;\" \
             xmlUrl=\"https://cafe.example/rss\"/></body></opml>"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            opml.feeds[0].name.as_deref(),
            Some("Café – News & more &bogus; \u{2019}")
        );
    }

    #[test]
    fn duplicate_urls_are_all_reported() {
        let opml = parse_opml(
            br#"<opml><body><outline text="a"><outline xmlUrl="https://d.example/rss"/></outline>
            <outline text="b"><outline xmlUrl="https://d.example/rss"/></outline></body></opml>"#,
        )
        .unwrap();
        assert_eq!(
            urls(&opml),
            ["https://d.example/rss", "https://d.example/rss"]
        );
    }

    #[test]
    fn a_truncated_file_keeps_its_last_feed() {
        let opml = parse_opml(
            br#"<opml><body><outline text="a" xmlUrl="https://a.example/rss"/>
            <outline text="b" xmlUrl="https://b.example/rss""#,
        )
        .unwrap();
        assert_eq!(
            urls(&opml),
            ["https://a.example/rss", "https://b.example/rss"]
        );
        assert!(opml.error.is_some());
    }

    #[test]
    fn a_stray_quote_loses_only_its_own_tag_end() {
        let opml = parse_opml(
            b"<opml><body><outline text=\"Music\">\n\
              <outline text=\"A\" description=\"12\" records\" xmlUrl=\"https://a.example/rss\"/>\n\
              <outline text=\"B\" xmlUrl=\"https://b.example/rss\"/>\n\
              </outline><outline text=\"C\" xmlUrl=\"https://c.example/rss\"/></body></opml>",
        )
        .unwrap();
        assert_eq!(
            urls(&opml),
            [
                "https://a.example/rss",
                "https://b.example/rss",
                "https://c.example/rss"
            ]
        );
        let tags: Vec<&[String]> = opml.feeds.iter().map(|f| f.tags.as_slice()).collect();
        assert_eq!(
            tags,
            [&["Music".to_owned()][..], &["Music".to_owned()], &[]]
        );
        assert!(opml.error.is_some());
    }

    #[test]
    fn latin1_and_feed_scheme() {
        let opml = parse_opml(
            b"<?xml version='1.0' encoding='ISO-8859-1'?><opml><body>\
              <outline text='M\xfcnchen' xmlUrl='feed://m.example/rss'/></body></opml>",
        )
        .unwrap();
        assert_eq!(opml.feeds[0].name.as_deref(), Some("München"));
        assert_eq!(urls(&opml), ["http://m.example/rss"]);
    }

    #[test]
    fn html_is_not_opml() {
        assert!(parse_opml(b"<html><body><p>hello</p></body></html>").is_err());
        assert!(parse_opml(br#"<opml version="2.0"><body/></opml>"#).is_ok());
    }

    #[test]
    fn export_then_import_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(
            &path,
            "[[feed]]\nurl = \"https://a.example/rss?x=1&y=2\"\nname = \"A & <B> \\\"quoted\\\"\"\n\
             tags = [\"world\", \"en/fr\"]\n\n[[feed]]\nurl = \"https://b.example/feed\"\n",
        )
        .unwrap();
        let feeds = super::super::load_feeds(&path).unwrap();
        let text = write_opml("my feeds", &feeds);
        let back = parse_opml(text.as_bytes()).unwrap();
        assert_eq!(back.error, None, "{text}");
        let read: Vec<(String, String, Vec<String>)> = back
            .feeds
            .into_iter()
            .map(|f| (f.url, f.name.unwrap_or_default(), f.tags))
            .collect();
        let wrote: Vec<(String, String, Vec<String>)> =
            feeds.into_iter().map(|f| (f.url, f.name, f.tags)).collect();
        assert_eq!(read, wrote);
    }
}
