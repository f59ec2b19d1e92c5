//! The tantivy schema of an article document and the analyzers of its text fields.
//!
//! Title and body are indexed in one pair of fields per language, each with that language's
//! Snowball stemmer, so that a query finds inflected forms in the article's own language
//! ("élections" finds "élection" in French articles, "talks" finds "talk" in English ones)
//! without stemming one language with another's rules. Articles in other or unknown
//! languages go to an unstemmed pair. A query is analyzed once per pair.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TextAnalyzerBuilder, Tokenizer,
};

/// The languages with a stemmer, by ISO 639-1 code: every Snowball stemmer tantivy has.
pub(super) const STEMMED: [(&str, Language); 18] = [
    ("ar", Language::Arabic),
    ("da", Language::Danish),
    ("de", Language::German),
    ("el", Language::Greek),
    ("en", Language::English),
    ("es", Language::Spanish),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("no", Language::Norwegian),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("sv", Language::Swedish),
    ("ta", Language::Tamil),
    ("tr", Language::Turkish),
];

/// Title/body pairs: one per stemmed language, then the unstemmed one.
pub(super) const PAIRS: usize = STEMMED.len() + 1;

/// Code of the unstemmed pair's analyzer and fields.
const OTHER: &str = "xx";

/// Analyzer of outlets, authors and the unstemmed pair: words, lowercased, accents folded.
const WORDS: &str = "newsd_words";

/// The title and body fields of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TextPair {
    pub title: Field,
    pub body: Field,
}

/// Handles to the fields of an article document.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields {
    /// Store id of the article; unique, the key for updates and deletes.
    pub id: Field,
    /// `STEMMED` in order, then the unstemmed pair.
    pub text: [TextPair; PAIRS],
    /// The outlet, then the outlets of its copies: `source:` finds an article through any
    /// outlet that published it.
    pub source: Field,
    /// The same names verbatim, for filters and facets.
    pub source_exact: Field,
    pub authors: Field,
    /// The feed's own summary of the item.
    pub summary: Field,
    /// The feed URL, verbatim.
    pub feed: Field,
    pub url: Field,
    /// The feed's tags (config).
    pub tag: Field,
    /// When the article was published, when known.
    pub published: Field,
    /// When it was published, else fetched: what date filters, sorting and the day facet use.
    pub date: Field,
    /// When the page says it was last modified.
    pub updated: Field,
    /// ISO 639-1 code, or empty.
    pub lang: Field,
    /// The story the article belongs to (absent until placed).
    pub story_id: Field,
}

impl Fields {
    /// The title/body pair an article in `lang` is indexed in.
    pub fn pair_for(&self, lang: Option<&str>) -> TextPair {
        let code = lang
            .and_then(|l| l.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        let at = code
            .and_then(|c| STEMMED.iter().position(|(s, _)| *s == c))
            .unwrap_or(STEMMED.len());
        self.text[at]
    }

    /// Which of the schema's analyzers `field` is analyzed with, as a number: its text pair's
    /// position in `text` (the language's in [`STEMMED`]), else `STEMMED.len()`, the unstemmed
    /// words' (outlets, authors, summaries, and the unstemmed pair). The title and body of a
    /// language share theirs, and so the words the snippets remember.
    pub fn analyzer_slot(&self, field: Field) -> usize {
        self.text
            .iter()
            .position(|pair| pair.title == field || pair.body == field)
            .unwrap_or(STEMMED.len())
    }
}

fn analyzer_name(code: &str) -> String {
    format!("newsd_{code}")
}

fn text_options(analyzer: &str) -> TextOptions {
    TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored()
}

pub(super) fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let mut pair = |code: &str, analyzer: &str| TextPair {
        title: builder.add_text_field(&format!("title_{code}"), text_options(analyzer)),
        body: builder.add_text_field(&format!("body_{code}"), text_options(analyzer)),
    };
    let mut text = Vec::with_capacity(PAIRS);
    for (code, _) in STEMMED {
        text.push(pair(code, &analyzer_name(code)));
    }
    text.push(pair(OTHER, WORDS));
    let text: [TextPair; PAIRS] = text.try_into().expect("one pair per language and one more");
    let words = text_options(WORDS);
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | STORED | FAST),
        text,
        source: builder.add_text_field("source", words.clone()),
        source_exact: builder.add_text_field("source_exact", STRING | FAST),
        authors: builder.add_text_field("authors", words.clone()),
        summary: builder.add_text_field("summary", words),
        feed: builder.add_text_field("feed", STRING | STORED),
        url: builder.add_text_field("url", STRING | STORED),
        tag: builder.add_text_field("tag", STRING | STORED | FAST),
        published: builder.add_date_field("published", INDEXED | STORED | FAST),
        date: builder.add_date_field("date", INDEXED | FAST),
        updated: builder.add_date_field("updated", INDEXED | STORED | FAST),
        lang: builder.add_text_field("lang", STRING | STORED | FAST),
        story_id: builder.add_i64_field("story_id", INDEXED | STORED | FAST),
    };
    (builder.build(), fields)
}

/// Words this long (in bytes) or longer are dropped by every analyzer.
pub(super) const LONG_WORD: usize = 40;

/// Words, lowercased: the start of every analyzer here.
fn words() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONG_WORD))
        .filter(LowerCaser)
}

/// Registers the analyzers the schema names; needed on every opened index.
pub(super) fn register_analyzers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(WORDS, words().filter(AsciiFoldingFilter).build());
    for (code, language) in STEMMED {
        // Stemmed before accents are folded: the stemmers' rules expect the accents.
        let analyzer = words()
            .filter(Stemmer::new(language))
            .filter(AsciiFoldingFilter)
            .build();
        manager.register(&analyzer_name(code), analyzer);
    }
}

/// [`Fields::analyzer_slot`] read from the schema's analyzer names, which the tests hold it to.
#[cfg(test)]
pub(super) fn analyzer_number(schema: &Schema, field: Field) -> usize {
    let name = match schema.get_field_entry(field).field_type() {
        tantivy::schema::FieldType::Str(options) => options
            .get_indexing_options()
            .map(|indexing| indexing.tokenizer().to_owned()),
        _ => None,
    };
    STEMMED
        .iter()
        .position(|(code, _)| name.as_deref() == Some(analyzer_name(code).as_str()))
        .unwrap_or(STEMMED.len())
}

/// Looks up the fields of an opened index by name (so an index written by this version opens
/// with the same handles); an error when it was written with another schema.
pub(super) fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let (expected, fields) = build();
    // Same names, same types, same options: field handles are positions, so equal schemas
    // give equal handles.
    if *schema != expected {
        return Err(tantivy::TantivyError::SchemaError(
            "the index was written with another schema".into(),
        ));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::super::word_cache::{Initials, Packed, for_each_token};
    use super::*;

    #[test]
    fn titles_and_bodies_of_a_language_share_an_analyzer_number() {
        let (schema, fields) = build();
        for (at, pair) in fields.text.iter().enumerate() {
            assert_eq!(analyzer_number(&schema, pair.title), at);
            assert_eq!(analyzer_number(&schema, pair.body), at);
        }
        assert_eq!(analyzer_number(&schema, fields.source), STEMMED.len());
        assert_eq!(analyzer_number(&schema, fields.id), STEMMED.len());
        for (field, _) in schema.fields() {
            assert_eq!(
                fields.analyzer_slot(field),
                analyzer_number(&schema, field),
                "{field:?}"
            );
        }
    }

    #[test]
    fn snippet_tokens_are_the_index_analyzers_tokens_lowercased() {
        let (schema, fields) = build();
        let index = Index::create_in_ram(schema);
        register_analyzers(&index);
        let text = "Les élections législatives: Wahlen, Häuser und Straßen; çocukların \
                    kitaplarından, running happily past the HÄUSER again. Выборы прошли. İstanbul \
                    a-word-longer-than-forty-letters-supercalifragilisticexpialidociousness";
        let targets = fields.text.iter().flat_map(|p| [p.title, p.body]);
        for field in targets.chain([fields.source, fields.authors]) {
            let mut indexed = index.tokenizer_for_field(field).unwrap();
            let mut expected = Vec::new();
            let mut stream = indexed.token_stream(text);
            while let Some(token) = stream.next() {
                let range = token.offset_from..token.offset_to;
                expected.push((token.text.to_lowercase(), range));
            }
            // Twice: the second pass reads the words remembered by the first.
            for pass in ["analyzed", "remembered"] {
                let mut tokens = Vec::new();
                let mut analyzer = index.tokenizer_for_field(field).unwrap();
                let slot = analyzer_number(&index.schema(), field);
                for_each_token(slot, &mut analyzer, text, Initials::ALL, |range, token| {
                    tokens.push((token.expect("every token is wanted").to_text(), range));
                });
                assert_eq!(tokens, expected, "{field:?}, {pass}");
            }
            // Asking only for tokens starting with "h" or "r": every word still gives its
            // range, and every token so starting is spelled out as the analyzer makes it.
            let wanted = Initials::of(["hau", "run"]);
            let mut tokens = Vec::new();
            let mut analyzer = index.tokenizer_for_field(field).unwrap();
            let slot = analyzer_number(&index.schema(), field);
            for_each_token(slot, &mut analyzer, text, wanted, |range, token| {
                tokens.push((token.map(Packed::to_text), range));
            });
            assert_eq!(tokens.len(), expected.len(), "{field:?}");
            for ((token, range), (expected, expected_range)) in tokens.iter().zip(&expected) {
                assert_eq!(range, expected_range, "{field:?}");
                match token {
                    Some(token) => assert_eq!(token, expected, "{field:?}"),
                    None => assert!(!expected.starts_with(['h', 'r']), "{field:?}: {expected}"),
                }
            }
            assert!(
                tokens.iter().any(|(t, _)| t.is_none()),
                "{field:?}: none skipped"
            );
        }
    }
}
