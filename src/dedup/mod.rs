//! Deduplication: recognising the same article under different URLs, and the same story across
//! articles. For now, URL canonicalization and the online story clusterer; content fingerprints
//! come here too.

mod canonical;
mod cluster;
mod tokenize;

pub use canonical::canonical_url;
pub use cluster::{Assignment, ClusterConfig, ClusterInput, StoryClusterer, StoryId};
