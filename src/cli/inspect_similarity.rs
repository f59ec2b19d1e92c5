//! `newsd inspect similarity --pairs P --articles A`: the story clusterer's same-story score
//! for each pair of articles, `{"pair_id","score"}` per line — the shape `score_pairs.py` reads.
//!
//! Every article of A is first counted in the document frequencies, as an online clusterer
//! whose window holds them all would have counted them; the scores then come from
//! [`StoryClusterer::similarity`], the comparison the clusterer decides with (faded by the time
//! between the two articles' `published`, RFC 3339 or a bare date).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::inspect_cluster::ArticleLine;
use crate::dedup::{ClusterConfig, ClusterInput, StoryClusterer};

/// One pair line; unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct PairLine {
    pair_id: serde_json::Value,
    id1: serde_json::Value,
    id2: serde_json::Value,
}

#[derive(Debug, Serialize)]
struct ScoreLine<'a> {
    pair_id: &'a serde_json::Value,
    score: f32,
}

/// The article as the clusterer reads it, undated: nothing leaves the window, every article
/// stays in the frequencies.
fn undated(article: &ArticleLine) -> ClusterInput<'_> {
    ClusterInput {
        published: None,
        ..article.input()
    }
}

/// Prints the score of each pair of `pairs` whose two articles are in `articles`; a pair with
/// a missing article is reported on stderr and skipped.
pub(super) fn similarity(pairs: &Path, articles: &Path) -> anyhow::Result<ExitCode> {
    let articles: Vec<ArticleLine> = read_lines(articles)?;
    let pairs: Vec<PairLine> = read_lines(pairs)?;
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    for article in &articles {
        clusterer.add(undated(article));
    }
    let by_id: HashMap<String, &ArticleLine> = articles.iter().map(|a| (key(&a.id), a)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut missing = 0usize;
    for pair in &pairs {
        let (Some(a), Some(b)) = (by_id.get(&key(&pair.id1)), by_id.get(&key(&pair.id2))) else {
            missing += 1;
            continue;
        };
        let record = ScoreLine {
            pair_id: &pair.pair_id,
            score: clusterer.similarity(a.input(), b.input()),
        };
        writeln!(out, "{}", serde_json::to_string(&record)?)?;
    }
    out.flush()?;
    if missing > 0 {
        writeln!(
            std::io::stderr(),
            "{missing} pairs skipped: an article is missing"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An id as text, so that `"17"` and `17` name the same article.
fn key(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut records = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        records.push(
            serde_json::from_str(&line).with_context(|| {
                format!("{}:{}: not a valid record", path.display(), number + 1)
            })?,
        );
    }
    Ok(records)
}
