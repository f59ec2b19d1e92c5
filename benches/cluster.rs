//! Dedup throughput (issue 5): copy detection and online story clustering over a generated
//! article stream (`bench/cluster_gen.py`), one thread, as the dedup stage runs them: each
//! article's text is signed and looked up among recent copies; a copy becomes a source of the
//! article it copies, anything else enters the copy index and the clusterer.
//!
//! Only the dedup calls are timed (reading and parsing JSON is not). The stream's first
//! `--window` articles fill the 72 h window; the rest is the measurement, reported as
//! articles/s, alongside the fill in quarters so that the cost can be seen as the window grows.
//!
//! Usage: `cargo bench --bench cluster -- STREAM.jsonl --window N [--decisions OUT.jsonl]`

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use newsd::dedup::{ClusterConfig, ClusterInput, CopyConfig, CopyDetector, StoryClusterer};
use serde::Deserialize;

#[derive(Deserialize)]
struct Article {
    title: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    published: Option<String>,
}

struct Args {
    stream: String,
    window: usize,
    decisions: Option<String>,
}

fn args() -> anyhow::Result<Args> {
    let mut stream = None;
    let mut window = None;
    let mut decisions = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            "--window" => window = Some(args.next().context("--window N")?.parse()?),
            "--decisions" => decisions = Some(args.next().context("--decisions FILE")?),
            _ => stream = Some(arg),
        }
    }
    Ok(Args {
        stream: stream.context("usage: cluster STREAM.jsonl --window N [--decisions OUT]")?,
        window: window.context("--window N: the articles that fill the window")?,
        decisions,
    })
}

/// Time spent and articles seen in one stretch of the stream.
#[derive(Default)]
struct Stretch {
    articles: usize,
    time: Duration,
}

impl Stretch {
    fn rate(&self) -> f64 {
        self.articles as f64 / self.time.as_secs_f64().max(1e-9)
    }
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let file = std::fs::File::open(&args.stream).with_context(|| args.stream.clone())?;
    let mut decisions = match &args.decisions {
        Some(path) => Some(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => None,
    };
    let mut copies = CopyDetector::new(CopyConfig::default());
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    let mut fill = [(); 4].map(|()| Stretch::default());
    let mut measured = Stretch::default();
    let mut copies_found = 0usize;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let article: Article = serde_json::from_str(&line?)?;
        let published = article
            .published
            .as_deref()
            .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.with_timezone(&Utc));
        let input = ClusterInput {
            title: article.title.as_deref(),
            text: article.text.as_deref(),
            lang: article.lang.as_deref(),
            published,
        };

        let start = Instant::now();
        let signature = article.text.as_deref().and_then(CopyDetector::signature);
        let copy = signature.as_ref().and_then(|s| copies.find(s));
        let story = match (copy, signature) {
            (Some(_), _) => None,
            (None, signature) => {
                if let Some(signature) = signature {
                    copies.insert(n as i64, signature, published);
                }
                Some(clusterer.add(input).story)
            }
        };
        let elapsed = start.elapsed();

        copies_found += usize::from(copy.is_some());
        let stretch = if n < args.window {
            &mut fill[n * 4 / args.window]
        } else {
            &mut measured
        };
        stretch.articles += 1;
        stretch.time += elapsed;
        if let Some(out) = decisions.as_mut() {
            let record = serde_json::json!({
                "n": n,
                "copy_of": copy.map(|(k, _)| k),
                "similarity": copy.map(|(_, s)| s),
                "story": story,
            });
            writeln!(out, "{record}")?;
        }
    }
    if let Some(out) = decisions.as_mut() {
        out.flush()?;
    }
    let mut stdout = std::io::stdout().lock();
    for (quarter, stretch) in fill.iter().enumerate() {
        writeln!(
            stdout,
            "fill {}/4: {} articles, {:.0} articles/s",
            quarter + 1,
            stretch.articles,
            stretch.rate()
        )?;
    }
    writeln!(
        stdout,
        "window {}: {} live stories, {} copy entries, {} terms; copies found {copies_found}",
        args.window,
        clusterer.live_stories(),
        copies.len(),
        clusterer.vocabulary_len()
    )?;
    writeln!(
        stdout,
        "measured: {} articles, {:.0} articles/s, {:.1} us/article",
        measured.articles,
        measured.rate(),
        measured.time.as_secs_f64() * 1e6 / measured.articles.max(1) as f64
    )?;
    Ok(())
}
