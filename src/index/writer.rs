//! The index writer: adds article documents and commits them in batches. Only the indexer task
//! (or `newsd reindex`) holds it; tantivy's lock file keeps a second process out.

use tantivy::{DateTime, IndexReader, IndexWriter, TantivyDocument, Term};

use super::IndexError;
use super::schema::Fields;
use crate::model::Article;

pub struct ArticleWriter {
    writer: IndexWriter,
    fields: Fields,
    reader: IndexReader,
    /// Ids added since the last commit.
    uncommitted: Vec<i64>,
}

impl ArticleWriter {
    pub(super) fn new(writer: IndexWriter, fields: Fields, reader: IndexReader) -> Self {
        ArticleWriter {
            writer,
            fields,
            reader,
            uncommitted: Vec::new(),
        }
    }

    /// Adds (or replaces) the document of `article`. Visible after [`commit`](Self::commit).
    pub fn add(&mut self, article: &Article) -> Result<(), IndexError> {
        let f = &self.fields;
        self.writer
            .delete_term(Term::from_field_i64(f.id, article.id));
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, article.id);
        let pair = f.pair_for(article.lang.as_deref());
        doc.add_text(pair.title, &article.title);
        doc.add_text(pair.body, &article.text);
        for source in
            std::iter::once(&article.source).chain(article.copies.iter().map(|c| &c.source))
        {
            doc.add_text(f.source, source);
            doc.add_text(f.source_exact, source);
        }
        if let Some(author) = &article.author {
            doc.add_text(f.authors, author);
        }
        if let Some(summary) = &article.summary {
            doc.add_text(f.summary, summary);
        }
        doc.add_text(f.feed, &article.feed_url);
        doc.add_text(f.url, &article.url);
        for tag in &article.tags {
            doc.add_text(f.tag, tag.to_lowercase());
        }
        let date = |d: chrono::DateTime<chrono::Utc>| DateTime::from_timestamp_secs(d.timestamp());
        if let Some(published) = article.published {
            doc.add_date(f.published, date(published));
        }
        if let Some(modified) = article.modified {
            doc.add_date(f.updated, date(modified));
        }
        doc.add_date(f.date, date(article.seen_at()));
        if let Some(lang) = &article.lang {
            doc.add_text(f.lang, lang.to_lowercase());
        }
        if let Some(story) = article.story_id {
            doc.add_i64(f.story_id, story);
        }
        self.writer.add_document(doc)?;
        self.uncommitted.push(article.id);
        Ok(())
    }

    /// Number of documents added since the last commit.
    pub fn uncommitted(&self) -> usize {
        self.uncommitted.len()
    }

    /// Commits, makes the commit visible to this process's searches, and returns the ids of
    /// the articles it made durable.
    pub fn commit(&mut self) -> Result<Vec<i64>, IndexError> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(std::mem::take(&mut self.uncommitted))
    }

    /// Deletes the documents of articles `ids` (committed with the next commit).
    pub fn delete(&mut self, ids: &[i64]) {
        for &id in ids {
            self.writer
                .delete_term(Term::from_field_i64(self.fields.id, id));
        }
    }

    /// Deletes every document (committed with the next commit), before a rebuild.
    pub fn delete_all(&mut self) -> Result<(), IndexError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Stops merging segments in the background, for a rebuild that ends with
    /// [`merge_all`](Self::merge_all) (a background merge racing it would fail it).
    pub fn without_background_merges(&mut self) {
        self.writer
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    }

    /// Merges the index into one segment and makes it visible (after a rebuild: every search
    /// then looks terms up once per field rather than once per segment).
    pub fn merge_all(&mut self) -> Result<(), IndexError> {
        let segments = self.writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.reader.reload()?;
        Ok(())
    }
}
