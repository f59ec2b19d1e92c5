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

/// The canonical form of `url`: lowercase host (the `url` crate does it), no fragment, no
/// default port, no tracking parameters. Unparseable input comes back trimmed.
pub fn canonical_url(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url.trim()) else {
        return url.trim().to_owned();
    };
    parsed.set_fragment(None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(name, _)| !is_tracking_param(name))
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
    fn unparseable_input_is_kept() {
        assert_eq!(canonical_url(" not a url "), "not a url");
    }
}
