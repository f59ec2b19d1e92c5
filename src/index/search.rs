//! Queries: the user's query string → ranked [`SearchHit`]s with a snippet of the body.

use chrono::{DateTime, Utc};
use tantivy::TantivyDocument;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;

use super::{IndexError, SearchIndex};
use crate::model::SearchHit;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;
/// Longest accepted query, in bytes.
pub const MAX_QUERY_LEN: usize = 1024;
/// Weight of a title match relative to a body match.
const TITLE_BOOST: f32 = 2.0;

impl SearchIndex {
    /// The best `limit` hits for `query`, best first. Words must all match (in title, body or
    /// source); `"…"` is a phrase; tantivy's syntax (`OR`, `-word`, `title:…`) works.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, IndexError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(IndexError::Query("the query is empty".into()));
        }
        if query.len() > MAX_QUERY_LEN {
            return Err(IndexError::Query(format!(
                "the query is longer than {MAX_QUERY_LEN} bytes"
            )));
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.body, f.source]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, TITLE_BOOST);
        let parsed = parser
            .parse_query(query)
            .map_err(|e| IndexError::Query(e.to_string()))?;

        let searcher = self.reader.searcher();
        let top = searcher.search(&parsed, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut snippets = SnippetGenerator::create(&searcher, &*parsed, f.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        top.into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(self.hit(&doc, &snippets, score))
            })
            .collect()
    }

    fn hit(&self, doc: &TantivyDocument, snippets: &SnippetGenerator, score: f32) -> SearchHit {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let snippet = snippets.snippet_from_doc(doc);
        let snippet = if snippet.fragment().trim().is_empty() {
            lead(&text(f.body))
        } else {
            snippet.fragment().trim().to_owned()
        };
        SearchHit {
            id: doc
                .get_first(f.id)
                .and_then(|v| v.as_i64())
                .unwrap_or_default(),
            title: text(f.title),
            url: text(f.url),
            source: text(f.source),
            published: doc
                .get_first(f.published)
                .and_then(|v| v.as_datetime())
                .and_then(|d| DateTime::<Utc>::from_timestamp(d.into_timestamp_secs(), 0)),
            lang: Some(text(f.lang)).filter(|l| !l.is_empty()),
            snippet,
            score,
            story_id: doc.get_first(f.story_id).and_then(|v| v.as_i64()),
            copies: Vec::new(),
        }
    }
}

/// The start of `body`, cut at a word boundary.
fn lead(body: &str) -> String {
    if body.chars().count() <= SNIPPET_CHARS {
        return body.to_owned();
    }
    let cut: String = body.chars().take(SNIPPET_CHARS).collect();
    match cut.rfind(' ') {
        Some(at) => format!("{}…", &cut[..at]),
        None => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Article;

    fn article(id: i64, title: &str, text: &str) -> Article {
        Article {
            id,
            item_id: id,
            feed_url: "https://f.example/rss".into(),
            source: "France 24".into(),
            url: format!("https://f.example/{id}"),
            canonical_url: format!("https://f.example/{id}"),
            title: title.into(),
            author: None,
            published: DateTime::from_timestamp(1_750_000_000, 0),
            lang: Some("en".into()),
            text: text.into(),
            html: String::new(),
            text_source: Default::default(),
            fetched_at: Utc::now(),
            story_id: Some(id * 10),
            copies: Vec::new(),
        }
    }

    #[test]
    fn finds_by_words_and_phrases_with_snippets() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut writer = index.writer(15_000_000).unwrap();
        writer
            .add(&article(
                1,
                "Talks resume",
                "Karabakh peace talks resumed in Geneva on Monday.",
            ))
            .unwrap();
        writer
            .add(&article(
                2,
                "Peace in Genève",
                "Talks about peace, not about Karabakh.",
            ))
            .unwrap();
        assert_eq!(writer.commit().unwrap(), vec![1, 2]);

        let hits = index.search("\"karabakh peace talks\"", 10).unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [1]);
        assert!(
            hits[0].snippet.contains("Karabakh peace talks"),
            "{:?}",
            hits[0]
        );
        assert_eq!(hits[0].source, "France 24");
        assert_eq!(hits[0].published.unwrap().timestamp(), 1_750_000_000);
        // All words must match; accents are folded.
        assert_eq!(index.search("karabakh geneva", 10).unwrap().len(), 1);
        assert_eq!(index.search("geneve", 10).unwrap()[0].id, 2);
        assert_eq!(index.search("france", 10).unwrap().len(), 2);
    }

    #[test]
    fn re_adding_an_article_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut writer = index.writer(15_000_000).unwrap();
        writer.add(&article(1, "A", "first body")).unwrap();
        writer.commit().unwrap();
        writer.add(&article(1, "A", "second body")).unwrap();
        writer.commit().unwrap();
        assert_eq!(index.num_docs(), 1);
        assert!(index.search("first", 10).unwrap().is_empty());
    }

    #[test]
    fn malformed_queries_are_errors_not_empty_lists() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        for bad in ["", "   ", "title:(unclosed", "nosuchfield:word"] {
            assert!(
                matches!(index.search(bad, 10), Err(IndexError::Query(_))),
                "{bad:?}"
            );
        }
    }
}
