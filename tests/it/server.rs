//! The fixture web site: an axum server on `127.0.0.1:0` that serves `tests/fixtures/site/`
//! the way a news site would (feeds with validators, article pages, a few broken routes) and
//! records every request it sees, so tests can assert on what `newsd` sent.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use tokio::sync::{Semaphore, oneshot};

/// The three well-formed feeds of the fixture site, with the names the tests give them.
pub const RSS: &str = "/rss/france24.xml";
pub const ATOM: &str = "/atom/outlet.xml";
pub const JSON: &str = "/json/feed.json";
pub const FEEDS: [(&str, &str); 3] = [
    (RSS, "France 24"),
    (ATOM, "Harbour Herald"),
    (JSON, "Meridian Daily"),
];

/// A feed route answering 500, and one answering 200 with bytes that are no feed.
pub const BROKEN_500: &str = "/broken/500.xml";
pub const BROKEN_GARBAGE: &str = "/broken/garbage.xml";

/// An article page of the fixture site: `phrase` is in its body and nowhere else on the site.
pub struct Article {
    pub path: &'static str,
    /// The name of the feed that links to it.
    pub source: &'static str,
    pub phrase: &'static str,
    /// When the feed (and the page) says it was published.
    pub published: &'static str,
}

pub const ARTICLES: [Article; 7] = [
    Article {
        path: "/pages/france24/karabakh-talks.html",
        source: "France 24",
        phrase: "Karabakh peace talks resumed in Geneva",
        published: "2025-11-04T07:41:00Z",
    },
    Article {
        path: "/pages/france24/alicante-desalination.html",
        source: "France 24",
        phrase: "the desalination plant in Alicante",
        published: "2025-11-03T16:20:00Z",
    },
    Article {
        path: "/pages/france24/lyon-tramway.html",
        source: "France 24",
        phrase: "the driverless tramway line in Lyon",
        published: "2025-11-02T10:05:00Z",
    },
    Article {
        path: "/pages/herald/fishing-quotas.html",
        source: "Harbour Herald",
        phrase: "Baltic herring quotas were cut by a third",
        published: "2025-11-04T05:45:00Z",
    },
    Article {
        path: "/pages/herald/glacier-survey.html",
        source: "Harbour Herald",
        phrase: "the Svalbard glacier survey team",
        published: "2025-11-03T12:00:00Z",
    },
    Article {
        path: "/pages/meridian/solar-canal.html",
        source: "Meridian Daily",
        phrase: "solar panels installed over irrigation canals in Gujarat",
        published: "2025-11-04T04:15:00+05:30",
    },
    Article {
        path: "/pages/meridian/chess-olympiad.html",
        source: "Meridian Daily",
        phrase: "the chess olympiad in Tbilisi",
        published: "2025-11-02T18:30:00+04:00",
    },
];

/// Phrases every article page carries only outside its story: (where, phrase).
pub const BOILERPLATE: [(&str, &str); 4] = [
    ("navigation menu", "Zanzibar lighthouse festival"),
    ("related stories", "Patagonian wool cooperative"),
    ("newsletter box", "Morning Tide briefing"),
    ("footer", "Okavango river cruise"),
];

/// A word in the body of several articles, each time a different number of times, so the
/// ranking of its hits has no ties.
pub const SHARED_WORD: &str = "minister";

/// Every feed carries this `Last-Modified`; a request whose `If-Modified-Since` is at or after
/// it gets a 304 (when it sends no `If-None-Match`).
pub const LAST_MODIFIED: &str = "Tue, 04 Nov 2025 08:00:00 GMT";

/// Bytes served with status 200 at `/broken/garbage.xml`: an HTML error page cut short, then
/// bytes that are not valid UTF-8. No feed parser should make anything of it.
const GARBAGE: &[u8] =
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>upstream \xff\xfe\x00\x01 timed out";

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    /// The status the server answered with.
    pub status: u16,
}

/// Shared between the handler (which appends) and the test (which reads): a plain `Mutex`
/// since neither side holds it across an `.await`.
type Log = Arc<Mutex<Vec<Request>>>;

/// Routes answered from another fixture file than their own (`FixtureServer::serve_instead`).
type Aliases = Arc<Mutex<std::collections::HashMap<String, String>>>;

/// A response the test makes itself (`FixtureServer::route`), given the server's base URL.
type Handler = Arc<dyn Fn(&str) -> Response + Send + Sync>;
type Routes = Arc<Mutex<std::collections::HashMap<String, Handler>>>;
/// Routes a test generated (`FixtureServer::serve_generated`): path → response.
type Generated = Arc<Mutex<std::collections::HashMap<String, GeneratedRoute>>>;

#[derive(Clone)]
struct GeneratedRoute {
    content_type: &'static str,
    body: Arc<[u8]>,
    /// Answered only once the test has released a permit of the gate.
    gated: bool,
}

struct Site {
    root: PathBuf,
    base: String,
    log: Log,
    aliases: Aliases,
    routes: Routes,
    generated: Generated,
    /// Held by gated routes' requests until the test adds permits (`release_gated`): the test
    /// decides how far a client gets, without guessing at timings. A tokio semaphore, since
    /// the handlers wait on it across an `.await`; each answered request uses up its permit.
    gate: Arc<Semaphore>,
}

/// A running fixture server. Dropping it stops the server and its runtime.
pub struct FixtureServer {
    addr: SocketAddr,
    log: Log,
    aliases: Aliases,
    routes: Routes,
    generated: Generated,
    gate: Arc<Semaphore>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FixtureServer {
    /// Binds `127.0.0.1:0` and serves the fixture site on a thread with its own runtime, so the
    /// test itself can stay synchronous while it runs the `newsd` binary.
    pub fn start() -> FixtureServer {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site");
        let log: Log = Arc::default();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread_log = Arc::clone(&log);
        let aliases: Aliases = Arc::default();
        let thread_aliases = Arc::clone(&aliases);
        let routes: Routes = Arc::default();
        let thread_routes = Arc::clone(&routes);
        let generated: Generated = Arc::default();
        let thread_generated = Arc::clone(&generated);
        let gate = Arc::new(Semaphore::new(0));
        let thread_gate = Arc::clone(&gate);
        let thread = std::thread::Builder::new()
            .name("fixture-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build fixture server runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind fixture server");
                    let addr = listener.local_addr().expect("fixture server address");
                    let site = Arc::new(Site {
                        root,
                        base: format!("http://{addr}"),
                        log: thread_log,
                        aliases: thread_aliases,
                        routes: thread_routes,
                        generated: thread_generated,
                        gate: thread_gate,
                    });
                    let app = Router::new().fallback(serve).with_state(site);
                    addr_tx.send(addr).expect("report fixture server address");
                    // Stopping drops the runtime with any open connections: nothing waits on
                    // a client that keeps a connection alive.
                    tokio::select! {
                        result = axum::serve(listener, app) => result.expect("fixture server"),
                        _ = stop_rx => {}
                    }
                });
            })
            .expect("spawn fixture server thread");
        let addr = addr_rx.recv().expect("fixture server failed to start");
        FixtureServer {
            addr,
            log,
            aliases,
            routes,
            generated,
            gate,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, the value `{{BASE}}` is replaced with.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The absolute URL of a path on this server, e.g. `url("/rss/france24.xml")`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// All requests so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// From now on, answers `path` with the fixture file at `instead` (a feed the publisher
    /// changed, say), validators included.
    pub fn serve_instead(&self, path: &str, instead: &str) {
        self.aliases
            .lock()
            .unwrap()
            .insert(path.to_owned(), instead.to_owned());
    }

    /// From now on, answers `path` with what `handler` makes (given the server's base URL): a
    /// generated or hostile response that no fixture file holds.
    pub fn route(&self, path: &str, handler: impl Fn(&str) -> Response + Send + Sync + 'static) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), Arc::new(handler));
    }

    /// From now on, answers `path` with `body` (a feed or page the test generated).
    pub fn serve_generated(&self, path: &str, content_type: &'static str, body: String) {
        self.add_generated(path, content_type, body, false);
    }

    /// Like [`serve_generated`](Self::serve_generated), but each request waits for a permit
    /// of the gate ([`release_gated`](Self::release_gated)) before it is answered.
    pub fn serve_gated(&self, path: &str, content_type: &'static str, body: String) {
        self.add_generated(path, content_type, body, true);
    }

    fn add_generated(&self, path: &str, content_type: &'static str, body: String, gated: bool) {
        let route = GeneratedRoute {
            content_type,
            body: body.into_bytes().into(),
            gated,
        };
        self.generated
            .lock()
            .unwrap()
            .insert(path.to_owned(), route);
    }

    /// Lets `count` more requests to gated routes be answered.
    pub fn release_gated(&self, count: usize) {
        self.gate.add_permits(count);
    }

    /// Answers every gated request from now on.
    pub fn open_gate(&self) {
        self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.log.lock().unwrap().clear();
    }

    /// The strong `ETag` the server sends for a fixture file.
    pub fn etag(&self, path: &str) -> String {
        let body = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/site{path}")),
        )
        .expect("read fixture");
        etag_of(&substitute(&body, &self.base()))
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(State(site): State<Arc<Site>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_string();
    let header_text = |name| {
        headers
            .get(name)
            .map(|value: &HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    let if_none_match = header_text(header::IF_NONE_MATCH);
    let if_modified_since = header_text(header::IF_MODIFIED_SINCE);

    let generated = site.generated.lock().unwrap().get(&path).cloned();
    let response = match generated {
        Some(route) => {
            if route.gated {
                site.gate
                    .acquire()
                    .await
                    .expect("the gate is never closed")
                    .forget();
            }
            let body = substitute(&route.body, &site.base);
            ([(header::CONTENT_TYPE, route.content_type)], body).into_response()
        }
        None => respond(
            &site,
            &path,
            if_none_match.as_deref(),
            if_modified_since.as_deref(),
        ),
    };
    site.log.lock().unwrap().push(Request {
        path,
        if_none_match,
        if_modified_since,
        status: response.status().as_u16(),
    });
    response
}

fn respond(
    site: &Site,
    path: &str,
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
) -> Response {
    match path {
        "/broken/500.xml" => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response();
        }
        "/broken/garbage.xml" => {
            return ([(header::CONTENT_TYPE, "application/rss+xml")], GARBAGE).into_response();
        }
        _ => {}
    }
    let handler = site.routes.lock().unwrap().get(path).cloned();
    if let Some(handler) = handler {
        return handler(&site.base);
    }
    let alias = site.aliases.lock().unwrap().get(path).cloned();
    let Some(file) = file_for(&site.root, alias.as_deref().unwrap_or(path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(raw) = std::fs::read(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = substitute(&raw, &site.base);
    let content_type = content_type(path);
    if !is_feed(path) {
        return ([(header::CONTENT_TYPE, content_type)], body).into_response();
    }

    let etag = etag_of(&body);
    if not_modified(&etag, if_none_match, if_modified_since) {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag.as_str()),
                (header::LAST_MODIFIED, LAST_MODIFIED),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::ETAG, etag.as_str()),
            (header::LAST_MODIFIED, LAST_MODIFIED),
        ],
        body,
    )
        .into_response()
}

/// RFC 9110 §13.2.2: `If-None-Match`, when present, decides alone; otherwise
/// `If-Modified-Since` at or after `Last-Modified` means not modified.
fn not_modified(etag: &str, if_none_match: Option<&str>, if_modified_since: Option<&str>) -> bool {
    if let Some(candidates) = if_none_match {
        return candidates
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag == etag);
    }
    match if_modified_since.and_then(http_date) {
        Some(since) => since >= http_date(LAST_MODIFIED).expect("valid Last-Modified"),
        None => false,
    }
}

fn http_date(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc2822(text.trim()).ok()
}

/// Maps a URL path to a file under the site root, refusing anything that would step outside.
fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    let safe = relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)));
    (safe && relative.components().next().is_some()).then(|| root.join(relative))
}

fn is_feed(path: &str) -> bool {
    path.ends_with(".xml") || path.ends_with(".json")
}

fn content_type(path: &str) -> &'static str {
    if path.starts_with("/atom/") {
        "application/atom+xml"
    } else if path.ends_with(".xml") {
        "application/rss+xml"
    } else if path.ends_with(".json") {
        "application/feed+json"
    } else if path.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

fn substitute(raw: &[u8], base: &str) -> Vec<u8> {
    String::from_utf8_lossy(raw)
        .replace("{{BASE}}", base)
        .into_bytes()
}

/// A strong validator derived from the body (FNV-1a, stable across runs).
fn etag_of(body: &[u8]) -> String {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("\"{hash:016x}\"")
}
