//! `newsd search`: ranked hits from the index in the data directory, one per story by
//! default, as text or JSON lines; the same options as `GET /api/v1/search`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::Utc;
use clap::Args;

use crate::config::Config;
use crate::index::{Collapse, SearchIndex, SearchRequest, SearchResults, Sort};
use crate::model::SearchHit;
use crate::since::parse_since;
use crate::store::Store;

/// Search the indexed articles
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words, "a phrase", AND/OR/NOT, +word, -word, (groups), title:/body:/source:/author:/
    /// lang:/tag:/feed:/url:/story: fields, published:[2025-11-01 TO 2025-11-30]
    query: String,
    /// Number of hits (1 to 100)
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Only articles published since: a duration (24h, 7d) or a date
    #[arg(long)]
    since: Option<String>,
    /// Only articles published until: a duration back from now or a date
    #[arg(long)]
    until: Option<String>,
    /// Only these outlets (repeatable)
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Only these languages, ISO 639-1 (repeatable)
    #[arg(long = "lang", value_name = "CODE")]
    langs: Vec<String>,
    /// Only these feeds, by URL (repeatable)
    #[arg(long = "feed", value_name = "URL")]
    feeds: Vec<String>,
    /// Only feeds with these tags (repeatable)
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// relevance or newest
    #[arg(long, default_value = "relevance")]
    sort: Sort,
    /// Lift recent articles in relevance order
    #[arg(long)]
    recency: bool,
    /// story (one hit per story) or none (every article)
    #[arg(long, default_value = "story")]
    collapse: Collapse,
    /// Also count matches per source, day and language
    #[arg(long)]
    facets: bool,
    /// Continue after a previous page (its `next_cursor`)
    #[arg(long)]
    cursor: Option<String>,
    /// One JSON object per hit and line (then `{"total", "next_cursor", "facets"}`
    /// when --facets is given)
    #[arg(long)]
    json: bool,
}

impl SearchArgs {
    fn request(&self) -> anyhow::Result<SearchRequest> {
        let now = Utc::now();
        let date = |flag: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| parse_since(v, now).map_err(|e| anyhow!("--{flag}: {e}")))
                .transpose()
        };
        Ok(SearchRequest {
            query: self.query.clone(),
            limit: self.limit,
            cursor: self.cursor.clone(),
            since: date("since", &self.since)?,
            until: date("until", &self.until)?,
            sources: self.sources.clone(),
            langs: self.langs.clone(),
            feeds: self.feeds.clone(),
            tags: self.tags.clone(),
            sort: self.sort,
            recency: self.recency,
            collapse: self.collapse,
            facets: self.facets,
        })
    }
}

pub(super) fn search(config: &Config, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let index = SearchIndex::open(&config.index_dir())?;
    let mut results = index.run(&args.request()?)?;
    results.hits = Store::open(&config.database_path())?.with_hit_copies(results.hits)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        for hit in &results.hits {
            writeln!(out, "{}", serde_json::to_string(hit)?)?;
        }
        if args.facets {
            let summary = serde_json::json!({
                "total": results.total,
                "next_cursor": results.next_cursor,
                "facets": results.facets,
            });
            writeln!(out, "{summary}")?;
        }
    } else {
        print_text(&mut out, &args.query, &results)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(out: &mut impl Write, query: &str, results: &SearchResults) -> std::io::Result<()> {
    if results.hits.is_empty() {
        writeln!(out, "no articles match {query:?}")?;
    }
    for (rank, hit) in results.hits.iter().enumerate() {
        print_hit(out, rank + 1, hit)?;
    }
    if let Some(facets) = &results.facets {
        for (name, counts) in [
            ("sources", &facets.source),
            ("days", &facets.day),
            ("languages", &facets.lang),
        ] {
            let counts: Vec<String> = counts
                .iter()
                .map(|c| format!("{} ({})", c.value, c.count))
                .collect();
            writeln!(out, "{name}: {}", counts.join(", "))?;
        }
    }
    if let Some(cursor) = &results.next_cursor {
        writeln!(
            out,
            "{} articles match; more with --cursor {cursor}",
            results.total
        )?;
    }
    Ok(())
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
    if hit.more_in_story > 0 {
        writeln!(
            out,
            "   {} more in this story from {}",
            hit.more_in_story,
            hit.more_sources.join(", ")
        )?;
    }
    if !hit.snippet.is_empty() {
        writeln!(out, "   {}", hit.snippet)?;
    }
    writeln!(out)
}
