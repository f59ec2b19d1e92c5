//! Deduplication: the same article under another URL or an edited headline (canonical URL,
//! content fingerprint), its copies on other sites (MinHash over word shingles), and the story
//! it belongs to across outlets (the online clusterer).

mod canonical;
mod cluster;
mod copies;
mod fingerprint;
mod folds;
mod postings;
mod slots;
mod story;
mod tokenize;
mod vectorize;

pub use canonical::canonical_url;
pub use cluster::{Assignment, ClusterConfig, ClusterInput, StoryClusterer, StoryId};
pub use copies::{CopyConfig, CopyDetector, Signature};
pub use fingerprint::fingerprint;
pub use folds::Folds;
