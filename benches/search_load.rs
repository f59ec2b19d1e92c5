//! The search benchmark's load generator (run by `bench/search.sh`): CLIENTS concurrent clients
//! send the benchmark's queries for SECONDS (after a warm-up), each waiting for its answer
//! before the next, and the latency of every answer is recorded. The same queries go either to
//! newsd's HTTP API or to PostgreSQL full-text search (the peer), done as an application on
//! PostgreSQL would: one statement for the ranked page with `ts_headline` snippets, one more
//! per facet.
//!
//! ```text
//! search_load http BASE_URL QUERIES SECONDS CLIENTS
//! search_load postgres CONNINFO QUERIES SECONDS CLIENTS
//! ```
//! Prints one JSON line: target, answered, errors, p50_ms, p99_ms, qps.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Warm-up before measuring.
const WARM_UP: Duration = Duration::from_secs(2);

struct Query {
    q: String,
    params: Vec<(String, String)>,
    /// The HTTP request for it, written once (see [`prepare_requests`]).
    request: Vec<u8>,
}

fn read_queries(path: &str) -> Vec<Query> {
    std::fs::read_to_string(path)
        .expect("read the queries")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a query line");
            let params = v["params"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            Query {
                q: v["q"].as_str().expect("q").to_owned(),
                params,
                request: Vec::new(),
            }
        })
        .collect()
}

/// Writes each query's `GET /api/v1/search?...` request for `base`.
fn prepare_requests(queries: &mut [Query], base: &str) {
    let host = url::Url::parse(base)
        .expect("BASE_URL")
        .host_str()
        .expect("BASE_URL host")
        .to_owned();
    for query in queries {
        let mut params = vec![("q".to_owned(), query.q.clone())];
        params.extend(query.params.iter().cloned());
        let url = url::Url::parse_with_params(&format!("{base}/api/v1/search"), &params)
            .expect("a query URL");
        let path = &url[url::Position::BeforePath..];
        query.request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").into_bytes();
    }
}

enum Target {
    Http(HttpClient),
    Postgres(tokio_postgres::Client),
}

impl Target {
    async fn ask(&mut self, query: &Query) -> Result<(), String> {
        match self {
            Target::Http(client) => client.get(&query.request).await,
            Target::Postgres(client) => postgres_search(client, query).await,
        }
    }
}

/// One keep-alive HTTP/1.1 connection that sends a query's prepared request and reads the whole
/// answer (status line, headers, a `Content-Length` body), reconnecting when the server closes.
/// The load generator shares the two cores with the server it measures, so it should cost
/// little: requests are written once, before the run, and nothing is parsed but the status and
/// the length (a general client such as reqwest spent about a fifth of the server's CPU per
/// query building URLs and header maps).
struct HttpClient {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
    line: String,
}

impl HttpClient {
    fn new(base: &str) -> HttpClient {
        let url = url::Url::parse(base).expect("BASE_URL");
        let addr = format!(
            "{}:{}",
            url.host_str().expect("BASE_URL host"),
            url.port_or_known_default().expect("BASE_URL port")
        );
        HttpClient {
            addr,
            stream: None,
            line: String::new(),
        }
    }

    async fn get(&mut self, request: &[u8]) -> Result<(), String> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.addr)
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            self.stream = Some(BufReader::new(stream));
        }
        let outcome = self.exchange(request).await;
        if outcome.is_err() {
            self.stream = None;
        }
        outcome
    }

    async fn exchange(&mut self, request: &[u8]) -> Result<(), String> {
        let stream = self.stream.as_mut().expect("connected");
        stream
            .get_mut()
            .write_all(request)
            .await
            .map_err(|e| e.to_string())?;
        let (mut status, mut length, mut close) = (0u16, None::<usize>, false);
        loop {
            self.line.clear();
            if stream
                .read_line(&mut self.line)
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                return Err("connection closed before the answer".into());
            }
            let line = self.line.trim_end();
            if line.is_empty() {
                break;
            }
            if status == 0 {
                status = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("bad status line {line:?}"))?;
            } else if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok();
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.trim().eq_ignore_ascii_case("close");
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    return Err(format!("unexpected {line:?}: the API sends a length"));
                }
            }
        }
        let length = length.ok_or("an answer without Content-Length")?;
        let mut body = vec![0; length];
        stream
            .read_exact(&mut body)
            .await
            .map_err(|e| e.to_string())?;
        if close {
            self.stream = None;
        }
        if !(200..300).contains(&status) {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        Ok(())
    }
}

/// The page, then each facet, as an application on PostgreSQL FTS does it.
async fn postgres_search(client: &tokio_postgres::Client, query: &Query) -> Result<(), String> {
    let param = |name: &str| {
        query
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut filters = String::new();
    let mut args: Vec<String> = vec![query.q.clone()];
    for (name, column, cast) in [
        ("lang", "lang", ""),
        ("source", "source", ""),
        ("since", "published", "::text::timestamptz"),
    ] {
        if let Some(value) = param(name) {
            args.push(value);
            let op = if name == "since" { ">=" } else { "=" };
            filters.push_str(&format!(" AND {column} {op} ${}{cast}", args.len()));
        }
    }
    let matches = format!(
        "FROM articles, websearch_to_tsquery('english', $1) query WHERE tsv @@ query{filters}"
    );
    let collapse = param("collapse").as_deref() == Some("story");
    let page = if collapse {
        format!(
            "WITH hits AS (SELECT DISTINCT ON (story) id, title, text, rank FROM (
                 SELECT id, title, text, story, ts_rank(tsv, query) AS rank {matches}) ranked
                 ORDER BY story, rank DESC),
             top AS (SELECT * FROM hits ORDER BY rank DESC LIMIT 20)
             SELECT id, title, ts_headline('english', text, websearch_to_tsquery('english', $1),
                 'MaxFragments=1, MaxWords=35, MinWords=15') FROM top ORDER BY rank DESC"
        )
    } else {
        format!(
            "WITH top AS (SELECT id, title, text, ts_rank(tsv, query) AS rank {matches}
                 ORDER BY rank DESC LIMIT 20)
             SELECT id, title, ts_headline('english', text, websearch_to_tsquery('english', $1),
                 'MaxFragments=1, MaxWords=35, MinWords=15') FROM top ORDER BY rank DESC"
        )
    };
    let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = args
        .iter()
        .map(|a| a as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    client
        .query(&page, &refs)
        .await
        .map_err(|e| e.to_string())?;
    if param("facets").as_deref() == Some("true") {
        for group in ["source", "lang", "date_trunc('day', published)"] {
            let facet =
                format!("SELECT {group}, count(*) {matches} GROUP BY 1 ORDER BY 2 DESC LIMIT 20");
            client
                .query(&facet, &refs)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; the real arguments follow the target.
    let args: Vec<&String> = args.iter().skip(1).filter(|a| *a != "--bench").collect();
    if args.len() != 5 {
        eprintln!("usage: search_load http|postgres TARGET QUERIES SECONDS CLIENTS");
        std::process::exit(2);
    }
    let (kind, target, mut queries) = (args[0].as_str(), args[1].clone(), read_queries(args[2]));
    if kind == "http" {
        prepare_requests(&mut queries, &target);
    }
    let seconds: u64 = args[3].parse().expect("SECONDS");
    let clients: usize = args[4].parse().expect("CLIENTS");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(async move {
        let queries = Arc::new(queries);
        let mut tasks = Vec::new();
        let start = Instant::now();
        let measure_from = start + WARM_UP;
        let stop = measure_from + Duration::from_secs(seconds);
        for client_no in 0..clients {
            let mut target = match kind {
                "http" => Target::Http(HttpClient::new(&target)),
                "postgres" => {
                    let (client, connection) =
                        tokio_postgres::connect(&target, tokio_postgres::NoTls)
                            .await
                            .expect("connect to PostgreSQL");
                    tokio::spawn(connection);
                    Target::Postgres(client)
                }
                other => panic!("unknown target kind {other}"),
            };
            let queries = queries.clone();
            tasks.push(tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                let mut next = client_no * 37;
                loop {
                    let query = &queries[next % queries.len()];
                    next += 1;
                    let sent = Instant::now();
                    if sent >= stop {
                        break;
                    }
                    let outcome = target.ask(query).await;
                    if sent >= measure_from {
                        match outcome {
                            Ok(()) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                (latencies, errors)
            }));
        }
        let (mut latencies, mut errors) = (Vec::new(), Vec::new());
        for task in tasks {
            let (l, e) = task.await.expect("client task");
            latencies.extend(l);
            errors.extend(e);
        }
        latencies.sort_by(f64::total_cmp);
        json!({
            "target": kind,
            "clients": clients,
            "answered": latencies.len(),
            "errors": errors.len(),
            "first_error": errors.first(),
            "p50_ms": percentile(&latencies, 0.50),
            "p99_ms": percentile(&latencies, 0.99),
            "qps": latencies.len() as f64 / seconds as f64,
        })
    });
    println!("{report}");
}
