//! A feed's own polling hints: RSS `<ttl>` (read by feed-rs) and the RSS syndication module's
//! `sy:updatePeriod` / `sy:updateFrequency` (read here with a scan over the text).

use std::time::Duration;

/// The larger of two optional intervals.
pub(crate) fn max_interval(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// `sy:updatePeriod` (hourly, daily, weekly, monthly, yearly; daily when absent) divided by
/// `sy:updateFrequency` (1 when absent). `None` when the feed has neither element.
pub(crate) fn syndication_interval(text: &str) -> Option<Duration> {
    let period = element_text(text, "updatePeriod");
    let frequency = element_text(text, "updateFrequency");
    if period.is_none() && frequency.is_none() {
        return None;
    }
    let period_secs: u64 = match period.map(str::to_ascii_lowercase).as_deref() {
        Some("hourly") => 3600,
        None | Some("daily") => 86_400,
        Some("weekly") => 7 * 86_400,
        Some("monthly") => 30 * 86_400,
        Some("yearly") => 365 * 86_400,
        Some(_) => return None,
    };
    let frequency = frequency
        .and_then(|f| f.parse::<u64>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(Duration::from_secs(period_secs / frequency))
}

/// Trimmed text of the first element whose local name is `local` (any prefix).
fn element_text<'a>(text: &'a str, local: &str) -> Option<&'a str> {
    let finder = memchr::memmem::Finder::new(local.as_bytes());
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = finder.find(&bytes[from..]) {
        let at = from + found;
        from = at + local.len();
        // A start tag: `<local` or `<prefix:local`, then `>` or attributes.
        let before = &text[..at];
        let is_start = before.rfind('<').is_some_and(|lt| {
            let between = &before[lt + 1..];
            between.is_empty()
                || between.strip_suffix(':').is_some_and(|prefix| {
                    prefix
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                })
        });
        let rest = &text[from..];
        if !is_start || !rest.starts_with(['>', ' ']) {
            continue;
        }
        let open_end = rest.find('>')?;
        let body = &rest[open_end + 1..];
        let close = body.find('<')?;
        return Some(body[..close].trim()).filter(|t| !t.is_empty());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syndication_period_divided_by_frequency() {
        let text =
            "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>";
        assert_eq!(syndication_interval(text), Some(Duration::from_secs(1800)));
        assert_eq!(
            syndication_interval("<sy:updatePeriod> weekly </sy:updatePeriod>"),
            Some(Duration::from_secs(7 * 86_400))
        );
        assert_eq!(syndication_interval("<title>updatePeriod</title>"), None);
        assert_eq!(syndication_interval("<rss/>"), None);
    }

    #[test]
    fn larger_interval_wins() {
        let (a, b) = (Duration::from_secs(60), Duration::from_secs(3600));
        assert_eq!(max_interval(Some(a), Some(b)), Some(b));
        assert_eq!(max_interval(None, Some(a)), Some(a));
        assert_eq!(max_interval(None, None), None);
    }
}
