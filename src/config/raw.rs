//! Raw serde shapes of `newsd.toml` and `feeds.toml`, exactly as users write them. Unknown keys
//! are rejected so that a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    /// Feed list file, relative to the config file.
    pub feeds_file: Option<String>,
    /// Data directory, relative to the working directory.
    pub data_dir: Option<String>,
    pub listen: Option<Spanned<String>>,
    #[serde(default, with = "humantime_serde")]
    pub shutdown_timeout: Option<Duration>,
    /// `text` or `json`.
    pub log_format: Option<Spanned<String>>,
    /// Articles older than this many days are pruned; absent: kept forever.
    pub retention_days: Option<Spanned<u32>>,
    /// Bearer token of the API's state-changing endpoints.
    pub api_token: Option<Spanned<String>>,
    #[serde(default)]
    pub fetch: RawFetch,
    #[serde(default)]
    pub index: RawIndex,
    #[serde(default)]
    pub dedup: RawDedup,
    /// `[[site]]` extraction rules.
    #[serde(default, rename = "site")]
    pub sites: Vec<RawSite>,
}

/// `[[site]] host = "…", body = "css", remove = ["css", …]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSite {
    pub host: Spanned<String>,
    pub body: Option<Spanned<String>>,
    #[serde(default)]
    pub remove: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFetch {
    pub user_agent: Option<String>,
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub connect_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub default_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub min_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub max_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub max_backoff: Option<Duration>,
    pub per_host_concurrency: Option<Spanned<usize>>,
    #[serde(default, with = "humantime_serde")]
    pub per_host_gap: Option<Duration>,
    pub page_workers: Option<Spanned<usize>>,
    pub max_feed_bytes: Option<u64>,
    pub max_page_bytes: Option<u64>,
    pub max_redirects: Option<usize>,
    /// IPs or CIDR networks the SSRF guard lets through.
    #[serde(default)]
    pub allow_addresses: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndex {
    pub commit_docs: Option<Spanned<usize>>,
    #[serde(default, with = "humantime_serde")]
    pub commit_interval: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDedup {
    #[serde(default, with = "humantime_serde")]
    pub window: Option<Duration>,
    pub story_threshold: Option<Spanned<f32>>,
    pub story_threshold_long: Option<Spanned<f32>>,
    pub story_merge_threshold: Option<Spanned<f32>>,
    pub story_merge_articles: Option<Spanned<u32>>,
    pub copy_threshold: Option<Spanned<f32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFeedList {
    #[serde(default)]
    pub feed: Vec<RawFeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFeed {
    pub url: Spanned<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, with = "humantime_serde")]
    pub interval: Option<Duration>,
    pub user_agent: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Only `log_format` of `newsd.toml`, read before logging starts (other keys ignored here;
/// the full load checks them).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawLogFormat {
    pub log_format: Option<String>,
}
