//! Near-duplicate copies: wire copy on many sites, a blog republishing an article, a
//! syndicated rewrite under a new headline. Sits before story clustering in the dedup stage: a
//! copy becomes another source of the article it copies instead of a new article.
//!
//! An article's text becomes a MinHash signature over its 5-word shingles (lower-cased words,
//! punctuation and markup spacing ignored): 128 minima, whose agreement between two signatures
//! estimates the Jaccard similarity of their shingle sets. Candidates come from LSH banding
//! (42 bands of 3 minima): two texts share a band with probability 1 − (1 − J³)⁴², 0.996 at
//! J = 0.5 and 0.04 at J = 0.1, so a lookup touches the few earlier texts that could be copies,
//! not the window. Entries older than the window behind the newest article leave the index.
//!
//! A band bucket keeps only its newest [`BUCKET_CAP`] entries, so a lookup compares at most
//! `BANDS * BUCKET_CAP` signatures however many texts share a band (boilerplate, a sentence
//! quoted by many outlets): a copy shares about J³ · 42 bands with its original (five at the
//! threshold), so an original pushed out of one crowded bucket is still found through the others.

use std::collections::{BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use unicode_normalization::char::is_combining_mark;

/// Minima in a signature.
const HASHES: usize = 128;
/// Minima per LSH band; `BANDS * ROWS` of the `HASHES` minima take part in banding.
const ROWS: usize = 3;
const BANDS: usize = HASHES / ROWS;
/// Words per shingle: long enough that two articles on one topic share few (their phrases
/// differ), short enough that one edited word costs only five shingles.
const SHINGLE_WORDS: usize = 5;
/// Texts with fewer words are not judged: a short teaser shares its few shingles by chance.
const MIN_WORDS: usize = 40;
/// Entries a band bucket keeps, the newest; an older one leaves the bucket (not the index).
/// 16: on the 1M-article benchmark stream, whose source sentences recur in ~60 stories, a
/// few buckets held thousands of entries, and `find` compared each of them in full.
const BUCKET_CAP: usize = 16;

/// How the detector decides.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyConfig {
    /// Lowest estimated Jaccard similarity of the 5-word shingle sets for a text to count as a
    /// copy of an earlier one. 0.5: on the SemEval pairs dev half, no pair of articles about
    /// different stories (Overall > 2.5) exceeds 0.20 exactly, while a republished copy with a
    /// header and a footer scores 0.8 and more, and a rewrite that changes a sentence in five
    /// keeps about 0.6. With 128 minima the estimate's standard deviation is at most 0.044, so
    /// the gap from 0.2 to 0.5 is more than six of them.
    pub threshold: f32,
    /// An entry leaves the index when it is this much older than the newest article seen.
    pub window: TimeDelta,
}

impl Default for CopyConfig {
    fn default() -> Self {
        CopyConfig {
            threshold: 0.5,
            window: TimeDelta::hours(72),
        }
    }
}

/// A text's MinHash signature: compare with [`CopyDetector::find`], keep with
/// [`CopyDetector::insert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    minima: Box<[u32; HASHES]>,
}

impl Signature {
    /// The share of minima two signatures agree on: an estimate of their Jaccard similarity.
    fn similarity(&self, other: &Signature) -> f32 {
        let same = self
            .minima
            .iter()
            .zip(other.minima.iter())
            .filter(|(a, b)| a == b)
            .count();
        same as f32 / HASHES as f32
    }

    /// The LSH band keys: one per band, the band's index mixed in so that bands never meet.
    fn bands(&self) -> impl Iterator<Item = u64> + '_ {
        self.minima
            .chunks_exact(ROWS)
            .take(BANDS)
            .enumerate()
            .map(|(band, rows)| {
                rows.iter()
                    .fold(mix(band as u64), |h, &m| mix(h ^ u64::from(m)))
            })
    }
}

struct Entry {
    signature: Signature,
    /// When it entered the window: its `published`, else the newest time seen at insertion.
    seen: Option<DateTime<Utc>>,
}

/// The index of recent texts' signatures. Single-threaded; the dedup stage owns it.
pub struct CopyDetector {
    config: CopyConfig,
    entries: HashMap<i64, Entry>,
    /// Band key → the newest entries with that band, at most [`BUCKET_CAP`].
    bands: HashMap<u64, Bucket>,
    /// Entries by the time they entered the window, oldest first, for expiry.
    by_age: BTreeSet<(DateTime<Utc>, i64)>,
    /// Newest `published` seen.
    clock: Option<DateTime<Utc>>,
}

impl CopyDetector {
    pub fn new(config: CopyConfig) -> Self {
        CopyDetector {
            config,
            entries: HashMap::new(),
            bands: HashMap::new(),
            by_age: BTreeSet::new(),
            clock: None,
        }
    }

    pub fn config(&self) -> &CopyConfig {
        &self.config
    }

    /// The signature of an article's text; `None` when it has fewer than 40 words.
    pub fn signature(text: &str) -> Option<Signature> {
        let words: Vec<u64> = words(text).collect();
        if words.len() < MIN_WORDS {
            return None;
        }
        let mut minima = Box::new([u32::MAX; HASHES]);
        for shingle in words.windows(SHINGLE_WORDS) {
            let h = shingle
                .iter()
                .fold(0u64, |h, &w| mix(h.rotate_left(17) ^ w));
            for (min, (a, b)) in minima.iter_mut().zip(COEFFICIENTS.iter()) {
                // Multiply-shift hashing: one of a 2-universal family per minimum.
                let value = (a.wrapping_mul(h).wrapping_add(*b) >> 32) as u32;
                *min = (*min).min(value);
            }
        }
        Some(Signature { minima })
    }

    /// The earlier article `sig` most likely copies, with the estimated Jaccard similarity,
    /// when that reaches the threshold (ties: the smaller key). Does not insert.
    pub fn find(&self, sig: &Signature) -> Option<(i64, f32)> {
        let mut candidates: Vec<i64> = sig
            .bands()
            .filter_map(|band| self.bands.get(&band))
            .flat_map(Bucket::keys)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(i64, f32)> = None;
        for key in candidates {
            let Some(entry) = self.entries.get(&key) else {
                continue;
            };
            let similarity = sig.similarity(&entry.signature);
            if similarity >= self.config.threshold && best.is_none_or(|(_, s)| similarity > s) {
                best = Some((key, similarity));
            }
        }
        best
    }

    /// Keeps `sig` under `key` (replacing what `key` held) and drops the entries the window
    /// has left behind.
    pub fn insert(&mut self, key: i64, sig: Signature, published: Option<DateTime<Utc>>) {
        if let Some(published) = published {
            self.clock = Some(self.clock.map_or(published, |c| c.max(published)));
        }
        self.remove(key);
        for band in sig.bands() {
            self.bands
                .entry(band)
                .and_modify(|bucket| bucket.push(key))
                .or_insert(Bucket::One(key));
        }
        let seen = published.or(self.clock);
        if let Some(seen) = seen {
            self.by_age.insert((seen, key));
        }
        self.entries.insert(
            key,
            Entry {
                signature: sig,
                seen,
            },
        );
        self.expire();
    }

    /// Entries in the index.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn expire(&mut self) {
        let Some(clock) = self.clock else { return };
        while let Some(&(seen, key)) = self.by_age.first() {
            if clock - seen <= self.config.window {
                break;
            }
            self.remove(key);
        }
    }

    fn remove(&mut self, key: i64) {
        let Some(entry) = self.entries.remove(&key) else {
            return;
        };
        if let Some(seen) = entry.seen {
            self.by_age.remove(&(seen, key));
        }
        for band in entry.signature.bands() {
            if self.bands.get_mut(&band).is_some_and(|b| b.remove(key)) {
                self.bands.remove(&band);
            }
        }
    }
}

/// The entries of one band key. Nearly every bucket holds one entry, so that case takes no
/// allocation of its own (42 buckets an entry).
enum Bucket {
    One(i64),
    /// Oldest first, at most [`BUCKET_CAP`].
    Many(VecDeque<i64>),
}

impl Bucket {
    fn keys(&self) -> impl Iterator<Item = i64> + '_ {
        let (one, many) = match self {
            Bucket::One(key) => (Some(*key), None),
            Bucket::Many(keys) => (None, Some(keys.iter().copied())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    /// Adds the newest entry, dropping the oldest when the bucket is full.
    fn push(&mut self, key: i64) {
        match self {
            Bucket::One(first) => *self = Bucket::Many(VecDeque::from([*first, key])),
            Bucket::Many(keys) => {
                if keys.len() == BUCKET_CAP {
                    keys.pop_front();
                }
                keys.push_back(key);
            }
        }
    }

    /// Removes `key` when the bucket holds it; true when the bucket is left empty.
    fn remove(&mut self, key: i64) -> bool {
        match self {
            Bucket::One(only) => *only == key,
            Bucket::Many(keys) => {
                keys.retain(|&k| k != key);
                keys.is_empty()
            }
        }
    }
}

/// The hashes of `text`'s words: runs of letters and digits, lower-cased, without combining
/// marks, so that case, punctuation, spacing and markup leftovers do not tell copies apart.
fn words(text: &str) -> impl Iterator<Item = u64> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
        .filter(|w| !w.is_empty())
        .map(|word| {
            // FNV-1a over the lower-cased letters.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in word.chars().flat_map(char::to_lowercase) {
                if is_combining_mark(c) {
                    continue;
                }
                h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
            }
            h
        })
        .filter(|&h| h != 0xcbf2_9ce4_8422_2325)
}

/// SplitMix64's finalizer: a cheap, well-mixing 64-bit permutation.
const fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The (odd multiplier, offset) of each minimum's hash function, fixed so that signatures
/// stay comparable across runs and versions.
const COEFFICIENTS: [(u64, u64); HASHES] = {
    let mut out = [(0u64, 0u64); HASHES];
    let mut i = 0;
    while i < HASHES {
        out[i] = (mix(2 * i as u64) | 1, mix(2 * i as u64 + 1));
        i += 1;
    }
    out
};

#[cfg(test)]
#[path = "copies_tests.rs"]
mod tests;
