//! The world every scenario runs in, and how a scenario runs.
//!
//! One fake GitHub, one Prism (`prism proxy --errors $SHIPGATE_OPENAPI` in front of the fake)
//! and one recording tap in front of Prism, started once per test binary on first use and shared
//! by every scenario (each scenario has its own repository, so they run in parallel). The built
//! binary talks REST to the tap (`GITHUB_API_URL`), so every REST request goes through Prism and
//! the tap sees what the binary saw; GraphQL goes straight to the fake (`GITHUB_GRAPHQL_URL`),
//! and every GraphQL answer of a scenario is checked against GitHub's schema with
//! `node $SHIPGATE_GRAPHQL_CHECK manifest`.
//!
//! Prism is started through a small Node watchdog that kills it when its stdin closes, i.e. when
//! the test process ends in any way (a static is never dropped; a killed test process still
//! closes its pipes).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use shipgate_fake::state::{
    Actor, CheckRun, Commit, Deployment, DeploymentStatus, Pull, Release, Review, Tag, TagObject,
};
use shipgate_fake::{FakeGithub, LoggedRequest, Repo, Tap, TapRecord};

use crate::support::{fixture, shipgate_bin};

/// The token the runs use (must never appear in any output).
pub const TOKEN: &str = "ghs_CONTRACTSECRET0123456789abcdef";
/// The moment of evaluation of every run (`SHIPGATE_NOW`).
pub const NOW: &str = "2026-11-27T12:00:00Z";
/// The owner of every scenario's repository.
pub const OWNER: &str = "acme";
/// The head of the release PR in the base state.
pub const HEAD: &str = "1111111111111111111111111111111111111111";
/// A newer head pushed in some scenarios.
pub const NEW_HEAD: &str = "2222222222222222222222222222222222222222";
/// The commit released to production before (tagged `v1.3.0`).
pub const PROD: &str = "3333333333333333333333333333333333333333";

/// The moment of evaluation as a time.
pub fn now() -> DateTime<Utc> {
    NOW.parse().expect("NOW")
}

/// `now - hours`.
pub fn hours_ago(hours: i64) -> DateTime<Utc> {
    now() - chrono::Duration::hours(hours)
}

/// Path of a test tool from its variable; `None` (skipped, loudly) only when not required.
fn test_tool(var: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from);
    match path {
        Some(path) if path.exists() => Some(path),
        _ if std::env::var("SHIPGATE_REQUIRE_TOOLS").as_deref() == Ok("1") => panic!(
            "{var} is unset or points to a missing file, and SHIPGATE_REQUIRE_TOOLS=1: \
             run the tests with `bash scripts/test.sh`"
        ),
        _ => {
            eprintln!("SKIPPED (tool missing): {var} is not set; run `bash scripts/test.sh`");
            None
        }
    }
}

/// The shared fake, Prism and tap.
pub struct World {
    /// The fake GitHub.
    pub fake: FakeGithub,
    /// The tap in front of Prism (the binary's `GITHUB_API_URL`).
    pub tap: Tap,
    /// The webhook examples (`@octokit/webhooks-examples`).
    pub examples: Vec<Value>,
    /// `node` + the GraphQL checker script.
    graphql_check: PathBuf,
    /// Prism's log file.
    prism_log: PathBuf,
    _prism: Mutex<Child>,
    _dir: tempfile::TempDir,
}

static WORLD: OnceLock<Option<World>> = OnceLock::new();

/// The world, started on first use; `None` when the tools are missing and not required.
pub fn world() -> Option<&'static World> {
    WORLD.get_or_init(start).as_ref()
}

fn start() -> Option<World> {
    let prism = test_tool("SHIPGATE_PRISM")?;
    let openapi = test_tool("SHIPGATE_OPENAPI")?;
    let graphql_check = test_tool("SHIPGATE_GRAPHQL_CHECK")?;
    test_tool("SHIPGATE_GRAPHQL_SCHEMA")?;
    let examples_path = test_tool("SHIPGATE_WEBHOOK_EXAMPLES")?;
    let examples: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&examples_path).expect("examples"))
            .expect("examples are JSON");
    let fake = FakeGithub::start();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let prism_log = dir.path().join("prism.log");
    let log = std::fs::File::create(&prism_log).expect("prism log");
    // The watchdog: runs prism as its child and kills it when our end of its stdin closes.
    let watchdog = r#"
const { spawn } = require("node:child_process");
const [prism, ...args] = process.argv.slice(1);
const child = spawn(prism, args, { stdio: ["ignore", "inherit", "inherit"] });
const stop = () => { try { child.kill("SIGTERM"); } catch {} process.exit(0); };
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
child.on("exit", (code) => process.exit(code ?? 1));
"#;
    let child = Command::new("node")
        .arg("-e")
        .arg(watchdog)
        .arg(&prism)
        .args([
            "proxy",
            "--errors",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .arg(&openapi)
        .arg(fake.url())
        .env("SCARF_ANALYTICS", "false")
        .stdin(Stdio::piped())
        .stdout(Stdio::from(log.try_clone().expect("log")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start prism through node");
    let mut child = child;
    let prism_url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if answers(port) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "prism exited ({status}) before answering:\n{}",
                std::fs::read_to_string(&prism_log).unwrap_or_default()
            );
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!(
                "prism did not answer within 60 s:\n{}",
                std::fs::read_to_string(&prism_log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let tap = Tap::start(&prism_url);
    // `Link` headers must send the next page the same way as the first: through tap and Prism.
    fake.set_public_base(&tap.url());
    Some(World {
        fake,
        tap,
        examples,
        graphql_check,
        prism_log,
        _prism: Mutex::new(child),
        _dir: dir,
    })
}

/// Whether something answers HTTP on the port.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buffer = [0u8; 12];
    matches!(stream.read(&mut buffer), Ok(n) if n >= 12 && buffer.starts_with(b"HTTP/1."))
}

// ---- the base state -----------------------------------------------------------------------

/// The ready release: PR #7 `staging/v1.4.0` → `main`, head [`HEAD`], soaked 26 h in staging,
/// approved by two writers on the head, annotated `v1.4.0` on the head, `build` green; `v1.3.0`
/// (on [`PROD`]) is in production. Loaded from `tests/fixtures/scenarios/ready.json`, renamed.
pub fn ready_repo(name: &str) -> Repo {
    let text = std::fs::read_to_string(fixture("scenarios/ready.json")).expect("ready.json");
    let mut repo: Repo = serde_json::from_str(&text).expect("ready.json is a fake repository");
    repo.owner = OWNER.into();
    repo.name = name.into();
    repo
}

/// A review.
pub fn review(login: &str, state: &str, commit: &str, hours: i64) -> Review {
    Review {
        author: Actor {
            login: login.into(),
            bot: false,
        },
        can_push: true,
        state: state.into(),
        submitted_at: Some(hours_ago(hours)),
        commit: commit.into(),
    }
}

/// A completed check run.
pub fn check(name: &str, status: &str, conclusion: Option<&str>) -> CheckRun {
    CheckRun {
        name: name.into(),
        status: status.into(),
        conclusion: conclusion.map(str::to_string),
        started_at: Some(hours_ago(2)),
        completed_at: conclusion.map(|_| hours_ago(1)),
        ..CheckRun::default()
    }
}

/// A deployment with one status.
pub fn deployment(sha: &str, environment: &str, state: &str, hours: i64) -> Deployment {
    Deployment {
        sha: sha.into(),
        environment: environment.into(),
        production_environment: environment == "production",
        created_at: hours_ago(hours),
        statuses: vec![DeploymentStatus {
            state: state.into(),
            created_at: hours_ago(hours),
            ..DeploymentStatus::default()
        }],
        ..Deployment::default()
    }
}

/// An annotated tag.
pub fn annotated_tag(name: &str, commit: &str, object: &str) -> Tag {
    Tag {
        name: name.into(),
        commit: commit.into(),
        annotated: Some(TagObject {
            sha: object.into(),
            date: hours_ago(20),
            message: format!("Release {name}"),
            ..TagObject::default()
        }),
    }
}

/// Another open release PR.
pub fn pull(number: u64, head: &str, branch: &str, title: &str) -> Pull {
    Pull {
        number,
        title: title.into(),
        author: Actor {
            login: "alice".into(),
            bot: false,
        },
        head_ref: branch.into(),
        head_sha: head.into(),
        base_ref: "main".into(),
        created_at: hours_ago(30 + number as i64),
        ..Pull::default()
    }
}

/// A commit dated `hours` ago.
pub fn commit(sha: &str, hours: i64) -> Commit {
    Commit {
        sha: sha.into(),
        committed_date: hours_ago(hours),
        ..Commit::default()
    }
}

/// A published release.
pub fn release(tag: &str, hours: i64) -> Release {
    Release {
        tag_name: tag.into(),
        created_at: hours_ago(hours),
        published_at: Some(hours_ago(hours)),
        ..Release::default()
    }
}

// ---- events -------------------------------------------------------------------------------

impl World {
    /// The first example of `event` with `action` (any when `None`).
    pub fn example(&self, event: &str, action: Option<&str>) -> Value {
        let entry = self
            .examples
            .iter()
            .find(|e| e["name"] == event)
            .unwrap_or_else(|| panic!("no {event} examples"));
        entry["examples"]
            .as_array()
            .expect("examples")
            .iter()
            .find(|x| action.is_none_or(|a| x["action"] == a))
            .cloned()
            .unwrap_or_else(|| panic!("no {event}.{action:?} example"))
    }
}

/// Points an example payload's repository at the scenario's.
fn retarget(event: &mut Value, repo: &Repo) {
    if let Some(r) = event.get_mut("repository") {
        r["name"] = json!(repo.name);
        r["full_name"] = json!(repo.full_name());
        r["owner"]["login"] = json!(repo.owner);
    }
}

/// A `pull_request` (or `pull_request_review` with `review_state`) payload about a PR of the
/// repository, from the real examples.
pub fn pr_event(world: &World, repo: &Repo, event: &str, action: &str, number: u64) -> Value {
    let mut payload = world.example(event, Some(action));
    retarget(&mut payload, repo);
    let pr = repo
        .pulls
        .iter()
        .find(|p| p.number == number)
        .expect("the PR of the event");
    let p = &mut payload["pull_request"];
    p["number"] = json!(pr.number);
    p["title"] = json!(pr.title);
    p["state"] = json!("open");
    p["user"]["login"] = json!(pr.author.login);
    p["head"]["sha"] = json!(pr.head_sha);
    p["head"]["ref"] = json!(pr.head_ref);
    p["base"]["ref"] = json!(pr.base_ref);
    payload["number"] = json!(pr.number);
    payload
}

/// Any other example payload, retargeted.
pub fn event_payload(world: &World, repo: &Repo, event: &str, action: Option<&str>) -> Value {
    let mut payload = world.example(event, action);
    retarget(&mut payload, repo);
    payload
}

// ---- running the binary -------------------------------------------------------------------

/// One run of `shipgate action` as a runner starts it.
pub struct Run {
    repo: String,
    dir: tempfile::TempDir,
    env: HashMap<String, String>,
}

/// What a run left behind, and what it did to GitHub.
pub struct Ran {
    /// Exit code.
    pub code: i32,
    /// Standard output (workflow commands).
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// `GITHUB_OUTPUT`, parsed.
    pub outputs: HashMap<String, String>,
    /// The raw `GITHUB_OUTPUT` file.
    pub output_file: String,
    /// `GITHUB_STEP_SUMMARY`.
    pub summary: String,
    /// The requests the fake received during this run.
    pub requests: Vec<LoggedRequest>,
    /// What the binary saw through Prism during this run.
    pub seen: Vec<TapRecord>,
    /// How long it took.
    pub elapsed: Duration,
}

impl Run {
    /// A run of `shipgate action` for `event_name` with `event` as the payload.
    pub fn new(world: &World, repo: &Repo, event_name: &str, event: &Value) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, event.to_string()).expect("event file");
        std::fs::write(dir.path().join("output"), "").expect("output file");
        std::fs::write(dir.path().join("summary"), "").expect("summary file");
        let path = |p: &Path| p.to_str().expect("utf-8 path").to_string();
        let mut env = HashMap::new();
        for (k, v) in [
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_REPOSITORY", repo.full_name()),
            ("GITHUB_EVENT_NAME", event_name.into()),
            ("GITHUB_EVENT_PATH", path(&event_path)),
            ("GITHUB_API_URL", world.tap.url()),
            ("GITHUB_GRAPHQL_URL", world.fake.graphql_url()),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_SHA", HEAD.into()),
            ("GITHUB_REF", "refs/heads/main".into()),
            ("GITHUB_ACTOR", "alice".into()),
            ("GITHUB_RUN_ID", "4242".into()),
            ("GITHUB_OUTPUT", path(&dir.path().join("output"))),
            ("GITHUB_STEP_SUMMARY", path(&dir.path().join("summary"))),
            ("RUNNER_TEMP", path(dir.path())),
            ("SHIPGATE_NOW", NOW.into()),
            ("INPUT_GITHUB-TOKEN", TOKEN.into()),
        ] {
            env.insert(k.to_string(), v);
        }
        Self {
            repo: repo.full_name(),
            dir,
            env,
        }
    }

    /// Sets an input as the runner names it (`INPUT_` + upper case, spaces → `_`, hyphens kept).
    pub fn input(mut self, name: &str, value: &str) -> Self {
        self.env.insert(
            format!("INPUT_{}", name.replace(' ', "_").to_uppercase()),
            value.into(),
        );
        self
    }

    /// Sets any other variable.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Runs the binary (exec'd directly, clean environment) and collects what it did.
    pub fn run(self, world: &World) -> Ran {
        let before_fake = world.fake.requests(&self.repo).len();
        let before_tap = world.tap.records(&self.repo).len();
        let start = Instant::now();
        let out = Command::new(shipgate_bin())
            .arg("action")
            .env_clear()
            .envs(&self.env)
            .output()
            .expect("run shipgate");
        let elapsed = start.elapsed();
        let output_file =
            std::fs::read_to_string(self.dir.path().join("output")).expect("output file");
        let ran = Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&output_file),
            output_file,
            summary: std::fs::read_to_string(self.dir.path().join("summary")).expect("summary"),
            requests: world.fake.requests(&self.repo).split_off(before_fake),
            seen: world.tap.records(&self.repo).split_off(before_tap),
            elapsed,
        };
        ran.assert_token_hidden();
        ran.assert_contract(world);
        ran
    }
}

/// Parses `GITHUB_OUTPUT` heredocs (`name<<DELIM\nvalue\nDELIM\n`).
pub fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line
            .split_once("<<")
            .unwrap_or_else(|| panic!("GITHUB_OUTPUT line is not a heredoc: {line:?}"));
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delimiter {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

impl Ran {
    /// A description for assertion messages.
    pub fn describe(&self) -> String {
        let requests: Vec<String> = self
            .requests
            .iter()
            .map(|r| {
                format!(
                    "  {} {} -> {}{}",
                    r.method,
                    r.path,
                    r.status,
                    if r.faulted { " (fault)" } else { "" }
                )
            })
            .collect();
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- outputs\n{:#?}\n--- requests\n{}",
            self.code,
            self.stdout,
            self.stderr,
            self.outputs,
            requests.join("\n")
        )
    }

    /// The `verdict` output.
    pub fn verdict(&self) -> &str {
        self.outputs.get("verdict").map_or("", String::as_str)
    }

    /// The `report` output, parsed.
    pub fn report(&self) -> Value {
        serde_json::from_str(self.outputs.get("report").expect("report output"))
            .expect("report is JSON")
    }

    /// The writes (REST, not GraphQL) the fake received.
    pub fn writes(&self) -> Vec<&LoggedRequest> {
        self.requests.iter().filter(|r| r.is_write()).collect()
    }

    /// Writes whose path contains `part`.
    pub fn writes_to(&self, method: &str, part: &str) -> Vec<&LoggedRequest> {
        self.requests
            .iter()
            .filter(|r| r.method == method && r.path.contains(part) && r.is_write())
            .collect()
    }

    /// The token never shows: stdout starts by masking it, nothing else carries it.
    pub fn assert_token_hidden(&self) {
        let masked = format!("::add-mask::{TOKEN}");
        let rest = self.stdout.replacen(&masked, "", 1);
        for (what, text) in [
            ("stdout", &rest),
            ("stderr", &self.stderr),
            ("summary", &self.summary),
            ("outputs", &self.output_file),
        ] {
            assert!(!text.contains(TOKEN), "the token leaked in {what}: {text}");
        }
    }

    /// Every REST exchange went through Prism without a contract violation, and no request
    /// reached the fake without passing Prism.
    pub fn assert_contract(&self, world: &World) {
        // A body the fake was told to cut cannot pass Prism (it answers 500 `FetchError`): that
        // is the injected fault reaching the client, not a contract violation.
        let cut: Vec<(&str, &str)> = self
            .requests
            .iter()
            .filter(|r| r.faulted)
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        let violations: Vec<String> = self
            .seen
            .iter()
            .filter(|r| {
                !(r.problem
                    .as_deref()
                    .is_some_and(|p| p.contains("\"FetchError\""))
                    && cut.iter().any(|(m, p)| {
                        *m == r.method && p.split('?').next() == r.path.split('?').next()
                    }))
            })
            .flat_map(|r| {
                r.violations()
                    .into_iter()
                    .map(move |v| format!("{} {}: {v}", r.method, r.path))
            })
            .collect();
        assert!(
            violations.is_empty(),
            "Prism found contract violations:\n{}\n\n{}\n--- prism log: {}",
            violations.join("\n"),
            self.describe(),
            world.prism_log.display()
        );
        let rest_at_fake = self
            .requests
            .iter()
            .filter(|r| !r.path.starts_with("/graphql"))
            .count();
        assert!(
            rest_at_fake <= self.seen.len(),
            "REST requests reached the fake around Prism ({} at the fake, {} through the tap)\n{}",
            rest_at_fake,
            self.seen.len(),
            self.describe()
        );
    }

    /// The body of the single write matching, as JSON.
    pub fn single_write(&self, method: &str, part: &str) -> Value {
        let writes = self.writes_to(method, part);
        assert_eq!(
            writes.len(),
            1,
            "expected one {method} …{part}…\n{}",
            self.describe()
        );
        writes[0].json()
    }
}

// ---- GraphQL answers against the schema ---------------------------------------------------

/// Checks every GraphQL answer the fake gave about `repo` against GitHub's schema (one `node`
/// process): the document actually sent (cut to the operation and its fragments), its
/// variables, and the answer.
pub fn check_graphql(world: &World, repo: &str) {
    let exchanges = world.fake.graphql_exchanges(Some(repo));
    assert!(!exchanges.is_empty(), "no GraphQL exchange about {repo}");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut manifest = Vec::new();
    for (i, exchange) in exchanges.iter().enumerate() {
        let document =
            shipgate_fake::graphql::single_operation(&exchange.document, &exchange.operation);
        let names = [
            format!("{i}-{}.graphql", exchange.operation),
            format!("{i}-answer.json"),
            format!("{i}-variables.json"),
        ];
        std::fs::write(dir.path().join(&names[0]), document).expect("document");
        std::fs::write(dir.path().join(&names[1]), exchange.answer.to_string()).expect("answer");
        std::fs::write(dir.path().join(&names[2]), exchange.variables.to_string())
            .expect("variables");
        manifest.push(json!({ "document": names[0], "answer": names[1], "variables": names[2] }));
    }
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, Value::Array(manifest).to_string()).expect("manifest");
    let out = Command::new("node")
        .arg(&world.graphql_check)
        .arg("manifest")
        .arg(&path)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "the fake's GraphQL answers about {repo} break GitHub's schema ({} exchanges):\n{}\n{}",
        exchanges.len(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every string a workflow command line could be hijacked with must not appear unescaped.
pub fn assert_no_injection(ran: &Ran) {
    for line in ran.stdout.lines() {
        let trimmed = line.trim_start();
        if let Some(command) = trimmed.strip_prefix("::") {
            let name = command.split([' ', ':']).next().unwrap_or_default();
            assert!(
                matches!(
                    name,
                    "add-mask" | "error" | "warning" | "notice" | "debug" | "group" | "endgroup"
                ),
                "unexpected workflow command {line:?}\n{}",
                ran.describe()
            );
            // A command is only recognised at the start of a line; text after it is data.
            assert!(!command.contains('\r'), "a carriage return inside {line:?}");
        }
        assert!(
            !trimmed.starts_with("::set-output") && !trimmed.starts_with("::error::injected"),
            "injected workflow command on its own line: {line:?}\n{}",
            ran.describe()
        );
    }
}
