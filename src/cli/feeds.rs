//! `newsd feeds list|add|remove|import|export`: the feed list and what the store knows of each
//! feed. Adding (with feed discovery), OPML import and export live in `subscribe`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};

use super::{FeedsCommand, subscribe};
use crate::config::{self, Config};
use crate::model::FeedState;
use crate::store::Store;

pub(super) async fn feeds(path: &Path, command: FeedsCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        FeedsCommand::List => list(path, &mut out)?,
        FeedsCommand::Add { url, name, tags } => {
            subscribe::add(path, &url, name.as_deref(), &tags, &mut out).await?;
        }
        FeedsCommand::Import { file } => subscribe::import(path, &file, &mut out)?,
        FeedsCommand::Export => subscribe::export(path, &mut out)?,
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

/// One line per feed of the feed list: its state, last success, next poll, entries seen and
/// articles stored, and the last error under it.
fn list(path: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    let store = Store::open(&config.database_path())?;
    let stats = store.feed_stats()?;
    let time = |t: Option<DateTime<Utc>>, none: &str| {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| none.to_owned())
    };
    writeln!(
        out,
        "{:<56} {:<20} {:<12} {:<16} {:<16} {:>7} {:>8}",
        "URL", "NAME", "STATE", "LAST SUCCESS", "NEXT POLL", "ENTRIES", "ARTICLES"
    )?;
    for feed in &config.feeds {
        let stat = stats.iter().find(|s| s.url == feed.url);
        let state = stat.map_or(FeedState::New, |s| s.state);
        let next = match state {
            FeedState::Dead => "never".to_owned(),
            _ => time(stat.and_then(|s| s.next_poll_at), "at start"),
        };
        writeln!(
            out,
            "{:<56} {:<20} {:<12} {:<16} {:<16} {:>7} {:>8}",
            feed.url,
            feed.name,
            state.as_str(),
            time(stat.and_then(|s| s.last_success_at), "never"),
            next,
            stat.map_or(0, |s| s.entries_seen),
            stat.map_or(0, |s| s.articles),
        )?;
        if let Some(moved) = stat.and_then(|s| s.fetch_url.as_deref()) {
            writeln!(out, "    moved to: {moved}")?;
        }
        if let Some(s) = stat.filter(|s| s.error_streak > 0) {
            let error = s.last_error.as_deref().unwrap_or("unknown error");
            writeln!(out, "    last error ({} in a row): {error}", s.error_streak)?;
        }
    }
    Ok(())
}
