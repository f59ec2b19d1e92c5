//! Editing and checking the feed list from the command line: `feeds add|list|remove` and
//! `validate`.

use crate::server::{ATOM, FixtureServer, RSS};
use crate::support::{Feed, Output, Workspace, read};

const COMMENT: &str =
    "# World desk: each feed here is polled every 15 minutes, keep the list short";

/// The line of `feeds list` that shows `url`, if any.
fn list_line<'a>(list: &'a str, url: &str) -> Option<&'a str> {
    list.lines().find(|line| line.contains(url))
}

/// Whether a table line shows `count` as a cell of its own (not inside the URL or the name).
fn shows_count(line: &str, count: u64) -> bool {
    line.split(|c: char| c.is_whitespace() || c == '|')
        .any(|cell| cell == count.to_string())
}

/// Whether an error message points at `line`, as `FILE:LINE:` or `line LINE`.
fn mentions_line(message: &str, line: usize) -> bool {
    let words = format!("line {line}");
    message.contains(&format!(":{line}:"))
        || message
            .match_indices(&words)
            .any(|(at, _)| !message[at + words.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Runs `validate` and checks it fails with a message naming the feeds file, `line` and `key`.
fn assert_validate_rejects(workspace: &Workspace, line: usize, key: &str) {
    let output: Output = workspace.run(&["validate"]);
    assert!(!output.status.success(), "validate should fail:\n{output}");
    let message = format!("{}{}", output.stdout, output.stderr);
    assert!(
        message.contains("feeds.toml"),
        "message should name feeds.toml:\n{output}"
    );
    assert!(
        mentions_line(&message, line),
        "message should name line {line}:\n{output}"
    );
    assert!(
        message.contains(key),
        "message should name the key {key:?}:\n{output}"
    );
}

#[test]
fn feeds_add_list_and_remove_keep_the_file_and_its_comments() {
    let server = FixtureServer::start();
    let rss = server.url(RSS);
    let workspace = Workspace::with_feeds_toml(&format!(
        "{COMMENT}\n\n[[feed]]\nurl = \"{rss}\"\nname = \"France 24\"\ntags = [\"world\", \"en\"]\n"
    ));
    let summary = workspace.fetch_once();
    assert_eq!(summary.new_articles, 3, "{}", summary.output);

    let atom = server.url(ATOM);
    workspace.run_ok(&[
        "feeds",
        "add",
        &atom,
        "--name",
        "Harbour Herald",
        "--tag",
        "science",
        "--tag",
        "en",
    ]);
    let list = workspace.run_ok(&["feeds", "list"]);
    let rss_line = list_line(&list.stdout, &rss)
        .unwrap_or_else(|| panic!("feeds list does not show {rss}:\n{list}"));
    assert!(
        shows_count(rss_line, 3),
        "{rss} has 3 articles: {rss_line:?}"
    );
    let atom_line = list_line(&list.stdout, &atom)
        .unwrap_or_else(|| panic!("feeds list does not show the added {atom}:\n{list}"));
    assert!(
        shows_count(atom_line, 0),
        "{atom} has no articles yet: {atom_line:?}"
    );
    let file = read(&workspace.feeds_file);
    assert!(file.contains(&atom), "feeds.toml after add:\n{file}");
    assert!(
        file.contains("Harbour Herald"),
        "feeds.toml after add:\n{file}"
    );
    workspace.run_ok(&["validate"]);

    workspace.run_ok(&["feeds", "remove", &atom]);
    let list = workspace.run_ok(&["feeds", "list"]);
    assert!(
        list_line(&list.stdout, &atom).is_none(),
        "{atom} still listed after remove:\n{list}"
    );
    assert!(
        list_line(&list.stdout, &rss).is_some(),
        "remove took {rss} too:\n{list}"
    );
    let file = read(&workspace.feeds_file);
    assert!(!file.contains(&atom), "feeds.toml after remove:\n{file}");
    assert!(file.contains(&rss), "feeds.toml after remove:\n{file}");
    assert!(
        file.lines().any(|line| line == COMMENT),
        "the comment was lost from feeds.toml:\n{file}"
    );
}

#[test]
fn validate_accepts_a_good_config() {
    let workspace = Workspace::new(&[Feed {
        url: "http://127.0.0.1:9/rss/france24.xml".to_string(),
        name: "France 24",
        tags: &["world", "en"],
    }]);
    workspace.run_ok(&["validate"]);
}

#[test]
fn validate_names_file_line_and_key_of_an_unknown_key() {
    let workspace = Workspace::with_feeds_toml(
        "# feeds\n\
         \n\
         [[feed]]\n\
         url = \"http://127.0.0.1:9/rss/france24.xml\"\n\
         name = \"France 24\"\n\
         intervall = \"5m\"\n",
    );
    assert_validate_rejects(&workspace, 6, "intervall");
}

#[test]
fn validate_names_file_line_and_key_of_a_bad_url() {
    let workspace = Workspace::with_feeds_toml(
        "# feeds\n\
         \n\
         [[feed]]\n\
         url = \"http://127.0.0.1:9/rss/france24.xml\"\n\
         name = \"France 24\"\n\
         \n\
         [[feed]]\n\
         url = \"not a url\"\n\
         name = \"Broken\"\n",
    );
    assert_validate_rejects(&workspace, 8, "url");
}

#[test]
fn mentions_line_does_not_confuse_line_6_with_line_60() {
    assert!(mentions_line("feeds.toml:6:1: unknown key", 6));
    assert!(mentions_line("error at line 6, column 1", 6));
    assert!(!mentions_line("error at line 60, column 1", 6));
    assert!(!mentions_line("feeds.toml:60:1", 6));
}
