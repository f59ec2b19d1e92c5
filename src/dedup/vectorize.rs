//! Article vectors for the story clusterer: TF-IDF over stemmed words, title and names weighted
//! up, sublinear term frequency, unit length. The clusterer and
//! `newsd inspect similarity` both go through [`Vectorizer`], so the score the command prints is
//! the score the clusterer decides with.
//!
//! Document frequencies count the articles the owner says are live ([`Vectorizer::count`] and
//! [`Vectorizer::uncount`]); a term no live article holds leaves the vocabulary and its id is
//! reused, so memory follows the window, not the history.
//!
//! The vocabulary keeps a 64-bit hash of each term, not its text: 16 bytes a term and no
//! allocation. Two terms of a window share a hash with odds of about n² / 2⁶⁵ (1 in 10¹² for a
//! million terms), and would then count as one word.

use std::collections::HashMap;
use std::hash::Hasher;

use super::cluster::{ClusterConfig, ClusterInput};
use super::slots::place;
use super::tokenize::Tokenizer;

/// See [`Vectorizer::weigh`].
const MIN_DOCS: f32 = 2.0;

/// An article's weighted term counts by term id, sorted by id: what is counted in the document
/// frequencies and, once weighed, what the clusterer compares.
pub(crate) type TermCounts = Vec<(u32, f32)>;

/// A term of the vocabulary.
struct Term {
    /// [`term_hash`] of its text: its key in the vocabulary.
    hash: u64,
    /// Live articles holding the term.
    df: u32,
}

/// Turns articles into unit TF-IDF vectors against the document frequencies of live articles.
pub(crate) struct Vectorizer {
    title_weight: f32,
    name_weight: f32,
    tokenizer: Tokenizer,
    /// Term hash → term id.
    vocabulary: IdMap<u64, u32>,
    /// By term id; a freed id has df 0, is no longer the vocabulary's id for its hash, and
    /// waits in `free`.
    terms: Vec<Term>,
    free: Vec<u32>,
    /// Live articles.
    docs: u32,
}

/// How [`Vectorizer::counts`] treats words the vocabulary does not hold.
pub(crate) enum NewTerms<'a> {
    /// Add them to the vocabulary (with df 0 until counted).
    Intern,
    /// Give them ids from this scratch map (by term hash), above every vocabulary id, and leave
    /// the vocabulary alone: they weigh as terms no live article holds.
    Scratch(&'a mut HashMap<u64, u32>),
}

impl Vectorizer {
    pub(crate) fn new(config: &ClusterConfig) -> Self {
        Vectorizer {
            title_weight: config.title_weight,
            name_weight: config.name_weight,
            tokenizer: Tokenizer::default(),
            vocabulary: IdMap::default(),
            terms: Vec::new(),
            free: Vec::new(),
            docs: 0,
        }
    }

    /// Terms in the vocabulary.
    pub(crate) fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }

    /// The article's weighted term counts: a title word counts `title_weight`, a name in the
    /// text (capitalized inside a sentence) `name_weight`, any other word 1.
    pub(crate) fn counts(&mut self, article: &ClusterInput<'_>, new: NewTerms<'_>) -> TermCounts {
        let fields = [(article.title, true), (article.text, false)];
        self.field_counts(&fields, article.lang, new)
    }

    /// The weighted counts of the title's words alone (what [`Vectorizer::counts`] gives them).
    pub(crate) fn title_counts(
        &mut self,
        article: &ClusterInput<'_>,
        new: NewTerms<'_>,
    ) -> TermCounts {
        self.field_counts(&[(article.title, true)], article.lang, new)
    }

    /// Weighted counts over `fields`, each a text and whether it is the title.
    fn field_counts(
        &mut self,
        fields: &[(Option<&str>, bool)],
        lang: Option<&str>,
        mut new: NewTerms<'_>,
    ) -> TermCounts {
        let mut tf: IdMap<u32, f32> = IdMap::default();
        // Headlines are often title-cased, so names are only told apart in the text.
        for &(field, is_title) in fields {
            let Some(field) = field else { continue };
            let (vocabulary, terms, free) = (&mut self.vocabulary, &mut self.terms, &mut self.free);
            let (title_weight, name_weight) = (self.title_weight, self.name_weight);
            self.tokenizer.for_each_term(field, lang, |term, name| {
                let weight = match (is_title, name) {
                    (true, _) => title_weight,
                    (false, true) => name_weight,
                    (false, false) => 1.0,
                };
                let hash = term_hash(&term);
                let id = match vocabulary.get(&hash) {
                    Some(&id) => id,
                    None => match &mut new {
                        NewTerms::Intern => intern(vocabulary, terms, free, hash),
                        NewTerms::Scratch(scratch) => {
                            let next = u32::MAX - u32::try_from(scratch.len()).unwrap_or(0);
                            *scratch.entry(hash).or_insert(next)
                        }
                    },
                };
                *tf.entry(id).or_default() += weight;
            });
        }
        let mut counts: TermCounts = tf.into_iter().collect();
        counts.sort_unstable_by_key(|&(id, _)| id);
        counts
    }

    /// Counts one live article holding these terms in the document frequencies.
    pub(crate) fn count(&mut self, counts: &TermCounts) {
        self.docs += 1;
        for &(id, _) in counts {
            if let Some(term) = self.terms.get_mut(id as usize) {
                term.df += 1;
            }
        }
    }

    /// Takes `docs` articles out of the document frequencies of `id` (the owner's record of
    /// how many live articles held it); the term leaves the vocabulary when none is left.
    pub(crate) fn uncount(&mut self, id: u32, docs: u32) {
        let Some(term) = self.terms.get_mut(id as usize) else {
            return;
        };
        term.df = term.df.saturating_sub(docs);
        if term.df == 0 && self.vocabulary.get(&term.hash) == Some(&id) {
            self.vocabulary.remove(&term.hash);
            self.free.push(id);
        }
    }

    /// Takes `docs` articles out of the count of live articles.
    pub(crate) fn forget_documents(&mut self, docs: u32) {
        self.docs = self.docs.saturating_sub(docs);
    }

    /// The unit TF-IDF vector of `counts`, sorted by term id.
    pub(crate) fn weigh(&self, counts: &TermCounts) -> Vec<(u32, f32)> {
        // Counted as at least two articles: otherwise the first article of a fresh install
        // weighs nothing at all (every word is in every article seen), and no later article
        // could ever join its story.
        let docs = (self.docs as f32).max(MIN_DOCS);
        let mut vector: Vec<(u32, f32)> = counts
            .iter()
            .map(|&(id, tf)| {
                let df = self.terms.get(id as usize).map_or(0, |t| t.df) as f32;
                // Smoothed idf without the usual `+ 1`: a word in nearly every article weighs
                // nearly nothing (with `+ 1`, clusters dev F1 drops from .934 to .90).
                let idf = ((1.0 + docs) / (1.0 + df)).ln().max(0.0);
                (id, (1.0 + tf.ln().max(0.0)) * idf)
            })
            .collect();
        let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        vector
    }
}

/// Adds the term of `hash` to the vocabulary, reusing a freed id when there is one.
fn intern(
    vocabulary: &mut IdMap<u64, u32>,
    terms: &mut Vec<Term>,
    free: &mut Vec<u32>,
    hash: u64,
) -> u32 {
    let id = place(terms, free, Term { hash, df: 0 });
    vocabulary.insert(hash, id);
    id
}

/// A term's key in the vocabulary: SipHash-1-3 with fixed keys (std's `DefaultHasher::new`), so
/// that the same term hashes alike in every run.
fn term_hash(term: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(term.as_bytes());
    hasher.finish()
}

/// A hasher for the clusterer's integer keys (term and story ids): one multiplication, as in
/// rustc's FxHash. The keys are ids the clusterer hands out, not attacker-chosen, so SipHash's
/// flooding protection buys nothing here, and hashing is most of a lookup in a centroid.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map keyed by ids, hashed with [`IdHasher`].
pub(crate) type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Cosine of two unit vectors sorted by term id.
pub(crate) fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    dot(a, b).clamp(0.0, 1.0)
}

/// Dot product of two vectors sorted by term id.
pub(crate) fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(vectorizer: &mut Vectorizer, title: &str) -> TermCounts {
        let article = ClusterInput {
            title: Some(title),
            ..ClusterInput::default()
        };
        vectorizer.counts(&article, NewTerms::Intern)
    }

    #[test]
    fn a_freed_id_serves_a_new_term_and_the_old_term_comes_back_new() {
        let mut vectorizer = Vectorizer::new(&ClusterConfig::default());
        let alpha = counts(&mut vectorizer, "alpha");
        vectorizer.count(&alpha);
        vectorizer.uncount(alpha[0].0, 1);
        assert_eq!(vectorizer.vocabulary_len(), 0);
        let beta = counts(&mut vectorizer, "beta");
        vectorizer.count(&beta);
        assert_eq!(beta[0].0, alpha[0].0, "the freed id is reused");
        // Taking the freed term out again must not take out the term now holding its id.
        vectorizer.uncount(alpha[0].0, 0);
        assert_eq!(counts(&mut vectorizer, "beta"), beta);
        assert_eq!(vectorizer.vocabulary_len(), 1);
        let again = counts(&mut vectorizer, "alpha");
        assert_ne!(again[0].0, beta[0].0);
        assert_eq!(vectorizer.vocabulary_len(), 2);
    }
}
