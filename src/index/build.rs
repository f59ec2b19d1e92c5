//! A parsed query → a tantivy query over the index's fields. Each word or phrase is analyzed
//! once per field it is looked for in (each language's title and body with that language's
//! stemmer), so it matches inflected forms in every language at once.

use std::cell::{Cell, RefCell};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field as IndexField, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime as IndexDate, Term};
use tantivy::{Index, Searcher};

use super::query::{Field, Node, QueryError};
use super::schema::{Fields, TextPair};

/// Clauses of a boolean query.
type Clauses = Vec<(Occur, Box<dyn Query>)>;

/// Weight of a title match relative to a body match.
const TITLE_BOOST: f32 = 2.0;

/// Builds tantivy queries for one index.
pub(super) struct Builder<'a> {
    /// Terms no document holds are left out of the query (see [`Builder::analyzed`]).
    searcher: &'a Searcher,
    fields: &'a Fields,
    /// The title/body pairs that hold documents: words are looked for there only (an empty
    /// field cannot match, and each one costs a term lookup per segment).
    pairs: Vec<TextPair>,
    /// Set when a word made several tokens somewhere, and so a phrase.
    phrases: Cell<bool>,
    /// The terms of phrases left out because a field holds some of their words but not all.
    unmatched: RefCell<Vec<Term>>,
}

/// A query, and whether it ranks by words alone (see [`Built::words_only`]).
pub(super) struct Built {
    pub query: Box<dyn Query>,
    /// The query is a union of words looked for in analyzed fields (no phrase, no operator
    /// but `OR`): ranking it by relevance skips the documents that cannot reach the page
    /// (block-max WAND), so that counting the matches is a pass of its own. Any other query
    /// is ranked over all its matches, and they are best counted in that same pass.
    pub words_only: bool,
    /// Terms the query leaves out (phrases a field cannot hold) that its snippets still
    /// highlight where they occur, as tantivy highlights each word of a phrase.
    pub highlighted: Vec<Term>,
}

impl<'a> Builder<'a> {
    pub fn new(searcher: &'a Searcher, fields: &'a Fields, pairs: Vec<TextPair>) -> Builder<'a> {
        Builder {
            searcher,
            fields,
            pairs,
            phrases: Cell::new(false),
            unmatched: RefCell::default(),
        }
    }

    /// The query for `node`. A query made only of words no field can hold (punctuation) is
    /// an error: it would otherwise silently match nothing.
    pub fn build(&self, node: &Node) -> Result<Built, QueryError> {
        let query = self.node(node)?.ok_or_else(|| QueryError {
            message: "the query has no word to search for".into(),
            at: 0,
        })?;
        Ok(Built {
            query,
            words_only: words_only(node) && !self.phrases.get(),
            highlighted: self.unmatched.take(),
        })
    }

    /// `None` when the node holds nothing searchable (dropped from its parent).
    fn node(&self, node: &Node) -> Result<Option<Box<dyn Query>>, QueryError> {
        Ok(match node {
            Node::And(parts) => {
                let mut clauses = Vec::new();
                for part in parts {
                    let (occur, inner) = match part {
                        Node::Not(inner) => (Occur::MustNot, inner.as_ref()),
                        other => (Occur::Must, other),
                    };
                    if let Some(query) = self.node(inner)? {
                        clauses.push((occur, query));
                    }
                }
                match clauses.len() {
                    0 => None,
                    _ => Some(with_positive(clauses)),
                }
            }
            Node::Or(parts) => {
                let mut clauses = Vec::new();
                for part in parts {
                    self.alternatives(part, &mut clauses)?;
                }
                one_of(clauses)
            }
            Node::Not(inner) => self
                .node(inner)?
                .map(|query| with_positive(vec![(Occur::MustNot, query)])),
            Node::Text { field, text, .. } => one_of(self.text(*field, text)?),
            Node::Published { from, to } => Some(date_range(self.fields.date, *from, *to)),
        })
    }

    /// Adds `node`, one alternative of an `OR`, to `clauses`. The fields a word is looked for
    /// in join the `OR` itself rather than a union of their own: a union made only of words
    /// skips the documents that cannot reach the page (block-max WAND), a union of unions
    /// scores them all. Both sum the same scores.
    fn alternatives(&self, node: &Node, clauses: &mut Clauses) -> Result<(), QueryError> {
        match node {
            Node::Text { field, text, .. } => clauses.extend(self.text(*field, text)?),
            Node::Or(parts) => {
                for part in parts {
                    self.alternatives(part, clauses)?;
                }
            }
            other => {
                if let Some(query) = self.node(other)? {
                    clauses.push((Occur::Should, query));
                }
            }
        }
        Ok(())
    }

    /// The alternatives `text` is looked for as, in `field`: any of them matches.
    fn text(&self, field: Field, text: &str) -> Result<Clauses, QueryError> {
        let f = self.fields;
        let exact = |field: IndexField, value: String| -> Clauses {
            let term = Term::from_field_text(field, &value);
            vec![(
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            )]
        };
        let analyzed = |targets: Vec<(IndexField, f32)>| self.analyzed(&targets, text);
        let titles = || self.pairs.iter().map(|p| (p.title, TITLE_BOOST));
        let bodies = || self.pairs.iter().map(|p| (p.body, 1.0));
        Ok(match field {
            Field::Any => analyzed(
                titles()
                    .chain(bodies())
                    .chain([(f.source, 1.0), (f.summary, 1.0)])
                    .collect(),
            ),
            Field::Title => analyzed(titles().collect()),
            Field::Body => analyzed(bodies().collect()),
            Field::Source => analyzed(vec![(f.source, 1.0)]),
            Field::Author => analyzed(vec![(f.authors, 1.0)]),
            Field::Lang => exact(f.lang, text.trim().to_lowercase()),
            Field::Tag => exact(f.tag, text.trim().to_lowercase()),
            Field::Feed => exact(f.feed, text.trim().to_owned()),
            Field::Url => exact(f.url, text.trim().to_owned()),
            Field::Story => {
                let id: i64 = text.trim().parse().map_err(|_| QueryError {
                    message: format!("`story:` takes a story id (a number), not `{text}`"),
                    at: 0,
                })?;
                let term = Term::from_field_i64(f.story_id, id);
                vec![(
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                )]
            }
        })
    }

    /// `text` analyzed for each target field: a term, or a phrase when it makes several tokens
    /// (a quoted phrase, or a word such as `covid-19`). Fields where it makes no token are
    /// left out. The fields of one analyzer (a language's title and body) share one analysis.
    ///
    /// A term no document holds cannot match: it is left out rather than made into a scorer
    /// (a word is looked for in every language's fields and most hold it in none). When `text`
    /// is in no document at all, the only clause is [`EmptyQuery`], which [`one_of`] drops
    /// beside any other.
    fn analyzed(&self, targets: &[(IndexField, f32)], text: &str) -> Clauses {
        let mut clauses: Clauses = Vec::new();
        let mut in_no_document = false;
        let mut analyses: Vec<(usize, Vec<(usize, String)>)> = Vec::new();
        for &(field, boost) in targets {
            let slot = self.fields.analyzer_slot(field);
            let at = match analyses.iter().position(|(s, _)| *s == slot) {
                Some(at) => at,
                None => {
                    let Some(tokens) = analyze(self.searcher.index(), field, slot, text) else {
                        continue;
                    };
                    analyses.push((slot, tokens));
                    analyses.len() - 1
                }
            };
            let mut terms: Vec<(usize, Term)> = analyses[at]
                .1
                .iter()
                .map(|(position, token)| (*position, Term::from_field_text(field, token)))
                .collect();
            if terms.is_empty() {
                continue;
            }
            if !self.all_held(&terms) {
                in_no_document = true;
                let terms = terms.into_iter().map(|(_, term)| term);
                self.unmatched.borrow_mut().extend(terms);
                continue;
            }
            let query: Box<dyn Query> = match terms.len() {
                1 => Box::new(TermQuery::new(
                    terms.remove(0).1,
                    IndexRecordOption::WithFreqs,
                )),
                _ => {
                    self.phrases.set(true);
                    Box::new(PhraseQuery::new_with_offset(terms))
                }
            };
            let query: Box<dyn Query> = if boost == 1.0 {
                query
            } else {
                Box::new(BoostQuery::new(query, boost))
            };
            clauses.push((Occur::Should, query));
        }
        if clauses.is_empty() && in_no_document {
            clauses.push((Occur::Should, Box::new(EmptyQuery)));
        }
        clauses
    }

    /// Whether some document holds each of `terms`. A term whose statistics cannot be read
    /// counts as held: the search reading it then reports the index's error, not the query's.
    fn all_held(&self, terms: &[(usize, Term)]) -> bool {
        terms
            .iter()
            .all(|(_, term)| !matches!(self.searcher.doc_freq(term), Ok(0)))
    }
}

/// Whether `node` is words (or `OR`s of them) looked for in analyzed fields, whose terms are
/// read with their frequencies.
fn words_only(node: &Node) -> bool {
    match node {
        Node::Text { field, .. } => matches!(
            field,
            Field::Any | Field::Title | Field::Body | Field::Source | Field::Author
        ),
        Node::Or(parts) => parts.iter().all(words_only),
        _ => false,
    }
}

/// A query matching any of `clauses` (all `Should`); `None` when there is none. Clauses that
/// match nothing ([`EmptyQuery`]) are dropped beside others: a union of words alone is ranked
/// skipping documents (block-max WAND).
fn one_of(mut clauses: Clauses) -> Option<Box<dyn Query>> {
    if clauses.iter().any(|(_, q)| !q.is::<EmptyQuery>()) {
        clauses.retain(|(_, q)| !q.is::<EmptyQuery>());
    } else {
        clauses.truncate(1);
    }
    match clauses.len() {
        0 => None,
        1 => clauses.pop().map(|(_, q)| q),
        _ => Some(Box::new(BooleanQuery::new(clauses))),
    }
}

thread_local! {
    /// The analyzers this thread has used, by [`Fields::analyzer_slot`]: the index hands out a
    /// copy of its analyzer (stemmer and filters) per call, and a query asks for one per word
    /// and field. Every index registers the same analyzer under a slot.
    static ANALYZERS: RefCell<Vec<Option<TextAnalyzer>>> = RefCell::default();
}

/// The tokens (position, text) of `text` by the analyzer of `field` (numbered `slot`); `None`
/// when the field has no analyzer.
fn analyze(
    index: &Index,
    field: IndexField,
    slot: usize,
    text: &str,
) -> Option<Vec<(usize, String)>> {
    ANALYZERS.with_borrow_mut(|analyzers| {
        if analyzers.len() <= slot {
            analyzers.resize_with(slot + 1, || None);
        }
        let analyzer = match &mut analyzers[slot] {
            Some(analyzer) => analyzer,
            empty => empty.insert(index.tokenizer_for_field(field).ok()?),
        };
        let mut tokens = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            tokens.push((token.position, token.text.clone()));
        }
        Some(tokens)
    })
}

/// `clauses`, matching everything but what they exclude when none of them is positive.
fn with_positive(mut clauses: Clauses) -> Box<dyn Query> {
    if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Documents whose date `field` lies in `[from, to]` (either end open).
pub(super) fn date_range(
    field: IndexField,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Box<dyn Query> {
    let bound = |at: Option<DateTime<Utc>>| match at {
        Some(at) => Bound::Included(Term::from_field_date(
            field,
            IndexDate::from_timestamp_secs(at.timestamp()),
        )),
        None => Bound::Unbounded,
    };
    if from.is_none() && to.is_none() {
        return Box::new(AllQuery);
    }
    if matches!((from, to), (Some(a), Some(b)) if a > b) {
        return Box::new(EmptyQuery);
    }
    Box::new(RangeQuery::new(bound(from), bound(to)))
}

/// `query` as a filter: it selects documents without changing their scores.
pub(super) fn filter(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}
