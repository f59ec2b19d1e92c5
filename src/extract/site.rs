//! Per-site rules from the config (`[[site]]` in `newsd.toml`): where a site's article body is
//! and which blocks to drop, for the sites where the general rules fall short.

use crate::config::SiteRule;

/// The rules that apply to one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteRules {
    /// CSS selector of the article body; when it matches, the main-text search is skipped.
    pub body: Option<String>,
    /// CSS selectors of blocks to remove before extraction.
    pub remove: Vec<String>,
}

impl SiteRules {
    /// The rules of the first `[[site]]` whose host is the URL's host or a parent domain of it
    /// (`france24.com` applies to `www.france24.com`).
    pub fn for_url(sites: &[SiteRule], url: &str) -> SiteRules {
        let Some(host) = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        else {
            return SiteRules::default();
        };
        sites
            .iter()
            .find(|site| {
                let want = site.host.trim_start_matches("www.").to_ascii_lowercase();
                host == want || host.ends_with(&format!(".{want}"))
            })
            .map(|site| SiteRules {
                body: site.body.clone(),
                remove: site.remove.clone(),
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_host_and_its_subdomains() {
        let sites = vec![SiteRule {
            host: "france24.com".into(),
            body: Some(".t-content__body".into()),
            remove: vec![".m-em-quote".into()],
        }];
        let rules = SiteRules::for_url(&sites, "https://www.france24.com/en/x");
        assert_eq!(rules.body.as_deref(), Some(".t-content__body"));
        assert_eq!(
            SiteRules::for_url(&sites, "https://notfrance24.com/x"),
            SiteRules::default()
        );
    }
}
