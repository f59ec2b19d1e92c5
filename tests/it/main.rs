//! The integration tests: the real `newsd` binary, run as a child process, against a local web
//! site serving fixture feeds and pages, with its SQLite database and tantivy index in a temp dir.

mod backpressure;
mod crash;
mod daemon;
mod extract;
mod feeds_cli;
mod feeds_opml;
mod fetching;
mod folds;
mod hostile;
mod ingest;
mod ops;
mod parallel;
mod publisher;
mod reload;
mod search_api;
mod server;
mod stories;
mod support;
mod web;
