//! The integration tests: the real `newsd` binary, run as a child process, against a local web
//! site serving fixture feeds and pages, with its SQLite database and tantivy index in a temp dir.

mod daemon;
mod feeds_cli;
mod ingest;
mod server;
mod support;
