//! The lenient timestamp parser handed to feed-rs: ISO 8601 / RFC 3339 in all its feed dialects
//! and RFC 822 the way feeds actually write it. A missing zone means UTC, as feedparser assumes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Parses a feed timestamp; `None` when it cannot be read with confidence.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.as_bytes()[0].is_ascii_digit()
        && let Some(t) = parse_iso8601(text)
    {
        return Some(t);
    }
    parse_rfc822(text)
}

/// `2024-01-02`, `2024-01-02T03:04[:05[.678]][Z|±hh[:]mm]`, with `T` or a space.
fn parse_iso8601(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)?;
    let rest = text[10..].trim_start_matches(['T', 't', ' ']);
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN).and_utc());
    }
    // The time runs up to the zone designator.
    let zone_at = rest.find(['Z', 'z', '+', '-', ' ']).unwrap_or(rest.len());
    let time = parse_clock(&rest[..zone_at])?;
    let offset = parse_zone(rest[zone_at..].trim())?;
    Some(date.and_time(time).and_utc() - chrono::Duration::seconds(offset))
}

/// `hh:mm[:ss[.fff]]` (fractions dropped).
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let text = text.split(['.', ',']).next()?;
    let mut parts = text.split(':');
    let hour = parts.next().and_then(|p| num(p.as_bytes()))?;
    let minute = parts.next().map_or(Some(0), |p| num(p.as_bytes()))?;
    let second = parts.next().map_or(Some(0), |p| num(p.as_bytes()))?;
    if parts.next().is_some() {
        return None;
    }
    // "24:00" is the end of the day; leap seconds are folded into the minute.
    if hour == 24 && minute == 0 && second == 0 {
        return NaiveTime::from_hms_opt(23, 59, 59);
    }
    NaiveTime::from_hms_opt(hour, minute, second.min(59))
}

/// Offset east of UTC in seconds: `Z`, `±hh`, `±hhmm`, `±hh:mm`, `GMT±hh:mm`, or a zone name.
/// Names feedparser does not know count as UTC, as they do there.
fn parse_zone(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    let zone = lower.strip_prefix("etc/").unwrap_or(&lower);
    let zone = match zone
        .strip_prefix("gmt")
        .or_else(|| zone.strip_prefix("utc"))
    {
        Some(rest) if !rest.is_empty() => rest,
        Some(_) => return Some(0),
        None => zone,
    };
    let Some(sign) = zone
        .strip_prefix('+')
        .map(|z| (1, z))
        .or_else(|| zone.strip_prefix('-').map(|z| (-1, z)))
    else {
        return Some(zone_name_hours(zone) * 3600);
    };
    let (sign, digits) = sign;
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    let (hours, minutes) = match digits.len() {
        1 | 2 => (num(digits.as_bytes())?, 0),
        3 => (num(&digits.as_bytes()[..1])?, num(&digits.as_bytes()[1..])?),
        4 => (num(&digits.as_bytes()[..2])?, num(&digits.as_bytes()[2..])?),
        _ => return None,
    };
    Some(sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60))
}

/// Hours east of UTC of the zone names RFC 822 and feedparser know; 0 for any other.
fn zone_name_hours(name: &str) -> i64 {
    match name {
        "adt" => -3,
        "ast" | "at" | "edt" => -4,
        "est" | "et" | "cdt" => -5,
        "cst" | "ct" | "mdt" => -6,
        "mst" | "mt" | "pdt" => -7,
        "pst" | "pt" => -8,
        "a" => -1,
        "n" | "met" => 1,
        "m" => -12,
        "y" => 12,
        "mest" => 2,
        _ => 0,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn month_of(token: &str) -> Option<u32> {
    let prefix = token.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
}

/// `[Day[,]] DD Mon[th] YYYY [hh:mm[:ss]] [zone]`, also `Mon DD YYYY …` and two-digit years.
/// Tokens are split on blanks as feedparser splits them, so "January 29, 2021" (a comma
/// after the day) is rejected there and here alike.
fn parse_rfc822(text: &str) -> Option<DateTime<Utc>> {
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    if tokens
        .first()
        .and_then(|t| t.get(..3))
        .is_some_and(|p| DAYS.contains(&p.to_ascii_lowercase().as_str()))
    {
        tokens.remove(0);
    } else if let Some(first) = tokens.first_mut() {
        // "Tue,11 Jan" aside, a leading comma-joined token is not a date part.
        *first = first.trim_end_matches(',');
    }
    if tokens.len() < 3 {
        return None;
    }
    let (day, month) = match (num(tokens[0].as_bytes()), month_of(tokens[1])) {
        (Some(day), Some(month)) => (day, month),
        _ => (num(tokens[1].as_bytes())?, month_of(tokens[0])?),
    };
    let year = match tokens[2].len() {
        4 => num(tokens[2].as_bytes())? as i32,
        1 | 2 => {
            let y = num(tokens[2].as_bytes())? as i32;
            if y < 90 { 2000 + y } else { 1900 + y }
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = match tokens.get(3) {
        Some(t) => parse_clock(t)?,
        None => NaiveTime::MIN,
    };
    // "PM" after the clock is ignored, as feedparser does; any other token is the zone.
    let offset = match tokens.get(4) {
        Some(zone) => parse_zone(zone)?,
        None => 0,
    };
    let local = NaiveDateTime::new(date, time);
    Some(local.and_utc() - chrono::Duration::seconds(offset))
}

/// A run of ASCII digits as a number.
fn num(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> String {
        parse_timestamp(text)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn rfc822_dialects() {
        assert_eq!(iso("Tue, 10 Jun 2025 04:00:00 GMT"), "2025-06-10T04:00:00Z");
        assert_eq!(iso("Tue 11 Jan 2011 10:00:00 GMT"), "2011-01-11T10:00:00Z");
        assert_eq!(iso("Tue, 11 Jan 2011"), "2011-01-11T00:00:00Z");
        assert_eq!(
            iso("Wed, 5 July 2023 9:05:00 -0400"),
            "2023-07-05T13:05:00Z"
        );
        assert_eq!(iso("Thu, 01 Dec 2022 10:00:00 EDT"), "2022-12-01T14:00:00Z");
        assert_eq!(iso("Sat, Dec 16 2023 02:02:33 PM"), "2023-12-16T02:02:33Z");
        assert_eq!(iso("01 Jan 99 12:00 +0100"), "1999-01-01T11:00:00Z");
        assert_eq!(
            iso("Fri, 17 May 2019 06:00:00 GMT+02:00"),
            "2019-05-17T04:00:00Z"
        );
    }

    #[test]
    fn unknown_zone_names_count_as_utc_like_feedparser() {
        assert_eq!(iso("Fri, 17 May 2019 06:00:00 BST"), "2019-05-17T06:00:00Z");
        assert_eq!(
            iso("Fri, 17 May 2019 06:00:00 CEST"),
            "2019-05-17T06:00:00Z"
        );
    }

    #[test]
    fn iso8601_dialects() {
        assert_eq!(iso("2022-06-24 12:17:39"), "2022-06-24T12:17:39Z");
        assert_eq!(iso("2022-06-24T12:17"), "2022-06-24T12:17:00Z");
        assert_eq!(iso("2022-06-24"), "2022-06-24T00:00:00Z");
        assert_eq!(iso("2022-06-24T12:17:39.123+02:00"), "2022-06-24T10:17:39Z");
        assert_eq!(iso("2022-06-24T12:17:39-0500"), "2022-06-24T17:17:39Z");
        assert_eq!(iso("2019-01-01 10:00:00 +0100"), "2019-01-01T09:00:00Z");
    }

    #[test]
    fn foreign_or_broken_dates_are_rejected() {
        assert_eq!(iso("mer, 16 nov 2022 10:00:00 +0100"), "none");
        assert_eq!(iso("Friday, January 29, 2021 04:42 PM"), "none");
        assert_eq!(iso("yesterday"), "none");
        assert_eq!(iso(""), "none");
        assert_eq!(iso("2022-13-01"), "none");
    }
}
