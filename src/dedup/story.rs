//! A story as the clusterer keeps it: the sum of its articles' vectors (its centroid), the sum
//! of their title vectors, and the arithmetic on them: dot products with an article's vector
//! or another centroid, summed titles cut back to their heaviest terms, the newest article's
//! time kept in step with the stories by age.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::cluster::StoryId;
use super::postings::Postings;
use super::vectorize::IdMap;

/// Terms a centroid keeps when it is cut back, the heaviest; it is cut when it holds twice as
/// many. A story's light terms are those few of its articles hold, and weigh little in a
/// cosine with it. Stories of up to a few dozen articles (about 1,000 distinct terms) are
/// never cut.
pub(super) const CENTROID_TERMS: usize = 512;
/// Terms a story's summed titles keep when cut back, the heaviest; they are cut when they hold
/// twice as many. Headlines repeat the story's few key words.
const TITLE_TERMS: usize = 64;

/// A term of a story's centroid.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cell {
    pub(super) term: u32,
    /// Sum of the story's articles' weights for the term.
    pub(super) weight: f32,
    /// The story's articles holding the term: what leaves the document frequencies with it.
    pub(super) docs: u32,
    /// The story's position in the term's postings, for removal in constant time.
    pub(super) slot: u32,
}

/// A live story of the window.
pub(super) struct Story {
    pub(super) id: StoryId,
    /// Sum of its articles' unit vectors, sorted by term id: all of it, or its heaviest terms
    /// once cut back (see `CENTROID_TERMS`). A sorted slice, not a map: 16 bytes a term, and
    /// comparing an article with it is a merge of two sorted lists.
    pub(super) centroid: Box<[Cell]>,
    /// Squared norm of `centroid` as kept.
    pub(super) norm_sq: f32,
    pub(super) articles: u32,
    /// `published` of its newest article (or the clock when that had none).
    pub(super) last_seen: Option<DateTime<Utc>>,
    /// Terms cut from the centroid → the story's articles that held them: what still leaves
    /// the document frequencies when the story expires.
    pub(super) cut: IdMap<u32, u32>,
    /// Sum of its articles' unit title vectors, sorted by term id (at most `2 * TITLE_TERMS`
    /// terms, cut back like the centroid); the terms also count in `centroid`, so they need no
    /// postings or frequencies of their own.
    pub(super) titles: Box<[(u32, f32)]>,
    /// Squared norm of `titles` as kept.
    pub(super) titles_norm_sq: f32,
}

impl Story {
    pub(super) fn new(id: StoryId) -> Self {
        Story {
            id,
            centroid: Box::default(),
            norm_sq: 0.0,
            articles: 0,
            last_seen: None,
            cut: IdMap::default(),
            titles: Box::default(),
            titles_norm_sq: 0.0,
        }
    }
}

/// Moves a story's newest article to `now` when that is later (or the first known), keeping
/// the stories by age in step.
pub(super) fn seen_at(
    by_age: &mut BTreeSet<(DateTime<Utc>, StoryId)>,
    story: &mut Story,
    now: Option<DateTime<Utc>>,
) {
    let seen = match (story.last_seen, now) {
        (Some(seen), Some(now)) => Some(seen.max(now)),
        (seen, now) => seen.or(now),
    };
    if seen != story.last_seen {
        if let Some(old) = story.last_seen {
            by_age.remove(&(old, story.id));
        }
        if let Some(seen) = seen {
            by_age.insert((seen, story.id));
        }
        story.last_seen = seen;
    }
}

/// Adds a title vector (an article's, or another story's summed titles) to a story's summed
/// titles, cutting them back to their `TITLE_TERMS` heaviest terms (ties: the smaller term id)
/// when they hold twice as many.
pub(super) fn add_titles(story: &mut Story, title: &[(u32, f32)]) {
    if title.is_empty() {
        return;
    }
    let old = std::mem::take(&mut story.titles);
    let mut merged = Vec::with_capacity(old.len() + title.len());
    let mut old = old.iter().copied().peekable();
    for &(term, w) in title {
        while let Some(kept) = old.next_if(|&(t, _)| t < term) {
            merged.push(kept);
        }
        let sum = old.next_if(|&(t, _)| t == term).map_or(0.0, |(_, v)| v);
        merged.push((term, sum + w));
    }
    merged.extend(old);
    if merged.len() > 2 * TITLE_TERMS {
        merged.select_nth_unstable_by(TITLE_TERMS - 1, |a, b| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
        });
        merged.truncate(TITLE_TERMS);
        merged.sort_unstable_by_key(|&(t, _)| t);
    }
    story.titles_norm_sq = merged.iter().map(|(_, w)| w * w).sum();
    story.titles = merged.into_boxed_slice();
}

/// `centroid` with `terms` (term, weight, articles holding it; sorted by term) added: their
/// weights and article counts are summed into the cells, and a term new to the centroid gets a
/// cell posted for the story at `slot`. `added` sees each term's weight before and the weight
/// added, in term order. `capacity` is the length the result will have.
pub(super) fn add_cells(
    centroid: &[Cell],
    terms: impl IntoIterator<Item = (u32, f32, u32)>,
    capacity: usize,
    postings: &mut Postings,
    slot: u32,
    mut added: impl FnMut(f32, f32),
) -> Box<[Cell]> {
    let mut merged = Vec::with_capacity(capacity);
    let mut old = centroid.iter().copied().peekable();
    for (term, weight, docs) in terms {
        while let Some(cell) = old.next_if(|c| c.term < term) {
            merged.push(cell);
        }
        let mut cell = old.next_if(|c| c.term == term).unwrap_or_else(|| Cell {
            term,
            weight: 0.0,
            docs: 0,
            slot: postings.push(term, slot),
        });
        added(cell.weight, weight);
        cell.weight += weight;
        cell.docs += docs;
        merged.push(cell);
    }
    merged.extend(old);
    merged.into_boxed_slice()
}

/// Dot product of two centroids, both sorted by term.
pub(super) fn dot_cells(a: &[Cell], b: &[Cell]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].term.cmp(&b[j].term) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].weight * b[j].weight;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// How many of `vector`'s terms `centroid` lacks (both sorted by term).
pub(super) fn new_terms(centroid: &[Cell], vector: &[(u32, f32)]) -> usize {
    let mut cells = centroid.iter().peekable();
    vector
        .iter()
        .filter(|&&(term, _)| {
            while cells.next_if(|c| c.term < term).is_some() {}
            cells.next_if(|c| c.term == term).is_none()
        })
        .count()
}

/// The dot product of an article's vector with a centroid, both sorted by term, summed in term
/// order. A centroid much longer than the vector is searched, not walked.
pub(super) fn dot(vector: &[(u32, f32)], centroid: &[Cell]) -> f32 {
    let mut dot = 0.0f32;
    let mut rest = centroid;
    let search = centroid.len() > 8 * vector.len();
    for &(term, w) in vector {
        let at = if search {
            rest.partition_point(|c| c.term < term)
        } else {
            rest.iter()
                .position(|c| c.term >= term)
                .unwrap_or(rest.len())
        };
        rest = &rest[at..];
        match rest.first() {
            Some(cell) if cell.term == term => dot += w * cell.weight,
            Some(_) => {}
            None => break,
        }
    }
    dot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_is_the_same_walked_or_searched() {
        let centroid: Vec<Cell> = (0..1_000)
            .map(|t| Cell {
                term: 3 * t,
                weight: t as f32 / 7.0,
                docs: 1,
                slot: 0,
            })
            .collect();
        let naive = |vector: &[(u32, f32)], centroid: &[Cell]| -> f32 {
            vector
                .iter()
                .filter_map(|&(t, w)| centroid.iter().find(|c| c.term == t).map(|c| w * c.weight))
                .sum()
        };
        let vector = [
            (0, 0.5),
            (3, 0.1),
            (300, 0.25),
            (301, 0.3),
            (2_997, 0.125),
            (5_000, 1.0),
        ];
        // Against 1,000 terms: searched; against 40: walked.
        for centroid in [&centroid[..], &centroid[..40]] {
            let expected = naive(&vector, centroid);
            assert!(expected > 0.0);
            assert_eq!(dot(&vector, centroid), expected);
        }
        assert_eq!(dot(&vector, &[]), 0.0);
    }
}
