//! The store: SQLite in WAL mode, the system of record for feeds' HTTP state, seen items and
//! articles. The only module that writes SQL. Calls are synchronous and short; async callers run
//! them on the blocking pool.

mod articles;
mod feeds;
mod retention;
mod schema;
mod stories;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use articles::Stored;
pub use feeds::{FeedSchedule, FeedStats, Poll};
pub use stories::{KnownArticle, Placed, Placement, Recognised};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// More than the number of distinct statements the store prepares.
const STATEMENT_CACHE: usize = 128;

/// The SQLite database. One connection behind a mutex: SQLite serializes writers anyway, and
/// every call holds the lock only for its own short statement or transaction (a savepoint, so
/// that it also works inside a [`Store::batch`]). Other processes
/// (`newsd search`, `newsd feeds list`) open their own connection; WAL lets them read while the
/// daemon writes.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// Set when an article changed outside the store stage (a headline edited in its feed):
    /// the indexer looks for unindexed articles when it sees it.
    reindex_wanted: AtomicBool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Every query the store makes, prepared once for the connection's life.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
            reindex_wanted: AtomicBool::new(false),
        })
    }

    /// Asks the indexer to look for unindexed articles.
    pub fn want_reindex(&self) {
        self.reindex_wanted.store(true, Ordering::Relaxed);
    }

    /// Whether articles were marked for indexing again since the last call.
    pub fn take_reindex_wanted(&self) -> bool {
        self.reindex_wanted.swap(false, Ordering::Relaxed)
    }

    /// Whether the database answers a trivial query (readiness).
    pub fn check(&self) -> Result<(), StoreError> {
        self.conn()
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })?;
        Ok(())
    }

    /// Runs `f`, whose store calls then reach the disk in one commit: one write to the log
    /// for a burst of small transactions. Each call inside still succeeds or fails as a whole
    /// (its transaction is a savepoint), and what succeeded commits even when a later call
    /// failed. Calls from other threads meanwhile join the same commit. One batch at a time:
    /// the store stage's.
    pub fn batch<R>(&self, f: impl FnOnce(&Store) -> R) -> Result<R, StoreError> {
        self.conn().execute_batch("BEGIN")?;
        let out = f(self);
        let conn = self.conn();
        if let Err(err) = conn.execute_batch("COMMIT") {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(err.into());
        }
        Ok(out)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `execute` and `query_row` through the connection's statement cache: the store runs the
/// same few statements for every item and article, and parsing them each time showed in
/// profiles.
trait Cached {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

fn to_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339()
}

fn from_text(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Helpers for the store's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::model::FeedItem;

    /// An item keyed `key`, linking to `https://news.example/{key}`.
    pub(crate) fn item(key: &str) -> FeedItem {
        FeedItem {
            key: key.into(),
            link: Some(format!("https://news.example/{key}")),
            title: Some(format!("Title {key}")),
            summary: None,
            author: None,
            published: None,
        }
    }
}
