//! `newsd inspect cluster [FILE|-]`: runs the daemon's online decisions over a stream of
//! articles (JSON lines, in stream order) and prints `{"id","cluster"}` per line — the shape
//! `score_clusters.py` reads. As in the daemon, a near-copy of an earlier article is not
//! clustered on its own: it is that article's (another source of it), so it gets its story.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dedup::{
    ClusterConfig, ClusterInput, CopyConfig, CopyDetector, StoryClusterer, StoryId,
};

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
    let mut copies = CopyDetector::new(CopyConfig::default());
    // The story of each article the copy detector holds, by its line number.
    let mut stories: HashMap<i64, StoryId> = HashMap::new();
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
        let signature = article.text.as_deref().and_then(CopyDetector::signature);
        let copy_of = signature
            .as_ref()
            .and_then(|s| copies.find(s))
            .and_then(|(of, _)| stories.get(&of).copied());
        let story = match copy_of {
            Some(story) => story,
            None => {
                let story = clusterer
                    .add(ClusterInput {
                        title: article.title.as_deref(),
                        text: article.text.as_deref(),
                        lang: article.lang.as_deref(),
                        published,
                    })
                    .story;
                if let Some(signature) = signature {
                    let key = i64::try_from(number).unwrap_or(i64::MAX);
                    copies.insert(key, signature, published);
                    stories.insert(key, story);
                }
                story
            }
        };
        let record = ClusterLine {
            id: &article.id,
            cluster: story,
        };
        writeln!(out, "{}", serde_json::to_string(&record)?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
