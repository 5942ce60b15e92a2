//! Moments, read and shown. Read: one parser of RFC 3339 times for every input — facts and
//! history files, the command line's `--now`, `--since`, `--started-at`, … — whose errors say
//! how to write one (a time without its UTC offset gets "add one, e.g. `Z` or `+01:00`").
//! Shown: in UTC, to the minute, and a ready time rounded *up* to the next whole minute, so a
//! reader who comes back at the time shown finds the gate ready. Shared by the gates' reasons and
//! the renderers, so both print a moment the same way.

use std::fmt;

use chrono::{DateTime, DurationRound, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// What an RFC 3339 time looks like, for messages.
pub const EXAMPLE: &str = "2026-11-26T15:20:00Z";

/// Parses an RFC 3339 time with its UTC offset (`2026-11-26T15:20:00Z`,
/// `2026-11-26T16:20:00+01:00`; a space for the `T` is accepted), as UTC. The error quotes the
/// text and says how to write it; a time without an offset, or a date alone, is told what to add.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    let trimmed = text.trim();
    match trimmed.parse::<DateTime<FixedOffset>>() {
        Ok(time) => Ok(time.with_timezone(&Utc)),
        Err(error) => {
            let local = [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .any(|format| NaiveDateTime::parse_from_str(trimmed, format).is_ok());
            if local {
                let seconds = if trimmed.len() == 16 { ":00" } else { "" };
                Err(format!(
                    "{text:?} has no UTC offset; add one, e.g. `Z` or `+01:00`: `{trimmed}{seconds}Z`"
                ))
            } else if NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").is_ok() {
                Err(format!(
                    "{text:?} is a date without a time; write e.g. `{trimmed}T00:00:00Z`"
                ))
            } else {
                Err(format!(
                    "{text:?} is not an RFC 3339 time ({error}); write e.g. `{EXAMPLE}`"
                ))
            }
        }
    }
}

/// An RFC 3339 time in a JSON document, read with [`parse`] (so its errors say how to write one).
struct Rfc3339(DateTime<Utc>);

impl<'de> Deserialize<'de> for Rfc3339 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl Visitor<'_> for TimeVisitor {
            type Value = Rfc3339;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an RFC 3339 time such as `{EXAMPLE}`")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Rfc3339, E> {
                parse(value).map(Rfc3339).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(TimeVisitor)
    }
}

/// `#[serde(deserialize_with)]` for a time field of a document.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<Utc>, D::Error> {
    Rfc3339::deserialize(deserializer).map(|t| t.0)
}

/// `#[serde(deserialize_with)]` for an optional time field of a document.
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<Rfc3339>::deserialize(deserializer).map(|t| t.map(|t| t.0))
}

/// A moment in UTC to the minute: `2026-11-28 14:05 UTC`.
pub fn utc(moment: DateTime<Utc>) -> String {
    moment.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A ready time rounded up to the next whole minute (unchanged when already whole).
pub fn ready_minute(moment: DateTime<Utc>) -> DateTime<Utc> {
    let minute = TimeDelta::minutes(1);
    match moment.duration_trunc(minute) {
        Ok(floor) if floor == moment => moment,
        // At the calendar's very end there is no next minute: the moment itself.
        Ok(floor) => floor.checked_add_signed(minute).unwrap_or(moment),
        Err(_) => moment,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, h, m, s).unwrap()
    }

    #[test]
    fn times_need_their_offset_and_errors_say_how_to_write_one() {
        assert_eq!(parse(" 2026-11-26T17:20:00+02:00 ").unwrap(), at_26(15, 20));
        assert_eq!(parse("2026-11-26T15:20:00Z").unwrap(), at_26(15, 20));
        assert_eq!(parse("2026-11-26 15:20:00Z").unwrap(), at_26(15, 20));
        let errors: Vec<String> = [
            "2026-11-26T14:00:00",
            "2026-11-26T14:00",
            "2026-11-26",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "",
        ]
        .iter()
        .map(|text| parse(text).unwrap_err())
        .collect();
        insta::assert_snapshot!(errors.join("\n"), @r#"
            "2026-11-26T14:00:00" has no UTC offset; add one, e.g. `Z` or `+01:00`: `2026-11-26T14:00:00Z`
            "2026-11-26T14:00" has no UTC offset; add one, e.g. `Z` or `+01:00`: `2026-11-26T14:00:00Z`
            "2026-11-26" is a date without a time; write e.g. `2026-11-26T00:00:00Z`
            "yesterday" is not an RFC 3339 time (input contains invalid characters); write e.g. `2026-11-26T15:20:00Z`
            "2026-13-01T00:00:00Z" is not an RFC 3339 time (input is out of range); write e.g. `2026-11-26T15:20:00Z`
            "" is not an RFC 3339 time (premature end of input); write e.g. `2026-11-26T15:20:00Z`
        "#);
    }

    fn at_26(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap()
    }

    #[test]
    fn moments_are_shown_to_the_minute_and_ready_times_rounded_up() {
        assert_eq!(utc(at(14, 5, 59)), "2026-11-28 14:05 UTC");
        assert_eq!(ready_minute(at(14, 5, 0)), at(14, 5, 0));
        assert_eq!(ready_minute(at(14, 5, 1)), at(14, 6, 0));
        assert_eq!(ready_minute(at(14, 5, 59)), at(14, 6, 0));
    }
}
