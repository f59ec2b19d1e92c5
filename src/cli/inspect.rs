//! `newsd inspect …`: offline tools that run one stage on local files and print JSON lines.
//! `inspect feed` runs the feed parser; its records are the shape `compare_feeds.py` reads.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::InspectCommand;
use crate::fetch::{self, ParsedFeed};

pub(super) fn inspect(command: InspectCommand) -> anyhow::Result<ExitCode> {
    match command {
        InspectCommand::Feed { files } => {
            let mut out = std::io::stdout().lock();
            for file in &files {
                let record = inspect_feed(file);
                writeln!(out, "{}", serde_json::to_string(&record)?)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        InspectCommand::Page { url, file } => super::inspect_page::page(url.as_deref(), &file),
        InspectCommand::Pages { manifest } => super::inspect_page::pages(&manifest),
        InspectCommand::Cluster { input } => super::inspect_cluster::cluster(input.as_deref()),
        InspectCommand::Similarity { pairs, articles } => {
            super::inspect_similarity::similarity(&pairs, &articles)
        }
    }
}

/// One file's record; `error` is set (and the rest empty) when it cannot be read or parsed.
#[derive(Debug, Default, Serialize)]
struct FeedRecord {
    file: String,
    format: Option<&'static str>,
    bozo: bool,
    n_entries: usize,
    title: Option<String>,
    entries: Vec<EntryRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_interval_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct EntryRecord {
    title: Option<String>,
    link: Option<String>,
    id: Option<String>,
    published_iso: Option<String>,
    updated_iso: Option<String>,
    summary_len: usize,
    content_len: usize,
}

fn inspect_feed(path: &Path) -> FeedRecord {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let parsed = std::fs::read(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|bytes| fetch::parse_feed(&bytes, "").map_err(|e| e.to_string()));
    match parsed {
        Ok(feed) => record(file, feed),
        Err(error) => FeedRecord {
            file,
            error: Some(error),
            ..FeedRecord::default()
        },
    }
}

fn record(file: String, feed: ParsedFeed) -> FeedRecord {
    let entries: Vec<EntryRecord> = feed
        .items
        .into_iter()
        .zip(feed.details)
        .map(|(item, details)| EntryRecord {
            title: item.title,
            link: item.link,
            id: details.id,
            published_iso: details.published.map(iso),
            updated_iso: details.updated.map(iso),
            summary_len: details.summary_len,
            content_len: details.content_len,
        })
        .collect();
    FeedRecord {
        file,
        format: Some(feed.format.as_str()),
        bozo: feed.repaired,
        n_entries: entries.len(),
        title: feed.title,
        entries,
        min_interval_secs: feed.min_interval.map(|d| d.as_secs()),
        error: None,
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
