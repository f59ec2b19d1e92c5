//! Dedup throughput (issue 5): copy detection and online story clustering over a generated
//! article stream (`bench/cluster_gen.py`), one thread, as the dedup stage runs them: each
//! article's text is signed and looked up among recent copies; a copy becomes a source of the
//! article it copies, anything else enters the copy index and the clusterer.
//!
//! Only the dedup calls are timed (reading and parsing JSON is not: the stream is parsed in
//! chunks, then each chunk goes through the dedup calls). Both wall time and the thread's CPU
//! time (`/proc/thread-self/schedstat`) are taken: on a shared machine the CPU time is the
//! steadier number. The stream's first `--window` articles fill the 72 h window; the rest is
//! the measurement, reported as articles/s, alongside the fill in quarters so that the cost
//! can be seen as the window grows. The allocator is jemalloc, as in the daemon.
//!
//! Usage: `cargo bench --bench cluster -- STREAM.jsonl --window N [--decisions OUT.jsonl]
//! [--merge-threshold T]`; the decisions are `{"id","cluster","copy_of"}` lines (a copy gets the
//! story of the article it copies, as in `newsd inspect cluster`), each article's final story
//! after folds, written at the end, which `score_clusters.py` scores against the stream's own
//! `cluster` field. `--merge-threshold` sets `ClusterConfig::merge_threshold` (above 1: no
//! folds), to compare.

use std::alloc::{GlobalAlloc, Layout};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use newsd::dedup::{
    ClusterConfig, ClusterInput, CopyConfig, CopyDetector, Folds, StoryClusterer, StoryId,
};
use serde::Deserialize;

#[global_allocator]
static ALLOCATOR: Counting = Counting(tikv_jemallocator::Jemalloc);

/// jemalloc, counting the bytes the program holds: the window's memory is what the dedup state
/// holds when the window is full, divided by the window's articles.
struct Counting(tikv_jemallocator::Jemalloc);

static HELD: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to jemalloc unchanged; only a counter is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HELD.fetch_add(new_size, Ordering::Relaxed);
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

/// Articles parsed ahead of the timed calls.
const CHUNK: usize = 4096;

#[derive(Deserialize)]
struct Article {
    id: Option<String>,
    title: Option<String>,
    text: Option<String>,
    lang: Option<String>,
    published: Option<String>,
}

struct Args {
    stream: String,
    window: usize,
    decisions: Option<String>,
    merge_threshold: Option<f32>,
}

fn args() -> anyhow::Result<Args> {
    let mut stream = None;
    let mut window = None;
    let mut decisions = None;
    let mut merge_threshold = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            "--window" => window = Some(args.next().context("--window N")?.parse()?),
            "--decisions" => decisions = Some(args.next().context("--decisions FILE")?),
            "--merge-threshold" => {
                merge_threshold = Some(args.next().context("--merge-threshold T")?.parse()?);
            }
            _ => stream = Some(arg),
        }
    }
    Ok(Args {
        stream: stream.context("usage: cluster STREAM.jsonl --window N [--decisions OUT]")?,
        window: window.context("--window N: the articles that fill the window")?,
        decisions,
        merge_threshold,
    })
}

/// Time spent and articles seen in one stretch of the stream.
#[derive(Default)]
struct Stretch {
    articles: usize,
    wall: Duration,
    cpu: Duration,
}

impl Stretch {
    fn rate(&self) -> f64 {
        self.articles as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    fn cpu_rate(&self) -> f64 {
        self.articles as f64 / self.cpu.as_secs_f64().max(1e-9)
    }
}

/// This thread's time on a CPU so far (the first field of `/proc/thread-self/schedstat`, in ns).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// A field of `/proc/self/status` in kB (`VmHWM`: peak resident memory).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One article's outcome, for `--decisions`.
struct Decision {
    n: usize,
    copy_of: Option<i64>,
    story: Option<StoryId>,
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let file = std::fs::File::open(&args.stream).with_context(|| args.stream.clone())?;
    let mut lines = BufReader::new(file).lines();
    let mut decisions = match &args.decisions {
        Some(path) => Some((
            std::io::BufWriter::new(std::fs::File::create(path)?),
            Vec::new(),
        )),
        None => None,
    };
    let mut folds = Folds::default();
    // Story of each article in the copy index, so that a copy's decision names its story.
    let mut story_of: HashMap<i64, StoryId> = HashMap::new();
    let mut copies = CopyDetector::new(CopyConfig::default());
    let mut config = ClusterConfig::default();
    if let Some(threshold) = args.merge_threshold {
        config.merge_threshold = threshold;
    }
    let mut clusterer = StoryClusterer::new(config);
    let mut fill = [(); 4].map(|()| Stretch::default());
    let mut measured = Stretch::default();
    let mut copies_found = 0usize;
    let mut n = 0usize;
    let mut chunk: Vec<Article> = Vec::with_capacity(CHUNK);
    let mut outcomes: Vec<Decision> = Vec::with_capacity(CHUNK);
    // Bytes held before any article: what the dedup state holds later is the rest (with
    // --decisions, the bench's own map of stories grows beside it).
    let before = HELD.load(Ordering::Relaxed);
    let mut held_at_fill = 0usize;
    let mut held_max = 0usize;
    loop {
        // A chunk never straddles a quarter of the fill or the start of the measurement.
        let boundary = if n < args.window {
            (1..=4)
                .map(|q| q * args.window / 4)
                .find(|&b| b > n)
                .unwrap_or(args.window)
        } else {
            usize::MAX
        };
        chunk.clear();
        while chunk.len() < CHUNK.min(boundary - n) {
            let Some(line) = lines.next() else { break };
            chunk.push(serde_json::from_str(&line?)?);
        }
        if chunk.is_empty() {
            break;
        }
        let stretch = if n < args.window {
            &mut fill[n * 4 / args.window]
        } else {
            &mut measured
        };
        outcomes.clear();
        let (wall, cpu) = (Instant::now(), thread_cpu());
        for (i, article) in chunk.iter().enumerate() {
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
            let key = (n + i) as i64;
            let signature = article.text.as_deref().and_then(CopyDetector::signature);
            let copy = signature.as_ref().and_then(|s| copies.find(s));
            let story = match (copy, signature) {
                (Some(_), _) => None,
                (None, signature) => {
                    if let Some(signature) = signature {
                        copies.insert(key, signature, published);
                    }
                    let assignment = clusterer.add(input);
                    if let Some(from) = assignment.merged {
                        folds.record(from, assignment.story);
                    }
                    Some(assignment.story)
                }
            };
            outcomes.push(Decision {
                n: n + i,
                copy_of: copy.map(|(k, _)| k),
                story,
            });
        }
        stretch.cpu += thread_cpu().saturating_sub(cpu);
        stretch.wall += wall.elapsed();
        stretch.articles += chunk.len();

        copies_found += outcomes.iter().filter(|d| d.copy_of.is_some()).count();
        if let Some((_, lines)) = decisions.as_mut() {
            for (decision, article) in outcomes.iter().zip(&chunk) {
                let story = match (decision.story, decision.copy_of) {
                    (Some(story), _) => story,
                    (None, Some(of)) => story_of[&of],
                    (None, None) => unreachable!("an article is a copy or clustered"),
                };
                if decision.copy_of.is_none() {
                    story_of.insert(decision.n as i64, story);
                }
                lines.push((article.id.clone(), story, decision.copy_of));
            }
        }
        n += chunk.len();
        chunk.clear();
        let held = HELD.load(Ordering::Relaxed).saturating_sub(before);
        if n == args.window {
            held_at_fill = held;
        }
        held_max = held_max.max(held);
    }
    if let Some((mut out, lines)) = decisions {
        for (id, story, copy_of) in lines {
            let record = serde_json::json!({
                "id": id,
                "cluster": folds.resolve(story),
                "copy_of": copy_of,
            });
            writeln!(out, "{record}")?;
        }
        out.flush()?;
    }
    let mut stdout = std::io::stdout().lock();
    for (quarter, stretch) in fill.iter().enumerate() {
        writeln!(
            stdout,
            "fill {}/4: {} articles, {:.0} articles/s ({:.0} per CPU second)",
            quarter + 1,
            stretch.articles,
            stretch.rate(),
            stretch.cpu_rate()
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
    let per = |d: Duration| d.as_secs_f64() * 1e6 / measured.articles.max(1) as f64;
    writeln!(
        stdout,
        "measured: {} articles, {:.0} articles/s, {:.1} us/article wall, {:.1} us/article CPU \
         ({:.0} articles per CPU second); peak RSS {} MB",
        measured.articles,
        measured.rate(),
        per(measured.wall),
        per(measured.cpu),
        measured.cpu_rate(),
        status_kb("VmHWM:").unwrap_or(0) / 1024
    )?;
    let per_article = |bytes: usize| bytes / args.window.max(1);
    writeln!(
        stdout,
        "dedup state: {} MB held with the window full ({} bytes an article of the window), \
         at most {} MB ({} bytes an article)",
        held_at_fill >> 20,
        per_article(held_at_fill),
        held_max >> 20,
        per_article(held_max),
    )?;
    Ok(())
}
