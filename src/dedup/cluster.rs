//! Online story clustering: articles arrive one at a time and either join the most similar
//! recent story or start a new one. Sits after near-duplicate detection in the dedup stage.
//!
//! Each article becomes a TF-IDF vector ([`super::vectorize`]: document frequencies over the
//! articles of live stories, title and names weighted up, sublinear term frequency, unit
//! length). A story keeps the sum of its articles' vectors as a centroid. Candidates come from
//! an inverted index from terms to stories, probed with the article's highest-weighted terms
//! only; a probe term held by very many stories is skipped, and only the candidates sharing
//! the most probe weight are compared in full, so the cost of one article stays flat as the
//! window grows. The article joins the candidate with the highest score, the cosine faded by
//! the time since the story's newest article, when it reaches the threshold. Stories whose
//! newest article is older than the window leave the index, and their articles leave the
//! document frequencies.
//!
//! A centroid keeps at most `2 * CENTROID_TERMS` terms: past that it is cut back to its
//! `CENTROID_TERMS` heaviest (its norm recomputed over what is kept), so that comparing an
//! article with a story that has absorbed thousands of articles costs lookups in a small table,
//! not cache misses all over a huge one.
//!
//! Pure and deterministic: the same stream gives the same stories.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};

use super::vectorize::{IdMap, NewTerms, Vectorizer, cosine};

/// A probe term held by more live stories than this names no story (think "government" in a
/// window of a million articles): it still counts in the cosine, but finds no candidates.
const MAX_PROBE_POSTINGS: usize = 256;
/// Candidates compared in full with the article, the ones sharing the most probe weight.
const MAX_CANDIDATES: usize = 32;
/// Terms a centroid keeps when it is cut back, the heaviest; it is cut when it holds twice as
/// many. A story's light terms are those few of its articles hold, and weigh little in a
/// cosine with it. Stories of up to a few dozen articles (about 1,000 distinct terms) are
/// never cut.
const CENTROID_TERMS: usize = 512;

/// Texts up to this many words are judged with [`ClusterConfig::threshold`]...
const SHORT_WORDS: f32 = 60.0;
/// ...and from this many with [`ClusterConfig::long_threshold`].
const LONG_WORDS: f32 = 400.0;

/// A story's id: assigned in arrival order, starting at 1, never reused.
pub type StoryId = u64;

/// How the clusterer decides.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterConfig {
    /// Lowest score (faded cosine similarity) between a short article (a headline and a
    /// teaser, up to `SHORT_WORDS` words of text) and a story's centroid to join it.
    pub threshold: f32,
    /// The same for a full article (`LONG_WORDS` words or more); in between, in proportion.
    /// Long texts share more incidental words, so their cosines run higher at every level of
    /// relatedness.
    pub long_threshold: f32,
    /// A story leaves the index when its newest article is this much older than the newest
    /// article seen.
    pub window: TimeDelta,
    /// How fast a story's pull fades with time: the score of an article against a story is the
    /// cosine times `exp(-gap / fade)`, the gap being the time between the article and the
    /// story's newest article. Inside the default window it costs at most 5% of the score; with
    /// a window of weeks, an old story needs more shared words to take a new article.
    pub fade: TimeDelta,
    /// Weight of a title occurrence relative to one in the text.
    pub title_weight: f32,
    /// Weight of a name (a capitalized word inside a sentence of the text) relative to another
    /// word. The clusters dev corpus is lower-cased, so this only shows on real text: on the
    /// pairs dev half, best-F1 is .812 at 1.0, .811 at 1.5, .804 at 2.0 (within noise; German
    /// capitalizes every noun).
    pub name_weight: f32,
    /// How many of an article's highest-weighted terms probe the inverted index.
    pub probe_terms: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            // Chosen on the GoogleNews-TS dev half: the middle of the range where pairwise F1
            // stays within .02 of its best (0.10–0.12; F1 .934 at 0.11).
            threshold: 0.11,
            // Chosen on the SemEval-2022 pairs dev half (full texts, ~330 words on average):
            // the best-F1 threshold of the same-story score (F1 .81 at 0.27, within .015 of it
            // from 0.25 to 0.30).
            long_threshold: 0.27,
            window: TimeDelta::hours(72),
            // Chosen on the SemEval-2022 pairs dev half, whose articles span six months:
            // best-F1 .811 without a fade, .820 at 30 days, .833-.837 from 45 to 120 days.
            fade: TimeDelta::days(60),
            title_weight: 2.0,
            name_weight: 1.5,
            probe_terms: 16,
        }
    }
}

/// The parts of an article the clusterer reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterInput<'a> {
    pub title: Option<&'a str>,
    pub text: Option<&'a str>,
    /// ISO 639-1 code; picks the stemmer (English when absent).
    pub lang: Option<&'a str>,
    pub published: Option<DateTime<Utc>>,
}

/// Where an article went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    pub story: StoryId,
    /// Score (faded cosine similarity) against the story it joined; the best candidate's score
    /// (or 0) when it started a new story.
    pub score: f32,
    /// True when it joined an existing story.
    pub joined: bool,
}

/// A term of a story's centroid.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Sum of the story's articles' weights for the term.
    weight: f32,
    /// The story's articles holding the term: what leaves the document frequencies with it.
    docs: u32,
    /// The story's position in the term's postings list, for removal in constant time.
    slot: u32,
}

#[derive(Default)]
struct Story {
    /// Sum of its articles' unit vectors, by term id: all of it, or its heaviest terms once
    /// cut back (see `CENTROID_TERMS`).
    centroid: IdMap<u32, Cell>,
    /// Squared norm of `centroid` as kept.
    norm_sq: f32,
    /// Terms cut from the centroid → the story's articles that held them: what still leaves
    /// the document frequencies when the story expires.
    cut: IdMap<u32, u32>,
    articles: u32,
    /// `published` of its newest article (or the clock when that had none).
    last_seen: Option<DateTime<Utc>>,
}

/// The online clusterer. Feed it articles in stream order with [`StoryClusterer::add`].
///
/// Memory follows the window: a story leaves when its newest article is older than the window,
/// its articles leave the document frequencies with it, and a term no live story holds leaves
/// the vocabulary.
pub struct StoryClusterer {
    config: ClusterConfig,
    vectorizer: Vectorizer,
    stories: IdMap<StoryId, Story>,
    /// Term id → stories whose centroid holds the term (unordered).
    postings: IdMap<u32, Vec<StoryId>>,
    /// Stories in the index by newest article, oldest first, for expiry.
    by_age: BTreeSet<(DateTime<Utc>, StoryId)>,
    /// Newest `published` seen.
    clock: Option<DateTime<Utc>>,
    next_id: StoryId,
}

impl StoryClusterer {
    pub fn new(config: ClusterConfig) -> Self {
        StoryClusterer {
            vectorizer: Vectorizer::new(&config),
            config,
            stories: IdMap::default(),
            postings: IdMap::default(),
            by_age: BTreeSet::new(),
            clock: None,
            next_id: 1,
        }
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Stories still in the window.
    pub fn live_stories(&self) -> usize {
        self.stories.len()
    }

    /// Distinct terms the live stories hold (the vocabulary).
    pub fn vocabulary_len(&self) -> usize {
        self.vectorizer.vocabulary_len()
    }

    /// Clusters one article: it joins the best story at or above the threshold, else starts one.
    pub fn add(&mut self, article: ClusterInput<'_>) -> Assignment {
        self.tick(article.published);
        let now = article.published.or(self.clock);
        self.expire();
        let vector = self.vectorize(&article);
        let (best, score) = self.best_story(&vector, now);
        match best {
            Some(story) if score >= self.threshold_for(&article) => {
                self.join(story, &vector, now);
                Assignment {
                    story,
                    score,
                    joined: true,
                }
            }
            _ => {
                let story = self.next_id;
                self.next_id += 1;
                self.stories.insert(story, Story::default());
                self.join(story, &vector, now);
                Assignment {
                    story,
                    score,
                    joined: false,
                }
            }
        }
    }

    /// Replays a stored article into `story` (created when absent), as at start-up when the
    /// window's articles come back from the database: the article counts in the document
    /// frequencies and the story's centroid, and later new stories get larger ids. Feed the
    /// stored articles oldest first; nothing expires until the next [`StoryClusterer::add`].
    pub fn restore(&mut self, story: StoryId, article: ClusterInput<'_>) {
        self.tick(article.published);
        let now = article.published.or(self.clock);
        let vector = self.vectorize(&article);
        self.stories.entry(story).or_default();
        self.join(story, &vector, now);
        self.next_id = self.next_id.max(story.saturating_add(1));
    }

    /// The lowest score for `article` to join a story: by the length of its text.
    pub fn threshold_for(&self, article: &ClusterInput<'_>) -> f32 {
        let words = article.text.map_or(0, |t| t.split_whitespace().count()) as f32;
        let long = ((words - SHORT_WORDS) / (LONG_WORDS - SHORT_WORDS)).clamp(0.0, 1.0);
        self.config.threshold + (self.config.long_threshold - self.config.threshold) * long
    }

    /// Makes every new story's id larger than `id` (ids of stories stored before, outside the
    /// window, are never reused).
    pub fn reserve_ids_through(&mut self, id: StoryId) {
        self.next_id = self.next_id.max(id.saturating_add(1));
    }

    /// The same-story score of two articles, in [0, 1]: the cosine of their vectors, weighed
    /// with the document frequencies of the live articles, faded by the time between them, as
    /// the clusterer compares an article with a one-article story. Neither article is counted
    /// or clustered; for the score the clusterer would see, [`StoryClusterer::add`] (or
    /// restore) them first.
    pub fn similarity(&mut self, a: ClusterInput<'_>, b: ClusterInput<'_>) -> f32 {
        let mut scratch = HashMap::new();
        let fade = self.fade(a.published, b.published);
        let a = self.vectorizer.counts(&a, NewTerms::Scratch(&mut scratch));
        let b = self.vectorizer.counts(&b, NewTerms::Scratch(&mut scratch));
        cosine(&self.vectorizer.weigh(&a), &self.vectorizer.weigh(&b)) * fade
    }

    /// What is left of a story's pull after the time between `then` and `now`: 1 when either
    /// is unknown.
    fn fade(&self, then: Option<DateTime<Utc>>, now: Option<DateTime<Utc>>) -> f32 {
        let (Some(then), Some(now)) = (then, now) else {
            return 1.0;
        };
        let fade = self.config.fade.as_seconds_f64();
        if fade <= 0.0 {
            return 1.0;
        }
        (-(now - then).abs().as_seconds_f64() / fade).exp() as f32
    }

    fn tick(&mut self, published: Option<DateTime<Utc>>) {
        if let Some(published) = published {
            self.clock = Some(self.clock.map_or(published, |c| c.max(published)));
        }
    }

    /// The article as a unit TF-IDF vector, sorted by term id; counts it in the frequencies.
    fn vectorize(&mut self, article: &ClusterInput<'_>) -> Vec<(u32, f32)> {
        let counts = self.vectorizer.counts(article, NewTerms::Intern);
        self.vectorizer.count(&counts);
        self.vectorizer.weigh(&counts)
    }

    /// The candidate story most similar to `vector`, with its score (ties: the older story).
    fn best_story(
        &self,
        vector: &[(u32, f32)],
        now: Option<DateTime<Utc>>,
    ) -> (Option<StoryId>, f32) {
        let mut probes: Vec<&(u32, f32)> = vector.iter().collect();
        probes.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        probes.truncate(self.config.probe_terms);
        // Stories ranked by the weight of the probe terms they share with the article; only
        // the best few are compared in full, so the cost stays flat as the window grows.
        let mut shared: IdMap<StoryId, f32> = IdMap::default();
        for &&(term, weight) in &probes {
            let Some(list) = self.postings.get(&term) else {
                continue;
            };
            if list.len() > MAX_PROBE_POSTINGS {
                continue;
            }
            for &story in list {
                *shared.entry(story).or_default() += weight;
            }
        }
        let mut candidates: Vec<(StoryId, f32)> = shared.into_iter().collect();
        if candidates.len() > MAX_CANDIDATES {
            candidates.select_nth_unstable_by(MAX_CANDIDATES - 1, |a, b| {
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            });
            candidates.truncate(MAX_CANDIDATES);
        }
        candidates.sort_unstable_by_key(|&(id, _)| id);
        let mut best = (None, 0.0f32);
        for (id, _) in candidates {
            let story = &self.stories[&id];
            if !self.within_window(story.last_seen, now) || story.norm_sq <= 0.0 {
                continue;
            }
            let dot: f32 = vector
                .iter()
                .filter_map(|(term, w)| story.centroid.get(term).map(|c| w * c.weight))
                .sum();
            let score = dot / story.norm_sq.sqrt() * self.fade(story.last_seen, now);
            if best.0.is_none() || score > best.1 {
                best = (Some(id), score);
            }
        }
        best
    }

    fn within_window(&self, last_seen: Option<DateTime<Utc>>, now: Option<DateTime<Utc>>) -> bool {
        match (last_seen, now) {
            (Some(seen), Some(now)) => (now - seen).abs() <= self.config.window,
            _ => true,
        }
    }

    fn join(&mut self, id: StoryId, vector: &[(u32, f32)], now: Option<DateTime<Utc>>) {
        let Some(story) = self.stories.get_mut(&id) else {
            return;
        };
        for &(term, w) in vector {
            let cell = story.centroid.entry(term).or_insert_with(|| {
                let list = self.postings.entry(term).or_default();
                list.push(id);
                Cell {
                    weight: 0.0,
                    docs: 0,
                    slot: u32::try_from(list.len() - 1).unwrap_or(u32::MAX),
                }
            });
            story.norm_sq += 2.0 * cell.weight * w + w * w;
            cell.weight += w;
            cell.docs += 1;
        }
        story.articles += 1;
        let overgrown = story.centroid.len() > 2 * CENTROID_TERMS;
        let seen = match (story.last_seen, now) {
            (Some(seen), Some(now)) => Some(seen.max(now)),
            (seen, now) => seen.or(now),
        };
        if seen != story.last_seen {
            if let Some(old) = story.last_seen {
                self.by_age.remove(&(old, id));
            }
            if let Some(seen) = seen {
                self.by_age.insert((seen, id));
            }
            story.last_seen = seen;
        }
        if overgrown {
            self.cut_back(id);
        }
    }

    /// Cuts the centroid of `id` back to its `CENTROID_TERMS` heaviest terms (ties: the smaller
    /// term id), recomputing its norm; the cut terms leave the postings.
    fn cut_back(&mut self, id: StoryId) {
        let Some(story) = self.stories.get_mut(&id) else {
            return;
        };
        let mut cells: Vec<(u32, Cell)> = story.centroid.iter().map(|(&t, &c)| (t, c)).collect();
        if cells.len() <= CENTROID_TERMS {
            return;
        }
        cells.select_nth_unstable_by(CENTROID_TERMS - 1, |a, b| {
            b.1.weight.total_cmp(&a.1.weight).then(a.0.cmp(&b.0))
        });
        let cut = cells.split_off(CENTROID_TERMS);
        for (term, cell) in &cut {
            story.centroid.remove(term);
            *story.cut.entry(*term).or_default() += cell.docs;
        }
        story.centroid.shrink_to_fit();
        story.norm_sq = story.centroid.values().map(|c| c.weight * c.weight).sum();
        for (term, cell) in cut {
            self.unpost(term, cell.slot);
        }
    }

    /// Drops the stories whose newest article is older than the window behind the clock, with
    /// their articles' share of the document frequencies.
    fn expire(&mut self) {
        let Some(clock) = self.clock else { return };
        while let Some(&(seen, id)) = self.by_age.first() {
            if clock - seen <= self.config.window {
                break;
            }
            self.by_age.pop_first();
            let Some(story) = self.stories.remove(&id) else {
                continue;
            };
            for (&term, cell) in &story.centroid {
                self.unpost(term, cell.slot);
                self.vectorizer.uncount(term, cell.docs);
            }
            for (&term, &docs) in &story.cut {
                self.vectorizer.uncount(term, docs);
            }
            self.vectorizer.forget_documents(story.articles);
        }
    }

    /// Removes the story at `slot` of `term`'s postings, moving the last one into its place.
    fn unpost(&mut self, term: u32, slot: u32) {
        let Some(list) = self.postings.get_mut(&term) else {
            return;
        };
        let slot = slot as usize;
        if slot >= list.len() {
            return;
        }
        list.swap_remove(slot);
        if let Some(&moved) = list.get(slot) {
            if let Some(cell) = self
                .stories
                .get_mut(&moved)
                .and_then(|s| s.centroid.get_mut(&term))
            {
                cell.slot = slot as u32;
            }
        } else if list.is_empty() {
            self.postings.remove(&term);
        }
    }
}

#[cfg(test)]
#[path = "cluster_tests.rs"]
mod tests;
