//! The freeze gate: deploys happen outside every deploy freeze and inside the allowed deploy time.
//!
//! Rule, in plain words: a moment is **allowed** when it lies outside every freeze window
//! (`from` inclusive, `until` exclusive) and, when `freeze.allowed` is set, inside an allowed
//! period. An allowed period starts on one of the allowed weekdays at the start of the allowed
//! hours and ends at their end (the next day when the hours cross midnight), read on the clock of
//! the configured IANA time zone: it starts at the *first* moment that clock reads the start time
//! and ends at the first moment it reads the end time. So when daylight saving time skips the
//! start (02:30 on a spring-forward night), the period starts when the clock jumps past it; when
//! the clock goes back and reads a time twice, the first reading counts.
//!
//! - now is allowed → pass, saying until when (the next freeze or the end of the period);
//! - otherwise → pending, with `ready_at` the first allowed moment from now on: past every freeze
//!   window that holds (overlapping and back-to-back windows are crossed together) *and* inside an
//!   allowed period — the end of a freeze outside the allowed hours waits for the next period;
//! - no allowed moment can be found (only a freeze reaching the end of the calendar) → error,
//!   never pass.
//!
//! The search jumps from boundary to boundary (a window's end, a period's start), never minute
//! by minute: it takes at most two steps per window, plus one.
//!
//! The gate runs only when the config sets a window or the allowed time; with nothing set it is
//! not listed at all. It reads no facts: only the policy and `now`.

use chrono::{DateTime, Datelike, Days, MappedLocalTime, NaiveDate, NaiveDateTime, TimeDelta};
use chrono::{Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::text::name_list;
use super::{Context, Gate, GateId, GateResult};
use crate::policy::{AllowedHours, AllowedTime, FreezePolicy, FreezeWindow, Policy};
use crate::time::{ready_minute, utc};

/// The freeze gate.
pub struct Freeze;

impl Gate for Freeze {
    fn id(&self) -> GateId {
        GateId::Freeze
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.freeze.enabled && policy.freeze.is_configured()
    }
    fn listed(&self, policy: &Policy) -> bool {
        policy.freeze.is_configured()
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        evaluate(cx)
    }
}

/// Minutes in a day: `24:00`.
const DAY_MINUTES: u16 = 24 * 60;

/// How far a daylight-saving gap is searched for its end (the longest on record skipped a day).
const LONGEST_GAP_MINUTES: u32 = 2 * 24 * 60;

/// The answer of [`next_allowed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAllowed<'a> {
    /// The first allowed moment at or after the start of the search; `None` when there is none
    /// within the calendar.
    pub at: Option<DateTime<Utc>>,
    /// The freeze windows the search had to cross, in the order it met them.
    pub freezes: Vec<&'a FreezeWindow>,
    /// Where the last of those windows ended (the search's position after them).
    pub freeze_end: Option<DateTime<Utc>>,
    /// Whether the allowed time moved the search (a moment outside the allowed periods).
    pub outside_hours: bool,
}

/// The first moment at or after `from` that is outside every freeze window and inside an allowed
/// period. Jumps to boundaries: a window's end, the start of the next allowed period.
pub fn next_allowed(freeze: &FreezePolicy, from: DateTime<Utc>) -> NextAllowed<'_> {
    let mut found = NextAllowed {
        at: None,
        freezes: Vec::new(),
        freeze_end: None,
        outside_hours: false,
    };
    let mut at = from;
    // Each window is crossed at most once (the search ends past it), and two moves by the allowed
    // time never follow each other (the first lands inside a period): 2 per window, plus 2.
    for _ in 0..freeze.windows.len() * 2 + 2 {
        let holding: Vec<&FreezeWindow> = freeze
            .windows
            .iter()
            .filter(|w| w.from <= at && at < w.until)
            .collect();
        if let Some(end) = holding.iter().map(|w| w.until).max() {
            for window in holding {
                if !found.freezes.contains(&window) {
                    found.freezes.push(window);
                }
            }
            found.freeze_end = Some(end);
            at = end;
            continue;
        }
        if let Some(allowed) = &freeze.allowed {
            if period_containing(allowed, at).is_none() {
                found.outside_hours = true;
                match next_period(allowed, at) {
                    Some((start, _)) => {
                        at = start;
                        continue;
                    }
                    None => return found,
                }
            }
        }
        found.at = Some(at);
        return found;
    }
    found
}

/// When a release whose other gates are ready at `at` may go: the first allowed moment from
/// `at` on when the freeze gate runs, `at` itself when it does not; `None` when there is none.
pub fn ready_from(policy: &Policy, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if Freeze.enabled(policy) {
        next_allowed(&policy.freeze, at).at
    } else {
        Some(at)
    }
}

/// The first moment the clock of `tz` reads `local` or later: the moment itself, the first of
/// two when the clock goes back, the jump when daylight saving time skips it.
fn first_reading(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let earliest = |result: MappedLocalTime<DateTime<Tz>>| match result {
        MappedLocalTime::Single(at) => Some(at.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(first, second) => Some(first.min(second).with_timezone(&Utc)),
        MappedLocalTime::None => None,
    };
    if let Some(at) = earliest(tz.from_local_datetime(&local)) {
        return Some(at);
    }
    // In a gap: the first local minute after it is the moment the clock jumped.
    let mut probe = local;
    for _ in 0..LONGEST_GAP_MINUTES {
        probe = probe.checked_add_signed(TimeDelta::minutes(1))?;
        if let Some(at) = earliest(tz.from_local_datetime(&probe)) {
            return Some(at);
        }
    }
    None
}

/// The allowed hours, the whole day when none are set.
fn hours(allowed: &AllowedTime) -> AllowedHours {
    allowed.hours.unwrap_or(AllowedHours {
        start: 0,
        end: DAY_MINUTES,
    })
}

/// The allowed period that starts on local `day`, as `[start, end)`; `None` when `day` is not an
/// allowed weekday, when the period is empty (swallowed by a daylight-saving gap), or beyond
/// the calendar.
fn period(allowed: &AllowedTime, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if !allowed.weekdays.contains(&day.weekday()) {
        return None;
    }
    let hours = hours(allowed);
    let midnight = day.and_hms_opt(0, 0, 0)?;
    let start = midnight.checked_add_signed(TimeDelta::minutes(i64::from(hours.start)))?;
    let mut end = midnight.checked_add_signed(TimeDelta::minutes(i64::from(hours.end)))?;
    if hours.end <= hours.start {
        end = end.checked_add_days(Days::new(1))?;
    }
    let (start, end) = (
        first_reading(allowed.timezone, start)?,
        first_reading(allowed.timezone, end)?,
    );
    (start < end).then_some((start, end))
}

/// What the clock of `tz` reads at `at`; `None` beyond the calendar (where chrono would panic).
fn local(tz: Tz, at: DateTime<Utc>) -> Option<NaiveDateTime> {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
    at.naive_utc().checked_add_offset(offset)
}

/// The local calendar day of `at` in the allowed time's zone.
fn local_day(allowed: &AllowedTime, at: DateTime<Utc>) -> Option<NaiveDate> {
    local(allowed.timezone, at).map(|l| l.date())
}

/// The allowed period that contains `at`, if any.
fn period_containing(
    allowed: &AllowedTime,
    at: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let today = local_day(allowed, at)?;
    // A period lasts at most a day and an hour, so it started today, yesterday or (around a
    // clock change) the day before.
    (0..=2)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .filter_map(|day| period(allowed, day))
        .find(|(start, end)| *start <= at && at < *end)
}

/// The first allowed period that starts at or after `at`.
fn next_period(allowed: &AllowedTime, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let today = local_day(allowed, at)?;
    let yesterday = today.checked_sub_days(Days::new(1))?;
    // Every weekday comes round within a week; two weeks also outlast any gap of the clock.
    (0..15)
        .filter_map(|ahead| yesterday.checked_add_days(Days::new(ahead)))
        .filter_map(|day| period(allowed, day))
        .find(|(start, _)| *start >= at)
}

/// The end of the run of back-to-back allowed periods that contains `at`; `None` when the
/// periods never end (every day, all day).
fn allowed_until(allowed: &AllowedTime, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (_, mut end) = period_containing(allowed, at)?;
    for _ in 0..8 {
        match next_period(allowed, end) {
            Some((start, next_end)) if start == end => end = next_end,
            _ => return Some(end),
        }
    }
    None
}

/// Evaluates the freeze rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Freeze;
    let freeze = &cx.policy.freeze;
    let zone = freeze.allowed.as_ref().map(|a| a.timezone);
    let search = next_allowed(freeze, cx.now);
    let Some(at) = search.at else {
        let held = if search.freezes.is_empty() {
            String::new()
        } else {
            format!(" ({})", freeze_names(&search.freezes))
        };
        return GateResult::error(
            id,
            format!(
                "no allowed deploy moment exists from {} to the end of the calendar{held}",
                utc(cx.now)
            ),
        )
        .with_unblock(format!(
            "end the freeze, or allow some time, in `freeze` of the config on `{}`",
            cx.policy.production_branch
        ));
    };
    if at == cx.now {
        return GateResult::pass(id, allowed_reason(freeze, cx.now));
    }
    let shown = moment(ready_minute(at), zone);
    let reason = match (search.freeze_end, &freeze.allowed) {
        (Some(end), Some(allowed)) if search.outside_hours => format!(
            "{} until {}, and deploys are allowed {}; next at {shown}",
            freeze_names(&search.freezes),
            utc(end),
            describe(allowed)
        ),
        (Some(_), _) => format!("{} until {shown}", freeze_names(&search.freezes)),
        (None, Some(allowed)) => {
            format!("deploys are allowed {}; next at {shown}", describe(allowed))
        }
        // Not allowed now means a window or the allowed time held it.
        (None, None) => format!("deploys are next allowed at {shown}"),
    };
    GateResult::pending(id, reason)
        .with_unblock(format!(
            "wait: the gate passes by itself at {}; to deploy sooner, change `freeze` in the config on `{}`",
            utc(ready_minute(at)),
            cx.policy.production_branch
        ))
        .with_ready_at(at)
}

/// Why a moment that is allowed is: until when, and what comes then.
fn allowed_reason(freeze: &FreezePolicy, now: DateTime<Utc>) -> String {
    let zone = freeze.allowed.as_ref().map(|a| a.timezone);
    let next_freeze = freeze
        .windows
        .iter()
        .filter(|w| w.from > now)
        .min_by_key(|w| w.from);
    let period_end = freeze
        .allowed
        .as_ref()
        .and_then(|allowed| allowed_until(allowed, now).map(|end| (allowed, end)));
    match (next_freeze, period_end) {
        (Some(window), Some((_, end))) if window.from < end => format!(
            "deploys are allowed now, until {} (then the deploy freeze `{}`)",
            moment(window.from, zone),
            window.reason
        ),
        (_, Some((allowed, end))) => format!(
            "deploys are allowed now, until {} (allowed {})",
            moment(end, zone),
            describe(allowed)
        ),
        (Some(window), None) => format!(
            "deploys are allowed now, until {} (then the deploy freeze `{}`)",
            moment(window.from, zone),
            window.reason
        ),
        (None, None) => "deploys are allowed now; no deploy freeze is scheduled".to_string(),
    }
}

/// `deploy freeze `Christmas``, or `deploy freezes `a`, `b``.
fn freeze_names(windows: &[&FreezeWindow]) -> String {
    let reasons: Vec<&str> = windows.iter().map(|w| w.reason.as_str()).collect();
    if reasons.len() == 1 {
        format!("deploy freeze {}", name_list(&reasons))
    } else {
        format!("deploy freezes {}", name_list(&reasons))
    }
}

/// A moment in UTC, preceded by the allowed time's local clock when there is one:
/// `2026-03-30 09:00 Europe/Madrid, 2026-03-30 07:00 UTC`.
fn moment(at: DateTime<Utc>, zone: Option<Tz>) -> String {
    let in_utc = utc(at);
    let Some((tz, clock)) = zone.and_then(|tz| Some((tz, local(tz, at)?))) else {
        return in_utc;
    };
    let shown = format!("{} {}", clock.format("%Y-%m-%d %H:%M"), tz.name());
    if shown == in_utc {
        in_utc
    } else {
        format!("{shown}, {in_utc}")
    }
}

/// `Mon–Thu 09:00–16:00 Europe/Madrid`, `every day 22:00–06:00 (overnight) UTC`.
fn describe(allowed: &AllowedTime) -> String {
    let hours = match allowed.hours {
        None => "all day".to_string(),
        Some(h) if h.end <= h.start => format!("{}–{} (overnight)", clock(h.start), clock(h.end)),
        Some(h) => format!("{}–{}", clock(h.start), clock(h.end)),
    };
    format!(
        "{} {hours} {}",
        days(&allowed.weekdays),
        allowed.timezone.name()
    )
}

/// `09:00`, `24:00`.
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The weekdays in runs, Monday first: `Mon–Thu`, `Mon, Wed, Fri`, `Sat, Sun`, `every day`.
fn days(weekdays: &[Weekday]) -> String {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let on: Vec<bool> = (0..7)
        .map(|i| weekdays.iter().any(|d| d.num_days_from_monday() == i))
        .collect();
    if on.iter().all(|&d| d) {
        return "every day".to_string();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        if !on[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < 7 && on[i + 1] {
            i += 1;
        }
        match i - start {
            0 => parts.push(NAMES[start].to_string()),
            1 => parts.push(format!("{}, {}", NAMES[start], NAMES[i])),
            _ => parts.push(format!("{}–{}", NAMES[start], NAMES[i])),
        }
        i += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    use proptest::prelude::*;

    use super::*;
    use crate::gates::testing::{eval, FactsBuilder};
    use crate::gates::GateState;

    const EVERY_DAY: [Weekday; 7] = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("an RFC 3339 time")
            .with_timezone(&Utc)
    }

    fn window(from: &str, until: &str, reason: &str) -> FreezeWindow {
        FreezeWindow {
            from: at(from),
            until: at(until),
            reason: reason.into(),
        }
    }

    /// `hours` as `"HH:MM-HH:MM"`, parsed as the config parses it.
    fn allowed(days: &[Weekday], hours: Option<&str>, zone: &str) -> AllowedTime {
        AllowedTime {
            weekdays: days.to_vec(),
            hours: hours.map(|h| {
                let (start, end) = h.split_once('-').unwrap();
                let minutes = |t: &str| {
                    let (h, m) = t.split_once(':').unwrap();
                    h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap()
                };
                AllowedHours {
                    start: minutes(start),
                    end: minutes(end),
                }
            }),
            timezone: zone.parse().unwrap(),
        }
    }

    fn with(windows: Vec<FreezeWindow>, allowed: Option<AllowedTime>) -> Policy {
        let mut policy = Policy::default();
        policy.freeze.windows = windows;
        policy.freeze.allowed = allowed;
        policy
    }

    fn gate(policy: &Policy, now: DateTime<Utc>) -> GateResult {
        assert!(Freeze.enabled(policy));
        eval(&Freeze, &FactsBuilder::new().build(), policy, now)
    }

    /// The Madrid office: Monday to Thursday, 09:00 to 16:00.
    fn madrid_office() -> Policy {
        with(
            Vec::new(),
            Some(allowed(
                &[Mon, Tue, Wed, Thu],
                Some("09:00-16:00"),
                "Europe/Madrid",
            )),
        )
    }

    fn christmas() -> FreezeWindow {
        window(
            "2026-12-20T00:00:00+01:00",
            "2027-01-07T00:00:00+01:00",
            "Christmas",
        )
    }

    // ---- which gates run

    #[test]
    fn nothing_configured_means_no_gate_and_no_row() {
        let policy = Policy::default();
        assert!(!Freeze.enabled(&policy));
        assert!(!Freeze.listed(&policy));
        let verdict = crate::evaluate(
            &FactsBuilder::new().build(),
            &policy,
            at("2026-03-02T09:00:00Z"),
        );
        assert!(verdict.gates.iter().all(|g| g.gate != GateId::Freeze));
        // Turned off with windows configured: listed as skipped.
        let mut off = with(vec![christmas()], None);
        off.freeze.enabled = false;
        assert!(!Freeze.enabled(&off) && Freeze.listed(&off));
        let verdict = crate::evaluate(
            &FactsBuilder::new().build(),
            &off,
            at("2026-12-24T12:00:00Z"),
        );
        let row = verdict
            .gates
            .iter()
            .find(|g| g.gate == GateId::Freeze)
            .unwrap();
        assert_eq!(row.state, GateState::Skipped);
    }

    // ---- fixed windows

    #[test]
    fn a_window_holds_from_its_start_inclusive_to_its_end_exclusive() {
        let policy = with(vec![christmas()], None);
        let before = gate(&policy, at("2026-12-19T22:59:59Z"));
        assert_eq!(before.state, GateState::Pass, "{before:?}");
        assert_eq!(
            before.reason,
            "deploys are allowed now, until 2026-12-19 23:00 UTC (then the deploy freeze `Christmas`)"
        );
        let first = gate(&policy, at("2026-12-19T23:00:00Z"));
        assert_eq!(first.state, GateState::Pending, "{first:?}");
        assert_eq!(first.ready_at, Some(at("2027-01-06T23:00:00Z")));
        assert_eq!(
            first.reason,
            "deploy freeze `Christmas` until 2027-01-06 23:00 UTC"
        );
        assert_eq!(
            first.unblock.as_deref(),
            Some("wait: the gate passes by itself at 2027-01-06 23:00 UTC; to deploy sooner, change `freeze` in the config on `main`")
        );
        let last = gate(&policy, at("2027-01-06T22:59:59Z"));
        assert_eq!(last.state, GateState::Pending);
        assert_eq!(
            last, first,
            "the text does not change while the clock moves"
        );
        let after = gate(&policy, at("2027-01-06T23:00:00Z"));
        assert_eq!(after.state, GateState::Pass, "{after:?}");
        assert_eq!(
            after.reason,
            "deploys are allowed now; no deploy freeze is scheduled"
        );
        assert_eq!(after.ready_at, None);
    }

    #[test]
    fn overlapping_and_back_to_back_windows_are_crossed_together() {
        let policy = with(
            vec![
                window("2026-05-04T10:00:00Z", "2026-05-04T14:00:00Z", "migration"),
                window("2026-05-04T12:00:00Z", "2026-05-04T16:00:00Z", "audit"),
                window("2026-05-04T16:00:00Z", "2026-05-04T18:30:00Z", "board demo"),
                window("2026-05-05T10:00:00Z", "2026-05-05T11:00:00Z", "later"),
            ],
            None,
        );
        let r = gate(&policy, at("2026-05-04T11:00:00Z"));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.ready_at, Some(at("2026-05-04T18:30:00Z")));
        assert_eq!(
            r.reason,
            "deploy freezes `migration`, `audit`, `board demo` until 2026-05-04 18:30 UTC"
        );
        // Once the first has ended, only those still ahead are named.
        let r = gate(&policy, at("2026-05-04T15:00:00Z"));
        assert_eq!(
            r.reason,
            "deploy freezes `audit`, `board demo` until 2026-05-04 18:30 UTC"
        );
        let r = gate(&policy, at("2026-05-04T18:30:00Z"));
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(
            r.reason,
            "deploys are allowed now, until 2026-05-05 10:00 UTC (then the deploy freeze `later`)"
        );
    }

    #[test]
    fn a_window_ending_within_a_minute_is_shown_rounded_up_and_ready_exactly() {
        let policy = with(
            vec![window("2026-05-04T10:00:00Z", "2026-05-04T12:00:30Z", "db")],
            None,
        );
        let r = gate(&policy, at("2026-05-04T11:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-05-04T12:00:30Z")));
        assert_eq!(r.reason, "deploy freeze `db` until 2026-05-04 12:01 UTC");
        assert_eq!(
            gate(&policy, at("2026-05-04T12:00:30Z")).state,
            GateState::Pass
        );
    }

    // ---- weekdays and hours

    #[test]
    fn inside_the_allowed_hours_passes_until_their_end() {
        let policy = madrid_office();
        // Monday 2026-03-02 09:00 in Madrid is 08:00 UTC (CET, +01:00).
        let open = gate(&policy, at("2026-03-02T08:00:00Z"));
        assert_eq!(open.state, GateState::Pass, "{open:?}");
        assert_eq!(
            open.reason,
            "deploys are allowed now, until 2026-03-02 16:00 Europe/Madrid, 2026-03-02 15:00 UTC (allowed Mon–Thu 09:00–16:00 Europe/Madrid)"
        );
        // The last allowed minute.
        assert_eq!(
            gate(&policy, at("2026-03-02T14:59:59Z")).state,
            GateState::Pass
        );
        assert_eq!(gate(&policy, at("2026-03-02T14:59:59Z")), open);
    }

    #[test]
    fn the_end_of_the_hours_is_not_allowed_and_the_next_day_is() {
        let policy = madrid_office();
        let r = gate(&policy, at("2026-03-02T15:00:00Z"));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, Some(at("2026-03-03T08:00:00Z")));
        assert_eq!(
            r.reason,
            "deploys are allowed Mon–Thu 09:00–16:00 Europe/Madrid; next at 2026-03-03 09:00 Europe/Madrid, 2026-03-03 08:00 UTC"
        );
        // One second before the start is still pending, the start itself passes.
        let early = gate(&policy, at("2026-03-03T07:59:59Z"));
        assert_eq!(early.state, GateState::Pending);
        assert_eq!(early.ready_at, Some(at("2026-03-03T08:00:00Z")));
        assert_eq!(
            gate(&policy, at("2026-03-03T08:00:00Z")).state,
            GateState::Pass
        );
    }

    #[test]
    fn a_day_that_is_not_allowed_waits_for_the_next_allowed_weekday() {
        let policy = madrid_office();
        // Thursday 16:00 → Monday 09:00; so do Friday noon and Sunday night.
        for now in [
            "2026-03-05T15:00:00Z",
            "2026-03-06T11:00:00Z",
            "2026-03-08T22:59:00Z",
        ] {
            let r = gate(&policy, at(now));
            assert_eq!(r.state, GateState::Pending, "{now}: {r:?}");
            assert_eq!(r.ready_at, Some(at("2026-03-09T08:00:00Z")), "{now}");
        }
    }

    #[test]
    fn weekdays_alone_allow_the_whole_day_and_hours_alone_every_day() {
        let weekends = with(Vec::new(), Some(allowed(&[Sat, Sun], None, "UTC")));
        let r = gate(&weekends, at("2026-03-06T23:59:59Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-07T00:00:00Z")));
        assert_eq!(
            r.reason,
            "deploys are allowed Sat, Sun all day UTC; next at 2026-03-07 00:00 UTC"
        );
        let pass = gate(&weekends, at("2026-03-07T00:00:00Z"));
        // Saturday and Sunday run together: allowed until Monday.
        assert_eq!(
            pass.reason,
            "deploys are allowed now, until 2026-03-09 00:00 UTC (allowed Sat, Sun all day UTC)"
        );
        let daily = with(
            Vec::new(),
            Some(allowed(&EVERY_DAY, Some("06:00-07:00"), "UTC")),
        );
        let r = gate(&daily, at("2026-03-07T07:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-08T06:00:00Z")));
        assert!(
            r.reason
                .starts_with("deploys are allowed every day 06:00–07:00 UTC"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn hours_crossing_midnight_belong_to_the_day_they_start() {
        // Friday night, 22:00 to Saturday 06:00.
        let policy = with(
            Vec::new(),
            Some(allowed(&[Fri], Some("22:00-06:00"), "UTC")),
        );
        let cases = [
            ("2026-03-06T21:59:00Z", Some("2026-03-06T22:00:00Z")),
            ("2026-03-06T22:00:00Z", None),
            ("2026-03-07T05:59:59Z", None),
            ("2026-03-07T06:00:00Z", Some("2026-03-13T22:00:00Z")),
            // Friday 00:30 is Thursday night's, and Thursday is not allowed.
            ("2026-03-06T00:30:00Z", Some("2026-03-06T22:00:00Z")),
        ];
        for (now, ready) in cases {
            let r = gate(&policy, at(now));
            match ready {
                None => assert_eq!(r.state, GateState::Pass, "{now}: {r:?}"),
                Some(ready) => {
                    assert_eq!(r.state, GateState::Pending, "{now}: {r:?}");
                    assert_eq!(r.ready_at, Some(at(ready)), "{now}");
                }
            }
        }
        assert_eq!(
            gate(&policy, at("2026-03-06T22:00:00Z")).reason,
            "deploys are allowed now, until 2026-03-07 06:00 UTC (allowed Fri 22:00–06:00 (overnight) UTC)"
        );
    }

    #[test]
    fn whole_days_back_to_back_pass_without_an_end() {
        let always = with(
            Vec::new(),
            Some(allowed(&EVERY_DAY, Some("00:00-24:00"), "Europe/Madrid")),
        );
        let r = gate(&always, at("2026-03-29T01:30:00Z"));
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(
            r.reason,
            "deploys are allowed now; no deploy freeze is scheduled"
        );
    }

    // ---- daylight saving time

    #[test]
    fn madrid_spring_forward_moves_the_utc_time_of_the_next_start() {
        // Friday 2026-03-27 17:00 CET; Monday 2026-03-30 09:00 is CEST (+02:00): 07:00 UTC.
        let r = gate(&madrid_office(), at("2026-03-27T16:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-30T07:00:00Z")));
        assert_eq!(
            r.reason,
            "deploys are allowed Mon–Thu 09:00–16:00 Europe/Madrid; next at 2026-03-30 09:00 Europe/Madrid, 2026-03-30 07:00 UTC"
        );
        // Same across a single night: Saturday evening to Sunday 09:00, the night the clocks change.
        let daily = with(
            Vec::new(),
            Some(allowed(&EVERY_DAY, Some("09:00-16:00"), "Europe/Madrid")),
        );
        let r = gate(&daily, at("2026-03-28T16:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-29T07:00:00Z")));
    }

    #[test]
    fn a_start_the_clock_skips_begins_when_the_clock_jumps() {
        // 2026-03-29 in Madrid: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 never happens.
        let night = with(
            Vec::new(),
            Some(allowed(&[Sun], Some("02:30-05:00"), "Europe/Madrid")),
        );
        let r = gate(&night, at("2026-03-29T00:30:00Z")); // 01:30 CET
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, Some(at("2026-03-29T01:00:00Z"))); // 03:00 CEST
        assert_eq!(
            r.reason,
            "deploys are allowed Sun 02:30–05:00 Europe/Madrid; next at 2026-03-29 03:00 Europe/Madrid, 2026-03-29 01:00 UTC"
        );
        assert_eq!(
            gate(&night, at("2026-03-29T01:00:00Z")).state,
            GateState::Pass
        );
        // It ends at 05:00 CEST (03:00 UTC), so it lasted two hours instead of two and a half.
        assert_eq!(
            gate(&night, at("2026-03-29T02:59:00Z")).state,
            GateState::Pass
        );
        let after = gate(&night, at("2026-03-29T03:00:00Z"));
        assert_eq!(after.ready_at, Some(at("2026-04-05T00:30:00Z"))); // next Sunday, 02:30 CEST
                                                                      // Hours that lie wholly in the skipped hour allow nothing that night: the next week's.
        let gap = with(
            Vec::new(),
            Some(allowed(&[Sun], Some("02:00-03:00"), "Europe/Madrid")),
        );
        let r = gate(&gap, at("2026-03-28T12:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-04-05T00:00:00Z")));
    }

    #[test]
    fn madrid_fall_back_counts_the_first_reading_of_a_repeated_time() {
        // 2026-10-25 in Madrid: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:00–03:00 happens twice.
        let night = with(
            Vec::new(),
            Some(allowed(&[Sun], Some("02:30-04:00"), "Europe/Madrid")),
        );
        let r = gate(&night, at("2026-10-25T00:15:00Z")); // 02:15 CEST, the first time
        assert_eq!(r.ready_at, Some(at("2026-10-25T00:30:00Z"))); // 02:30 CEST, the first time
        assert_eq!(
            r.reason,
            "deploys are allowed Sun 02:30–04:00 Europe/Madrid; next at 2026-10-25 02:30 Europe/Madrid, 2026-10-25 00:30 UTC"
        );
        // Inside from then on, through the repeated hour, until 04:00 CET (03:00 UTC).
        for now in [
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:15:00Z",
            "2026-10-25T02:59:00Z",
        ] {
            assert_eq!(gate(&night, at(now)).state, GateState::Pass, "{now}");
        }
        assert_eq!(
            gate(&night, at("2026-10-25T03:00:00Z")).state,
            GateState::Pending
        );
        // A period that ends inside the repeated hour ends at its first reading, and the second
        // reading does not open it again.
        let evening = with(
            Vec::new(),
            Some(allowed(&[Sat], Some("22:00-02:30"), "Europe/Madrid")),
        );
        assert_eq!(
            gate(&evening, at("2026-10-25T00:29:00Z")).state,
            GateState::Pass
        );
        let r = gate(&evening, at("2026-10-25T01:15:00Z")); // 02:15 CET, the second time
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, Some(at("2026-10-31T21:00:00Z"))); // Saturday 22:00 CET
    }

    #[test]
    fn a_ready_time_across_a_clock_change_keeps_the_local_hour() {
        // A freeze ending on Saturday evening in summer time; Monday 09:00 is winter time.
        let policy = with(
            vec![window(
                "2026-10-20T00:00:00+02:00",
                "2026-10-24T20:00:00+02:00",
                "audit",
            )],
            madrid_office().freeze.allowed,
        );
        let r = gate(&policy, at("2026-10-22T10:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-10-26T08:00:00Z")));
        assert_eq!(
            r.reason,
            "deploy freeze `audit` until 2026-10-24 18:00 UTC, and deploys are allowed Mon–Thu 09:00–16:00 Europe/Madrid; next at 2026-10-26 09:00 Europe/Madrid, 2026-10-26 08:00 UTC"
        );
    }

    #[test]
    fn new_york_changes_its_clocks_on_other_days() {
        let office = with(
            Vec::new(),
            Some(allowed(
                &[Mon, Tue, Wed, Thu, Fri],
                Some("09:00-17:00"),
                "America/New_York",
            )),
        );
        // Friday 2026-03-06 17:00 EST (22:00 UTC) → Monday 09:00 EDT (13:00 UTC).
        let r = gate(&office, at("2026-03-06T22:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-09T13:00:00Z")));
        assert_eq!(
            r.reason,
            "deploys are allowed Mon–Fri 09:00–17:00 America/New_York; next at 2026-03-09 09:00 America/New_York, 2026-03-09 13:00 UTC"
        );
        // Friday 2026-10-30 17:00 EDT (21:00 UTC) → Monday 09:00 EST (14:00 UTC).
        let r = gate(&office, at("2026-10-30T21:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-11-02T14:00:00Z")));
        // Madrid has not changed yet on 2026-03-09 (it does on the 29th): 09:00 there is 08:00 UTC.
        let r = gate(&madrid_office(), at("2026-03-09T07:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-09T08:00:00Z")));
        // Sunday 2026-03-08, 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
        let night = with(
            Vec::new(),
            Some(allowed(&[Sun], Some("02:15-04:00"), "America/New_York")),
        );
        let r = gate(&night, at("2026-03-08T06:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-03-08T07:00:00Z")));
        // Sunday 2026-11-01, 01:00–02:00 happens twice; 01:30 is first read at 05:30 UTC (EDT).
        let night = with(
            Vec::new(),
            Some(allowed(&[Sun], Some("01:30-03:00"), "America/New_York")),
        );
        let r = gate(&night, at("2026-11-01T04:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-11-01T05:30:00Z")));
        assert_eq!(
            gate(&night, at("2026-11-01T06:45:00Z")).state,
            GateState::Pass
        ); // 01:45 EST
        assert_eq!(
            gate(&night, at("2026-11-01T08:00:00Z")).state,
            GateState::Pending
        ); // 03:00 EST
    }

    // ---- windows and hours together

    #[test]
    fn a_freeze_ending_outside_the_hours_waits_for_the_next_period() {
        let mut policy = madrid_office();
        policy.freeze.windows = vec![christmas()];
        // Christmas ends on Thursday 2027-01-07 00:00 in Madrid; the office opens at 09:00.
        let r = gate(&policy, at("2026-12-22T10:00:00Z"));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.ready_at, Some(at("2027-01-07T08:00:00Z")));
        assert_eq!(
            r.reason,
            "deploy freeze `Christmas` until 2027-01-06 23:00 UTC, and deploys are allowed Mon–Thu 09:00–16:00 Europe/Madrid; next at 2027-01-07 09:00 Europe/Madrid, 2027-01-07 08:00 UTC"
        );
        // A freeze ending on a Friday waits for Monday.
        policy.freeze.windows = vec![window(
            "2026-06-01T00:00:00+02:00",
            "2026-06-05T12:00:00+02:00",
            "audit",
        )];
        let r = gate(&policy, at("2026-06-02T10:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-06-08T07:00:00Z")));
        // Ending inside the hours: the freeze's own end.
        policy.freeze.windows = vec![window(
            "2026-06-01T00:00:00+02:00",
            "2026-06-03T11:30:00+02:00",
            "audit",
        )];
        let r = gate(&policy, at("2026-06-02T10:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-06-03T09:30:00Z")));
        assert_eq!(
            r.reason,
            "deploy freeze `audit` until 2026-06-03 11:30 Europe/Madrid, 2026-06-03 09:30 UTC"
        );
    }

    #[test]
    fn the_next_period_may_start_inside_a_freeze() {
        let mut policy = madrid_office();
        // Monday 2026-06-01, 07:00 local: the office opens at 09:00, but a freeze runs until 10:30.
        policy.freeze.windows = vec![window(
            "2026-06-01T08:00:00+02:00",
            "2026-06-01T10:30:00+02:00",
            "release train",
        )];
        let r = gate(&policy, at("2026-06-01T05:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-06-01T08:30:00Z")));
        // A freeze covering the whole period moves to the next day's.
        policy.freeze.windows = vec![window(
            "2026-06-01T08:00:00+02:00",
            "2026-06-01T17:00:00+02:00",
            "all day",
        )];
        let r = gate(&policy, at("2026-06-01T05:00:00Z"));
        assert_eq!(r.ready_at, Some(at("2026-06-02T07:00:00Z")));
        // Allowed now, and a freeze starts before the period ends: the pass says so.
        let r = gate(&policy, at("2026-05-28T09:00:00Z"));
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(
            r.reason,
            "deploys are allowed now, until 2026-05-28 16:00 Europe/Madrid, 2026-05-28 14:00 UTC (allowed Mon–Thu 09:00–16:00 Europe/Madrid)"
        );
        policy.freeze.windows = vec![window(
            "2026-05-28T12:00:00+02:00",
            "2026-05-29T00:00:00+02:00",
            "launch",
        )];
        let r = gate(&policy, at("2026-05-28T09:00:00Z"));
        assert_eq!(
            r.reason,
            "deploys are allowed now, until 2026-05-28 12:00 Europe/Madrid, 2026-05-28 10:00 UTC (then the deploy freeze `launch`)"
        );
    }

    // ---- bounds

    #[test]
    fn a_long_chain_of_windows_is_crossed_in_few_steps() {
        // A year of daily freezes, back to back, in reverse order, plus office hours.
        let start = at("2026-01-01T00:00:00Z");
        let windows: Vec<FreezeWindow> = (0..365)
            .rev()
            .map(|day| FreezeWindow {
                from: start + TimeDelta::days(day),
                until: start + TimeDelta::days(day + 1),
                reason: format!("day {day}"),
            })
            .collect();
        let policy = with(windows, madrid_office().freeze.allowed);
        let found = next_allowed(&policy.freeze, start + TimeDelta::hours(12));
        // 2027-01-01 is a Friday: Monday 2027-01-04 09:00 CET.
        assert_eq!(found.at, Some(at("2027-01-04T08:00:00Z")));
        assert_eq!(found.freezes.len(), 365);
        let r = gate(&policy, start);
        assert!(
            r.reason.starts_with("deploy freezes `day 0`, `day 1`, `day 2` and 362 more until 2027-01-01 00:00 UTC, and deploys"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_freeze_to_the_end_of_the_calendar_is_an_error_never_a_pass() {
        let forever = FreezeWindow {
            from: at("2026-01-01T00:00:00Z"),
            until: DateTime::<Utc>::MAX_UTC,
            reason: "forever".into(),
        };
        let policy = with(vec![forever], madrid_office().freeze.allowed);
        let r = gate(&policy, at("2026-06-01T10:00:00Z"));
        assert_eq!(r.state, GateState::Error, "{r:?}");
        assert_eq!(
            r.reason,
            "no allowed deploy moment exists from 2026-06-01 10:00 UTC to the end of the calendar (deploy freeze `forever`)"
        );
        assert_eq!(r.ready_at, None);
        let verdict = crate::evaluate(
            &FactsBuilder::new().build(),
            &policy,
            at("2026-06-01T10:00:00Z"),
        );
        assert_eq!(verdict.verdict, crate::verdict::VerdictState::Error);
    }

    // ---- the verdict

    #[test]
    fn a_hostile_reason_is_escaped_where_it_is_rendered() {
        // The backticks inside move the hostile middle out of the code span the reason is shown in.
        let reason = "a` <!-- shipgate --> @org/team [click](https://evil)\n# pwned | #1 `b";
        let policy = with(
            vec![window(
                "2026-03-01T00:00:00Z",
                "2026-03-09T00:00:00Z",
                reason,
            )],
            None,
        );
        let verdict = crate::evaluate(
            &FactsBuilder::new().build(),
            &policy,
            at("2026-03-02T09:00:00Z"),
        );
        let row = verdict
            .gates
            .iter()
            .find(|g| g.gate == GateId::Freeze)
            .unwrap();
        assert_eq!(row.state, GateState::Pending);
        assert!(row.reason.contains(reason), "the reason is kept as written");
        let out = crate::render::markdown(&verdict);
        for raw in ["<!--", "@org", "](", "https://", "\n# pwned"] {
            assert!(!out.contains(raw), "{raw:?} got through:\n{out}");
        }
        let line = out
            .lines()
            .find(|l| l.contains("| freeze |"))
            .expect("a freeze row");
        let borders = line
            .char_indices()
            .filter(|(i, c)| *c == '|' && (*i == 0 || !line[..*i].ends_with('\\')))
            .count();
        assert_eq!(borders, 5, "{line}");
    }

    #[test]
    fn the_verdicts_ready_time_waits_for_the_allowed_hours() {
        use crate::facts::DeploymentState::Success;
        use crate::facts::{CheckConclusion, Permission, ReviewState};
        use crate::gates::testing::SHA;
        // Deployed to staging Monday 2026-03-02 15:00 UTC: the soak ends Tuesday 15:00 UTC, which
        // is 16:00 in Madrid, when the office closes. The release may go on Wednesday at 09:00.
        let t = at("2026-03-02T15:00:00Z");
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t)])
            .review("bob", Permission::Write, ReviewState::Approved, t, SHA)
            .review("carol", Permission::Write, ReviewState::Approved, t, SHA)
            .tag("v1.4.0", SHA, true)
            .completed("build", CheckConclusion::Success, t)
            .build();
        let verdict = crate::evaluate(&facts, &madrid_office(), at("2026-03-03T09:00:00Z"));
        assert_eq!(
            verdict.verdict,
            crate::verdict::VerdictState::Pending,
            "{verdict:#?}"
        );
        let freeze = verdict
            .gates
            .iter()
            .find(|g| g.gate == GateId::Freeze)
            .unwrap();
        assert_eq!(freeze.state, GateState::Pass);
        assert_eq!(verdict.ready_at, Some(at("2026-03-04T08:00:00Z")));
        // Without the allowed hours the soak's end is the ready time.
        let verdict = crate::evaluate(&facts, &Policy::default(), at("2026-03-03T09:00:00Z"));
        assert_eq!(verdict.ready_at, Some(at("2026-03-03T15:00:00Z")));
        // And on Wednesday at 09:00 it passes.
        let verdict = crate::evaluate(&facts, &madrid_office(), at("2026-03-04T08:00:00Z"));
        assert_eq!(
            verdict.verdict,
            crate::verdict::VerdictState::Pass,
            "{verdict:#?}"
        );
    }

    #[test]
    fn the_freeze_alone_checks_nothing() {
        let mut policy = madrid_office();
        policy.soak.enabled = false;
        policy.approvals.enabled = false;
        policy.tag.enabled = false;
        policy.checks.enabled = false;
        policy.checklist.enabled = false;
        let verdict = crate::evaluate(
            &FactsBuilder::new().build(),
            &policy,
            at("2026-03-02T09:00:00Z"),
        );
        assert_eq!(verdict.verdict, crate::verdict::VerdictState::Error);
        assert!(verdict.gates.iter().any(|g| g.gate == GateId::Policy));
    }

    // ---- the search against a minute-by-minute scan

    /// The first moment the clock of `tz` reads `local` or later, found by scanning every
    /// minute (time zones here have whole-minute offsets within ±14 h).
    fn first_reading_by_scan(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
        let mut at = Utc.from_utc_datetime(&local) - TimeDelta::hours(15);
        while at.with_timezone(&tz).naive_local() < local {
            at += TimeDelta::minutes(1);
        }
        at
    }

    /// Every allowed period starting on a local day from `first` for `count` days, from the
    /// definition, each end found by scanning.
    fn periods_by_scan(
        allowed: &AllowedTime,
        first: NaiveDate,
        count: u64,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let hours = hours(allowed);
        (0..count)
            .map(|n| first + Days::new(n))
            .filter(|day| allowed.weekdays.contains(&day.weekday()))
            .map(|day| {
                let midnight = day.and_hms_opt(0, 0, 0).unwrap();
                let start = midnight + TimeDelta::minutes(i64::from(hours.start));
                let mut end = midnight + TimeDelta::minutes(i64::from(hours.end));
                if hours.end <= hours.start {
                    end += TimeDelta::days(1);
                }
                (
                    first_reading_by_scan(allowed.timezone, start),
                    first_reading_by_scan(allowed.timezone, end),
                )
            })
            .collect()
    }

    /// Whether `at` is allowed, from the definition: outside every window, inside a period.
    fn allowed_by_definition(
        freeze: &FreezePolicy,
        periods: &[(DateTime<Utc>, DateTime<Utc>)],
        at: DateTime<Utc>,
    ) -> bool {
        !freeze.windows.iter().any(|w| w.from <= at && at < w.until)
            && periods.iter().any(|(start, end)| *start <= at && at < *end)
    }

    fn zone() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            Tz::Europe__Madrid,
            Tz::America__New_York,
            Tz::Australia__Lord_Howe, // a 30-minute clock change
            Tz::Asia__Kolkata,
            Tz::UTC,
        ])
    }

    proptest! {
        #[test]
        fn any_config_at_any_moment_never_panics(
            weekdays in prop_oneof![
                "\\[[a-zA-Z ,\\-]{0,20}\\]",
                prop::sample::select(vec!["[sun]", "[mon-thu]", "[fri-mon, wed]", "[Saturday]"])
                    .prop_map(String::from),
            ],
            hours in prop_oneof![
                "[0-9:\\- ]{0,13}",
                "([01][0-9]|2[0-4]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]",
            ],
            timezone in prop::sample::select(vec![
                "Europe/Madrid", "America/New_York", "Pacific/Apia", "Australia/Lord_Howe",
                "Asia/Kathmandu", "UTC", "Etc/GMT+12", "Pacific/Kiritimati",
            ]),
            until in "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][01][0-9]:[0-5][0-9])",
            now in prop_oneof![
                DateTime::<Utc>::MIN_UTC.timestamp()..DateTime::<Utc>::MAX_UTC.timestamp(),
                // Around the window's end and today's clock changes.
                -62_135_596_800i64..253_402_300_799,
                1_767_225_600i64..1_830_297_600,
            ],
        ) {
            let text = format!(
                "freeze:\n  windows:\n    - {{from: '0001-01-01T00:00:00Z', until: '{until}', reason: r}}\n  allowed:\n    weekdays: {weekdays}\n    hours: '{hours}'\n    timezone: {timezone}\n"
            );
            if let Ok(policy) = crate::config::parse(&text, None) {
                let now = DateTime::from_timestamp(now, 0).unwrap();
                let r = gate(&policy, now);
                let window = &policy.freeze.windows[0];
                if window.from <= now && now < window.until {
                    prop_assert_ne!(r.state, GateState::Pass, "{:?}", r);
                }
                if let Some(ready) = r.ready_at {
                    prop_assert!(ready > now);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        #[test]
        fn the_search_finds_the_first_allowed_minute(
            tz in zone(),
            days in prop::collection::vec(0u8..7, 1..4),
            hours in prop::option::of((0u16..96, 1u16..97)),
            windows in prop::collection::vec((0i64..14 * 96, 1i64..3 * 96), 0..4),
            // Around Europe's and America's spring and autumn changes, and Lord Howe's.
            base in prop::sample::select(vec![
                "2026-03-05T00:00:00Z", "2026-03-26T00:00:00Z", "2026-10-22T00:00:00Z",
                "2026-10-29T00:00:00Z", "2026-04-02T00:00:00Z", "2026-10-01T00:00:00Z",
            ]),
            offset in 0i64..10 * 96,
        ) {
            let base = at(base);
            let quarter = |n: i64| base + TimeDelta::minutes(15 * n);
            let allowed = AllowedTime {
                weekdays: {
                    let mut d: Vec<Weekday> = days.iter().map(|&i| EVERY_DAY[usize::from(i)]).collect();
                    d.sort_by_key(Weekday::num_days_from_monday);
                    d.dedup();
                    d
                },
                hours: hours
                    .filter(|(s, e)| s != e)
                    .map(|(s, e)| AllowedHours { start: s * 15, end: e * 15 }),
                timezone: tz,
            };
            let freeze = FreezePolicy {
                enabled: true,
                windows: windows
                    .iter()
                    .map(|&(from, length)| FreezeWindow {
                        from: quarter(from),
                        until: quarter(from + length),
                        reason: "w".into(),
                    })
                    .collect(),
                allowed: Some(allowed),
            };
            let now = quarter(offset);
            let first_day = base.date_naive() - Days::new(3);
            let periods = periods_by_scan(freeze.allowed.as_ref().unwrap(), first_day, 40);
            let found = next_allowed(&freeze, now).at.expect("some allowed moment");
            prop_assert!(found >= now);
            prop_assert!(
                allowed_by_definition(&freeze, &periods, found),
                "found {found} is not allowed"
            );
            // No earlier minute is allowed (the boundaries are whole minutes).
            let mut minute = now;
            while minute < found {
                prop_assert!(
                    !allowed_by_definition(&freeze, &periods, minute),
                    "{minute} is allowed before {found}"
                );
                minute += TimeDelta::minutes(1);
            }
        }
    }
}
