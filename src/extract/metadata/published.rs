//! Which of the dates a page states is its publication date: the declared one, unless the
//! date the page shows by its headline tells a reader otherwise.

use super::dates::PageDate;

/// The page's dates, each from one kind of source.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    /// Declared publication dates (JSON-LD, `article:published_time`, `itemprop`), best first.
    pub declared: Vec<PageDate>,
    /// The date in the URL path.
    pub url: Option<PageDate>,
    /// The first `<time datetime>`.
    pub time: Option<PageDate>,
    /// The date written closest to the headline.
    pub near_headline: Option<PageDate>,
    /// Generic page dates (`<meta name=date>`, Dublin Core), often the last edit.
    pub page: Option<PageDate>,
    /// A date after a publication label anywhere in the text ("Posted on").
    pub labelled: Option<PageDate>,
    /// A date in the page's date or byline blocks.
    pub in_date_block: Option<PageDate>,
    /// Declared modification dates.
    pub modified: Vec<PageDate>,
    /// A date after an update label ("Last modified", "Aktualisiert am").
    pub update_labelled: Option<PageDate>,
}

/// The publication date among `sources`.
///
/// The declared date is believed first, then the URL's, the markup's and the text's. But a
/// page shows readers the date it stands by, and the declared one can be a stale original (a
/// republished or revised article), another page's, or a UTC day that is not the publisher's:
/// the date by the headline wins when the page declares it too (as published, modified or
/// page date), or when it is the local day of a date declared in UTC.
pub(crate) fn choose(sources: &Sources) -> Option<PageDate> {
    let first = sources
        .declared
        .first()
        .or(sources.url.as_ref())
        .or(sources.time.as_ref())
        .or(sources.near_headline.as_ref())
        .or(sources.page.as_ref())
        .or(sources.labelled.as_ref())
        .or(sources.in_date_block.as_ref())
        .or(sources.modified.first())
        .or(sources.update_labelled.as_ref())
        .copied();
    let (Some(first), Some(shown)) = (first, sources.near_headline) else {
        return first;
    };
    if first.day == shown.day {
        return Some(first);
    }
    let declared_elsewhere = sources
        .declared
        .iter()
        .chain(&sources.modified)
        .chain(&sources.url)
        .chain(&sources.time)
        .chain(&sources.page)
        .any(|d| d.day == shown.day);
    if declared_elsewhere || first.may_be_local(shown.day) {
        Some(shown)
    } else {
        Some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::super::dates::parse_machine;
    use super::*;

    fn date(text: &str) -> PageDate {
        parse_machine(text).unwrap()
    }

    fn day(sources: &Sources) -> String {
        choose(sources).unwrap().day.to_string()
    }

    #[test]
    fn the_declared_date_wins_over_an_unrelated_shown_date() {
        let sources = Sources {
            declared: vec![date("2023-10-30T14:01:00+01:00")],
            near_headline: Some(date("2023-10-31")),
            ..Sources::default()
        };
        assert_eq!(day(&sources), "2023-10-30");
    }

    #[test]
    fn a_shown_revision_date_the_page_declares_wins() {
        // An updated article shows its revision date; the reader (and the index) go by it.
        let sources = Sources {
            declared: vec![date("2019-10-15T16:59:59.000Z")],
            modified: vec![date("2020-03-12T14:42:17.000Z")],
            near_headline: Some(date("2020-03-12")),
            ..Sources::default()
        };
        assert_eq!(day(&sources), "2020-03-12");
    }

    #[test]
    fn the_publisher_day_of_a_utc_date_is_the_shown_one() {
        let sources = Sources {
            declared: vec![date("Wed, 04 May 2022 02:41:00 GMT")],
            near_headline: Some(date("2022-05-03")),
            ..Sources::default()
        };
        assert_eq!(day(&sources), "2022-05-03");
    }

    #[test]
    fn a_modified_date_is_the_last_resort() {
        let sources = Sources {
            modified: vec![date("2021-01-17")],
            ..Sources::default()
        };
        assert_eq!(day(&sources), "2021-01-17");
    }
}
