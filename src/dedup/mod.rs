//! Deduplication: recognising the same article under different URLs, its copies on other sites
//! (MinHash over word shingles), and the same story across articles (the online clusterer).

mod canonical;
mod cluster;
mod copies;
mod tokenize;
mod vectorize;

pub use canonical::canonical_url;
pub use cluster::{Assignment, ClusterConfig, ClusterInput, StoryClusterer, StoryId};
pub use copies::{CopyConfig, CopyDetector, Signature};
