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

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use unicode_normalization::char::is_combining_mark;

use super::slots::place;
use super::tokenize::is_word_char;
use super::vectorize::IdMap;

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
    minima: Box<[u16; HASHES]>,
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
    /// The index keeps their low 32 bits (see [`CopyDetector`]).
    fn bands(&self) -> impl Iterator<Item = u32> + '_ {
        self.minima
            .chunks_exact(ROWS)
            .take(BANDS)
            .enumerate()
            .map(|(band, rows)| {
                rows.iter()
                    .fold(mix(band as u64), |h, &m| mix(h ^ u64::from(m))) as u32
            })
    }
}

struct Entry {
    key: i64,
    signature: Signature,
    /// When it entered the window: its `published`, else the newest time seen at insertion.
    seen: Option<DateTime<Utc>>,
}

/// The index of recent texts' signatures. Single-threaded; the dedup stage owns it.
///
/// About 800 bytes an entry: the signature (256 bytes), and 42 band slots of 8 bytes in one
/// flat map. A band key is kept as its low 32 bits: two of the window's band keys share them with
/// odds of about one in a hundred at a million entries, which only adds an entry to the other's
/// candidates (compared in full, as any candidate) and to its bucket's cap.
pub struct CopyDetector {
    config: CopyConfig,
    /// Entries by slot (a slot is reused once its entry leaves).
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    /// Key → slot.
    slots: IdMap<i64, u32>,
    /// Band key → its bucket: the newest entries with that band, at most [`BUCKET_CAP`].
    bands: IdMap<u32, Bucket>,
    /// The buckets of more than one entry, by index (reused once empty), oldest entry first.
    crowded: Vec<Vec<u32>>,
    free_crowded: Vec<u32>,
    /// Entries by the time they entered the window, oldest first, for expiry.
    by_age: BTreeSet<(DateTime<Utc>, i64)>,
    /// Newest `published` seen.
    clock: Option<DateTime<Utc>>,
}

impl CopyDetector {
    pub fn new(config: CopyConfig) -> Self {
        CopyDetector {
            config,
            entries: Vec::new(),
            free: Vec::new(),
            slots: IdMap::default(),
            bands: IdMap::default(),
            crowded: Vec::new(),
            free_crowded: Vec::new(),
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
        let mut minima = [u32::MAX; HASHES];
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
        // The low 16 bits of each minimum: two different minima agree on them with odds of
        // 1 in 65,536, which moves an estimate by 1/128 about once in 500 comparisons, and it
        // halves what the index holds.
        Some(Signature {
            minima: Box::new(minima.map(|m| m as u16)),
        })
    }

    /// The earlier article `sig` most likely copies, with the estimated Jaccard similarity,
    /// when that reaches the threshold (ties: the smaller key). Does not insert.
    pub fn find(&self, sig: &Signature) -> Option<(i64, f32)> {
        let mut slots: Vec<u32> = Vec::new();
        for band in sig.bands() {
            if let Some(bucket) = self.bands.get(&band) {
                slots.extend(self.bucket(bucket));
            }
        }
        slots.sort_unstable();
        slots.dedup();
        let mut candidates: Vec<&Entry> = slots.iter().filter_map(|&s| self.entry(s)).collect();
        candidates.sort_unstable_by_key(|e| e.key);
        let mut best: Option<(i64, f32)> = None;
        for entry in candidates {
            let similarity = sig.similarity(&entry.signature);
            if similarity >= self.config.threshold && best.is_none_or(|(_, s)| similarity > s) {
                best = Some((entry.key, similarity));
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
        let seen = published.or(self.clock);
        let entry = Some(Entry {
            key,
            signature: sig,
            seen,
        });
        let slot = place(&mut self.entries, &mut self.free, entry);
        assert!(slot < Bucket::CROWDED, "fewer than 2^31 entries");
        self.slots.insert(key, slot);
        let bands: Vec<u32> = self.entries[slot as usize]
            .as_ref()
            .map(|e| e.signature.bands().collect())
            .unwrap_or_default();
        for band in bands {
            self.push(band, slot);
        }
        if let Some(seen) = seen {
            self.by_age.insert((seen, key));
        }
        self.expire();
    }

    /// Entries in the index.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn entry(&self, slot: u32) -> Option<&Entry> {
        self.entries.get(slot as usize)?.as_ref()
    }

    /// The slots a bucket holds, oldest first.
    fn bucket<'a>(&'a self, bucket: &'a Bucket) -> &'a [u32] {
        match bucket.crowded() {
            Some(i) => &self.crowded[i],
            None => std::slice::from_ref(&bucket.0),
        }
    }

    /// The keys of the entries in the bucket of `band`, oldest first.
    #[cfg(test)]
    fn bucket_keys(&self, band: u32) -> Vec<i64> {
        let slots = self.bands.get(&band).map_or(&[][..], |b| self.bucket(b));
        slots
            .iter()
            .filter_map(|&s| Some(self.entry(s)?.key))
            .collect()
    }

    /// Adds the entry at `slot` to the bucket of `band` as its newest, dropping the oldest when
    /// the bucket is full.
    fn push(&mut self, band: u32, slot: u32) {
        let Some(bucket) = self.bands.get_mut(&band) else {
            self.bands.insert(band, Bucket(slot));
            return;
        };
        match bucket.crowded() {
            Some(i) => {
                let slots = &mut self.crowded[i];
                if slots.len() == BUCKET_CAP {
                    slots.remove(0);
                }
                slots.push(slot);
            }
            None => {
                let pair = vec![bucket.0, slot];
                let i = place(&mut self.crowded, &mut self.free_crowded, pair);
                *bucket = Bucket(Bucket::CROWDED | i);
            }
        }
    }

    /// Takes the entry at `slot` out of the bucket of `band`, if it is there.
    fn pull(&mut self, band: u32, slot: u32) {
        let Some(bucket) = self.bands.get_mut(&band) else {
            return;
        };
        match bucket.crowded() {
            Some(i) => {
                let slots = &mut self.crowded[i];
                slots.retain(|&s| s != slot);
                if let [only] = slots[..] {
                    *bucket = Bucket(only);
                    self.crowded[i] = Vec::new();
                    self.free_crowded.push(i as u32);
                }
            }
            None if bucket.0 == slot => {
                self.bands.remove(&band);
            }
            None => {}
        }
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
        let Some(slot) = self.slots.remove(&key) else {
            return;
        };
        let Some(entry) = self.entries[slot as usize].take() else {
            return;
        };
        self.free.push(slot);
        if let Some(seen) = entry.seen {
            self.by_age.remove(&(seen, key));
        }
        for band in entry.signature.bands() {
            self.pull(band, slot);
        }
    }
}

/// The bucket of one band key, 4 bytes: the slot of its one entry (nearly every bucket holds
/// one), or, with the top bit set, the index of its entries in `CopyDetector::crowded`.
#[derive(Debug, Clone, Copy)]
struct Bucket(u32);

impl Bucket {
    const CROWDED: u32 = 1 << 31;

    fn crowded(&self) -> Option<usize> {
        (self.0 & Self::CROWDED != 0).then_some((self.0 & !Self::CROWDED) as usize)
    }
}

/// The hashes of `text`'s words: runs of letters and digits, lower-cased, without combining
/// marks, so that case, punctuation, spacing and markup leftovers do not tell copies apart.
fn words(text: &str) -> impl Iterator<Item = u64> + '_ {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(|word| {
            // FNV-1a over the lower-cased letters (an ASCII one skips the mark table).
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            let mut add = |c: char| h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
            for c in word.chars() {
                if c.is_ascii() {
                    add(c.to_ascii_lowercase());
                } else {
                    c.to_lowercase()
                        .filter(|&l| !is_combining_mark(l))
                        .for_each(&mut add);
                }
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
