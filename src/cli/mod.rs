//! The command line: clap definitions and one function per command. The binary's edge, so
//! errors are `anyhow` here and typed everywhere below.

mod feeds;
mod inspect;
mod inspect_cluster;
mod inspect_page;
mod inspect_similarity;
mod notify;
mod run;
mod search;
mod stories;
mod subscribe;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Config};

#[derive(Debug, Parser)]
#[command(
    name = "newsd",
    version,
    about = "News aggregation daemon: feeds in, searchable articles out"
)]
pub struct Cli {
    /// Config file [default: config/newsd.toml]
    #[arg(long, global = true, env = "NEWSD_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll feeds, ingest articles, serve the HTTP API
    Run {
        /// Listen address of the HTTP API (overrides the config and NEWSD_LISTEN)
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Poll every feed once, ingest what is new, commit and exit
    FetchOnce,
    /// Search the indexed articles
    Search(search::SearchArgs),
    /// The biggest recent stories, each with its outlets
    Stories {
        /// How far back: a duration (24h, 7d) or a date (2026-11-27)
        #[arg(long, default_value = "24h")]
        since: String,
        /// Only stories covered by at least this many outlets
        #[arg(long, default_value_t = 1)]
        min_sources: usize,
        /// Number of stories
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON object per story and line
        #[arg(long)]
        json: bool,
    },
    /// List, add, remove, import or export feeds
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Check the config and the feed list without starting
    Validate,
    /// Rebuild the search index from the database
    Reindex,
    /// Run one stage on local files and print JSON lines (no config needed)
    Inspect {
        #[command(subcommand)]
        command: InspectCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum InspectCommand {
    /// Parse feed files: one JSON record per file (format, title, entries, error)
    Feed {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Extract an article page: one JSON object (title, byline, dates, lang, text, …)
    Page {
        /// The URL the page was served from (resolves relative links, dates in the path)
        #[arg(long)]
        url: Option<String>,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Extract the pages a manifest lists (JSON lines with `id`, `url`, `page`): one line each
    Pages {
        #[arg(value_name = "MANIFEST")]
        manifest: PathBuf,
    },
    /// Cluster articles (JSON lines in stream order) into stories: `{"id","cluster"}` per line
    Cluster {
        /// JSON lines with `id`, `title`, `text`, `lang`, `published`; `-` or none for stdin
        #[arg(value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Score article pairs with the clusterer's same-story similarity: `{"pair_id","score"}`
    Similarity {
        /// JSON lines with `pair_id`, `id1`, `id2`
        #[arg(long, value_name = "FILE")]
        pairs: PathBuf,
        /// JSON lines with `id`, `title`, `text`, `lang`; all count in document frequencies
        #[arg(long, value_name = "FILE")]
        articles: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Every feed with its last fetch, status and article count
    List,
    /// Add a feed; given a web page instead, find the feeds it offers
    Add {
        url: String,
        #[arg(long)]
        name: Option<String>,
        /// A tag (repeatable)
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Remove a feed from the feed list (its articles stay searchable)
    Remove { url: String },
    /// Add the feeds of an OPML file; folders become tags, listed feeds are skipped
    Import {
        #[arg(value_name = "FILE.opml")]
        file: PathBuf,
    },
    /// Print the feed list as OPML 2.0
    Export,
}

impl Command {
    /// Log level when `NEWSD_LOG` sets none: the long-running commands narrate, the others
    /// only warn.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            // html5ever's complaints about malformed pages are not actionable.
            Command::Run { .. } | Command::FetchOnce | Command::Reindex => "info,html5ever=error",
            _ => "warn,html5ever=error",
        }
    }
}

/// Runs the command.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    let path = config::config_path(cli.config);
    match cli.command {
        Command::Run { listen } => run::run(&Config::load(&path)?, listen).await,
        Command::FetchOnce => run::fetch_once(&Config::load(&path)?).await,
        Command::Search(args) => search::search(&Config::load(&path)?, &args),
        Command::Stories {
            since,
            min_sources,
            limit,
            json,
        } => stories::stories(&Config::load(&path)?, &since, min_sources, limit, json),
        Command::Feeds { command } => feeds::feeds(&path, command).await,
        Command::Validate => {
            let config = Config::load(&path)?;
            writeln!(
                std::io::stdout(),
                "{}: ok ({} feeds in {})",
                config.path.display(),
                config.feeds.len(),
                config.feeds_file.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex => run::reindex(&Config::load(&path)?).await,
        Command::Inspect { command } => inspect::inspect(command),
    }
}
