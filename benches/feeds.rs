//! Feed-parse throughput on one thread: every file of a directory (default
//! `../shared/corpus/feeds/feeds`) read into memory, then parsed with `newsd::fetch::parse_feed`
//! over and over; prints the median round as files/s and MB/s. `bench/feeds.sh` runs it beside
//! Python feedparser. Usage: `cargo bench --bench feeds -- [DIR] [--xml-only]`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let xml_only = args.iter().any(|a| a == "--xml-only");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds/feeds")
        });
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((name, std::fs::read(&path).ok()?))
        })
        .filter(|(name, _)| !xml_only || !name.ends_with(".json"))
        .collect();
    files.sort();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();

    // Warm up, then time whole rounds until at least 3 s and 5 rounds have passed.
    let round = || {
        let start = Instant::now();
        for (_, body) in &files {
            std::hint::black_box(newsd::fetch::parse_feed(std::hint::black_box(body), "").ok());
        }
        start.elapsed()
    };
    round();
    let mut rounds: Vec<Duration> = Vec::new();
    let started = Instant::now();
    while rounds.len() < 5 || started.elapsed() < Duration::from_secs(3) {
        rounds.push(round());
    }
    rounds.sort();
    let median = rounds[rounds.len() / 2].as_secs_f64();
    println!(
        "newsd parse_feed: {} files, {:.2} MB, {} rounds, median {:.1} ms/round: {:.0} files/s, {:.1} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        rounds.len(),
        median * 1e3,
        files.len() as f64 / median,
        bytes as f64 / 1e6 / median
    );
}
