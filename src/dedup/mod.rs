//! Deduplication: the same article under another URL or an edited headline (canonical URL,
//! content fingerprint), copies of it on other sites (near-duplicate text), and the story it
//! belongs to across outlets (online clustering).

mod canonical;
mod cluster;
mod copies;
mod fingerprint;
mod tokenize;

pub use canonical::canonical_url;
pub use cluster::{Assignment, ClusterConfig, ClusterInput, StoryClusterer, StoryId};
pub use copies::{CopyConfig, CopyDetector, Signature};
pub use fingerprint::fingerprint;
