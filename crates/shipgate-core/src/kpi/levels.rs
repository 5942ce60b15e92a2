//! DORA performance levels of the four keys: elite, high, medium or low, after the four
//! clusters of the 2021 Accelerate State of DevOps report.
//!
//! The report describes its clusters in words ("between one day and one week"); the numeric
//! boundaries below are shipgate's reading of them, documented with the reasons in
//! `docs/report.md` ("Performance levels"). In short: each level reaches down to the worst value
//! the report gives that cluster, so the levels never overlap and leave no gap — a value between
//! two clusters' descriptions gets the lower of the two. A key without a value has no level.
//!
//! Every comparison is made on whole numbers (counts and seconds), never on rounded fractions.

use serde::{Deserialize, Serialize};

/// One hour, in seconds.
const HOUR: i64 = 3_600;
/// One day, in seconds.
const DAY: i64 = 24 * HOUR;
/// One week.
const WEEK: i64 = 7 * DAY;
/// A month, taken as 30 days.
const MONTH_DAYS: i128 = 30;
/// Six months, taken as 180 days.
const SIX_MONTHS_DAYS: i128 = 180;

/// A DORA performance level (best first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The best cluster.
    Elite,
    /// The second cluster.
    High,
    /// The third cluster.
    Medium,
    /// The worst cluster.
    Low,
}

impl Level {
    /// The level's name as the outputs and the report show it (`elite`, `high`, …).
    pub fn name(self) -> &'static str {
        match self {
            Level::Elite => "elite",
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
}

/// The level of each of the four keys; `None` where the key has no value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Levels {
    /// Deployment frequency.
    pub deployment_frequency: Option<Level>,
    /// Lead time for changes.
    pub lead_time: Option<Level>,
    /// Change failure rate.
    pub change_failure_rate: Option<Level>,
    /// Failed-deployment recovery time.
    pub recovery_time: Option<Level>,
}

/// The level of `successful` deploys over a period of `period_seconds` (`None` for a period
/// without length): elite at one deploy a day or more, high at one a month (30 days) or more,
/// medium at one every six months (180 days) or more, low below that (no deploy at all included).
pub fn deployment_frequency(successful: u32, period_seconds: i64) -> Option<Level> {
    if period_seconds <= 0 {
        return None;
    }
    // successful / (period_seconds / DAY) ≥ 1 / n  ⇔  successful · DAY · n ≥ period_seconds.
    let reaches =
        |n: i128| i128::from(successful) * i128::from(DAY) * n >= i128::from(period_seconds);
    Some(if reaches(1) {
        Level::Elite
    } else if reaches(MONTH_DAYS) {
        Level::High
    } else if reaches(SIX_MONTHS_DAYS) {
        Level::Medium
    } else {
        Level::Low
    })
}

/// The level of a median lead time of `seconds`: elite under one hour, high up to one week,
/// medium up to six months (180 days), low beyond.
pub fn lead_time(seconds: i64) -> Level {
    if seconds < HOUR {
        Level::Elite
    } else if seconds <= WEEK {
        Level::High
    } else if i128::from(seconds) <= SIX_MONTHS_DAYS * i128::from(DAY) {
        Level::Medium
    } else {
        Level::Low
    }
}

/// The level of `failures` change failures among `successful` deploys (`None` without
/// successful deploys): elite up to 15 %, high up to 20 %, medium up to 30 %, low above.
pub fn change_failure_rate(failures: u32, successful: u32) -> Option<Level> {
    if successful == 0 {
        return None;
    }
    // failures / successful ≤ p / 100  ⇔  failures · 100 ≤ p · successful.
    let within = |percent: u64| u64::from(failures) * 100 <= percent * u64::from(successful);
    Some(if within(15) {
        Level::Elite
    } else if within(20) {
        Level::High
    } else if within(30) {
        Level::Medium
    } else {
        Level::Low
    })
}

/// The level of a median recovery time of `seconds`: elite under one hour, high under one
/// day, medium up to one week, low beyond.
pub fn recovery_time(seconds: i64) -> Level {
    if seconds < HOUR {
        Level::Elite
    } else if seconds < DAY {
        Level::High
    } else if seconds <= WEEK {
        Level::Medium
    } else {
        Level::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::{Elite, High, Low, Medium};

    #[test]
    fn deployment_frequency_boundaries() {
        let days = |n: i64| n * DAY;
        // 90 days: 90 deploys is one a day (elite), 89 is not.
        assert_eq!(deployment_frequency(90, days(90)), Some(Elite));
        assert_eq!(deployment_frequency(89, days(90)), Some(High));
        // 3 deploys in 90 days is one a month (high); 2 is one every 45 days (medium).
        assert_eq!(deployment_frequency(3, days(90)), Some(High));
        assert_eq!(deployment_frequency(2, days(90)), Some(Medium));
        // 1 in 180 days is medium; 1 in 181 days, or none at all, is low.
        assert_eq!(deployment_frequency(1, days(180)), Some(Medium));
        assert_eq!(deployment_frequency(1, days(181)), Some(Low));
        assert_eq!(deployment_frequency(0, days(90)), Some(Low));
        // A period without length has no frequency, hence no level.
        assert_eq!(deployment_frequency(5, 0), None);
        assert_eq!(deployment_frequency(u32::MAX, i64::MAX), Some(Low));
    }

    #[test]
    fn lead_time_boundaries() {
        assert_eq!(lead_time(0), Elite);
        assert_eq!(lead_time(HOUR - 1), Elite);
        assert_eq!(lead_time(HOUR), High);
        assert_eq!(lead_time(WEEK), High);
        assert_eq!(lead_time(WEEK + 1), Medium);
        assert_eq!(lead_time(180 * DAY), Medium);
        assert_eq!(lead_time(180 * DAY + 1), Low);
        assert_eq!(lead_time(i64::MAX), Low);
    }

    #[test]
    fn change_failure_rate_boundaries() {
        assert_eq!(change_failure_rate(0, 0), None);
        assert_eq!(change_failure_rate(0, 10), Some(Elite));
        assert_eq!(change_failure_rate(3, 20), Some(Elite)); // 15 %
        assert_eq!(change_failure_rate(4, 25), Some(High)); // 16 %
        assert_eq!(change_failure_rate(1, 5), Some(High)); // 20 %
        assert_eq!(change_failure_rate(3, 10), Some(Medium)); // 30 %
        assert_eq!(change_failure_rate(31, 100), Some(Low));
        assert_eq!(change_failure_rate(u32::MAX, u32::MAX), Some(Low));
    }

    #[test]
    fn recovery_time_boundaries() {
        assert_eq!(recovery_time(HOUR - 1), Elite);
        assert_eq!(recovery_time(HOUR), High);
        assert_eq!(recovery_time(DAY - 1), High);
        assert_eq!(recovery_time(DAY), Medium);
        assert_eq!(recovery_time(WEEK), Medium);
        assert_eq!(recovery_time(WEEK + 1), Low);
    }
}
