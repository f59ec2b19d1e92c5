//! An analyzer that remembers its words, for snippets. Highlighting a page analyzes a few
//! thousand words of stored text per query, and analyzing them (lowercasing, Snowball stemming,
//! Turkish's above all, folding accents) was most of that; news text repeats its words, so each
//! thread keeps what each word became.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};

use tantivy::tokenizer::{
    SimpleTokenStream, SimpleTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Words remembered per field and thread; past it the thread's cache of that field starts
/// over. About 90 bytes a word: under a megabyte per field a thread highlights, and the
/// blocking pool's idle threads exit (and free theirs) after ten seconds.
const WORDS_PER_FIELD: usize = 10_000;

thread_local! {
    /// Per field (by number): word → its token, `None` when the analyzer drops it.
    /// Thread-local: searches run on the blocking pool's threads, and a lock per word would
    /// cost more than most words.
    static WORDS: RefCell<Vec<HashMap<String, Option<String>, WordHashing>>> = RefCell::default();
}

/// `analyzer` (of field number `slot`) with its words remembered. It yields the tokens
/// `analyzer` yields provided that `analyzer` is [`SimpleTokenizer`] followed by filters that
/// turn one word into at most one token (lowercasing, stemming, folding, dropping long words).
pub(super) fn remembering(slot: usize, analyzer: TextAnalyzer) -> TextAnalyzer {
    TextAnalyzer::from(Remembering {
        slot,
        words: SimpleTokenizer::default(),
        analyzer,
    })
}

#[derive(Clone)]
struct Remembering {
    slot: usize,
    words: SimpleTokenizer,
    /// Analyzes one word (a word not seen yet).
    analyzer: TextAnalyzer,
}

impl Tokenizer for Remembering {
    type TokenStream<'a> = RememberingStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> RememberingStream<'a> {
        RememberingStream {
            words: self.words.token_stream(text),
            slot: self.slot,
            analyzer: &mut self.analyzer,
        }
    }
}

struct RememberingStream<'a> {
    words: SimpleTokenStream<'a>,
    slot: usize,
    analyzer: &'a mut TextAnalyzer,
}

impl RememberingStream<'_> {
    /// Turns the current word into its token; false when the analyzer drops it.
    fn analyze_word(&mut self) -> bool {
        let token = self.words.token_mut();
        WORDS.with_borrow_mut(|fields| {
            if fields.len() <= self.slot {
                fields.resize_with(self.slot + 1, HashMap::default);
            }
            let words = &mut fields[self.slot];
            if let Some(known) = words.get(token.text.as_str()) {
                return match known {
                    Some(text) => {
                        token.text.clone_from(text);
                        true
                    }
                    None => false,
                };
            }
            let analyzed = {
                let mut stream = self.analyzer.token_stream(&token.text);
                stream.advance().then(|| stream.token().text.clone())
            };
            if words.len() >= WORDS_PER_FIELD {
                words.clear();
            }
            words.insert(token.text.clone(), analyzed.clone());
            match analyzed {
                Some(text) => {
                    token.text = text;
                    true
                }
                None => false,
            }
        })
    }
}

impl TokenStream for RememberingStream<'_> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            if self.analyze_word() {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.words.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.words.token_mut()
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
