//! Analyzing text for snippets, remembering each word's token. Highlighting a page analyzes a few
//! thousand words of stored text per query, and analyzing them (lowercasing, Snowball stemming,
//! Turkish's above all, folding accents) was most of that; news text repeats its words, so each
//! thread keeps what each word became.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

/// Words remembered per field and thread; past it the thread's cache of that field starts
/// over. About 90 bytes a word: under a megabyte per field a thread highlights. Searches run
/// on the runtime's threads (and deep pages on the blocking pool's, whose idle threads exit,
/// freeing theirs, after ten seconds).
const WORDS_PER_FIELD: usize = 10_000;

thread_local! {
    /// Per field (by number): word → its token, lowercased; `None` when the analyzer drops it.
    /// Thread-local: a lock per word would cost more than most words.
    static WORDS: RefCell<Vec<HashMap<String, Option<String>, WordHashing>>> = RefCell::default();
}

/// Calls `each` with the byte range in `text` and the token of every word `analyzer` (the
/// analyzer of field number `slot`) keeps, in order, the token lowercased: what `analyzer`
/// yields, provided that it is [`tantivy::tokenizer::SimpleTokenizer`] followed by filters
/// that turn one word into at most one token (lowercasing, stemming, folding, dropping long
/// words), as every analyzer of the schema is. Words seen before on this thread are looked up,
/// not analyzed.
pub(super) fn for_each_token(
    slot: usize,
    analyzer: &mut TextAnalyzer,
    text: &str,
    mut each: impl FnMut(Range<usize>, &str),
) {
    WORDS.with_borrow_mut(|fields| {
        if fields.len() <= slot {
            fields.resize_with(slot + 1, HashMap::default);
        }
        let known = &mut fields[slot];
        for range in Words::new(text) {
            let word = &text[range.clone()];
            if let Some(token) = known.get(word) {
                if let Some(token) = token {
                    each(range, token);
                }
                continue;
            }
            let token = {
                let mut stream = analyzer.token_stream(word);
                stream.advance().then(|| stream.token().text.to_lowercase())
            };
            if let Some(token) = &token {
                each(range, token);
            }
            if known.len() >= WORDS_PER_FIELD {
                known.clear();
            }
            known.insert(word.to_owned(), token);
        }
    });
}

/// The words of a text as [`tantivy::tokenizer::SimpleTokenizer`] cuts them: runs of
/// alphanumeric characters, as byte ranges; ASCII is classified without decoding.
struct Words<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Words<'t> {
    fn new(text: &'t str) -> Words<'t> {
        Words { text, at: 0 }
    }

    /// Whether the character at byte `at` is alphanumeric, and its length.
    fn alphanumeric_at(&self, at: usize) -> (bool, usize) {
        let byte = self.text.as_bytes()[at];
        if byte.is_ascii() {
            return (byte.is_ascii_alphanumeric(), 1);
        }
        let c = self.text[at..]
            .chars()
            .next()
            .expect("a character starts here");
        (c.is_alphanumeric(), c.len_utf8())
    }
}

impl Iterator for Words<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let len = self.text.len();
        while self.at < len {
            let (word, width) = self.alphanumeric_at(self.at);
            if word {
                break;
            }
            self.at += width;
        }
        if self.at >= len {
            return None;
        }
        let start = self.at;
        while self.at < len {
            let (word, width) = self.alphanumeric_at(self.at);
            if !word {
                break;
            }
            self.at += width;
        }
        Some(start..self.at)
    }
}

/// FxHash-style, eight bytes at a time, from a per-thread random start: words are short, and
/// SipHash took longer than the lookup it served. The random start keeps article text from
/// choosing collisions at will.
#[derive(Clone)]
struct WordHashing(u64);

impl Default for WordHashing {
    fn default() -> WordHashing {
        WordHashing(RandomState::new().hash_one(0u8))
    }
}

impl BuildHasher for WordHashing {
    type Hasher = WordHasher;

    fn build_hasher(&self) -> WordHasher {
        WordHasher(self.0)
    }
}

struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(last));
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{SimpleTokenizer, Tokenizer};

    use super::*;

    #[test]
    fn words_are_cut_as_the_simple_tokenizer_cuts_them() {
        let text = "«Les élections» — l'Hôtel-de-Ville, 2025: çocukların 3½ Ⅻ x²; \
                    Выборы_прошли! 東京 a\u{301}b ﬁn  ";
        let mut expected = Vec::new();
        let mut tokenizer = SimpleTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        while let Some(token) = stream.next() {
            expected.push(token.offset_from..token.offset_to);
        }
        assert_eq!(Words::new(text).collect::<Vec<_>>(), expected);
        assert_eq!(Words::new("").count(), 0);
        assert_eq!(Words::new(" ,;").count(), 0);
    }
}
