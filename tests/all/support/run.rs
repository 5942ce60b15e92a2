//! Running the built binary: as a runner runs the Action ([`Run`]), or as a shell runs a command
//! ([`Cli`]), with a clean environment, and what it left behind ([`Ran`], [`Out`]) — outputs,
//! summary, and the requests the fake GitHub received meanwhile.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use shipgate_fake::{FakeGithub, LoggedRequest, Tap, TapRecord};

use super::fake::{HEAD, TOKEN};
use super::shipgate_bin;

/// Where the binary finds GitHub: a fake, straight or through the tap in front of Prism.
#[derive(Clone, Copy)]
pub struct Github<'a> {
    /// The fake that answers.
    pub fake: &'a FakeGithub,
    /// The tap in front of Prism (REST goes through it), for the contract scenarios.
    pub tap: Option<&'a Tap>,
}

impl<'a> Github<'a> {
    /// The fake, reached directly.
    pub fn direct(fake: &'a FakeGithub) -> Self {
        Self { fake, tap: None }
    }

    /// `GITHUB_API_URL`: the tap (then Prism) when there is one, else the fake.
    pub fn api_url(&self) -> String {
        self.tap.map_or_else(|| self.fake.url(), Tap::url)
    }

    /// `GITHUB_GRAPHQL_URL`: always the fake (Prism knows no GraphQL).
    pub fn graphql_url(&self) -> String {
        self.fake.graphql_url()
    }

    /// The variables that point the binary at this GitHub for `repo`, with the token.
    pub fn env(&self, repo: &str) -> Vec<(String, String)> {
        vec![
            ("GITHUB_API_URL".into(), self.api_url()),
            ("GITHUB_GRAPHQL_URL".into(), self.graphql_url()),
            ("GITHUB_SERVER_URL".into(), "https://github.com".into()),
            ("GITHUB_REPOSITORY".into(), repo.into()),
            ("GITHUB_TOKEN".into(), TOKEN.into()),
        ]
    }
}

/// Exit code, standard output and standard error of one run of the binary.
#[derive(Debug)]
pub struct Out {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Out {
    /// Standard output parsed as JSON (panics with both streams when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// One command line of the binary, started with a clean environment (nothing from the host: no
/// stray token, no `GITHUB_*`), only the variables given.
#[derive(Debug, Clone, Default)]
pub struct Cli {
    args: Vec<String>,
    env: Vec<(String, String)>,
    dir: Option<PathBuf>,
    input: Option<Vec<u8>>,
}

/// `shipgate ARGS`.
pub fn shipgate<S: AsRef<str>>(args: &[S]) -> Cli {
    Cli {
        args: args.iter().map(|a| a.as_ref().to_string()).collect(),
        env: Vec::new(),
        dir: None,
        input: None,
    }
}

impl Cli {
    /// Adds a variable.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Adds variables.
    pub fn envs(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env.extend(vars);
        self
    }

    /// Runs it in `dir` (relative paths in its arguments are read from there).
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Points it at `github` for `repo`, with the token in `GITHUB_TOKEN`.
    pub fn github(self, github: &Github<'_>, repo: &str) -> Self {
        self.envs(github.env(repo))
    }

    /// Gives it `bytes` on standard input (closed otherwise).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.input = Some(bytes.into());
        self
    }

    /// Runs it to the end.
    pub fn run(&self) -> Out {
        let mut command = Command::new(shipgate_bin());
        command
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        let mut child = command.spawn().expect("run shipgate");
        if let (Some(bytes), Some(mut pipe)) = (&self.input, child.stdin.take()) {
            use std::io::Write;
            // A run that stops reading early closes the pipe: not this test's failure.
            let _ = pipe.write_all(bytes);
        }
        let out = child.wait_with_output().expect("run shipgate");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Runs it from async code, on the blocking pool (the fake answers from its own thread).
    pub async fn run_async(self) -> Out {
        tokio::task::spawn_blocking(move || self.run())
            .await
            .expect("the run's thread")
    }
}

/// One run of `shipgate action` as a runner starts it: the event payload in a file, fresh
/// `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, `INPUT_*` variables named as the runner names
/// them (hyphens kept: exec'd directly, not through a shell that would drop them).
pub struct Run<'a> {
    github: Github<'a>,
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
    /// The requests the fake received about the repository during this run.
    pub requests: Vec<LoggedRequest>,
    /// What the binary saw through Prism during this run (contract scenarios only).
    pub seen: Vec<TapRecord>,
}

impl<'a> Run<'a> {
    /// A run of `shipgate action` for `event_name` with `event` as the payload, about `repo`
    /// (`owner/name`), with the token as the `github-token` input.
    pub fn new(github: Github<'a>, repo: &str, event_name: &str, event: &Value) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, event.to_string()).expect("event file");
        std::fs::write(dir.path().join("output"), "").expect("output file");
        std::fs::write(dir.path().join("summary"), "").expect("summary file");
        let path = |p: &Path| p.to_str().expect("utf-8 path").to_string();
        let mut env = HashMap::new();
        for (k, v) in [
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_REPOSITORY", repo.to_string()),
            ("GITHUB_EVENT_NAME", event_name.into()),
            ("GITHUB_EVENT_PATH", path(&event_path)),
            ("GITHUB_API_URL", github.api_url()),
            ("GITHUB_GRAPHQL_URL", github.graphql_url()),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_SHA", HEAD.into()),
            ("GITHUB_REF", "refs/heads/main".into()),
            ("GITHUB_ACTOR", "alice".into()),
            ("GITHUB_RUN_ID", "4242".into()),
            ("GITHUB_OUTPUT", path(&dir.path().join("output"))),
            ("GITHUB_STEP_SUMMARY", path(&dir.path().join("summary"))),
            ("RUNNER_TEMP", path(dir.path())),
            // The gate workflow read from the production branch: a run that may publish.
            (
                "GITHUB_WORKFLOW_REF",
                format!("{repo}/.github/workflows/shipgate.yml@refs/heads/main"),
            ),
            ("INPUT_GITHUB-TOKEN", TOKEN.into()),
        ] {
            env.insert(k.to_string(), v);
        }
        Self {
            github,
            repo: repo.to_string(),
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

    /// Runs the binary and collects what it did; asserts that the token never shows and, behind
    /// Prism, that every REST exchange kept GitHub's contract.
    pub fn run(self) -> Ran {
        let fake = self.github.fake;
        let before_fake = fake.requests(&self.repo).len();
        let before_tap = self.github.tap.map_or(0, |t| t.records(&self.repo).len());
        let out = Command::new(shipgate_bin())
            .arg("action")
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null())
            .output()
            .expect("run shipgate");
        let output_file = read(&self.dir.path().join("output"));
        let ran = Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            outputs: parse_outputs(&output_file),
            output_file,
            summary: read(&self.dir.path().join("summary")),
            requests: fake.requests(&self.repo).split_off(before_fake),
            seen: self
                .github
                .tap
                .map(|t| t.records(&self.repo).split_off(before_tap))
                .unwrap_or_default(),
        };
        ran.assert_token_hidden();
        if self.github.tap.is_some() {
            ran.assert_contract();
        }
        ran
    }
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
                    "  {} {}{} -> {}{}",
                    r.method,
                    r.path,
                    r.operation().map(|o| format!(" {o}")).unwrap_or_default(),
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

    /// The GraphQL requests, by operation name, in order.
    pub fn graphql_operations(&self) -> Vec<String> {
        self.requests.iter().filter_map(|r| r.operation()).collect()
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

    /// The token never shows: when stdout names it at all, only in the `::add-mask::` line it
    /// starts with; nothing else carries it.
    pub fn assert_token_hidden(&self) {
        let masked = format!("::add-mask::{TOKEN}");
        if self.stdout.contains(TOKEN) {
            assert!(
                self.stdout.starts_with(&format!("{masked}\n")),
                "the token shows before it is masked:\n{}",
                self.stdout
            );
        }
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

    /// The token was masked first of all (the run read it).
    pub fn assert_masked(&self) {
        assert!(
            self.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")),
            "stdout does not start by masking the token:\n{}",
            self.describe()
        );
    }

    /// Every REST exchange went through Prism without a contract violation, and no request
    /// reached the fake without passing Prism.
    pub fn assert_contract(&self) {
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
            super::world::world().prism_log.display()
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
}

/// The state and reason of `gate` in the report of the run's first (or only) evaluated PR.
pub fn gate_state(ran: &Ran, gate: &str) -> (String, String) {
    let report = ran.report();
    let gates = report["pull_requests"][0]["gates"]
        .as_array()
        .unwrap_or_else(|| panic!("no gates in {report}"));
    let entry = gates
        .iter()
        .find(|g| g["gate"] == gate)
        .unwrap_or_else(|| panic!("no {gate} in {report}"));
    (
        entry["state"].as_str().unwrap_or_default().to_string(),
        entry["reason"].as_str().unwrap_or_default().to_string(),
    )
}
