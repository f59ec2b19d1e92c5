//! `newsd inspect page` and `inspect pages` on pages written for the tests: the JSON records
//! the quality evaluation reads.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/extract")
        .join(name)
}

fn newsd(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_newsd"))
        .args(args)
        .env_remove("NEWSD_LOG")
        .output()
        .expect("newsd runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn inspect_page_prints_one_json_record() {
    let file = fixture("news_boilerplate.html");
    let url = "https://courier.example/business/2024/03/harbour-cranes-dunmore";
    let out = newsd(&["inspect", "page", "--url", url, file.to_str().unwrap()]);
    let record: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(
        record["title"],
        "Harbour cranes return to Dunmore after twenty years"
    );
    assert_eq!(record["byline"], "Orla Fenwick, Tomasz Brenner");
    assert_eq!(record["published"], "2024-03-14");
    assert_eq!(record["lang"], "en");
    let text = record["text"].as_str().unwrap();
    assert!(text.starts_with("Two container cranes"), "{text}");
    assert!(
        !text.contains("Related stories") && !text.contains("Sign up"),
        "{text}"
    );
}

#[test]
fn inspect_pages_reads_a_manifest_with_gzipped_pages() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pages")).unwrap();
    let html = std::fs::read(fixture("blog_republished.html")).unwrap();
    let gz = std::fs::File::create(dir.path().join("pages/blog.html.gz")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    encoder.write_all(&html).unwrap();
    encoder.finish().unwrap();
    std::fs::copy(
        fixture("paywall.html"),
        dir.path().join("pages/paywall.html"),
    )
    .unwrap();
    let manifest = dir.path().join("truth.jsonl");
    std::fs::write(
        &manifest,
        concat!(
            r#"{"id":"blog","url":"https://garten.example/brunnen","page":"pages/blog.html.gz","title":"ignored"}"#,
            "\n",
            r#"{"id":7,"url":null,"page":"pages/paywall.html"}"#,
            "\n",
            r#"{"id":"gone","url":null,"page":"pages/missing.html"}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = newsd(&["inspect", "pages", manifest.to_str().unwrap()]);
    let records: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(records.len(), 3, "{out}");
    assert_eq!(records[0]["id"], "blog");
    assert_eq!(records[0]["byline"], "Henrike Jablonski");
    assert!(
        records[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Dieser Beitrag erschien zuerst")
    );
    assert_eq!(records[1]["id"], "7");
    assert_eq!(records[1]["text"], "");
    assert_eq!(records[2]["id"], "gone");
    assert!(records[2]["error"].as_str().is_some(), "{out}");
}

#[test]
fn inspect_page_reads_dates_declared_only_in_json_ld() {
    let file = fixture("jsonld_dates.html");
    let url = "https://rail.example/night-trains";
    let out = newsd(&["inspect", "page", "--url", url, file.to_str().unwrap()]);
    let record: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    // The `BlogPosting`'s date, in New York's day, not the `WebPage`'s nor UTC's.
    assert_eq!(record["published"], "2023-12-09");
    assert_eq!(record["byline"], "Priya Castellanos");
}

#[test]
fn inspect_page_decodes_a_latin1_page() {
    let file = fixture("latin1.html");
    let url = "https://saint-aubin.example/fete";
    let out = newsd(&["inspect", "page", "--url", url, file.to_str().unwrap()]);
    let record: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(record["title"], "Fête du village : la chorale répète déjà");
    assert_eq!(record["byline"], "Émile Garnier");
    let text = record["text"].as_str().unwrap();
    assert!(text.starts_with("À trois semaines de la fête"), "{text}");
}

#[test]
fn inspect_page_dates_a_utc_timestamp_by_the_day_the_page_shows() {
    // Regression: an evening story declared in UTC (`2024-02-02T03:15:00Z`) was dated the 2nd;
    // the page shows, and its readers saw, February 1.
    let file = fixture("utc_date.html");
    let url = "https://bayside.example/local/ferry-timetable";
    let out = newsd(&["inspect", "page", "--url", url, file.to_str().unwrap()]);
    let record: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(record["published"], "2024-02-01");
    assert_eq!(record["title"], "Council approves the new ferry timetable");
    assert_eq!(record["byline"], "Dana Okafor");
    let text = record["text"].as_str().unwrap();
    assert!(text.starts_with("The council voted late"), "{text}");
    assert!(
        !text.contains("Share") && !text.contains("tracking") && !text.contains("Dana Okafor"),
        "{text}"
    );
}
