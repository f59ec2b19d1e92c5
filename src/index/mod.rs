//! The search index: tantivy, derived from the store. One [`ArticleWriter`] (held by the
//! indexer task) adds and commits documents; any number of readers search, in this process or
//! another one (`newsd search` while the daemon runs).

mod build;
mod facets;
pub mod query;
mod schema;
mod search;
mod snippet;
mod stored;
mod word_cache;
mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexSettings, ReloadPolicy};
use tracing::warn;

pub use facets::{FacetCount, Facets};
pub use search::{Collapse, MAX_LIMIT, SearchRequest, SearchResults, Sort};
pub use writer::ArticleWriter;

use schema::Fields;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot open index at {path}: {source}")]
    Open {
        path: String,
        source: tantivy::TantivyError,
    },
    /// The user's query is malformed; the message says where.
    #[error("invalid query: {0}")]
    Query(String),
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// An opened index and a reader on it.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    /// Reloaded by the writer after each commit (`ReloadPolicy::Manual`), so a search right
    /// after a commit sees it; other processes reload on every search instead.
    reader: IndexReader,
    fields: Fields,
    /// What searches read of the latest searcher generation (behind a mutex: held only to
    /// copy it out, or to replace it once per commit).
    generation: Arc<Mutex<Option<Arc<search::Generation>>>>,
}

/// Settings of a new index. Stored documents are LZ4-compressed in blocks of about 1 KB
/// (tantivy's default is 16 KB): a block is closed once it passes that size, so an article
/// (3-4 KB) has a block to itself, and each hit of a page decompresses its own article only.
/// With 4 KB blocks a hit decompressed two articles on average, 8% of a search's CPU by
/// `perf`; uncompressed blocks cost no less CPU (a hit copies its block) for a third
/// more index (4.6 KB an article instead of 3.5; `bench/search.sh`'s 100,000 articles).
/// An index made by an older version keeps its own settings.
fn settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: 1024,
        ..IndexSettings::default()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and `dir`) if needed.
    pub fn open(dir: &Path) -> Result<SearchIndex, IndexError> {
        let open_err = |source| IndexError::Open {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_err(e.into()))?;
        let directory = MmapDirectory::open(dir).map_err(|e| open_err(e.into()))?;
        let (schema, _) = schema::build();
        let mut index = Index::builder()
            .schema(schema.clone())
            .settings(settings())
            .open_or_create(directory)
            .map_err(open_err)?;
        if schema::fields_of(&index.schema()).is_err() {
            // Written by an older version: the index is derived data, so it is rebuilt from
            // the store (start-up finds it empty and reindexes).
            warn!(path = %dir.display(), "the index has an older schema, recreating it");
            drop(index);
            std::fs::remove_dir_all(dir).map_err(|e| open_err(e.into()))?;
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.into()))?;
            let directory = MmapDirectory::open(dir).map_err(|e| open_err(e.into()))?;
            index = Index::create(directory, schema, settings()).map_err(open_err)?;
        }
        schema::register_analyzers(&index);
        let fields = schema::fields_of(&index.schema()).map_err(open_err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(open_err)?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            generation: Arc::default(),
        })
    }

    /// The index's single writer. Fails while another process holds it.
    pub fn writer(&self, memory_budget: usize) -> Result<ArticleWriter, IndexError> {
        let writer = self.index.writer(memory_budget)?;
        Ok(ArticleWriter::new(writer, self.fields, self.reader.clone()))
    }

    /// Makes the latest commit visible to searches.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    /// Whether the index's files can be read and a searcher opened (readiness).
    pub fn check(&self) -> Result<(), IndexError> {
        self.index.searchable_segment_metas()?;
        self.reader.searcher().num_docs();
        Ok(())
    }

    /// Number of searchable documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}
