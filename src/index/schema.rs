//! The tantivy schema of an article document and the text analyzer its text fields use.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

/// Name of the analyzer of title, body and source: words, lowercased, accents folded, so that
/// "Pashinian" finds "Pachinian" no more than before but "Erdoğan" finds "Erdogan".
const TEXT_ANALYZER: &str = "newsd_text";

/// Handles to the fields of an article document.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields {
    /// Store id of the article; unique, the key for updates and deletes.
    pub id: Field,
    pub title: Field,
    pub body: Field,
    /// The outlet (feed name), then the outlets of its copies: `source:` finds an article
    /// through any outlet that published it.
    pub source: Field,
    /// The feed URL, verbatim.
    pub feed: Field,
    pub url: Field,
    pub published: Field,
    pub lang: Field,
    /// The story the article belongs to (absent until placed).
    pub story_id: Field,
}

pub(super) fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | STORED | FAST),
        title: builder.add_text_field("title", text.clone()),
        body: builder.add_text_field("body", text.clone()),
        source: builder.add_text_field("source", text),
        feed: builder.add_text_field("feed", STRING | STORED),
        url: builder.add_text_field("url", STRING | STORED),
        published: builder.add_date_field("published", INDEXED | STORED | FAST),
        lang: builder.add_text_field("lang", STRING | STORED),
        story_id: builder.add_i64_field("story_id", INDEXED | STORED | FAST),
    };
    (builder.build(), fields)
}

/// Registers the analyzers the schema names; needed on every opened index.
pub(super) fn register_analyzers(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(TEXT_ANALYZER, analyzer);
}

/// Looks up the fields of an opened index by name (so an index written by this version opens
/// with the same handles).
pub(super) fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let get = |name: &str| schema.get_field(name);
    Ok(Fields {
        id: get("id")?,
        title: get("title")?,
        body: get("body")?,
        source: get("source")?,
        feed: get("feed")?,
        url: get("url")?,
        published: get("published")?,
        lang: get("lang")?,
        story_id: get("story_id")?,
    })
}
