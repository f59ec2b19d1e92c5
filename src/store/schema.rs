//! The SQLite schema and its migrations, applied in order and counted in `PRAGMA user_version`.

use rusqlite::Connection;

/// Migration `i` takes the database from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE feeds (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    last_fetch_at TEXT,
    last_status   TEXT,
    last_error    TEXT,
    error_streak  INTEGER NOT NULL DEFAULT 0
);
-- Every item ever seen in a feed; `done` once its article is stored (or it was skipped).
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    feed_url      TEXT NOT NULL,
    item_key      TEXT NOT NULL,
    source        TEXT NOT NULL,
    link          TEXT,
    title         TEXT,
    summary       TEXT,
    author        TEXT,
    published     TEXT,
    discovered_at TEXT NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_url, item_key)
);
CREATE INDEX items_pending ON items (id) WHERE done = 0;
-- The system of record for articles; the tantivy index is derived from it.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL UNIQUE REFERENCES items (id),
    feed_url      TEXT NOT NULL,
    source        TEXT NOT NULL,
    url           TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    title         TEXT NOT NULL,
    author        TEXT,
    published     TEXT,
    lang          TEXT,
    text          TEXT NOT NULL,
    fetched_at    TEXT NOT NULL,
    indexed       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX articles_canonical ON articles (canonical_url);
CREATE INDEX articles_feed ON articles (feed_url);
CREATE INDEX articles_unindexed ON articles (id) WHERE indexed = 0;
"#,
    r#"
-- Scheduling state of each feed (see model::FeedState), and where a feed moved permanently
-- when its new address could not be written back to the feed list.
ALTER TABLE feeds ADD COLUMN state TEXT NOT NULL DEFAULT 'new';
ALTER TABLE feeds ADD COLUMN last_success_at TEXT;
ALTER TABLE feeds ADD COLUMN next_poll_at TEXT;
ALTER TABLE feeds ADD COLUMN fetch_url TEXT;
-- The poll interval the publisher asked for (<ttl>, sy:updatePeriod), in seconds.
ALTER TABLE feeds ADD COLUMN publisher_interval INTEGER;
CREATE INDEX items_feed ON items (feed_url);
"#,
    r#"
-- Where an article's text came from: 'page' (extracted) or 'feed' (the feed's own text).
ALTER TABLE articles ADD COLUMN text_source TEXT NOT NULL DEFAULT 'page';
"#,
    r#"
-- Deduplication and stories. `fingerprint`: hash of the normalized text (an edited headline
-- or GUID keeps it). `story_*`: the story the article joined and why (the cosine with the
-- story, and the story's first article it was compared with); NULL for articles stored before
-- this version until start-up places them.
ALTER TABLE articles ADD COLUMN fingerprint TEXT;
ALTER TABLE articles ADD COLUMN story_id INTEGER;
ALTER TABLE articles ADD COLUMN story_score REAL;
ALTER TABLE articles ADD COLUMN story_joined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN updated_at TEXT;
-- The feed's summary (text), the feed's tags (joined by U+001F), the page's own last-modified
-- date.
ALTER TABLE articles ADD COLUMN summary TEXT;
ALTER TABLE articles ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN modified TEXT;
-- The main content as sanitized HTML, for display.
ALTER TABLE articles ADD COLUMN html TEXT NOT NULL DEFAULT '';
CREATE INDEX articles_fingerprint ON articles (fingerprint);
CREATE INDEX articles_story ON articles (story_id);
CREATE INDEX articles_seen ON articles (coalesce(published, fetched_at));
CREATE TABLE stories (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    first_article INTEGER NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    articles      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stories_last_seen ON stories (last_seen);
-- Copies of an article under other URLs (wire copy, syndication, republishing blogs).
CREATE TABLE article_sources (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles (id),
    item_id       INTEGER NOT NULL UNIQUE REFERENCES items (id),
    feed_url      TEXT NOT NULL,
    source        TEXT NOT NULL,
    url           TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    title         TEXT NOT NULL,
    published     TEXT,
    similarity    REAL NOT NULL,
    fetched_at    TEXT NOT NULL
);
CREATE INDEX article_sources_article ON article_sources (article_id);
CREATE INDEX article_sources_canonical ON article_sources (canonical_url);
"#,
    r#"
-- Stories folded into another when the clusterer found them one event: `merged_into` is the
-- story that took the articles. The row stays, so that its id is never given again and a link
-- to it leads on. `story_folded_from`: the story an article first joined, when that story was
-- folded since (its `story_score` is with that story).
ALTER TABLE stories ADD COLUMN merged_into INTEGER;
ALTER TABLE articles ADD COLUMN story_folded_from INTEGER;
CREATE INDEX stories_merged_into ON stories (merged_into);
"#,
];

/// Brings the database to the latest schema version.
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in (0_i64..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}
