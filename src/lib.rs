//! newsd: a news-aggregation pipeline daemon.
//!
//! Feeds are polled (`fetch`), each new item's page is read (`extract`), copies are recognised
//! and stories formed (`dedup`), articles are kept in SQLite (`store`) and made searchable in
//! tantivy (`index`).
//! `pipeline` wires the stages together; `api` serves search over HTTP; `cli` is the terminal.

pub mod api;
mod charset;
pub mod cli;
pub mod config;
pub mod dedup;
mod entities;
pub mod extract;
pub mod fetch;
pub mod index;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod since;
pub mod store;
