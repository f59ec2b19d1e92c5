//! URL canonicalization: one spelling per article URL, so that `?utm_source=rss`, `#comments`
//! or an upper-case host do not make a second article.

use url::Url;

/// Query parameters that only track where a click came from.
fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || name.starts_with("mc_")
        || matches!(
            name.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "yclid"
                | "igshid"
                | "ref"
                | "ref_src"
                | "cmpid"
                | "xtor"
                | "at_medium"
                | "at_campaign"
                | "ito"
                | "ocid"
                | "smid"
        )
}

/// Query parameters that ask for the AMP rendering of a page (`?amp`, `?amp=1`,
/// `?outputType=amp`).
fn is_amp_param(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(name.as_str(), "amp" | "_amp" | "usqp")
        || (name == "outputtype" && value.eq_ignore_ascii_case("amp"))
}

/// The page an AMP cache URL serves: `https://www-example-com.cdn.ampproject.org/c/s/www.example.com/a`
/// is `https://www.example.com/a`.
fn amp_cache_origin(url: &Url) -> Option<Url> {
    if !url.host_str()?.ends_with(".cdn.ampproject.org") {
        return None;
    }
    let path = url.path();
    let (scheme, rest) = if let Some(rest) = path.strip_prefix("/c/s/") {
        ("https", rest)
    } else {
        ("http", path.strip_prefix("/c/")?)
    };
    let mut origin = Url::parse(&format!("{scheme}://{rest}")).ok()?;
    origin.set_query(url.query());
    Some(origin)
}

/// The path without its AMP marker: a `/amp` segment at either end, or an `.amp` suffix
/// (`/story.amp`, `/story.amp.html`).
fn strip_amp_path(path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    for suffix in ["/amp/", "/amp"] {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            return Some(format!("{}/", &path[..path.len() - suffix.len()]));
        }
    }
    if lower.starts_with("/amp/") && lower.len() > "/amp/".len() {
        return Some(path["/amp".len()..].to_owned());
    }
    if let Some(at) = lower.rfind(".amp") {
        let after = &lower[at + ".amp".len()..];
        if after.is_empty() || after == ".html" || after == ".htm" {
            return Some(format!("{}{}", &path[..at], &path[at + ".amp".len()..]));
        }
    }
    None
}

/// The canonical form of `url`: lowercase host (the `url` crate does it), no fragment, no
/// default port, no tracking parameters, and the regular page for its AMP variant (AMP cache
/// URL, `/amp` path segment, `.amp` suffix, `?amp=1`). Unparseable input comes back trimmed.
pub fn canonical_url(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url.trim()) else {
        return url.trim().to_owned();
    };
    if let Some(origin) = amp_cache_origin(&parsed) {
        parsed = origin;
    }
    if let Some(path) = strip_amp_path(parsed.path()) {
        parsed.set_path(&path);
    }
    parsed.set_fragment(None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(name, value)| !is_tracking_param(name) && !is_amp_param(name, value))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_tracking_fragment_and_default_port() {
        assert_eq!(
            canonical_url(
                "https://WWW.France24.com:443/en/article?utm_source=rss&utm_medium=x#top"
            ),
            "https://www.france24.com/en/article"
        );
        assert_eq!(
            canonical_url("http://news.example/a?id=7&fbclid=abc"),
            "http://news.example/a?id=7"
        );
    }

    #[test]
    fn amp_variants_fold_into_the_regular_page() {
        let page = "https://www.example.com/world/2025/11/04/talks/";
        for amp in [
            "https://www.example.com/world/2025/11/04/talks/amp/",
            "https://www.example.com/world/2025/11/04/talks/amp",
            "https://www.example.com/amp/world/2025/11/04/talks/",
            "https://www.example.com/world/2025/11/04/talks/?amp=1",
            "https://www.example.com/world/2025/11/04/talks/?outputType=amp",
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/world/2025/11/04/talks/",
        ] {
            assert_eq!(canonical_url(amp), page, "{amp}");
        }
        assert_eq!(
            canonical_url("https://news.example/story-1.amp.html"),
            "https://news.example/story-1.html"
        );
        assert_eq!(
            canonical_url("https://news.example/story-1.amp"),
            "https://news.example/story-1"
        );
        // Words that merely contain "amp" are left alone.
        for kept in [
            "https://news.example/camp/champions",
            "https://news.example/stamp.html",
            "https://news.example/a?ampersand=1",
        ] {
            assert_eq!(canonical_url(kept), kept);
        }
    }

    #[test]
    fn unparseable_input_is_kept() {
        assert_eq!(canonical_url(" not a url "), "not a url");
    }
}
