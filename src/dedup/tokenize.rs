//! Per-language tokenization for the story clusterer: words lower-cased, split on anything but
//! letters and digits, and reduced to their Snowball stems (English when the language is unknown).
//! Combining marks (Arabic vowel signs) are dropped, Turkish keeps its dotted and dotless I and
//! drops the case suffix after an apostrophe.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;

/// Words shorter than this (in chars) carry no story signal ("a", "s" from "it's").
const MIN_WORD_CHARS: usize = 2;

/// English function words: raw article text is full of them, and until the document
/// frequencies have seen many articles they would weigh as much as names. Sorted.
const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "but", "by", "can", "could", "did", "do", "for", "from", "had", "has", "have", "he", "her",
    "his", "i", "if", "in", "into", "is", "it", "its", "more", "new", "no", "not", "of", "on",
    "or", "our", "out", "said", "says", "she", "so", "than", "that", "the", "their", "them",
    "there", "they", "this", "to", "up", "was", "we", "were", "what", "when", "which", "who",
    "will", "with", "would", "you",
];

/// The Snowball algorithm for an ISO 639-1 code (or a longer tag such as `pt-BR`).
fn algorithm(lang: Option<&str>) -> Algorithm {
    let code = lang
        .and_then(|l| l.split(['-', '_']).next())
        .map(str::to_ascii_lowercase);
    match code.as_deref() {
        Some("ar") => Algorithm::Arabic,
        Some("da") => Algorithm::Danish,
        Some("nl") => Algorithm::Dutch,
        Some("fi") => Algorithm::Finnish,
        Some("fr") => Algorithm::French,
        Some("de") => Algorithm::German,
        Some("el") => Algorithm::Greek,
        Some("hu") => Algorithm::Hungarian,
        Some("it") => Algorithm::Italian,
        Some("no" | "nb" | "nn") => Algorithm::Norwegian,
        Some("pt") => Algorithm::Portuguese,
        Some("ro") => Algorithm::Romanian,
        Some("ru") => Algorithm::Russian,
        Some("es") => Algorithm::Spanish,
        Some("sv") => Algorithm::Swedish,
        Some("ta") => Algorithm::Tamil,
        Some("tr") => Algorithm::Turkish,
        _ => Algorithm::English,
    }
}

/// Letters, digits, and the combining marks (Arabic vowel signs, accents written apart) that
/// belong to the letter before them. No ASCII character is a combining mark: spaces and
/// punctuation skip the mark table.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (!c.is_ascii() && is_combining_mark(c))
}

/// `word` lower-cased without combining marks or the Arabic tatweel (a stretching stroke), so
/// that vowelled and unvowelled Arabic spell a word alike; Turkish dotted and dotless I keep
/// their own lower case.
fn lowercase(word: &str, turkish: bool) -> String {
    let mut lower = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'I' if turkish => lower.push('ı'),
            'İ' if turkish => lower.push('i'),
            '\u{0640}' => {}
            c if c.is_ascii() => lower.push(c.to_ascii_lowercase()),
            c if is_combining_mark(c) => {}
            c => lower.extend(c.to_lowercase().filter(|&l| !is_combining_mark(l))),
        }
    }
    lower
}

/// Skips a Turkish case suffix written after an apostrophe (`Ankara'da`, `AB’nin`): the word
/// before it is the name, the suffix only grammar.
fn skip_suffix(rest: &str) -> &str {
    let Some(after) = rest.strip_prefix(['\'', '’']) else {
        return rest;
    };
    if !after.starts_with(char::is_alphabetic) {
        return rest;
    }
    let end = after
        .find(|c: char| !is_word_char(c))
        .unwrap_or(after.len());
    &after[end..]
}

/// Splits and stems text; keeps one Snowball stemmer per language it has met.
#[derive(Default)]
pub(crate) struct Tokenizer {
    stemmers: HashMap<String, Stemmer>,
}

impl Tokenizer {
    /// Calls `sink` with each stemmed word of `text`, in order, and whether it looks like a
    /// name: capitalized, and not the first word of a sentence.
    pub(crate) fn for_each_term(
        &mut self,
        text: &str,
        lang: Option<&str>,
        mut sink: impl FnMut(String, bool),
    ) {
        let english = algorithm(lang) == Algorithm::English;
        let key = lang.unwrap_or("").to_ascii_lowercase();
        let stemmer = self
            .stemmers
            .entry(key)
            .or_insert_with(|| Stemmer::create(algorithm(lang)));
        let turkish = matches!(algorithm(lang), Algorithm::Turkish);
        let mut sentence_start = true;
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| c.is_alphanumeric()) {
            sentence_start |= rest[..start].contains(['.', '!', '?', ':', '\n']);
            let after = &rest[start..];
            let end = after
                .find(|c: char| !is_word_char(c))
                .unwrap_or(after.len());
            let word = &after[..end];
            rest = &after[end..];
            if turkish {
                rest = skip_suffix(rest);
            }
            let capitalized = word.chars().next().is_some_and(char::is_uppercase);
            let name = capitalized && !sentence_start;
            sentence_start = false;
            let lower = lowercase(word, turkish);
            if lower.chars().count() < MIN_WORD_CHARS {
                continue;
            }
            if english && ENGLISH_STOP_WORDS.binary_search(&lower.as_str()).is_ok() {
                continue;
            }
            sink(stemmer.stem(&lower).into_owned(), name);
        }
    }

    /// The stemmed words of `text`, in order.
    #[cfg(test)]
    pub(crate) fn terms(&mut self, text: &str, lang: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, lang, |t, _| out.push(t));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_are_stemmed_and_lowercased() {
        let mut t = Tokenizer::default();
        assert_eq!(
            t.terms("Earthquakes struck, killing 12 in Japan's north", None),
            ["earthquak", "struck", "kill", "12", "japan", "north"]
        );
    }

    #[test]
    fn capitalized_words_inside_a_sentence_are_names() {
        let mut t = Tokenizer::default();
        let mut names = Vec::new();
        t.for_each_term(
            "Rescuers reached Arequipa. Villages near Lima",
            None,
            |w, n| {
                if n {
                    names.push(w);
                }
            },
        );
        assert_eq!(names, ["arequipa", "lima"]);
    }

    #[test]
    fn turkish_case_suffixes_and_dotted_capitals() {
        let mut t = Tokenizer::default();
        let terms = t.terms("İSTANBUL'da Ankara’nın", Some("tr"));
        assert_eq!(terms, t.terms("istanbul Ankara", Some("tr")));
        assert_eq!(terms[0], "istanbul");
    }

    #[test]
    fn arabic_vowel_signs_and_tatweel_do_not_split_or_change_words() {
        let mut t = Tokenizer::default();
        let plain = t.terms("كتب الطالب", Some("ar"));
        assert_eq!(t.terms("كَتَبَ الطـالب", Some("ar")), plain);
        assert_eq!(plain.len(), 2);
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(ENGLISH_STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn language_picks_the_stemmer() {
        let mut t = Tokenizer::default();
        assert_eq!(t.terms("Les élections", Some("fr")), ["le", "élect"]);
        assert_eq!(algorithm(Some("pt-BR")), Algorithm::Portuguese);
        assert_eq!(algorithm(Some("xx")), Algorithm::English);
    }
}
