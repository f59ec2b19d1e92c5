//! Configuration: `newsd.toml` (daemon settings) and the feed list it names (`feeds.toml`).
//!
//! Raw serde structs (`raw`) are read, validated and turned into the typed [`Config`] that the
//! rest of the daemon uses. Every mistake is reported with file, line and key.

mod error;
mod feeds;
mod feeds_edit;
mod opml;
mod raw;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::ConfigError;
pub use feeds::{FeedConfig, load_feeds, parse_feed_url};
pub use feeds_edit::{
    AddReport, FeedEntry, NewFeed, add_feed, add_feeds, put_feed, remove_feed, replace_feed_url,
};
pub use opml::{NotOpml, Opml, parse_opml, write_opml};

use crate::dedup::{ClusterConfig, CopyConfig};
use raw::RawConfig;
use toml::Spanned;

/// Where the config is looked for when neither `--config` nor `NEWSD_CONFIG` names it.
pub const DEFAULT_CONFIG_PATH: &str = "config/newsd.toml";
/// Environment variable overriding the data directory.
pub const DATA_DIR_ENV: &str = "NEWSD_DATA_DIR";
/// Environment variable overriding the HTTP listen address.
pub const LISTEN_ENV: &str = "NEWSD_LISTEN";
/// Environment variable setting the API token (it wins over `api_token`).
pub const API_TOKEN_ENV: &str = "NEWSD_API_TOKEN";

/// The daemon's validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file this was read from.
    pub path: PathBuf,
    /// The feed list file.
    pub feeds_file: PathBuf,
    /// Directory holding `newsd.sqlite` and `index/`.
    pub data_dir: PathBuf,
    /// HTTP API listen address.
    pub listen: SocketAddr,
    /// How long a graceful stop may take before the daemon exits anyway.
    pub shutdown_timeout: Duration,
    pub fetch: FetchConfig,
    pub index: IndexConfig,
    pub dedup: DedupConfig,
    pub feeds: Vec<FeedConfig>,
    /// Per-site extraction rules (`[[site]]`), in file order.
    pub sites: Vec<SiteRule>,
    /// The bearer token of the API's state-changing endpoints; they refuse without one.
    pub api_token: Option<ApiToken>,
}

/// A secret that `Debug` never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub fn new(token: impl Into<String>) -> Self {
        ApiToken(token.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(..)")
    }
}

/// Where one site's article body is and what to drop from its pages (`[[site]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRule {
    /// The site's host; its subdomains match too.
    pub host: String,
    /// CSS selector of the article body.
    pub body: Option<String>,
    /// CSS selectors of blocks to remove.
    pub remove: Vec<String>,
}

/// HTTP fetching of feeds and article pages.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Poll interval of a feed before its own rate of new entries is known.
    pub default_interval: Duration,
    /// Bounds of the adaptive poll interval.
    pub min_interval: Duration,
    pub max_interval: Duration,
    /// Longest wait between retries of a failing feed.
    pub max_backoff: Duration,
    /// Requests in flight to one host at once (feeds and pages together).
    pub per_host_concurrency: usize,
    /// Minimum time between the starts of two requests to one host.
    pub per_host_gap: Duration,
    /// Concurrent article-page fetches.
    pub page_workers: usize,
    pub max_feed_bytes: u64,
    pub max_page_bytes: u64,
    pub max_redirects: usize,
}

/// Batching of index commits.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// Commit after this many new documents...
    pub commit_docs: usize,
    /// ...or this long after the first uncommitted one, whichever comes first.
    pub commit_interval: Duration,
}

/// How copies are recognised and stories formed (`[dedup]`).
#[derive(Debug, Clone, Default)]
pub struct DedupConfig {
    pub stories: ClusterConfig,
    pub copies: CopyConfig,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: concat!(
                "newsd/",
                env!("CARGO_PKG_VERSION"),
                " (news aggregator; +https://github.com/newsd/newsd)"
            )
            .to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            default_interval: Duration::from_secs(15 * 60),
            min_interval: Duration::from_secs(5 * 60),
            max_interval: Duration::from_secs(6 * 3600),
            max_backoff: Duration::from_secs(24 * 3600),
            per_host_concurrency: 2,
            per_host_gap: Duration::from_secs(1),
            page_workers: 4,
            max_feed_bytes: 16 * 1024 * 1024,
            max_page_bytes: 16 * 1024 * 1024,
            max_redirects: 10,
        }
    }
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            commit_docs: 500,
            commit_interval: Duration::from_secs(5),
        }
    }
}

/// Checks `[[site]]` rules: a host, and CSS selectors that parse.
fn site_rules(
    raw: Vec<raw::RawSite>,
    invalid: &dyn Fn(std::ops::Range<usize>, &'static str, String) -> ConfigError,
) -> Result<Vec<SiteRule>, ConfigError> {
    let selector = |css: Spanned<String>, key| match scraper::Selector::parse(css.get_ref()) {
        Ok(_) => Ok(css.into_inner()),
        Err(e) => Err(invalid(css.span(), key, format!("not a CSS selector: {e}"))),
    };
    raw.into_iter()
        .map(|site| {
            if site.host.get_ref().trim().is_empty() {
                return Err(invalid(
                    site.host.span(),
                    "host",
                    "must not be empty".into(),
                ));
            }
            Ok(SiteRule {
                host: site.host.into_inner().trim().to_owned(),
                body: site.body.map(|b| selector(b, "body")).transpose()?,
                remove: site
                    .remove
                    .into_iter()
                    .map(|r| selector(r, "remove"))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// Checks `[dedup]`: a window of at least an hour, thresholds in (0, 1].
fn dedup_config(
    raw: raw::RawDedup,
    window_at: std::ops::Range<usize>,
    invalid: &dyn Fn(std::ops::Range<usize>, &'static str, String) -> ConfigError,
) -> Result<DedupConfig, ConfigError> {
    let mut dedup = DedupConfig::default();
    if let Some(window) = raw.window {
        if window < Duration::from_secs(3600) {
            let message = "must be at least 1h".to_owned();
            return Err(invalid(window_at, "window", message));
        }
        let window = chrono::TimeDelta::from_std(window).unwrap_or(chrono::TimeDelta::MAX);
        dedup.stories.window = window;
        dedup.copies.window = window;
    }
    let fraction = |value: Spanned<f32>, key| {
        let v = *value.get_ref();
        if v > 0.0 && v <= 1.0 {
            Ok(v)
        } else {
            Err(invalid(value.span(), key, "must be in (0, 1]".into()))
        }
    };
    if let Some(t) = raw.story_threshold {
        dedup.stories.threshold = fraction(t, "story_threshold")?;
    }
    if let Some(t) = raw.story_threshold_long {
        dedup.stories.long_threshold = fraction(t, "story_threshold_long")?;
    }
    if let Some(t) = raw.copy_threshold {
        dedup.copies.threshold = fraction(t, "copy_threshold")?;
    }
    Ok(dedup)
}

/// Picks the config file: `--config`, else `NEWSD_CONFIG` (clap fills both into `flag`), else
/// [`DEFAULT_CONFIG_PATH`].
pub fn config_path(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH))
}

impl Config {
    /// Reads and validates the config at `path` and the feed list it names. Environment
    /// overrides (`NEWSD_DATA_DIR`, `NEWSD_LISTEN`) are applied.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let mut config = Self::load_without_env(path)?;
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            config.data_dir = PathBuf::from(dir);
        }
        if let Ok(listen) = std::env::var(LISTEN_ENV) {
            config.listen = listen.parse().map_err(|e| ConfigError::Other {
                path: PathBuf::from(format!("${LISTEN_ENV}")),
                message: format!("invalid listen address `{listen}`: {e}"),
            })?;
        }
        if let Ok(token) = std::env::var(API_TOKEN_ENV)
            && !token.trim().is_empty()
        {
            config.api_token = Some(ApiToken(token.trim().to_owned()));
        }
        Ok(config)
    }

    fn load_without_env(path: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let raw: RawConfig =
            toml::from_str(&source).map_err(|e| ConfigError::from_toml(path, &source, &e))?;
        let invalid = |span, key, message: String| {
            ConfigError::at(path, &source, Some(span), Some(key), message)
        };

        let listen = match &raw.listen {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(l) => match l.get_ref().parse() {
                Ok(addr) => addr,
                Err(e) => {
                    let message = format!("not a socket address: {e}");
                    return Err(invalid(l.span(), "listen", message));
                }
            },
        };
        // Counts that must be at least 1, reported at their own line when they are not.
        let positive = |value: Option<Spanned<usize>>, key, default| match value {
            Some(n) if *n.get_ref() == 0 => {
                Err(invalid(n.span(), key, "must be at least 1".into()))
            }
            Some(n) => Ok(n.into_inner()),
            None => Ok(default),
        };
        let defaults = FetchConfig::default();
        let f = raw.fetch;
        let fetch = FetchConfig {
            page_workers: positive(f.page_workers, "page_workers", defaults.page_workers)?,
            per_host_concurrency: positive(
                f.per_host_concurrency,
                "per_host_concurrency",
                defaults.per_host_concurrency,
            )?,
            user_agent: f.user_agent.unwrap_or(defaults.user_agent),
            timeout: f.timeout.unwrap_or(defaults.timeout),
            connect_timeout: f.connect_timeout.unwrap_or(defaults.connect_timeout),
            default_interval: f.default_interval.unwrap_or(defaults.default_interval),
            min_interval: f.min_interval.unwrap_or(defaults.min_interval),
            max_interval: f.max_interval.unwrap_or(defaults.max_interval),
            max_backoff: f.max_backoff.unwrap_or(defaults.max_backoff),
            per_host_gap: f.per_host_gap.unwrap_or(defaults.per_host_gap),
            max_feed_bytes: f.max_feed_bytes.unwrap_or(defaults.max_feed_bytes),
            max_page_bytes: f.max_page_bytes.unwrap_or(defaults.max_page_bytes),
            max_redirects: f.max_redirects.unwrap_or(defaults.max_redirects),
        };
        let index = IndexConfig {
            commit_docs: positive(
                raw.index.commit_docs,
                "commit_docs",
                IndexConfig::default().commit_docs,
            )?,
            commit_interval: raw
                .index
                .commit_interval
                .unwrap_or(IndexConfig::default().commit_interval),
        };

        let window_at = source.find("\nwindow").map_or(0..0, |at| at + 1..at + 1);
        let dedup = dedup_config(raw.dedup, window_at, &invalid)?;

        if fetch.min_interval > fetch.max_interval {
            let span = source.find("min_interval").map(|at| at..at);
            let message = "must not be longer than max_interval";
            return Err(ConfigError::at(
                path,
                &source,
                span,
                Some("min_interval"),
                message,
            ));
        }
        let sites = site_rules(raw.sites, &invalid)?;
        let api_token = match raw.api_token {
            Some(t) if t.get_ref().trim().is_empty() => {
                let message =
                    "must not be empty (leave it out to disable state-changing endpoints)";
                return Err(invalid(t.span(), "api_token", message.into()));
            }
            t => t.map(|t| ApiToken(t.into_inner().trim().to_owned())),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let feeds_file = dir.join(raw.feeds_file.as_deref().unwrap_or("feeds.toml"));
        let feeds = load_feeds(&feeds_file)?;
        Ok(Config {
            path: path.to_owned(),
            feeds_file,
            data_dir: PathBuf::from(raw.data_dir.as_deref().unwrap_or("data")),
            listen,
            shutdown_timeout: raw.shutdown_timeout.unwrap_or(Duration::from_secs(20)),
            fetch,
            index,
            dedup,
            feeds,
            sites,
            api_token,
        })
    }

    /// The SQLite file in the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("newsd.sqlite")
    }

    /// The tantivy index directory in the data directory.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn defaults_fill_an_almost_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(dir.path(), "newsd.toml", "# nothing set\n");
        let config = Config::load_without_env(&path).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.feeds_file, dir.path().join("feeds.toml"));
        assert!(config.feeds.is_empty());
    }

    #[test]
    fn unknown_key_is_reported_with_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(
            dir.path(),
            "newsd.toml",
            "listen = \"127.0.0.1:9000\"\n\n[fetch]\ntimeuot = \"5s\"\n",
        );
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("newsd.toml:4:"), "{err}");
        assert!(err.contains("key `timeuot`"), "{err}");
    }

    #[test]
    fn api_token_is_read_never_empty_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(dir.path(), "newsd.toml", "api_token = \"s3cret\"\n");
        let config = Config::load_without_env(&path).unwrap();
        assert_eq!(config.api_token, Some(ApiToken::new("s3cret")));
        assert!(!format!("{config:?}").contains("s3cret"));
        let path = write(dir.path(), "newsd.toml", "\napi_token = \" \"\n");
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(
            err.contains("newsd.toml:2:") && err.contains("key `api_token`"),
            "{err}"
        );
    }

    #[test]
    fn bad_listen_address_names_its_key() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(dir.path(), "newsd.toml", "listen = \"localhost\"\n");
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("newsd.toml:1:"), "{err}");
        assert!(err.contains("key `listen`"), "{err}");
    }

    #[test]
    fn site_rules_are_read_and_bad_selectors_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(
            dir.path(),
            "newsd.toml",
            "[[site]]\nhost = \"france24.com\"\nbody = \"div.t-content__body\"\nremove = [\".quote\"]\n",
        );
        let config = Config::load_without_env(&path).unwrap();
        assert_eq!(config.sites.len(), 1);
        assert_eq!(config.sites[0].host, "france24.com");
        assert_eq!(config.sites[0].body.as_deref(), Some("div.t-content__body"));
        assert_eq!(config.sites[0].remove, [".quote"]);
        let path = write(
            dir.path(),
            "newsd.toml",
            "[[site]]\nhost = \"x.example\"\nremove = [\"div[\"]\n",
        );
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("newsd.toml:3:"), "{err}");
        assert!(err.contains("key `remove`"), "{err}");
    }
}
