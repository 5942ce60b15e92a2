//! Streak arithmetic: when a sustained rule ("for D") fires.
//!
//! Samples are taken every `interval`; a rule with `for D` fires at the `ceil(D / interval)`-th
//! consecutive breaching sample, a rule without `for` at the first breaching sample.
//!
//! Policy for samples that are not values (documented in `docs/rules.md`):
//! - a **breaching** value extends the streak by one;
//! - a **non-breaching** value breaks it (back to zero, and a firing alert re-arms);
//! - a **missing** sample (`NaN`, a gap) or a **source error** *holds* it: the streak is neither
//!   broken nor extended. A gap therefore never hides a sustained breach around it, and never
//!   counts as evidence of one. What a missing or failed sample does to the watch's result is
//!   decided in [`super::engine`]: enough of them and the watch ends `error`, never healthy.

use crate::duration::Duration;

/// How many consecutive breaching samples a rule needs: `ceil(sustain / interval)`, at least 1.
pub fn required_samples(sustain: Option<Duration>, interval: Duration) -> u32 {
    let Some(sustain) = sustain else {
        return 1;
    };
    let interval = interval.as_secs().max(1);
    let needed = sustain.as_secs().div_ceil(interval).max(1);
    u32::try_from(needed).unwrap_or(u32::MAX)
}

/// What one sample says about a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A value that breaches the rule.
    Breach,
    /// A value that does not breach it.
    Clear,
    /// No usable value: missing (`NaN`, gap) or a source error.
    Unknown,
}

/// The running state of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streak {
    required: u32,
    count: u32,
    longest: u32,
    firing: bool,
}

impl Streak {
    /// A streak for a rule needing `required` consecutive breaching samples (at least 1).
    pub fn new(required: u32) -> Self {
        Self {
            required: required.max(1),
            count: 0,
            longest: 0,
            firing: false,
        }
    }

    /// Feeds one sample; returns `true` exactly when the rule starts firing with this sample.
    /// A firing rule does not fire again until a clear sample has re-armed it.
    pub fn observe(&mut self, evidence: Evidence) -> bool {
        match evidence {
            Evidence::Breach => {
                self.count = self.count.saturating_add(1);
                self.longest = self.longest.max(self.count);
                if self.count >= self.required && !self.firing {
                    self.firing = true;
                    return true;
                }
                false
            }
            Evidence::Clear => {
                self.count = 0;
                self.firing = false;
                false
            }
            Evidence::Unknown => false,
        }
    }

    /// Consecutive breaching samples so far (missing ones not counted).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The longest streak seen.
    pub fn longest(&self) -> u32 {
        self.longest
    }

    /// The samples needed to fire.
    pub fn required(&self) -> u32 {
        self.required
    }

    /// Whether the rule is firing now.
    pub fn firing(&self) -> bool {
        self.firing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Evidence::*;

    #[test]
    fn required_is_the_ceiling_of_sustain_over_interval() {
        let m = Duration::from_mins;
        assert_eq!(required_samples(None, m(1)), 1);
        assert_eq!(required_samples(Some(m(5)), m(1)), 5);
        assert_eq!(required_samples(Some(m(10)), m(1)), 10);
        assert_eq!(required_samples(Some(m(3)), m(2)), 2);
        assert_eq!(required_samples(Some(Duration::from_secs(61)), m(1)), 2);
        assert_eq!(required_samples(Some(Duration::from_secs(30)), m(1)), 1);
        assert_eq!(
            required_samples(Some(Duration::from_secs(3)), Duration::from_secs(1)),
            3
        );
    }

    #[test]
    fn fires_at_the_required_breach_and_once() {
        let mut s = Streak::new(3);
        let fired: Vec<bool> = [
            Breach, Breach, Breach, Breach, Clear, Breach, Breach, Breach,
        ]
        .into_iter()
        .map(|e| s.observe(e))
        .collect();
        assert_eq!(
            fired,
            [false, false, true, false, false, false, false, true]
        );
        assert_eq!(s.longest(), 4);
    }

    #[test]
    fn a_missing_sample_holds_the_streak() {
        let mut s = Streak::new(3);
        assert!(!s.observe(Breach));
        assert!(!s.observe(Unknown));
        assert!(!s.observe(Breach));
        assert_eq!(
            s.count(),
            2,
            "the gap neither broke nor extended the streak"
        );
        assert!(s.observe(Breach));
    }

    #[test]
    fn a_clear_sample_breaks_the_streak() {
        let mut s = Streak::new(2);
        s.observe(Breach);
        s.observe(Clear);
        assert!(!s.observe(Breach));
        assert!(s.observe(Breach));
    }

    fn evidence() -> impl Strategy<Value = Evidence> {
        prop_oneof![Just(Breach), Just(Clear), Just(Unknown)]
    }

    /// The reference model: fires at sample i when the valid samples since the last clear one,
    /// up to and including i, are all breaches, number exactly `required`... or more after a
    /// reset of `firing`: i.e. the first time the run reaches `required`.
    fn model(samples: &[Evidence], required: u32) -> Vec<usize> {
        let mut fires = Vec::new();
        let mut run = 0u32;
        for (i, e) in samples.iter().enumerate() {
            match e {
                Breach => {
                    run += 1;
                    if run == required {
                        fires.push(i);
                    }
                }
                Clear => run = 0,
                Unknown => {}
            }
        }
        fires
    }

    proptest! {
        #[test]
        fn matches_the_reference_model(
            samples in proptest::collection::vec(evidence(), 0..60),
            required in 1u32..8,
        ) {
            let mut s = Streak::new(required);
            let fired: Vec<usize> = samples
                .iter()
                .enumerate()
                .filter_map(|(i, e)| s.observe(*e).then_some(i))
                .collect();
            prop_assert_eq!(fired, model(&samples, required));
        }

        /// Removing every unknown sample changes nothing but the positions: gaps are neutral.
        #[test]
        fn unknown_samples_are_neutral(
            samples in proptest::collection::vec(evidence(), 0..60),
            required in 1u32..8,
        ) {
            let count = |list: &[Evidence]| {
                let mut s = Streak::new(required);
                list.iter().filter(|e| s.observe(**e)).count()
            };
            let known: Vec<Evidence> = samples.iter().copied().filter(|e| *e != Unknown).collect();
            prop_assert_eq!(count(&samples), count(&known));
        }

        /// Without a breaching sample nothing ever fires; without a clear one, a rule fires at
        /// most once.
        #[test]
        fn no_breach_never_fires(
            samples in proptest::collection::vec(prop_oneof![Just(Clear), Just(Unknown)], 0..60),
            required in 1u32..8,
        ) {
            let mut s = Streak::new(required);
            prop_assert!(!samples.iter().any(|e| s.observe(*e)));
        }

        /// `ceil(D / interval)` samples at `interval` span at least D minus one interval, and
        /// one sample fewer would not cover D.
        #[test]
        fn required_covers_the_sustain(sustain in 1u64..100_000, interval in 1u64..10_000) {
            let n = u64::from(required_samples(Some(Duration::from_secs(sustain)), Duration::from_secs(interval)));
            prop_assert!(n * interval >= sustain);
            prop_assert!(n == 1 || (n - 1) * interval < sustain);
        }
    }
}
