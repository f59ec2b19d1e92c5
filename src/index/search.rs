//! Searching: a [`SearchRequest`] (the user's query, filters, sort, story collapsing, a page)
//! → [`SearchResults`]: ranked hits with highlighted title and snippet, one per story by
//! default, facet counts, and a cursor to the next page.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Order, Searcher, Term};

use super::build::{Builder, Built, date_range, filter};
use super::facets::{FacetCollector, Facets, Names};
use super::query::{QueryError, parse};
use super::schema::TextPair;
use super::snippet::Snippets;
use super::stored::StoredArticle;
use super::{IndexError, SearchIndex};
use crate::entities::escape_html;
use crate::model::SearchHit;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;
/// Largest page.
pub const MAX_LIMIT: usize = 100;
/// Deepest a cursor may go (in hits or stories).
const MAX_OFFSET: usize = 5_000;
/// Candidates read per collapsed page: enough to fill a page with distinct stories.
const COLLAPSE_FACTOR: usize = 8;
/// Half-life of the recency boost, in days.
const RECENCY_HALF_LIFE_DAYS: f32 = 2.0;

/// Matches in rank order, with their scores.
type Ranked = Vec<(f32, DocAddress)>;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// BM25 (title matches weigh double); with `recency`, newer articles are lifted.
    #[default]
    Relevance,
    /// Newest first (published, else fetched).
    Newest,
}

/// Whether articles of one story are folded into one hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Collapse {
    /// One hit per story: its best article, plus how many more and from which outlets.
    #[default]
    Story,
    /// Every matching article.
    None,
}

impl std::str::FromStr for Sort {
    type Err = String;

    fn from_str(text: &str) -> Result<Sort, String> {
        match text {
            "relevance" => Ok(Sort::Relevance),
            "newest" | "date" => Ok(Sort::Newest),
            _ => Err(format!("sort is `relevance` or `newest`, not `{text}`")),
        }
    }
}

impl std::str::FromStr for Collapse {
    type Err = String;

    fn from_str(text: &str) -> Result<Collapse, String> {
        match text {
            "story" => Ok(Collapse::Story),
            "none" => Ok(Collapse::None),
            _ => Err(format!("collapse is `story` or `none`, not `{text}`")),
        }
    }
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Outlets (exact names); any of them.
    pub sources: Vec<String>,
    /// Language codes; any of them.
    pub langs: Vec<String>,
    /// Feed URLs; any of them.
    pub feeds: Vec<String>,
    /// Tags; any of them.
    pub tags: Vec<String>,
    pub sort: Sort,
    /// Lift recent articles when sorting by relevance.
    pub recency: bool,
    pub collapse: Collapse,
    /// Count matches per source, day and language.
    pub facets: bool,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Articles matching (all pages, before collapsing).
    pub total: usize,
    pub hits: Vec<SearchHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Where a page starts: after `offset` hits (or stories), among articles up to `max_id` (so
/// that articles added meanwhile do not shift later pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    max_id: i64,
    offset: usize,
}

impl Cursor {
    fn encode(self) -> String {
        format!("{}-{}", self.max_id, self.offset)
    }

    fn decode(text: &str) -> Result<Cursor, IndexError> {
        let bad = || IndexError::Query(format!("`{text}` is not a cursor this server gave"));
        let (max_id, offset) = text.split_once('-').ok_or_else(bad)?;
        let cursor = Cursor {
            max_id: max_id.parse().map_err(|_| bad())?,
            offset: offset.parse().map_err(|_| bad())?,
        };
        if cursor.offset > MAX_OFFSET {
            return Err(IndexError::Query(format!(
                "results are paged up to {MAX_OFFSET} deep; narrow the query"
            )));
        }
        Ok(cursor)
    }
}

impl SearchRequest {
    /// How deep in the results its page ends: hits (or stories) before it, plus its size. A
    /// cursor this server did not give counts as the first page (the search rejects it).
    pub fn depth(&self) -> usize {
        let offset = self
            .cursor
            .as_deref()
            .and_then(|text| Cursor::decode(text).ok())
            .map_or(0, |cursor| cursor.offset);
        offset + self.limit
    }
}

fn query_error(error: QueryError) -> IndexError {
    IndexError::Query(error.to_string())
}

impl SearchIndex {
    /// Runs `request`.
    pub fn run(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        if request.limit == 0 || request.limit > MAX_LIMIT {
            return Err(IndexError::Query(format!(
                "the page size must be from 1 to {MAX_LIMIT}"
            )));
        }
        let searcher = self.reader.searcher();
        let generation = self.generation(&searcher)?;
        let newest = generation.newest;
        let cursor = match &request.cursor {
            Some(text) => Cursor::decode(text)?,
            None => Cursor {
                max_id: newest,
                offset: 0,
            },
        };
        let node = parse(&request.query).map_err(query_error)?;
        let pairs = self.pairs_to_search(generation.pairs.clone(), &request.langs);
        let builder = Builder::new(&searcher, &self.fields, pairs);
        let Built {
            query: matching,
            words_only,
            highlighted,
        } = builder.build(&node).map_err(query_error)?;
        // Articles added since the cursor's first page are left out; none were on a first page.
        let snapshot = (cursor.max_id < newest).then_some(cursor.max_id);
        let filtered = self.with_filters(&*matching, request, snapshot);
        // Ranked by block-max WAND, which skips documents: counted in a pass of its own.
        let pruned = words_only
            && filtered.is_none()
            && (request.sort, request.recency) == (Sort::Relevance, false);
        let query = filtered.unwrap_or_else(|| matching.box_clone());

        let wanted = match request.collapse {
            Collapse::None => cursor.offset + request.limit + 1,
            Collapse::Story => ((cursor.offset + request.limit) * COLLAPSE_FACTOR).max(64),
        };
        let (top, counted) = match (pruned, request.facets) {
            (true, _) => {
                let top =
                    searcher.search(&*query, &TopDocs::with_limit(wanted).order_by_score())?;
                (top, None)
            }
            (false, true) => {
                let (top, (total, facets)) =
                    self.top_and(&searcher, &*query, request, wanted, generation.facets())?;
                (top, Some((total, Some(facets))))
            }
            (false, false) => {
                let (top, total) = self.top_and(&searcher, &*query, request, wanted, Count)?;
                (top, Some((total, None)))
            }
        };
        // Fewer than asked for: the ranking saw every match, and their number is the total.
        let all_ranked = (top.len() < wanted).then_some(top.len());
        let (page, more) = match request.collapse {
            Collapse::None => {
                let more = top.len() > cursor.offset + request.limit;
                let page = top
                    .into_iter()
                    .skip(cursor.offset)
                    .take(request.limit)
                    .map(|(score, address)| Group::single(score, address))
                    .collect();
                (page, more)
            }
            Collapse::Story => {
                let groups = Self::group_by_story(top, &generation.story_ids);
                let more = groups.len() > cursor.offset + request.limit;
                let page = groups
                    .into_iter()
                    .skip(cursor.offset)
                    .take(request.limit)
                    .collect();
                (page, more)
            }
        };
        let hits = self.hits(&searcher, &*matching, &highlighted, page)?;
        // After a pruned ranking, counted apart (unless it saw every match).
        let (total, facets) = match (counted, request.facets, all_ranked) {
            (Some(counted), _, _) => counted,
            (None, true, _) => {
                let (total, facets) = searcher.search(&*query, &generation.facets())?;
                (total, Some(facets))
            }
            (None, false, Some(total)) => (total, None),
            (None, false, None) => (searcher.search(&*query, &Count)?, None),
        };
        let next_cursor = more.then(|| {
            Cursor {
                max_id: cursor.max_id,
                offset: cursor.offset + hits.len(),
            }
            .encode()
        });
        Ok(SearchResults {
            total,
            hits,
            facets,
            next_cursor,
        })
    }

    /// What this search needs of `searcher`'s generation: read on the first search of each
    /// generation (opening the id column alone was 2% of a search), shared after.
    fn generation(&self, searcher: &Searcher) -> Result<Arc<Generation>, IndexError> {
        let id = searcher.generation().generation_id();
        let mut cached = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(generation) = cached.as_ref()
            && generation.id == id
        {
            return Ok(generation.clone());
        }
        let generation = Arc::new(Generation {
            id,
            newest: max_id(searcher)?,
            pairs: self.read_populated_pairs(searcher),
            story_ids: searcher
                .segment_readers()
                .iter()
                .map(|segment| segment.fast_fields().i64("story_id").ok())
                .collect(),
            facet_names: Arc::new(Names::read(searcher)?),
        });
        *cached = Some(generation.clone());
        Ok(generation)
    }

    /// The title/body pairs words are looked for in: those of `langs` when the search is
    /// restricted to languages (an article's title and body are in its language's pair, so
    /// the others hold none of the articles wanted), and of them those of `populated`.
    fn pairs_to_search(&self, mut populated: Vec<TextPair>, langs: &[String]) -> Vec<TextPair> {
        if langs.is_empty() {
            return populated;
        }
        let mut wanted: Vec<TextPair> = Vec::new();
        for lang in langs {
            let pair = self.fields.pair_for(Some(lang.trim()));
            if !wanted.contains(&pair) {
                wanted.push(pair);
            }
        }
        populated.retain(|pair| wanted.contains(pair));
        if populated.is_empty() {
            wanted
        } else {
            populated
        }
    }

    /// The title/body pairs with at least one document (all of them when the index is
    /// empty, so that queries are still checked).
    fn read_populated_pairs(&self, searcher: &Searcher) -> Vec<TextPair> {
        let holds = |field: Field| {
            searcher.segment_readers().iter().any(|segment| {
                segment
                    .inverted_index(field)
                    .is_ok_and(|index| index.terms().num_terms() > 0)
            })
        };
        let populated: Vec<TextPair> = self
            .fields
            .text
            .iter()
            .copied()
            .filter(|pair| holds(pair.body) || holds(pair.title))
            .collect();
        if populated.is_empty() {
            self.fields.text.to_vec()
        } else {
            populated
        }
    }

    /// `query` restricted by the request's filters and to articles up to `snapshot` (an id);
    /// `None` when nothing restricts it (then `query` itself is searched: a union of words at
    /// the top is what block-max WAND applies to).
    fn with_filters(
        &self,
        query: &dyn Query,
        request: &SearchRequest,
        snapshot: Option<i64>,
    ) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query.box_clone())];
        let any_of = |field: Field, values: &[String], normalize: fn(&str) -> String| {
            let terms: Vec<(Occur, Box<dyn Query>)> = values
                .iter()
                .map(|v| {
                    let term = Term::from_field_text(field, &normalize(v));
                    let query: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                    (Occur::Should, query)
                })
                .collect();
            filter(Box::new(BooleanQuery::new(terms)))
        };
        let lower = |v: &str| v.trim().to_lowercase();
        let verbatim = |v: &str| v.trim().to_owned();
        for (field, values, normalize) in [
            (
                f.source_exact,
                &request.sources,
                verbatim as fn(&str) -> String,
            ),
            (f.lang, &request.langs, lower),
            (f.feed, &request.feeds, verbatim),
            (f.tag, &request.tags, lower),
        ] {
            if !values.is_empty() {
                clauses.push((Occur::Must, any_of(field, values, normalize)));
            }
        }
        if request.since.is_some() || request.until.is_some() {
            let range = date_range(f.date, request.since, request.until);
            clauses.push((Occur::Must, filter(range)));
        }
        if let Some(max_id) = snapshot {
            let snapshot = RangeQuery::new(
                std::ops::Bound::Unbounded,
                std::ops::Bound::Included(Term::from_field_i64(f.id, max_id)),
            );
            clauses.push((Occur::Must, filter(Box::new(snapshot))));
        }
        (clauses.len() > 1).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// The first `wanted` matches in the request's order, with their scores (0 when sorted by
    /// date), and what `also` collects of every match, in one pass over them.
    fn top_and<C: Collector>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        request: &SearchRequest,
        wanted: usize,
        also: C,
    ) -> Result<(Ranked, C::Fruit), IndexError> {
        let top = TopDocs::with_limit(wanted);
        Ok(match (request.sort, request.recency) {
            (Sort::Newest, _) => {
                let by_date = top.order_by_fast_field::<tantivy::DateTime>("date", Order::Desc);
                let (docs, fruit) = searcher.search(query, &(by_date, also))?;
                (docs.into_iter().map(|(_, a)| (0.0, a)).collect(), fruit)
            }
            (Sort::Relevance, false) => searcher.search(query, &(top.order_by_score(), also))?,
            (Sort::Relevance, true) => {
                let now = Utc::now().timestamp();
                let boosted = top.tweak_score(move |segment: &tantivy::SegmentReader| {
                    let dates = segment.fast_fields().date("date").ok();
                    move |doc, score: f32| {
                        let age_days = dates
                            .as_ref()
                            .and_then(|c| c.first(doc))
                            .map_or(365.0, |d| {
                                (now - d.into_timestamp_secs()).max(0) as f32 / 86_400.0
                            });
                        score * (1.0 + 0.5_f32.powf(age_days / RECENCY_HALF_LIFE_DAYS))
                    }
                });
                searcher.search(query, &(boosted, also))?
            }
        })
    }

    /// Folds `top` (in rank order) into one group per story, in the rank of its best article;
    /// `story_ids` are the segments' story columns.
    fn group_by_story(top: Ranked, story_ids: &[Option<Column<i64>>]) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        let mut by_story: HashMap<i64, usize> = HashMap::new();
        for (score, address) in top {
            let story = story_ids
                .get(address.segment_ord as usize)
                .and_then(Option::as_ref)
                .and_then(|column| column.first(address.doc_id));
            match story.and_then(|s| by_story.get(&s)) {
                Some(&at) => groups[at].others.push(address),
                None => {
                    if let Some(story) = story {
                        by_story.insert(story, groups.len());
                    }
                    groups.push(Group::single(score, address));
                }
            }
        }
        groups
    }

    /// The hits of a page: stored fields, highlighted title and snippet, story companions.
    fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        highlighted: &[Term],
        page: Vec<Group>,
    ) -> Result<Vec<SearchHit>, IndexError> {
        let f = self.fields;
        let mut snippets = Snippets::new(searcher, query, highlighted, &self.fields);
        let mut hits = Vec::with_capacity(page.len());
        for group in page {
            let mut doc: StoredArticle = searcher.doc(group.address)?;
            let lang = doc.take_str(f.lang);
            let mut text = |field| doc.take_str(field).unwrap_or_default();
            let pair = f.pair_for(lang.as_deref());
            let (title, body) = (text(pair.title), text(pair.body));
            let (url, source) = (text(f.url), text(f.source));
            let title_snippet = snippets.snippet(pair.title, &title, 10_000)?;
            let body_snippet = snippets.snippet(pair.body, &body, SNIPPET_CHARS)?;
            let (snippet_text, snippet_html) = if body_snippet.fragment().trim().is_empty() {
                let lead = lead(&body);
                let html = escape_html(&lead);
                (lead, html)
            } else {
                (
                    body_snippet.fragment().trim().to_owned(),
                    body_snippet.to_html().trim().to_owned(),
                )
            };
            let title_html = if title_snippet.highlighted().is_empty() {
                escape_html(&title)
            } else {
                title_snippet.to_html()
            };
            let more_sources = outlets_of(searcher, &group.others)?;
            hits.push(SearchHit {
                id: doc.i64(f.id).unwrap_or_default(),
                title,
                title_html,
                url,
                source,
                published: doc
                    .date(f.published)
                    .and_then(|d| DateTime::<Utc>::from_timestamp(d.into_timestamp_secs(), 0)),
                lang,
                snippet: snippet_text,
                snippet_html,
                score: group.score,
                story_id: doc.i64(f.story_id),
                more_in_story: group.others.len(),
                more_sources,
                copies: Vec::new(),
                copied: doc.count(f.source) > 1,
            });
        }
        Ok(hits)
    }
}

/// What a searcher generation holds, as searches need it; it changes only with a commit.
pub(super) struct Generation {
    id: u64,
    /// The largest article id (0 when empty).
    newest: i64,
    /// The title/body pairs with documents.
    pairs: Vec<TextPair>,
    /// Each segment's story column, by segment ordinal.
    story_ids: Vec<Option<Column<i64>>>,
    facet_names: Arc<Names>,
}

impl Generation {
    fn facets(&self) -> FacetCollector {
        FacetCollector::new(self.facet_names.clone())
    }
}

/// The largest article id in the index (0 when empty), from the id column's statistics.
fn max_id(searcher: &Searcher) -> Result<i64, IndexError> {
    let mut max = 0;
    for segment in searcher.segment_readers() {
        if segment.num_docs() > 0 {
            max = max.max(segment.fast_fields().i64("id")?.max_value());
        }
    }
    Ok(max)
}

/// A hit and the other matching articles of its story.
struct Group {
    score: f32,
    address: DocAddress,
    others: Vec<DocAddress>,
}

impl Group {
    fn single(score: f32, address: DocAddress) -> Group {
        Group {
            score,
            address,
            others: Vec::new(),
        }
    }
}

/// The outlets of `docs` (their own and their copies'), sorted, from the fast field: no stored
/// document is read.
fn outlets_of(searcher: &Searcher, docs: &[DocAddress]) -> Result<Vec<String>, IndexError> {
    let mut outlets = Vec::new();
    for address in docs {
        let segment = searcher.segment_reader(address.segment_ord);
        let Some(column) = segment.fast_fields().str("source_exact")? else {
            continue;
        };
        for ord in column.term_ords(address.doc_id) {
            let mut name = String::new();
            if column
                .ord_to_str(ord, &mut name)
                .map_err(tantivy::TantivyError::from)?
            {
                outlets.push(name);
            }
        }
    }
    outlets.sort();
    outlets.dedup();
    Ok(outlets)
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
#[path = "search_tests.rs"]
mod tests;
