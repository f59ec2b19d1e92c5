//! `newsd feeds list|add|remove`: the feed list and what the store knows of each feed.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::FeedsCommand;
use crate::config::{self, Config};
use crate::store::Store;

pub(super) fn feeds(path: &Path, command: FeedsCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        FeedsCommand::List => {
            let config = Config::load(path)?;
            let store = Store::open(&config.database_path())?;
            let stats = store.feed_stats()?;
            writeln!(
                out,
                "{:<60} {:<20} {:<17} {:<13} {:>8}",
                "URL", "NAME", "LAST FETCH", "STATUS", "ARTICLES"
            )?;
            for feed in &config.feeds {
                let stat = stats.iter().find(|s| s.url == feed.url);
                let last = stat
                    .and_then(|s| s.last_fetch_at)
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into());
                let status = stat
                    .and_then(|s| s.last_status.clone())
                    .unwrap_or_else(|| "-".into());
                let articles = stat.map_or(0, |s| s.articles);
                writeln!(
                    out,
                    "{:<60} {:<20} {:<17} {:<13} {:>8}",
                    feed.url, feed.name, last, status, articles
                )?;
                if let Some(error) = stat.and_then(|s| s.last_error.as_deref()) {
                    writeln!(out, "    last error: {error}")?;
                }
            }
        }
        FeedsCommand::Add { url, name, tags } => {
            let feeds_file = Config::load(path)?.feeds_file;
            let feed = config::add_feed(&feeds_file, &url, name.as_deref(), &tags)?;
            writeln!(
                out,
                "added {} ({}) to {}",
                feed.url,
                feed.name,
                feeds_file.display()
            )?;
        }
        FeedsCommand::Remove { url } => {
            let feeds_file = Config::load(path)?.feeds_file;
            let feed = config::remove_feed(&feeds_file, &url)?;
            writeln!(
                out,
                "removed {} ({}) from {}",
                feed.url,
                feed.name,
                feeds_file.display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
