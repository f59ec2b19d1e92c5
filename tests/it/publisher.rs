//! A publisher with moods: an axum server on `127.0.0.1:0` whose feeds answer the ways real
//! publishers do on a bad day (moved, gone, rate limited, slow, huge, behind a challenge page,
//! compressed), recording when each request arrived and with which headers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::oneshot;
use tower_http::compression::CompressionLayer;

/// One request as the publisher saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub at: Instant,
    pub accept_encoding: Option<String>,
    pub user_agent: Option<String>,
    pub api_key: Option<String>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

pub struct Publisher {
    addr: SocketAddr,
    log: Log,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A small RSS feed whose one item links to a page of this publisher.
fn feed(base: &str, name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{name}</title><link>{base}/</link><ttl>90</ttl>
<item><title>The {name} story</title><link>{base}/page/{name}.html</link>
<guid isPermaLink="false">{name}-1</guid><pubDate>Tue, 04 Nov 2025 07:41:00 GMT</pubDate>
<description>Teaser of the {name} story.</description></item>
</channel></rss>"#
    )
}

fn page(name: &str) -> String {
    format!(
        "<html><head><title>{name}</title></head><body><article><h1>The {name} story</h1>\
         <p>This is the full text of the {name} story, long enough to be the article body of \
         a page, with a distinctive phrase: marmalade{name}quokka.</p></article></body></html>"
    )
}

async fn route(
    State((base, log)): State<(String, Log)>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let text = |h: header::HeaderName| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    log.lock().unwrap().push(Seen {
        path: format!("/feed/{name}"),
        at: Instant::now(),
        accept_encoding: text(header::ACCEPT_ENCODING),
        user_agent: text(header::USER_AGENT),
        api_key: headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    let rss = [(header::CONTENT_TYPE, "application/rss+xml")];
    match name.trim_end_matches(".xml") {
        "moved" => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/feed/new-home.xml")]).into_response(),
        "hop" => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, "/feed/moved.xml")]).into_response(),
        "elsewhere" => (StatusCode::FOUND, [(header::LOCATION, "/feed/today.xml")]).into_response(),
        "loop" => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/feed/loop.xml")]).into_response(),
        "busy" => (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7200")], "slow down").into_response(),
        "gone" => (StatusCode::GONE, "this feed was discontinued").into_response(),
        "challenge" => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/html"), (header::SERVER, "cloudflare")],
            "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>",
        )
            .into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (rss, feed(&base, "slow")).into_response()
        }
        "huge" => {
            let mut body = feed(&base, "huge");
            body.push_str(&"<!-- padding -->".repeat(200_000));
            (rss, body).into_response()
        }
        other => (rss, feed(&base, other)).into_response(),
    }
}

async fn article(Path(name): Path<String>) -> Response {
    let name = name.trim_end_matches(".html").to_owned();
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page(&name),
    )
        .into_response()
}

impl Publisher {
    pub fn start() -> Publisher {
        let log: Log = Arc::default();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread_log = log.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("publisher runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind publisher");
                let addr = listener.local_addr().expect("publisher address");
                let app = Router::new()
                    .route("/feed/{name}", get(route))
                    .route("/page/{name}", get(article))
                    .with_state((format!("http://{addr}"), thread_log))
                    .layer(CompressionLayer::new());
                addr_tx.send(addr).expect("report publisher address");
                tokio::select! {
                    result = axum::serve(listener, app) => result.expect("publisher"),
                    _ = stop_rx => {}
                }
            });
        });
        Publisher {
            addr: addr_rx.recv().expect("publisher failed to start"),
            log,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests for `path`, oldest first.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    /// All feed requests, oldest first.
    pub fn all_seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
