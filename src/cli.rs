//! The command line: clap definitions and one function per command. The binary's edge, so
//! errors are `anyhow` here and typed everywhere below.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::{self, Config};
use crate::index::SearchIndex;
use crate::model::SearchHit;
use crate::pipeline::{self, Mode, Services};
use crate::store::Store;

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
    Search {
        /// Words, "a phrase", OR, -word, title:word
        query: String,
        /// Number of hits
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// One JSON object per hit and line
        #[arg(long)]
        json: bool,
    },
    /// List, add or remove feeds
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Check the config and the feed list without starting
    Validate,
    /// Rebuild the search index from the database
    Reindex,
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Every feed with its last fetch, status and article count
    List,
    /// Add a feed to the feed list
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
}

impl Command {
    /// Log level when `NEWSD_LOG` sets none: the long-running commands narrate, the others
    /// only warn.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Command::Run { .. } | Command::FetchOnce | Command::Reindex => "info",
            _ => "warn",
        }
    }
}

/// Runs the command.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    let path = config::config_path(cli.config);
    match cli.command {
        Command::Run { listen } => run(&Config::load(&path)?, listen).await,
        Command::FetchOnce => fetch_once(&Config::load(&path)?).await,
        Command::Search { query, limit, json } => {
            search(&Config::load(&path)?, &query, limit, json)
        }
        Command::Feeds { command } => feeds(&path, command),
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
        Command::Reindex => reindex(&Config::load(&path)?).await,
    }
}

async fn run(config: &Config, listen: Option<SocketAddr>) -> anyhow::Result<ExitCode> {
    let services = Services::open(config)?;
    let listen = listen.unwrap_or(config.listen);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    info!(%addr, feeds = config.feeds.len(), data_dir = %config.data_dir.display(), "newsd started");

    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let state = crate::api::AppState {
        index: services.index.clone(),
        store: services.store.clone(),
    };
    let api = tokio::spawn(crate::api::serve(
        listener,
        state,
        shutdown.clone().cancelled_owned(),
    ));

    let deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(config.shutdown_timeout).await;
    };
    tokio::select! {
        done = pipeline::run(config, &services, Mode::Daemon, shutdown.clone()) => { done?; }
        () = deadline => {
            warn!(timeout = ?config.shutdown_timeout, "shutdown deadline passed, stopping without draining");
        }
    }
    api.await??;
    info!("newsd stopped");
    Ok(ExitCode::SUCCESS)
}

/// Cancels `token` on the first SIGINT or SIGTERM.
async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        () = term => {}
    }
    info!("stopping: fetchers first, then draining the pipeline");
    token.cancel();
}

async fn fetch_once(config: &Config) -> anyhow::Result<ExitCode> {
    let services = Services::open(config)?;
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let report = pipeline::run(config, &services, Mode::Once, shutdown).await?;
    writeln!(std::io::stdout(), "{report}")?;
    Ok(ExitCode::SUCCESS)
}

fn search(config: &Config, query: &str, limit: usize, json: bool) -> anyhow::Result<ExitCode> {
    let index = SearchIndex::open(&config.index_dir())?;
    let hits = index.search(query, limit)?;
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
    if !hit.snippet.is_empty() {
        writeln!(out, "   {}", hit.snippet)?;
    }
    writeln!(out)
}

fn feeds(path: &std::path::Path, command: FeedsCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        FeedsCommand::List => {
            let config = Config::load(path)?;
            let store = Store::open(&config.database_path())?;
            let stats = store.feed_stats()?;
            writeln!(
                out,
                "{:<60} {:<20} {:<17} {:<13} {:>8}",
                "URL", "NAME", "LAST FETCH", "STATUS", "ARTICLES"
            )?;
            for feed in &config.feeds {
                let stat = stats.iter().find(|s| s.url == feed.url);
                let last = stat
                    .and_then(|s| s.last_fetch_at)
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into());
                let status = stat
                    .and_then(|s| s.last_status.clone())
                    .unwrap_or_else(|| "-".into());
                let articles = stat.map_or(0, |s| s.articles);
                writeln!(
                    out,
                    "{:<60} {:<20} {:<17} {:<13} {:>8}",
                    feed.url, feed.name, last, status, articles
                )?;
                if let Some(error) = stat.and_then(|s| s.last_error.as_deref()) {
                    writeln!(out, "    last error: {error}")?;
                }
            }
        }
        FeedsCommand::Add { url, name, tags } => {
            let feeds_file = Config::load(path)?.feeds_file;
            let feed = config::add_feed(&feeds_file, &url, name.as_deref(), &tags)?;
            writeln!(
                out,
                "added {} ({}) to {}",
                feed.url,
                feed.name,
                feeds_file.display()
            )?;
        }
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

async fn reindex(config: &Config) -> anyhow::Result<ExitCode> {
    let store = Arc::new(Store::open(&config.database_path())?);
    let index = SearchIndex::open(&config.index_dir())?;
    let count = pipeline::rebuild_index(&index, store).await?;
    writeln!(std::io::stdout(), "reindexed {count} articles")?;
    Ok(ExitCode::SUCCESS)
}
