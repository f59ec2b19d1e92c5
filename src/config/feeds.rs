//! The feed list (`feeds.toml`): reading and validating it, and editing it in place for
//! `newsd feeds add|remove` with `toml_edit`, so that the user's comments and layout survive.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};
use url::Url;

use super::error::ConfigError;
use super::raw::RawFeedList;

/// Shortest poll interval a feed may ask for.
const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// One subscribed feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    pub url: String,
    /// Display name, the article's "source"; the URL's host when the list gives none.
    pub name: String,
    pub tags: Vec<String>,
    /// Poll interval; the config's default when `None`.
    pub interval: Option<Duration>,
}

/// Reads and validates the feed list at `path`. An empty file is an empty list.
pub fn load_feeds(path: &Path) -> Result<Vec<FeedConfig>, ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_feeds(path, &source)
}

fn parse_feeds(path: &Path, source: &str) -> Result<Vec<FeedConfig>, ConfigError> {
    let raw: RawFeedList =
        toml::from_str(source).map_err(|e| ConfigError::from_toml(path, source, &e))?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut feeds = Vec::with_capacity(raw.feed.len());
    for (i, feed) in raw.feed.into_iter().enumerate() {
        let span = feed.url.span();
        let invalid = |message: String| {
            ConfigError::at(path, source, Some(span.clone()), Some("url"), message)
        };
        let url = parse_feed_url(feed.url.get_ref()).map_err(invalid)?;
        if let Some(first) = seen.insert(url.to_string(), i) {
            return Err(invalid(format!(
                "feed listed twice (also feed #{})",
                first + 1
            )));
        }
        if let Some(interval) = feed.interval.filter(|i| *i < MIN_INTERVAL) {
            return Err(ConfigError::at(
                path,
                source,
                Some(span),
                Some("interval"),
                format!(
                    "interval {} is shorter than the minimum {}",
                    humantime::format_duration(interval),
                    humantime::format_duration(MIN_INTERVAL)
                ),
            ));
        }
        let name = feed
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| url.host_str().unwrap_or("feed").to_owned());
        feeds.push(FeedConfig {
            url: url.to_string(),
            name,
            tags: feed.tags,
            interval: feed.interval,
        });
    }
    Ok(feeds)
}

/// Parses an http(s) feed URL.
fn parse_feed_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("invalid URL `{text}`: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err(format!("`{text}` is not an http(s) URL")),
    }
}

/// Appends a feed to the list at `path`, keeping the file's comments. Fails if the URL is
/// invalid or already listed.
pub fn add_feed(
    path: &Path,
    url: &str,
    name: Option<&str>,
    tags: &[String],
) -> Result<FeedConfig, ConfigError> {
    let other = |message: String| ConfigError::Other {
        path: path.to_owned(),
        message,
    };
    let url = parse_feed_url(url).map_err(other)?;
    let (mut doc, feeds) = read_document(path)?;
    if feeds.iter().any(|f| f.url == url.as_str()) {
        return Err(other(format!("{url} is already in the feed list")));
    }
    let mut table = Table::new();
    table.insert("url", value(url.as_str()));
    if let Some(name) = name {
        table.insert("name", value(name));
    }
    if !tags.is_empty() {
        table.insert("tags", value(tags.iter().collect::<Array>()));
    }
    match doc.get_mut("feed") {
        Some(Item::ArrayOfTables(list)) => list.push(table),
        None => {
            let mut list = ArrayOfTables::new();
            list.push(table);
            doc.insert("feed", Item::ArrayOfTables(list));
        }
        Some(_) => return Err(other("`feed` is not an array of tables ([[feed]])".into())),
    }
    let feeds = write_document(path, &doc)?;
    feeds
        .into_iter()
        .find(|f| f.url == url.as_str())
        .ok_or_else(|| other("the added feed did not read back".into()))
}

/// Removes the feed with `url` from the list at `path`, keeping the file's comments. Returns
/// the removed feed; fails if it is not listed.
pub fn remove_feed(path: &Path, url: &str) -> Result<FeedConfig, ConfigError> {
    let other = |message: String| ConfigError::Other {
        path: path.to_owned(),
        message,
    };
    let wanted = parse_feed_url(url)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| url.to_owned());
    let (mut doc, feeds) = read_document(path)?;
    let position = feeds
        .iter()
        .position(|f| f.url == wanted)
        .ok_or_else(|| other(format!("{url} is not in the feed list")))?;
    let Some(Item::ArrayOfTables(list)) = doc.get_mut("feed") else {
        return Err(other("`feed` is not an array of tables ([[feed]])".into()));
    };
    list.remove(position);
    if list.is_empty() {
        doc.remove("feed");
    }
    write_document(path, &doc)?;
    Ok(feeds
        .into_iter()
        .nth(position)
        .expect("position came from this list"))
}

fn read_document(path: &Path) -> Result<(DocumentMut, Vec<FeedConfig>), ConfigError> {
    let feeds = load_feeds(path)?;
    let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let doc = source
        .parse::<DocumentMut>()
        .map_err(|e| ConfigError::Other {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    Ok((doc, feeds))
}

/// Validates the edited document, then replaces the file atomically (write + rename).
fn write_document(path: &Path, doc: &DocumentMut) -> Result<Vec<FeedConfig>, ConfigError> {
    let text = doc.to_string();
    let feeds = parse_feeds(path, &text)?;
    let tmp = path.with_extension("toml.tmp");
    let write = |source| ConfigError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&tmp, &text).map_err(write)?;
    std::fs::rename(&tmp, path).map_err(write)?;
    Ok(feeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# my feeds\n\n# world news\n[[feed]]\nurl = \"https://www.france24.com/en/rss\"\nname = \"France 24\"\ntags = [\"world\"]\n";

    #[test]
    fn empty_file_is_an_empty_list() {
        assert!(parse_feeds(Path::new("f.toml"), "").unwrap().is_empty());
        assert!(
            parse_feeds(Path::new("f.toml"), "# only a comment\n")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn name_defaults_to_host() {
        let feeds = parse_feeds(
            Path::new("f.toml"),
            "[[feed]]\nurl = \"https://feeds.npr.org/1001/rss.xml\"\n",
        )
        .unwrap();
        assert_eq!(feeds[0].name, "feeds.npr.org");
    }

    #[test]
    fn bad_url_names_file_line_and_key() {
        let src = "[[feed]]\nurl = \"https://ok.example/rss\"\n\n[[feed]]\nurl = \"not a url\"\n";
        let err = parse_feeds(Path::new("feeds.toml"), src)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("feeds.toml:5:"), "{err}");
        assert!(err.contains("key `url`"), "{err}");
    }

    #[test]
    fn duplicate_feed_is_rejected() {
        let src = "[[feed]]\nurl = \"https://a.example/rss\"\n[[feed]]\nurl = \"https://a.example/rss\"\n";
        let err = parse_feeds(Path::new("feeds.toml"), src)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("feeds.toml:4:") && err.contains("twice"),
            "{err}"
        );
    }

    #[test]
    fn add_and_remove_keep_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, LIST).unwrap();

        let added = add_feed(
            &path,
            "https://feeds.bbci.co.uk/news/world/rss.xml",
            Some("BBC"),
            &["uk".into()],
        )
        .unwrap();
        assert_eq!(added.name, "BBC");
        assert_eq!(load_feeds(&path).unwrap().len(), 2);
        assert!(
            add_feed(
                &path,
                "https://feeds.bbci.co.uk/news/world/rss.xml",
                None,
                &[]
            )
            .is_err()
        );

        remove_feed(&path, "https://feeds.bbci.co.uk/news/world/rss.xml").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# my feeds") && text.contains("# world news"),
            "{text}"
        );
        assert_eq!(load_feeds(&path).unwrap().len(), 1);
        assert!(remove_feed(&path, "https://nope.example/rss").is_err());
    }

    #[test]
    fn add_to_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, "").unwrap();
        add_feed(&path, "https://www.lemonde.fr/rss/une.xml", None, &[]).unwrap();
        assert_eq!(load_feeds(&path).unwrap()[0].name, "www.lemonde.fr");
    }
}
