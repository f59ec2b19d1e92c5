//! Facets: how many matching articles per source, language and day, counted in one pass over
//! the matches without scoring them, from the fast-field columns (term ordinals and dates
//! counted into arrays; names looked up only for the ordinals seen).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::DateTime;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// Facet values returned per facet (days: all of them).
const FACET_SIZE: usize = 20;
/// Days counted in an array, back from a segment's newest; older dates (rare) go to a map.
const DAYS_IN_ARRAY: i64 = 20_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// Matches counted together: a column reads the values of a block of documents in one call,
/// where reading them one by one cost a third of counting.
const BLOCK: usize = 64;

/// One facet value and how many matching articles have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts of matching articles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Most frequent first.
    pub source: Vec<FacetCount>,
    /// `YYYY-MM-DD`, newest first.
    pub day: Vec<FacetCount>,
    /// Most frequent first.
    pub lang: Vec<FacetCount>,
}

/// Counts the matches, and the facets of them.
pub(super) struct FacetCollector {
    names: Arc<Names>,
}

impl FacetCollector {
    /// A collector for searches of the searcher `names` were read of.
    pub fn new(names: Arc<Names>) -> FacetCollector {
        FacetCollector { names }
    }
}

/// The outlets and languages of a searcher's segments, by term ordinal: what the ordinals a
/// search counted are named. Read once per searcher generation: decoding a dictionary up to the
/// ordinals counted cost a facet search 200,000 instructions a column.
#[derive(Debug, Default)]
pub(super) struct Names {
    /// By segment ordinal: (outlets, languages).
    segments: Vec<(Vec<String>, Vec<String>)>,
}

impl Names {
    pub fn read(searcher: &Searcher) -> tantivy::Result<Names> {
        let mut segments = Vec::new();
        for segment in searcher.segment_readers() {
            let columns = segment.fast_fields();
            segments.push((
                names_of(columns.str("source_exact")?)?,
                names_of(columns.str("lang")?)?,
            ));
        }
        Ok(Names { segments })
    }
}

/// Every term of `column`, in ordinal order.
fn names_of(column: Option<StrColumn>) -> std::io::Result<Vec<String>> {
    let Some(column) = column else {
        return Ok(Vec::new());
    };
    let ords: Vec<u64> = (0..column.num_terms() as u64).collect();
    let mut names = Vec::with_capacity(ords.len());
    column.dictionary().sorted_ords_to_term_cb(&ords, |name| {
        names.push(String::from_utf8_lossy(name).into_owned());
    })?;
    Ok(names)
}

/// Per segment: counts by term ordinal and by day.
pub(super) struct SegmentFacets {
    names: Arc<Names>,
    segment: usize,
    matches: usize,
    source: Option<StrColumn>,
    source_counts: Vec<u64>,
    lang: Option<StrColumn>,
    lang_counts: Vec<u64>,
    date: Option<Column<tantivy::DateTime>>,
    /// Day number (days since 1970) of `day_counts[0]`.
    first_day: i64,
    day_counts: Vec<u64>,
    older_days: HashMap<i64, u64>,
    /// A document's ordinals, deduplicated (an outlet may be listed twice for one article).
    ords: Vec<u64>,
    /// Matches not counted yet (fewer than [`BLOCK`]).
    pending: Vec<DocId>,
    /// The ordinals, or the dates, of a block's documents.
    firsts: Vec<Option<u64>>,
    dates: Vec<Option<tantivy::DateTime>>,
}

/// What a segment counted, by value.
#[derive(Default)]
pub(super) struct PartialFacets {
    matches: usize,
    source: HashMap<String, u64>,
    lang: HashMap<String, u64>,
    day: HashMap<i64, u64>,
}

impl Collector for FacetCollector {
    type Fruit = (usize, Facets);
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let columns = reader.fast_fields();
        let source = columns.str("source_exact")?;
        let lang = columns.str("lang")?;
        let date = columns.date("date").ok();
        let terms = |column: &Option<StrColumn>| column.as_ref().map_or(0, |c| c.num_terms());
        let last_day = date
            .as_ref()
            .map_or(0, |c| day_of(c.max_value().into_timestamp_secs()));
        let first_day = date.as_ref().map_or(0, |c| {
            day_of(c.min_value().into_timestamp_secs()).max(last_day - DAYS_IN_ARRAY + 1)
        });
        Ok(SegmentFacets {
            names: self.names.clone(),
            segment: segment as usize,
            matches: 0,
            source_counts: vec![0; terms(&source)],
            lang_counts: vec![0; terms(&lang)],
            source,
            lang,
            date,
            first_day,
            day_counts: vec![0; (last_day - first_day + 1).max(0) as usize],
            older_days: HashMap::new(),
            ords: Vec::new(),
            pending: Vec::with_capacity(BLOCK),
            firsts: Vec::with_capacity(BLOCK),
            dates: Vec::with_capacity(BLOCK),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<PartialFacets>) -> tantivy::Result<(usize, Facets)> {
        let mut all = PartialFacets::default();
        for segment in segments {
            all.matches += segment.matches;
            for (into, from) in [
                (&mut all.source, segment.source),
                (&mut all.lang, segment.lang),
            ] {
                for (value, count) in from {
                    *into.entry(value).or_default() += count;
                }
            }
            for (day, count) in segment.day {
                *all.day.entry(day).or_default() += count;
            }
        }
        let mut day: Vec<(i64, u64)> = all.day.into_iter().collect();
        day.sort_unstable_by_key(|&(day, _)| std::cmp::Reverse(day));
        let day = day
            .into_iter()
            .map(|(day, count)| FacetCount {
                value: DateTime::from_timestamp(day * SECONDS_PER_DAY, 0)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                count,
            })
            .collect();
        Ok((
            all.matches,
            Facets {
                source: most_frequent(all.source),
                day,
                lang: most_frequent(all.lang),
            },
        ))
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = PartialFacets;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == BLOCK {
            self.count_pending();
        }
    }

    fn harvest(mut self) -> PartialFacets {
        self.count_pending();
        let named = |names: &[String], counts: Vec<u64>| -> HashMap<String, u64> {
            counts
                .into_iter()
                .zip(names)
                .filter(|&(count, _)| count > 0)
                .map(|(count, name)| (name.clone(), count))
                .collect()
        };
        let (sources, langs) = self
            .names
            .segments
            .get(self.segment)
            .map_or((&[][..], &[][..]), |(s, l)| (&s[..], &l[..]));
        let mut day = self.older_days;
        for (at, count) in self.day_counts.into_iter().enumerate() {
            if count > 0 {
                day.insert(self.first_day + at as i64, count);
            }
        }
        PartialFacets {
            matches: self.matches,
            source: named(sources, self.source_counts),
            lang: named(langs, self.lang_counts),
            day,
        }
    }
}

impl SegmentFacets {
    /// Counts the pending matches.
    fn count_pending(&mut self) {
        let docs = &self.pending;
        self.matches += docs.len();
        for (column, counts) in [
            (&self.source, &mut self.source_counts),
            (&self.lang, &mut self.lang_counts),
        ] {
            if let Some(column) = column {
                count_ords(column, docs, counts, &mut self.ords, &mut self.firsts);
            }
        }
        if let Some(date) = &self.date {
            self.dates.clear();
            self.dates.resize(docs.len(), None);
            date.first_vals(docs, &mut self.dates);
            for date in self.dates.iter().flatten() {
                let day = day_of(date.into_timestamp_secs());
                match usize::try_from(day - self.first_day) {
                    Ok(at) if at < self.day_counts.len() => self.day_counts[at] += 1,
                    _ => *self.older_days.entry(day).or_default() += 1,
                }
            }
        }
        self.pending.clear();
    }
}

/// Adds the ordinals `column` holds for `docs` to `counts`, each once per document; `ords`
/// and `firsts` are room to read them into.
fn count_ords(
    column: &StrColumn,
    docs: &[DocId],
    counts: &mut [u64],
    ords: &mut Vec<u64>,
    firsts: &mut Vec<Option<u64>>,
) {
    if column.ords().get_cardinality() != Cardinality::Multivalued {
        firsts.clear();
        firsts.resize(docs.len(), None);
        column.ords().first_vals(docs, firsts);
        for &ord in firsts.iter().flatten() {
            counts[ord as usize] += 1;
        }
        return;
    }
    for &doc in docs {
        ords.clear();
        ords.extend(column.term_ords(doc));
        if ords.len() > 1 {
            ords.sort_unstable();
            ords.dedup();
        }
        for &ord in ords.iter() {
            counts[ord as usize] += 1;
        }
    }
}

fn day_of(timestamp: i64) -> i64 {
    timestamp.div_euclid(SECONDS_PER_DAY)
}

/// The `FACET_SIZE` most frequent values, ties in name order.
fn most_frequent(counts: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut counts: Vec<FacetCount> = counts
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    counts.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    counts.truncate(FACET_SIZE);
    counts
}
