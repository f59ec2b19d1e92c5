//! Editing the feed list in place with `toml_edit`, for `newsd feeds add|remove|import` and for
//! feeds that moved permanently: the user's comments and layout survive, and every edit is
//! validated, then written atomically (write + rename).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, value};

use super::error::ConfigError;
use super::feeds::{FeedConfig, load_feeds, parse_feed_url, parse_feeds};

/// Appends a feed to the list at `path`, keeping the file's comments. Fails if the URL is
/// invalid or already listed.
pub fn add_feed(
    path: &Path,
    url: &str,
    name: Option<&str>,
    tags: &[String],
) -> Result<FeedConfig, ConfigError> {
    let other = |message: String| ConfigError::Other {
        path: path.to_owned(),
        message,
    };
    let url = parse_feed_url(url).map_err(other)?;
    let (mut doc, feeds) = read_document(path)?;
    if feeds.iter().any(|f| f.url == url.as_str()) {
        return Err(other(format!("{url} is already in the feed list")));
    }
    let mut table = Table::new();
    table.insert("url", value(url.as_str()));
    if let Some(name) = name {
        table.insert("name", value(name));
    }
    if !tags.is_empty() {
        table.insert("tags", value(tags.iter().collect::<Array>()));
    }
    keep_comments_on_top(&mut doc, &mut table);
    match doc.get_mut("feed") {
        Some(Item::ArrayOfTables(list)) => list.push(table),
        None => {
            let mut list = ArrayOfTables::new();
            list.push(table);
            doc.insert("feed", Item::ArrayOfTables(list));
        }
        Some(_) => return Err(other("`feed` is not an array of tables ([[feed]])".into())),
    }
    let feeds = write_document(path, &doc)?;
    feeds
        .into_iter()
        .find(|f| f.url == url.as_str())
        .ok_or_else(|| other("the added feed did not read back".into()))
}

/// Removes the feed with `url` from the list at `path`, keeping the file's comments. Returns
/// the removed feed; fails if it is not listed.
pub fn remove_feed(path: &Path, url: &str) -> Result<FeedConfig, ConfigError> {
    let other = |message: String| ConfigError::Other {
        path: path.to_owned(),
        message,
    };
    let wanted = parse_feed_url(url)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| url.to_owned());
    let (mut doc, feeds) = read_document(path)?;
    let position = feeds
        .iter()
        .position(|f| f.url == wanted)
        .ok_or_else(|| other(format!("{url} is not in the feed list")))?;
    let Some(Item::ArrayOfTables(list)) = doc.get_mut("feed") else {
        return Err(other("`feed` is not an array of tables ([[feed]])".into()));
    };
    list.remove(position);
    if list.is_empty() {
        doc.remove("feed");
    }
    write_document(path, &doc)?;
    Ok(feeds
        .into_iter()
        .nth(position)
        .expect("position came from this list"))
}

/// Every setting of one feed, as the HTTP API gives them to [`put_feed`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedEntry {
    pub url: String,
    pub name: Option<String>,
    pub tags: Vec<String>,
    pub interval: Option<Duration>,
    pub user_agent: Option<String>,
    pub headers: BTreeMap<String, String>,
}

/// Writes `entry` to the list at `path`, keeping the file's comments: in place of the listed
/// feed with its URL (that feed's comments and URL kept, every other setting replaced), else
/// appended. Returns the feed as the list now holds it.
pub fn put_feed(path: &Path, entry: &FeedEntry) -> Result<FeedConfig, ConfigError> {
    let other = |message: String| ConfigError::Other {
        path: path.to_owned(),
        message,
    };
    let url = parse_feed_url(&entry.url).map_err(other)?.to_string();
    let (mut doc, feeds) = read_document(path)?;
    let not_tables = || other("`feed` is not an array of tables ([[feed]])".into());
    match feeds.iter().position(|f| f.url == url) {
        Some(position) => {
            let Some(Item::ArrayOfTables(list)) = doc.get_mut("feed") else {
                return Err(not_tables());
            };
            let table = list
                .get_mut(position)
                .expect("position came from this list");
            set_settings(table, entry);
        }
        None => {
            let mut table = Table::new();
            table.insert("url", value(&url));
            set_settings(&mut table, entry);
            keep_comments_on_top(&mut doc, &mut table);
            let empty = Item::ArrayOfTables(ArrayOfTables::new());
            match doc.entry("feed").or_insert(empty) {
                Item::ArrayOfTables(list) => list.push(table),
                _ => return Err(not_tables()),
            }
        }
    }
    let feeds = write_document(path, &doc)?;
    feeds
        .into_iter()
        .find(|f| f.url == url)
        .ok_or_else(|| other("the feed did not read back".into()))
}

/// Sets a feed table's keys other than `url` to `entry`'s settings; unset ones are removed.
fn set_settings(table: &mut Table, entry: &FeedEntry) {
    let name = entry
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let user_agent = entry.user_agent.as_deref().filter(|u| !u.trim().is_empty());
    let interval = entry
        .interval
        .map(|i| humantime::format_duration(i).to_string());
    let settings = [
        ("name", name.map(value)),
        (
            "tags",
            (!entry.tags.is_empty()).then(|| value(entry.tags.iter().collect::<Array>())),
        ),
        ("interval", interval.map(value)),
        ("user_agent", user_agent.map(value)),
        (
            "headers",
            (!entry.headers.is_empty()).then(|| {
                value(
                    entry
                        .headers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect::<InlineTable>(),
                )
            }),
        ),
    ];
    for (key, item) in settings {
        match item {
            Some(item) => {
                table.insert(key, item);
            }
            None => {
                table.remove(key);
            }
        }
    }
}

/// A feed to add with [`add_feeds`], as an OPML file or a user names it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeed {
    pub url: String,
    pub name: Option<String>,
    pub tags: Vec<String>,
}

/// What [`add_feeds`] did with each feed it was given.
#[derive(Debug, Default)]
pub struct AddReport {
    /// The feeds added, as the list now holds them.
    pub added: Vec<FeedConfig>,
    /// URLs the list held already.
    pub already_listed: Vec<String>,
    /// URLs given more than once; their tags went to the first one.
    pub duplicates: Vec<String>,
    /// `(url, why)` of each URL that is not an http(s) URL.
    pub invalid: Vec<(String, String)>,
}

/// Adds many feeds at once, keeping the file's comments: feeds already listed, repeated or
/// invalid are skipped and reported, never fatal. The file is written once, atomically, and
/// only when something was added. `on_feed` is called after each feed is looked at.
pub fn add_feeds(
    path: &Path,
    feeds: &[NewFeed],
    mut on_feed: impl FnMut(),
) -> Result<AddReport, ConfigError> {
    let (mut doc, listed) = read_document(path)?;
    let listed: HashSet<String> = listed.into_iter().map(|f| f.url).collect();
    let mut report = AddReport::default();
    // URL → (table, tags) of each feed new in this batch, in the order given.
    let mut new: Vec<(String, Vec<String>, Table)> = Vec::new();
    for feed in feeds {
        on_feed();
        let url = match parse_feed_url(&feed.url) {
            Ok(url) => url.to_string(),
            Err(why) => {
                report.invalid.push((feed.url.clone(), why));
                continue;
            }
        };
        if listed.contains(&url) {
            report.already_listed.push(url);
        } else if let Some((_, tags, _)) = new.iter_mut().find(|(u, ..)| *u == url) {
            for tag in &feed.tags {
                if !tags.contains(tag) {
                    tags.push(tag.clone());
                }
            }
            report.duplicates.push(url);
        } else {
            let mut table = Table::new();
            table.insert("url", value(&url));
            if let Some(name) = feed.name.as_deref().filter(|n| !n.trim().is_empty()) {
                table.insert("name", value(name.trim()));
            }
            new.push((url, feed.tags.clone(), table));
        }
    }
    if new.is_empty() {
        return Ok(report);
    }
    keep_comments_on_top(&mut doc, &mut new[0].2);
    let empty = Item::ArrayOfTables(ArrayOfTables::new());
    let list = match doc.entry("feed").or_insert(empty) {
        Item::ArrayOfTables(list) => list,
        _ => {
            return Err(ConfigError::Other {
                path: path.to_owned(),
                message: "`feed` is not an array of tables ([[feed]])".into(),
            });
        }
    };
    for (_, tags, mut table) in new.iter().cloned() {
        if !tags.is_empty() {
            table.insert("tags", value(tags.iter().collect::<Array>()));
        }
        list.push(table);
    }
    let feeds = write_document(path, &doc)?;
    report.added = feeds
        .into_iter()
        .filter(|f| new.iter().any(|(url, ..)| *url == f.url))
        .collect();
    Ok(report)
}

/// Replaces the URL of the feed listed as `from` with `to` (it moved permanently), keeping the
/// file's comments and the feed's other settings.
pub fn replace_feed_url(path: &Path, from: &str, to: &str) -> Result<(), ConfigError> {
    let other = |message: String| ConfigError::Other {
        path: path.to_owned(),
        message,
    };
    let to = parse_feed_url(to).map_err(other)?;
    let (mut doc, feeds) = read_document(path)?;
    let position = feeds
        .iter()
        .position(|f| f.url == from)
        .ok_or_else(|| other(format!("{from} is not in the feed list")))?;
    if feeds.iter().any(|f| f.url == to.as_str()) {
        return Err(other(format!("{to} is already in the feed list")));
    }
    let Some(Item::ArrayOfTables(list)) = doc.get_mut("feed") else {
        return Err(other("`feed` is not an array of tables ([[feed]])".into()));
    };
    let table = list
        .get_mut(position)
        .expect("position came from this list");
    let decor = table
        .get("url")
        .and_then(Item::as_value)
        .map(|v| v.decor().clone());
    let mut url = toml_edit::Value::from(to.as_str());
    if let Some(decor) = decor {
        *url.decor_mut() = decor;
    }
    table.insert("url", Item::Value(url));
    write_document(path, &doc)?;
    Ok(())
}

/// In a list without feeds, the comments are the document's trailing text: moves them in
/// front of `first`, the first feed about to be added, so they stay above it, not below.
fn keep_comments_on_top(doc: &mut DocumentMut, first: &mut Table) {
    if doc.get("feed").is_none() {
        let comments = doc.trailing().as_str().unwrap_or_default().to_owned();
        if !comments.trim().is_empty() {
            doc.set_trailing("");
            first.decor_mut().set_prefix(comments);
        }
    }
}

fn read_document(path: &Path) -> Result<(DocumentMut, Vec<FeedConfig>), ConfigError> {
    let feeds = load_feeds(path)?;
    let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let doc = source
        .parse::<DocumentMut>()
        .map_err(|e| ConfigError::Other {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    Ok((doc, feeds))
}

/// Validates the edited document, then replaces the file atomically (write + rename).
fn write_document(path: &Path, doc: &DocumentMut) -> Result<Vec<FeedConfig>, ConfigError> {
    let text = doc.to_string();
    let feeds = parse_feeds(path, &text)?;
    let tmp = path.with_extension("toml.tmp");
    let write = |source| ConfigError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&tmp, &text).map_err(write)?;
    std::fs::rename(&tmp, path).map_err(write)?;
    Ok(feeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# my feeds\n\n# world news\n[[feed]]\nurl = \"https://www.france24.com/en/rss\"\nname = \"France 24\"\ntags = [\"world\"]\n";

    #[test]
    fn add_and_remove_keep_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, LIST).unwrap();

        let added = add_feed(
            &path,
            "https://feeds.bbci.co.uk/news/world/rss.xml",
            Some("BBC"),
            &["uk".into()],
        )
        .unwrap();
        assert_eq!(added.name, "BBC");
        assert_eq!(load_feeds(&path).unwrap().len(), 2);
        assert!(
            add_feed(
                &path,
                "https://feeds.bbci.co.uk/news/world/rss.xml",
                None,
                &[]
            )
            .is_err()
        );

        remove_feed(&path, "https://feeds.bbci.co.uk/news/world/rss.xml").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# my feeds") && text.contains("# world news"),
            "{text}"
        );
        assert_eq!(load_feeds(&path).unwrap().len(), 1);
        assert!(remove_feed(&path, "https://nope.example/rss").is_err());
    }

    #[test]
    fn add_feeds_skips_listed_repeated_and_invalid_feeds_and_writes_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, LIST).unwrap();
        let feed = |url: &str, tags: &[&str]| NewFeed {
            url: url.into(),
            name: Some(" Name ".into()),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        let mut seen = 0;
        let report = add_feeds(
            &path,
            &[
                feed("https://www.france24.com/en/rss", &[]),
                feed("https://a.example/rss", &["x"]),
                feed("not a url", &[]),
                feed("https://a.example/rss", &["y", "x"]),
                feed("ftp://b.example/rss", &[]),
                feed("https://c.example/feed", &[]),
            ],
            || seen += 1,
        )
        .unwrap();
        assert_eq!(seen, 6);
        let added: Vec<&str> = report.added.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(added, ["https://a.example/rss", "https://c.example/feed"]);
        assert_eq!(report.added[0].tags, ["x", "y"]);
        assert_eq!(report.added[0].name, "Name");
        assert_eq!(report.already_listed, ["https://www.france24.com/en/rss"]);
        assert_eq!(report.duplicates, ["https://a.example/rss"]);
        assert_eq!(report.invalid.len(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my feeds"), "{text}");
        assert_eq!(load_feeds(&path).unwrap().len(), 3);

        std::fs::write(&path, "# header\n").unwrap();
        add_feeds(&path, &[feed("https://c.example/feed", &[])], || {}).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# header\n[[feed]]"), "{text}");

        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        let again = add_feeds(&path, &[feed("https://c.example/feed", &[])], || {}).unwrap();
        assert!(again.added.is_empty() && again.already_listed.len() == 1);
        let after = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(after, before, "nothing added, nothing written");
    }

    #[test]
    fn replacing_a_url_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, LIST).unwrap();
        replace_feed_url(
            &path,
            "https://www.france24.com/en/rss",
            "https://www.france24.com/en/rss.xml",
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("url = \"https://www.france24.com/en/rss.xml\""),
            "{text}"
        );
        assert!(
            text.contains("# world news") && text.contains("name = \"France 24\""),
            "{text}"
        );
    }

    #[test]
    fn put_feed_replaces_settings_in_place_and_appends_new_feeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, LIST).unwrap();
        let entry = FeedEntry {
            url: "https://www.france24.com/en/rss".into(),
            name: Some("F24".into()),
            interval: Some(Duration::from_secs(600)),
            headers: [("X-Key".to_owned(), "k".to_owned())].into(),
            ..FeedEntry::default()
        };
        let feed = put_feed(&path, &entry).unwrap();
        assert_eq!(feed.name, "F24");
        assert!(feed.tags.is_empty());
        assert_eq!(feed.interval, Some(Duration::from_secs(600)));
        assert_eq!(feed.headers, [("X-Key".to_owned(), "k".to_owned())]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# world news\n[[feed]]"), "{text}");
        assert!(text.contains("interval = \"10m\""), "{text}");
        let new = FeedEntry {
            url: "https://b.example/rss".into(),
            tags: vec!["x".into()],
            ..FeedEntry::default()
        };
        put_feed(&path, &new).unwrap();
        let feeds = load_feeds(&path).unwrap();
        assert_eq!(feeds.len(), 2);
        assert_eq!(feeds[1].tags, ["x"]);
    }

    #[test]
    fn add_to_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, "").unwrap();
        add_feed(&path, "https://www.lemonde.fr/rss/une.xml", None, &[]).unwrap();
        assert_eq!(load_feeds(&path).unwrap()[0].name, "www.lemonde.fr");
    }
}
