//! Golden tests of the feed parser: each small feed in `tests/fixtures/feeds/` pins one parsing
//! fix, and `<file>.golden` beside it holds the expected rendering. `NEWSD_BLESS=1 cargo test`
//! rewrites the golden files after a deliberate change.

use std::fmt::Write;
use std::path::Path;

use super::parse::parse_feed;

/// Every fixture is parsed as if fetched from this URL, so relative links resolve against it.
const FEED_URL: &str = "https://feeds.example/news/feed.xml";

fn render(bytes: &[u8]) -> String {
    let feed = match parse_feed(bytes, FEED_URL) {
        Ok(feed) => feed,
        Err(e) => return format!("error: {e}\n"),
    };
    let mut out = String::new();
    let _ = writeln!(out, "format: {}", feed.format.as_str());
    let _ = writeln!(out, "repaired: {}", feed.repaired);
    let _ = writeln!(out, "title: {:?}", feed.title);
    let _ = writeln!(out, "min_interval: {:?}", feed.min_interval);
    for (item, details) in feed.items.iter().zip(&feed.details) {
        let _ = writeln!(out, "- title: {:?}", item.title);
        let _ = writeln!(out, "  link: {:?}", item.link);
        let _ = writeln!(out, "  key: {:?}", item.key);
        let _ = writeln!(
            out,
            "  published: {:?}",
            details.published.map(|t| t.to_rfc3339())
        );
        let _ = writeln!(
            out,
            "  updated: {:?}",
            details.updated.map(|t| t.to_rfc3339())
        );
    }
    out
}

#[test]
fn feeds_match_their_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    let bless = std::env::var_os("NEWSD_BLESS").is_some();
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture directory") {
        let path = entry.expect("fixture").path();
        if path.extension().is_some_and(|e| e == "golden") {
            continue;
        }
        let actual = render(&std::fs::read(&path).expect("fixture bytes"));
        let golden = path.with_extension(format!(
            "{}.golden",
            path.extension().map_or("", |e| e.to_str().unwrap_or(""))
        ));
        if bless {
            std::fs::write(&golden, &actual).expect("write golden file");
            continue;
        }
        checked += 1;
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                path.display()
            )),
            Err(_) => failures.push(format!("{}: no golden file", golden.display())),
        }
    }
    assert!(bless || checked > 0, "no fixtures in {}", dir.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
