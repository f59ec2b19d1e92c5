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
use ipnet::IpNet;
use raw::RawConfig;
use toml::Spanned;

/// Where the config is looked for when neither `--config` nor `NEWSD_CONFIG` names it.
pub const DEFAULT_CONFIG_PATH: &str = "config/newsd.toml";
/// Environment variable overriding the data directory.
pub const DATA_DIR_ENV: &str = "NEWSD_DATA_DIR";
/// Environment variable overriding the HTTP listen address.
pub const LISTEN_ENV: &str = "NEWSD_LISTEN";
/// Environment variable overriding `log_format` (`text` or `json`).
pub const LOG_FORMAT_ENV: &str = "NEWSD_LOG_FORMAT";
/// Environment variable overriding the feed list file (relative to the working directory).
pub const FEEDS_FILE_ENV: &str = "NEWSD_FEEDS_FILE";
/// Environment variable overriding `shutdown_timeout` (`20s`, `1m`).
pub const SHUTDOWN_TIMEOUT_ENV: &str = "NEWSD_SHUTDOWN_TIMEOUT";
/// Environment variable overriding `retention_days` (a number of days, or `off`).
pub const RETENTION_DAYS_ENV: &str = "NEWSD_RETENTION_DAYS";
/// Environment variable setting the API token (it wins over `api_token`).
pub const API_TOKEN_ENV: &str = "NEWSD_API_TOKEN";

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("`{s}` is not a log format; use `text` or `json`")),
        }
    }
}

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
    pub log_format: LogFormat,
    /// Articles published (or fetched, when undated) longer ago are pruned; `None`: kept.
    pub retention: Option<Duration>,
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
    /// Networks fetched from despite the SSRF guard (loopback, private, link-local, ...).
    pub allow_addresses: Vec<IpNet>,
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
            allow_addresses: Vec::new(),
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

/// An `allow_addresses` entry: a network (`10.0.0.0/8`, `fd00::/8`) or one address
/// (`127.0.0.1`, `::1`).
fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
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

/// Checks `[dedup]`: a window of at least an hour, thresholds in (0, 1], stories of at least
/// one article to fold.
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
    if let Some(t) = raw.story_merge_threshold {
        dedup.stories.merge_threshold = fraction(t, "story_merge_threshold")?;
    }
    if let Some(n) = raw.story_merge_articles {
        if *n.get_ref() == 0 {
            return Err(invalid(
                n.span(),
                "story_merge_articles",
                "must be at least 1".into(),
            ));
        }
        dedup.stories.merge_articles = *n.get_ref();
    }
    if let Some(t) = raw.copy_threshold {
        dedup.copies.threshold = fraction(t, "copy_threshold")?;
    }
    Ok(dedup)
}

/// `retention_days` as a duration: at least a day, and not shorter than the dedup window (an
/// article still in the window may gain copies and story members).
fn retention(days: u32, window: Duration) -> Result<Duration, String> {
    let keep = Duration::from_secs(u64::from(days) * 24 * 3600);
    if days == 0 {
        return Err("must be at least 1".into());
    }
    if keep < window {
        let window_days = window.as_secs().div_ceil(24 * 3600);
        return Err(format!(
            "must be at least the dedup window ({window_days} days), or articles could be pruned \
             while copies may still join them"
        ));
    }
    Ok(keep)
}

/// A bad environment override, named by its variable.
fn env_error(name: &str, value: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError::Other {
        path: PathBuf::from(format!("${name}")),
        message: format!("invalid value `{value}`: {message}"),
    }
}

/// The log format, read before logging starts: `NEWSD_LOG_FORMAT` (an error when invalid),
/// else `log_format` in the config at `path`, else text. A config that cannot be read here
/// gives text; loading it later reports why.
pub fn log_format(path: &Path) -> Result<LogFormat, ConfigError> {
    if let Some(text) = std::env::var(LOG_FORMAT_ENV).ok().filter(|v| !v.is_empty()) {
        return text
            .parse()
            .map_err(|e| env_error(LOG_FORMAT_ENV, &text, e));
    }
    let from_file = std::fs::read_to_string(path)
        .ok()
        .and_then(|source| toml::from_str::<raw::RawLogFormat>(&source).ok())
        .and_then(|raw| raw.log_format)
        .and_then(|format| format.parse().ok());
    Ok(from_file.unwrap_or_default())
}

/// Picks the config file: `--config`, else `NEWSD_CONFIG` (clap fills both into `flag`), else
/// [`DEFAULT_CONFIG_PATH`].
pub fn config_path(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH))
}

impl Config {
    /// Reads and validates the config at `path` and the feed list it names. Environment
    /// overrides (`NEWSD_DATA_DIR`, `NEWSD_LISTEN`, `NEWSD_LOG_FORMAT`, `NEWSD_FEEDS_FILE`,
    /// `NEWSD_SHUTDOWN_TIMEOUT`, `NEWSD_RETENTION_DAYS`, `NEWSD_API_TOKEN`) are applied; an
    /// empty one is unset.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with_env(path, &|name| std::env::var(name).ok())
    }

    #[cfg(test)]
    fn load_without_env(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with_env(path, &|_| None)
    }

    /// Loads with `env` as the environment, so tests need not change the process's.
    fn load_with_env(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
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
            allow_addresses: f
                .allow_addresses
                .into_iter()
                .map(|entry| {
                    parse_network(entry.get_ref()).ok_or_else(|| {
                        invalid(
                            entry.span(),
                            "allow_addresses",
                            format!(
                                "`{}` is not an IP address or network (CIDR, such as 10.0.0.0/8)",
                                entry.get_ref()
                            ),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
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
        let api_token = match env(API_TOKEN_ENV).filter(|t| !t.trim().is_empty()) {
            Some(token) => Some(ApiToken(token.trim().to_owned())),
            None => api_token,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let feeds_file = match env(FEEDS_FILE_ENV) {
            Some(file) => PathBuf::from(file),
            None => dir.join(raw.feeds_file.as_deref().unwrap_or("feeds.toml")),
        };
        let feeds = load_feeds(&feeds_file)?;
        let data_dir = env(DATA_DIR_ENV).unwrap_or_else(|| raw.data_dir.unwrap_or("data".into()));
        let listen = match env(LISTEN_ENV) {
            Some(text) => text
                .parse()
                .map_err(|e| env_error(LISTEN_ENV, &text, format!("not a socket address: {e}")))?,
            None => listen,
        };
        let log_format = match (env(LOG_FORMAT_ENV), &raw.log_format) {
            (Some(text), _) => text
                .parse()
                .map_err(|e| env_error(LOG_FORMAT_ENV, &text, e))?,
            (None, Some(format)) => format
                .get_ref()
                .parse()
                .map_err(|e| invalid(format.span(), "log_format", e))?,
            (None, None) => LogFormat::Text,
        };
        let shutdown_timeout = match env(SHUTDOWN_TIMEOUT_ENV) {
            Some(text) => humantime::parse_duration(&text)
                .map_err(|e| env_error(SHUTDOWN_TIMEOUT_ENV, &text, e))?,
            None => raw.shutdown_timeout.unwrap_or(Duration::from_secs(20)),
        };
        let window = dedup.stories.window.to_std().unwrap_or(Duration::MAX);
        let retention = match (env(RETENTION_DAYS_ENV), &raw.retention_days) {
            (Some(text), _) if text == "off" => None,
            (Some(text), _) => Some(
                text.parse()
                    .map_err(|e| format!("not a number of days: {e}"))
                    .and_then(|days| retention(days, window))
                    .map_err(|e| env_error(RETENTION_DAYS_ENV, &text, e))?,
            ),
            (None, Some(days)) => Some(
                retention(*days.get_ref(), window)
                    .map_err(|e| invalid(days.span(), "retention_days", e))?,
            ),
            (None, None) => None,
        };
        Ok(Config {
            path: path.to_owned(),
            feeds_file,
            data_dir: PathBuf::from(data_dir),
            listen,
            shutdown_timeout,
            log_format,
            retention,
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
    fn allow_addresses_take_networks_and_single_addresses() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(
            dir.path(),
            "newsd.toml",
            "[fetch]\nallow_addresses = [\"127.0.0.0/8\", \"::1\", \" 10.1.2.3 \"]\n",
        );
        let config = Config::load_without_env(&path).unwrap();
        let shown: Vec<String> = config
            .fetch
            .allow_addresses
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["127.0.0.0/8", "::1/128", "10.1.2.3/32"]);
        let path = write(
            dir.path(),
            "newsd.toml",
            "[fetch]\ntimeout = \"5s\"\nallow_addresses = [\n  \"127.0.0.1\",\n  \"localhost\",\n]\n",
        );
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("newsd.toml:5:"), "{err}");
        assert!(err.contains("key `allow_addresses`"), "{err}");
        assert!(err.contains("`localhost` is not an IP address"), "{err}");
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

    #[test]
    fn environment_overrides_apply_and_a_bad_value_names_its_variable() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let other = write(
            dir.path(),
            "other-feeds.toml",
            "[[feed]]\nurl = \"https://news.example/rss\"\n",
        );
        let path = write(dir.path(), "newsd.toml", "log_format = \"text\"\n");
        let vars = [
            (FEEDS_FILE_ENV, other.to_str().unwrap().to_owned()),
            (SHUTDOWN_TIMEOUT_ENV, "45s".to_owned()),
            (RETENTION_DAYS_ENV, "30".to_owned()),
            (LOG_FORMAT_ENV, "json".to_owned()),
            (DATA_DIR_ENV, String::new()),
        ];
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let config = Config::load_with_env(&path, &env).unwrap();
        assert_eq!(config.feeds_file, other);
        assert_eq!(config.feeds.len(), 1);
        assert_eq!(config.shutdown_timeout, Duration::from_secs(45));
        assert_eq!(config.retention, Some(Duration::from_secs(30 * 24 * 3600)));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.data_dir,
            PathBuf::from("data"),
            "an empty variable is unset"
        );

        for (name, value) in [
            (SHUTDOWN_TIMEOUT_ENV, "soon"),
            (RETENTION_DAYS_ENV, "-3"),
            (LOG_FORMAT_ENV, "xml"),
            (LISTEN_ENV, "localhost"),
        ] {
            let env = |n: &str| (n == name).then(|| value.to_owned());
            let err = Config::load_with_env(&path, &env).unwrap_err().to_string();
            assert!(err.starts_with(&format!("${name}: ")), "{err}");
            assert!(err.contains(value), "{err}");
        }
    }

    #[test]
    fn retention_and_log_format_are_checked_at_their_key() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(dir.path(), "newsd.toml", "retention_days = 90\n");
        let config = Config::load_without_env(&path).unwrap();
        assert_eq!(config.retention, Some(Duration::from_secs(90 * 24 * 3600)));
        assert_eq!(config.log_format, LogFormat::Text);
        let path = write(dir.path(), "newsd.toml", "\nretention_days = 1\n");
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("newsd.toml:2:"), "{err}");
        assert!(err.contains("key `retention_days`"), "{err}");
        assert!(err.contains("dedup window (3 days)"), "{err}");
        let path = write(dir.path(), "newsd.toml", "log_format = \"yaml\"\n");
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("key `log_format`"), "{err}");
    }

    #[test]
    fn story_folding_is_read_and_checked_at_its_key() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let toml = "[dedup]\nstory_merge_threshold = 0.5\nstory_merge_articles = 4\n";
        let path = write(dir.path(), "newsd.toml", toml);
        let stories = Config::load_without_env(&path).unwrap().dedup.stories;
        assert_eq!((stories.merge_threshold, stories.merge_articles), (0.5, 4));
        for (bad, key) in [
            ("story_merge_threshold = 1.5", "story_merge_threshold"),
            ("story_merge_articles = 0", "story_merge_articles"),
        ] {
            let path = write(dir.path(), "newsd.toml", &format!("[dedup]\n{bad}\n"));
            let err = Config::load_without_env(&path).unwrap_err().to_string();
            assert!(err.contains("newsd.toml:2:"), "{err}");
            assert!(err.contains(&format!("key `{key}`")), "{err}");
        }
    }
}
