//! Deduplication: recognising the same article under different URLs. For now, URL
//! canonicalization; content fingerprints and story clustering come here too.

mod canonical;

pub use canonical::canonical_url;
