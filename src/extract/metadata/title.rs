//! The headline: the page's `<h1>` when the metadata confirms it, else the declared title
//! without the site name ("Headline | Site" → "Headline").

/// Separators between a headline and a site name in `<title>` and `og:title`.
const SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " » ", " « ", " :: ", " · ", " // ", " › ",
];

/// Picks the headline from the page's `<h1>`s, its declared titles (`og:title`, JSON-LD,
/// best first) and its `<title>`.
pub(crate) fn choose(
    h1s: &[String],
    declared: &[String],
    doc_title: Option<&str>,
    site: Option<&str>,
) -> Option<String> {
    let references: Vec<&str> = declared
        .iter()
        .map(String::as_str)
        .chain(doc_title)
        .collect();
    let h1s: Vec<&str> = h1s
        .iter()
        .map(String::as_str)
        .filter(|h| !h.is_empty() && h.chars().count() <= 300)
        .collect();
    if let Some(h1) = h1s
        .iter()
        .find(|h| references.iter().any(|r| similar(h, r)))
    {
        return Some((*h1).to_owned());
    }
    if let [only] = h1s.as_slice()
        && only.split_whitespace().count() >= 2
        && site.is_none_or(|s| !only.eq_ignore_ascii_case(s))
    {
        return Some((*only).to_owned());
    }
    references
        .iter()
        .map(|r| strip_site(r, site))
        .find(|t| !t.is_empty())
}

/// Whether a `<h1>` is the headline a declared title names: one holds the other, or most
/// words agree.
fn similar(h1: &str, reference: &str) -> bool {
    let (a, b) = (h1.to_lowercase(), reference.to_lowercase());
    if a.chars().count() < 4 {
        return false;
    }
    if b.contains(&a) && a.chars().count() * 3 >= b.chars().count() {
        return true;
    }
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (wa, wb) = (words(&a), words(&b));
    if wa.is_empty() {
        return false;
    }
    let shared = wa.iter().filter(|w| wb.contains(w)).count();
    shared * 10 >= wa.len() * 8 && shared * 10 >= wb.len() * 5
}

/// A declared title without the site name part.
fn strip_site(title: &str, site: Option<&str>) -> String {
    let title = title.trim();
    let mut parts = vec![title];
    for sep in SEPARATORS {
        parts = parts.iter().flat_map(|p| p.split(sep)).collect();
    }
    if parts.len() == 1 {
        return title.to_owned();
    }
    let kept: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| site.is_none_or(|s| !p.trim().eq_ignore_ascii_case(s.trim())))
        .collect();
    let candidates = if kept.is_empty() { &parts } else { &kept };
    candidates
        .iter()
        .max_by_key(|p| p.split_whitespace().count())
        .map_or_else(|| title.to_owned(), |p| p.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn confirmed_h1_wins() {
        let t = choose(
            &s(&["Example News", "Talks resume in Geneva"]),
            &s(&["Talks resume in Geneva | Example News"]),
            None,
            None,
        );
        assert_eq!(t.as_deref(), Some("Talks resume in Geneva"));
    }

    #[test]
    fn site_name_is_stripped_from_declared_titles() {
        let t = choose(
            &[],
            &[],
            Some("Klänge des Verschweigens - Example Site"),
            Some("Example Site"),
        );
        assert_eq!(t.as_deref(), Some("Klänge des Verschweigens"));
        let t = choose(
            &[],
            &[],
            Some("Geschichte | Klänge des Verschweigens"),
            None,
        );
        assert_eq!(t.as_deref(), Some("Klänge des Verschweigens"));
    }
}
