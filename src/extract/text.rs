//! The article's text: the chosen content subtree rendered as paragraphs (blocks separated by
//! a blank line, whitespace collapsed, NFC), then the promo lines a content block still holds
//! ("Read more", "Share", "Sign up", tag lists, breadcrumbs, image credits) dropped.

use dom_query::{Document, NodeRef};
use unicode_normalization::UnicodeNormalization;

/// Elements that end a paragraph.
pub(crate) const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "figure",
    "figcaption",
    "hr",
    "address",
    "details",
    "summary",
    "center",
];

/// The paragraphs under `root`, normalized, boilerplate lines dropped.
#[cfg(test)]
pub(crate) fn paragraphs(root: &NodeRef) -> Vec<String> {
    paragraphs_and_dropped(root).0
}

/// The paragraphs under `root`, normalized, and apart from them the boilerplate lines dropped.
pub(crate) fn paragraphs_and_dropped(root: &NodeRef) -> (Vec<String>, Vec<String>) {
    let mut raw = vec![(String::new(), 0)];
    render(root, &mut raw, 0);
    let mut out: Vec<(String, u8)> = Vec::new();
    let mut dropped = Vec::new();
    for (p, level) in raw.iter().map(|(p, l)| (normalize(p), *l)) {
        if p.is_empty() {
            continue;
        }
        let lower = p.to_lowercase();
        let near_top = out.len() < HEAD_PARAGRAPHS;
        if is_promo(&p) || near_top && is_byline_or_dateline(&p, &lower) {
            dropped.push(p);
        } else {
            out.push((p, level));
        }
    }
    // A heading with nothing under it titled a block that is gone ("Related stories" over a
    // dropped link list, "More from the channel" at the end).
    let mut kept = Vec::with_capacity(out.len());
    for i in 0..out.len() {
        let level = out[i].1;
        let next = out.get(i + 1).map(|(_, l)| *l);
        let orphan = level > 1 && next.is_none_or(|next| next != 0 && next <= level);
        if orphan {
            dropped.push(std::mem::take(&mut out[i].0));
        } else {
            kept.push(std::mem::take(&mut out[i].0));
        }
    }
    (kept, dropped)
}

/// Renders `node`'s children into `out`: `(text, heading level or 0)` per paragraph.
fn render(node: &NodeRef, out: &mut Vec<(String, u8)>, level: u8) {
    for child in node.children_it(false) {
        if child.is_text() {
            let text = child.text();
            if let Some((last, _)) = out.last_mut() {
                last.push_str(&text);
            }
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let name = child.node_name();
        let name = name.as_deref().unwrap_or("");
        // Ruby annotations (furigana) repeat the text they sit on; captions describe a
        // picture, not the story.
        if matches!(name, "rt" | "rp" | "figcaption") {
            continue;
        }
        if name == "br" {
            out.push((String::new(), level));
            continue;
        }
        if matches!(name, "td" | "th")
            && let Some((last, _)) = out.last_mut()
        {
            last.push(' ');
        }
        let block = BLOCK_TAGS.contains(&name);
        let inner = match name.as_bytes() {
            [b'h', l @ b'1'..=b'6'] => l - b'0',
            _ => level,
        };
        if block {
            out.push((String::new(), inner));
        }
        render(&child, out, inner);
        if block {
            out.push((String::new(), level));
        }
    }
}

/// Whitespace collapsed to single spaces, invisible format characters dropped, Unicode NFC.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_ascii() {
        return out;
    }
    if out.contains(INVISIBLE) {
        out.retain(|c| !INVISIBLE.contains(&c));
    }
    out.nfc().collect()
}

/// Characters that only hint at layout and split words apart for a search: soft hyphens
/// (`Mit\u{ad}tel\u{ad}al\u{ad}ter`), zero-width spaces, word joiners, stray byte-order marks.
const INVISIBLE: &[char] = &['\u{ad}', '\u{200b}', '\u{2060}', '\u{feff}'];

/// Openings of lines that point elsewhere rather than tell the story (lowercase).
const PROMO_OPENINGS: &[&str] = &[
    "read more",
    "read also",
    "also read",
    "see also",
    "related:",
    "related articles",
    "related stories",
    "more:",
    "share this",
    "share on",
    "share:",
    "sign up",
    "subscribe to",
    "follow us",
    "click here",
    "advertisement",
    "lesen sie auch",
    "lesen sie mehr",
    "mehr zum thema",
    "auch interessant",
    "das könnte sie auch interessieren",
    "anzeige",
    "werbung",
    "zum thema:",
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "voir aussi",
    "leer más",
    "lee también",
    "leggi anche",
    "tags:",
    "tagged:",
    "tagged with",
    "schlagwörter",
    "schlagworte",
    "kategorien:",
    "kategorie:",
    "categories:",
    "category:",
    "filed under",
    "posted in",
    "copyright",
    "©",
    "all rights reserved",
    "photo:",
    "image:",
    "foto:",
    "bild:",
    "credit:",
    "getty images",
    "loading",
    "like this:",
    "gefällt mir:",
    "teilen:",
    "diesen artikel teilen",
    "artikel teilen",
    "newsletter",
    "bildquelle",
    "quelle: getty",
    "don't miss",
    "don’t miss",
    "continue reading",
    "more great",
    "most popular",
    "most read",
    "recommended for you",
    "you may also like",
    "you might also like",
    "published:",
    "updated:",
    "posted:",
    "last updated",
    "this entry was posted",
    "about the author",
    "if you enjoyed",
    "we want to hear",
    "advertising disclosure",
    "advertiser disclosure",
    "kommentare geschlossen",
    "beitragsbild",
    "titelbild",
    "über den autor",
    "empfohlene beiträge",
    "weitere beiträge",
    "mehr themen",
    "das könnte dich",
    "das könnte sie",
    "externer inhalt",
    "schon gelesen",
    "lade weitere",
    "reklama",
    "publikacja:",
    "czytaj też",
    "czytaj także",
    "leia também",
    "leia mais",
    "ver también",
    "lee más",
];

/// Openings of byline lines ("By Jane Doe and John Roe"); short lines only.
const BYLINE_OPENINGS: &[&str] = &["by ", "von ", "par ", "por ", "door "];

/// Bylines and datelines are looked for among this many first paragraphs.
const HEAD_PARAGRAPHS: usize = 3;
/// Bylines and datelines are at most this long.
const BYLINE_MAX_CHARS: usize = 90;

/// Whole lines that are buttons or labels.
const PROMO_LINES: &[&str] = &[
    "share",
    "tweet",
    "email",
    "print",
    "facebook",
    "twitter",
    "whatsapp",
    "linkedin",
    "pinterest",
    "reddit",
    "comments",
    "comment",
    "reply",
    "menu",
    "search",
    "advertisement",
    "ad",
    "anzeige",
    "werbung",
    "teilen",
    "drucken",
    "top",
    "back to top",
    "nach oben",
    "more",
    "mehr",
];

/// Short lines under this many characters are checked against the promo rules.
const PROMO_MAX_CHARS: usize = 160;

fn is_promo(paragraph: &str) -> bool {
    let chars = paragraph.chars().count();
    if chars <= CAPTION_MAX_CHARS && (is_credited_caption(paragraph) || is_teaser_link(paragraph)) {
        return true;
    }
    if chars > PROMO_MAX_CHARS {
        return chars <= DISCLOSURE_MAX_CHARS && is_disclosure(&paragraph.to_lowercase());
    }
    let lower = paragraph.to_lowercase();
    if is_disclosure(&lower) {
        return true;
    }
    let bare = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if PROMO_LINES.contains(&bare) || !lower.chars().any(char::is_alphanumeric) {
        return true;
    }
    if PROMO_OPENINGS.iter().any(|p| {
        lower
            .strip_prefix(p)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphabetic()) || p.ends_with(':'))
    }) {
        return true;
    }
    PROMO_PHRASES.iter().any(|p| lower.contains(p)) || is_breadcrumb(paragraph)
}

/// Phrases that, anywhere in a short line, make it a call to subscribe, share or buy, or a
/// rights notice.
const PROMO_PHRASES: &[&str] = &[
    "for the full story",
    "already a subscriber",
    "to view the full story",
    "subscribe now",
    "sign up for our",
    "download our app",
    "all rights reserved",
    "alle rechte vorbehalten",
    "tous droits réservés",
    "todos los derechos reservados",
    "wszelkie prawa zastrzeżone",
    "vergiss nicht zu teilen",
    "artikel gefallen?",
    "affiliate link",
    "abonnieren sie",
    "jetzt abonnieren",
    "ios and android",
    "ios und android",
    "android and ios",
    "android und ios",
    "als pdf herunterladen",
    "download as pdf",
    "download the pdf",
    "gefällt ihnen dieser artikel",
    "did you enjoy this article",
    "did you like this article",
    "gibt die meinung des autors wieder",
    "do not necessarily reflect",
    "does not necessarily reflect",
    "um kommentare zu schreiben",
    "to post a comment",
    "to leave a comment",
    "kommentarfeed",
    "diskutieren sie mit",
    "veröffentlicht unter der lizenz",
];

/// A picture's caption, or a teaser linking elsewhere, is at most this long.
const CAPTION_MAX_CHARS: usize = 250;
/// A picture credit after `©` is at most this long.
const CREDIT_MAX_CHARS: usize = 60;

/// "Marco Odermatt, ski star. © AFP / Marco Bertorello": a sentence that ends in a picture
/// credit is the caption of a picture (a rights line alone is a promo line already).
fn is_credited_caption(paragraph: &str) -> bool {
    paragraph.rsplit_once('©').is_some_and(|(caption, credit)| {
        credit.chars().count() < CREDIT_MAX_CHARS
            && caption
                .trim_end_matches([' ', '|'])
                .ends_with(['.', '!', '?', '"', '“', '”'])
    })
}

/// "Information about past weather… more •••": a cut-off teaser with its link to the rest.
fn is_teaser_link(paragraph: &str) -> bool {
    let lower = paragraph.trim().to_lowercase();
    let rest = lower.trim_end_matches(|c: char| "»›•>→ ".contains(c));
    let Some(before) = [
        "mehr",
        "more",
        "weiterlesen",
        "lire la suite",
        "leer más",
        "leggi tutto",
    ]
    .iter()
    .find_map(|word| rest.strip_suffix(word)) else {
        return false;
    };
    let before = before.trim_end();
    before.ends_with('…') || before.ends_with("...")
}

/// Phrases of a publisher's notice about its paid links or advertising (lowercase).
const DISCLOSURE_PHRASES: &[&str] = &[
    "receive compensation",
    "may be compensated",
    "earn a commission",
    "earn commission",
    "advertising policy",
    "advertising disclaimer",
    "accept paid links",
    "as an amazon associate",
    "geld erhalten wir",
    "erhalten wir eine provision",
    "erhalten wir eine kleine provision",
    "als amazon-partner",
];

/// An advertising or affiliate notice is at most this long.
const DISCLOSURE_MAX_CHARS: usize = 700;

fn is_disclosure(lower: &str) -> bool {
    DISCLOSURE_PHRASES.iter().any(|p| lower.contains(p))
}

/// "By Jane Doe", "November 20, 2019 / 1:07 AM / CBS News": a short line that names the
/// author or is mostly a date.
fn is_byline_or_dateline(line: &str, lower: &str) -> bool {
    if line.chars().count() > BYLINE_MAX_CHARS {
        return false;
    }
    if BYLINE_OPENINGS.iter().any(|b| lower.starts_with(b))
        && line
            .split_whitespace()
            .skip(1)
            .take_while(|w| w.starts_with(char::is_uppercase))
            .count()
            >= 1
        && !line.ends_with(['.', '!', '?', ':'])
    {
        return true;
    }
    let words = line.split_whitespace().count();
    words <= 12 && !line.ends_with(['.', '!', '?']) && crate::extract::metadata::has_date(line)
}

/// "Home » Blog » Title", "Startseite > Politik > …".
fn is_breadcrumb(line: &str) -> bool {
    let parts: Vec<&str> = line
        .split(['»', '›', '>', '/', '|', '→'])
        .map(str::trim)
        .collect();
    parts.len() >= 2
        && parts.len() <= 10
        && parts.iter().all(|p| p.split_whitespace().count() <= 12)
        && {
            let first = parts[0].to_lowercase();
            matches!(
                first.as_str(),
                "home"
                    | "start"
                    | "startseite"
                    | "accueil"
                    | "inicio"
                    | "home page"
                    | "homepage"
                    | "news"
            ) || line.contains('»') && parts.iter().all(|p| p.split_whitespace().count() <= 6)
        }
}

/// Plain text of an HTML fragment (a feed item's summary, say), whitespace collapsed.
pub fn html_to_text(fragment: &str) -> String {
    if !fragment.contains('<') && !fragment.contains('&') {
        return normalize(fragment);
    }
    let doc = Document::fragment(&*super::nesting::cap_nesting(fragment));
    normalize(&doc.root().text())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        let doc = Document::from(html);
        let body = doc.select("body");
        paragraphs(body.nodes().first().unwrap()).join("\n\n")
    }

    #[test]
    fn blocks_become_paragraphs() {
        let t = text(
            "<body><p>One  <b>bold</b>\nline.</p><div>Two<br>Three</div><ul><li>a</li><li>b</li></ul></body>",
        );
        assert_eq!(t, "One bold line.\n\nTwo\n\nThree\n\na\n\nb");
    }

    #[test]
    fn promo_lines_and_breadcrumbs_go() {
        let t = text(
            "<body><p>Home » Blog » Rust</p><p>Real text starts here.</p><p>Read more: other story</p>\
            <p>Shares of Apple rose.</p><p>Share</p><p>Tags: rust, news</p></body>",
        );
        assert_eq!(t, "Real text starts here.\n\nShares of Apple rose.");
    }

    #[test]
    fn captions_teaser_links_and_notices_go() {
        let t = text(
            "<body><p>The skier won again on Sunday, his third win of the season.</p>\
            <p>Marco Odermatt, ski star from Switzerland. © AFP / Marco Bertorello</p>\
            <p>Past weather, month by month… more •••</p>\
            <p>This post contains references to products from our advertisers. We may receive \
            compensation when you click on links to those products.</p>\
            <p>For the latest stories download our apps for iOS and Android.</p>\
            <p>Prices rose by 3% … and then fell.</p></body>",
        );
        assert_eq!(
            t,
            "The skier won again on Sunday, his third win of the season.\n\n\
             Prices rose by 3% … and then fell."
        );
    }

    #[test]
    fn headings_with_nothing_under_them_go() {
        let t = text(
            "<body><h2>Part one</h2><p>Text one.</p><h3>Detail</h3><h2>Part two</h2>\
             <p>Text two.</p><h2>More from the channel</h2></body>",
        );
        assert_eq!(t, "Part one\n\nText one.\n\nPart two\n\nText two.");
    }

    #[test]
    fn text_is_nfc() {
        assert_eq!(normalize("Cafe\u{301}  au lait"), "Café au lait");
        assert_eq!(
            normalize("Mit\u{ad}tel\u{ad}al\u{ad}ter\u{200b} war"),
            "Mittelalter war"
        );
    }

    #[test]
    fn html_fragments_become_text() {
        assert_eq!(
            html_to_text("<p>Feed &amp; summary</p> <p>two</p>"),
            "Feed & summary two"
        );
        assert_eq!(html_to_text("plain   text"), "plain text");
    }
}
