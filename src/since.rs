//! `since` / `--since` values: a duration back from now (`24h`, `7d`, `90m`, `2w`) or a moment
//! (`2026-11-27`, `2026-11-27T08:00:00Z`).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// The moment `text` names, relative to `now` when it is a duration.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(Default::default()).and_utc());
    }
    let duration = humantime::parse_duration(text).map_err(|_| {
        format!("`{text}` is neither a duration (24h, 7d) nor a date (2026-11-27, RFC 3339)")
    })?;
    let back = TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
    Ok(now
        .checked_sub_signed(back)
        .unwrap_or(DateTime::<Utc>::MIN_UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_dates_and_errors() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s| parse_since(s, now).unwrap().to_rfc3339();
        assert_eq!(at("24h"), "2026-11-26T12:00:00+00:00");
        assert_eq!(at("7d"), "2026-11-20T12:00:00+00:00");
        assert_eq!(at("2026-11-01"), "2026-11-01T00:00:00+00:00");
        assert_eq!(at("2026-11-01T08:00:00+01:00"), "2026-11-01T07:00:00+00:00");
        assert!(
            parse_since("yesterday-ish", now)
                .unwrap_err()
                .contains("yesterday-ish")
        );
        assert_eq!(
            parse_since("100000000d", now).unwrap(),
            DateTime::<Utc>::MIN_UTC
        );
    }
}
