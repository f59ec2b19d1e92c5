//! The feed list changes without a restart. One supervisor task owns the running pollers (one
//! per feed, keyed by URL) and applies a new list to them: added feeds start polling, removed
//! feeds stop at their next wait (their articles stay stored and searchable), changed settings
//! reach the running poller. It reloads the feeds file on SIGHUP and when the file changes on
//! disk (`notify` on its directory, since editors replace files by rename; 300 ms debounce),
//! and it runs the HTTP API's edits of the list, so edits and reloads happen one at a time.
//! An invalid list is logged with file, line and key, and the running list stays.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::ingest::PageSettings;
use super::poll::Pollers;
use crate::config::{self, ConfigError, FeedConfig, FeedEntry};

/// Requests from the API waiting for the supervisor. Edits are rare and answered quickly; a
/// full queue makes the request wait.
const REQUEST_QUEUE: usize = 16;
/// Quiet time after the last change event before the file is read: an editor's save is often
/// several events (write, rename, attribute change).
const DEBOUNCE: Duration = Duration::from_millis(300);

/// The API's handle on the running feed list. Cheap to clone.
#[derive(Clone)]
pub struct FeedControl {
    requests: mpsc::Sender<Request>,
}

/// The supervisor's end of [`FeedControl`], handed to [`super::run`] with `Mode::Daemon`.
pub struct FeedInbox {
    requests: mpsc::Receiver<Request>,
    /// SIGHUP, registered when the inbox is made, so a SIGHUP that comes early never kills the
    /// process (its default action).
    hangup: Hangup,
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

impl std::fmt::Debug for FeedInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FeedInbox")
    }
}

/// A control handle and its inbox. Call it inside the runtime, before the daemon reports that
/// it listens: it registers the SIGHUP handler.
pub fn feed_control() -> (FeedControl, FeedInbox) {
    let (tx, rx) = mpsc::channel(REQUEST_QUEUE);
    #[cfg(unix)]
    let hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(error) => {
            warn!(%error, "cannot listen for SIGHUP; the feed list reloads on file changes only");
            None
        }
    };
    #[cfg(not(unix))]
    let hangup = ();
    let inbox = FeedInbox {
        requests: rx,
        hangup,
    };
    (FeedControl { requests: tx }, inbox)
}

/// An edit of the feed list.
#[derive(Debug, Clone)]
pub enum Edit {
    /// A feed not listed yet.
    Add(FeedEntry),
    /// New settings for a listed feed (every setting replaced).
    Replace(FeedEntry),
    /// Removes the listed feed with this URL.
    Remove(String),
}

/// Why an edit was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is already in the feed list")]
    Listed(String),
    #[error("{0} is not in the feed list")]
    NotListed(String),
    /// The file on disk has a mistake: fix it (or wait for whoever is editing it) first.
    #[error("the feed list has an error, fix it first: {0}")]
    ListBroken(ConfigError),
    #[error(transparent)]
    Failed(ConfigError),
    #[error("the daemon is stopping")]
    Stopped,
}

enum Request {
    List(oneshot::Sender<Vec<FeedConfig>>),
    Edit(Edit, oneshot::Sender<Result<FeedConfig, EditError>>),
}

impl FeedControl {
    /// The feeds being polled, in the order of the list they came from.
    pub async fn list(&self) -> Result<Vec<FeedConfig>, EditError> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send(Request::List(tx))
            .await
            .map_err(|_| EditError::Stopped)?;
        rx.await.map_err(|_| EditError::Stopped)
    }

    /// Edits the feeds file (comments kept) and applies the new list at once. Returns the feed
    /// as the list now holds it (the removed one for `Remove`).
    pub async fn edit(&self, edit: Edit) -> Result<FeedConfig, EditError> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send(Request::Edit(edit, tx))
            .await
            .map_err(|_| EditError::Stopped)?;
        rx.await.map_err(|_| EditError::Stopped)?
    }
}

/// What a new list changes in the running one.
#[derive(Debug, Default, PartialEq)]
struct Diff {
    added: Vec<FeedConfig>,
    removed: Vec<String>,
    changed: Vec<FeedConfig>,
}

impl Diff {
    fn between(old: &[FeedConfig], new: &[FeedConfig]) -> Diff {
        let old_by_url: HashMap<&str, &FeedConfig> =
            old.iter().map(|f| (f.url.as_str(), f)).collect();
        let new_urls: HashSet<&str> = new.iter().map(|f| f.url.as_str()).collect();
        let mut diff = Diff {
            removed: old
                .iter()
                .filter(|f| !new_urls.contains(f.url.as_str()))
                .map(|f| f.url.clone())
                .collect(),
            ..Diff::default()
        };
        for feed in new {
            match old_by_url.get(feed.url.as_str()) {
                None => diff.added.push(feed.clone()),
                Some(old) if *old != feed => diff.changed.push(feed.clone()),
                Some(_) => {}
            }
        }
        diff
    }

    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The running pollers and the list they came from.
struct Running {
    pollers: Arc<Pollers>,
    pages: Arc<PageSettings>,
    /// The list as last applied, in file order.
    feeds: Vec<FeedConfig>,
    /// Each poller's settings, by feed URL. Dropping a sender stops its poller at its next
    /// wait; `send_replace` hands it new settings.
    settings: HashMap<String, watch::Sender<FeedConfig>>,
    tasks: JoinSet<()>,
    /// False until the list read at start-up is applied (its feeds are not "added").
    started: bool,
    /// Hashes of the feeds file and of `newsd.toml` as last read, so that the watcher's echo
    /// of an edit already applied (or a touch without a change) does nothing.
    feeds_hash: Option<u64>,
    config_hash: Option<u64>,
}

impl Running {
    fn apply(&mut self, feeds: Vec<FeedConfig>) -> Diff {
        let diff = Diff::between(&self.feeds, &feeds);
        for url in &diff.removed {
            self.settings.remove(url);
            crate::metrics::global().forget_feed(url);
            info!(feed = %url, "feed removed from the list, polling stops");
        }
        for feed in &diff.changed {
            if let Some(tx) = self.settings.get(&feed.url) {
                tx.send_replace(feed.clone());
            }
            info!(feed = %feed.url, "feed settings changed");
        }
        for feed in &diff.added {
            let (tx, rx) = watch::channel(feed.clone());
            self.settings.insert(feed.url.clone(), tx);
            self.tasks.spawn(self.pollers.clone().poll_forever(rx));
            if self.started {
                info!(feed = %feed.url, "feed added to the list, polling starts");
            }
        }
        if !diff.is_empty() {
            let tags = feeds
                .iter()
                .map(|f| (f.url.clone(), f.tags.clone()))
                .collect();
            *self
                .pages
                .tags
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = tags;
        }
        self.feeds = feeds;
        diff
    }

    /// Reads the feeds file and applies it; `always` even when its content is unchanged.
    async fn reload(&mut self, why: &'static str, always: bool) {
        let path = self.pollers.feeds_file.clone();
        let read = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                let hash = std::fs::read(&path).ok().map(|bytes| hash(&bytes));
                (hash, config::load_feeds(&path))
            })
            .await
        };
        let Ok((hash, loaded)) = read else {
            warn!(file = %path.display(), "feed list reader failed");
            return;
        };
        if !always && hash.is_some() && hash == self.feeds_hash {
            debug!(file = %path.display(), why, "feed list unchanged");
            return;
        }
        self.feeds_hash = hash;
        match loaded {
            Ok(feeds) => {
                let diff = self.apply(feeds);
                info!(
                    file = %path.display(),
                    why,
                    added = diff.added.len(),
                    removed = diff.removed.len(),
                    changed = diff.changed.len(),
                    feeds = self.feeds.len(),
                    "feed list reloaded"
                );
            }
            Err(error) => {
                let (line, key) = match &error {
                    ConfigError::Invalid { line, key, .. } => (Some(*line), key.clone()),
                    _ => (None, None),
                };
                warn!(file = %path.display(), line, key, why, %error, feeds = self.feeds.len(), "feed list not reloaded, the running list stays");
            }
        }
    }

    /// Warns once per change that `newsd.toml` changed: only the feed list reloads.
    async fn check_config(&mut self, config_file: &Path) {
        let path = config_file.to_owned();
        let now = tokio::task::spawn_blocking(move || std::fs::read(&path).ok().map(|b| hash(&b)))
            .await
            .ok()
            .flatten();
        if now.is_some() && now != self.config_hash {
            if self.config_hash.is_some() {
                warn!(file = %config_file.display(), "config changed; its settings apply after a restart (the feed list reloads by itself)");
            }
            self.config_hash = now;
        }
    }

    async fn edit(&mut self, edit: Edit) -> Result<FeedConfig, EditError> {
        let result = {
            // The pollers rewrite the list when a feed moves: one writer at a time.
            let _guard = self.pollers.feeds_file_lock.lock().await;
            let path = self.pollers.feeds_file.clone();
            tokio::task::spawn_blocking(move || edit_file(&path, edit))
                .await
                .unwrap_or_else(|e| {
                    Err(EditError::Failed(ConfigError::Other {
                        path: self.pollers.feeds_file.clone(),
                        message: format!("edit failed: {e}"),
                    }))
                })
        };
        if result.is_ok() {
            self.reload("api", true).await;
        }
        result
    }
}

/// Checks an edit against the list on disk, then makes it.
fn edit_file(path: &Path, edit: Edit) -> Result<FeedConfig, EditError> {
    let listed = config::load_feeds(path).map_err(EditError::ListBroken)?;
    let canonical = |url: &str| {
        config::parse_feed_url(url)
            .map(|u| u.to_string())
            .map_err(EditError::Invalid)
    };
    let is_listed = |url: &str| listed.iter().any(|f| f.url == url);
    let from_config = |error: ConfigError| match error {
        ConfigError::Read { .. } | ConfigError::Write { .. } => EditError::Failed(error),
        ConfigError::Invalid { .. } | ConfigError::Other { .. } => {
            EditError::Invalid(error.to_string())
        }
    };
    match edit {
        Edit::Add(entry) => {
            let url = canonical(&entry.url)?;
            if is_listed(&url) {
                return Err(EditError::Listed(url));
            }
            config::put_feed(path, &entry).map_err(from_config)
        }
        Edit::Replace(entry) => {
            let url = canonical(&entry.url)?;
            if !is_listed(&url) {
                return Err(EditError::NotListed(url));
            }
            config::put_feed(path, &entry).map_err(from_config)
        }
        Edit::Remove(url) => {
            let url = canonical(&url)?;
            if !is_listed(&url) {
                return Err(EditError::NotListed(url));
            }
            config::remove_feed(path, &url).map_err(from_config)
        }
    }
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Which watched file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Changed {
    Feeds,
    Config,
}

/// Watches the directory of the feeds file (and so `newsd.toml` when it sits beside it).
/// Events go through a bounded channel with `try_send`: a full channel already says "changed".
fn watch_files(
    feeds_file: &Path,
    config_file: &Path,
) -> Option<(notify::RecommendedWatcher, mpsc::Receiver<Changed>)> {
    use notify::{EventKind, RecursiveMode, Watcher, event::AccessKind, event::AccessMode};
    let dir = feeds_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let feeds_name = feeds_file.file_name()?.to_owned();
    let config_name = (config_file.parent() == feeds_file.parent())
        .then(|| config_file.file_name().map(ToOwned::to_owned))
        .flatten();
    let (tx, rx) = mpsc::channel(4);
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let relevant = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) | EventKind::Other | EventKind::Any => false,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        };
        if !relevant {
            return;
        }
        for path in &event.paths {
            let name = path.file_name();
            if name == Some(feeds_name.as_os_str()) {
                let _ = tx.try_send(Changed::Feeds);
            } else if name.is_some() && name == config_name.as_deref() {
                let _ = tx.try_send(Changed::Config);
            }
        }
    };
    let started = notify::recommended_watcher(handler)
        .and_then(|mut w| w.watch(&dir, RecursiveMode::NonRecursive).map(|()| w));
    match started {
        Ok(watcher) => {
            debug!(dir = %dir.display(), "watching the feed list");
            Some((watcher, rx))
        }
        Err(error) => {
            warn!(dir = %dir.display(), %error, "cannot watch the feed list; reload it with SIGHUP or the API");
            None
        }
    }
}

/// Daemon mode's source: starts a poller per feed of `feeds`, then applies every new list
/// (SIGHUP, file change, API edit) until shutdown. Dropping the pollers' settings at the end
/// and the shared shutdown token stop them; it returns when they all have.
pub(super) async fn supervise(
    pollers: Arc<Pollers>,
    pages: Arc<PageSettings>,
    feeds: Vec<FeedConfig>,
    config_file: PathBuf,
    mut inbox: FeedInbox,
) {
    let shutdown = pollers.shutdown.clone();
    let feeds_file = pollers.feeds_file.clone();
    let mut running = Running {
        pollers,
        pages,
        feeds: Vec::new(),
        settings: HashMap::new(),
        tasks: JoinSet::new(),
        started: false,
        feeds_hash: None,
        config_hash: None,
    };
    running.feeds_hash = std::fs::read(&feeds_file).ok().map(|b| hash(&b));
    running.check_config(&config_file).await;
    running.apply(feeds);
    running.started = true;

    let (_watcher, mut changes) = match watch_files(&feeds_file, &config_file) {
        Some((watcher, rx)) => (Some(watcher), Some(rx)),
        None => (None, None),
    };
    // When a debounced change is due, and what changed.
    let mut due: Option<Instant> = None;
    let (mut feeds_changed, mut config_changed) = (false, false);
    let mut requests_open = true;
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            request = inbox.requests.recv(), if requests_open => match request {
                Some(Request::List(reply)) => { let _ = reply.send(running.feeds.clone()); }
                Some(Request::Edit(edit, reply)) => { let _ = reply.send(running.edit(edit).await); }
                None => requests_open = false,
            },
            () = hangup(&mut inbox.hangup) => {
                info!("SIGHUP: reloading the feed list");
                running.check_config(&config_file).await;
                running.reload("SIGHUP", true).await;
            }
            Some(changed) = next_change(&mut changes) => {
                match changed {
                    Changed::Feeds => feeds_changed = true,
                    Changed::Config => config_changed = true,
                }
                due = Some(Instant::now() + DEBOUNCE);
            }
            () = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                due = None;
                if std::mem::take(&mut config_changed) {
                    running.check_config(&config_file).await;
                }
                if std::mem::take(&mut feeds_changed) {
                    running.reload("file changed", false).await;
                }
            }
            Some(done) = running.tasks.join_next() => {
                if let Err(error) = done
                    && error.is_panic()
                {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
        }
    }
    running.settings.clear();
    while let Some(done) = running.tasks.join_next().await {
        if let Err(error) = done
            && error.is_panic()
        {
            std::panic::resume_unwind(error.into_panic());
        }
    }
}

#[cfg(unix)]
async fn hangup(signal: &mut Hangup) {
    match signal.as_mut() {
        Some(signal) => {
            if signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn hangup(_: &mut Hangup) {
    std::future::pending().await
}

async fn next_change(changes: &mut Option<mpsc::Receiver<Changed>>) -> Option<Changed> {
    match changes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(url: &str, name: &str) -> FeedConfig {
        FeedConfig {
            url: url.into(),
            name: name.into(),
            tags: Vec::new(),
            interval: None,
            user_agent: None,
            headers: Vec::new(),
        }
    }

    #[test]
    fn diff_names_added_removed_and_changed_feeds() {
        let old = [feed("https://a/", "A"), feed("https://b/", "B")];
        let mut renamed = feed("https://b/", "B2");
        renamed.interval = Some(Duration::from_secs(600));
        let new = [renamed.clone(), feed("https://c/", "C")];
        let diff = Diff::between(&old, &new);
        assert_eq!(diff.added, [feed("https://c/", "C")]);
        assert_eq!(diff.removed, ["https://a/"]);
        assert_eq!(diff.changed, [renamed]);
        assert!(Diff::between(&new, &new).is_empty());
    }

    #[test]
    fn edits_check_the_list_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, "# mine\n[[feed]]\nurl = \"https://a.example/rss\"\n").unwrap();
        let entry = |url: &str| FeedEntry {
            url: url.into(),
            ..FeedEntry::default()
        };
        assert!(matches!(
            edit_file(&path, Edit::Add(entry("https://a.example/rss"))),
            Err(EditError::Listed(_))
        ));
        assert!(matches!(
            edit_file(&path, Edit::Remove("https://b.example/rss".into())),
            Err(EditError::NotListed(_))
        ));
        assert!(matches!(
            edit_file(&path, Edit::Add(entry("ftp://b.example/rss"))),
            Err(EditError::Invalid(_))
        ));
        let mut slow = entry("https://b.example/rss");
        slow.interval = Some(Duration::from_secs(1));
        assert!(matches!(
            edit_file(&path, Edit::Add(slow)),
            Err(EditError::Invalid(_))
        ));
        edit_file(&path, Edit::Add(entry("https://b.example/rss"))).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with("# mine")
        );
        edit_file(&path, Edit::Remove("https://a.example/rss".into())).unwrap();
        let left = config::load_feeds(&path).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].url, "https://b.example/rss");
        std::fs::write(&path, "[[feed]]\nurl = 3\n").unwrap();
        assert!(matches!(
            edit_file(&path, Edit::Add(entry("https://c.example/rss"))),
            Err(EditError::ListBroken(_))
        ));
    }
}
