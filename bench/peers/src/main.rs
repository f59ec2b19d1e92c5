//! `extract-peers dom_smoothie|rs_trafilatura MANIFEST`: runs one peer extractor over the pages
//! of a manifest (JSON lines with `id`, `url`, `page` relative to the manifest, uncompressed)
//! and prints the records `score_extraction.py` reads. Prints pages/s on stderr, for the time
//! spent extracting (reading the files not counted).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, peer, manifest] = args.as_slice() else {
        eprintln!("usage: extract-peers dom_smoothie|rs_trafilatura MANIFEST");
        std::process::exit(2);
    };
    let base = Path::new(manifest).parent().unwrap_or(Path::new("."));
    let file = std::fs::File::open(manifest).expect("manifest");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut pages, mut spent) = (0usize, Duration::ZERO);
    for line in BufReader::new(file).lines() {
        let entry: Value = serde_json::from_str(&line.expect("line")).expect("JSON line");
        let id = entry["id"].as_str().unwrap_or_default();
        let url = entry["url"].as_str();
        let html = std::fs::read(base.join(entry["page"].as_str().expect("page")))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let started = Instant::now();
        let record = match peer.as_str() {
            "dom_smoothie" => dom_smoothie(&html, url),
            "rs_trafilatura" => rs_trafilatura(&html, url),
            other => panic!("unknown peer {other}"),
        };
        spent += started.elapsed();
        pages += 1;
        let mut record = record;
        record["id"] = json!(id);
        writeln!(out, "{record}").expect("stdout");
    }
    eprintln!(
        "{peer} pages={pages} seconds={:.2} pages_per_s={:.1}",
        spent.as_secs_f64(),
        pages as f64 / spent.as_secs_f64()
    );
}

fn dom_smoothie(html: &str, url: Option<&str>) -> Value {
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    match dom_smoothie::Readability::new(html, url, Some(config)).and_then(|mut r| r.parse()) {
        Ok(article) => json!({
            "title": article.title,
            "byline": article.byline,
            "published": article.published_time,
            "lang": article.lang,
            "text": article.text_content.to_string(),
        }),
        Err(_) => json!({ "text": "" }),
    }
}

fn rs_trafilatura(html: &str, url: Option<&str>) -> Value {
    let options = rs_trafilatura::Options {
        url: url.map(str::to_owned),
        ..Default::default()
    };
    match rs_trafilatura::extract_with_options(html, &options) {
        Ok(result) => json!({
            "title": result.metadata.title,
            "byline": result.metadata.author,
            "published": result.metadata.date.map(|d| d.format("%Y-%m-%d").to_string()),
            "lang": result.metadata.language,
            "text": result.content_text,
        }),
        Err(_) => json!({ "text": "" }),
    }
}
