//! `newsd inspect cluster [FILE|-]`: runs the daemon's online decisions over a stream of
//! articles (JSON lines, in stream order) and prints `{"id","cluster"}` per line — the shape
//! `score_clusters.py` reads. As in the daemon, a near-copy of an earlier article is not
//! clustered on its own: it is that article's (another source of it), so it gets its story.
//! Lines are printed at the end of the stream, each with its article's final story: when the
//! clusterer folds one story into another, the folded story's articles follow, as the daemon
//! moves them in its store.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dedup::{
    ClusterConfig, ClusterInput, CopyConfig, CopyDetector, Folds, StoryClusterer, StoryId,
};

/// One input article (here and in `inspect similarity`); every field but `id` may be null or
/// absent, and unknown fields are ignored.
#[derive(Debug, Deserialize)]
pub(super) struct ArticleLine {
    pub id: serde_json::Value,
    title: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    published: Option<String>,
}

impl ArticleLine {
    /// The article as the clusterer reads it; `published` is RFC 3339 or a bare date (read as
    /// midnight UTC), and the article is undated when it is neither.
    pub fn input(&self) -> ClusterInput<'_> {
        ClusterInput {
            title: self.title.as_deref(),
            text: self.text.as_deref(),
            lang: self.lang.as_deref(),
            published: self.published.as_deref().and_then(parse_published),
        }
    }
}

fn parse_published(published: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(published) {
        return Some(at.with_timezone(&Utc));
    }
    let day = chrono::NaiveDate::parse_from_str(published, "%Y-%m-%d").ok()?;
    Some(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

#[derive(Debug, Serialize)]
struct ClusterLine {
    id: serde_json::Value,
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
    let mut folds = Folds::default();
    let mut lines = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let line = line.context("cannot read the input")?;
        if line.trim().is_empty() {
            continue;
        }
        let article: ArticleLine = serde_json::from_str(&line)
            .with_context(|| format!("line {}: not an article record", number + 1))?;
        let input = article.input();
        let signature = input.text.and_then(CopyDetector::signature);
        let copy_of = signature
            .as_ref()
            .and_then(|s| copies.find(s))
            .and_then(|(of, _)| stories.get(&of).copied());
        let story = match copy_of {
            Some(story) => story,
            None => {
                let assignment = clusterer.add(input);
                let story = assignment.story;
                if let Some(folded) = assignment.merged {
                    folds.record(folded, story);
                }
                if let Some(signature) = signature {
                    let key = i64::try_from(number).unwrap_or(i64::MAX);
                    copies.insert(key, signature, input.published);
                    stories.insert(key, story);
                }
                story
            }
        };
        lines.push(ClusterLine {
            id: article.id,
            cluster: story,
        });
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for mut line in lines {
        line.cluster = folds.resolve(line.cluster);
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
