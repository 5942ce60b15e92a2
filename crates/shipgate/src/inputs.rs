//! Every input of every command, declared once.
//!
//! [`INPUTS`] is the one table: an input's name (the Action input), its command-line flag, its
//! kind, its default, its help and the commands that take it. Everything else follows from it:
//! - the command line: [`command`] builds each subcommand's clap arguments from the table;
//! - the Action: [`Values::from_action`] reads `INPUT_*` for the inputs of the chosen command,
//!   with `@actions/core`'s semantics (blank = not given, multiline lists, booleans);
//! - both give the same [`Values`], from which each command builds its own arguments, so the
//!   CLI and the Action run exactly the same code after this point;
//! - `action.yml`'s inputs and the input tables of `docs/action.md` and `docs/cli.md` are
//!   checked against the table by a test (`tests/all/declared.rs`), which can rewrite them.
//!
//! Errors name the input the way the user wrote it: `--soak` on the command line, input `soak`
//! in the Action ([`Values::label`]).

use std::collections::BTreeMap;
use std::io::Write;

use crate::outcome::Failure;
use crate::toolkit::{InputOptions, Toolkit};

/// The commands that take inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cmd {
    /// `shipgate gate`.
    Gate,
    /// `shipgate facts`.
    Facts,
    /// `shipgate guard`.
    Guard,
    /// `shipgate verify`.
    Verify,
    /// `shipgate watch`.
    Watch,
    /// `shipgate record`.
    Record,
    /// `shipgate incident`.
    Incident,
    /// `shipgate report`.
    Report,
    /// `shipgate check-config`.
    CheckConfig,
}

impl Cmd {
    /// Every command, in the order the docs list them.
    pub const ALL: [Cmd; 9] = [
        Cmd::Gate,
        Cmd::Facts,
        Cmd::Guard,
        Cmd::Verify,
        Cmd::Watch,
        Cmd::Record,
        Cmd::Incident,
        Cmd::Report,
        Cmd::CheckConfig,
    ];

    /// The subcommand's name (and the Action's `command` value).
    pub fn name(self) -> &'static str {
        match self {
            Cmd::Gate => "gate",
            Cmd::Facts => "facts",
            Cmd::Guard => "guard",
            Cmd::Verify => "verify",
            Cmd::Watch => "watch",
            Cmd::Record => "record",
            Cmd::Incident => "incident",
            Cmd::Report => "report",
            Cmd::CheckConfig => "check-config",
        }
    }

    /// The command named `name`.
    pub fn parse(name: &str) -> Option<Cmd> {
        Cmd::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the Action runs this command (`command: NAME`).
    pub fn in_action(self) -> bool {
        !matches!(self, Cmd::Facts | Cmd::CheckConfig)
    }

    /// One line about the command, for `--help`.
    pub fn about(self) -> &'static str {
        match self {
            Cmd::Gate => "Evaluate the promotion gates of release candidates (offline from a facts file, or live from GitHub).",
            Cmd::Facts => "Read the facts of a pull request from GitHub and write them as a facts file.",
            Cmd::Guard => "Before a production deploy: the commit must come from a release pull request whose gates pass now.",
            Cmd::Verify => "Health-check a deploy: wait for URLs to answer 2xx.",
            Cmd::Watch => "Watch a production deploy against rollback triggers; roll back when one fires.",
            Cmd::Record => "Record a deployment (GitHub Deployment + audit log line).",
            Cmd::Incident => "After a rollback: open (or update) the incident issue of the rolled-back deployment.",
            Cmd::Report => "Report deployment KPIs and DORA metrics over a period.",
            Cmd::CheckConfig => "Validate a config file exactly as the Action reads it, and show the policy it gives.",
        }
    }
}

/// What kind of value an input takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One value.
    Text,
    /// `true` or `false` (`@actions/core`'s boolean spelling); on the command line the bare
    /// flag means `true`.
    Bool,
    /// Several values: one per line in the Action, the flag repeated on the command line.
    List,
}

/// Where an input exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// An Action input and a command-line flag.
    Both,
    /// Only a command-line flag.
    Cli,
    /// Only an Action input.
    Action,
}

/// An input's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// None: not given means absent.
    None,
    /// Applied when the input is not given, and declared in `action.yml`.
    Value(&'static str),
    /// Documented only: the value comes from elsewhere (the policy's defaults and config file,
    /// the runner's variables). Never declared in `action.yml`, so it cannot override the config.
    Documented(&'static str),
    /// An `action.yml` expression (the token); the command line has no such default.
    Expression(&'static str),
}

/// One input.
#[derive(Debug, Clone, Copy)]
pub struct Input {
    /// The Action input's name (kebab-case); also the key commands read it by.
    pub name: &'static str,
    /// The command-line flag without its dashes (singular for lists: `--health-url`).
    pub flag: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// The default.
    pub default: Default,
    /// Whether it must be given.
    pub required: bool,
    /// The placeholder shown in `--help` (`DURATION`, `URL`).
    pub value_name: &'static str,
    /// The accepted values, when they are a fixed set.
    pub choices: &'static [&'static str],
    /// One or two sentences of help.
    pub help: &'static str,
    /// The commands that take it.
    pub commands: &'static [Cmd],
    /// Where it exists.
    pub surface: Surface,
    /// The config-file key it overrides, for the policy's inputs (`soak.duration`).
    pub config_key: Option<&'static str>,
    /// Whether the command line takes it as a positional argument (`check-config [FILE]`)
    /// rather than a flag.
    pub positional: bool,
}

impl Input {
    /// Whether the Action reads this input.
    pub fn in_action(&self) -> bool {
        self.surface != Surface::Cli
    }

    /// Whether the command line has this flag.
    pub fn in_cli(&self) -> bool {
        self.surface != Surface::Action
    }

    /// The default applied when the input is not given.
    pub fn applied_default(&self) -> Option<&'static str> {
        match self.default {
            Default::Value(value) => Some(value),
            _ => None,
        }
    }

    /// The default as the docs show it.
    pub fn documented_default(&self) -> Option<&'static str> {
        match self.default {
            Default::None => None,
            Default::Value(v) | Default::Documented(v) | Default::Expression(v) => Some(v),
        }
    }
}

const fn input(
    name: &'static str,
    kind: Kind,
    value_name: &'static str,
    help: &'static str,
    commands: &'static [Cmd],
) -> Input {
    Input {
        name,
        flag: name,
        kind,
        default: Default::None,
        required: false,
        value_name,
        choices: &[],
        help,
        commands,
        surface: Surface::Both,
        config_key: None,
        positional: false,
    }
}

impl Input {
    const fn flag(mut self, flag: &'static str) -> Self {
        self.flag = flag;
        self
    }
    const fn default(mut self, default: Default) -> Self {
        self.default = default;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn choices(mut self, choices: &'static [&'static str]) -> Self {
        self.choices = choices;
        self
    }
    const fn only(mut self, surface: Surface) -> Self {
        self.surface = surface;
        self
    }
    const fn overrides(mut self, key: &'static str) -> Self {
        self.config_key = Some(key);
        self
    }
    const fn positional(mut self) -> Self {
        self.positional = true;
        self
    }
}

use Cmd::{CheckConfig, Facts, Gate, Guard, Incident, Record, Report, Verify, Watch};
use Kind::{Bool, List, Text};

const ACTION_COMMANDS: &[Cmd] = &[Gate, Guard, Verify, Watch, Record, Incident, Report];
const POLICY: &[Cmd] = &[Gate, Facts, Guard];
const FORMATS: &[&str] = &["text", "markdown", "json"];

/// Every input of every command.
pub const INPUTS: &[Input] = &[
    // ---- every command of the Action
    input(
        "command",
        Text,
        "COMMAND",
        "What to run: `gate` (evaluate the promotion gates of release PRs), `guard` (before a production deploy: the commit must come from a release PR whose gates pass), `verify` (health-check a deploy), `watch` (watch a deploy against rollback triggers), `record` (record a deployment), `incident` (after a rollback: the incident issue), `report` (deployment KPIs).",
        ACTION_COMMANDS,
    )
    .default(Default::Value("gate"))
    .choices(&["gate", "guard", "verify", "watch", "record", "incident", "report"])
    .only(Surface::Action),
    input(
        "github-token",
        Text,
        "TOKEN",
        "Token for the GitHub API; masked in logs. The command line takes it from GITHUB_TOKEN or GH_TOKEN.",
        &[Gate, Guard, Watch, Record, Incident, Report],
    )
    .default(Default::Expression("${{ github.token }}"))
    .only(Surface::Action),
    // ---- gate: where the facts come from
    input(
        "facts",
        Text,
        "FILE",
        "Evaluate offline from this facts file (docs/facts-format.md; `-` reads standard input); no token, no network.",
        &[Gate],
    )
    .only(Surface::Cli),
    input(
        "repo",
        Text,
        "OWNER/NAME",
        "The GitHub repository (live: needs a token in GITHUB_TOKEN or GH_TOKEN).",
        &[Gate, Facts, Guard],
    )
    .only(Surface::Cli),
    input(
        "pull-request",
        Text,
        "N",
        "The pull request to evaluate. Default: the PR of the event, or every open PR into the production branch for events that carry none (schedule, workflow_dispatch, workflow_run without PRs); on the command line, every open PR into the production branch.",
        &[Gate, Facts],
    )
    .flag("pr"),
    input(
        "config",
        Text,
        "PATH",
        "The config file, read from the production branch (never from a PR head). Left at its default, a missing file means the defaults; named explicitly, a missing file is an error.",
        &[Gate, Guard],
    )
    .default(Default::Value(crate::pipeline::DEFAULT_CONFIG))
    .only(Surface::Action),
    input(
        "config",
        Text,
        "FILE",
        "A YAML config file (docs/config.md; `-` reads standard input). Default: the built-in defaults.",
        POLICY,
    )
    .only(Surface::Cli),
    // ---- gate: the policy (overrides of the config file)
    input(
        "production-branch",
        Text,
        "BRANCH",
        "The branch that deploys to production; PRs into it are release candidates.",
        POLICY,
    )
    .default(Default::Documented("`main`"))
    .overrides("production-branch"),
    input(
        "production-environment",
        Text,
        "NAME",
        "The GitHub environment that is production (where released versions are read).",
        POLICY,
    )
    .default(Default::Documented("`production`"))
    .overrides("production-environment"),
    input(
        "staging-environment",
        Text,
        "NAME",
        "The GitHub environment in which a release soaks.",
        POLICY,
    )
    .default(Default::Documented("`staging`"))
    .overrides("soak.environment"),
    input(
        "soak",
        Text,
        "DURATION",
        "How long the commit must run in staging without a break, e.g. `24h`, `90m`, `1d12h`; at most `90d`.",
        POLICY,
    )
    .default(Default::Documented("`24h`"))
    .overrides("soak.duration"),
    input(
        "required-approvals",
        Text,
        "N",
        "Approvals needed on the gated commit from eligible reviewers (1 to 10).",
        POLICY,
    )
    .default(Default::Documented("`2`"))
    .overrides("approvals.required"),
    input(
        "tag-pattern",
        Text,
        "GLOB",
        "Glob of release tag names.",
        POLICY,
    )
    .default(Default::Documented("`v*`"))
    .overrides("tag.pattern"),
    input(
        "required-checks",
        List,
        "NAME",
        "Check names or globs that must pass (replaces the config's list). Default: every check reported on the commit except shipgate's own.",
        POLICY,
    )
    .flag("required-check")
    .overrides("checks.required"),
    input(
        "checklist",
        List,
        "TEXT",
        "Task items that must be ticked (`- [x] item`) in the PR body (replaces the config's list).",
        POLICY,
    )
    .flag("checklist-item")
    .overrides("checklist.items"),
    input(
        "check-name",
        Text,
        "NAME",
        "The name of the check run (or commit status) shipgate publishes, left out of the checks gate.",
        POLICY,
    )
    .default(Default::Documented("`shipgate`"))
    .overrides("check-name"),
    // ---- gate: the Action's publishing
    input(
        "comment",
        Bool,
        "BOOL",
        "Keep one sticky comment with the verdict on each evaluated PR.",
        &[Gate],
    )
    .default(Default::Value("true"))
    .only(Surface::Action),
    input(
        "fail-on",
        Text,
        "VERDICTS",
        "Verdicts that make the step fail, separated by commas (`pass`, `pending`, `fail`, `error`), or `none`. A pending or failing gate is shown by the check run, not by a red workflow run.",
        &[Gate],
    )
    .default(Default::Value("error"))
    .only(Surface::Action),
    input(
        "fail-on",
        Text,
        "VERDICTS",
        "Verdicts that make the step fail (the guard's verdict is `pass`, `fail` or `error`): the deploy must not start on anything but a pass.",
        &[Guard],
    )
    .default(Default::Value("pending,fail,error"))
    .only(Surface::Action),
    input(
        "sha",
        Text,
        "SHA",
        "The commit about to be deployed to production.",
        &[Guard],
    )
    .default(Default::Documented("the commit of the workflow run (`GITHUB_SHA`)")),
    // ---- gate and facts on the command line
    input(
        "now",
        Text,
        "RFC3339",
        "The moment of evaluation, e.g. `2026-11-26T14:06:30Z`. Default: the facts' `captured_at` offline, the current time live.",
        &[Gate],
    )
    .only(Surface::Cli),
    input(
        "out",
        Text,
        "FILE",
        "Write the facts to this file (whole or not at all). Default: standard output.",
        &[Facts],
    )
    .only(Surface::Cli),
    // ---- verify and watch
    input(
        "health-urls",
        List,
        "URL",
        "URLs that must answer 2xx (`watch` probes them as its built-in `health` metric), one per line; after a URL and a space, what its body must contain (`https://api.example.com/health json:status=ok`).",
        &[Verify, Watch],
    )
    .flag("health-url"),
    input(
        "timeout",
        Text,
        "DURATION",
        "Timeout of each request (health probes; `watch`: Prometheus and the rollback webhook too).",
        &[Verify, Watch],
    )
    .default(Default::Value("10s")),
    input(
        "wait",
        Text,
        "DURATION",
        "How long to wait for the deploy to come up before it is declared unhealthy.",
        &[Verify],
    )
    .default(Default::Value("5m")),
    input(
        "expect",
        Text,
        "TEXT",
        "Text a health URL's body must contain, or `json:PATH=VALUE` (a dotted path into a JSON body), for the `health-urls` lines without their own.",
        &[Verify, Watch],
    ),
    input(
        "allow-http",
        Bool,
        "BOOL",
        "Allow plain-http URLs on hosts other than this machine (loopback is always allowed).",
        &[Verify, Watch],
    )
    .default(Default::Value("false")),
    // ---- verify: the security checklist and the environment's configuration
    input(
        "security-checks",
        Bool,
        "BOOL",
        "Also check every health URL against the security checklist: plain HTTP redirects to HTTPS, HSTS of at least 180 days, no CORS for a foreign origin, rate-limit headers (docs/verify.md). A finding fails the verification.",
        &[Verify],
    )
    .default(Default::Value("false")),
    input(
        "expect-env",
        List,
        "NAME=VALUE",
        "Variables this step's environment must have exactly, as `NAME=VALUE`. A mismatch shows the expected value, never the actual one.",
        &[Verify],
    ),
    input(
        "require-env",
        List,
        "NAME",
        "Variables that must be set and not blank, by name (commas also separate names). Their values are never printed.",
        &[Verify],
    ),
    // ---- watch
    input(
        "prometheus-url",
        Text,
        "URL",
        "Base URL of the Prometheus HTTP API that holds the metrics.",
        &[Watch],
    ),
    input(
        "metrics",
        List,
        "NAME = QUERY",
        "Metrics as `name = PromQL query`; each query must return exactly one series.",
        &[Watch],
    )
    .flag("metric"),
    input(
        "rules",
        List,
        "RULE",
        "Rollback triggers and alerts (`alert: error_rate > 3%`, `rollback: error_rate > 5% for 5m`; no prefix means rollback; docs/rules.md).",
        &[Watch],
    )
    .flag("rule")
    .default(Default::Documented("the flow's triggers and alerts")),
    input(
        "window",
        Text,
        "DURATION",
        "How long to watch the deploy live.",
        &[Watch],
    )
    .default(Default::Value("30m")),
    input(
        "interval",
        Text,
        "DURATION",
        "Time between samples.",
        &[Watch],
    )
    .default(Default::Value("1m")),
    input(
        "since",
        Text,
        "RFC3339",
        "Start of a past window to replay from stored history instead of watching live (a dry run: no rollback, no status written); needs `until`.",
        &[Watch],
    ),
    input(
        "until",
        Text,
        "RFC3339",
        "End of the replayed window.",
        &[Watch],
    ),
    input(
        "rollback-webhook",
        Text,
        "URL",
        "URL POSTed (JSON) when a rollback trigger fires. Pass it from a secret.",
        &[Watch],
    ),
    input(
        "rollback-workflow",
        Text,
        "FILE",
        "Workflow file (e.g. `rollback.yml`) dispatched when a rollback trigger fires, with the inputs `sha`, `version`, `trigger` and `reason` (the workflow must declare them).",
        &[Watch],
    ),
    input(
        "rollback-ref",
        Text,
        "REF",
        "The ref the rollback workflow runs on.",
        &[Watch],
    )
    .default(Default::Documented("this run's ref (`GITHUB_REF_NAME`), else `main`")),
    input(
        "rollback-timeout",
        Text,
        "DURATION",
        "How long after a rollback decision to wait for `health-urls` to be healthy again (measures the rollback time).",
        &[Watch],
    )
    .default(Default::Value("10m")),
    input(
        "deployment-id",
        Text,
        "ID",
        "The GitHub deployment to mark `failure` on a rollback.",
        &[Watch],
    )
    .default(Default::Documented("the newest deployment of `sha`")),
    input(
        "environment",
        Text,
        "NAME",
        "The environment watched (its deployment is marked `failure` on a rollback) or reported on.",
        &[Watch, Report],
    )
    .default(Default::Value("production")),
    // ---- record (and watch)
    input(
        "environment",
        Text,
        "NAME",
        "The environment deployed to (`staging`, `production`, …).",
        &[Record],
    )
    .required(),
    input(
        "sha",
        Text,
        "SHA",
        "The deployed commit.",
        &[Watch, Record],
    )
    .default(Default::Documented("the commit of the workflow run (`GITHUB_SHA`)")),
    input(
        "ref",
        Text,
        "REF",
        "The ref recorded as deployed (a branch or tag).",
        &[Record],
    )
    .default(Default::Documented("the SHA")),
    input(
        "version",
        Text,
        "VERSION",
        "The deployed version (release tag), e.g. `v1.4.0`.",
        &[Watch, Record],
    )
    .flag("release-version"),
    input(
        "state",
        Text,
        "STATE",
        "The deployment state.",
        &[Record],
    )
    .default(Default::Value("in_progress"))
    .choices(&[
        "in_progress",
        "queued",
        "pending",
        "success",
        "failure",
        "error",
        "inactive",
    ]),
    input(
        "started-at",
        Text,
        "RFC3339",
        "When the deploy started (give it and `finished-at` for the deploy-time KPI).",
        &[Record],
    ),
    input(
        "finished-at",
        Text,
        "RFC3339",
        "When the deploy finished.",
        &[Record],
    ),
    input(
        "rollback",
        Bool,
        "BOOL",
        "Whether this deployment is a rollback.",
        &[Record],
    )
    .default(Default::Value("false")),
    input(
        "audit-file",
        Text,
        "FILE",
        "A JSON Lines audit log to append the record to.",
        &[Record],
    ),
    input(
        "audit-only",
        Bool,
        "BOOL",
        "Write only the audit file, not GitHub (no token needed; needs `--audit-file`).",
        &[Record],
    )
    .default(Default::Value("false"))
    .only(Surface::Cli),
    input(
        "run-id",
        Text,
        "ID",
        "The workflow run id, the key that makes a re-run update the same deployment.",
        &[Record],
    )
    .default(Default::Documented("`GITHUB_RUN_ID`"))
    .only(Surface::Cli),
    // ---- record and watch: team notifications
    input(
        "notify-webhook",
        Text,
        "URL",
        "A Slack-compatible webhook (`{\"text\": …}`) told when a deploy starts and ends (`record`), and when a rollback is decided and finished (`watch`). A secret: pass it from `secrets`; masked, never printed. A failed notification is a warning.",
        &[Watch, Record],
    ),
    // ---- incident
    input(
        "environment",
        Text,
        "NAME",
        "The environment of the rolled-back deployment.",
        &[Incident],
    )
    .default(Default::Value("production")),
    input(
        "sha",
        Text,
        "SHA",
        "The rolled-back commit (the release that was rolled back, not the one restored), 40 hex digits. Needed unless `deployment-id` is given.",
        &[Incident],
    ),
    input(
        "deployment-id",
        Text,
        "ID",
        "The rolled-back GitHub deployment, the incident's key.",
        &[Incident],
    )
    .default(Default::Documented("the newest deployment of `sha` to `environment` that is not a rollback")),
    input(
        "version",
        Text,
        "VERSION",
        "The rolled-back version, e.g. `v1.4.0` (the issue's title).",
        &[Incident],
    )
    .flag("release-version")
    .default(Default::Documented("the version recorded on the deployment, else the short commit")),
    input(
        "trigger",
        Text,
        "RULE",
        "The rollback trigger that fired, as written (`watch`'s `trigger` output). Empty: a manual rollback.",
        &[Incident],
    ),
    input(
        "reason",
        Text,
        "TEXT",
        "Why production was rolled back (`watch`'s `reason` output).",
        &[Incident],
    )
    .default(Default::Documented("the reason `watch` recorded on the deployment, if any")),
    input(
        "severity",
        Text,
        "LEVEL",
        "The incident's severity.",
        &[Incident],
    )
    .choices(&["critical", "high", "medium", "low"])
    .default(Default::Documented("`critical` when production was down (a `health` or `uptime` trigger, `verify`) or the rollback has not succeeded, else `high`")),
    input(
        "rollback-seconds",
        Text,
        "SECONDS",
        "Seconds from the rollback decision until the health checks passed again (`watch`'s `rollback-seconds` output).",
        &[Incident],
    ),
    input(
        "label",
        Text,
        "NAME",
        "The label of shipgate's incident issues (created on first use); with the marker in the body, how a re-run finds the issue.",
        &[Incident],
    )
    .default(Default::Value(shipgate_core::incident::DEFAULT_LABEL)),
    // ---- report
    input(
        "since",
        Text,
        "DURATION|RFC3339",
        "Start of the period: a duration back from its end (`90d`, `12w`) or an RFC 3339 time.",
        &[Report],
    )
    .default(Default::Value("90d")),
    input(
        "history",
        Text,
        "FILE",
        "Read the deployment history from this file (`-`: standard input) instead of GitHub (offline; no token needed).",
        &[Report],
    ),
    input(
        "now",
        Text,
        "RFC3339",
        "The period's end, and the moment the history is seen as of: deployments and statuses after it are ignored. Not later than the history file's `captured_at` (live: the current time), which is the default.",
        &[Report],
    )
    .only(Surface::Cli),
    input(
        "lead-time-basis",
        Text,
        "BASIS",
        "Where lead time for changes starts: `first-commit` (the deployed PR's first commit) or `last-commit` (its head commit).",
        &[Report],
    )
    .default(Default::Value("first-commit"))
    .choices(&["first-commit", "last-commit"]),
    input(
        "save-history",
        Text,
        "FILE",
        "Write the history that was read to this file (to replay the report offline).",
        &[Report],
    )
    .only(Surface::Cli),
    // ---- check-config
    input(
        "file",
        Text,
        "FILE",
        "The config file to check; `-` reads standard input.",
        &[CheckConfig],
    )
    .default(Default::Value(crate::pipeline::DEFAULT_CONFIG))
    .positional()
    .only(Surface::Cli),
    // ---- the command line's own
    input(
        "repo",
        Text,
        "OWNER/NAME",
        "The repository. Default: GITHUB_REPOSITORY.",
        &[Watch, Record, Incident, Report],
    )
    .only(Surface::Cli),
    input(
        "format",
        Text,
        "FORMAT",
        "The output format: `text` for a terminal, `markdown` as in the job summary, `json` for scripts (the `report` output).",
        &[Gate, Guard, Verify, Watch, Record, Incident, Report],
    )
    .default(Default::Value("text"))
    .choices(FORMATS)
    .only(Surface::Cli),
];

/// The inputs of one command on one surface.
pub fn of(cmd: Cmd, surface: Surface) -> impl Iterator<Item = &'static Input> {
    INPUTS.iter().filter(move |i| {
        i.commands.contains(&cmd)
            && match surface {
                Surface::Both => true,
                Surface::Cli => i.in_cli(),
                Surface::Action => i.in_action(),
            }
    })
}

/// The exit codes, for `--help` (also in docs/cli.md).
pub const EXIT_CODES: &str = "Exit codes:
  0  pass / healthy / no rollback / incident issue opened or updated
  1  error: the job could not be done (GitHub, a metric source, an unreadable gate)
  2  bad input: arguments, config, facts, event, duration (nothing on standard output)
  3  gate: some gate is pending (will pass without a code change)
  4  gate: some gate fails; verify: unhealthy
  5  watch: a rollback trigger fired and the rollback was started
  130, 143  watch, verify: interrupted by SIGINT, SIGTERM (after printing what was seen)";

/// The clap command of one subcommand, built from the table.
pub fn command(cmd: Cmd) -> clap::Command {
    let mut command = clap::Command::new(cmd.name())
        .about(cmd.about())
        .after_help(EXIT_CODES);
    for input in of(cmd, Surface::Cli) {
        command = command.arg(argument(input));
    }
    command
}

fn argument(input: &Input) -> clap::Arg {
    let mut help = input.help.to_string();
    if let Default::Documented(text) = input.default {
        help.push_str(&format!(" [default: {text}]"));
    }
    let mut arg = clap::Arg::new(input.name)
        .value_name(input.value_name)
        .help(help)
        .required(input.required);
    arg = if input.positional {
        arg.index(1)
    } else {
        arg.long(input.flag)
    };
    arg = match input.kind {
        // `--soak -5h` reaches shipgate's own check instead of clap's "unexpected argument".
        Kind::Text => arg.num_args(1).allow_hyphen_values(true),
        Kind::List => arg
            .num_args(1)
            .allow_hyphen_values(true)
            .action(clap::ArgAction::Append),
        Kind::Bool => arg.num_args(0..=1).default_missing_value("true"),
    };
    if let Some(default) = input.applied_default() {
        arg = arg.default_value(default);
    }
    if !input.choices.is_empty() {
        arg = arg.value_parser(clap::builder::PossibleValuesParser::new(input.choices));
    }
    arg
}

/// Where the values came from, for messages in the user's own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Command-line flags.
    Cli,
    /// Action inputs.
    Action,
}

/// The values given to one command (defaults applied), from the command line or the Action.
#[derive(Debug, Clone)]
pub struct Values {
    cmd: Cmd,
    origin: Origin,
    values: BTreeMap<&'static str, Vec<String>>,
}

impl Values {
    /// Values for tests and adapters: `pairs` as if given, then the defaults.
    pub fn new(cmd: Cmd, origin: Origin, pairs: &[(&str, &str)]) -> Self {
        let mut values = Self {
            cmd,
            origin,
            values: BTreeMap::new(),
        };
        for (name, value) in pairs {
            let input = values.declared(name);
            values
                .values
                .entry(input.name)
                .or_default()
                .push((*value).to_string());
        }
        values.apply_defaults();
        values
    }

    /// The values clap parsed for `cmd`.
    pub fn from_cli(cmd: Cmd, matches: &clap::ArgMatches) -> Self {
        let mut values = BTreeMap::new();
        for input in of(cmd, Surface::Cli) {
            if let Some(given) = matches.get_many::<String>(input.name) {
                values.insert(input.name, given.cloned().collect());
            }
        }
        Self {
            cmd,
            origin: Origin::Cli,
            values,
        }
    }

    /// The Action's inputs of `cmd`, read as `@actions/core` does: blank is not given, lists
    /// one value per non-blank line.
    pub fn from_action<W: Write>(cmd: Cmd, kit: &Toolkit<W>) -> Result<Self, Failure> {
        let mut values = Self {
            cmd,
            origin: Origin::Action,
            values: BTreeMap::new(),
        };
        for input in of(cmd, Surface::Action) {
            let options = if input.required {
                InputOptions {
                    required: true,
                    ..InputOptions::default()
                }
            } else {
                InputOptions::default()
            };
            let given = match input.kind {
                Kind::List => kit.multiline_input(input.name, options),
                Kind::Text | Kind::Bool => kit.input(input.name, options).map(|v| {
                    if v.is_empty() {
                        Vec::new()
                    } else {
                        vec![v]
                    }
                }),
            }
            .map_err(|e| Failure::usage(e.to_string()))?;
            if !given.is_empty() {
                values.values.insert(input.name, given);
            }
        }
        values.apply_defaults();
        // The fixed sets are checked here as clap checks them on the command line.
        for input in of(cmd, Surface::Action) {
            if input.choices.is_empty() {
                continue;
            }
            for value in values.list(input.name) {
                if !input.choices.contains(&value.as_str()) {
                    return Err(values.invalid(
                        input.name,
                        &format!("{value:?} is not one of {}", quoted(input.choices)),
                    ));
                }
            }
        }
        Ok(values)
    }

    fn apply_defaults(&mut self) {
        for input in of(self.cmd, self.surface()) {
            if let Some(default) = input.applied_default() {
                self.values
                    .entry(input.name)
                    .or_insert_with(|| vec![default.to_string()]);
            }
        }
    }

    fn surface(&self) -> Surface {
        match self.origin {
            Origin::Cli => Surface::Cli,
            Origin::Action => Surface::Action,
        }
    }

    /// The declaration of an input of this command (a misspelt name is a bug in shipgate).
    fn declared(&self, name: &str) -> &'static Input {
        of(self.cmd, self.surface())
            .find(|i| i.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "`{name}` is not an input of `{}` on this surface",
                    self.cmd.name()
                )
            })
    }

    /// The command.
    pub fn cmd(&self) -> Cmd {
        self.cmd
    }

    /// Where the values came from.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The value of a single-valued input, trimmed; `None` when not given and without default.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.declared(name);
        self.values
            .get(name)
            .and_then(|v| v.last())
            .map(|v| v.trim())
    }

    /// The value of an input, or an error naming it when it is missing.
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.text(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Failure::usage(format!("{} is required", self.label(name))))
    }

    /// The values of a list input (trimmed, blanks dropped).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.declared(name);
        self.values
            .get(name)
            .map(|values| {
                values
                    .iter()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether a list input was given at all (blank entries included, which are errors on the
    /// command line).
    pub fn raw_list(&self, name: &str) -> &[String] {
        self.declared(name);
        self.values.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// A boolean input (`true|True|TRUE|false|False|FALSE`).
    pub fn flag(&self, name: &str) -> Result<bool, Failure> {
        match self.text(name) {
            None => Ok(false),
            Some(text) => parse_bool(text).map_err(|message| self.invalid(name, &message)),
        }
    }

    /// A single value parsed by `parse`; the error names the input.
    pub fn parse<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, Failure> {
        self.text(name)
            .map(|text| parse(text).map_err(|message| self.invalid(name, &message)))
            .transpose()
    }

    /// How the user wrote the input: `--soak` on the command line, input `soak` in the Action.
    pub fn label(&self, name: &str) -> String {
        let input = self.declared(name);
        match self.origin {
            Origin::Cli if input.positional => input.value_name.to_string(),
            Origin::Cli => format!("--{}", input.flag),
            Origin::Action => format!("input `{}`", input.name),
        }
    }

    /// How the user turns the boolean input `name` on, in their terms: `--allow-http` on the
    /// command line, `` `allow-http: true` `` in the Action.
    pub fn turn_on(&self, name: &str) -> String {
        let input = self.declared(name);
        match self.origin {
            Origin::Cli => format!("--{}", input.flag),
            Origin::Action => format!("`{}: true`", input.name),
        }
    }

    /// A usage error about one input's value.
    pub fn invalid(&self, name: &str, message: &str) -> Failure {
        Failure::usage(format!("invalid value for {}: {message}", self.label(name)))
    }
}

/// Parses a boolean as `@actions/core`'s `getBooleanInput` does (YAML 1.2 core schema).
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        other => Err(format!("{other:?} is not a boolean; use `true` or `false`")),
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolkit::Env;

    fn kit(env: Env) -> Toolkit<Vec<u8>> {
        Toolkit::new(env, Vec::new())
    }

    #[test]
    fn every_input_of_a_command_is_declared_once_per_surface() {
        for cmd in Cmd::ALL {
            for surface in [Surface::Cli, Surface::Action] {
                let mut names: Vec<&str> = of(cmd, surface).map(|i| i.name).collect();
                let mut flags: Vec<&str> = of(cmd, surface).map(|i| i.flag).collect();
                names.sort_unstable();
                flags.sort_unstable();
                let (n, f) = (names.len(), flags.len());
                names.dedup();
                flags.dedup();
                assert_eq!(names.len(), n, "{cmd:?} {surface:?}: {names:?}");
                assert_eq!(flags.len(), f, "{cmd:?} {surface:?}: {flags:?}");
            }
        }
    }

    #[test]
    fn the_clap_commands_build_and_parse_every_kind() {
        for cmd in Cmd::ALL {
            command(cmd).debug_assert();
        }
        let matches = command(Cmd::Verify)
            .try_get_matches_from([
                "verify",
                "--health-url",
                "https://a.example",
                "--health-url=https://b.example",
                "--allow-http",
                "--timeout",
                "-5s",
            ])
            .unwrap();
        let values = Values::from_cli(Cmd::Verify, &matches);
        assert_eq!(
            values.list("health-urls"),
            ["https://a.example", "https://b.example"]
        );
        assert!(values.flag("allow-http").unwrap());
        assert_eq!(values.text("timeout"), Some("-5s"));
        assert_eq!(values.text("wait"), Some("5m"));
        assert_eq!(values.label("health-urls"), "--health-url");
    }

    #[test]
    fn action_inputs_follow_actions_core() {
        let k = kit(Env::new()
            .with(
                "INPUT_HEALTH-URLS",
                "https://a.example\n\n https://b.example \n",
            )
            .with("INPUT_ALLOW-HTTP", "True")
            .with("INPUT_TIMEOUT", "  "));
        let values = Values::from_action(Cmd::Verify, &k).unwrap();
        assert_eq!(
            values.list("health-urls"),
            ["https://a.example", "https://b.example"]
        );
        assert!(values.flag("allow-http").unwrap());
        assert_eq!(values.text("timeout"), Some("10s"), "blank is not given");
        assert_eq!(values.label("timeout"), "input `timeout`");
        let bad = kit(Env::new().with("INPUT_ALLOW-HTTP", "yes"));
        let err = Values::from_action(Cmd::Verify, &bad)
            .unwrap()
            .flag("allow-http")
            .unwrap_err();
        assert_eq!(
            err.message,
            "invalid value for input `allow-http`: \"yes\" is not a boolean; use `true` or `false`"
        );
    }

    #[test]
    fn a_required_input_missing_in_the_action_uses_actions_core_wording() {
        let err = Values::from_action(Cmd::Record, &kit(Env::new())).unwrap_err();
        assert_eq!(err.message, "Input required and not supplied: environment");
    }

    #[test]
    fn fixed_sets_are_checked_on_both_surfaces() {
        let k = kit(Env::new()
            .with("INPUT_ENVIRONMENT", "production")
            .with("INPUT_STATE", "done"));
        let err = Values::from_action(Cmd::Record, &k).unwrap_err();
        assert!(
            err.message.starts_with("invalid value for input `state`"),
            "{}",
            err.message
        );
        let err = command(Cmd::Record)
            .try_get_matches_from(["record", "--environment", "production", "--state", "done"])
            .unwrap_err();
        assert!(err.to_string().contains("--state"), "{err}");
    }
}
