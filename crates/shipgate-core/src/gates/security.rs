//! The security gate: no open security alert the policy cares about.
//!
//! Rule, in plain words: for each source the config turns on — open secret-scanning alerts
//! (any), open code-scanning alerts on the production branch at or above a severity, open
//! Dependabot alerts at or above a severity — the repository must have none. The alerts are the
//! repository's as GitHub lists them when the gate runs (they are not tied to the gated commit).
//!
//! - a source that could not be read — absent from the facts, GitHub refused it (no permission,
//!   the feature off), the answer was partial or too long — → error, naming the permission the
//!   token needs (never a pass: unreadable is not "no alerts");
//! - code-scanning alerts of another branch than the production branch → error;
//! - any open alert at or above its source's threshold (any secret-scanning alert) → fail, with
//!   counts per source and severity and the first alerts' numbers, titles and links;
//! - otherwise → pass, saying what was checked and how many open alerts lie below a threshold.
//!
//! An alert without a severity (where its source has them) counts as critical. Errors win over
//! findings (both are named).

use super::text::{count, LIST_LIMIT};
use super::{Context, Gate, GateId, GateResult};
use crate::alerts::{Alert, AlertList, Severity};
use crate::escape;
use crate::policy::Policy;

/// The security gate.
pub struct Security;

impl Gate for Security {
    fn id(&self) -> GateId {
        GateId::Security
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.security.is_on()
    }
    fn listed(&self, policy: &Policy) -> bool {
        policy.security.configured()
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        evaluate(cx)
    }
}

/// The three alert sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Dependabot,
    CodeScanning,
    SecretScanning,
}

impl Source {
    /// How reasons name the source.
    fn name(self) -> &'static str {
        match self {
            Self::Dependabot => "Dependabot",
            Self::CodeScanning => "code scanning",
            Self::SecretScanning => "secret scanning",
        }
    }

    /// What an unreadable source needs, as the unblock text says it.
    fn remedy(self, branch: &str) -> String {
        match self {
            Self::Dependabot => "Dependabot: give the gate job's token `vulnerability-alerts: read` (a GitHub App: \"Dependabot alerts: read\") and turn Dependabot alerts on".to_string(),
            Self::CodeScanning => format!(
                "code scanning: give the gate job's token `security-events: read` (a GitHub App: \"Code scanning alerts: read\") and set up code scanning on `{branch}`"
            ),
            Self::SecretScanning => "secret scanning: the workflow's GITHUB_TOKEN cannot read these alerts at all; pass a GitHub App token with \"Secret scanning alerts: read\" (or a personal access token) as `github-token`, and turn secret scanning on".to_string(),
        }
    }

    /// The permission named in the reason of an unreadable source.
    fn permission(self) -> &'static str {
        match self {
            Self::Dependabot => "the token needs `vulnerability-alerts: read`",
            Self::CodeScanning => "the token needs `security-events: read`",
            Self::SecretScanning => {
                "the GITHUB_TOKEN cannot read them: use a GitHub App token with \"Secret scanning alerts: read\" or a personal access token"
            }
        }
    }
}

/// What one source showed.
enum Assessment<'a> {
    /// It could not be read: why.
    Unreadable(String),
    /// Alerts at or above the threshold (any, for secret scanning), and how many lie below.
    Findings(Vec<&'a Alert>, usize),
    /// Nothing at or above the threshold; how many lie below.
    Clean(usize),
}

/// Evaluates the security rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Security;
    let policy = &cx.policy.security;
    let branch = cx.policy.production_branch.as_str();
    let security = cx.facts.security.as_ref();
    let mut sources: Vec<(Source, Option<Severity>)> = Vec::new();
    if let Some(threshold) = policy.dependabot {
        sources.push((Source::Dependabot, Some(threshold)));
    }
    if let Some(threshold) = policy.code_scanning {
        sources.push((Source::CodeScanning, Some(threshold)));
    }
    if policy.secret_scanning {
        sources.push((Source::SecretScanning, None));
    }

    let mut unreadable = Vec::new();
    let mut remedies = Vec::new();
    let mut findings = Vec::new();
    let mut clean = Vec::new();
    for (source, threshold) in sources {
        let list = security.and_then(|s| match source {
            Source::Dependabot => s.dependabot.as_ref(),
            Source::CodeScanning => s.code_scanning.as_ref(),
            Source::SecretScanning => s.secret_scanning.as_ref(),
        });
        let label = match source {
            Source::CodeScanning => format!("code scanning on `{branch}`"),
            _ => source.name().to_string(),
        };
        match assess(source, list, threshold, branch) {
            Assessment::Unreadable(why) => {
                unreadable.push(format!(
                    "{} alerts could not be read ({why}): {}",
                    source.name(),
                    source.permission()
                ));
                remedies.push(source.remedy(branch));
            }
            Assessment::Findings(alerts, below) => {
                findings.push(finding(&label, &alerts, threshold, below));
            }
            Assessment::Clean(below) => clean.push(match threshold {
                Some(threshold) => format!(
                    "{label}: no open alert at or above {threshold}{}",
                    below_note(below)
                ),
                None => format!("{label}: no open alert"),
            }),
        }
    }

    let mut parts = unreadable.clone();
    parts.extend(findings.iter().cloned());
    parts.extend(clean);
    let reason = parts.join("; ");
    if !unreadable.is_empty() {
        return GateResult::error(id, reason).with_unblock(format!(
            "{}; then re-run the gate (unread alerts never count as none)",
            remedies.join("; ")
        ));
    }
    if !findings.is_empty() {
        return GateResult::fail(id, reason).with_unblock(
            "fix the alerts and let GitHub close them, or dismiss them with a reason in the repository's Security tab (GitHub records who and why); then re-run the gate",
        );
    }
    GateResult::pass(id, reason)
}

/// What `list` says about `source` against `threshold` (`None`: every alert counts).
fn assess<'a>(
    source: Source,
    list: Option<&'a AlertList>,
    threshold: Option<Severity>,
    branch: &str,
) -> Assessment<'a> {
    let Some(list) = list else {
        return Assessment::Unreadable(
            "the facts hold none: they are read only while the security gate is on".to_string(),
        );
    };
    if let Some(error) = &list.error {
        let message = escape::truncate(&escape::plain(&error.message), 200);
        return Assessment::Unreadable(match error.status {
            Some(status) => format!("GitHub answered {status}: \"{message}\""),
            None => message,
        });
    }
    if source == Source::CodeScanning {
        let wanted = format!("refs/heads/{branch}");
        match list.git_ref.as_deref() {
            Some(git_ref) if git_ref == wanted => {}
            Some(git_ref) => {
                return Assessment::Unreadable(format!(
                "the facts hold the alerts of `{git_ref}`, not of the production branch `{wanted}`"
            ))
            }
            None => {
                return Assessment::Unreadable(
                    "the facts do not say which branch the alerts are of".to_string(),
                )
            }
        }
    }
    let mut counted: Vec<&Alert> = Vec::new();
    let mut below = 0;
    for alert in &list.alerts {
        match threshold {
            Some(threshold) if severity(alert) < threshold => below += 1,
            _ => counted.push(alert),
        }
    }
    if counted.is_empty() {
        return Assessment::Clean(below);
    }
    // Worst first, then by number: the text changes only when the alerts do.
    counted.sort_by(|a, b| severity(b).cmp(&severity(a)).then(a.number.cmp(&b.number)));
    Assessment::Findings(counted, below)
}

/// An alert's severity; one without counts as critical (fail closed).
fn severity(alert: &Alert) -> Severity {
    alert.severity.unwrap_or(Severity::Critical)
}

/// ` (2 below)`, or nothing.
fn below_note(below: usize) -> String {
    if below == 0 {
        String::new()
    } else {
        format!(" ({below} below)")
    }
}

/// `Dependabot: 2 open alerts at or above high (1 critical, 1 high): #12 `…` (critical)
/// `https://…/12`, …`; alerts beyond the first few are counted and linked through the source's
/// page of the Security tab.
fn finding(label: &str, alerts: &[&Alert], threshold: Option<Severity>, below: usize) -> String {
    let total = count(alerts.len(), "open alert", "open alerts");
    let mut text = match threshold {
        Some(threshold) => {
            let per_severity: Vec<String> = Severity::DESCENDING
                .iter()
                .filter_map(|s| {
                    let n = alerts.iter().filter(|a| severity(a) == *s).count();
                    (n > 0).then(|| format!("{n} {s}"))
                })
                .collect();
            format!(
                "{label}: {total} at or above {threshold} ({}){}",
                per_severity.join(", "),
                below_note(below)
            )
        }
        None => format!("{label}: {total}"),
    };
    let shown: Vec<String> = alerts
        .iter()
        .take(LIST_LIMIT)
        .map(|alert| {
            let mut item = format!("#{} `{}`", alert.number, title(&alert.title));
            if threshold.is_some() {
                item.push_str(&format!(" ({})", severity(alert)));
            }
            if let Some(url) = alert.url.as_deref().filter(|u| link(u)) {
                item.push_str(&format!(" `{url}`"));
            }
            item
        })
        .collect();
    text.push_str(": ");
    text.push_str(&shown.join(", "));
    if alerts.len() > LIST_LIMIT {
        text.push_str(&format!(" and {} more", alerts.len() - LIST_LIMIT));
        if let Some(page) = alerts
            .iter()
            .find_map(|a| a.url.as_deref().filter(|u| link(u)).and_then(list_page))
        {
            text.push_str(&format!(" at `{page}`"));
        }
    }
    text
}

/// An alert's title as shown inside a code span: one line, no backticks, at most 80 characters.
fn title(text: &str) -> String {
    escape::truncate(&escape::plain(text).replace('`', "'"), 80)
}

/// Whether a URL from GitHub's answer is shown: http(s), one token, no backtick.
fn link(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(|c: char| c.is_whitespace() || c.is_control() || c == '`')
}

/// The page listing a source's alerts, from one alert's page: `…/security/dependabot/12` →
/// `…/security/dependabot`.
fn list_page(url: &str) -> Option<String> {
    let (page, number) = url.trim_end_matches('/').rsplit_once('/')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then(|| page.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::SecurityFacts;
    use crate::facts::Facts;
    use crate::gates::testing::{at_h, eval, FactsBuilder};
    use crate::gates::GateState;
    use crate::policy::SecurityPolicy;

    const TAB: &str = "https://github.com/tallerpro/workshop/security";

    fn alert(number: u64, severity: Option<Severity>, title: &str, kind: &str) -> Alert {
        Alert {
            number,
            severity,
            title: title.into(),
            url: Some(format!("{TAB}/{kind}/{number}")),
        }
    }

    fn dependabot(number: u64, severity: Severity) -> Alert {
        alert(
            number,
            Some(severity),
            "lodash: Prototype Pollution",
            "dependabot",
        )
    }

    fn code(number: u64, severity: Severity) -> Alert {
        alert(number, Some(severity), "SQL injection", "code-scanning")
    }

    fn secret(number: u64) -> Alert {
        alert(
            number,
            None,
            "GitHub Personal Access Token",
            "secret-scanning",
        )
    }

    /// Every source read, none with alerts; code scanning of `main`.
    fn clean() -> SecurityFacts {
        SecurityFacts {
            dependabot: Some(AlertList::read(Vec::new())),
            code_scanning: Some(AlertList::read(Vec::new()).of_ref("refs/heads/main")),
            secret_scanning: Some(AlertList::read(Vec::new())),
        }
    }

    fn every_source(threshold: Severity) -> Policy {
        Policy {
            security: SecurityPolicy {
                enabled: true,
                secret_scanning: true,
                code_scanning: Some(threshold),
                dependabot: Some(threshold),
            },
            ..Policy::default()
        }
    }

    fn security(facts: Option<SecurityFacts>, policy: &Policy) -> GateResult {
        let mut built: Facts = FactsBuilder::new().build();
        built.security = facts;
        eval(&Security, &built, policy, at_h(48))
    }

    #[test]
    fn off_unless_configured_and_skipped_when_turned_off() {
        let policy = Policy::default();
        assert!(!Security.enabled(&policy));
        assert!(!Security.listed(&policy));
        let mut policy = every_source(Severity::High);
        assert!(Security.enabled(&policy));
        policy.security.enabled = false;
        assert!(!Security.enabled(&policy));
        assert!(Security.listed(&policy));
    }

    #[test]
    fn the_verdict_has_no_security_row_until_the_config_names_the_gate() {
        let facts: Facts = FactsBuilder::new().build();
        let rows = |policy: &Policy| -> Vec<(GateId, GateState)> {
            crate::evaluate(&facts, policy, at_h(48))
                .gates
                .iter()
                .map(|g| (g.gate, g.state))
                .collect()
        };
        let policy = Policy::default();
        assert!(!rows(&policy).iter().any(|(g, _)| *g == GateId::Security));
        let mut policy = every_source(Severity::High);
        policy.security.enabled = false;
        assert!(rows(&policy).contains(&(GateId::Security, GateState::Skipped)));
        // On, with no alerts read: an error row, and the verdict is an error.
        let policy = every_source(Severity::High);
        assert!(rows(&policy).contains(&(GateId::Security, GateState::Error)));
        assert_eq!(
            crate::evaluate(&facts, &policy, at_h(48)).verdict,
            crate::verdict::VerdictState::Error
        );
    }

    #[test]
    fn nothing_open_passes_saying_what_was_checked() {
        let r = security(Some(clean()), &every_source(Severity::High));
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(
            r.reason,
            "Dependabot: no open alert at or above high; code scanning on `main`: no open alert at or above high; secret scanning: no open alert"
        );
        assert_eq!(r.unblock, None);
    }

    #[test]
    fn a_critical_dependabot_alert_fails_naming_it() {
        let mut facts = clean();
        facts.dependabot = Some(AlertList::read(vec![
            dependabot(3, Severity::Low),
            dependabot(12, Severity::Critical),
        ]));
        let r = security(Some(facts), &every_source(Severity::High));
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        assert_eq!(
            r.reason,
            "Dependabot: 1 open alert at or above high (1 critical) (1 below): #12 `lodash: Prototype Pollution` (critical) `https://github.com/tallerpro/workshop/security/dependabot/12`; code scanning on `main`: no open alert at or above high; secret scanning: no open alert"
        );
        assert!(r.unblock.unwrap().contains("Security tab"));
    }

    #[test]
    fn each_threshold_is_inclusive() {
        for threshold in Severity::DESCENDING {
            for severity in Severity::DESCENDING {
                let mut facts = clean();
                facts.code_scanning =
                    Some(AlertList::read(vec![code(5, severity)]).of_ref("refs/heads/main"));
                let mut policy = every_source(threshold);
                policy.security.dependabot = None;
                policy.security.secret_scanning = false;
                let r = security(Some(facts), &policy);
                let expected = if severity >= threshold {
                    GateState::Fail
                } else {
                    GateState::Pass
                };
                assert_eq!(r.state, expected, "{severity} against {threshold}: {r:?}");
                if expected == GateState::Pass {
                    assert_eq!(
                        r.reason,
                        format!(
                            "code scanning on `main`: no open alert at or above {threshold} (1 below)"
                        )
                    );
                }
            }
        }
    }

    #[test]
    fn code_scanning_below_threshold_passes_and_at_threshold_fails() {
        let mut policy = every_source(Severity::High);
        policy.security.dependabot = None;
        policy.security.secret_scanning = false;
        let mut facts = clean();
        facts.code_scanning = Some(
            AlertList::read(vec![code(1, Severity::Medium), code(2, Severity::Low)])
                .of_ref("refs/heads/main"),
        );
        let r = security(Some(facts.clone()), &policy);
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(
            r.reason,
            "code scanning on `main`: no open alert at or above high (2 below)"
        );
        facts.code_scanning = Some(
            AlertList::read(vec![code(1, Severity::Medium), code(7, Severity::High)])
                .of_ref("refs/heads/main"),
        );
        let r = security(Some(facts), &policy);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "code scanning on `main`: 1 open alert at or above high (1 high) (1 below): #7 `SQL injection` (high) `https://github.com/tallerpro/workshop/security/code-scanning/7`"
        );
    }

    #[test]
    fn any_open_secret_scanning_alert_fails_without_showing_a_secret() {
        let mut facts = clean();
        facts.secret_scanning = Some(AlertList::read(vec![secret(2)]));
        let mut policy = Policy::default();
        policy.security.secret_scanning = true;
        let r = security(Some(facts), &policy);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "secret scanning: 1 open alert: #2 `GitHub Personal Access Token` `https://github.com/tallerpro/workshop/security/secret-scanning/2`"
        );
    }

    #[test]
    fn counts_per_severity_list_the_worst_first_and_link_the_rest() {
        let mut facts = clean();
        facts.dependabot = Some(AlertList::read(vec![
            dependabot(4, Severity::High),
            dependabot(9, Severity::Critical),
            dependabot(1, Severity::Medium),
            dependabot(2, Severity::High),
            dependabot(8, Severity::Low),
        ]));
        let mut policy = Policy::default();
        policy.security.dependabot = Some(Severity::Medium);
        let r = security(Some(facts), &policy);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "Dependabot: 4 open alerts at or above medium (1 critical, 2 high, 1 medium) (1 below): \
             #9 `lodash: Prototype Pollution` (critical) `https://github.com/tallerpro/workshop/security/dependabot/9`, \
             #2 `lodash: Prototype Pollution` (high) `https://github.com/tallerpro/workshop/security/dependabot/2`, \
             #4 `lodash: Prototype Pollution` (high) `https://github.com/tallerpro/workshop/security/dependabot/4` \
             and 1 more at `https://github.com/tallerpro/workshop/security/dependabot`"
        );
    }

    #[test]
    fn an_alert_without_a_severity_counts_as_critical() {
        let mut facts = clean();
        facts.dependabot = Some(AlertList::read(vec![alert(
            6,
            None,
            "unknown advisory",
            "dependabot",
        )]));
        let mut policy = Policy::default();
        policy.security.dependabot = Some(Severity::Critical);
        let r = security(Some(facts), &policy);
        assert_eq!(r.state, GateState::Fail);
        assert!(r.reason.contains("(1 critical)"), "{}", r.reason);
    }

    #[test]
    fn each_unreadable_source_is_an_error_naming_the_permission() {
        let cases = [
            (
                Source::Dependabot,
                AlertList::unreadable(Some(403), "Resource not accessible by integration"),
                "Dependabot alerts could not be read (GitHub answered 403: \"Resource not accessible by integration\"): the token needs `vulnerability-alerts: read`",
                "`vulnerability-alerts: read`",
            ),
            (
                Source::CodeScanning,
                AlertList::unreadable(
                    Some(403),
                    "Advanced Security must be enabled for this repository to use code scanning.",
                ),
                "code scanning alerts could not be read (GitHub answered 403: \"Advanced Security must be enabled for this repository to use code scanning.\"): the token needs `security-events: read`",
                "`security-events: read`",
            ),
            (
                Source::SecretScanning,
                AlertList::unreadable(Some(404), "Secret scanning is disabled on this repository."),
                "secret scanning alerts could not be read (GitHub answered 404: \"Secret scanning is disabled on this repository.\"): the GITHUB_TOKEN cannot read them: use a GitHub App token with \"Secret scanning alerts: read\" or a personal access token",
                "GITHUB_TOKEN cannot read these alerts at all",
            ),
        ];
        for (source, list, reason, remedy) in cases {
            let mut facts = clean();
            let mut policy = Policy::default();
            match source {
                Source::Dependabot => {
                    facts.dependabot = Some(list);
                    policy.security.dependabot = Some(Severity::High);
                }
                Source::CodeScanning => {
                    facts.code_scanning = Some(list);
                    policy.security.code_scanning = Some(Severity::High);
                }
                Source::SecretScanning => {
                    facts.secret_scanning = Some(list);
                    policy.security.secret_scanning = true;
                }
            }
            let r = security(Some(facts), &policy);
            assert_eq!(r.state, GateState::Error, "{source:?}: {r:?}");
            assert_eq!(r.reason, reason);
            assert!(r.unblock.as_deref().unwrap().contains(remedy), "{r:?}");
        }
    }

    #[test]
    fn an_unreadable_source_is_an_error_even_beside_findings_and_names_both() {
        let mut facts = clean();
        facts.dependabot = Some(AlertList::read(vec![dependabot(12, Severity::Critical)]));
        facts.secret_scanning = Some(AlertList::unreadable(
            Some(403),
            "Resource not accessible by integration",
        ));
        let r = security(Some(facts), &every_source(Severity::High));
        assert_eq!(r.state, GateState::Error);
        assert!(
            r.reason
                .starts_with("secret scanning alerts could not be read"),
            "{}",
            r.reason
        );
        assert!(r.reason.contains("#12"), "{}", r.reason);
        // An error never hides behind a list: alerts beside an error do not make it readable.
        let mut facts = clean();
        facts.dependabot = Some(AlertList {
            git_ref: None,
            alerts: Vec::new(),
            error: Some(crate::alerts::ReadError {
                status: None,
                message: "more than 1000 open alerts".into(),
            }),
        });
        let r = security(Some(facts), &every_source(Severity::High));
        assert_eq!(r.state, GateState::Error);
        assert!(
            r.reason.contains("(more than 1000 open alerts)"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn facts_without_the_alerts_are_an_error_not_a_pass() {
        let r = security(None, &every_source(Severity::Low));
        assert_eq!(r.state, GateState::Error);
        assert!(
            r.reason.starts_with(
                "Dependabot alerts could not be read (the facts hold none: they are read only while the security gate is on)"
            ),
            "{}",
            r.reason
        );
        // A source the policy does not ask for is not needed.
        let mut policy = Policy::default();
        policy.security.dependabot = Some(Severity::High);
        let facts = SecurityFacts {
            dependabot: Some(AlertList::read(Vec::new())),
            ..SecurityFacts::default()
        };
        assert_eq!(security(Some(facts), &policy).state, GateState::Pass);
    }

    #[test]
    fn code_scanning_of_another_branch_is_an_error() {
        let mut policy = Policy::default();
        policy.security.code_scanning = Some(Severity::High);
        policy.production_branch = "release".into();
        let r = security(Some(clean()), &policy);
        assert_eq!(r.state, GateState::Error);
        assert!(
            r.reason
                .contains("the facts hold the alerts of `refs/heads/main`, not of the production branch `refs/heads/release`"),
            "{}",
            r.reason
        );
        let mut facts = clean();
        facts.code_scanning = Some(AlertList::read(Vec::new()));
        policy.production_branch = "main".into();
        let r = security(Some(facts), &policy);
        assert_eq!(r.state, GateState::Error);
        assert!(r.reason.contains("do not say which branch"), "{}", r.reason);
    }

    #[test]
    fn hostile_titles_and_urls_stay_inside_code_or_are_dropped() {
        let mut facts = clean();
        facts.secret_scanning = Some(AlertList::read(vec![Alert {
            number: 1,
            severity: None,
            title: "`](https://evil.example) @admin\nnext".into(),
            url: Some("javascript:alert(1)".into()),
        }]));
        let mut policy = Policy::default();
        policy.security.secret_scanning = true;
        let r = security(Some(facts), &policy);
        assert_eq!(
            r.reason,
            "secret scanning: 1 open alert: #1 `'](https://evil.example) @admin next`"
        );
        // Rendered, the title is one code span (no link, no mention) and the number no reference.
        assert_eq!(
            escape::markdown_with_code(&r.reason),
            "secret scanning: 1 open alert: &#35;\u{200B}1 `'](https://evil.example) @\u{200B}admin next`"
        );
    }

    #[test]
    fn the_list_page_is_the_alerts_url_without_its_number() {
        assert_eq!(
            list_page("https://github.com/o/r/security/code-scanning/42").as_deref(),
            Some("https://github.com/o/r/security/code-scanning")
        );
        assert_eq!(list_page("https://github.com/o/r/security"), None);
    }
}
