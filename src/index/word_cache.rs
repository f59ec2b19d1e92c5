//! Analyzing text for snippets, remembering each word's token. Highlighting a page analyzes a few
//! thousand words of stored text per query, and analyzing them (lowercasing, Snowball stemming,
//! Turkish's above all, folding accents) was most of that; news text repeats its words, so each
//! thread keeps what each word became.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::ops::Range;
use std::sync::OnceLock;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::schema::LONG_WORD;

/// Words remembered per analyzer and thread; past it the thread's cache of that analyzer starts
/// over. About 64 bytes a word (a short word and its token are held in the map's own slots):
/// under a megabyte per language a thread highlights. Searches run on the runtime's threads (and
/// deep pages on the blocking pool's, whose idle threads exit, freeing theirs, after ten
/// seconds).
const WORDS_PER_FIELD: usize = 10_000;

thread_local! {
    /// Per analyzer (by number, [`super::schema::Fields::analyzer_slot`]): word → its token, lowercased; `None` when the analyzer drops it.
    /// Thread-local: a lock per word would cost more than most words.
    static WORDS: RefCell<Vec<HashMap<Packed, Option<Packed>, WordHashing>>> = RefCell::default();
}

/// A word or token: up to 23 bytes in place, with its length, so that looking one up and
/// comparing it follow no pointer (with the text on the heap, fetching it was most of the
/// cost of a word); a longer one on the heap.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Packed {
    /// The bytes, then zeros; the length in the last byte.
    Short([u64; 3]),
    Long(Box<str>),
}

impl Packed {
    pub(super) fn new(text: &str) -> Packed {
        let len = text.len();
        if len > 23 {
            return Packed::Long(text.into());
        }
        let mut bytes = [0u8; 24];
        bytes[..len].copy_from_slice(text.as_bytes());
        bytes[23] = len as u8;
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        Packed::Short([word(0), word(8), word(16)])
    }

    #[cfg(test)]
    pub(super) fn to_text(&self) -> String {
        match self {
            Packed::Short(words) => {
                let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
                String::from_utf8(bytes[..usize::from(bytes[23])].to_vec()).expect("UTF-8")
            }
            Packed::Long(text) => text.to_string(),
        }
    }
}

/// The first letters of the tokens a caller needs spelled out (ASCII letters and digits, one
/// bit each); the other tokens come as `None`, their words neither looked up nor analyzed.
///
/// A word that starts with an ASCII letter or digit gives a token of two letters or more that
/// starts with that letter, lowercased, with one exception: lowercasing keeps it, and the
/// Snowball stemmers rewrite endings and the letters after the first, but Dutch's drops a
/// leading "ge" ("gebouwd" → "bouw"), so words starting so are always spelled out. A token of
/// one letter may be another (Turkish stems end in p, ç, t, k where the word had b, c, d, ğ:
/// "bunların" → "p"), so one-letter terms ask for every token. Checked on the 87,000 distinct
/// words of the search benchmark's articles and the pairs corpus, in every analyzer; the
/// snippets test compares the result with tantivy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Initials(u128);

impl Initials {
    /// Every token.
    pub(super) const ALL: Initials = Initials(u128::MAX);

    /// The tokens that start as one of `terms` starts (a term starting past ASCII adds none:
    /// such a token comes from a word starting past ASCII, and those are always spelled out).
    pub(super) fn of<'t>(terms: impl IntoIterator<Item = &'t str>) -> Initials {
        let mut bits = 0u128;
        for term in terms {
            let mut chars = term.chars();
            match (chars.next(), chars.next()) {
                (Some(first), Some(_)) if first.is_ascii() => {
                    bits |= 1 << first.to_ascii_lowercase() as u32;
                }
                (Some(_), None) => return Initials::ALL,
                _ => {}
            }
        }
        Initials(bits)
    }

    /// Whether the token of `word` (its bytes; kept by the analyzer) may be wanted.
    fn may_want(self, bytes: &[u8]) -> bool {
        let first = bytes[0];
        !first.is_ascii()
            || self.0 & (1 << first.to_ascii_lowercase()) != 0
            || (bytes.len() > 2 && bytes[..2].eq_ignore_ascii_case(b"ge"))
    }
}

/// Calls `each` with the byte range in `text` and the token of every word `analyzer` (the
/// analyzer numbered `slot`) keeps, in order, the token lowercased: what `analyzer`
/// yields, provided that it is [`tantivy::tokenizer::SimpleTokenizer`] followed by filters
/// that turn one word into at most one token (lowercasing, stemming, folding, dropping words
/// of [`LONG_WORD`] bytes or more), as every analyzer of the schema is. A token that does not
/// start as `wanted` says comes as `None`. Words seen before on this thread are looked up,
/// not analyzed.
pub(super) fn for_each_token(
    slot: usize,
    analyzer: &mut TextAnalyzer,
    text: &str,
    wanted: Initials,
    mut each: impl FnMut(Range<usize>, Option<&Packed>),
) {
    WORDS.with_borrow_mut(|analyzers| {
        if analyzers.len() <= slot {
            analyzers.resize_with(slot + 1, HashMap::default);
        }
        let known = &mut analyzers[slot];
        for range in Words::new(text) {
            let bytes = &text.as_bytes()[range.clone()];
            if bytes.len() < LONG_WORD && !wanted.may_want(bytes) {
                each(range, None);
                continue;
            }
            let word = Packed::new(&text[range.clone()]);
            if let Some(token) = known.get(&word) {
                if let Some(token) = token {
                    each(range, Some(token));
                }
                continue;
            }
            let token = {
                let mut stream = analyzer.token_stream(&text[range.clone()]);
                stream
                    .advance()
                    .then(|| Packed::new(&stream.token().text.to_lowercase()))
            };
            if let Some(token) = &token {
                each(range, Some(token));
            }
            if known.len() >= WORDS_PER_FIELD {
                known.clear();
            }
            known.insert(word, token);
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

    /// Whether the character at byte `at` (not ASCII) is alphanumeric, and its length.
    fn alphanumeric_at(&self, at: usize) -> (bool, usize) {
        let c = self.text[at..]
            .chars()
            .next()
            .expect("a character starts here");
        (is_alphanumeric(c), c.len_utf8())
    }
}

/// `c.is_alphanumeric()`, from a bitmap for the Basic Multilingual Plane: the standard
/// library searches its Unicode tables for every letter past ASCII, and a window of Turkish or
/// Russian text is mostly such letters.
fn is_alphanumeric(c: char) -> bool {
    /// One bit per character below U+10000 (8 KB), made on first use.
    static BMP: OnceLock<Box<[u64]>> = OnceLock::new();
    let code = c as usize;
    if code >= 0x1_0000 {
        return c.is_alphanumeric();
    }
    let bits = BMP.get_or_init(|| {
        let mut bits = vec![0u64; 0x1_0000 / 64];
        for (code, c) in (0..0x1_0000u32).filter_map(|n| Some((n as usize, char::from_u32(n)?))) {
            if c.is_alphanumeric() {
                bits[code / 64] |= 1 << (code % 64);
            }
        }
        bits.into_boxed_slice()
    });
    bits[code / 64] & (1 << (code % 64)) != 0
}

/// What a byte is to [`Words`]: an ASCII character between words, an ASCII letter or digit,
/// or part of a character past ASCII (decoded to tell). One table lookup a byte, where the
/// tests of ASCII classes took twice the instructions.
const SPACE: u8 = 0;
const ALNUM: u8 = 1;
const WIDE: u8 = 2;
static CLASS: [u8; 256] = {
    let mut class = [WIDE; 256];
    let mut byte = 0;
    while byte < 128 {
        class[byte] = if (byte as u8).is_ascii_alphanumeric() {
            ALNUM
        } else {
            SPACE
        };
        byte += 1;
    }
    class
};

impl Iterator for Words<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let class = |at: usize| CLASS[usize::from(bytes[at])];
        // Runs of ASCII are stepped over byte by byte; other characters are decoded.
        loop {
            while self.at < len && class(self.at) == SPACE {
                self.at += 1;
            }
            if self.at >= len {
                return None;
            }
            if class(self.at) == ALNUM {
                break;
            }
            let (word, width) = self.alphanumeric_at(self.at);
            if word {
                break;
            }
            self.at += width;
        }
        let start = self.at;
        loop {
            while self.at < len && class(self.at) == ALNUM {
                self.at += 1;
            }
            if self.at >= len || class(self.at) == SPACE {
                break;
            }
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
        for text in [
            "",
            "a",
            "çocukların",
            "twenty-three bytes long",
            "twenty-four bytes long!!",
        ] {
            assert_eq!(Packed::new(text).to_text(), text);
        }
        assert_ne!(Packed::new("ab"), Packed::new("ab\0"));
        for code in (0..0x1_0000).chain([0x1_0400, 0x1_F600, 0x2_0000]) {
            if let Some(c) = char::from_u32(code) {
                assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "U+{code:04X}");
            }
        }
        assert_eq!(Words::new(" ,;").count(), 0);
    }
}
