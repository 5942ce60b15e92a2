//! The release-tag gate: the gated commit carries a valid, new, semver release tag.
//!
//! Rule, in plain words: release tags are tags whose name matches the pattern (`v*`) and whose
//! text after the pattern's literal prefix (`v`; the text before the first `*`, `?` or `[`)
//! parses as semver (`1.4.0`); other tags are ignored. A *candidate* is a release tag pointing
//! (peeled through annotated tag objects) at the gated commit. A candidate is **valid** when:
//!
//! 1. it is annotated (`git tag -a`), unless the policy accepts lightweight tags;
//! 2. it is not a pre-release (`v1.4.0-rc.1`), unless the policy accepts them;
//! 3. it is higher, by semver precedence, than the newest version already released to
//!    production (equal is not higher: that version is already released);
//! 4. when the head branch is `staging/<prefix>X.Y.Z`, it is exactly `<prefix>X.Y.Z`.
//!
//! "Released to production" means the release tags of commits with a `success` deployment to
//! the production environment; when there are none, the published GitHub Releases that are
//! neither drafts nor pre-releases. Then:
//!
//! - some candidate is valid → pass, with the highest valid one (that is the release version);
//! - the branch's expected tag exists but on another commit → fail;
//! - candidates exist but none is valid → fail, saying which rule each breaks;
//! - the branch names a version that is not above the newest released one → fail;
//! - no candidate → pending, with the exact command to create the tag. Its version is the
//!   branch's `X.Y.Z` for a `staging/<prefix>X.Y.Z` branch; otherwise the next patch above the
//!   newest released version (the version itself when that is a pre-release), or `0.1.0` when
//!   nothing is released yet.
//!
//! An invalid pattern is an error naming it.

use std::cmp::Ordering;
use std::collections::HashSet;

use glob::Pattern;
use semver::Version;

use super::text::short_sha;
use super::{Context, Gate, GateId, GateResult};
use crate::facts::{DeploymentState, Tag};
use crate::policy::Policy;

/// The tag gate.
pub struct ReleaseTag;

impl Gate for ReleaseTag {
    fn id(&self) -> GateId {
        GateId::Tag
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.tag.enabled
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        assess(cx).0
    }
}

/// The valid release version on the gated commit, if any: the tag name that makes the gate
/// pass (computed whether or not the gate is turned on).
pub fn release_version(cx: &Context<'_>) -> Option<String> {
    assess(cx).1
}

/// How release tag names are read: the glob they must match and its literal prefix.
struct Naming {
    pattern: Pattern,
    prefix: String,
}

impl Naming {
    fn new(pattern: &str) -> Result<Self, String> {
        let pattern_glob = Pattern::new(pattern).map_err(|e| e.msg.to_string())?;
        let prefix_end = pattern.find(['*', '?', '[']).unwrap_or(pattern.len());
        Ok(Self {
            pattern: pattern_glob,
            prefix: pattern[..prefix_end].to_string(),
        })
    }

    /// The version a tag name stands for, when it is a release tag name at all.
    fn version(&self, name: &str) -> Option<Version> {
        if !self.pattern.matches(name) {
            return None;
        }
        Version::parse(name.strip_prefix(&self.prefix)?).ok()
    }

    /// The tag name for a version.
    fn name(&self, version: &Version) -> String {
        format!("{}{version}", self.prefix)
    }
}

/// A version released to production, with the tag name it is known by.
struct Released {
    version: Version,
    name: String,
}

/// The versions already released to production; see the module documentation.
fn released(cx: &Context<'_>, naming: &Naming) -> Vec<Released> {
    let facts = cx.facts;
    let production: HashSet<&str> = facts
        .deployments
        .iter()
        .filter(|d| d.environment == cx.policy.production_environment)
        .filter(|d| {
            d.statuses
                .iter()
                .any(|s| s.state == DeploymentState::Success && s.created_at <= cx.now)
        })
        .map(|d| d.sha.as_str())
        .collect();
    let from_deployments: Vec<Released> = facts
        .tags
        .iter()
        .filter(|t| production.contains(t.target_sha.as_str()))
        .filter_map(|t| {
            Some(Released {
                version: naming.version(&t.name)?,
                name: t.name.clone(),
            })
        })
        .collect();
    if !from_deployments.is_empty() {
        return from_deployments;
    }
    facts
        .releases
        .iter()
        .filter(|r| !r.draft && !r.prerelease)
        .filter_map(|r| {
            Some(Released {
                version: naming.version(&r.tag_name)?,
                name: r.tag_name.clone(),
            })
        })
        .collect()
}

/// The version after `newest`: the next patch, or the release a pre-release leads to.
fn next_version(newest: Option<&Version>) -> Version {
    match newest {
        None => Version::new(0, 1, 0),
        Some(v) if !v.pre.is_empty() => Version::new(v.major, v.minor, v.patch),
        Some(v) => Version::new(v.major, v.minor, v.patch + 1),
    }
}

/// The rules a candidate tag breaks, as one phrase each; empty when it is valid.
fn violations(
    cx: &Context<'_>,
    tag: &Tag,
    version: &Version,
    newest: Option<&Released>,
    expected: Option<(&str, &str)>,
) -> Vec<String> {
    let policy = &cx.policy.tag;
    let name = &tag.name;
    let mut broken = Vec::new();
    if policy.require_annotated && !tag.annotated {
        broken.push(format!(
            "`{name}` is a lightweight tag; releases need an annotated one (`git tag -a`)"
        ));
    }
    if !policy.allow_prerelease && !version.pre.is_empty() {
        broken.push(format!("`{name}` is a pre-release"));
    }
    if policy.require_increase {
        if let Some(newest) = newest {
            match version.cmp_precedence(&newest.version) {
                Ordering::Greater => {}
                Ordering::Equal => broken.push(format!(
                    "`{name}` is already released (newest in production: `{}`)",
                    newest.name
                )),
                Ordering::Less => broken.push(format!(
                    "`{name}` is lower than `{}`, already released",
                    newest.name
                )),
            }
        }
    }
    if let Some((branch, expected)) = expected {
        if name != expected {
            broken.push(format!(
                "`{name}` does not match branch `{branch}`, which expects `{expected}`"
            ));
        }
    }
    broken
}

/// The gate's result and the release version it found; see the module documentation.
fn assess(cx: &Context<'_>) -> (GateResult, Option<String>) {
    let id = GateId::Tag;
    let policy = &cx.policy.tag;
    let facts = cx.facts;
    let naming = match Naming::new(&policy.pattern) {
        Ok(n) => n,
        Err(e) => {
            return (
                GateResult::error(id, format!("invalid tag pattern `{}`: {e}", policy.pattern))
                    .with_unblock("fix the tag pattern in the config (a glob such as `v*`)"),
                None,
            )
        }
    };

    let released = released(cx, &naming);
    let newest = released
        .iter()
        .max_by(|a, b| a.version.cmp_precedence(&b.version));

    // A `staging/<prefix>X.Y.Z` head branch names the one tag this commit may carry.
    let expected: Option<(&str, &str, Version)> = facts
        .pull_request
        .as_ref()
        .filter(|_| policy.match_branch)
        .and_then(|pr| {
            let rest = pr.head_branch.strip_prefix("staging/")?;
            Some((pr.head_branch.as_str(), rest, naming.version(rest)?))
        });
    let expected_names = expected.as_ref().map(|(b, n, _)| (*b, *n));

    let candidates: Vec<(&Tag, Version)> = facts
        .tags
        .iter()
        .filter(|t| t.target_sha == facts.sha)
        .filter_map(|t| Some((t, naming.version(&t.name)?)))
        .collect();

    let mut valid: Vec<&(&Tag, Version)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for candidate in &candidates {
        let broken = violations(cx, candidate.0, &candidate.1, newest, expected_names);
        if broken.is_empty() {
            valid.push(candidate);
        } else {
            problems.extend(broken);
        }
    }

    if let Some((tag, _)) = valid
        .iter()
        .max_by(|a, b| a.1.cmp_precedence(&b.1))
        .copied()
    {
        let kind = if tag.annotated {
            "annotated"
        } else {
            "lightweight"
        };
        let history = match newest {
            Some(n) => format!("newest released: `{}`", n.name),
            None => "nothing released yet".to_string(),
        };
        let result = GateResult::pass(
            id,
            format!(
                "`{}` ({kind}) on {}; {history}",
                tag.name,
                short_sha(&facts.sha)
            ),
        );
        return (result, Some(tag.name.clone()));
    }

    let suggested = match &expected {
        Some((_, name, _)) => name.to_string(),
        None => naming.name(&next_version(newest.map(|n| &n.version))),
    };
    let command = if naming.version(&suggested).is_some() {
        format!(
            "git tag -a {suggested} -m \"Release {suggested}\" {sha} && git push origin {suggested}",
            sha = facts.sha
        )
    } else {
        format!(
            "create an annotated tag matching `{}` on {}",
            policy.pattern, facts.sha
        )
    };

    if let Some((branch, name, _)) = &expected {
        if let Some(elsewhere) = facts
            .tags
            .iter()
            .find(|t| t.name == *name && t.target_sha != facts.sha)
        {
            let result = GateResult::fail(
                id,
                format!(
                    "`{name}`, the tag branch `{branch}` expects, points at {}, not at this commit {}",
                    short_sha(&elsewhere.target_sha),
                    short_sha(&facts.sha)
                ),
            )
            .with_unblock(format!(
                "release this commit under a new version (a new `staging/` branch), or, if `{name}` was never released, move it here: `git push origin :refs/tags/{name}` then `{command}`"
            ));
            return (result, None);
        }
    }

    if !problems.is_empty() {
        let result = GateResult::fail(id, problems_line(&problems))
            .with_unblock(format!("tag this commit correctly: `{command}`"));
        return (result, None);
    }

    if let (Some((branch, name, version)), Some(newest)) = (&expected, newest) {
        if policy.require_increase && version.cmp_precedence(&newest.version) != Ordering::Greater {
            let result = GateResult::fail(
                id,
                format!(
                    "branch `{branch}` names `{name}`, but `{}` is already released to production",
                    newest.name
                ),
            )
            .with_unblock(format!(
                "release from a `staging/` branch named after a version above `{}`",
                newest.name
            ));
            return (result, None);
        }
    }

    let result = GateResult::pending(
        id,
        format!(
            "no release tag matching `{}` on {}",
            policy.pattern,
            short_sha(&facts.sha)
        ),
    )
    .with_unblock(command);
    (result, None)
}

/// The broken rules as one line: the first few, then how many more.
fn problems_line(problems: &[String]) -> String {
    const SHOWN: usize = 2;
    let mut line = problems[..problems.len().min(SHOWN)].join("; ");
    if problems.len() > SHOWN {
        line.push_str(&format!(" (and {} more)", problems.len() - SHOWN));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::gates::testing::{at_h, eval, FactsBuilder, OLD_SHA, OTHER_SHA, SHA};
    use crate::gates::GateState;

    const COMMAND_V140: &str = "git tag -a v1.4.0 -m \"Release v1.4.0\" 1111111111111111111111111111111111111111 && git push origin v1.4.0";

    fn tag_gate(facts: &Facts) -> GateResult {
        tag_with(facts, &Policy::default())
    }

    fn tag_with(facts: &Facts, policy: &Policy) -> GateResult {
        eval(&ReleaseTag, facts, policy, at_h(48))
    }

    fn version(facts: &Facts) -> Option<String> {
        let policy = Policy::default();
        release_version(&Context {
            facts,
            policy: &policy,
            now: at_h(48),
        })
    }

    /// v1.3.2 released to production from OTHER_SHA.
    fn after_v132() -> FactsBuilder {
        FactsBuilder::new()
            .tag("v1.3.2", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
    }

    #[test]
    fn tag_annotated_matching_branch_above_released_passes() {
        let facts = after_v132().tag("v1.4.0", SHA, true).build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(
            r.reason,
            "`v1.4.0` (annotated) on 1111111; newest released: `v1.3.2`"
        );
        assert_eq!(version(&facts).as_deref(), Some("v1.4.0"));
    }

    #[test]
    fn tag_missing_is_pending_with_the_exact_command() {
        let facts = after_v132().build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "no release tag matching `v*` on 1111111");
        assert_eq!(r.unblock.as_deref(), Some(COMMAND_V140));
        assert_eq!(version(&facts), None);
    }

    #[test]
    fn tag_missing_without_a_staging_branch_suggests_the_next_patch() {
        let facts = after_v132().branch("release-notes").build();
        let r = tag_gate(&facts);
        assert_eq!(
            r.unblock.as_deref(),
            Some("git tag -a v1.3.3 -m \"Release v1.3.3\" 1111111111111111111111111111111111111111 && git push origin v1.3.3")
        );
    }

    #[test]
    fn tag_missing_with_nothing_released_suggests_0_1_0() {
        let facts = FactsBuilder::new().without_pull_request().build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert!(
            r.unblock
                .as_deref()
                .unwrap()
                .starts_with("git tag -a v0.1.0 "),
            "{r:?}"
        );
    }

    #[test]
    fn tag_next_version_after_a_prerelease_is_its_release() {
        assert_eq!(
            next_version(Some(&Version::parse("2.0.0-rc.1").unwrap())),
            Version::new(2, 0, 0)
        );
        assert_eq!(
            next_version(Some(&Version::parse("2.0.3").unwrap())),
            Version::new(2, 0, 4)
        );
        assert_eq!(next_version(None), Version::new(0, 1, 0));
    }

    #[test]
    fn tag_lightweight_fails_when_annotated_is_required() {
        let facts = after_v132().tag("v1.4.0", SHA, false).build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "`v1.4.0` is a lightweight tag; releases need an annotated one (`git tag -a`)"
        );
        assert_eq!(version(&facts), None);

        let mut lenient = Policy::default();
        lenient.tag.require_annotated = false;
        let r = tag_with(&facts, &lenient);
        assert_eq!(r.state, GateState::Pass);
        assert!(r.reason.contains("(lightweight)"), "{}", r.reason);
    }

    #[test]
    fn tag_annotated_on_another_commit_is_pending_when_the_branch_names_no_version() {
        let facts = after_v132()
            .branch("release/spring")
            .tag("v1.4.0", OLD_SHA, true)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Pending, "{r:?}");
    }

    #[test]
    fn tag_expected_by_the_branch_on_another_commit_fails() {
        let facts = after_v132().tag("v1.4.0", OLD_SHA, true).build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        assert_eq!(
            r.reason,
            "`v1.4.0`, the tag branch `staging/v1.4.0` expects, points at 2222222, not at this commit 1111111"
        );
        assert_eq!(version(&facts), None);
    }

    #[test]
    fn tag_prerelease_fails_unless_allowed() {
        let facts = after_v132()
            .branch("staging/v1.4.0-rc.1")
            .tag("v1.4.0-rc.1", SHA, true)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "`v1.4.0-rc.1` is a pre-release");

        let mut policy = Policy::default();
        policy.tag.allow_prerelease = true;
        assert_eq!(tag_with(&facts, &policy).state, GateState::Pass);
    }

    #[test]
    fn tag_lower_than_the_newest_released_fails() {
        let facts = FactsBuilder::new()
            .tag("v1.5.0", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
            .tag("v1.4.0", SHA, true)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "`v1.4.0` is lower than `v1.5.0`, already released"
        );
    }

    #[test]
    fn tag_equal_to_the_newest_released_fails_as_already_released() {
        let facts = FactsBuilder::new()
            .tag("v1.4.0", SHA, true)
            .released_to_production(SHA)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert!(r.reason.contains("already released"), "{}", r.reason);
    }

    #[test]
    fn tag_increase_uses_semver_precedence_not_text() {
        // "v1.10.0" sorts before "v1.9.0" as text, but is the higher version.
        let facts = FactsBuilder::new()
            .branch("staging/v1.10.0")
            .tag("v1.9.0", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
            .tag("v1.10.0", SHA, true)
            .build();
        assert_eq!(tag_gate(&facts).state, GateState::Pass);
    }

    #[test]
    fn tag_increase_can_be_turned_off() {
        let facts = FactsBuilder::new()
            .tag("v1.5.0", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
            .tag("v1.4.0", SHA, true)
            .build();
        let mut policy = Policy::default();
        policy.tag.require_increase = false;
        assert_eq!(tag_with(&facts, &policy).state, GateState::Pass);
    }

    #[test]
    fn tag_staging_v140_branch_with_tag_v141_fails() {
        let facts = after_v132().tag("v1.4.1", SHA, true).build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "`v1.4.1` does not match branch `staging/v1.4.0`, which expects `v1.4.0`"
        );
        assert_eq!(
            r.unblock.as_deref(),
            Some(format!("tag this commit correctly: `{COMMAND_V140}`").as_str())
        );

        let mut policy = Policy::default();
        policy.tag.match_branch = false;
        assert_eq!(tag_with(&facts, &policy).state, GateState::Pass);
    }

    #[test]
    fn tag_non_semver_names_are_ignored() {
        let facts = after_v132()
            .tag("v1.4", SHA, true)
            .tag("vnext", SHA, true)
            .tag("latest", SHA, true)
            .tag("1.4.0", SHA, true) // no `v`: does not match the pattern
            .tag("v01.4.0", SHA, true) // leading zero: not semver
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.unblock.as_deref(), Some(COMMAND_V140));
    }

    #[test]
    fn tag_several_on_the_commit_pass_with_the_highest_valid_one() {
        let facts = after_v132()
            .without_pull_request()
            .tag("v1.3.9", SHA, true)
            .tag("v1.4.0", SHA, false) // lightweight: invalid
            .tag("v1.3.10", SHA, true)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(version(&facts).as_deref(), Some("v1.3.10"));
    }

    #[test]
    fn tag_staging_branch_requires_exactly_its_tag_among_several() {
        let facts = after_v132()
            .tag("v1.4.0", SHA, true)
            .tag("v1.4.1", SHA, true)
            .build();
        assert_eq!(version(&facts).as_deref(), Some("v1.4.0"));
    }

    #[test]
    fn tag_released_versions_fall_back_to_github_releases() {
        let facts = FactsBuilder::new()
            .release("v1.5.0", false, false)
            .release("v9.0.0", true, false) // draft: not released
            .release("v8.0.0", false, true) // pre-release: not released
            .tag("v1.4.0", SHA, true)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "`v1.4.0` is lower than `v1.5.0`, already released"
        );
    }

    #[test]
    fn tag_production_deployments_win_over_github_releases() {
        let facts = after_v132()
            .release("v2.0.0", false, false)
            .tag("v1.4.0", SHA, true)
            .build();
        assert_eq!(tag_gate(&facts).state, GateState::Pass);
    }

    #[test]
    fn tag_failed_production_deployment_is_not_a_release() {
        use crate::facts::DeploymentState::Failure;
        let facts = FactsBuilder::new()
            .tag("v1.5.0", OTHER_SHA, true)
            .deployment("production", OTHER_SHA, &[(Failure, at_h(1))])
            .tag("v1.4.0", SHA, true)
            .build();
        assert_eq!(tag_gate(&facts).state, GateState::Pass);
    }

    #[test]
    fn tag_branch_naming_an_already_released_version_fails() {
        let facts = FactsBuilder::new()
            .tag("v1.5.0", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
            .build();
        let r = tag_gate(&facts);
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        assert_eq!(
            r.reason,
            "branch `staging/v1.4.0` names `v1.4.0`, but `v1.5.0` is already released to production"
        );
    }

    #[test]
    fn tag_pattern_prefix_is_used_for_branch_and_command() {
        let mut policy = Policy::default();
        policy.tag.pattern = "release-*".into();
        let facts = FactsBuilder::new().branch("staging/release-2.0.0").build();
        let r = tag_with(&facts, &policy);
        assert_eq!(
            r.unblock.as_deref(),
            Some("git tag -a release-2.0.0 -m \"Release release-2.0.0\" 1111111111111111111111111111111111111111 && git push origin release-2.0.0")
        );
        let tagged = FactsBuilder::new()
            .branch("staging/release-2.0.0")
            .tag("release-2.0.0", SHA, true)
            .tag("v3.0.0", SHA, true) // not a release tag under this pattern
            .build();
        assert_eq!(tag_with(&tagged, &policy).state, GateState::Pass);
    }

    #[test]
    fn tag_invalid_pattern_is_an_error() {
        let mut policy = Policy::default();
        policy.tag.pattern = "v[".into();
        let r = tag_with(&FactsBuilder::new().build(), &policy);
        assert_eq!(r.state, GateState::Error);
        assert!(
            r.reason.starts_with("invalid tag pattern `v[`"),
            "{}",
            r.reason
        );
    }
}
