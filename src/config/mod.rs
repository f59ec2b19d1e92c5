//! Configuration: `newsd.toml` (daemon settings) and the feed list it names (`feeds.toml`).
//!
//! Raw serde structs (`raw`) are read, validated and turned into the typed [`Config`] that the
//! rest of the daemon uses. Every mistake is reported with file, line and key.

mod error;
mod feeds;
mod raw;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::ConfigError;
pub use feeds::{FeedConfig, add_feed, load_feeds, remove_feed};

use raw::RawConfig;

/// Where the config is looked for when neither `--config` nor `NEWSD_CONFIG` names it.
pub const DEFAULT_CONFIG_PATH: &str = "config/newsd.toml";
/// Environment variable overriding the data directory.
pub const DATA_DIR_ENV: &str = "NEWSD_DATA_DIR";
/// Environment variable overriding the HTTP listen address.
pub const LISTEN_ENV: &str = "NEWSD_LISTEN";

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
    pub feeds: Vec<FeedConfig>,
}

/// HTTP fetching of feeds and article pages.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Poll interval of feeds that set none.
    pub default_interval: Duration,
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
            default_interval: Duration::from_secs(15 * 60),
            page_workers: 4,
            max_feed_bytes: 10 * 1024 * 1024,
            max_page_bytes: 5 * 1024 * 1024,
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
            Err(ConfigError::at(
                path,
                &source,
                Some(span),
                Some(key),
                message,
            ))
        };

        let listen = match &raw.listen {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(l) => match l.get_ref().parse() {
                Ok(addr) => addr,
                Err(e) => {
                    return invalid(l.span(), "listen", format!("not a socket address: {e}"));
                }
            },
        };
        let defaults = FetchConfig::default();
        let page_workers = raw.fetch.page_workers.as_ref();
        if let Some(w) = page_workers.filter(|w| *w.get_ref() == 0) {
            return invalid(w.span(), "page_workers", "must be at least 1".into());
        }
        let fetch = FetchConfig {
            user_agent: raw.fetch.user_agent.unwrap_or(defaults.user_agent),
            timeout: raw.fetch.timeout.unwrap_or(defaults.timeout),
            default_interval: raw
                .fetch
                .default_interval
                .unwrap_or(defaults.default_interval),
            page_workers: page_workers.map_or(defaults.page_workers, |w| *w.get_ref()),
            max_feed_bytes: raw.fetch.max_feed_bytes.unwrap_or(defaults.max_feed_bytes),
            max_page_bytes: raw.fetch.max_page_bytes.unwrap_or(defaults.max_page_bytes),
            max_redirects: raw.fetch.max_redirects.unwrap_or(defaults.max_redirects),
        };
        let commit_docs = raw.index.commit_docs.as_ref();
        if let Some(c) = commit_docs.filter(|c| *c.get_ref() == 0) {
            return invalid(c.span(), "commit_docs", "must be at least 1".into());
        }
        let index = IndexConfig {
            commit_docs: commit_docs.map_or(IndexConfig::default().commit_docs, |c| *c.get_ref()),
            commit_interval: raw
                .index
                .commit_interval
                .unwrap_or(IndexConfig::default().commit_interval),
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
            feeds,
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

    /// Poll interval of `feed`.
    pub fn interval_of(&self, feed: &FeedConfig) -> Duration {
        feed.interval.unwrap_or(self.fetch.default_interval)
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
    fn bad_listen_address_names_its_key() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "feeds.toml", "");
        let path = write(dir.path(), "newsd.toml", "listen = \"localhost\"\n");
        let err = Config::load_without_env(&path).unwrap_err().to_string();
        assert!(err.contains("newsd.toml:1:"), "{err}");
        assert!(err.contains("key `listen`"), "{err}");
    }
}
