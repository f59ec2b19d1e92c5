//! Dates as pages write them: ISO 8601 / RFC 3339, RFC 2822, `19.11.2019`, `November 19, 2019`,
//! `19. November 2019` (English, German, French, Spanish, Italian, Dutch, Portuguese month
//! names), and `/2019/11/19/` in a URL path.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A date a page states: the day in the page's own time zone, and the instant when known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PageDate {
    pub day: NaiveDate,
    pub instant: DateTime<Utc>,
    /// The date was written as a UTC time of day, so `day` is UTC's, which need not be the
    /// publisher's (an evening story in New York is dated the next day in UTC).
    pub utc: bool,
}

impl PageDate {
    fn from_day(day: NaiveDate) -> PageDate {
        PageDate {
            day,
            instant: Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)),
            utc: false,
        }
    }

    fn from_local(t: NaiveDateTime) -> PageDate {
        PageDate {
            day: t.date(),
            instant: Utc.from_utc_datetime(&t),
            utc: false,
        }
    }

    fn from_fixed(t: DateTime<FixedOffset>) -> PageDate {
        let utc = t.offset().local_minus_utc() == 0;
        let mut day = t.date_naive();
        if utc && local_midnight(t.time()) {
            day = day.succ_opt().unwrap_or(day);
        }
        PageDate {
            day,
            instant: t.with_timezone(&Utc),
            utc,
        }
    }

    /// Whether the publisher's local day of this date may be `day`: the same day, or, for a
    /// date written in UTC, the day some usual time zone (UTC−10 to UTC+10) gives the instant.
    pub(crate) fn may_be_local(&self, day: NaiveDate) -> bool {
        if self.day == day {
            return true;
        }
        let hours = |h| chrono::Duration::hours(h);
        self.utc
            && [hours(-10), hours(10)]
                .iter()
                .any(|&shift| (self.instant + shift).date_naive() == day)
    }
}

/// Whether a UTC time of day is a midnight east of Greenwich (`22:00:00Z` is midnight in
/// Berlin in summer): a CMS that stores days as local midnights and writes them in UTC.
fn local_midnight(time: NaiveTime) -> bool {
    use chrono::Timelike;
    (21..=23).contains(&time.hour()) && time.minute() == 0 && time.second() == 0
}

/// Years a news page can plausibly be dated with.
const YEARS: std::ops::RangeInclusive<i32> = 1995..=2100;

/// Parses a machine-readable date (metadata, `<time datetime>`, JSON-LD): the whole value is
/// a date, perhaps with a time and an offset.
pub(crate) fn parse_machine(text: &str) -> Option<PageDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(PageDate::from_fixed(t)).filter(plausible);
    }
    // `Z` is an offset too (`2021-11-04T23:00Z`, without seconds, is no RFC 3339).
    let zoned = match text.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => text.to_owned(),
    };
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&zoned, format) {
            return Some(PageDate::from_fixed(t)).filter(plausible);
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(PageDate::from_fixed(t)).filter(plausible);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(PageDate::from_local(t)).filter(plausible);
        }
    }
    if let Some(date) = java_date(text) {
        return Some(date).filter(plausible);
    }
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d")
            .ok()
            .map(PageDate::from_day)
            .filter(plausible);
    }
    find_in_text(text)
}

/// Java's `Date.toString()`, as Java CMSs write it into metadata: `Mon Oct 11 14:57:21 CEST
/// 2021`. The zone is a name, not an offset, so the day is the page's and the instant is read as
/// if it were UTC.
fn java_date(text: &str) -> Option<PageDate> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [weekday, month, day, time, _zone, year] = words[..] else {
        return None;
    };
    let t = NaiveDateTime::parse_from_str(
        &format!("{weekday} {month} {day} {time} {year}"),
        "%a %b %d %H:%M:%S %Y",
    )
    .ok()?;
    Some(PageDate::from_local(t))
}

fn plausible(date: &PageDate) -> bool {
    use chrono::Datelike;
    YEARS.contains(&date.day.year())
}

/// The first date written anywhere in `text` ("Posted on 5. April 2017 by …").
pub(crate) fn find_in_text(text: &str) -> Option<PageDate> {
    let tokens = tokenize(text);
    (0..tokens.len()).find_map(|i| date_at(&tokens[i..]).map(PageDate::from_day))
}

/// A date in a URL path: `/2019/11/19/`, `/2019-11-19-…`, `/29-10-2021`, `/20191119/`.
pub(crate) fn from_url(url: &str) -> Option<PageDate> {
    let path = url::Url::parse(url).ok()?.path().to_owned();
    let nums: Vec<&str> = path
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect();
    // Year first, the three numbers side by side (`/2019/11/19/`), not a day taken from a
    // word (`/2021/10/meldung_01/`).
    let tokens = tokenize(&path);
    for window in tokens.windows(5) {
        if let [
            Tok::Num(y),
            Tok::Sep(_),
            Tok::Num(m),
            Tok::Sep(_),
            Tok::Num(d),
        ] = window
            && y.len() == 4
            && m.len() <= 2
            && d.len() <= 2
            && let Some(day) = ymd(y, m, d)
        {
            return Some(PageDate::from_day(day));
        }
    }
    // Day first, written as one date in one segment (`/meldungen/29-10-2021`), not numbers of
    // neighbouring folders (`/04Aktuelles/01Meldungen/2021/`).
    for segment in path.split('/') {
        let tokens = tokenize(segment);
        for window in tokens.windows(5) {
            if let [
                Tok::Num(d),
                Tok::Sep(a),
                Tok::Num(m),
                Tok::Sep(b),
                Tok::Num(y),
            ] = window
                && a == b
                && matches!(a, '-' | '.')
                && y.len() == 4
                && m.len() <= 2
                && d.len() <= 2
                && let Some(day) = ymd(y, m, d)
            {
                return Some(PageDate::from_day(day));
            }
        }
    }
    nums.iter()
        .filter(|n| n.len() == 8)
        .find_map(|n| ymd(&n[..4], &n[4..6], &n[6..]))
        .map(PageDate::from_day)
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let y: i32 = y.parse().ok()?;
    if !YEARS.contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m.parse().ok()?, d.parse().ok()?)
}

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Num(&'a str),
    Word(String),
    Sep(char),
}

fn tokenize(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii_digit() {
            let mut end = start + 1;
            while let Some(&(i, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            out.push(Tok::Num(&text[start..end]));
        } else if c.is_alphabetic() {
            let mut word = c.to_lowercase().collect::<String>();
            while let Some(&(_, d)) = chars.peek() {
                if !d.is_alphabetic() {
                    break;
                }
                word.extend(d.to_lowercase());
                chars.next();
            }
            out.push(Tok::Word(word));
        } else if matches!(c, '-' | '/' | '.' | ',') {
            out.push(Tok::Sep(c));
        } else if !c.is_whitespace() {
            out.push(Tok::Sep('?'));
        }
    }
    out
}

/// A date starting at the first token.
fn date_at(t: &[Tok]) -> Option<NaiveDate> {
    use Tok::{Num, Sep, Word};
    match t {
        // 2019-11-19, 2019/11/19, 2019.11.19
        [Num(y), Sep(a), Num(m), Sep(b), Num(d), ..]
            if y.len() == 4 && a == b && matches!(a, '-' | '/' | '.') =>
        {
            ymd(y, m, d)
        }
        // 19.11.2019, 19-11-2019, 19/11/2019 (day first, as most of the world writes it)
        [Num(d), Sep(a), Num(m), Sep(b), Num(y), ..]
            if y.len() == 4 && d.len() <= 2 && a == b && matches!(a, '.' | '-' | '/') =>
        {
            ymd(y, m, d).or_else(|| ymd(y, d, m))
        }
        // 23.09.22 (two-digit year, dots only)
        [Num(d), Sep('.'), Num(m), Sep('.'), Num(y), rest @ ..]
            if d.len() == 2
                && m.len() == 2
                && y.len() == 2
                && !matches!(rest.first(), Some(Sep('.'))) =>
        {
            ymd(&format!("20{y}"), m, d)
        }
        // 19. November 2019, 19 November 2019, 19 de noviembre de 2019
        [Num(d), rest @ ..] if d.len() <= 2 => {
            let rest = skip(rest, &[".", "de", "th", "st", "nd", "rd", "er"]);
            let (Word(w), rest) = rest.split_first()? else {
                return None;
            };
            let m = month(w)?;
            let rest = skip(rest, &[".", ",", "de", "del"]);
            match rest.first()? {
                Num(y) if y.len() == 4 => ymd(y, &m.to_string(), d),
                _ => None,
            }
        }
        // November 19, 2019; Nov. 19th 2019
        [Word(w), rest @ ..] => {
            let m = month(w)?;
            let rest = skip(rest, &["."]);
            let (Num(d), rest) = rest.split_first()? else {
                return None;
            };
            let rest = skip(rest, &["th", "st", "nd", "rd", ".", ","]);
            match rest.first()? {
                Num(y) if y.len() == 4 && d.len() <= 2 => ymd(y, &m.to_string(), d),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `tokens` without the leading separators and filler words in `skipped`.
fn skip<'t, 'a>(mut tokens: &'t [Tok<'a>], skipped: &[&str]) -> &'t [Tok<'a>] {
    loop {
        match tokens.first() {
            Some(Tok::Sep(c)) if skipped.contains(&c.to_string().as_str()) => {}
            Some(Tok::Word(w)) if skipped.contains(&w.as_str()) => {}
            _ => return tokens,
        }
        tokens = &tokens[1..];
    }
}

/// Month number of a month name or its usual abbreviation.
fn month(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &[
            "january", "jan", "januar", "jänner", "janvier", "enero", "gennaio", "januari",
            "janeiro",
        ],
        &[
            "february",
            "feb",
            "februar",
            "février",
            "fevrier",
            "febrero",
            "febbraio",
            "februari",
            "fevereiro",
        ],
        &[
            "march", "mar", "märz", "maerz", "mars", "marzo", "maart", "março", "marco",
        ],
        &["april", "apr", "avril", "abril", "aprile"],
        &["may", "mai", "mayo", "maggio", "mei", "maio"],
        &["june", "jun", "juni", "juin", "junio", "giugno", "junho"],
        &["july", "jul", "juli", "juillet", "julio", "luglio", "julho"],
        &["august", "aug", "août", "aout", "agosto", "augustus"],
        &[
            "september",
            "sep",
            "sept",
            "septembre",
            "septiembre",
            "settembre",
            "setembro",
        ],
        &[
            "october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "outubro",
        ],
        &["november", "nov", "novembre", "noviembre", "novembro"],
        &[
            "december",
            "dec",
            "dezember",
            "dez",
            "décembre",
            "decembre",
            "diciembre",
            "dicembre",
            "dezembro",
        ],
    ];
    MONTHS
        .iter()
        .position(|names| names.contains(&word))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<String> {
        find_in_text(text).map(|d| d.day.to_string())
    }

    #[test]
    fn machine_dates_keep_the_page_day() {
        let d = parse_machine("2019-11-19T01:30:00+02:00").unwrap();
        assert_eq!(d.day.to_string(), "2019-11-19");
        assert_eq!(d.instant.to_rfc3339(), "2019-11-18T23:30:00+00:00");
        assert_eq!(
            parse_machine("2019-11-19").unwrap().day.to_string(),
            "2019-11-19"
        );
        assert_eq!(
            parse_machine("2019-11-19T10:00:00.000+0100")
                .unwrap()
                .day
                .to_string(),
            "2019-11-19"
        );
        assert_eq!(
            parse_machine("Tue, 19 Nov 2019 10:00:00 GMT")
                .unwrap()
                .day
                .to_string(),
            "2019-11-19"
        );
        assert_eq!(
            parse_machine("Mon Oct 11 14:57:21 CEST 2021")
                .unwrap()
                .day
                .to_string(),
            "2021-10-11"
        );
        assert!(parse_machine("1900-01-01").is_none());
        assert_eq!(
            parse_machine("2021-11-05T12:42Z").unwrap().day.to_string(),
            "2021-11-05"
        );
    }

    #[test]
    fn a_local_midnight_written_in_utc_is_the_next_day() {
        let d = |t| parse_machine(t).unwrap().day.to_string();
        assert_eq!(d("2022-11-06T23:00:00.000Z"), "2022-11-07");
        assert_eq!(d("2021-11-04T22:00Z"), "2021-11-05");
        assert_eq!(d("2022-11-06T23:12:40Z"), "2022-11-06");
        assert_eq!(d("2022-11-06T23:00:00+01:00"), "2022-11-06");
    }

    #[test]
    fn a_utc_date_may_be_the_day_before_or_after_locally() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let evening_in_america = parse_machine("2023-11-09T05:30:59+00:00").unwrap();
        assert!(evening_in_america.may_be_local(day("2023-11-08")));
        assert!(!evening_in_america.may_be_local(day("2023-11-10")));
        let zoned = parse_machine("2023-11-09T05:30:59-06:00").unwrap();
        assert!(!zoned.may_be_local(day("2023-11-08")));
        let noon = parse_machine("2023-10-30T13:01:00Z").unwrap();
        assert!(!noon.may_be_local(day("2023-10-31")));
    }

    #[test]
    fn dates_written_in_text() {
        assert_eq!(
            day("Posted on 5. April 2017 by Heiko").as_deref(),
            Some("2017-04-05")
        );
        assert_eq!(
            day("November 19, 2019 at 10:00").as_deref(),
            Some("2019-11-19")
        );
        assert_eq!(day("Nov. 3rd, 2021").as_deref(), Some("2021-11-03"));
        assert_eq!(day("publié le 12 mars 2020").as_deref(), Some("2020-03-12"));
        assert_eq!(day("19.11.2019 | 10:42").as_deref(), Some("2019-11-19"));
        assert_eq!(day("14 de enero de 2020").as_deref(), Some("2020-01-14"));
        assert_eq!(day("in 2019 we had 4 May"), None);
        assert_eq!(day("uploaded 23.09.22").as_deref(), Some("2022-09-23"));
        assert_eq!(day("version 1.2.3.4"), None);
    }

    #[test]
    fn dates_in_urls() {
        let d = |u| from_url(u).map(|d| d.day.to_string());
        assert_eq!(
            d("https://x.example/2019/11/19/slug.html").as_deref(),
            Some("2019-11-19")
        );
        assert_eq!(
            d("https://x.example/news/2021-04-28-slug").as_deref(),
            Some("2021-04-28")
        );
        assert_eq!(
            d("https://x.example/a/20200214/slug").as_deref(),
            Some("2020-02-14")
        );
        assert_eq!(
            d("https://x.example/meldungen/29-10-2021").as_deref(),
            Some("2021-10-29")
        );
        assert_eq!(d("https://x.example/04News/01Meldungen/2021/x.html"), None);
        assert_eq!(d("https://x.example/2021/10/meldung_01/x.html"), None);
        assert_eq!(d("https://x.example/article/12345678901").as_deref(), None);
    }
}
