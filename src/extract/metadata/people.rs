//! Author names as pages write them, cleaned: "By Jane Doe | 5 May 2020" → "Jane Doe".

/// Words that introduce a byline rather than belong to the name (lowercase, with the space).
const PREFIXES: &[&str] = &[
    "view all posts by ",
    "all posts by ",
    "more posts by ",
    "zeige alle beiträge von ",
    "alle beiträge von ",
    "alle artikel von ",
    "written by ",
    "posted by ",
    "published by ",
    "post author ",
    "story by ",
    "words by ",
    "text by ",
    "author: ",
    "authors: ",
    "autor: ",
    "autorin: ",
    "autor ",
    "autorin ",
    "text: ",
    "von ",
    "by ",
    "par ",
    "por ",
    "door ",
    "di ",
    "de ",
    "from ",
];

/// Where a byline stops being a name.
const CUTS: &[&str] = &[
    " | ",
    " · ",
    " • ",
    " – ",
    " — ",
    " - ",
    " on ",
    " am ",
    " le ",
    " el ",
    " il ",
    " posted ",
    " updated ",
    " published ",
    "\n",
    " says:",
    " sagt:",
    " alle artikel",
    " alles von",
    " alle beiträge",
    " kontakt",
    " zeige alle",
    " view all",
    " more from",
    " →",
    " über ",
];

/// Lines that sit where a byline does but name nobody (lowercase).
const NOT_NAMES: &[&str] = &[
    "by",
    "von",
    "par",
    "por",
    "posted",
    "published",
    "veröffentlicht",
    "edit",
    "about",
    "über",
    "about the author",
    "über den autor",
    "no author",
    "admin",
    "author",
    "autor",
    "autorin",
    "authors",
    "share",
    "teilen",
    "kontakt",
    "contact",
    "alle beiträge",
    "more",
];

/// Degrees after a name ("Grant Tinsley, PhD").
const DEGREES: &[&str] = &[
    "PhD", "Ph.D.", "MD", "M.D.", "RD", "MS", "MA", "MBA", "MPH", "RN", "DO",
];

/// A cleaned author name, or `None` when `raw` does not look like one.
pub(crate) fn clean(raw: &str) -> Option<String> {
    let decoded;
    let raw = if raw.contains('&') && raw.contains(';') {
        decoded = dom_query::Document::fragment(raw).root().text().to_string();
        decoded.as_str()
    } else {
        raw
    };
    let mut name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let lower = name.to_lowercase();
        // "By Jane", "By: Jane", "By, Jane" (the word and the name in separate elements)
        let Some(prefix) = PREFIXES.iter().find(|p| {
            let word = p.trim_end();
            lower.starts_with(*p)
                || lower.starts_with(word)
                    && lower[word.len()..].starts_with([':', ',', '|'])
                    && !word.ends_with(':')
        }) else {
            break;
        };
        let cut = if lower.starts_with(*prefix) {
            prefix.len()
        } else {
            prefix.trim_end().len() + 1
        };
        name = name[cut..].trim_start().to_owned();
    }
    for cut in CUTS {
        if let Some(at) = name.to_lowercase().find(cut)
            && at > 0
        {
            name.truncate(at);
        }
    }
    let name = name
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '|' | ',' | '-' | ':' | '·' | '•'))
        .to_owned();
    let mut name = name;
    for degree in DEGREES {
        if let Some(stripped) = name
            .strip_suffix(degree)
            .and_then(|n| n.trim_end().strip_suffix(','))
        {
            name = stripped.trim_end().to_owned();
        }
    }
    let lower = name.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) || lower.contains("admin") || lower.contains("[at]") {
        return None;
    }
    // "example.de" is the site, not a person.
    if !name.contains(' ')
        && name.rsplit_once('.').is_some_and(|(_, tld)| {
            (2..=4).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_lowercase())
        })
    {
        return None;
    }
    let words = name.split_whitespace().count();
    let digits = name.chars().filter(char::is_ascii_digit).count();
    let plausible = !name.is_empty()
        && name.chars().count() <= 80
        && words <= 10
        && digits <= 2
        && !name.contains('@')
        && !name.contains("://")
        && !name.starts_with("www.")
        && name.chars().any(char::is_alphabetic);
    plausible.then_some(name)
}

/// Cleans each name and drops empty ones and repeats, keeping the order.
pub(crate) fn clean_all<'a>(raw: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in raw.into_iter().filter_map(clean) {
        if !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_byline_words_and_trailers() {
        assert_eq!(
            clean("  By Jane   Doe | 5 May 2020").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(clean("von Heiko").as_deref(), Some("Heiko"));
        assert_eq!(
            clean("Post author By Helge Fahrnberger").as_deref(),
            Some("Helge Fahrnberger")
        );
        assert_eq!(
            clean("Written by Ann Lee on March 3, 2020").as_deref(),
            Some("Ann Lee")
        );
        assert_eq!(clean("Anna-Lena Roth").as_deref(), Some("Anna-Lena Roth"));
        assert_eq!(clean("By, Daniel").as_deref(), Some("Daniel"));
        assert_eq!(
            clean("View all posts by Daniel Lemire").as_deref(),
            Some("Daniel Lemire")
        );
        assert_eq!(
            clean("Grant Tinsley, PhD").as_deref(),
            Some("Grant Tinsley")
        );
        assert_eq!(
            clean("Redacci&oacute;n Diario").as_deref(),
            Some("Redacción Diario")
        );
    }

    #[test]
    fn rejects_what_is_not_a_name() {
        assert_eq!(clean("https://www.facebook.com/someone"), None);
        assert_eq!(clean("By"), None);
        assert_eq!(clean("news@example.com"), None);
        assert_eq!(clean("12.03.2020 14:55"), None);
        assert_eq!(clean("example.de"), None);
        assert_eq!(clean("Posted"), None);
    }
}
