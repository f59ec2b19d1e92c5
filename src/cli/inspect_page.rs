//! `newsd inspect page` / `inspect pages`: run the extractor on saved pages and print what it
//! read, one JSON object per page — the shape `score_extraction.py` reads.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};

use crate::extract::extract;
use crate::model::ExtractedPage;

/// One page as `inspect` prints it.
#[derive(Debug, Serialize)]
struct PageRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    url: Option<String>,
    title: Option<String>,
    byline: Option<String>,
    authors: Vec<String>,
    /// The publication date as the page states it (its own time zone), `YYYY-MM-DD…`.
    published: Option<String>,
    updated: Option<String>,
    lang: Option<String>,
    canonical_url: Option<String>,
    lead_image: Option<String>,
    section: Option<String>,
    site_name: Option<String>,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl PageRecord {
    fn new(id: Option<String>, url: Option<String>, page: ExtractedPage) -> PageRecord {
        let published = page
            .published_date
            .map(|d| d.to_string())
            .or_else(|| page.published.map(iso));
        PageRecord {
            id,
            url,
            title: page.title,
            byline: page.author,
            authors: page.authors,
            published,
            updated: page.updated.map(iso),
            lang: page.lang,
            canonical_url: page.canonical_url,
            lead_image: page.lead_image,
            section: page.section,
            site_name: page.site_name,
            text: page.text,
            error: None,
        }
    }

    fn failed(id: Option<String>, url: Option<String>, error: String) -> PageRecord {
        let mut record = PageRecord::new(id, url, ExtractedPage::default());
        record.error = Some(error);
        record
    }
}

/// A manifest line: the page's id, the URL it was served from, its file (relative to the
/// manifest); other keys (the truth, in the corpus) are ignored.
#[derive(Debug, Deserialize)]
struct ManifestLine {
    id: serde_json::Value,
    url: Option<String>,
    page: String,
}

/// `inspect page [--url URL] FILE`.
pub(super) fn page(url: Option<&str>, file: &Path) -> anyhow::Result<ExitCode> {
    let bytes = read_page(file).with_context(|| format!("cannot read {}", file.display()))?;
    let page = extract(&bytes, None, url.unwrap_or(""));
    let record = PageRecord::new(None, url.map(str::to_owned), page);
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string(&record)?
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `inspect pages MANIFEST`: one line per manifest line, in order; a page that cannot be read
/// gets a record with `error` and empty text.
pub(super) fn pages(manifest: &Path) -> anyhow::Result<ExitCode> {
    let base = manifest.parent().unwrap_or(Path::new("."));
    let reader = BufReader::new(
        std::fs::File::open(manifest)
            .with_context(|| format!("cannot open {}", manifest.display()))?,
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: ManifestLine = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: bad manifest line", manifest.display(), n + 1))?;
        let id = Some(match entry.id {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        let record = match read_page(&base.join(&entry.page)) {
            Ok(bytes) => {
                let page = extract(&bytes, None, entry.url.as_deref().unwrap_or(""));
                PageRecord::new(id, entry.url, page)
            }
            Err(error) => PageRecord::failed(id, entry.url, format!("{}: {error}", entry.page)),
        };
        writeln!(out, "{}", serde_json::to_string(&record)?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A saved page's bytes, gunzipped when the name ends in `.gz`.
fn read_page(path: &Path) -> std::io::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut bytes = Vec::with_capacity(raw.len() * 4);
        GzDecoder::new(raw.as_slice()).read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        Ok(raw)
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
