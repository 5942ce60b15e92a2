//! The rule grammar of `shipgate watch` (documented for users in `docs/rules.md`).
//!
//! ```text
//! rule      = [ level ":" ] condition [ "for" DURATION ]
//! level     = "alert" | "rollback"                (no prefix: rollback)
//! condition = METRIC OP VALUE | "health" "failing"
//! OP        = ">" | ">=" | "<" | "<="
//! VALUE     = NUMBER [ "%" | "ms" | "s" | "m" | "h" ]
//! ```
//!
//! A percentage is a fraction of one (`5%` is 0.05); a duration value is in seconds (`5s` is 5,
//! `500ms` is 0.5, `2m` is 120). `uptime` is the share of healthy `health` samples so far, so
//! `uptime < 99%` is an ordinary comparison. A `#` starts a comment; blank lines are ignored.
//! Every error names the rule (its line) and the column where the text went wrong.

use std::fmt;

use serde::Serialize;

use crate::duration::Duration;

/// What happens when a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// An annotation and a summary row; the watch goes on.
    Alert,
    /// The watch ends with `rollback=true` and the rollback starts.
    Rollback,
}

impl Level {
    /// Lowercase name, as written in rules and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Rollback => "rollback",
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    /// `>`
    #[serde(rename = ">")]
    Above,
    /// `>=`
    #[serde(rename = ">=")]
    AtLeast,
    /// `<`
    #[serde(rename = "<")]
    Below,
    /// `<=`
    #[serde(rename = "<=")]
    AtMost,
}

impl Op {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Above => ">",
            Self::AtLeast => ">=",
            Self::Below => "<",
            Self::AtMost => "<=",
        }
    }

    /// Whether `value OP threshold` holds (`NaN` never holds: it is no evidence either way).
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::Above => value > threshold,
            Self::AtLeast => value >= threshold,
            Self::Below => value < threshold,
            Self::AtMost => value <= threshold,
        }
    }

    /// Plain words for reasons (`above`, `at or below`, …).
    pub fn words(self) -> &'static str {
        match self {
            Self::Above => "above",
            Self::AtLeast => "at or above",
            Self::Below => "below",
            Self::AtMost => "at or below",
        }
    }
}

/// How a value was written, which is also how it is displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A plain number.
    Number,
    /// A percentage (stored as a fraction of one).
    Percent,
    /// A duration (stored in seconds).
    Seconds,
}

impl Unit {
    /// Formats a value in this unit: `7%`, `5.5s`, `0.25`.
    pub fn format(self, value: f64) -> String {
        if value.is_nan() {
            return "NaN".to_string();
        }
        if value.is_infinite() {
            return if value > 0.0 { "+Inf" } else { "-Inf" }.to_string();
        }
        match self {
            Self::Number => trim_number(value),
            Self::Percent => format!("{}%", trim_number(value * 100.0)),
            Self::Seconds => format!("{}s", trim_number(value)),
        }
    }
}

/// At most three decimals, without trailing zeros: `7`, `5.25`, `0.333`.
pub fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// What a rule compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// `METRIC OP VALUE` (`uptime` and `health` included).
    Compare {
        /// The metric's name (a configured metric, `health` or `uptime`).
        metric: String,
        /// The operator.
        op: Op,
        /// The threshold, in base units (fraction, seconds or number).
        threshold: f64,
        /// How the threshold was written.
        unit: Unit,
    },
    /// `health failing`: a `health` sample that is not up.
    HealthFailing,
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Alert or rollback.
    pub level: Level,
    /// What it compares.
    pub condition: Condition,
    /// `for D`: how long the condition must hold; `None` = one breaching sample.
    pub sustain: Option<Duration>,
    /// The rule as written (trimmed, comment removed) — the `trigger` output.
    pub text: String,
    /// The 1-based rule (line) number.
    pub number: usize,
    /// The 1-based column where the metric name starts (for "unknown metric" errors).
    #[serde(skip)]
    pub metric_column: usize,
}

impl Rule {
    /// The metric the rule reads (`health` for `health failing`).
    pub fn metric(&self) -> &str {
        match &self.condition {
            Condition::Compare { metric, .. } => metric,
            Condition::HealthFailing => HEALTH,
        }
    }

    /// Whether one valid sample of the rule's metric breaches it.
    pub fn breaches(&self, value: f64) -> bool {
        match &self.condition {
            Condition::Compare { op, threshold, .. } => op.holds(value, *threshold),
            Condition::HealthFailing => !is_up(value),
        }
    }

    /// The unit the rule's metric is displayed in.
    pub fn unit(&self) -> Unit {
        match &self.condition {
            Condition::Compare { unit, .. } => *unit,
            Condition::HealthFailing => Unit::Number,
        }
    }

    /// The threshold, for charts (`health failing` draws the line at 1 = up).
    pub fn threshold(&self) -> f64 {
        match &self.condition {
            Condition::Compare { threshold, .. } => *threshold,
            Condition::HealthFailing => 1.0,
        }
    }
}

/// The built-in health metric: 1 up, anything below 1 failing.
pub const HEALTH: &str = "health";
/// The derived uptime metric: the share of healthy `health` samples so far.
pub const UPTIME: &str = "uptime";

/// Whether a `health` value means up (1 = up; anything below 1, say 0.5 for one of two targets
/// down, counts as failing: fail closed).
pub fn is_up(value: f64) -> bool {
    value >= 1.0
}

/// The flow's default rules (`docs/rules.md`), one per line.
pub const DEFAULT_RULES: &str = "\
error_rate > 5% for 5m
latency_p95 > 5s for 10m
health failing for 3m
uptime < 99%
alert: error_rate > 3%
alert: latency_p95 > 3s
";

/// The default rules, parsed.
pub fn default_rules() -> Vec<Rule> {
    parse_rules(DEFAULT_RULES).expect("the default rules parse")
}

/// A rule that could not be parsed: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule}, column {column}: {message} (in `{text}`)")]
pub struct RuleError {
    /// The 1-based rule (line) number.
    pub rule: usize,
    /// The 1-based column (in characters).
    pub column: usize,
    /// What was expected or is wrong.
    pub message: String,
    /// The rule's text.
    pub text: String,
}

/// Parses several rules, one per line; blank lines and `#` comments are skipped, but still
/// counted, so "rule N" is line N.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(rule) = parse_line(line, index + 1)? {
            rules.push(rule);
        }
    }
    Ok(rules)
}

/// Parses one rule (`number` is used in errors). A blank or comment-only line is an error here.
pub fn parse_rule(line: &str, number: usize) -> Result<Rule, RuleError> {
    parse_line(line, number)?.ok_or_else(|| RuleError {
        rule: number,
        column: 1,
        message: "empty rule; write e.g. `error_rate > 5% for 5m`".to_string(),
        text: line.trim().to_string(),
    })
}

fn parse_line(line: &str, number: usize) -> Result<Option<Rule>, RuleError> {
    let chars: Vec<char> = line.chars().collect();
    // A `#` ends the rule: everything after it is a comment.
    let end = chars.iter().position(|c| *c == '#').unwrap_or(chars.len());
    let body: String = chars[..end].iter().collect();
    if body.trim().is_empty() {
        return Ok(None);
    }
    let mut parser = Parser {
        chars: &chars[..end],
        pos: 0,
        number,
        text: body.trim().to_string(),
    };
    parser.rule().map(Some)
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    number: usize,
    text: String,
}

impl Parser<'_> {
    fn error(&self, column: usize, message: impl Into<String>) -> RuleError {
        RuleError {
            rule: self.number,
            column,
            message: message.into(),
            text: self.text.clone(),
        }
    }

    /// 1-based column of the current position.
    fn column(&self) -> usize {
        self.pos + 1
    }

    fn skip_spaces(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// A name: `[A-Za-z_][A-Za-z0-9_]*`, or `None` if none starts here.
    fn name(&mut self) -> Option<String> {
        let start = self.pos;
        if !self
            .peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        {
            return None;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        Some(self.chars[start..self.pos].iter().collect())
    }

    /// The rest of a whitespace-delimited word.
    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_whitespace()) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn rule(&mut self) -> Result<Rule, RuleError> {
        self.skip_spaces();
        let mut level = Level::Rollback;
        let mut column = self.column();
        let Some(mut first) = self.name() else {
            return Err(self.error(
                column,
                "expected a metric name, `health failing`, or a level (`alert:` / `rollback:`)",
            ));
        };
        self.skip_spaces();
        if self.peek() == Some(':') {
            level = match first.as_str() {
                "alert" => Level::Alert,
                "rollback" => Level::Rollback,
                other => {
                    return Err(self.error(
                        column,
                        format!("unknown level `{other}`; write `alert:` or `rollback:`"),
                    ))
                }
            };
            self.pos += 1;
            self.skip_spaces();
            column = self.column();
            first = match self.name() {
                Some(name) => name,
                None => {
                    return Err(self.error(
                        column,
                        "expected a metric name or `health failing` after the level",
                    ))
                }
            };
            self.skip_spaces();
        }
        let metric_column = column;
        let condition = if first == HEALTH && self.peek().is_some_and(|c| c.is_alphabetic()) {
            let at = self.column();
            let word = self.name().unwrap_or_default();
            if word != "failing" {
                return Err(self.error(
                    at,
                    format!("expected `failing` after `health` (or a comparison), found `{word}`"),
                ));
            }
            Condition::HealthFailing
        } else {
            let op = self.op()?;
            self.skip_spaces();
            let (threshold, unit) = self.value()?;
            if first == UPTIME && !(0.0..=1.0).contains(&threshold) {
                return Err(self.error(metric_column, "`uptime` is a share between 0% and 100%"));
            }
            Condition::Compare {
                metric: first,
                op,
                threshold,
                unit,
            }
        };
        self.skip_spaces();
        let mut sustain = None;
        if self.peek().is_some() {
            let at = self.column();
            let word = self.name().unwrap_or_else(|| self.word());
            if word != "for" {
                return Err(self.error(
                    at,
                    format!(
                        "unexpected `{word}`; a rule ends after its value or with `for DURATION`"
                    ),
                ));
            }
            self.skip_spaces();
            let at = self.column();
            let text = self.word();
            if text.is_empty() {
                return Err(self.error(at, "expected a duration after `for` (e.g. `5m`)"));
            }
            let duration = Duration::parse(&text).map_err(|e| self.error(at, e.to_string()))?;
            if duration.as_secs() == 0 {
                return Err(self.error(at, "`for` needs a positive duration"));
            }
            sustain = Some(duration);
            self.skip_spaces();
            if self.peek().is_some() {
                let at = self.column();
                let extra = self.word();
                return Err(self.error(
                    at,
                    format!("unexpected `{extra}` after the duration; one rule per line"),
                ));
            }
        }
        Ok(Rule {
            level,
            condition,
            sustain,
            text: self.text.clone(),
            number: self.number,
            metric_column,
        })
    }

    fn op(&mut self) -> Result<Op, RuleError> {
        let at = self.column();
        let op = match (self.peek(), self.chars.get(self.pos + 1).copied()) {
            (Some('>'), Some('=')) => Op::AtLeast,
            (Some('<'), Some('=')) => Op::AtMost,
            (Some('>'), _) => Op::Above,
            (Some('<'), _) => Op::Below,
            _ => {
                return Err(self.error(
                    at,
                    "expected a comparison operator (`>`, `>=`, `<` or `<=`)",
                ))
            }
        };
        self.pos += op.symbol().len();
        Ok(op)
    }

    fn value(&mut self) -> Result<(f64, Unit), RuleError> {
        let at = self.column();
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let whole = self.pos - digits_start;
        let mut fraction = 0;
        if self.peek() == Some('.') {
            self.pos += 1;
            let fraction_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            fraction = self.pos - fraction_start;
        }
        if whole == 0 || (self.chars.get(digits_start + whole) == Some(&'.') && fraction == 0) {
            return Err(self.error(
                at,
                "expected a number (e.g. `5`, `0.5`, `5%`, `3s` or `500ms`)",
            ));
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        let number: f64 = digits.parse().map_err(|_| self.error(at, "not a number"))?;
        let unit_at = self.column();
        let suffix = self.word();
        let (scale, unit) = match suffix.as_str() {
            "" => (1.0, Unit::Number),
            "%" => (0.01, Unit::Percent),
            "ms" => (0.001, Unit::Seconds),
            "s" => (1.0, Unit::Seconds),
            "m" => (60.0, Unit::Seconds),
            "h" => (3600.0, Unit::Seconds),
            other => {
                return Err(self.error(
                    unit_at,
                    format!("unknown unit `{other}`; use `%`, `ms`, `s`, `m` or `h`, or none"),
                ))
            }
        };
        // Scale by shifting the decimal exponent, not by multiplying: `95%` must be exactly the
        // double nearest 0.95 (95 * 0.01 is 0.9500000000000001, which would move a threshold).
        let value = match suffix.as_str() {
            "%" => format!("{digits}e-2").parse().unwrap_or(number * scale),
            "ms" => format!("{digits}e-3").parse().unwrap_or(number * scale),
            _ => number * scale,
        };
        if !value.is_finite() {
            return Err(self.error(at, "number too large"));
        }
        Ok((value, unit))
    }
}

impl fmt::Display for Rule {
    /// The rule as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_milliseconds_are_exact_decimals() {
        for (text, want) in [
            ("95", 0.95),
            ("99.9", 0.999),
            ("35", 0.35),
            ("57", 0.57),
            ("5", 0.05),
        ] {
            let rules = parse_rules(&format!("uptime < {text}%")).unwrap();
            assert_eq!(rules[0].threshold(), want, "{text}%");
        }
        let rules = parse_rules("latency_p95 > 300ms").unwrap();
        assert_eq!(rules[0].threshold(), 0.3);
    }
    use proptest::prelude::*;

    fn compare(rule: &Rule) -> (&str, Op, f64, Unit) {
        match &rule.condition {
            Condition::Compare {
                metric,
                op,
                threshold,
                unit,
            } => (metric.as_str(), *op, *threshold, *unit),
            Condition::HealthFailing => panic!("not a comparison"),
        }
    }

    #[test]
    fn parses_the_flow_rules() {
        let rules = default_rules();
        assert_eq!(rules.len(), 6);
        let r = &rules[0];
        assert_eq!(r.level, Level::Rollback);
        assert_eq!(compare(r), ("error_rate", Op::Above, 0.05, Unit::Percent));
        assert_eq!(r.sustain, Some(Duration::from_mins(5)));
        assert_eq!(r.text, "error_rate > 5% for 5m");
        assert_eq!(
            compare(&rules[1]),
            ("latency_p95", Op::Above, 5.0, Unit::Seconds)
        );
        assert_eq!(rules[2].condition, Condition::HealthFailing);
        assert_eq!(rules[2].sustain, Some(Duration::from_mins(3)));
        assert_eq!(
            compare(&rules[3]),
            ("uptime", Op::Below, 0.99, Unit::Percent)
        );
        assert_eq!(rules[3].sustain, None);
        assert_eq!(rules[4].level, Level::Alert);
        assert_eq!(rules[4].number, 5);
        assert_eq!(rules[5].text, "alert: latency_p95 > 3s");
    }

    #[test]
    fn values_and_operators() {
        let r = parse_rule("alert:latency_p95>=500ms", 1).unwrap();
        assert_eq!(
            compare(&r),
            ("latency_p95", Op::AtLeast, 0.5, Unit::Seconds)
        );
        let r = parse_rule("  rollback :  queue_depth <= -2.5  ", 1).unwrap();
        assert_eq!(compare(&r), ("queue_depth", Op::AtMost, -2.5, Unit::Number));
        assert_eq!(r.text, "rollback :  queue_depth <= -2.5");
        let r = parse_rule("latency_p99 > 2m for 1h30m # slow", 1).unwrap();
        assert_eq!(
            compare(&r),
            ("latency_p99", Op::Above, 120.0, Unit::Seconds)
        );
        assert_eq!(r.sustain, Some(Duration::from_secs(5400)));
        assert_eq!(r.text, "latency_p99 > 2m for 1h30m");
        let r = parse_rule("health < 1 for 2m", 1).unwrap();
        assert_eq!(compare(&r), ("health", Op::Below, 1.0, Unit::Number));
        assert!(parse_rule("health failing", 1).unwrap().sustain.is_none());
    }

    #[test]
    fn breaching_follows_the_operator() {
        let r = parse_rule("error_rate > 5%", 1).unwrap();
        assert!(!r.breaches(0.05));
        assert!(r.breaches(0.0501));
        assert!(r.breaches(f64::INFINITY));
        assert!(!r.breaches(f64::NAN));
        let r = parse_rule("error_rate >= 5%", 1).unwrap();
        assert!(r.breaches(0.05));
        let h = parse_rule("health failing", 1).unwrap();
        assert!(h.breaches(0.0));
        assert!(h.breaches(0.5), "a partly-down health is failing");
        assert!(!h.breaches(1.0));
    }

    fn err(line: &str) -> RuleError {
        parse_rule(line, 2).unwrap_err()
    }

    #[test]
    fn errors_point_at_the_column() {
        let e = err("error_rate 5% for 5m");
        assert_eq!((e.rule, e.column), (2, 12));
        assert_eq!(
            e.to_string(),
            "rule 2, column 12: expected a comparison operator (`>`, `>=`, `<` or `<=`) (in `error_rate 5% for 5m`)"
        );
        assert_eq!(err("warn: error_rate > 3%").column, 1);
        assert!(err("warn: error_rate > 3%")
            .message
            .contains("unknown level `warn`"));
        let e = err("error_rate > five");
        assert_eq!(e.column, 14);
        assert!(e.message.contains("expected a number"));
        let e = err("error_rate > 5x");
        assert_eq!(e.column, 15);
        assert!(e.message.contains("unknown unit `x`"));
        let e = err("error_rate > 5% during 5m");
        assert_eq!(e.column, 17);
        assert!(e.message.contains("unexpected `during`"));
        let e = err("error_rate > 5% for");
        assert_eq!(e.column, 20);
        let e = err("error_rate > 5% for 5 m");
        assert_eq!(e.column, 21);
        assert!(e.message.contains("invalid duration"));
        assert_eq!(err("error_rate > 5% for 0m").column, 21);
        assert_eq!(err("error_rate > 5% for 5m extra").column, 24);
        assert_eq!(err("health failed").column, 8);
        assert_eq!(err("uptime < 120%").column, 1);
        assert_eq!(err("> 5%").column, 1);
        assert_eq!(err("alert: 5").column, 8);
        assert_eq!(err("error_rate = 5%").column, 12);
        assert_eq!(err("x > 1.").column, 5);
        assert!(parse_rule("   # just a comment", 3).is_err());
    }

    #[test]
    fn blank_lines_and_comments_keep_line_numbers() {
        let rules = parse_rules("# header\n\nalert: error_rate > 3%\n").unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].number, 3);
        let e = parse_rules("error_rate > 3%\n\nerror_rate >> 3%").unwrap_err();
        assert_eq!((e.rule, e.column), (3, 13));
    }

    fn level_text() -> impl Strategy<Value = (Option<Level>, &'static str)> {
        prop_oneof![
            Just((None, "")),
            Just((Some(Level::Alert), "alert: ")),
            Just((Some(Level::Rollback), "rollback:")),
        ]
    }

    fn op_strategy() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Above),
            Just(Op::AtLeast),
            Just(Op::Below),
            Just(Op::AtMost)
        ]
    }

    proptest! {
        /// Any well-formed rule parses back into exactly what it was built from.
        #[test]
        fn well_formed_rules_round_trip(
            (level, prefix) in level_text(),
            metric in "[a-z_][a-z0-9_]{0,12}",
            op in op_strategy(),
            whole in 0u32..10_000,
            hundredths in 0u32..100,
            suffix in prop_oneof![Just(""), Just("%"), Just("s"), Just("ms")],
            sustain in proptest::option::of(1u64..100_000),
        ) {
            prop_assume!(metric != HEALTH && metric != UPTIME && metric != "for");
            let number = format!("{whole}.{hundredths:02}");
            let mut line = format!("{prefix}{metric} {} {number}{suffix}", op.symbol());
            if let Some(s) = sustain {
                line.push_str(&format!(" for {}", Duration::from_secs(s)));
            }
            let rule = parse_rule(&line, 1).unwrap();
            prop_assert_eq!(rule.level, level.unwrap_or(Level::Rollback));
            prop_assert_eq!(rule.sustain.map(Duration::as_secs), sustain);
            let (m, o, threshold, unit) = compare(&rule);
            prop_assert_eq!(m, metric.as_str());
            prop_assert_eq!(o, op);
            let scale = match suffix { "%" => 0.01, "ms" => 0.001, _ => 1.0 };
            let expected: f64 = number.parse::<f64>().unwrap() * scale;
            prop_assert!((threshold - expected).abs() < 1e-9);
            prop_assert_eq!(unit, match suffix { "" => Unit::Number, "%" => Unit::Percent, _ => Unit::Seconds });
            prop_assert_eq!(rule.text, line.trim());
        }

        /// Arbitrary text never panics, and an error's column lies within the line (or just after).
        #[test]
        fn garbage_gives_located_errors(line in "[ -~]{0,40}") {
            if let Err(e) = parse_rule(&line, 7) {
                prop_assert_eq!(e.rule, 7);
                prop_assert!(e.column >= 1 && e.column <= line.chars().count() + 1, "{:?}", e);
            }
        }
    }

    #[test]
    fn the_rule_errors_shown_in_the_docs_are_the_real_ones() {
        let docs = include_str!("../../../../docs/rules.md");
        for (line, number) in [
            ("error_rate 5% for 5m", 2),
            ("warn: error_rate > 3%", 1),
            ("error_rate > 5% for 5", 1),
        ] {
            let message = format!(
                "error: invalid value for --rule: {}",
                parse_rule(line, number).unwrap_err()
            );
            assert!(
                docs.contains(&format!("\n{message}\n")),
                "docs/rules.md does not show: {message}"
            );
        }
        let rules =
            super::parse_rules("error_rate > 5%\nlatency_p95 > 2s\neror_rate > 2%").unwrap();
        let metrics = ["error_rate".to_string(), "latency_p95".to_string()];
        let unknown = crate::watch::engine::Plan::new(
            Some(rules),
            &metrics,
            false,
            crate::Duration::from_mins(1),
        )
        .unwrap_err();
        let message = format!("error: invalid value for --rule: {unknown}");
        assert!(
            docs.contains(&format!("\n{message}\n")),
            "docs/rules.md does not show: {message}"
        );
    }
}
