//! Schema.org JSON-LD: the `Article`-like object of a page's `<script type=application/ld+json>`
//! blocks (top-level, in arrays, under `@graph` or `mainEntity`), and what it says.

use serde_json::Value;

/// What the page's JSON-LD says about the article.
#[derive(Debug, Default)]
pub(crate) struct JsonLd {
    pub headline: Option<String>,
    pub authors: Vec<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub image: Option<String>,
    pub section: Option<String>,
    pub publisher: Option<String>,
    pub language: Option<String>,
}

/// `@type`s whose object is the article itself, best first.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "Article",
    "BlogPosting",
    "LiveBlogPosting",
    "TechArticle",
    "ScholarlyArticle",
    "Report",
    "SocialMediaPosting",
    "DiscussionForumPosting",
    "Review",
    "Recipe",
    "HowTo",
];

/// Types that describe the page, used only where no article object says more.
const PAGE_TYPES: &[&str] = &["WebPage", "ItemPage", "AboutPage", "VideoObject", "Event"];

/// Reads the blocks' JSON (each a script's text) and merges what the best object says, page
/// objects filling gaps.
pub(crate) fn read<'a>(blocks: impl Iterator<Item = &'a str>) -> JsonLd {
    let values: Vec<Value> = blocks.filter_map(parse_lenient).collect();
    let mut objects = Vec::new();
    for value in &values {
        collect(value, &mut objects, 0);
    }
    let rank = |v: &Value| -> Option<usize> {
        let types = types(v);
        ARTICLE_TYPES
            .iter()
            .position(|t| types.iter().any(|x| x == t))
            .or_else(|| {
                PAGE_TYPES
                    .iter()
                    .position(|t| types.iter().any(|x| x == t))
                    .map(|p| p + ARTICLE_TYPES.len())
            })
    };
    let mut ranked: Vec<(usize, &Value)> = objects
        .iter()
        .filter_map(|v| {
            // Any other object that carries a publication date ranks last.
            let last = v.get("datePublished").is_some().then_some(usize::MAX);
            rank(v).or(last).map(|r| (r, *v))
        })
        .collect();
    ranked.sort_by_key(|(r, _)| *r);
    let mut out = JsonLd::default();
    for (rank, object) in ranked {
        let is_article = rank < ARTICLE_TYPES.len();
        fill(&mut out.published, string(object.get("datePublished")));
        fill(&mut out.modified, string(object.get("dateModified")));
        fill(&mut out.language, string(object.get("inLanguage")));
        if !is_article {
            continue;
        }
        fill(
            &mut out.headline,
            string(object.get("headline")).or_else(|| string(object.get("name"))),
        );
        if out.authors.is_empty() {
            out.authors = names(object.get("author").or(object.get("creator")));
        }
        fill(&mut out.image, image(object.get("image")));
        fill(&mut out.section, string(object.get("articleSection")));
        fill(
            &mut out.publisher,
            names(object.get("publisher")).into_iter().next(),
        );
    }
    out
}

fn fill(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// JSON as pages write it: with raw control characters in strings, or a trailing `;`.
fn parse_lenient(block: &str) -> Option<Value> {
    let block = block
        .trim()
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("]]>");
    let block = block.trim().trim_end_matches(';');
    serde_json::from_str(block).ok().or_else(|| {
        let cleaned: String = block
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&cleaned).ok()
    })
}

/// Every object with a `@type`, depth-first, through arrays, `@graph` and `mainEntity`.
fn collect<'v>(value: &'v Value, out: &mut Vec<&'v Value>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, out, depth + 1)),
        Value::Object(map) => {
            if map.contains_key("@type") {
                out.push(value);
            }
            for key in ["@graph", "mainEntity", "mainEntityOfPage"] {
                if let Some(inner) = map.get(key) {
                    collect(inner, out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn types(value: &Value) -> Vec<&str> {
    match value.get("@type") {
        Some(Value::String(t)) => vec![t.rsplit('/').next().unwrap_or(t)],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A string value, the first of an array, or an object's `@value`/`name`.
fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Array(items) => items.iter().find_map(|v| string(Some(v))),
        Value::Object(map) => string(map.get("@value").or(map.get("name"))),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Names of people or organisations: a string, `{name}`, or an array of either.
fn names(value: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |v: &Value| {
        let name = match v {
            Value::String(s) => Some(s.as_str()),
            Value::Object(map) => map.get("name").and_then(|n| match n {
                Value::String(s) => Some(s.as_str()),
                Value::Array(a) => a.first().and_then(Value::as_str),
                _ => None,
            }),
            _ => None,
        };
        if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
            out.push(name.to_owned());
        }
    };
    match value {
        Some(Value::Array(items)) => items.iter().for_each(&mut push),
        Some(v) => push(v),
        None => {}
    }
    out
}

fn image(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Array(items) => items.iter().find_map(|v| image(Some(v))),
        Value::Object(map) => string(map.get("url").or(map.get("contentUrl"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_article_in_a_graph() {
        let block = r#"{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"Example"},
            {"@type":"WebPage","datePublished":"2020-01-01T00:00:00Z"},
            {"@type":["NewsArticle"],"headline":"Talks resume","datePublished":"2021-04-28T09:00:00+02:00",
             "author":[{"@type":"Person","name":"Ann Lee"},{"@type":"Person","name":"Bo Chen"}],
             "image":{"@type":"ImageObject","url":"https://x.example/a.jpg"},
             "articleSection":["World"],"publisher":{"@type":"Organization","name":"Example News"}}]}"#;
        let ld = read(std::iter::once(block));
        assert_eq!(ld.headline.as_deref(), Some("Talks resume"));
        assert_eq!(ld.authors, ["Ann Lee", "Bo Chen"]);
        assert_eq!(ld.published.as_deref(), Some("2021-04-28T09:00:00+02:00"));
        assert_eq!(ld.image.as_deref(), Some("https://x.example/a.jpg"));
        assert_eq!(ld.section.as_deref(), Some("World"));
        assert_eq!(ld.publisher.as_deref(), Some("Example News"));
    }

    #[test]
    fn tolerates_raw_newlines_in_strings() {
        let block = "{\"@type\":\"BlogPosting\",\"headline\":\"Two\nlines\",\"author\":\"Jo\"};";
        let ld = read(std::iter::once(block));
        assert_eq!(ld.headline.as_deref(), Some("Two lines"));
        assert_eq!(ld.authors, ["Jo"]);
    }
}
