//! Durations as the flow writes them: `24h`, `90m`, `1d12h`, `30s`.
//!
//! A duration is one or more `<whole number><unit>` parts, units `w`, `d`, `h`, `m`, `s`,
//! each unit at most once and in decreasing order. Whitespace around the text is ignored.
//! No sign, no fractions, no bare numbers: an ambiguous duration is an error, never a guess.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// A non-negative span of whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    seconds: u64,
}

const UNITS: [(char, u64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// The units, largest first, as messages list them: `w, d, h, m or s`.
pub fn units() -> String {
    let names: Vec<String> = UNITS.iter().map(|(c, _)| c.to_string()).collect();
    let (last, rest) = names.split_last().expect("there are units");
    format!("{} or {last}", rest.join(", "))
}

/// How a duration is written, as every duration error ends: one unit list everywhere.
pub fn format() -> String {
    format!(
        "write whole numbers with units {}, largest first, e.g. `24h`, `90m`, `1d12h`",
        units()
    )
}

impl Duration {
    /// A duration of `seconds` seconds.
    pub const fn from_secs(seconds: u64) -> Self {
        Self { seconds }
    }
    /// A duration of `minutes` minutes.
    pub const fn from_mins(minutes: u64) -> Self {
        Self {
            seconds: minutes * 60,
        }
    }
    /// A duration of `hours` hours.
    pub const fn from_hours(hours: u64) -> Self {
        Self {
            seconds: hours * 3_600,
        }
    }
    /// A duration of `days` days.
    pub const fn from_days(days: u64) -> Self {
        Self {
            seconds: days * 86_400,
        }
    }
    /// Whole seconds.
    pub const fn as_secs(self) -> u64 {
        self.seconds
    }
    /// As a `chrono::TimeDelta`, saturating at chrono's maximum.
    pub fn to_chrono(self) -> chrono::TimeDelta {
        i64::try_from(self.seconds)
            .ok()
            .and_then(chrono::TimeDelta::try_seconds)
            .unwrap_or(chrono::TimeDelta::MAX)
    }
    /// As a `std::time::Duration`.
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.seconds)
    }

    /// Parses `24h`, `90m`, `1d12h`, `30s`, `2w`. Every error ends with [`format`], so every
    /// message about a duration lists the same units.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let err = |reason: String| Error::Duration {
            input: input.to_string(),
            reason,
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(err("it is empty".into()));
        }
        let mut total: u64 = 0;
        let mut last_unit: Option<usize> = None;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(err(match rest.chars().next() {
                    Some('-' | '+') => "no sign: a duration is never negative".into(),
                    Some(c) if c.is_whitespace() => "no spaces inside a duration".into(),
                    _ => format!("expected a whole number before `{rest}`"),
                }));
            }
            let number = &rest[..digits];
            let value: u64 = number.parse().map_err(|_| err("too large".into()))?;
            rest = &rest[digits..];
            let Some(unit_char) = rest.chars().next() else {
                return Err(err(format!("missing unit after `{number}`")));
            };
            let Some(unit_index) = UNITS.iter().position(|(c, _)| *c == unit_char) else {
                return Err(err(match unit_char {
                    '.' | ',' => "no fractions (write `1h30m`, not `1.5h`)".into(),
                    c if c.is_whitespace() => "no spaces inside a duration".into(),
                    c if UNITS.iter().any(|(u, _)| c.to_lowercase().eq([*u])) => {
                        format!("units are lowercase: `{}`, not `{c}`", c.to_lowercase())
                    }
                    c => format!("unknown unit `{c}`"),
                }));
            };
            if last_unit.is_some_and(|last| unit_index <= last) {
                return Err(err("each unit at most once, largest first".into()));
            }
            last_unit = Some(unit_index);
            rest = &rest[unit_char.len_utf8()..];
            total = value
                .checked_mul(UNITS[unit_index].1)
                .and_then(|part| total.checked_add(part))
                .ok_or_else(|| err("too large".into()))?;
        }
        // chrono can only represent up to i64::MAX milliseconds; keep every duration usable.
        if total > (i64::MAX as u64) / 1000 {
            return Err(err("too large".into()));
        }
        Ok(Self { seconds: total })
    }

    /// Human form with spaces, e.g. `3 h 12 m` (the two largest non-zero units; `0 m` for less
    /// than a minute when `seconds` is false).
    pub fn human(self) -> String {
        let mut parts = Vec::new();
        let mut left = self.seconds;
        for (name, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            let n = left / size;
            left %= size;
            if n > 0 {
                parts.push(format!("{n} {name}"));
            }
        }
        if parts.is_empty() {
            return "0 s".to_string();
        }
        parts.truncate(2);
        parts.join(" ")
    }
}

impl fmt::Display for Duration {
    /// Canonical compact form that [`Duration::parse`] reads back: `24h`, `1h30m`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        let mut left = self.seconds;
        // Hours are the flow's natural unit (`24h`, `36h`); days only from 48 h on.
        let units: &[(char, u64)] = if self.seconds >= 2 * 86_400 && self.seconds % 86_400 == 0 {
            &[('d', 86_400)]
        } else {
            &[('h', 3_600), ('m', 60), ('s', 1)]
        };
        for (unit, size) in units {
            let n = left / size;
            left %= size;
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for Duration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_flow_examples() {
        assert_eq!(Duration::parse("24h").unwrap().as_secs(), 86_400);
        assert_eq!(Duration::parse("90m").unwrap().as_secs(), 5_400);
        assert_eq!(Duration::parse("1d12h").unwrap().as_secs(), 129_600);
        assert_eq!(Duration::parse(" 30s ").unwrap().as_secs(), 30);
        assert_eq!(Duration::parse("1h30m15s").unwrap().as_secs(), 5_415);
    }

    #[test]
    fn rejects_ambiguous_or_malformed_text() {
        for bad in [
            "", "24", "h", "-1h", "1.5h", "1x", "1h1d", "1h1h", "1 h", "24H", "1h 30m",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Duration::parse("99999999999999999999s").is_err());
        assert!(Duration::parse("9999999999999999w").is_err());
    }

    #[test]
    fn every_error_says_what_is_wrong_and_lists_the_same_units() {
        let shown: Vec<String> = [
            "",
            "24",
            "h",
            "-1h",
            "1.5h",
            "1x",
            "1h1d",
            "1h1h",
            "1 h",
            "24H",
            "1h 30m",
            "9999999999999999w",
        ]
        .iter()
        .map(|bad| Duration::parse(bad).unwrap_err().to_string())
        .collect();
        for message in &shown {
            assert!(
                message.ends_with("; write whole numbers with units w, d, h, m or s, largest first, e.g. `24h`, `90m`, `1d12h`"),
                "{message}"
            );
        }
        let reasons: Vec<&str> = shown
            .iter()
            .map(|m| m.split("; write whole numbers").next().unwrap())
            .collect();
        insta::assert_snapshot!(reasons.join("\n"), @r#"
            invalid duration "": it is empty
            invalid duration "24": missing unit after `24`
            invalid duration "h": expected a whole number before `h`
            invalid duration "-1h": no sign: a duration is never negative
            invalid duration "1.5h": no fractions (write `1h30m`, not `1.5h`)
            invalid duration "1x": unknown unit `x`
            invalid duration "1h1d": each unit at most once, largest first
            invalid duration "1h1h": each unit at most once, largest first
            invalid duration "1 h": no spaces inside a duration
            invalid duration "24H": units are lowercase: `h`, not `H`
            invalid duration "1h 30m": no spaces inside a duration
            invalid duration "9999999999999999w": too large
        "#);
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(Duration::from_hours(24).to_string(), "24h");
        assert_eq!(Duration::from_secs(5_415).to_string(), "1h30m15s");
        assert_eq!(Duration::from_hours(48).to_string(), "2d");
        assert_eq!(Duration::from_secs(0).to_string(), "0s");
        assert_eq!(Duration::from_secs(11_520).human(), "3 h 12 m");
    }

    /// The largest duration `parse` accepts (chrono's millisecond limit).
    const MAX_SECONDS: u64 = (i64::MAX as u64) / 1000;

    proptest::proptest! {
        #[test]
        fn display_round_trips_through_parse(seconds in 0..=MAX_SECONDS) {
            let duration = Duration::from_secs(seconds);
            let text = duration.to_string();
            proptest::prop_assert_eq!(Duration::parse(&text).unwrap(), duration, "{}", text);
        }

        #[test]
        fn display_round_trips_for_everyday_durations(seconds in 0u64..10 * 86_400) {
            let duration = Duration::from_secs(seconds);
            proptest::prop_assert_eq!(Duration::parse(&duration.to_string()).unwrap(), duration);
        }

        #[test]
        fn parse_never_panics(text in "\\PC*") {
            let _ = Duration::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_near_misses(text in "[0-9wdhms \\-+.]{0,24}") {
            // Whatever the outcome, an accepted duration displays as text that parses back.
            if let Ok(duration) = Duration::parse(&text) {
                proptest::prop_assert_eq!(Duration::parse(&duration.to_string()).unwrap(), duration);
            }
        }

        #[test]
        fn sums_of_parts_add_up(
            parts in proptest::collection::vec(proptest::option::of(0u64..100_000), 5),
            padding in "[ \t\n]{0,2}",
        ) {
            let mut text = String::new();
            let mut expected = 0u64;
            for ((unit, size), part) in UNITS.iter().zip(&parts) {
                if let Some(n) = part {
                    text.push_str(&format!("{n}{unit}"));
                    expected += n * size;
                }
            }
            let parsed = Duration::parse(&format!("{padding}{text}{padding}"));
            if text.is_empty() {
                proptest::prop_assert!(parsed.is_err());
            } else {
                proptest::prop_assert_eq!(parsed.unwrap().as_secs(), expected, "{}", text);
            }
        }

        #[test]
        fn units_out_of_order_are_rejected(a in 0usize..5, b in 0usize..5, x in 0u64..1000, y in 0u64..1000) {
            proptest::prop_assume!(a >= b);
            let text = format!("{x}{}{y}{}", UNITS[a].0, UNITS[b].0);
            proptest::prop_assert!(Duration::parse(&text).is_err(), "{}", text);
        }

        #[test]
        fn human_has_one_or_two_parts(seconds in 0..=MAX_SECONDS) {
            let human = Duration::from_secs(seconds).human();
            let parts = human.split(' ').count();
            proptest::prop_assert!(parts == 2 || parts == 4, "{}", human);
        }
    }
}
