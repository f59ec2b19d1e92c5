//! Dates written in the page's visible text, for pages without date markup: the date just after
//! the headline ("Handball Schweiz • 02.02.2022"), or one set after a publication label
//! ("Erstellt am: 30.01.2022", "Mise en ligne 23 mai 2019").

use dom_query::{Document, NodeRef};

use super::dates::{self, PageDate};

/// The body's visible text, flattened, and where its headings start in it.
pub(crate) struct Flat {
    text: String,
    /// `(offset in text, level 1–6, collapsed text)` of each heading, in page order.
    headings: Vec<(usize, u8, String)>,
}

/// Bytes of body text read; a news page states its date well before this.
const MAX_TEXT: usize = 200_000;

impl Flat {
    /// Reads `doc`'s body (empty when it has none).
    pub(crate) fn read(doc: &Document) -> Flat {
        let mut flat = Flat {
            text: String::new(),
            headings: Vec::new(),
        };
        if let Some(body) = doc.body() {
            flat.walk(body, None);
        }
        flat
    }

    /// The text just around `headline` (an `h1`), as much as [`near_headline`] looks at: a
    /// walk from the headline rather than of the whole page, whose menus can be long.
    pub(crate) fn around(headline: NodeRef, heading: String) -> Flat {
        let mut before = Vec::new();
        let mut len = 0;
        let mut node = headline;
        'up: while len < BEFORE_HEADLINE {
            let previous = loop {
                if let Some(previous) = node.prev_sibling() {
                    break previous;
                }
                match node.parent() {
                    Some(parent) if !parent.has_name("body") => node = parent,
                    _ => break 'up,
                }
            };
            push_text_backwards(previous, &mut before, &mut len);
            node = previous;
        }
        let mut flat = Flat {
            text: String::new(),
            headings: Vec::new(),
        };
        for piece in before.iter().rev() {
            flat.text.push_str(piece);
            flat.text.push(' ');
        }
        flat.headings.push((flat.text.len(), 1, heading));
        let end = flat.text.len() + AFTER_HEADLINE;
        let mut next = Some(headline);
        while let Some(node) = next
            && flat.text.len() <= end
        {
            flat.walk(node, Some(end));
            next = following(node);
        }
        flat
    }

    /// Appends the text of `root`'s subtree, up to `end` bytes of text in all.
    fn walk(&mut self, root: NodeRef, end: Option<usize>) {
        let end = end.unwrap_or(MAX_TEXT);
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if self.text.len() > end {
                break;
            }
            if node.is_text() {
                self.text.push_str(&node.text());
                self.text.push(' ');
            } else if node.is_element() {
                let name = node.node_name();
                let name = name.as_deref().unwrap_or("");
                if SKIPPED.contains(&name) {
                    continue;
                }
                let level = match name.as_bytes() {
                    [b'h', level @ b'1'..=b'6'] => Some(level - b'0'),
                    _ => None,
                };
                if let Some(level) = level {
                    self.headings
                        .push((self.text.len(), level, collapse(&node.text())));
                }
                let children: Vec<_> = node.children_it(true).collect();
                stack.extend(children);
            }
        }
    }

    /// Where the headline may start, best first: the first heading that reads as the page's
    /// title (a higher heading before a lower one), then the first `h1`.
    fn headline_candidates(&self, title: Option<&str>) -> Vec<usize> {
        let title = title.map(|t| t.to_lowercase()).filter(|t| !t.is_empty());
        let matches = |heading: &str| {
            title
                .as_deref()
                .is_some_and(|title| reads_as(heading, title))
        };
        let titled = (1..=6).find_map(|level| {
            self.headings
                .iter()
                .find(|(_, l, text)| *l == level && matches(text))
        });
        let first_h1 = self.headings.iter().find(|(_, l, _)| *l == 1);
        let mut out: Vec<usize> = titled.into_iter().chain(first_h1).map(|h| h.0).collect();
        out.dedup();
        out
    }

    fn floor(&self, mut i: usize) -> usize {
        i = i.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// Elements whose text no reader sees as the page's.
const SKIPPED: &[&str] = &["script", "style", "noscript", "template", "nav"];

/// The node after `node`'s subtree in page order, within the body.
fn following(mut node: NodeRef) -> Option<NodeRef> {
    loop {
        if let Some(next) = node.next_sibling() {
            return Some(next);
        }
        node = node.parent().filter(|p| !p.has_name("body"))?;
    }
}

/// Pushes the text pieces of `root`'s subtree last first onto `pieces`, until `len` (their
/// bytes) reaches [`BEFORE_HEADLINE`].
fn push_text_backwards(root: NodeRef, pieces: &mut Vec<String>, len: &mut usize) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if *len >= BEFORE_HEADLINE {
            return;
        }
        if node.is_text() {
            let text = node.text().to_string();
            *len += text.len() + 1;
            pieces.push(text);
        } else if node.is_element() {
            let name = node.node_name();
            if SKIPPED.contains(&name.as_deref().unwrap_or("")) {
                continue;
            }
            stack.extend(node.children_it(false));
        }
    }
}

/// Whether a heading reads as the page's title (`title` lowercase).
pub(crate) fn reads_as(heading: &str, title: &str) -> bool {
    let heading = heading.to_lowercase();
    !heading.is_empty()
        && (heading == title
            || (heading.len() >= 12 && (title.contains(&heading) || heading.contains(title))))
}

/// How far after the headline's start [`near_headline`] looks for a date.
const AFTER_HEADLINE: usize = 1500;
/// How far before the headline's start [`near_headline`] looks for a date.
const BEFORE_HEADLINE: usize = 300;

/// The date written closest to the headline: right above it (a blog's date header), just after
/// it (a byline), a little above it, then further down ("Handball Schweiz • 02.02.2022",
/// "Pressemitteilung vom 20.01.2022"). The headline is tried as the heading that reads as the
/// title, then as the first `h1`.
pub(crate) fn near_headline(flat: &Flat, title: Option<&str>) -> Option<PageDate> {
    const ABOVE: usize = 60;
    const CLOSE: usize = 300;
    const BEFORE: usize = BEFORE_HEADLINE;
    const AFTER: usize = AFTER_HEADLINE;
    let text = &flat.text;
    flat.headline_candidates(title).into_iter().find_map(|at| {
        let close = flat.floor(at + CLOSE);
        dates::find_in_text(&text[flat.floor(at.saturating_sub(ABOVE))..at])
            .or_else(|| dates::find_in_text(&text[at..close]))
            .or_else(|| dates::find_in_text(&text[flat.floor(at.saturating_sub(BEFORE))..at]))
            .or_else(|| dates::find_in_text(&text[close..flat.floor(at + AFTER)]))
    })
}

/// Words that introduce a page's publication date, lowercase. Update labels ("aktualisiert",
/// "last modified") are left out: the publication date is wanted.
const LABELS: &[&str] = &[
    "published",
    "posted on",
    "posted:",
    "date:",
    "veröffentlicht",
    "erstellt am",
    "erschienen am",
    "datum:",
    "publié le",
    "publiée le",
    "mise en ligne",
    "date de publication",
    "publicado",
    "pubblicato",
    "gepubliceerd",
];

/// Words that introduce a page's last revision date, lowercase: a page that states no other
/// date was at least published by then.
const UPDATE_LABELS: &[&str] = &[
    "last modified",
    "last updated",
    "updated:",
    "updated on",
    "aktualisiert am",
    "zuletzt aktualisiert",
    "letzte änderung",
    "zuletzt geändert",
    "zuletzt am",
    "stand:",
    "mis à jour le",
    "actualizado el",
    "aggiornato il",
];

/// The first date written right after a publication label anywhere in the visible text.
pub(crate) fn after_label(flat: &Flat) -> Option<PageDate> {
    after(flat, LABELS)
}

/// The first date written right after an update label anywhere in the visible text.
pub(crate) fn after_update_label(flat: &Flat) -> Option<PageDate> {
    after(flat, UPDATE_LABELS)
}

fn after(flat: &Flat, labels: &[&str]) -> Option<PageDate> {
    const REACH: usize = 40;
    let text = flat.text.to_lowercase();
    let mut hits: Vec<usize> = labels
        .iter()
        .flat_map(|label| text.match_indices(label))
        // A whole word: "datum:" but not "erscheinungsdatum:".
        .filter(|(i, _)| !text[..*i].ends_with(char::is_alphabetic))
        .map(|(i, label)| i + label.len())
        .collect();
    hits.sort_unstable();
    hits.into_iter().find_map(|start| {
        let mut end = (start + REACH).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        dates::find_in_text(&text[start..end])
    })
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: Option<PageDate>) -> Option<String> {
        date.map(|d| d.day.to_string())
    }

    #[test]
    fn headline_is_the_heading_that_reads_as_the_title() {
        // The site's logo is the first h1; the story's date follows the second.
        let doc = Document::from(
            "<body><h1>Rail Notes</h1><p>Updated daily since 01.01.2015</p>\
             <div>Subscribe to our newsletter for the week in rail travel</div><h1>Night trains return to the coast</h1>\
             <p>jeudi 13 juin 2019, by Ana</p><p>Text.</p></body>",
        );
        assert_eq!(
            day(near_headline(
                &Flat::read(&doc),
                Some("Night trains return to the coast")
            ))
            .as_deref(),
            Some("2019-06-13")
        );
    }

    #[test]
    fn headline_may_be_a_lower_heading() {
        // No h1 at all: the h4 that carries the title is the headline.
        let doc = Document::from(
            "<body><div>Menu</div><h2>Informationsdienst</h2><h4>Effiziente Hybridbatterie für Elektroautos</h4>\
             <p><em>01.11.2023 11:35</em></p><p>Text.</p></body>",
        );
        assert_eq!(
            day(near_headline(
                &Flat::read(&doc),
                Some("Effiziente Hybridbatterie für Elektroautos")
            ))
            .as_deref(),
            Some("2023-11-01")
        );
    }

    #[test]
    fn the_text_around_the_headline_is_the_whole_page_text_there() {
        let doc = Document::from(
            "<body><nav>Home News</nav><div><span>Politik</span> <em>02.02.2022</em></div>\
             <main><div><h1>Night trains <b>return</b></h1></div><p>By Ana, 13.06.2019</p></main></body>",
        );
        let h1 = doc.select("h1");
        let h1 = *h1.nodes().first().unwrap();
        let around = Flat::around(h1, "Night trains return".to_owned());
        let full = Flat::read(&doc);
        assert_eq!(around.text, full.text);
        assert_eq!(around.headings[0].0, full.headings[0].0);
        assert_eq!(
            day(near_headline(&around, Some("Night trains return"))).as_deref(),
            Some("2022-02-02")
        );
    }

    #[test]
    fn labelled_dates_in_text() {
        let doc = Document::from(
            "<body><div>Lindvik wins</div><p>Some text first.</p>\
             <div>Erstellt am: 30.01.2022 18:36 / sk</div></body>",
        );
        assert_eq!(
            day(after_label(&Flat::read(&doc))).as_deref(),
            Some("2022-01-30")
        );
        let doc = Document::from(
            "<body><p>Last modified 4 November 2020.</p>\
             <p>Mise en ligne 23 mai 2019</p></body>",
        );
        assert_eq!(
            day(after_label(&Flat::read(&doc))).as_deref(),
            Some("2019-05-23")
        );
        let doc = Document::from(
            "<body><p>Aktualisiert am 17.01.2021</p><p>Erscheinungsdatum: 14.08.2017</p></body>",
        );
        assert_eq!(day(after_label(&Flat::read(&doc))), None);
        assert_eq!(
            day(after_update_label(&Flat::read(&doc))).as_deref(),
            Some("2021-01-17")
        );
    }
}
