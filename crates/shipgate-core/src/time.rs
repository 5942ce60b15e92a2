//! How moments are shown: in UTC, to the minute, and a ready time rounded *up* to the next whole
//! minute, so a reader who comes back at the time shown finds the gate ready. Shared by the gates'
//! reasons and the renderers, so both print a moment the same way.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

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
    fn moments_are_shown_to_the_minute_and_ready_times_rounded_up() {
        assert_eq!(utc(at(14, 5, 59)), "2026-11-28 14:05 UTC");
        assert_eq!(ready_minute(at(14, 5, 0)), at(14, 5, 0));
        assert_eq!(ready_minute(at(14, 5, 1)), at(14, 6, 0));
        assert_eq!(ready_minute(at(14, 5, 59)), at(14, 6, 0));
    }
}
