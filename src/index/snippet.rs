//! Highlighted snippets for a page of hits. tantivy's generator analyzes the whole text it is
//! given (tokenizer, stemmer, per word); for a body of a few kilobytes that was most of a
//! search's time. Here the body is first narrowed to the window where the query's terms occur
//! (a substring test on lowercase text, no analysis), and only that window is analyzed, by
//! an analyzer that remembers its words ([`super::word_cache`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use memchr::memmem;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{Searcher, Term};

use super::IndexError;
use super::schema::snippet_analyzer;

/// The query's snippet generators, one per field, made when first needed.
pub(super) struct Snippets<'a> {
    searcher: &'a Searcher,
    query: &'a dyn Query,
    generators: HashMap<Field, Generator>,
}

struct Generator {
    inner: SnippetGenerator,
    /// The start of each indexed term the query looks for in the field: a stem is mostly the
    /// start of the word it comes from ("happi" ← "happy" is not, "happ" is).
    needles: Vec<String>,
    max_chars: usize,
}

impl<'a> Snippets<'a> {
    pub(super) fn new(searcher: &'a Searcher, query: &'a dyn Query) -> Snippets<'a> {
        Snippets {
            searcher,
            query,
            generators: HashMap::new(),
        }
    }

    /// The best fragment of `text` (stored in `field`), at most `max_chars` long.
    pub(super) fn snippet(
        &mut self,
        field: Field,
        text: &str,
        max_chars: usize,
    ) -> Result<Snippet, IndexError> {
        let generator = match self.generators.entry(field) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Generator::create(
                self.searcher,
                self.query,
                field,
                max_chars,
            )?),
        };
        let window = best_window(text, &generator.needles, generator.max_chars);
        Ok(generator.inner.snippet(window))
    }
}

impl Generator {
    /// What `SnippetGenerator::create` does, keeping the terms for the window search.
    fn create(
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
        max_chars: usize,
    ) -> Result<Generator, IndexError> {
        let mut terms: BTreeSet<&Term> = BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                terms.insert(term);
            }
        });
        let mut weighted: BTreeMap<String, f32> = BTreeMap::new();
        for term in terms {
            let value = term.value();
            let Some(text) = value.as_str() else {
                continue;
            };
            let doc_freq = searcher.doc_freq(term)?;
            if doc_freq > 0 {
                weighted.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as f32));
            }
        }
        let needles = weighted.keys().map(|t| needle(t)).collect();
        let tokenizer = snippet_analyzer(searcher.index(), field)?;
        Ok(Generator {
            inner: SnippetGenerator::new(weighted, tokenizer, field, max_chars),
            needles,
            max_chars,
        })
    }
}

/// The part of a term that the word it was analyzed from starts with, most of the time: all
/// of a short term, all but the last character of a longer one (Snowball stems end in letters
/// the word may not have).
fn needle(term: &str) -> String {
    let chars = term.chars().count();
    if chars <= 3 {
        term.to_owned()
    } else {
        term.chars().take(chars - 1).collect()
    }
}

/// The part of `text` worth analyzing for a fragment of `max_chars`: the window holding most
/// of the `needles` and the next one (the whole text when it is short; the first two windows
/// when no needle occurs, where the generator finds nothing either). Text is compared in ASCII
/// lowercase, which keeps byte offsets; a needle with uppercase non-ASCII letters in the text
/// is missed, and the window goes to the other terms.
fn best_window<'t>(text: &'t str, needles: &[String], max_chars: usize) -> &'t str {
    let width = max_chars.max(1) * 3 / 2;
    if text.len() <= width * 3 || needles.is_empty() {
        return text;
    }
    let finders: Vec<memmem::Finder> = needles.iter().map(memmem::Finder::new).collect();
    let lower = text.to_ascii_lowercase();
    let starts = window_starts(text, width);
    let mut best: Option<(usize, usize)> = None;
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        let window = &lower.as_bytes()[start..end];
        let found = finders.iter().filter(|f| f.find(window).is_some()).count();
        if found > 0 && best.is_none_or(|(_, most)| found > most) {
            best = Some((index, found));
        }
    }
    // No term in sight (the article matched by its title, or by a form the needles miss):
    // the generator would analyze the whole text to find nothing; the first windows are enough.
    let index = best.map_or(0, |(index, _)| index);
    let end = starts.get(index + 2).copied().unwrap_or(text.len());
    &text[starts[index]..end]
}

/// Byte offsets where windows of about `width` bytes start, each at a word boundary.
fn window_starts(text: &str, width: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    while at + width < text.len() {
        let mut cut = at + width;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        let cut = text[cut..]
            .find(char::is_whitespace)
            .map_or(text.len(), |space| cut + space);
        if cut >= text.len() {
            break;
        }
        starts.push(cut);
        at = cut;
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_where_the_terms_are() {
        let filler = "Nothing of note happened in the town that week. ".repeat(40);
        let text = format!("{filler}The harbour cranes returned to Dunmore on Monday. {filler}");
        let window = best_window(&text, &[needle("crane"), needle("dunmor")], 100);
        assert!(
            window.contains("harbour cranes returned to Dunmore"),
            "{window}"
        );
        assert!(window.len() < 500, "{}", window.len());
    }

    #[test]
    fn short_texts_are_kept_whole_and_long_ones_without_the_terms_are_cut() {
        assert_eq!(
            best_window("A short text.", &[needle("short")], 100),
            "A short text."
        );
        let long = "Élan vital, ".repeat(100);
        let window = best_window(&long, &[needle("cranes")], 20);
        assert!(long.starts_with(window) && window.len() < 100, "{window}");
    }

    #[test]
    fn needles_tolerate_a_stems_last_letter() {
        assert!("happy".contains(&needle("happi")));
        assert_eq!(needle("ai"), "ai");
    }
}
