//! The feed list (`feeds.toml`): reading and validating it into [`FeedConfig`]s. Editing it
//! lives in `feeds_edit`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

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
    /// Fixed poll interval; adaptive within the config's bounds when `None`.
    pub interval: Option<Duration>,
    /// User-Agent for this feed's requests instead of the global one.
    pub user_agent: Option<String>,
    /// Extra request headers (an API key, a cookie the publisher asks for).
    pub headers: Vec<(String, String)>,
}

/// Reads and validates the feed list at `path`. An empty file is an empty list.
pub fn load_feeds(path: &Path) -> Result<Vec<FeedConfig>, ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_feeds(path, &source)
}

pub(super) fn parse_feeds(path: &Path, source: &str) -> Result<Vec<FeedConfig>, ConfigError> {
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
            user_agent: feed.user_agent.filter(|ua| !ua.trim().is_empty()),
            headers: feed.headers.into_iter().collect(),
        });
    }
    Ok(feeds)
}

/// Parses an http(s) feed URL.
pub fn parse_feed_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("invalid URL `{text}`: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err(format!("`{text}` is not an http(s) URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
