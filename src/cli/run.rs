//! `newsd run`, `newsd fetch-once` and `newsd reindex`: the commands that drive the pipeline.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::notify;
use crate::config::Config;
use crate::index::SearchIndex;
use crate::pipeline::{self, Mode, Services};
use crate::store::Store;

pub(super) async fn run(config: &Config, listen: Option<SocketAddr>) -> anyhow::Result<ExitCode> {
    let services = Services::open(config)?;
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    // Before the listener is reported: from here on SIGHUP reloads the feed list.
    let (feeds, inbox) = pipeline::feed_control();
    let listen = listen.unwrap_or(config.listen);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    info!(%addr, feeds = config.feeds.len(), data_dir = %config.data_dir.display(), "newsd started");

    let state = crate::api::AppState {
        index: services.index.clone(),
        store: services.store.clone(),
        admin: crate::api::Admin {
            feeds: Some(feeds),
            token: config.api_token.clone(),
        },
    };
    let api = tokio::spawn(crate::api::serve(
        listener,
        state,
        shutdown.clone().cancelled_owned(),
    ));
    notify::ready();
    notify::spawn_lifecycle(shutdown.clone());

    let deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(config.shutdown_timeout).await;
    };
    tokio::select! {
        done = pipeline::run(config, &services, Mode::Daemon(inbox), shutdown.clone()) => { done?; }
        () = deadline => {
            warn!(timeout = ?config.shutdown_timeout, "shutdown deadline passed, stopping without draining");
        }
    }
    api.await??;
    info!("newsd stopped");
    Ok(ExitCode::SUCCESS)
}

/// Cancels `token` on the first SIGINT or SIGTERM. The handlers are installed before this
/// returns, so a signal sent right after start-up (after `listening on`, or `READY=1`) still
/// stops the daemon gracefully instead of killing it.
fn cancel_on_signal(token: CancellationToken) {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        [SignalKind::interrupt(), SignalKind::terminate()].map(|kind| signal(kind).ok())
    };
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let [mut int, mut term] = signals;
            tokio::select! {
                () = received(int.as_mut()) => {}
                () = received(term.as_mut()) => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        info!("stopping: fetchers first, then draining the pipeline");
        token.cancel();
    });
}

/// Waits for `signal`; forever when its handler could not be installed.
#[cfg(unix)]
async fn received(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}

pub(super) async fn fetch_once(config: &Config) -> anyhow::Result<ExitCode> {
    let services = Services::open(config)?;
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    let report = pipeline::run(config, &services, Mode::Once, shutdown).await?;
    writeln!(std::io::stdout(), "{report}")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn reindex(config: &Config) -> anyhow::Result<ExitCode> {
    let store = Arc::new(Store::open(&config.database_path())?);
    let index = SearchIndex::open(&config.index_dir())?;
    let count = pipeline::rebuild_index(&index, store).await?;
    writeln!(std::io::stdout(), "reindexed {count} articles")?;
    Ok(ExitCode::SUCCESS)
}
