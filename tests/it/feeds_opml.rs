//! Growing the feed list from outside: `feeds add` of a page URL (feed discovery against the
//! fixture site), `feeds import` of OPML files (our own and the real dev corpus) and
//! `feeds export`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::server::{ATOM, FixtureServer, JSON, RSS};
use crate::support::{Workspace, read};

const HEADER: &str = "# feeds of the OPML tests: this comment must survive every edit";

/// The URLs `feeds.toml` lists, as newsd reads it.
fn listed(workspace: &Workspace) -> Vec<String> {
    newsd::config::load_feeds(&workspace.feeds_file)
        .expect("feeds.toml stays valid")
        .into_iter()
        .map(|feed| feed.url)
        .collect()
}

#[test]
fn feeds_add_of_a_page_with_one_feed_adds_that_feed() {
    let server = FixtureServer::start();
    let workspace = Workspace::with_feeds_toml(&format!("{HEADER}\n"));
    let page = server.url("/discover/one/index.html");
    let output = workspace.run_ok(&["feeds", "add", &page, "--tag", "world"]);
    let feed = server.url(RSS);
    assert_eq!(listed(&workspace), std::slice::from_ref(&feed), "{output}");
    assert!(
        output.stdout.contains(&format!("found feed {feed}")),
        "should say which feed it found:\n{output}"
    );
    let file = read(&workspace.feeds_file);
    assert!(file.starts_with(HEADER), "{file}");
    assert!(file.contains("\"world\""), "{file}");
}

#[test]
fn feeds_add_of_a_page_with_two_feeds_lists_them_and_adds_none() {
    let server = FixtureServer::start();
    let workspace = Workspace::with_feeds_toml(&format!("{HEADER}\n"));
    let page = server.url("/discover/two/index.html");
    // stdin is not a terminal here, so nobody can be asked which one.
    let output = workspace.run(&["feeds", "add", &page]);
    assert!(!output.status.success(), "should exit non-zero:\n{output}");
    for (n, path) in [(1, ATOM), (2, JSON)] {
        let line = format!("{n}. {}", server.url(path));
        assert!(output.stdout.contains(&line), "missing {line:?}:\n{output}");
    }
    assert!(
        !output.stdout.contains("wp-json"),
        "a JSON API link is no feed:\n{output}"
    );
    assert!(
        output.stderr.contains("newsd feeds add"),
        "should tell how to pick one:\n{output}"
    );
    assert!(listed(&workspace).is_empty());
}

#[test]
fn feeds_add_of_a_page_without_links_finds_the_feed_at_a_usual_path() {
    let server = FixtureServer::start();
    let workspace = Workspace::with_feeds_toml("");
    let output = workspace.run_ok(&["feeds", "add", &server.url("/discover/none/index.html")]);
    assert_eq!(
        listed(&workspace),
        [server.url("/discover/none/feed.xml")],
        "{output}"
    );
}

#[test]
fn feeds_add_of_a_page_with_no_feed_anywhere_fails_clearly() {
    let server = FixtureServer::start();
    let workspace = Workspace::with_feeds_toml(&format!("{HEADER}\n"));
    let page = server.url("/pages/herald/glacier-survey.html");
    let output = workspace.run(&["feeds", "add", &page]);
    assert!(!output.status.success(), "should fail:\n{output}");
    assert!(output.stderr.contains("no feed found"), "{output}");
    assert_eq!(read(&workspace.feeds_file), format!("{HEADER}\n"));
}

#[test]
fn feeds_add_of_an_unreachable_url_adds_it_with_a_warning() {
    let workspace = Workspace::with_feeds_toml("");
    // Port 9 (discard) refuses connections: the machine is as good as offline.
    let url = "http://127.0.0.1:9/feeds/offline.xml";
    let output = workspace.run_ok(&["feeds", "add", url]);
    assert_eq!(listed(&workspace), [url]);
    assert!(output.stderr.contains("warning"), "{output}");
}

/// An OPML file as real exporters write them: not well-formed (raw `&`, `&nbsp;`), folders,
/// a repeated feed, a feed already listed and an invalid URL.
fn messy_opml(server: &FixtureServer) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Exported & shared</title></head>
  <body>
    <outline text="World" title="World news">
      <outline text="France 24 &amp; friends" type="rss" xmlUrl="{rss}"/>
      <outline text="Herald&nbsp;Atom" type="rss" xmlUrl="{atom}?a=1&b=2"/>
    </outline>
    <outline text="Science">
      <outline text="Herald again" type="rss" xmlUrl="{atom}?a=1&amp;b=2"/>
      <outline text="Broken" type="rss" xmlUrl="not a url at all"/>
    </outline>
    <outline text="Meridian" type="rss" xmlUrl="{json}" description="tea & news"/>
  </body>
</opml>
"#,
        rss = server.url(RSS),
        atom = server.url(ATOM),
        json = server.url(JSON),
    )
}

fn write_file(workspace: &Workspace, name: &str, text: &str) -> PathBuf {
    let path = workspace.config.with_file_name(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

#[test]
fn feeds_import_is_lenient_counts_what_it_skips_and_export_reads_back() {
    let server = FixtureServer::start();
    let workspace = Workspace::with_feeds_toml(&format!(
        "{HEADER}\n\n[[feed]]\nurl = \"{}\"\nname = \"Meridian Daily\"\n",
        server.url(JSON)
    ));
    let opml = write_file(&workspace, "subscriptions.opml", &messy_opml(&server));
    let output = workspace.run_ok(&["feeds", "import", opml.to_str().unwrap()]);
    let summary = output
        .stdout
        .lines()
        .find(|line| line.starts_with("imported "))
        .unwrap_or_else(|| panic!("no summary line:\n{output}"));
    assert!(summary.starts_with("imported 2 feeds ("), "{summary}");
    for part in ["1 already listed", "1 repeated", "1 invalid", "feeds.toml"] {
        assert!(summary.contains(part), "{part:?} missing from {summary:?}");
    }
    assert!(output.stderr.contains("not a url at all"), "{output}");

    let feeds = newsd::config::load_feeds(&workspace.feeds_file).unwrap();
    let atom = feeds.iter().find(|f| f.url.starts_with(&server.url(ATOM)));
    let atom = atom.unwrap_or_else(|| panic!("atom feed not imported: {feeds:?}"));
    assert_eq!(atom.url, format!("{}?a=1&b=2", server.url(ATOM)));
    assert_eq!(atom.name, "Herald Atom");
    assert_eq!(atom.tags, ["World news", "Science"]);
    let file = read(&workspace.feeds_file);
    assert!(file.starts_with(HEADER), "the comment was lost:\n{file}");
    workspace.run_ok(&["validate"]);

    // export → import into an empty list → export again gives the same document.
    let exported = workspace.run_ok(&["feeds", "export"]).stdout;
    assert!(exported.contains("<opml version=\"2.0\">"), "{exported}");
    let copy = Workspace::with_feeds_toml("");
    let file = write_file(&copy, "export.opml", &exported);
    copy.run_ok(&["feeds", "import", file.to_str().unwrap()]);
    assert_eq!(copy.run_ok(&["feeds", "export"]).stdout, exported);
    assert_eq!(listed(&copy), listed(&workspace));
}

#[test]
fn feeds_import_of_a_file_that_is_no_opml_fails() {
    let workspace = Workspace::with_feeds_toml("");
    let file = write_file(&workspace, "page.html", "<html><body>hello</body></html>");
    let output = workspace.run(&["feeds", "import", file.to_str().unwrap()]);
    assert!(!output.status.success(), "{output}");
    assert!(output.stderr.contains("not an OPML file"), "{output}");
}

/// One line of `expected_opml.jsonl`.
#[derive(serde::Deserialize)]
struct Expected {
    file: String,
    feed_urls: Vec<String>,
}

/// The evaluation over the real dev OPML files in `../shared/corpus/feeds/opml`: each file is
/// imported into an empty list by the binary, and the URLs it lists afterwards are compared
/// with the ones `expected_opml.jsonl` says the file holds. Every expected URL must be there.
/// Skipped (with a message) where the corpus is absent.
#[test]
fn dev_opml_corpus_imports_every_expected_url() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds/opml");
    let Ok(expected) = std::fs::read_to_string(dir.join("expected_opml.jsonl")) else {
        eprintln!("skipped: no OPML corpus at {}", dir.display());
        return;
    };
    let normalize = |url: &str| {
        url::Url::parse(url.trim()).map_or_else(|_| url.trim().to_owned(), String::from)
    };
    let mut failures = Vec::new();
    let (mut total_expected, mut total_found) = (0, 0);
    // One report, printed at the end, so that parallel tests do not interleave with it.
    let mut report = format!(
        "{:<45} {:>8} {:>8} {:>7} {:>5}\n",
        "file", "expected", "imported", "missing", "extra"
    );
    for line in expected.lines().filter(|line| !line.trim().is_empty()) {
        let case: Expected = serde_json::from_str(line).expect("expected_opml.jsonl line");
        let workspace = Workspace::with_feeds_toml("");
        let file = dir.join(&case.file);
        let output = workspace.run_ok(&["feeds", "import", file.to_str().unwrap()]);
        let want: BTreeSet<String> = case.feed_urls.iter().map(|u| normalize(u)).collect();
        let got: BTreeSet<String> = listed(&workspace).into_iter().collect();
        let missing: Vec<&String> = want.difference(&got).collect();
        let extra = got.difference(&want).count();
        total_expected += want.len();
        total_found += want.len() - missing.len();
        report.push_str(&format!(
            "{:<45} {:>8} {:>8} {:>7} {:>5}\n",
            case.file,
            want.len(),
            got.len(),
            missing.len(),
            extra
        ));
        if !missing.is_empty() {
            failures.push(format!("{}: missing {missing:?}\n{output}", case.file));
        }
    }
    println!(
        "{report}opml agree={:.3} ({total_found}/{total_expected} expected URLs imported)",
        total_found as f64 / total_expected.max(1) as f64
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
