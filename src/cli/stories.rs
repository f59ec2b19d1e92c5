//! `newsd stories`: the most covered recent stories from the database, each with its outlets,
//! as text or JSON lines.

use std::io::Write;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::Utc;

use crate::config::Config;
use crate::since::parse_since;
use crate::store::Store;

pub(super) fn stories(
    config: &Config,
    since: &str,
    min_sources: usize,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let since = parse_since(since, Utc::now()).map_err(|e| anyhow!("--since: {e}"))?;
    let store = Store::open(&config.database_path())?;
    let stories = store.stories(since, min_sources.max(1), limit.max(1))?;
    let mut out = std::io::stdout().lock();
    if json {
        for story in &stories {
            writeln!(out, "{}", serde_json::to_string(story)?)?;
        }
    } else if stories.is_empty() {
        writeln!(
            out,
            "no stories since {} with {min_sources} or more sources",
            since.format("%Y-%m-%d %H:%M UTC")
        )?;
    } else {
        for (rank, story) in stories.iter().enumerate() {
            writeln!(out, "{}. {}", rank + 1, story.title)?;
            writeln!(
                out,
                "   story {} · {} articles · {} → {}",
                story.id,
                story.article_count,
                story.first_seen.format("%Y-%m-%d %H:%M"),
                story.last_seen.format("%Y-%m-%d %H:%M UTC")
            )?;
            writeln!(out, "   sources: {}", story.sources.join(", "))?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
