//! The search page in a real browser (headless Chromium driven through chromedriver): type a
//! query, see the hit, click a facet, see the list narrow; a bad query shows its message.
//! Needs `chromium` and `chromium-driver` (Debian packages; `tests/setup-browser.sh`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::daemon::Http;
use crate::server::FixtureServer;
use crate::stories::ingest_story;

/// How long the page may take to show what the test waits for.
const PAGE_DEADLINE: Duration = Duration::from_secs(20);

/// chromedriver as a child process; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start chromedriver ({error}): install the browser with \
                     tests/setup-browser.sh (Debian packages chromium and chromium-driver)"
                )
            });
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < PAGE_DEADLINE,
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,900"]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("an object")
    };
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Runs `script` (which returns a value) until `ready` accepts what it returns.
async fn wait_until(client: &Client, script: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let value = client.execute(script, vec![]).await.expect(script);
        if ready(&value) {
            return value;
        }
        if started.elapsed() > PAGE_DEADLINE {
            let page = client.source().await.unwrap_or_default();
            panic!("waited {PAGE_DEADLINE:?} for {script}: last {value}\npage:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const HIT_SOURCES: &str = "return [...document.querySelectorAll('.hit .meta')]\
                           .map(m => m.textContent.split(' · ')[0]);";

async fn search_for(client: &Client, query: &str) {
    let input = client.find(Locator::Css("#q")).await.expect("search box");
    input.clear().await.expect("clear");
    input.send_keys(query).await.expect("type");
    client
        .find(Locator::Css("#search button[type=submit]"))
        .await
        .expect("search button")
        .click()
        .await
        .expect("click search");
}

#[test]
fn the_search_page_finds_narrows_and_explains() {
    let server = FixtureServer::start();
    let workspace = ingest_story(&server);
    let daemon = workspace.start_daemon();

    // The page is served with a policy that forbids inline and foreign scripts.
    let (status, _) = Http::new().get(&daemon.url("/"));
    assert_eq!(status, 200);

    let driver = Driver::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = browser(&driver).await;
        client.goto(&daemon.url("/")).await.expect("open the page");

        // Without a query: the top stories, the talks first (three outlets).
        let top = wait_until(
            &client,
            "return [...document.querySelectorAll('#top-stories li')].map(li => li.textContent);",
            |v| v.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
        assert!(top[0].as_str().unwrap().contains("Caucasus Watch"), "{top}");

        // Type a query: the talks are one hit, highlighted, with the other outlet named.
        search_for(&client, "geneva armenia").await;
        let hits = wait_until(
            &client,
            "return [...document.querySelectorAll('.hit')].map(h => h.innerText);",
            |v| v.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
        assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
        let hit = hits[0].as_str().unwrap();
        assert!(hit.contains("1 more from"), "{hit}");
        let marked = client.execute("return document.querySelectorAll('.hit b').length;", vec![]);
        assert!(
            marked.await.unwrap().as_u64().unwrap() > 0,
            "query words are highlighted"
        );
        assert!(
            client
                .current_url()
                .await
                .unwrap()
                .as_str()
                .contains("q=geneva")
        );

        // A wider query, then a facet: only that outlet's articles stay.
        search_for(&client, "geneva OR earthquake OR tramway").await;
        let before = wait_until(&client, HIT_SOURCES, |v| {
            v.as_array().is_some_and(|a| a.len() >= 3)
        })
        .await;
        let facet = wait_until(
            &client,
            "const b = document.querySelector('#facets button[data-value=\"France 24\"]'); \
             return b ? b.textContent : null;",
            |v| v.is_string(),
        )
        .await;
        assert!(facet.as_str().unwrap().starts_with("France 24"), "{facet}");
        client
            .find(Locator::Css("#facets button[data-value=\"France 24\"]"))
            .await
            .expect("facet")
            .click()
            .await
            .expect("click the facet");
        let after = wait_until(&client, HIT_SOURCES, |v| {
            v.as_array()
                .is_some_and(|a| !a.is_empty() && a.len() < before.as_array().unwrap().len())
        })
        .await;
        assert!(
            after.as_array().unwrap().iter().all(|s| s == "France 24"),
            "{before} → {after}"
        );
        let chip = client
            .find(Locator::Css("#filters .chip"))
            .await
            .expect("a filter chip");
        assert!(chip.text().await.unwrap().contains("France 24"));

        // A mistake in the query: the page says what is wrong, nothing is listed.
        search_for(&client, "title:(geneva").await;
        let error = wait_until(
            &client,
            "const e = document.querySelector('#error'); return e.hidden ? null : e.textContent;",
            |v| v.is_string(),
        )
        .await;
        assert!(error.as_str().unwrap().contains("not closed"), "{error}");
        client.close().await.expect("close the browser");
    });
}
