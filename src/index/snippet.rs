//! Highlighted snippets for a page of hits. tantivy's generator analyzes the whole text it is
//! given (tokenizer, stemmer, per word); for a body of a few kilobytes that was most of a
//! search's time. Here the body is first narrowed to the window where the query's terms occur
//! (a substring test on lowercase text, no analysis), and only that window is analyzed, each
//! word looked up in what the thread remembers of it ([`super::word_cache`]). The fragment is
//! then chosen as tantivy's [`tantivy::snippet::SnippetGenerator`] chooses it (a test compares
//! the two), without its copy of each token, its lowercased copy, and its analyzer clone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use memchr::memmem;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Score, Searcher, Term};

use super::IndexError;
use super::schema::{Fields, STEMMED};
use super::word_cache::{Initials, Packed, for_each_token};

/// The query's snippet generators, one per field, made when first needed.
pub(super) struct Snippets<'a> {
    searcher: &'a Searcher,
    query: &'a dyn Query,
    /// Terms highlighted beside the query's.
    highlighted: &'a [Term],
    fields: &'a Fields,
    generators: HashMap<Field, Generator>,
}

/// A fragment of a text and where the query's words are in it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Snippet<'t> {
    fragment: &'t str,
    /// Where `fragment` starts in the text it was taken from.
    start: usize,
    /// Byte ranges in `fragment`, in order, not overlapping.
    highlighted: Vec<Range<usize>>,
}

struct Generator {
    /// The field's analyzer, for words not seen yet.
    analyzer: TextAnalyzer,
    slot: usize,
    /// The indexed terms the query looks for in the field, each with its weight (rarer terms
    /// weigh more), in term order.
    terms: Vec<(Packed, Score)>,
    /// The first letters of those terms: only the words that start so are looked up.
    initials: Initials,
    /// The start of each of those terms: a stem is mostly the start of the word it comes from
    /// ("happi" ← "happy" is not, "happ" is).
    needles: Vec<String>,
    max_chars: usize,
}

impl<'a> Snippets<'a> {
    pub(super) fn new(
        searcher: &'a Searcher,
        query: &'a dyn Query,
        highlighted: &'a [Term],
        fields: &'a Fields,
    ) -> Snippets<'a> {
        Snippets {
            searcher,
            query,
            highlighted,
            fields,
            generators: HashMap::new(),
        }
    }

    /// The best fragment of `text` (stored in `field`), at most `max_chars` bytes long.
    pub(super) fn snippet<'t>(
        &mut self,
        field: Field,
        text: &'t str,
        max_chars: usize,
    ) -> Result<Snippet<'t>, IndexError> {
        let generator = match self.generators.entry(field) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Generator::create(
                self.searcher,
                self.query,
                self.highlighted,
                field,
                self.fields.analyzer_slot(field),
                max_chars,
            )?),
        };
        Ok(generator.snippet_in_window(text))
    }
}

impl Generator {
    /// What `SnippetGenerator::create` does, keeping the terms for the window search.
    fn create(
        searcher: &Searcher,
        query: &dyn Query,
        highlighted: &[Term],
        field: Field,
        slot: usize,
        max_chars: usize,
    ) -> Result<Generator, IndexError> {
        let mut terms: BTreeSet<&Term> = BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                terms.insert(term);
            }
        });
        terms.extend(highlighted.iter().filter(|term| term.field() == field));
        let mut weighted: BTreeMap<String, Score> = BTreeMap::new();
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
        Ok(Generator {
            analyzer: searcher.index().tokenizer_for_field(field)?,
            slot,
            initials: Initials::of(weighted.keys().map(String::as_str)),
            terms: packed(weighted),
            needles,
            max_chars,
        })
    }

    /// The fragment [`Generator::snippet`] picks in the best window of `text`, analyzing its
    /// head only unless the fragment reaches past it or the head has none.
    fn snippet_in_window<'t>(&mut self, text: &'t str) -> Snippet<'t> {
        let window = best_window(text, &self.needles, self.max_chars);
        if needles_may_miss(self.slot) {
            return self.snippet(window.whole);
        }
        let snippet = self.snippet(window.head);
        // The best fragment may reach past the head, into text without the terms: the rest of
        // it is in the whole window. A head without a fragment (its needles were parts of other
        // words) leaves the rest to look in, where a needle may have missed a term ("être" for
        // "etre").
        if window.head.len() < window.whole.len()
            && (snippet.highlighted.is_empty()
                || snippet.start + self.max_chars > window.head.len())
        {
            return self.snippet(window.whole);
        }
        snippet
    }

    /// The fragment tantivy's `SnippetGenerator::snippet` makes of `text`: the text is cut
    /// into fragments, each starting at a token and taking the following ones while they end
    /// within `max_chars` bytes of its start; the fragment whose terms weigh most wins, the
    /// earliest of equals; none (an empty snippet) when no term occurs.
    fn snippet<'t>(&mut self, text: &'t str) -> Snippet<'t> {
        if self.terms.is_empty() {
            return Snippet::empty();
        }
        let (terms, max_chars) = (&self.terms, self.max_chars);
        let mut best: Option<Fragment> = None;
        let mut current = Fragment::new(0);
        let (slot, initials) = (self.slot, self.initials);
        for_each_token(slot, &mut self.analyzer, text, initials, |range, token| {
            if range.end - current.start > max_chars {
                let next = Fragment::new(range.start);
                let done = std::mem::replace(&mut current, next);
                done.offer_to(&mut best);
            }
            current.stop = range.end;
            if let Some(token) = token
                && let Some((_, score)) = terms.iter().find(|(term, _)| term == token)
            {
                current.score += score;
                current.highlighted.push(range);
            }
        });
        current.offer_to(&mut best);
        match best {
            Some(best) => Snippet {
                fragment: &text[best.start..best.stop],
                start: best.start,
                highlighted: best
                    .highlighted
                    .into_iter()
                    .map(|r| r.start - best.start..r.end - best.start)
                    .collect(),
            },
            None => Snippet::empty(),
        }
    }
}

fn packed(terms: BTreeMap<String, Score>) -> Vec<(Packed, Score)> {
    terms.iter().map(|(t, &w)| (Packed::new(t), w)).collect()
}

/// A candidate fragment: `text[start..stop]`, the weight of the terms in it and where they are.
struct Fragment {
    score: Score,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn new(start: usize) -> Fragment {
        Fragment {
            score: 0.0,
            start,
            stop: start,
            highlighted: Vec::new(),
        }
    }

    /// Makes this fragment the best unless `best` weighs more, or as much and starts first.
    fn offer_to(self, best: &mut Option<Fragment>) {
        if self.score <= 0.0 {
            return;
        }
        let better = best.as_ref().is_none_or(|b| {
            self.score > b.score
                || (self.score == b.score && (self.start, self.stop) < (b.start, b.stop))
        });
        if better {
            *best = Some(self);
        }
    }
}

impl<'t> Snippet<'t> {
    fn empty() -> Snippet<'t> {
        Snippet {
            fragment: "",
            start: 0,
            highlighted: Vec::new(),
        }
    }

    pub(super) fn fragment(&self) -> &'t str {
        self.fragment
    }

    pub(super) fn highlighted(&self) -> &[Range<usize>] {
        &self.highlighted
    }

    /// The fragment as HTML, the query's words in `<b>`, escaped as tantivy's `to_html`
    /// escapes (`htmlescape::encode_minimal`).
    pub(super) fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.fragment.len() + 16 * self.highlighted.len());
        let mut from = 0;
        for range in &self.highlighted {
            escape_minimal(&self.fragment[from..range.start], &mut html);
            html.push_str("<b>");
            escape_minimal(&self.fragment[range.clone()], &mut html);
            html.push_str("</b>");
            from = range.end;
        }
        escape_minimal(&self.fragment[from..], &mut html);
        html
    }
}

/// Appends `text` to `html` with `"`, `&`, `'`, `<` and `>` escaped.
fn escape_minimal(text: &str, html: &mut String) {
    let mut from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        html.push_str(&text[from..at]);
        html.push_str(entity);
        from = at + 1;
    }
    html.push_str(&text[from..]);
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

/// Whether the analyzer numbered `slot` rewrites letters inside words, so that a term's needle
/// may be absent where the term is: Arabic's strips prefixes such as "ال" and writes every
/// alef bare (إ, أ → ا). The absence of needles then does not say that the terms are absent,
/// and the whole window is analyzed (on the benchmark, 33 of 13,046 hits, all Arabic, lost a
/// highlighted word otherwise).
fn needles_may_miss(slot: usize) -> bool {
    STEMMED.get(slot).is_some_and(|(code, _)| *code == "ar")
}

/// The part of a text worth analyzing for a fragment.
#[derive(Debug, PartialEq)]
struct Window<'t> {
    /// The window holding most of the query's terms, and the next one.
    whole: &'t str,
    /// The start of `whole` that holds the terms in it: all of it, or the first window and
    /// a fragment's length more when the rest holds none of them. The fragments that start
    /// in the head and end within it are those of `whole`, and no other fragment of `whole`
    /// has a term; the one that ends past it is cut short.
    head: &'t str,
}

/// The part of `text` worth analyzing for a fragment of `max_chars`: the window holding most
/// of the `needles` and the next one (the whole text when it is short; the first two windows
/// when no needle occurs, where the generator finds nothing either). Text is compared in ASCII
/// lowercase, which keeps byte offsets; a needle with uppercase non-ASCII letters in the text
/// is missed, and the window goes to the other terms.
fn best_window<'t>(text: &'t str, needles: &[String], max_chars: usize) -> Window<'t> {
    let width = max_chars.max(1) * 3 / 2;
    if text.len() <= width * 3 || needles.is_empty() {
        return Window {
            whole: text,
            head: text,
        };
    }
    let finders: Vec<memmem::Finder> = needles.iter().map(memmem::Finder::new).collect();
    let lower = text.to_ascii_lowercase();
    let starts = window_starts(text, width);
    let holds_some = |range: Range<usize>| {
        let part = &lower.as_bytes()[range];
        finders.iter().filter(|f| f.find(part).is_some()).count()
    };
    let mut best: Option<(usize, usize)> = None;
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        let found = holds_some(start..end);
        if found > 0 && best.is_none_or(|(_, most)| found > most) {
            best = Some((index, found));
        }
    }
    // No term in sight (the article matched by its title, or by a form the needles miss):
    // the generator would analyze the whole text to find nothing; the first windows are enough.
    let index = best.map_or(0, |(index, _)| index);
    let (start, end) = (
        starts[index],
        starts.get(index + 2).copied().unwrap_or(text.len()),
    );
    let cut = starts
        .get(index + 1)
        .map_or(end, |&next| word_end(text, next + max_chars).min(end));
    let head_end = if holds_some(cut..end) == 0 { cut } else { end };
    Window {
        whole: &text[start..end],
        head: &text[start..head_end],
    }
}

/// Byte offsets where windows of about `width` bytes start, each at a word boundary.
fn window_starts(text: &str, width: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    while at + width < text.len() {
        let cut = word_end(text, at + width);
        if cut >= text.len() {
            break;
        }
        starts.push(cut);
        at = cut;
    }
    starts
}

/// The first whitespace of `text` at or after byte `at` (its end when there is none): no
/// word is cut there.
fn word_end(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    text[at..]
        .find(char::is_whitespace)
        .map_or(text.len(), |space| at + space)
}

#[cfg(test)]
mod tests {
    use tantivy::Index;
    use tantivy::snippet::SnippetGenerator;

    use super::super::schema;
    use super::*;

    /// Texts of the words in `vocabulary`, picked by a fixed pseudo-random sequence.
    fn texts(vocabulary: &[&str], count: usize) -> Vec<String> {
        let mut state = 0x2545_f491_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        (0..count)
            .map(|_| {
                let words = next(120);
                (0..words)
                    .map(|_| vocabulary[next(vocabulary.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn snippets_are_the_fragments_tantivys_generator_picks() {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        schema::register_analyzers(&index);
        let cases = [
            (
                fields.pair_for(Some("en")).body,
                vec![("talk", 0.5), ("genev", 0.25)],
                vec![
                    "Talks",
                    "talking,",
                    "Geneva",
                    "GENEVA's",
                    "in",
                    "the",
                    "<b>&",
                    "\"quoted\"",
                    "it's",
                    "peace.",
                    "x",
                    "élan",
                    "—",
                    "\n\n",
                    "talk-show",
                    "supercalifragilisticexpialidociousnessandmore",
                ],
            ),
            (
                fields.pair_for(Some("tr")).title,
                // "p" is the stem of "bunların" and "bini": a stem's first letter is not
                // always its word's.
                vec![
                    ("kitap", 0.5),
                    ("istanbul", 0.2),
                    ("çocuk", 0.1),
                    ("p", 0.3),
                ],
                vec![
                    "bunların",
                    "Bini",
                    "bundan",
                    "kitaplarından",
                    "Kitap",
                    "çocukların",
                    "İstanbul",
                    "ISTANBUL",
                    "ve",
                    "bir",
                    "'a",
                    "2025",
                    "ĞÜŞ",
                    "Ankara'da",
                ],
            ),
            (
                // Dutch's stemmer drops a leading "ge": "gebouwd" → "bouw".
                fields.pair_for(Some("nl")).body,
                vec![("bouw", 0.5), ("meen", 0.3)],
                vec![
                    "gebouwd", "Gemeente", "bouwen", "meent", "en", "GEBOUWD", "Ge", "geen",
                ],
            ),
            (
                fields.pair_for(None).body,
                vec![("hauser", 0.5), ("wahlen", 0.5)],
                vec![
                    "Häuser", "HÄUSER", "Wahlen", "und", "Straßen", "&", "<", ">", "东京",
                ],
            ),
        ];
        for (field, terms, vocabulary) in cases {
            let weighted: BTreeMap<String, Score> =
                terms.iter().map(|&(t, w)| (t.to_owned(), w)).collect();
            for max_chars in [8, 40, 220, 10_000] {
                let analyzer = index.tokenizer_for_field(field).unwrap();
                let theirs = SnippetGenerator::new(weighted.clone(), analyzer, field, max_chars);
                let mut ours = Generator {
                    analyzer: index.tokenizer_for_field(field).unwrap(),
                    slot: fields.analyzer_slot(field),
                    initials: Initials::of(weighted.keys().map(String::as_str)),
                    terms: packed(weighted.clone()),
                    needles: Vec::new(),
                    max_chars,
                };
                let mut highlighted = 0;
                for text in texts(&vocabulary, 200) {
                    let expected = theirs.snippet(&text);
                    let got = ours.snippet(&text);
                    assert_eq!(got.fragment(), expected.fragment(), "{text}");
                    assert_eq!(got.highlighted(), expected.highlighted(), "{text}");
                    assert_eq!(got.to_html(), expected.to_html(), "{text}");
                    highlighted += got.highlighted().len();
                }
                assert!(highlighted > 0, "{field:?}: no text had a term");
            }
        }
    }

    #[test]
    fn the_window_is_where_the_terms_are() {
        let filler = "Nothing of note happened in the town that week. ".repeat(40);
        let text = format!("{filler}The harbour cranes returned to Dunmore on Monday. {filler}");
        let window = best_window(&text, &[needle("crane"), needle("dunmor")], 100);
        assert!(
            window.head.contains("harbour cranes returned to Dunmore"),
            "{window:?}"
        );
        assert!(window.whole.len() < 500, "{}", window.whole.len());
        // A window (150 bytes) and a fragment's length (100) more, each to a word's end.
        assert!(window.head.len() < 300, "{}", window.head.len());
    }

    /// Analyzing the head of the window picks the fragment the whole window gives, also when
    /// it starts near the head's end, or past the first window.
    #[test]
    fn the_head_of_the_window_gives_the_fragment_of_the_whole_window() {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        schema::register_analyzers(&index);
        let field = fields.pair_for(Some("en")).body;
        let terms = [("crane", 0.5), ("dunmor", 0.5)];
        let mut generator = Generator {
            analyzer: index.tokenizer_for_field(field).unwrap(),
            slot: fields.analyzer_slot(field),
            initials: Initials::of(terms.iter().map(|(t, _)| *t)),
            terms: packed(terms.iter().map(|&(t, w)| (t.to_owned(), w)).collect()),
            needles: terms.iter().map(|(t, _)| needle(t)).collect(),
            max_chars: 100,
        };
        let filler = "Nothing of note happened in the town that week. ";
        for before in 30..42 {
            let text = format!(
                "{}The harbour cranes returned to Dunmore on Monday, and the cranes of \
                 Dunmore's harbour were seen from the hills. {}",
                filler.repeat(before),
                filler.repeat(20),
            );
            let window = best_window(&text, &generator.needles, 100);
            let whole = generator.snippet(window.whole);
            assert!(whole.to_html().contains("<b>cranes</b>"), "{text}");
            assert_eq!(generator.snippet_in_window(&text), whole, "{before}");
        }
    }

    #[test]
    fn short_texts_are_kept_whole_and_long_ones_without_the_terms_are_cut() {
        assert_eq!(
            best_window("A short text.", &[needle("short")], 100).whole,
            "A short text."
        );
        let long = "Élan vital, ".repeat(100);
        let window = best_window(&long, &[needle("cranes")], 20);
        assert!(
            long.starts_with(window.whole) && window.whole.len() < 100,
            "{window:?}"
        );
    }

    #[test]
    fn needles_tolerate_a_stems_last_letter() {
        assert!("happy".contains(&needle("happi")));
        assert_eq!(needle("ai"), "ai");
    }
}
