//! The feed list changes while `newsd run` runs: edits of the file (seen by the watcher), a
//! SIGHUP, an invalid edit (logged, the running list stays), and the HTTP feed endpoints with
//! their bearer token.

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;

use crate::server::{ARTICLES, ATOM, FixtureServer, RSS};
use crate::support::{Daemon, Feed, Hit, Workspace, feeds_file, poll_until};

/// How long a change may take to show: a reload, a poll, a page, an index commit.
const DEADLINE: Duration = Duration::from_secs(30);
/// How long the daemon may take to exit after SIGTERM.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);
/// Every feed polled about once a second (`interval` in the list must be at least a minute;
/// the adaptive interval follows `[fetch]`'s bounds).
const FAST: &str = "default_interval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\nmax_backoff = \"1s\"\n";
const TOKEN: &str = "test-token-0123";

/// A blocking client for the test thread, with any method, a bearer token and a JSON body.
struct Client {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    body: String,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
}

#[derive(Debug, Deserialize)]
struct FeedList {
    feeds: Vec<FeedView>,
}

#[derive(Debug, Deserialize)]
struct FeedView {
    url: String,
    name: String,
    tags: Vec<String>,
    state: String,
}

#[derive(Debug, Deserialize)]
struct SearchResponse {
    hits: Vec<Hit>,
}

impl Client {
    fn new() -> Client {
        Client {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build client runtime"),
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("build http client"),
        }
    }

    fn send(&self, method: Method, url: &str, token: Option<&str>, body: Option<&str>) -> Answer {
        self.runtime.block_on(async {
            let mut request = self.client.request(method.clone(), url);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/json")
                    .body(body.to_owned());
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|error| panic!("{method} {url}: {error}"));
            let www_authenticate = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            Answer {
                status: response.status().as_u16(),
                www_authenticate,
                body: response.text().await.unwrap_or_default(),
            }
        })
    }

    fn feeds(&self, daemon: &Daemon) -> Vec<FeedView> {
        let answer = self.send(Method::GET, &daemon.url("/api/v1/feeds"), None, None);
        assert_eq!(answer.status, 200, "GET /api/v1/feeds: {}", answer.body);
        let list: FeedList = serde_json::from_str(&answer.body)
            .unwrap_or_else(|e| panic!("bad feed list {:?}: {e}", answer.body));
        list.feeds
    }

    /// The hits of a phrase search with `params` (`("tag", "x")`, …).
    fn search(&self, daemon: &Daemon, phrase: &str, params: &[(&str, &str)]) -> Vec<Hit> {
        let quoted = format!("\"{phrase}\"");
        let mut pairs = vec![("q", quoted.as_str())];
        pairs.extend_from_slice(params);
        let url =
            url::Url::parse_with_params(&daemon.url("/api/v1/search"), &pairs).expect("search url");
        let answer = self.send(Method::GET, url.as_str(), None, None);
        assert_eq!(answer.status, 200, "GET {url}: {}", answer.body);
        let response: SearchResponse = serde_json::from_str(&answer.body).expect("search JSON");
        response.hits
    }

    fn searchable(&self, daemon: &Daemon, phrase: &str) -> bool {
        !self.search(daemon, phrase, &[]).is_empty()
    }
}

/// The error message of a JSON error answer.
fn error_of(answer: &Answer) -> String {
    serde_json::from_str::<ErrorBody>(&answer.body)
        .unwrap_or_else(|e| panic!("not {{\"error\": …}}: {:?}: {e}", answer.body))
        .error
}

fn feed<'a>(server: &FixtureServer, path: &str, name: &'a str) -> Feed<'a> {
    Feed {
        url: server.url(path),
        name,
        tags: &["test"],
    }
}

/// Requests the fixture server has seen for `path`.
fn hits(server: &FixtureServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

/// Waits until `check` holds, or fails the test with the daemon's log.
fn wait_for(daemon: &mut Daemon, what: &str, mut check: impl FnMut(&Daemon) -> bool) {
    if poll_until(DEADLINE, || check(daemon).then_some(())).is_none() {
        panic!(
            "{what}: not within {DEADLINE:?}\nstderr:\n{}",
            daemon.take_stderr()
        );
    }
}

/// Stops the daemon with SIGTERM and returns its log.
fn stop(mut daemon: Daemon) -> String {
    let exit = daemon.terminate(SHUTDOWN_DEADLINE);
    let stderr = daemon.take_stderr();
    assert!(
        exit.is_some_and(|e| e.success()),
        "newsd run did not exit cleanly ({exit:?})\nstderr:\n{stderr}"
    );
    stderr
}

/// Waits until the daemon has polled `path` `more` more times.
fn wait_for_polls(daemon: &mut Daemon, server: &FixtureServer, path: &str, more: usize) {
    let start = hits(server, path);
    wait_for(daemon, &format!("{more} more polls of {path}"), |_| {
        hits(server, path) >= start + more
    });
}

#[test]
fn feeds_added_and_removed_in_the_file_apply_without_restart() {
    let server = FixtureServer::start();
    let rss = || feed(&server, RSS, "France 24");
    let atom = || feed(&server, ATOM, "Harbour Herald");
    let workspace = Workspace::with_fetch_settings(&feeds_file(&[rss()]), FAST);
    let mut daemon = workspace.start_daemon();
    let client = Client::new();
    let (france24, herald) = (ARTICLES[0].phrase, ARTICLES[3].phrase);
    wait_for(
        &mut daemon,
        "the first feed's article searchable",
        |daemon| client.searchable(daemon, france24),
    );

    std::fs::write(&workspace.feeds_file, feeds_file(&[rss(), atom()])).expect("write feeds");
    wait_for(
        &mut daemon,
        "the added feed's article searchable",
        |daemon| client.searchable(daemon, herald),
    );

    std::fs::write(&workspace.feeds_file, feeds_file(&[atom()])).expect("write feeds");
    wait_for(&mut daemon, "the first feed gone from the list", |daemon| {
        client
            .feeds(daemon)
            .iter()
            .all(|f| f.url != server.url(RSS))
    });
    // A poll in flight when the feed left the list finishes; after that, none.
    wait_for_polls(&mut daemon, &server, ATOM, 3);
    let before = hits(&server, RSS);
    wait_for_polls(&mut daemon, &server, ATOM, 3);
    assert_eq!(
        hits(&server, RSS),
        before,
        "the removed feed is still polled"
    );
    assert!(
        client.searchable(&daemon, france24),
        "the removed feed's articles are no longer searchable"
    );
    let listed = client.feeds(&daemon);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, "Harbour Herald");
    assert_eq!(listed[0].state, "ok");

    let stderr = stop(daemon);
    assert!(stderr.contains("feed list reloaded"), "{stderr}");
}

#[test]
fn sighup_reloads_a_feed_list_the_watcher_cannot_see() {
    let server = FixtureServer::start();
    let rss = || feed(&server, RSS, "France 24");
    let atom = || feed(&server, ATOM, "Harbour Herald");
    let workspace = Workspace::with_fetch_settings(&feeds_file(&[rss()]), FAST);
    // The feed list is a link to a file elsewhere (as configuration management often does):
    // the watcher sees the link's directory, not the target's, so only SIGHUP reloads.
    let elsewhere = workspace.data_dir.with_file_name("managed");
    std::fs::create_dir_all(&elsewhere).expect("create dir");
    let target = elsewhere.join("feeds.toml");
    std::fs::write(&target, feeds_file(&[rss()])).expect("write feeds");
    std::fs::remove_file(&workspace.feeds_file).expect("remove feeds");
    std::os::unix::fs::symlink(&target, &workspace.feeds_file).expect("link feeds");

    let mut daemon = workspace.start_daemon();
    let client = Client::new();
    wait_for(
        &mut daemon,
        "the first feed's article searchable",
        |daemon| client.searchable(daemon, ARTICLES[0].phrase),
    );
    std::fs::write(&target, feeds_file(&[rss(), atom()])).expect("write feeds");
    daemon.signal("HUP");
    wait_for(
        &mut daemon,
        "the feed added before SIGHUP polled",
        |daemon| client.searchable(daemon, ARTICLES[3].phrase),
    );
    assert_eq!(client.feeds(&daemon).len(), 2);

    let stderr = stop(daemon);
    assert!(
        stderr.contains("SIGHUP: reloading the feed list"),
        "{stderr}"
    );
}

#[test]
fn changed_settings_reach_the_running_poller() {
    let server = FixtureServer::start();
    let workspace =
        Workspace::with_fetch_settings(&feeds_file(&[feed(&server, ATOM, "Harbour Herald")]), FAST);
    let mut daemon = workspace.start_daemon();
    let client = Client::new();
    wait_for(&mut daemon, "the feed's article searchable", |daemon| {
        client.searchable(daemon, ARTICLES[3].phrase)
    });

    let renamed = Feed {
        url: server.url(ATOM),
        name: "Herald Renamed",
        tags: &["renamed"],
    };
    std::fs::write(&workspace.feeds_file, feeds_file(&[renamed])).expect("write feeds");
    wait_for(&mut daemon, "the new name listed", |daemon| {
        client.feeds(daemon)[0].name == "Herald Renamed"
    });
    // The publisher adds entries: the running poller stores them under the new name and tag.
    server.serve_instead(ATOM, "/stories/wire.xml");
    let new_entry = "quake was centred near the town of Puturge";
    wait_for(&mut daemon, "the new entry searchable", |daemon| {
        client.searchable(daemon, new_entry)
    });
    let hits = client.search(&daemon, new_entry, &[("tag", "renamed")]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].source, "Herald Renamed");
    stop(daemon);
}

#[test]
fn an_invalid_feed_list_is_logged_and_the_running_list_stays() {
    let server = FixtureServer::start();
    let rss = || feed(&server, RSS, "France 24");
    let good = feeds_file(&[rss()]);
    let workspace = Workspace::with_fetch_settings(&good, FAST);
    let mut daemon = workspace.start_daemon();
    let client = Client::new();
    wait_for_polls(&mut daemon, &server, RSS, 1);

    // Line 9: a URL that is none; then line 10: a key that does not exist.
    let bad_url = format!("{good}\n[[feed]]\nurl = \"not a url\"\n");
    std::fs::write(&workspace.feeds_file, &bad_url).expect("write feeds");
    wait_for_polls(&mut daemon, &server, RSS, 3);
    let unknown_key = format!(
        "{good}\n[[feed]]\nurl = \"{}\"\nintervall = \"5m\"\n",
        server.url(ATOM)
    );
    std::fs::write(&workspace.feeds_file, &unknown_key).expect("write feeds");
    wait_for_polls(&mut daemon, &server, RSS, 3);
    let listed = client.feeds(&daemon);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].url, server.url(RSS));
    assert_eq!(
        hits(&server, ATOM),
        0,
        "a feed of an invalid list was polled"
    );

    let stderr = stop(daemon);
    let lines = |needle: &str| stderr.lines().filter(|l| l.contains(needle)).count();
    let bad_url_at = format!("{}:9:", workspace.feeds_file.display());
    let unknown_key_at = format!("{}:10:", workspace.feeds_file.display());
    assert!(
        lines(&bad_url_at) >= 1 && stderr.contains("key `url`"),
        "no error naming {bad_url_at} and key `url`:\n{stderr}"
    );
    assert!(
        lines(&unknown_key_at) >= 1 && stderr.contains("intervall"),
        "no error naming {unknown_key_at} and `intervall`:\n{stderr}"
    );
    assert!(
        lines("the running list stays") >= 2,
        "no 'running list stays' warning:\n{stderr}"
    );
}

#[test]
fn feed_endpoints_refuse_without_a_configured_token() {
    let workspace = Workspace::with_fetch_settings("", FAST);
    let daemon = workspace.start_daemon();
    let client = Client::new();
    let url = daemon.url("/api/v1/feeds");
    let body = r#"{"url": "http://127.0.0.1:9/feed.xml"}"#;
    for method in [Method::POST, Method::PUT] {
        let answer = client.send(method.clone(), &url, Some(TOKEN), Some(body));
        assert_eq!(answer.status, 403, "{method}: {}", answer.body);
        assert!(error_of(&answer).contains("set api_token or NEWSD_API_TOKEN"));
    }
    let answer = client.send(Method::DELETE, &format!("{url}?url=x"), None, None);
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(client.feeds(&daemon).is_empty());
    assert_eq!(workspace_feeds(&workspace), "");
}

fn workspace_feeds(workspace: &Workspace) -> String {
    std::fs::read_to_string(&workspace.feeds_file).expect("read feeds")
}

#[test]
fn feed_endpoints_edit_the_list_with_the_token() {
    let server = FixtureServer::start();
    let workspace =
        Workspace::with_fetch_settings(&feeds_file(&[feed(&server, RSS, "France 24")]), FAST);
    let config = std::fs::read_to_string(&workspace.config).expect("read config");
    std::fs::write(
        &workspace.config,
        format!("api_token = \"{TOKEN}\"\n{config}"),
    )
    .expect("write config");
    let mut daemon = workspace.start_daemon();
    let client = Client::new();
    let url = daemon.url("/api/v1/feeds");
    let add = format!(
        r#"{{"url": "{}", "name": "Harbour Herald", "tags": ["sea"]}}"#,
        server.url(ATOM)
    );

    let answer = client.send(Method::POST, &url, None, Some(&add));
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
    error_of(&answer);
    let answer = client.send(Method::POST, &url, Some("wrong"), Some(&add));
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));

    for bad in [
        r#"{"url": "not a url"}"#,
        r#"{"name": "no url"}"#,
        r#"{"url": "https://a.example/rss", "colour": "red"}"#,
        r#"{"url": "https://a.example/rss", "interval": "10s"}"#,
        "not json",
    ] {
        let answer = client.send(Method::POST, &url, Some(TOKEN), Some(bad));
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert!(!error_of(&answer).is_empty());
    }

    let answer = client.send(Method::POST, &url, Some(TOKEN), Some(&add));
    assert_eq!(answer.status, 201, "{}", answer.body);
    wait_for(&mut daemon, "the feed added over HTTP polled", |daemon| {
        client.searchable(daemon, ARTICLES[3].phrase)
    });
    let text = workspace_feeds(&workspace);
    assert!(
        text.starts_with("# feeds polled by the integration tests") && text.contains(ATOM),
        "{text}"
    );
    let answer = client.send(Method::POST, &url, Some(TOKEN), Some(&add));
    assert_eq!(answer.status, 409, "{}", answer.body);
    error_of(&answer);

    let replace = format!(
        r#"{{"url": "{}", "name": "The Herald", "tags": ["sea", "north"]}}"#,
        server.url(ATOM)
    );
    let answer = client.send(Method::PUT, &url, Some(TOKEN), Some(&replace));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let unknown = r#"{"url": "https://unknown.example/rss"}"#;
    let answer = client.send(Method::PUT, &url, Some(TOKEN), Some(unknown));
    assert_eq!(answer.status, 404, "{}", answer.body);

    let delete = |target: &str, token| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("url", target)
            .finish();
        client.send(Method::DELETE, &format!("{url}?{query}"), token, None)
    };
    assert_eq!(delete(&server.url(RSS), None).status, 401);
    let answer = delete("https://unknown.example/rss", Some(TOKEN));
    assert_eq!(answer.status, 404, "{}", answer.body);
    error_of(&answer);
    let answer = delete(&server.url(RSS), Some(TOKEN));
    assert_eq!(answer.status, 204, "{}", answer.body);

    let listed = client.feeds(&daemon);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].url, server.url(ATOM));
    assert_eq!(listed[0].name, "The Herald");
    assert_eq!(listed[0].tags, ["sea", "north"]);
    assert!(!workspace_feeds(&workspace).contains(RSS));
    // The watcher's echo of the API's edits changes nothing.
    wait_for_polls(&mut daemon, &server, ATOM, 2);
    assert_eq!(client.feeds(&daemon).len(), 1);
    stop(daemon);
}
