//! Names of the policy that nothing in the facts carries: a soak environment no deployment is
//! to, a production environment no deployment is to, a production branch the pull request does
//! not target, a required check no report is named. When the facts carry a name close to it
//! (`stagin` and `staging`, `backend / unti` and `backend / unit`, `Staging` and `staging`), the
//! policy most likely has a typo, and a gate that waits for the misspelt name would be pending
//! forever — "will pass without a code change" would be a lie.
//!
//! Two uses, one rule for "close" ([`closest`]):
//! - [`certain`]: the typos an offline evaluation of a facts file refuses outright (a usage
//!   error, before any gate runs). A facts file is all there is, so a name it never mentions
//!   while it mentions a close one cannot be satisfied by waiting;
//! - the gates' hints ([`hint`]): live, the facts are a moment of a changing repository (a check
//!   that has not started yet is legitimately missing), so the gates stay pending and add "did
//!   you mean `staging`?" to their reasons.
//!
//! The rules are stated for users in `docs/gates.md` ("Names that match nothing").

use crate::facts::{CheckStatus, Facts, StatusState};
use crate::policy::Policy;

/// The setting a policy name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `soak.environment` (input `staging-environment`).
    SoakEnvironment,
    /// `production-environment`.
    ProductionEnvironment,
    /// `production-branch`.
    ProductionBranch,
    /// One entry of `checks.required` (input `required-checks`).
    RequiredCheck,
}

impl Setting {
    /// The config file's key.
    pub fn config_key(self) -> &'static str {
        match self {
            Self::SoakEnvironment => "soak.environment",
            Self::ProductionEnvironment => "production-environment",
            Self::ProductionBranch => "production-branch",
            Self::RequiredCheck => "checks.required",
        }
    }

    /// The Action input (and, with `--`, the command-line flag's name) that overrides it.
    pub fn input(self) -> &'static str {
        match self {
            Self::SoakEnvironment => "staging-environment",
            Self::ProductionEnvironment => "production-environment",
            Self::ProductionBranch => "production-branch",
            Self::RequiredCheck => "required-checks",
        }
    }
}

/// A name of the policy that matches nothing in the facts, while they carry a close one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// Where the name comes from.
    pub setting: Setting,
    /// The name as the policy gives it.
    pub given: String,
    /// The close name the facts carry.
    pub suggestion: String,
    /// Every name of that kind the facts carry, sorted (environments, check names, the branch).
    pub known: Vec<String>,
}

impl Unmatched {
    /// The message, with `label` naming the setting as the user gave it (`--staging-environment`,
    /// `` `soak.environment` (shipgate.yml) ``) and `source` the facts (`f.json`).
    pub fn message(&self, label: &str, source: &str) -> String {
        let given = &self.given;
        let suggestion = &self.suggestion;
        let (why, known) = match self.setting {
            Setting::SoakEnvironment => (
                "no deployment there is to it, so the soak could never start",
                format!(" (environments there: {})", quoted(&self.known)),
            ),
            Setting::ProductionEnvironment => (
                "no deployment there is to it, so no release would be known to be in production",
                format!(" (environments there: {})", quoted(&self.known)),
            ),
            Setting::ProductionBranch => {
                return format!(
                    "{label} is `{given}`, but the pull request in {source} targets `{suggestion}`, so it would never be a release candidate; did you mean `{suggestion}`?"
                )
            }
            Setting::RequiredCheck => (
                "no check there has this name and none is still running, so it would never report",
                format!(" (checks there: {})", quoted(&self.known)),
            ),
        };
        format!(
            "{label} is `{given}`, which matches nothing in {source}: {why}; did you mean `{suggestion}`?{known}"
        )
    }
}

/// At most this many known names are listed in a message.
const KNOWN_LIMIT: usize = 10;

fn quoted(names: &[String]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(KNOWN_LIMIT)
        .map(|n| format!("`{n}`"))
        .collect();
    if names.len() > KNOWN_LIMIT {
        shown.push(format!("and {} more", names.len() - KNOWN_LIMIT));
    }
    shown.join(", ")
}

/// The candidate closest to `name` when it is close enough to be a typo of it: the same name in
/// another case, or one edit away (an insertion, deletion, substitution or swap of neighbours:
/// `stagin`, `stagign`), two for names of ten characters or more. Names shorter than three
/// characters only match in another case. `name` itself is never returned; ties go to the first
/// in alphabetical order.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.to_lowercase();
    let length = wanted.chars().count();
    let limit = match length {
        0..=2 => 0,
        3..=9 => 1,
        _ => 2,
    };
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| {
            (
                strsim::osa_distance(&wanted, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

/// The environments the facts know of — those of their deployments and those the repository
/// deployed to lately — sorted and without repeats.
pub fn environments(facts: &Facts) -> Vec<String> {
    sorted(
        facts
            .deployments
            .iter()
            .map(|d| d.environment.as_str())
            .chain(facts.environments.iter().map(String::as_str)),
    )
}

/// The names of the checks reported on the gated commit (check runs and statuses), except
/// shipgate's own, sorted and without repeats.
pub fn check_names(facts: &Facts, policy: &Policy) -> Vec<String> {
    let own = policy.check_name.as_str();
    sorted(
        facts
            .check_runs
            .iter()
            .map(|r| r.name.as_str())
            .chain(facts.statuses.iter().map(|s| s.context.as_str()))
            .filter(|name| *name != own),
    )
}

fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = names.map(str::to_string).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A name that matches nothing among `known` but is close to one of them: the suggestion.
pub fn hint(name: &str, known: &[String]) -> Option<String> {
    if known.iter().any(|k| k == name) {
        return None;
    }
    closest(name, known.iter().map(String::as_str)).map(str::to_string)
}

/// Whether a required-check entry is a plain name rather than a glob.
fn literal(name: &str) -> bool {
    !name.contains(['*', '?', '['])
}

/// The names of `policy` that are certainly typos in `facts`, for an offline evaluation (see
/// the module documentation): only settings of gates that are on are looked at, and only a name
/// the facts never mention while they mention a close one counts —
/// - the soak environment (soak on) and the production environment (tag gate on): no
///   deployment is to it, one is to a close name;
/// - the production branch: the pull request targets a close name;
/// - a required check given as a plain name (checks on): no report is named so, one has a close
///   name that no other required entry selects, and no check is still running (a running
///   workflow may still report it).
pub fn certain(facts: &Facts, policy: &Policy) -> Vec<Unmatched> {
    let mut found = Vec::new();
    let environments = environments(facts);
    let mut environment = |setting: Setting, given: &str| {
        if let Some(suggestion) = hint(given, &environments) {
            found.push(Unmatched {
                setting,
                given: given.to_string(),
                suggestion,
                known: environments.clone(),
            });
        }
    };
    if policy.soak.enabled {
        environment(Setting::SoakEnvironment, &policy.soak.environment);
    }
    if policy.tag.enabled && policy.production_environment != policy.soak.environment {
        environment(
            Setting::ProductionEnvironment,
            &policy.production_environment,
        );
    }
    if let Some(pr) = &facts.pull_request {
        let base = [pr.base_branch.clone()];
        if let Some(suggestion) = hint(&policy.production_branch, &base) {
            found.push(Unmatched {
                setting: Setting::ProductionBranch,
                given: policy.production_branch.clone(),
                suggestion,
                known: base.to_vec(),
            });
        }
    }
    if policy.checks.enabled && !still_running(facts, policy) {
        let names = check_names(facts, policy);
        let selected_by_another = |name: &str, entry: &str| {
            policy.checks.required.iter().any(|other| {
                other.name != entry
                    && (other.name == name
                        || glob::Pattern::new(&other.name).is_ok_and(|p| p.matches(name)))
            })
        };
        for entry in &policy.checks.required {
            if !literal(&entry.name) {
                continue;
            }
            let Some(suggestion) = hint(&entry.name, &names) else {
                continue;
            };
            if selected_by_another(&suggestion, &entry.name) {
                continue;
            }
            found.push(Unmatched {
                setting: Setting::RequiredCheck,
                given: entry.name.clone(),
                suggestion,
                known: names.clone(),
            });
        }
    }
    found
}

/// Whether some check on the commit (other than shipgate's own) has not finished.
fn still_running(facts: &Facts, policy: &Policy) -> bool {
    let own = policy.check_name.as_str();
    facts
        .check_runs
        .iter()
        .any(|r| r.name != own && r.status != CheckStatus::Completed)
        || facts
            .statuses
            .iter()
            .any(|s| s.context != own && s.state == StatusState::Pending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::CheckConclusion::Success as Green;
    use crate::facts::DeploymentState::Success;
    use crate::gates::testing::{t0, FactsBuilder, SHA};
    use crate::policy::RequiredCheck;

    #[test]
    fn close_means_a_typo_away() {
        let names = ["staging", "production", "Staging-EU"];
        assert_eq!(closest("stagin", names), Some("staging"));
        assert_eq!(closest("stagign", names), Some("staging"));
        assert_eq!(closest("Staging", names), Some("staging"));
        assert_eq!(closest("staging-eu", names), Some("Staging-EU"));
        assert_eq!(closest("production", names), None, "itself");
        assert_eq!(closest("prod", names), None);
        assert_eq!(closest("qa", ["qb", "QA"]), Some("QA"), "short: case only");
        assert_eq!(
            closest("backend / unti", ["backend / unit", "backend / lint"]),
            Some("backend / unit")
        );
        assert_eq!(closest("e2e", ["lint", "build"]), None);
        assert_eq!(
            closest("backend / tset", ["backend / lint"]),
            None,
            "3 edits"
        );
    }

    fn staged() -> FactsBuilder {
        FactsBuilder::new().staging(SHA, &[(Success, t0())])
    }

    #[test]
    fn a_misspelt_soak_environment_is_certain_when_a_close_one_is_deployed_to() {
        let facts = staged().build();
        let mut policy = Policy::default();
        policy.soak.environment = "stagin".into();
        let found = certain(&facts, &policy);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message("--staging-environment", "f.json"),
            "--staging-environment is `stagin`, which matches nothing in f.json: no deployment there is to it, so the soak could never start; did you mean `staging`? (environments there: `staging`)"
        );
        // Right name, or nothing close: nothing certain.
        assert!(certain(&facts, &Policy::default()).is_empty());
        policy.soak.environment = "pre-production".into();
        assert!(certain(&facts, &policy).is_empty());
        // A gate that is off is not looked at.
        policy.soak.environment = "stagin".into();
        policy.soak.enabled = false;
        assert!(certain(&facts, &policy).is_empty());
    }

    #[test]
    fn a_misspelt_production_branch_is_certain_when_the_pull_request_targets_a_close_one() {
        let facts = staged().build();
        let mut policy = Policy {
            production_branch: "mian".into(),
            ..Policy::default()
        };
        let found = certain(&facts, &policy);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].setting, Setting::ProductionBranch);
        assert_eq!(found[0].suggestion, "main");
        policy.production_branch = "release".into();
        assert!(certain(&facts, &policy).is_empty());
    }

    #[test]
    fn a_misspelt_required_check_is_certain_only_when_nothing_runs_and_no_sibling_is_required() {
        let facts = staged()
            .completed("backend / unit", Green, t0())
            .completed("build (3.11)", Green, t0())
            .build();
        let mut policy = Policy::default();
        policy.checks.required = vec![RequiredCheck::named("backend / unti")];
        let found = certain(&facts, &policy);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message("--required-check", "f.json"),
            "--required-check is `backend / unti`, which matches nothing in f.json: no check there has this name and none is still running, so it would never report; did you mean `backend / unit`? (checks there: `backend / unit`, `build (3.11)`)"
        );
        // A matrix sibling that is required too: `build (3.12)` may simply not have run.
        policy.checks.required = vec!["build (3.11)".into(), "build (3.12)".into()];
        assert!(certain(&facts, &policy).is_empty());
        // Globs are never certain.
        policy.checks.required = vec!["backend / un?i".into()];
        assert!(certain(&facts, &policy).is_empty());
        // A check still running may yet report the name.
        let running = staged()
            .completed("backend / unit", Green, t0())
            .check_run("e2e", CheckStatus::InProgress, None, Some(t0()), None)
            .build();
        policy.checks.required = vec!["backend / unti".into()];
        assert!(certain(&running, &policy).is_empty());
        // shipgate's own check, always running while it reads, does not count as running.
        let own = staged()
            .completed("backend / unit", Green, t0())
            .check_run("shipgate", CheckStatus::InProgress, None, Some(t0()), None)
            .build();
        assert_eq!(certain(&own, &policy).len(), 1);
    }
}
