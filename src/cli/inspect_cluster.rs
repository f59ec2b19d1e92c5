//! `newsd inspect cluster [FILE|-]`: runs the online story clusterer over a stream of articles
//! (JSON lines, in stream order) and prints `{"id","cluster"}` per line — the shape
//! `score_clusters.py` reads.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dedup::{ClusterConfig, ClusterInput, StoryClusterer, StoryId};

/// One input line; every field but `id` may be null or absent, and unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct ArticleLine {
    id: serde_json::Value,
    title: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    published: Option<String>,
}

#[derive(Debug, Serialize)]
struct ClusterLine<'a> {
    id: &'a serde_json::Value,
    cluster: StoryId,
}

/// Reads `input` (a path, or stdin for `-` or none) and prints each article's story.
pub(super) fn cluster(input: Option<&Path>) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = match input {
        None => Box::new(std::io::stdin().lock()),
        Some(path) if path == Path::new("-") => Box::new(std::io::stdin().lock()),
        Some(path) => Box::new(BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        )),
    };
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, line) in reader.lines().enumerate() {
        let line = line.context("cannot read the input")?;
        if line.trim().is_empty() {
            continue;
        }
        let article: ArticleLine = serde_json::from_str(&line)
            .with_context(|| format!("line {}: not an article record", number + 1))?;
        let published = article
            .published
            .as_deref()
            .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.with_timezone(&Utc));
        let assignment = clusterer.add(ClusterInput {
            title: article.title.as_deref(),
            text: article.text.as_deref(),
            lang: article.lang.as_deref(),
            published,
        });
        let record = ClusterLine {
            id: &article.id,
            cluster: assignment.story,
        };
        writeln!(out, "{}", serde_json::to_string(&record)?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
