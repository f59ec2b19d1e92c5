//! `newsd feeds add|import|export`: subscribing to a feed by its URL or its site's page (feed
//! discovery), to the feeds of an OPML file, and writing the feed list out as OPML.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::{self, Config};
use crate::fetch::{self, Candidate, Discovery, HttpClient};

/// Gap between two discovery requests to one host. `feeds add` is a one-off burst of at most a
/// few dozen small requests that a user waits for, not the daemon's steady polling.
const DISCOVERY_GAP: Duration = Duration::from_millis(100);

/// Imports of at least this many feeds show a progress bar (on a terminal).
const LONG_IMPORT: usize = 50;

/// `feeds add URL`: a feed URL is added as given; a page URL is replaced by the feed it leads
/// to, asking which one when there are several and someone is there to answer.
pub(super) async fn add(
    path: &Path,
    url: &str,
    name: Option<&str>,
    tags: &[String],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    let mut feed_url = url.to_owned();
    // An invalid or already listed URL goes straight to `add_feed`, which says what is wrong.
    let parsed = url::Url::parse(url).ok();
    let checkable = parsed.as_ref().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https") && config.feeds.iter().all(|f| f.url != u.as_str())
    });
    if checkable {
        let mut settings = config.fetch.clone();
        settings.per_host_gap = settings.per_host_gap.min(DISCOVERY_GAP);
        let client = HttpClient::new(&settings)?;
        match fetch::discover(&client, url).await {
            Ok(Discovery::Feed { .. }) => {}
            Ok(Discovery::Unparsed { error }) => {
                eprintln!("warning: {url} does not parse as a feed ({error}); adding it anyway");
            }
            Ok(Discovery::Page { url: page, feeds }) => match choose(&page, &feeds, out)? {
                Some(chosen) => feed_url = chosen,
                None => {
                    bail!(
                        "several feeds found on {page}; run `newsd feeds add URL` with one of \
                         the URLs above"
                    )
                }
            },
            Err(error) => {
                eprintln!("warning: cannot fetch {url} ({error}); adding it unchecked");
            }
        }
    }
    let feed = config::add_feed(&config.feeds_file, &feed_url, name, tags)?;
    writeln!(
        out,
        "added {} ({}) to {}",
        feed.url,
        feed.name,
        config.feeds_file.display()
    )?;
    Ok(())
}

/// Picks one of the feeds found on `page`: the only one, or the user's choice when stdin is a
/// terminal. `None` when there are several and nobody to ask (they are listed on `out`).
fn choose(page: &str, feeds: &[Candidate], out: &mut impl Write) -> anyhow::Result<Option<String>> {
    match feeds {
        [] => bail!(
            "no feed found for {page}: the page announces none (<link rel=\"alternate\">) and \
             none of the usual feed paths answers one; add the feed's own URL"
        ),
        [only] => {
            writeln!(out, "found feed {} on {page}", shown(only))?;
            return Ok(Some(only.url.clone()));
        }
        _ => {}
    }
    writeln!(out, "{} feeds found on {page}:", feeds.len())?;
    for (i, feed) in feeds.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, shown(feed))?;
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let stdin = std::io::stdin();
    for _ in 0..3 {
        write!(out, "which one? [1-{}, q to quit] ", feeds.len())?;
        out.flush()?;
        let mut answer = String::new();
        if stdin.lock().read_line(&mut answer)? == 0 || answer.trim() == "q" {
            break;
        }
        match answer.trim().parse::<usize>() {
            Ok(n) if (1..=feeds.len()).contains(&n) => return Ok(Some(feeds[n - 1].url.clone())),
            _ => writeln!(out, "answer a number from 1 to {}", feeds.len())?,
        }
    }
    bail!("no feed chosen; nothing added")
}

fn shown(feed: &Candidate) -> String {
    match &feed.title {
        Some(title) => format!("{} ({title})", feed.url),
        None => feed.url.clone(),
    }
}

/// `feeds import FILE.opml`: adds every feed of the file, folders as tags; feeds already listed,
/// repeated or invalid are counted and skipped.
pub(super) fn import(path: &Path, file: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let feeds_file = Config::load(path)?.feeds_file;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let opml = config::parse_opml(&bytes).with_context(|| file.display().to_string())?;
    if let Some(error) = &opml.error {
        eprintln!(
            "warning: {} is damaged ({error}); importing what could be read",
            file.display()
        );
    }
    let progress = if opml.feeds.len() >= LONG_IMPORT && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(opml.feeds.len() as u64), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} feeds")
                    .expect("valid progress template"),
            )
    } else {
        ProgressBar::hidden()
    };
    let report = config::add_feeds(&feeds_file, &opml.feeds, || progress.inc(1))?;
    progress.finish_and_clear();
    for (_, why) in &report.invalid {
        eprintln!("warning: skipped {why}");
    }
    let mut skipped = vec![format!("{} already listed", report.already_listed.len())];
    if !report.duplicates.is_empty() {
        skipped.push(format!("{} repeated in the file", report.duplicates.len()));
    }
    skipped.push(format!("{} invalid", report.invalid.len()));
    writeln!(
        out,
        "imported {} feeds ({}) into {}",
        report.added.len(),
        skipped.join(", "),
        feeds_file.display()
    )?;
    Ok(())
}

/// `feeds export`: the feed list as OPML 2.0.
pub(super) fn export(path: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    out.write_all(config::write_opml("newsd feeds", &config.feeds).as_bytes())?;
    Ok(())
}
