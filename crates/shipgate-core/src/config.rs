//! The YAML config file (`.github/shipgate.yml`) and the Action's input overrides.
//!
//! Every section and key is optional: what the file leaves out keeps the value of
//! [`Policy::default`], and an empty file is the defaults. Keys are kebab-case, like the Action's
//! inputs. Unknown keys and bad values are errors that name the dotted key (`approvals.requird`)
//! and its 1-based line, so a typo never silently weakens a gate.
//!
//! The file is read with `serde_norway` (a maintained fork of `serde_yaml`, whose errors carry
//! line and column) through `serde_path_to_error` (which names the dotted key). Values are
//! validated *while* they are read — inside the visitors below — so an error points at the line
//! of the offending value rather than at its parent section.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::alerts::Severity;
use crate::duration::Duration;
use crate::error::{Error, Result};
use crate::policy::{
    AllowedHours, AllowedTime, FreezeWindow, PathRule, Policy, RequiredCheck, MAX_APPROVALS,
    MAX_SOAK,
};

/// The largest config file shipgate reads.
pub const MAX_BYTES: usize = 256 * 1024;
/// The deepest nesting of mappings and lists shipgate reads (a real config needs about 5).
pub const MAX_DEPTH: usize = 32;

/// Parses the text of a config file into a policy (the defaults overridden by the file).
///
/// `path` is only used to name the file in errors. Reading the file (and rejecting text that is
/// not UTF-8) is the caller's job: the binary reads local files, the Action reads the file from
/// the base branch through the GitHub API. Files over [`MAX_BYTES`] or nested deeper than
/// [`MAX_DEPTH`] are refused before the YAML parser sees them: their cost would grow with the
/// author's input, and no policy needs them.
pub fn parse(text: &str, path: Option<&Path>) -> Result<Policy> {
    // A byte order mark (editors on Windows write one) is not part of the YAML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let refuse = |line: Option<usize>, message: String| Error::Config {
        path: path.map(Path::to_path_buf),
        key: None,
        line,
        message,
    };
    if text.len() > MAX_BYTES {
        return Err(refuse(
            None,
            format!(
                "the file is {} bytes; shipgate reads config files of at most {} KiB",
                text.len(),
                MAX_BYTES / 1024
            ),
        ));
    }
    if let Some(line) = too_deep(text) {
        return Err(refuse(
            Some(line),
            format!(
                "line {line}: nested more than {MAX_DEPTH} levels deep; shipgate reads configs nested at most {MAX_DEPTH} levels"
            ),
        ));
    }
    // A stream with no YAML document at all (empty, or only comments) is the defaults;
    // serde_norway reports it as an end-of-stream error, so it is recognised here instead.
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Ok(Policy::default());
    }
    let deserializer = serde_norway::Deserializer::from_str(text);
    let raw: Option<RawConfig> = serde_path_to_error::deserialize(deserializer)
        .map_err(|err| yaml_error(err, text, path))?;
    let mut policy = Policy::default();
    if let Some(raw) = raw {
        raw.apply(&mut policy);
    }
    Ok(policy)
}

/// The first line (1-based) at which the YAML text nests deeper than [`MAX_DEPTH`], counted
/// conservatively: each more-indented block level, each leading `- ` of a sequence item, and
/// each open `[` or `{` of flow style (outside quotes) is one level. A real policy stays far
/// below the limit; a file built to exhaust the parser does not.
fn too_deep(text: &str) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow: usize = 0;
    for (index, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        if flow == 0 {
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut depth = indents.len() + flow;
        let mut rest = body;
        while let Some(after) = rest
            .strip_prefix("- ")
            .or_else(|| rest.strip_prefix('-').filter(|r| r.is_empty()))
        {
            depth += 1;
            rest = after.trim_start();
        }
        let mut quote: Option<char> = None;
        for c in rest.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    flow += 1;
                    depth = depth.max(indents.len() + flow);
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_DEPTH {
                return Some(index + 1);
            }
        }
        if depth > MAX_DEPTH {
            return Some(index + 1);
        }
    }
    None
}

/// Turns a YAML error into [`Error::Config`] naming the dotted key and the line.
fn yaml_error(
    err: serde_path_to_error::Error<serde_norway::Error>,
    text: &str,
    path: Option<&Path>,
) -> Error {
    let key = dotted(err.path());
    let inner = err.inner();
    let line = inner.location().map(|location| location.line());
    let mut message = clean_message(inner, key.as_deref());
    // A tab "cannot start any token": say what it is, since it is invisible in most editors.
    let tab_on_line = line
        .and_then(|l| text.lines().nth(l.saturating_sub(1)))
        .is_some_and(|l| l.contains('\t'));
    if tab_on_line && message.contains("cannot start any token") {
        message.push_str(" (a tab: YAML indents with spaces only)");
    }
    Error::Config {
        path: path.map(Path::to_path_buf),
        message: format!(
            "{}{message}",
            crate::error::located(key.as_deref(), line, None)
        ),
        key,
        line,
    }
}

/// The dotted key of a path (`approvals.paths[0].required`), or `None` at the root.
fn dotted(path: &serde_path_to_error::Path) -> Option<String> {
    crate::versioned::dotted(path)
}

/// serde_norway's message without its own key prefix and `at line L column C` suffix, which the
/// caller states once, in its own words.
fn clean_message(inner: &serde_norway::Error, key: Option<&str>) -> String {
    let mut message = inner.to_string();
    if let Some(location) = inner.location() {
        let suffix = format!(" at line {} column {}", location.line(), location.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    // serde_norway prefixes the key it was at, which is the dotted key or one of its parents
    // (for an unknown field it is the enclosing section).
    let mut candidate = key.map(str::to_string);
    while let Some(prefix) = candidate {
        if let Some(stripped) = message.strip_prefix(&format!("{prefix}: ")) {
            return stripped.to_string();
        }
        candidate = parent(&prefix);
    }
    message
}

/// The parent of a dotted key: `a.b[0]` → `a.b`, `a.b` → `a`, `a` → none.
fn parent(key: &str) -> Option<String> {
    let cut = key.rfind(['.', '['])?;
    Some(key[..cut].to_string())
}

// ---------------------------------------------------------------------------------------------
// The file's shape. Every field is optional; values are validated newtypes.

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of settings (`soak:`, `approvals:`, …)"
)]
struct RawConfig {
    production_branch: Option<Name>,
    production_environment: Option<Name>,
    check_name: Option<Name>,
    soak: Option<RawSoak>,
    approvals: Option<RawApprovals>,
    tag: Option<RawTag>,
    checks: Option<RawChecks>,
    checklist: Option<RawChecklist>,
    freeze: Option<RawFreeze>,
    #[serde(default)]
    security: SecuritySection,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of soak settings"
)]
struct RawSoak {
    enabled: Option<bool>,
    environment: Option<Name>,
    duration: Option<SoakDuration>,
    deployers: Option<Vec<Item>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of approvals settings"
)]
struct RawApprovals {
    enabled: Option<bool>,
    required: Option<ApprovalCount>,
    allow_stale: Option<bool>,
    exclude_contributors: Option<bool>,
    paths: Option<Vec<RawPathRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "RawPathRuleFields")]
struct RawPathRule {
    paths: Vec<String>,
    required: Option<u32>,
    reviewers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a path rule (`paths:` with `required:` and/or `reviewers:`)"
)]
struct RawPathRuleFields {
    paths: NonEmpty<Pattern>,
    required: Option<ApprovalCount>,
    reviewers: Option<Vec<Item>>,
}

impl TryFrom<RawPathRuleFields> for RawPathRule {
    type Error = String;
    fn try_from(fields: RawPathRuleFields) -> Result<Self, String> {
        let reviewers: Vec<String> = fields
            .reviewers
            .unwrap_or_default()
            .into_iter()
            .map(|item| item.0)
            .collect();
        // A rule that asks for nothing more than the general count would look like protection
        // while adding none; say so instead of accepting it.
        if fields.required.is_none() && reviewers.is_empty() {
            return Err(
                "a path rule needs `required` (a number of approvals) or `reviewers` (logins), or both"
                    .to_string(),
            );
        }
        Ok(Self {
            paths: fields.paths.0.into_iter().map(|p| p.0).collect(),
            required: fields.required.map(|c| c.0),
            reviewers,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of tag settings"
)]
struct RawTag {
    enabled: Option<bool>,
    pattern: Option<Pattern>,
    require_annotated: Option<bool>,
    allow_prerelease: Option<bool>,
    require_increase: Option<bool>,
    match_branch: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of checks settings"
)]
struct RawChecks {
    enabled: Option<bool>,
    required: Option<Vec<Required>>,
    neutral_passes: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of checklist settings"
)]
struct RawChecklist {
    enabled: Option<bool>,
    items: Option<Vec<Item>>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a mapping of freeze settings (`windows:`, `allowed:`)"
)]
struct RawFreeze {
    enabled: Option<bool>,
    windows: Option<Vec<Window>>,
    allowed: Option<Allowed>,
}

/// The security gate's section: absent (the gate is off), or a mapping that turns at least one
/// source on. A section that turns none on — or `security:` with nothing under it — would look
/// like protection while adding none: an error, unless it says `enabled: false`. Checked inside
/// the section's own visitor so that the error names the section's line.
#[derive(Debug, Default)]
struct SecuritySection(Option<RawSecurity>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSecurity {
    enabled: Option<bool>,
    secret_scanning: Option<bool>,
    code_scanning: Option<Threshold>,
    dependabot: Option<Threshold>,
}

/// What a security section that checks nothing is told.
const NO_SECURITY_SOURCE: &str = "the security gate needs at least one source: `secret-scanning: true`, `code-scanning: <severity>` or `dependabot: <severity>` (or `enabled: false`)";

impl<'de> Deserialize<'de> for SecuritySection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SectionVisitor;
        impl<'de> Visitor<'de> for SectionVisitor {
            type Value = SecuritySection;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a mapping of security settings (`secret-scanning:`, `code-scanning:`, `dependabot:`)",
                )
            }
            fn visit_unit<E: de::Error>(self) -> Result<SecuritySection, E> {
                Err(E::custom(NO_SECURITY_SOURCE))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<SecuritySection, A::Error> {
                let raw = RawSecurity::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let any = raw.secret_scanning == Some(true)
                    || raw.code_scanning.as_ref().is_some_and(|t| t.0.is_some())
                    || raw.dependabot.as_ref().is_some_and(|t| t.0.is_some());
                if !any && raw.enabled != Some(false) {
                    return Err(de::Error::custom(NO_SECURITY_SOURCE));
                }
                Ok(SecuritySection(Some(raw)))
            }
        }
        deserializer.deserialize_any(SectionVisitor)
    }
}

impl RawConfig {
    /// Writes every value the file sets over `policy`.
    fn apply(self, policy: &mut Policy) {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        set(
            &mut policy.production_branch,
            self.production_branch.map(|n| n.0),
        );
        set(
            &mut policy.production_environment,
            self.production_environment.map(|n| n.0),
        );
        set(&mut policy.check_name, self.check_name.map(|n| n.0));
        if let Some(soak) = self.soak {
            set(&mut policy.soak.enabled, soak.enabled);
            set(&mut policy.soak.environment, soak.environment.map(|n| n.0));
            set(&mut policy.soak.duration, soak.duration.map(|d| d.0));
            set(
                &mut policy.soak.deployers,
                soak.deployers
                    .map(|list| list.into_iter().map(|i| i.0).collect()),
            );
        }
        if let Some(approvals) = self.approvals {
            set(&mut policy.approvals.enabled, approvals.enabled);
            set(
                &mut policy.approvals.required,
                approvals.required.map(|c| c.0),
            );
            set(&mut policy.approvals.allow_stale, approvals.allow_stale);
            set(
                &mut policy.approvals.exclude_contributors,
                approvals.exclude_contributors,
            );
            set(
                &mut policy.approvals.path_rules,
                approvals.paths.map(|rules| {
                    rules
                        .into_iter()
                        .map(|rule| PathRule {
                            paths: rule.paths,
                            required: rule.required,
                            reviewers: rule.reviewers,
                        })
                        .collect()
                }),
            );
        }
        if let Some(tag) = self.tag {
            set(&mut policy.tag.enabled, tag.enabled);
            set(&mut policy.tag.pattern, tag.pattern.map(|p| p.0));
            set(&mut policy.tag.require_annotated, tag.require_annotated);
            set(&mut policy.tag.allow_prerelease, tag.allow_prerelease);
            set(&mut policy.tag.require_increase, tag.require_increase);
            set(&mut policy.tag.match_branch, tag.match_branch);
        }
        if let Some(checks) = self.checks {
            set(&mut policy.checks.enabled, checks.enabled);
            set(
                &mut policy.checks.required,
                checks
                    .required
                    .map(|list| list.into_iter().map(|r| r.0).collect()),
            );
            set(&mut policy.checks.neutral_passes, checks.neutral_passes);
        }
        if let Some(freeze) = self.freeze {
            set(&mut policy.freeze.enabled, freeze.enabled);
            set(
                &mut policy.freeze.windows,
                freeze
                    .windows
                    .map(|list| list.into_iter().map(|w| w.0).collect()),
            );
            if let Some(allowed) = freeze.allowed {
                policy.freeze.allowed = Some(allowed.0);
            }
        }
        if let Some(checklist) = self.checklist {
            set(&mut policy.checklist.enabled, checklist.enabled);
            set(
                &mut policy.checklist.items,
                checklist
                    .items
                    .map(|list| list.into_iter().map(|i| i.0).collect()),
            );
        }
        if let Some(security) = self.security.0 {
            set(&mut policy.security.enabled, security.enabled);
            set(
                &mut policy.security.secret_scanning,
                security.secret_scanning,
            );
            set(
                &mut policy.security.code_scanning,
                security.code_scanning.map(|t| t.0),
            );
            set(
                &mut policy.security.dependabot,
                security.dependabot.map(|t| t.0),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validated values. Each checks its value inside its visitor so that serde_norway marks the
// error with the value's own line.

/// A name (branch, environment, check name): a non-empty string, trimmed.
#[derive(Debug)]
struct Name(String);

/// A checklist item or reviewer login: a non-empty string, trimmed.
#[derive(Debug)]
struct Item(String);

/// A glob pattern: non-empty and valid for the `glob` crate.
#[derive(Debug)]
struct Pattern(String);

/// A count of approvals: a whole number from 1 to [`MAX_APPROVALS`].
#[derive(Debug)]
struct ApprovalCount(u32);

/// A soak duration such as `24h`: at most [`MAX_SOAK`].
#[derive(Debug)]
struct SoakDuration(Duration);

/// A list with at least one element.
#[derive(Debug)]
struct NonEmpty<T>(Vec<T>);

/// A security source's threshold: a severity, or `false` (the source is not read).
#[derive(Debug)]
struct Threshold(Option<Severity>);

/// Checks a name-like value; the error says what kind of value was empty.
fn non_empty(text: &str, what: &str) -> Result<String, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Err(format!("{what} must not be empty"))
    } else {
        Ok(trimmed.to_string())
    }
}

/// Checks a glob pattern.
fn valid_pattern(text: &str) -> Result<String, String> {
    let pattern = non_empty(text, "a pattern")?;
    glob::Pattern::new(&pattern)
        .map_err(|err| format!("{pattern:?} is not a valid glob pattern: {err}"))?;
    Ok(pattern)
}

/// Checks a count of approvals given as text (the Action's inputs are text).
fn approval_count(text: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{trimmed:?} is not a positive whole number"));
    }
    match trimmed.parse::<u64>() {
        Ok(0) => Err(format!(
            "{trimmed:?} is not a positive whole number (at least 1)"
        )),
        Ok(n) => approvals_at_most(n),
        Err(_) => Err(format!(
            "must be at most {MAX_APPROVALS}, got {trimmed} (GitHub's own maximum of required approvals)"
        )),
    }
}

/// The upper bound of a count of approvals.
fn approvals_at_most(n: u64) -> Result<u32, String> {
    match u32::try_from(n) {
        Ok(n) if n <= MAX_APPROVALS => Ok(n),
        _ => Err(format!(
            "must be at most {MAX_APPROVALS}, got {n} (GitHub's own maximum of required approvals)"
        )),
    }
}

/// Checks a soak duration given as text: a duration of at most [`MAX_SOAK`].
fn soak_duration(text: &str) -> Result<Duration, String> {
    let duration = Duration::parse(text).map_err(|e| e.to_string())?;
    if duration > MAX_SOAK {
        return Err(format!(
            "a soak must be at most {MAX_SOAK}, got {} (a longer soak is a release that never ships)",
            text.trim()
        ));
    }
    Ok(duration)
}

/// A visitor for one string value checked by `check`.
struct StrVisitor<T> {
    expecting: &'static str,
    check: fn(&str) -> Result<T, String>,
}

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        (self.check)(value).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a non-empty name",
            check: |text| non_empty(text, "the name").map(Name),
        })
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a non-empty string",
            check: |text| non_empty(text, "an item").map(Item),
        })
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a glob pattern",
            check: |text| valid_pattern(text).map(Pattern),
        })
    }
}

/// A required check: `name` (or `name @ app`), or a mapping `{name: …, app: …}`.
#[derive(Debug)]
struct Required(RequiredCheck);

impl<'de> Deserialize<'de> for Required {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(
            deny_unknown_fields,
            expecting = "a required check (`name:` and optionally `app:`)"
        )]
        struct Fields {
            name: Pattern,
            app: Option<Name>,
        }
        struct RequiredVisitor;
        impl<'de> Visitor<'de> for RequiredVisitor {
            type Value = Required;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a check name or glob, or a mapping with `name` and `app`")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Required, E> {
                RequiredCheck::parse(value).map(Required).map_err(E::custom)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Required, A::Error> {
                let fields = Fields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Required(RequiredCheck {
                    name: fields.name.0,
                    app: fields.app.map(|a| a.0),
                }))
            }
        }
        deserializer.deserialize_any(RequiredVisitor)
    }
}

impl<'de> Deserialize<'de> for SoakDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a duration such as `24h`, `90m` or `1d12h`",
            check: |text| soak_duration(text).map(SoakDuration),
        })
    }
}

impl<'de> Deserialize<'de> for ApprovalCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl Visitor<'_> for CountVisitor {
            type Value = ApprovalCount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a whole number from 1 to {MAX_APPROVALS}")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ApprovalCount, E> {
                if value == 0 {
                    return Err(E::custom("must be at least 1, got 0"));
                }
                approvals_at_most(value)
                    .map(ApprovalCount)
                    .map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ApprovalCount, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::custom(format!("must be at least 1, got {value}"))),
                }
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<ApprovalCount, E> {
                Err(E::custom(format!("must be a whole number, got {value}")))
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ThresholdVisitor;
        impl Visitor<'_> for ThresholdVisitor {
            type Value = Threshold;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a severity (low, medium, high or critical) or false")
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Threshold, E> {
                if value {
                    // "true" would leave open which alerts fail the gate.
                    Err(E::custom(
                        "`true` is not a severity: write the lowest severity that fails the gate (low, medium, high or critical), or false",
                    ))
                } else {
                    Ok(Threshold(None))
                }
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Threshold, E> {
                Severity::parse(value)
                    .map(|s| Threshold(Some(s)))
                    .map_err(E::custom)
            }
        }
        deserializer.deserialize_any(ThresholdVisitor)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NonEmpty<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = NonEmpty<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-empty list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NonEmpty<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                if items.is_empty() {
                    return Err(de::Error::custom("the list must not be empty"));
                }
                Ok(NonEmpty(items))
            }
        }
        deserializer.deserialize_seq(ListVisitor(PhantomData))
    }
}

// ---------------------------------------------------------------------------------------------
// The freeze gate's values: windows, weekdays, hours and the time zone (`docs/config.md`).

/// A freeze window `{from, until, reason}`. `until` must come after `from`: the check is made
/// while the later of the two in the file is read, so the error names that key and its line.
#[derive(Debug)]
struct Window(FreezeWindow);

/// A freeze window's reason: a non-empty string, trimmed.
#[derive(Debug)]
struct Reason(String);

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a reason, shown in the verdict",
            check: |text| non_empty(text, "the reason").map(Reason),
        })
    }
}

/// A moment written in RFC 3339 with its offset: `2026-12-20T00:00:00+01:00`.
type Moment = chrono::DateTime<chrono::FixedOffset>;

/// Parses a moment; a time without an offset would depend on where it is read.
fn moment(text: &str) -> Result<Moment, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).map_err(|err| {
        format!("{text:?} is not an RFC 3339 time with an offset, such as 2026-12-20T00:00:00+01:00 ({err})")
    })
}

/// Reads `from` or `until`, checking it against the other end when that was read first.
struct Bound {
    key: &'static str,
    other: Option<Moment>,
}

impl<'de> de::DeserializeSeed<'de> for Bound {
    type Value = Moment;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Moment, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Bound {
    type Value = Moment;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time with an offset, such as 2026-12-20T00:00:00+01:00")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Moment, E> {
        let at = moment(value).map_err(E::custom)?;
        let (from, until) = match self.key {
            "from" => (Some(at), self.other),
            _ => (self.other, Some(at)),
        };
        match (from, until) {
            (Some(from), Some(until)) if until <= from => Err(E::custom(format!(
                "a freeze window must end after it starts: `until` {} is not after `from` {}",
                until.to_rfc3339(),
                from.to_rfc3339()
            ))),
            _ => Ok(at),
        }
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "lowercase")]
        enum Field {
            From,
            Until,
            Reason,
        }
        struct WindowVisitor;
        impl<'de> Visitor<'de> for WindowVisitor {
            type Value = Window;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a freeze window (`from:`, `until:` and `reason:`)")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Window, A::Error> {
                let (mut from, mut until, mut reason) = (None, None, None);
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::From if from.is_some() => {
                            return Err(de::Error::duplicate_field("from"))
                        }
                        Field::Until if until.is_some() => {
                            return Err(de::Error::duplicate_field("until"))
                        }
                        Field::Reason if reason.is_some() => {
                            return Err(de::Error::duplicate_field("reason"))
                        }
                        Field::From => {
                            from = Some(map.next_value_seed(Bound {
                                key: "from",
                                other: until,
                            })?)
                        }
                        Field::Until => {
                            until = Some(map.next_value_seed(Bound {
                                key: "until",
                                other: from,
                            })?)
                        }
                        Field::Reason => reason = Some(map.next_value::<Reason>()?.0),
                    }
                }
                let missing = |key: &str, why: &str| {
                    de::Error::custom(format!("a freeze window needs `{key}` ({why})"))
                };
                let from = from.ok_or_else(|| missing("from", "its first moment"))?;
                let until = until.ok_or_else(|| missing("until", "the moment it ends"))?;
                let reason = reason.ok_or_else(|| {
                    missing(
                        "reason",
                        "why, as the verdict shows it: \"Christmas freeze\"",
                    )
                })?;
                Ok(Window(FreezeWindow {
                    from: from.with_timezone(&chrono::Utc),
                    until: until.with_timezone(&chrono::Utc),
                    reason,
                }))
            }
        }
        deserializer.deserialize_map(WindowVisitor)
    }
}

/// `freeze.allowed`: weekdays and/or hours, in a time zone that must be named.
#[derive(Debug, Deserialize)]
#[serde(try_from = "AllowedFields")]
struct Allowed(AllowedTime);

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "the allowed deploy time (`weekdays:`, `hours:`, `timezone:`)"
)]
struct AllowedFields {
    weekdays: Option<WeekdayList>,
    hours: Option<Hours>,
    timezone: Option<TimeZone>,
}

impl TryFrom<AllowedFields> for Allowed {
    type Error = String;
    fn try_from(fields: AllowedFields) -> Result<Self, String> {
        // Allowed time that restricts nothing would look like a rule while being none.
        if fields.weekdays.is_none() && fields.hours.is_none() {
            return Err("the allowed deploy time needs `weekdays`, `hours`, or both".to_string());
        }
        let Some(timezone) = fields.timezone else {
            return Err(
                "the allowed deploy time needs `timezone` (an IANA name such as Europe/Madrid, or UTC): weekdays and hours are read on its clock"
                    .to_string(),
            );
        };
        // No weekdays: every day.
        let weekdays = fields.weekdays.map_or_else(
            || {
                (0..7)
                    .map(|i| monday_plus(chrono::Weekday::Mon, i))
                    .collect()
            },
            |days| days.0,
        );
        Ok(Allowed(AllowedTime {
            weekdays,
            hours: fields.hours.map(|h| h.0),
            timezone: timezone.0,
        }))
    }
}

/// `day` moved `n` days on (wrapping after Sunday).
fn monday_plus(day: chrono::Weekday, n: u8) -> chrono::Weekday {
    (0..n).fold(day, |d, _| d.succ())
}

/// The allowed weekdays: a non-empty list of days (`mon`, `Monday`) and ranges (`mon-fri`).
#[derive(Debug)]
struct WeekdayList(Vec<chrono::Weekday>);

/// One entry of the weekday list.
#[derive(Debug)]
struct DayEntry(Vec<chrono::Weekday>);

/// Parses `mon`, `Monday` (any case), or a range `mon-fri` (inclusive; `fri-mon` wraps).
fn day_entry(text: &str) -> Result<Vec<chrono::Weekday>, String> {
    let day = |name: &str| -> Result<chrono::Weekday, String> {
        let name = name.trim();
        let days = [
            ("mon", "monday"),
            ("tue", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ];
        days.iter()
            .position(|(short, long)| {
                name.eq_ignore_ascii_case(short) || name.eq_ignore_ascii_case(long)
            })
            .map(|i| monday_plus(chrono::Weekday::Mon, i as u8))
            .ok_or_else(|| {
                format!("{name:?} is not a weekday; write mon, tue, wed, thu, fri, sat, sun (or the full names), or a range such as mon-fri")
            })
    };
    match text.split_once('-') {
        None => Ok(vec![day(text)?]),
        Some((first, last)) => {
            let (first, last) = (day(first)?, day(last)?);
            let mut days = vec![first];
            let mut current = first;
            while current != last {
                current = current.succ();
                days.push(current);
            }
            Ok(days)
        }
    }
}

impl<'de> Deserialize<'de> for DayEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a weekday such as `mon`, or a range such as `mon-fri`",
            check: |text| day_entry(text).map(DayEntry),
        })
    }
}

impl<'de> Deserialize<'de> for WeekdayList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DaysVisitor;
        impl<'de> Visitor<'de> for DaysVisitor {
            type Value = WeekdayList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of weekdays such as [mon, tue, wed, thu]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WeekdayList, A::Error> {
                let mut days: Vec<chrono::Weekday> = Vec::new();
                while let Some(DayEntry(entry)) = seq.next_element()? {
                    days.extend(entry);
                }
                if days.is_empty() {
                    return Err(de::Error::custom(
                        "no weekday given: deploys would never be allowed; name at least one, such as [mon, tue, wed, thu]",
                    ));
                }
                days.sort_by_key(chrono::Weekday::num_days_from_monday);
                days.dedup();
                Ok(WeekdayList(days))
            }
        }
        deserializer.deserialize_seq(DaysVisitor)
    }
}

/// The allowed hours `HH:MM-HH:MM`.
#[derive(Debug)]
struct Hours(AllowedHours);

/// Parses `09:00-16:00`: start inclusive, end exclusive, `24:00` the end of the day; an end
/// before the start crosses midnight.
fn hours(text: &str) -> Result<AllowedHours, String> {
    let shape = || {
        format!("{text:?} is not a range of hours; write HH:MM-HH:MM, such as 09:00-16:00 (the end is not included; 22:00-06:00 crosses midnight)")
    };
    let (start, end) = text.split_once('-').ok_or_else(shape)?;
    let minutes = |part: &str, end: bool| -> Option<u16> {
        let (h, m) = part.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        match (h, m) {
            (24, 0) if end => Some(24 * 60),
            (0..=23, 0..=59) => Some(h * 60 + m),
            _ => None,
        }
    };
    let (start, end) = (
        minutes(start, false).ok_or_else(shape)?,
        minutes(end, true).ok_or_else(shape)?,
    );
    if start == end {
        return Err(format!(
            "{text:?} starts and ends at the same minute; for the whole day leave `hours` out"
        ));
    }
    Ok(AllowedHours { start, end })
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "a range of hours such as \"09:00-16:00\"",
            check: |text| hours(text).map(Hours),
        })
    }
}

/// An IANA time zone name.
#[derive(Debug)]
struct TimeZone(chrono_tz::Tz);

/// Parses an IANA time zone name exactly as the database spells it; a name that differs only
/// in case is named in the error.
fn time_zone(text: &str) -> Result<chrono_tz::Tz, String> {
    let name = text.trim();
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        match chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
        {
            Some(tz) => format!("{name:?} is not an IANA time zone name; did you mean {:?}?", tz.name()),
            None => format!(
                "{name:?} is not an IANA time zone name, such as Europe/Madrid, America/New_York or UTC"
            ),
        }
    })
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor {
            expecting: "an IANA time zone name such as Europe/Madrid",
            check: |text| time_zone(text).map(TimeZone),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Overrides from the Action's inputs (or CLI flags of the same names).

/// Values from the Action's inputs or the command line's flags that override the config file
/// (`docs/config.md`). Each is checked where it is read (with [`name`], [`pattern`],
/// [`count`] and [`soak`]), so applying them cannot fail. Overrides set values; they
/// never turn a gate on or off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Input `production-branch`.
    pub production_branch: Option<String>,
    /// Input `production-environment`.
    pub production_environment: Option<String>,
    /// Input `staging-environment`: the soak's environment.
    pub staging_environment: Option<String>,
    /// Input `soak`: the soak's duration.
    pub soak: Option<Duration>,
    /// Input `required-approvals`.
    pub required_approvals: Option<u32>,
    /// Input `tag-pattern` (a glob).
    pub tag_pattern: Option<String>,
    /// Input `required-checks` (one name or glob per entry, optionally ` @ app`).
    pub required_checks: Option<Vec<RequiredCheck>>,
    /// Input `checklist` (one item per entry).
    pub checklist: Option<Vec<String>>,
    /// Input `check-name`.
    pub check_name: Option<String>,
}

impl Overrides {
    /// Writes the given values over `policy`.
    pub fn apply(&self, policy: &mut Policy) {
        fn set<T: Clone>(target: &mut T, value: &Option<T>) {
            if let Some(value) = value {
                *target = value.clone();
            }
        }
        set(&mut policy.production_branch, &self.production_branch);
        set(
            &mut policy.production_environment,
            &self.production_environment,
        );
        set(&mut policy.soak.environment, &self.staging_environment);
        set(&mut policy.check_name, &self.check_name);
        set(&mut policy.soak.duration, &self.soak);
        set(&mut policy.approvals.required, &self.required_approvals);
        set(&mut policy.tag.pattern, &self.tag_pattern);
        set(&mut policy.checks.required, &self.required_checks);
        set(&mut policy.checklist.items, &self.checklist);
    }
}

/// Checks a name (branch, environment, check name): non-empty once trimmed.
pub fn name(text: &str) -> std::result::Result<String, String> {
    non_empty(text, "the name")
}

/// Checks a glob pattern (tag pattern, required check): non-empty and valid.
pub fn pattern(text: &str) -> std::result::Result<String, String> {
    valid_pattern(text)
}

/// Checks a count of approvals: a whole number of at least 1 (zero would let a release through
/// unreviewed) and at most [`MAX_APPROVALS`] (more can never be given).
pub fn count(text: &str) -> std::result::Result<u32, String> {
    approval_count(text)
}

/// Checks a soak duration: a duration of at most [`MAX_SOAK`] (a longer one is a typo, or a
/// release that never ships).
pub fn soak(text: &str) -> std::result::Result<Duration, String> {
    soak_duration(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::FreezePolicy;
    use crate::policy::{
        ApprovalsPolicy, ChecklistPolicy, ChecksPolicy, SecurityPolicy, SoakPolicy, TagPolicy,
    };
    use chrono::Weekday::{Mon, Thu, Tue, Wed};

    const FULL: &str = include_str!("../../../tests/fixtures/config/full.yml");

    /// Parses `text`, expecting an error; returns (key, line, message).
    fn fails(text: &str) -> (Option<String>, Option<usize>, String) {
        match parse(text, Some(Path::new(".github/shipgate.yml"))) {
            Ok(policy) => panic!("expected an error for {text:?}, got {policy:?}"),
            Err(Error::Config {
                key, line, message, ..
            }) => (key, line, message),
            Err(other) => panic!("unexpected error kind: {other}"),
        }
    }

    #[test]
    fn a_tab_that_breaks_the_yaml_is_named() {
        let (_, line, message) = fails("soak:\n\tduration: 24h\n");
        assert_eq!(line, Some(2));
        assert!(
            message.ends_with("(a tab: YAML indents with spaces only)"),
            "{message}"
        );
    }

    #[test]
    fn empty_or_comment_only_file_is_the_defaults() {
        for text in [
            "",
            "\n\n",
            "# nothing here\n  # indented\n",
            "---\n",
            "{}\n",
        ] {
            assert_eq!(parse(text, None).unwrap(), Policy::default(), "{text:?}");
        }
    }

    #[test]
    fn every_key_is_read() {
        let policy = parse(FULL, None).unwrap();
        assert_eq!(
            policy,
            Policy {
                production_branch: "release".into(),
                production_environment: "prod".into(),
                check_name: "shipgate / gate".into(),
                soak: SoakPolicy {
                    enabled: true,
                    environment: "pre-production".into(),
                    duration: Duration::from_hours(36),
                    deployers: Vec::new(),
                },
                approvals: ApprovalsPolicy {
                    enabled: true,
                    required: 3,
                    allow_stale: true,
                    exclude_contributors: true,
                    path_rules: vec![
                        PathRule {
                            paths: vec!["migrations/**".into(), "*.sql".into()],
                            required: Some(4),
                            reviewers: vec!["alice".into(), "bob".into()],
                        },
                        PathRule {
                            paths: vec!["infra/**".into()],
                            required: None,
                            reviewers: vec!["@acme/sre".into()],
                        },
                    ],
                },
                tag: TagPolicy {
                    enabled: true,
                    pattern: "release-*".into(),
                    require_annotated: false,
                    allow_prerelease: true,
                    require_increase: false,
                    match_branch: false,
                },
                checks: ChecksPolicy {
                    enabled: false,
                    required: vec!["backend / test".into(), "e2e-*".into()],
                    neutral_passes: false,
                },
                checklist: ChecklistPolicy {
                    enabled: true,
                    items: vec!["Database backup taken".into(), "Rollback plan ready".into()],
                },
                freeze: FreezePolicy {
                    enabled: true,
                    windows: vec![FreezeWindow {
                        from: "2026-12-19T23:00:00Z".parse().unwrap(),
                        until: "2027-01-06T23:00:00Z".parse().unwrap(),
                        reason: "Christmas".into(),
                    }],
                    allowed: Some(AllowedTime {
                        weekdays: vec![Mon, Tue, Wed, Thu],
                        hours: Some(AllowedHours {
                            start: 9 * 60,
                            end: 16 * 60,
                        }),
                        timezone: chrono_tz::Europe::Madrid,
                    }),
                },
                security: SecurityPolicy {
                    enabled: false,
                    secret_scanning: true,
                    code_scanning: Some(Severity::Critical),
                    dependabot: Some(Severity::Medium),
                },
            }
        );
    }

    #[test]
    fn the_flow_style_example_is_read() {
        let text = r#"
production-branch: main
soak:      { enabled: true, environment: staging, duration: 24h }
approvals: { enabled: true, required: 2, allow-stale: false,
             paths: [ { paths: ["migrations/**"], required: 3, reviewers: [alice] } ] }
tag:       { enabled: true, pattern: "v*", require-annotated: true, allow-prerelease: false,
             require-increase: true, match-branch: true }
checks:    { enabled: true, required: ["backend / test", "e2e-*"], neutral-passes: true }
checklist: { enabled: true, items: ["Database backup taken", "Rollback plan ready"] }
"#;
        let policy = parse(text, None).unwrap();
        assert_eq!(policy.approvals.path_rules.len(), 1);
        assert_eq!(policy.approvals.path_rules[0].required, Some(3));
        assert_eq!(policy.checks.required, ["backend / test", "e2e-*"]);
        assert_eq!(policy.soak, Policy::default().soak);
        assert_eq!(policy.tag, Policy::default().tag);
    }

    #[test]
    fn a_partial_section_keeps_the_other_defaults() {
        let policy = parse("approvals:\n  required: 3\nsoak:\n  duration: 90m\n", None).unwrap();
        let mut expected = Policy::default();
        expected.approvals.required = 3;
        expected.soak.duration = Duration::from_mins(90);
        assert_eq!(policy, expected);
        // An empty section (YAML null) is the section's defaults too.
        assert_eq!(parse("soak:\ntag:\n", None).unwrap(), Policy::default());
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark_are_read() {
        let policy = parse("\u{FEFF}soak:\r\n  duration: 90m\r\n", None).unwrap();
        assert_eq!(policy.soak.duration, Duration::from_mins(90));
        let (key, line, _) = fails("\u{FEFF}soak:\r\n  duration: 90m\r\n  nope: 1\r\n");
        assert_eq!((key.as_deref(), line), (Some("soak.nope"), Some(3)));
    }

    #[test]
    fn names_are_trimmed() {
        let policy = parse("production-branch: '  trunk '\n", None).unwrap();
        assert_eq!(policy.production_branch, "trunk");
    }

    #[test]
    fn unknown_keys_name_the_dotted_key_and_line() {
        let cases: &[(&str, &str, usize)] = &[
            ("production-brnch: main\n", "production-brnch", 1),
            (
                "approvals:\n  enabled: true\n  requird: 3\n",
                "approvals.requird",
                3,
            ),
            ("soak:\n  duration: 24h\n  env: staging\n", "soak.env", 3),
            (
                "tag: { pattern: 'v*', annotated: true }\n",
                "tag.annotated",
                1,
            ),
            (
                "approvals:\n  paths:\n    - paths: [a]\n      required: 2\n      teams: [x]\n",
                "approvals.paths[0].teams",
                5,
            ),
            // snake_case is not the file's spelling: say so rather than ignore it.
            (
                "checks:\n  neutral_passes: false\n",
                "checks.neutral_passes",
                2,
            ),
        ];
        for (text, key, line) in cases {
            let (got_key, got_line, message) = fails(text);
            assert_eq!(got_key.as_deref(), Some(*key), "{text:?}");
            assert_eq!(got_line, Some(*line), "{text:?}");
            assert!(message.contains("unknown field"), "{message}");
            assert!(
                message.starts_with(&format!("`{key}` (line {line}): ")),
                "{message}"
            );
        }
    }

    #[test]
    fn bad_values_name_the_dotted_key_and_line() {
        let cases: &[(&str, &str, usize, &str)] = &[
            (
                "approvals:\n  required: 0\n",
                "approvals.required",
                2,
                "at least 1, got 0",
            ),
            (
                "approvals:\n  required: -2\n",
                "approvals.required",
                2,
                "at least 1, got -2",
            ),
            (
                "approvals:\n  required: 1.5\n",
                "approvals.required",
                2,
                "whole number",
            ),
            (
                "approvals:\n  required: two\n",
                "approvals.required",
                2,
                "whole number",
            ),
            (
                "approvals:\n  required: 99999999999\n",
                "approvals.required",
                2,
                "must be at most 10, got 99999999999",
            ),
            (
                "approvals:\n  required: 11\n",
                "approvals.required",
                2,
                "must be at most 10, got 11 (GitHub's own maximum of required approvals)",
            ),
            (
                "approvals:\n  paths:\n    - paths: [a]\n      required: 1000\n",
                "approvals.paths[0].required",
                4,
                "must be at most 10, got 1000",
            ),
            (
                "soak:\n  duration: 1000000w\n",
                "soak.duration",
                2,
                "a soak must be at most 90d, got 1000000w",
            ),
            (
                "soak:\n  duration: 91d\n",
                "soak.duration",
                2,
                "at most 90d",
            ),
            (
                "soak:\n  duration: 24\n",
                "soak.duration",
                2,
                "missing unit",
            ),
            (
                "soak:\n  duration: 1 day\n",
                "soak.duration",
                2,
                "invalid duration",
            ),
            (
                "soak:\n  duration: -1h\n",
                "soak.duration",
                2,
                "invalid duration",
            ),
            (
                "soak:\n  enabled: yes\n",
                "soak.enabled",
                2,
                "expected a boolean",
            ),
            (
                "soak:\n  environment: ''\n",
                "soak.environment",
                2,
                "must not be empty",
            ),
            (
                "production-branch: ' '\n",
                "production-branch",
                1,
                "must not be empty",
            ),
            (
                "tag:\n  pattern: ''\n",
                "tag.pattern",
                2,
                "must not be empty",
            ),
            (
                "tag:\n  pattern: 'v[*'\n",
                "tag.pattern",
                2,
                "not a valid glob",
            ),
            (
                "checks:\n  required:\n    - build\n    - 'e2e-[ab'\n",
                "checks.required[1]",
                4,
                "not a valid glob",
            ),
            (
                "checklist:\n  items:\n    - Backup taken\n    - ''\n",
                "checklist.items[1]",
                4,
                "must not be empty",
            ),
            (
                "approvals:\n  paths:\n    - paths: []\n      required: 3\n",
                "approvals.paths[0].paths",
                3,
                "must not be empty",
            ),
            (
                "approvals:\n  paths:\n    - paths: ['']\n      required: 3\n",
                "approvals.paths[0].paths[0]",
                3,
                "must not be empty",
            ),
            (
                "approvals:\n  paths:\n    - paths: [a]\n      required: 0\n",
                "approvals.paths[0].required",
                4,
                "at least 1",
            ),
            (
                "approvals:\n  paths:\n    - paths: [a]\n      reviewers: ['']\n",
                "approvals.paths[0].reviewers[0]",
                4,
                "must not be empty",
            ),
            (
                "approvals:\n  paths:\n    - paths: [db/**]\n",
                "approvals.paths[0]",
                3,
                "needs `required`",
            ),
            (
                "approvals:\n  paths:\n    - required: 3\n",
                "approvals.paths[0]",
                3,
                "missing field `paths`",
            ),
            (
                "soak: [1, 2]\n",
                "soak",
                1,
                "expected a mapping of soak settings",
            ),
        ];
        for (text, key, line, needle) in cases {
            let (got_key, got_line, message) = fails(text);
            assert_eq!(got_key.as_deref(), Some(*key), "{text:?}: {message}");
            assert_eq!(got_line, Some(*line), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
        }
    }

    #[test]
    fn freeze_windows_and_allowed_time_are_read() {
        let text = "freeze:
  windows:
    - from: 2026-12-20T00:00:00+01:00
      until: 2027-01-07T00:00:00+01:00
      reason: '  Christmas  '
    - { reason: overlap, until: '2026-12-24T12:00:00Z', from: '2026-12-22T00:00:00-05:00' }
  allowed:
    weekdays: [fri-mon, Wednesday, WED]
    hours: 22:00-24:00
    timezone: America/New_York
";
        let freeze = parse(text, None).unwrap().freeze;
        assert!(freeze.enabled);
        assert_eq!(freeze.windows.len(), 2);
        assert_eq!(freeze.windows[0].reason, "Christmas");
        assert_eq!(
            freeze.windows[1].from,
            "2026-12-22T05:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        );
        let allowed = freeze.allowed.unwrap();
        // A range wraps after Sunday; repeats count once; Monday first.
        use chrono::Weekday::{Fri, Sat, Sun};
        assert_eq!(allowed.weekdays, [Mon, Wed, Fri, Sat, Sun]);
        assert_eq!(
            allowed.hours,
            Some(AllowedHours {
                start: 22 * 60,
                end: 24 * 60
            })
        );
        assert_eq!(allowed.timezone, chrono_tz::America::New_York);
        // Hours alone: every day. Hours crossing midnight are kept as written.
        let freeze = parse(
            "freeze:\n  allowed:\n    hours: \"22:00 - 06:00\"\n    timezone: UTC\n",
            None,
        )
        .unwrap()
        .freeze;
        let allowed = freeze.allowed.unwrap();
        assert_eq!(allowed.weekdays.len(), 7);
        assert_eq!(
            allowed.hours,
            Some(AllowedHours {
                start: 22 * 60,
                end: 6 * 60
            })
        );
        // A freeze section that is only switched off configures nothing.
        let freeze = parse("freeze:\n  enabled: false\n", None).unwrap().freeze;
        assert!(!freeze.enabled && !freeze.is_configured());
    }

    #[test]
    fn freeze_errors_name_the_dotted_key_and_line() {
        let window = |from: &str, until: &str, reason: &str| {
            format!("freeze:\n  windows:\n    - from: {from}\n      until: {until}\n{reason}")
        };
        let cases: Vec<(String, &str, usize, &str)> = vec![
            (
                window("2026-12-20T00:00:00+01:00", "2026-12-19T00:00:00+01:00", "      reason: x\n"),
                "freeze.windows[0].until",
                4,
                "must end after it starts: `until` 2026-12-19T00:00:00+01:00 is not after `from` 2026-12-20T00:00:00+01:00",
            ),
            // Equal ends are empty: an error too, and said at whichever end comes second.
            (
                "freeze:\n  windows:\n    - reason: x\n      until: 2026-12-20T00:00:00Z\n      from: 2026-12-20T01:00:00+01:00\n".into(),
                "freeze.windows[0].from",
                5,
                "must end after it starts",
            ),
            (
                window("2026-12-20T00:00:00+01:00", "2026-12-21T00:00:00+01:00", ""),
                "freeze.windows[0]",
                3,
                "a freeze window needs `reason`",
            ),
            (
                window("2026-12-20T00:00:00+01:00", "2026-12-21T00:00:00+01:00", "      reason: ' '\n"),
                "freeze.windows[0].reason",
                5,
                "the reason must not be empty",
            ),
            (
                window("2026-12-20T00:00:00", "2026-12-21T00:00:00+01:00", "      reason: x\n"),
                "freeze.windows[0].from",
                3,
                "is not an RFC 3339 time with an offset",
            ),
            (
                window("2026-12-20T00:00:00Z", "next week", "      reason: x\n"),
                "freeze.windows[0].until",
                4,
                "\"next week\" is not an RFC 3339 time",
            ),
            (
                window("2026-12-20T00:00:00Z", "2026-12-21T00:00:00Z", "      reason: x\n      note: y\n"),
                "freeze.windows[0].note",
                6,
                "unknown field `note`, expected one of `from`, `until`, `reason`",
            ),
            (
                "freeze:\n  windows:\n    - from: 2026-12-20T00:00:00Z\n      from: 2026-12-21T00:00:00Z\n".into(),
                "freeze.windows[0]",
                3,
                "duplicate field `from`",
            ),
            (
                "freeze:\n  allowed:\n    weekdays: []\n    timezone: UTC\n".into(),
                "freeze.allowed.weekdays",
                3,
                "no weekday given: deploys would never be allowed",
            ),
            (
                "freeze:\n  allowed:\n    weekdays:\n      - mon\n      - tues\n    timezone: UTC\n".into(),
                "freeze.allowed.weekdays[1]",
                5,
                "\"tues\" is not a weekday",
            ),
            (
                "freeze:\n  allowed:\n    weekdays: [mon-]\n    timezone: UTC\n".into(),
                "freeze.allowed.weekdays[0]",
                3,
                "\"\" is not a weekday",
            ),
            (
                "freeze:\n  allowed:\n    hours: 09:00-16:00\n    timezone: Europe/Madird\n".into(),
                "freeze.allowed.timezone",
                4,
                "\"Europe/Madird\" is not an IANA time zone name, such as Europe/Madrid",
            ),
            (
                "freeze:\n  allowed:\n    hours: 09:00-16:00\n    timezone: europe/madrid\n".into(),
                "freeze.allowed.timezone",
                4,
                "did you mean \"Europe/Madrid\"?",
            ),
            (
                "freeze:\n  allowed:\n    hours: 9-16\n    timezone: UTC\n".into(),
                "freeze.allowed.hours",
                3,
                "\"9-16\" is not a range of hours; write HH:MM-HH:MM",
            ),
            (
                "freeze:\n  allowed:\n    hours: 09:00-24:30\n    timezone: UTC\n".into(),
                "freeze.allowed.hours",
                3,
                "not a range of hours",
            ),
            (
                "freeze:\n  allowed:\n    hours: 24:00-06:00\n    timezone: UTC\n".into(),
                "freeze.allowed.hours",
                3,
                "not a range of hours",
            ),
            (
                "freeze:\n  allowed:\n    hours: 09:00-09:00\n    timezone: UTC\n".into(),
                "freeze.allowed.hours",
                3,
                "starts and ends at the same minute",
            ),
            (
                "freeze:\n  allowed:\n    hours: 09:00-16:00\n".into(),
                "freeze.allowed",
                2,
                "needs `timezone`",
            ),
            (
                "freeze:\n  allowed:\n    timezone: UTC\n".into(),
                "freeze.allowed",
                2,
                "needs `weekdays`, `hours`, or both",
            ),
            (
                "freeze:\n  allowed:\n    weekdays: [mon]\n    timezone: UTC\n    days: [tue]\n".into(),
                "freeze.allowed.days",
                5,
                "unknown field `days`",
            ),
            (
                "freeze:\n  enabled: true\n  window: []\n".into(),
                "freeze.window",
                3,
                "unknown field `window`",
            ),
            (
                "freeze: []\n".into(),
                "freeze",
                1,
                "expected a mapping of freeze settings",
            ),
        ];
        for (text, key, line, needle) in &cases {
            let (got_key, got_line, message) = fails(text);
            assert_eq!(got_key.as_deref(), Some(*key), "{text:?}: {message}");
            assert_eq!(got_line, Some(*line), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
            assert!(
                message.starts_with(&format!("`{key}` (line {line}): ")),
                "{message}"
            );
        }
    }

    #[test]
    fn the_freeze_errors_shown_in_the_docs_are_the_real_ones() {
        let docs = include_str!("../../../docs/config.md");
        let file = Some(Path::new(".github/shipgate.yml"));
        for text in [
            "freeze:\n  windows:\n    - from: 2026-12-20T00:00:00+01:00\n      until: 2026-12-06T00:00:00+01:00\n      reason: Christmas\n",
            "freeze:\n  allowed:\n    weekdays: [mon, tue, wed, thu]\n    hours: 09:00-16:00\n    timezone: Europe/Madird\n",
        ] {
            let message = parse(text, file).unwrap_err().to_string();
            assert!(
                docs.contains(&format!("\n{message}\n")),
                "docs/config.md does not show: {message}"
            );
        }
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let (_, line, message) = fails("soak:\n  duration: 24h\n  - x\n");
        assert_eq!(line, Some(3), "{message}");
        let (key, line, message) = fails("- soak\n");
        assert_eq!((key, line), (None, Some(1)));
        assert!(
            message.contains("expected a mapping of settings"),
            "{message}"
        );
        let (_, _, message) = fails("soak: {}\n---\ntag: {}\n");
        assert!(message.contains("more than one document"), "{message}");
        // Two values for one key would make one of them silently lose. serde reports it on the
        // enclosing section (and its first line), naming the field in the message.
        let (key, line, message) = fails("tag: {}\nsoak:\n  duration: 24h\n  duration: 1h\n");
        assert_eq!(key.as_deref(), Some("soak"), "{message}");
        assert_eq!(line, Some(3), "{message}");
        assert!(message.contains("duplicate field `duration`"), "{message}");
    }

    #[test]
    fn the_error_names_the_file() {
        let err = parse(
            "soak:\n  duraton: 1h\n",
            Some(Path::new(".github/shipgate.yml")),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid config in .github/shipgate.yml: `soak.duraton` (line 2): unknown field \
             `duraton`, expected one of `enabled`, `environment`, `duration`, `deployers`"
        );
    }

    #[test]
    fn oversized_and_deeply_nested_files_are_refused_before_parsing() {
        let big = format!("checklist:\n  items:\n{}", "    - an item\n".repeat(30_000));
        let err = parse(&big, None).unwrap_err().to_string();
        assert!(err.contains("at most 256 KiB"), "{err}");
        let flow = format!("soak: {}{}", "[".repeat(40), "]".repeat(40));
        let err = parse(&flow, None).unwrap_err().to_string();
        assert!(err.contains("line 1: nested more than 32 levels"), "{err}");
        let block: String = (0..40)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        let err = parse(&block, None).unwrap_err().to_string();
        assert!(err.contains("line 33: nested more than 32 levels"), "{err}");
        let dashes = format!("checklist:\n  items:\n    {}x\n", "- ".repeat(40));
        assert!(parse(&dashes, None)
            .unwrap_err()
            .to_string()
            .contains("nested more than"));
        // The full example nests far below the limit.
        assert!(too_deep(FULL).is_none());
    }

    #[test]
    fn an_alias_bomb_is_refused_quickly() {
        // A "billion laughs" document: each alias doubles the one before.
        let mut text = String::from("a0: &a0 [x, x]\n");
        for i in 1..30 {
            text.push_str(&format!("a{i}: &a{i} [*a{}, *a{}]\n", i - 1, i - 1));
        }
        assert!(parse(&text, None).is_err());
    }

    #[test]
    fn overrides_replace_file_values() {
        let mut policy = parse(FULL, None).unwrap();
        let overrides = Overrides {
            production_branch: Some("main".into()),
            production_environment: None,
            staging_environment: Some("staging".into()),
            soak: Some(Duration::from_hours(48)),
            required_approvals: Some(2),
            tag_pattern: Some("v*".into()),
            required_checks: Some(vec!["ci / test".into(), "lint".into()]),
            checklist: Some(vec!["Team notified".into()]),
            check_name: Some("gate".into()),
        };
        overrides.apply(&mut policy);
        assert_eq!(policy.production_branch, "main");
        assert_eq!(policy.soak.environment, "staging");
        assert_eq!(policy.soak.duration, Duration::from_hours(48));
        assert_eq!(policy.approvals.required, 2);
        assert_eq!(policy.tag.pattern, "v*");
        assert_eq!(policy.checks.required, ["ci / test", "lint"]);
        assert_eq!(policy.checklist.items, ["Team notified"]);
        assert_eq!(policy.check_name, "gate");
        // Values only: the file's switches stay as they were.
        assert!(!policy.checks.enabled);
        // The rest of the file's settings stay.
        assert_eq!(policy.production_environment, "prod");
        assert_eq!(policy.approvals.path_rules.len(), 2);
        // Nothing given changes nothing.
        let mut defaults = Policy::default();
        Overrides::default().apply(&mut defaults);
        assert_eq!(defaults, Policy::default());
    }

    #[test]
    fn override_values_are_checked_like_the_files() {
        for (text, message) in [
            ("zero", r#""zero" is not a positive whole number"#),
            ("0", r#""0" is not a positive whole number (at least 1)"#),
            ("-1", r#""-1" is not a positive whole number"#),
            ("+2", r#""+2" is not a positive whole number"#),
        ] {
            assert_eq!(count(text).unwrap_err(), message, "{text}");
        }
        assert_eq!(count(" 3 ").unwrap(), 3);
        assert_eq!(count("10").unwrap(), 10);
        assert_eq!(
            count("1000").unwrap_err(),
            "must be at most 10, got 1000 (GitHub's own maximum of required approvals)"
        );
        assert!(count("99999999999999999999999")
            .unwrap_err()
            .starts_with("must be at most 10"));
        assert_eq!(soak("90d").unwrap(), Duration::from_days(90));
        assert_eq!(soak("0s").unwrap(), Duration::from_secs(0));
        assert_eq!(
            soak(" 1000000w ").unwrap_err(),
            "a soak must be at most 90d, got 1000000w (a longer soak is a release that never ships)"
        );
        assert!(soak("1 day").unwrap_err().starts_with("invalid duration"));
        assert!(pattern("v[")
            .unwrap_err()
            .starts_with(r#""v[" is not a valid glob pattern"#));
        assert_eq!(pattern(" v* ").unwrap(), "v*");
        assert_eq!(name("  ").unwrap_err(), "the name must not be empty");
        assert_eq!(name(" main ").unwrap(), "main");
    }

    #[test]
    fn the_security_section_turns_the_gate_on_source_by_source() {
        // No section: the gate is off and has no row.
        assert!(!Policy::default().security.configured());
        assert!(!Policy::default().security.is_on());
        let policy = parse("security:\n  dependabot: high\n", None).unwrap();
        assert!(policy.security.is_on());
        assert_eq!(
            policy.security,
            SecurityPolicy {
                dependabot: Some(Severity::High),
                ..SecurityPolicy::default()
            }
        );
        let policy = parse(
            "security:\n  secret-scanning: true\n  code-scanning: false\n  dependabot: low\n",
            None,
        )
        .unwrap();
        assert!(policy.security.secret_scanning);
        assert_eq!(policy.security.code_scanning, None);
        assert_eq!(policy.security.dependabot, Some(Severity::Low));
        let policy = parse(
            "security: { code-scanning: critical, secret-scanning: false }\n",
            None,
        )
        .unwrap();
        assert_eq!(policy.security.code_scanning, Some(Severity::Critical));
        assert!(policy.security.is_on());
        // `enabled: false` keeps the settings (a skipped row) and turns the gate off.
        let policy = parse(
            "security:\n  enabled: false\n  secret-scanning: true\n",
            None,
        )
        .unwrap();
        assert!(policy.security.configured() && !policy.security.is_on());
        let policy = parse("security:\n  enabled: false\n", None).unwrap();
        assert!(!policy.security.configured());
    }

    #[test]
    fn security_errors_name_the_dotted_key_and_line() {
        let cases: &[(&str, &str, usize, &str)] = &[
            (
                "security:\n  dependabot: moderate\n",
                "security.dependabot",
                2,
                "write `medium`",
            ),
            (
                "security:\n  code-scanning: true\n",
                "security.code-scanning",
                2,
                "`true` is not a severity",
            ),
            (
                "security:\n  code-scanning: High\n",
                "security.code-scanning",
                2,
                "lower case: `high`",
            ),
            (
                "security:\n  code-scanning: severe\n",
                "security.code-scanning",
                2,
                "use low, medium, high or critical",
            ),
            (
                "security:\n  dependabot: 7\n",
                "security.dependabot",
                2,
                "expected a severity (low, medium, high or critical) or false",
            ),
            (
                "security:\n  secret-scanning: high\n",
                "security.secret-scanning",
                2,
                "expected a boolean",
            ),
            (
                "security:\n  secret_scanning: true\n",
                "security.secret_scanning",
                2,
                "unknown field",
            ),
            (
                "tag: {}\nsecurity:\n  dependabot: false\n",
                "security",
                3,
                "needs at least one source",
            ),
            (
                "tag: {}\nsecurity:\n",
                "security",
                2,
                "needs at least one source",
            ),
            (
                "security: [dependabot]\n",
                "security",
                1,
                "expected a mapping of security settings",
            ),
        ];
        for (text, key, line, needle) in cases {
            let (got_key, got_line, message) = fails(text);
            assert_eq!(got_key.as_deref(), Some(*key), "{text:?}: {message}");
            assert_eq!(got_line, Some(*line), "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
            assert!(
                message.starts_with(&format!("`{key}` (line {line}): ")),
                "{message}"
            );
        }
    }

    #[test]
    fn the_whole_file_shown_in_the_docs_is_valid() {
        let docs = include_str!("../../../docs/config.md");
        let start = docs.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
        let end = start + docs[start..].find("```").expect("its end");
        let policy = parse(&docs[start..end], None).unwrap();
        assert_eq!(
            policy.checks.required[1],
            RequiredCheck {
                name: "backend / test".into(),
                app: Some("github-actions".into())
            }
        );
        assert!(policy.approvals.exclude_contributors);
        assert!(policy.security.is_on());
    }

    #[test]
    fn the_errors_shown_in_the_docs_are_the_real_ones() {
        let docs = include_str!("../../../docs/config.md");
        let file = Some(Path::new(".github/shipgate.yml"));
        let shown = vec![
            parse("approvals:\n  enabled: true\n  requird: 3\n", file),
            parse("soak:\n  duration: 24\n", file),
            parse("approvals:\n  required: 0\n", file),
            parse("soak:\n  duration: 1000000w\n", file),
            parse("checks:\n  required:\n    - build\n    - 'e2e-[ab'\n", file),
            parse("approvals:\n  paths:\n    - paths: [db/**]\n", file),
            parse("security:\n  dependabot: moderate\n", file),
            parse("security:\n  dependabot: false\n", file),
        ];
        for result in shown {
            let message = result.unwrap_err().to_string();
            assert!(
                docs.contains(&format!("\n{message}\n")),
                "docs/config.md does not show: {message}"
            );
        }
    }
}
