//! `newsd search`: ranked hits from the index in the data directory, as text or JSON lines.

use std::io::Write;
use std::process::ExitCode;

use crate::config::Config;
use crate::index::SearchIndex;
use crate::model::SearchHit;
use crate::store::Store;

pub(super) fn search(
    config: &Config,
    query: &str,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let index = SearchIndex::open(&config.index_dir())?;
    let hits = index.search(query, limit)?;
    let hits = Store::open(&config.database_path())?.with_hit_copies(hits)?;
    let mut out = std::io::stdout().lock();
    if json {
        for hit in &hits {
            writeln!(out, "{}", serde_json::to_string(hit)?)?;
        }
    } else if hits.is_empty() {
        writeln!(out, "no articles match {query:?}")?;
    } else {
        for (rank, hit) in hits.iter().enumerate() {
            print_hit(&mut out, rank + 1, hit)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_hit(out: &mut impl Write, rank: usize, hit: &SearchHit) -> std::io::Result<()> {
    let date = hit
        .published
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "undated".into());
    writeln!(out, "{rank}. {}", hit.title)?;
    writeln!(out, "   {} · {date}", hit.source)?;
    writeln!(out, "   {}", hit.url)?;
    if !hit.copies.is_empty() {
        let outlets: Vec<&str> = hit.copies.iter().map(|c| c.source.as_str()).collect();
        writeln!(out, "   also published by {}", outlets.join(", "))?;
    }
    if !hit.snippet.is_empty() {
        writeln!(out, "   {}", hit.snippet)?;
    }
    writeln!(out)
}
