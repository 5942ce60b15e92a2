//! Running the built binary: as a runner runs the Action ([`Run`]), or as a shell runs a command
//! ([`Cli`]), with a clean environment, and what it left behind ([`Ran`], [`Out`]) — outputs,
//! summary, and the requests the fake GitHub received meanwhile.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

    fn command(&self) -> Command {
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
        command
    }

    /// Runs it to the end.
    pub fn run(&self) -> Out {
        let mut child = self.command().spawn().expect("run shipgate");
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

    /// Starts it and returns at once: the test reads its stderr as it comes and may signal it.
    pub fn start(&self) -> Running {
        Running::spawn(self.command())
    }

    /// Runs it from async code, on the blocking pool (the fake answers from its own thread).
    pub async fn run_async(self) -> Out {
        tokio::task::spawn_blocking(move || self.run())
            .await
            .expect("the run's thread")
    }
}

/// A run of the binary still going: its standard error is collected as it comes, so a test
/// can wait for a line (instead of sleeping) and then signal the process.
pub struct Running {
    child: Child,
    stdout: JoinHandle<String>,
    stderr: Arc<(Mutex<String>, Condvar)>,
    stderr_reader: JoinHandle<()>,
}

impl Running {
    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start shipgate");
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            out.read_to_string(&mut text).expect("stdout is UTF-8");
            text
        });
        let mut err = child.stderr.take().expect("stderr");
        let stderr = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let shared = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            let mut bytes = Vec::new();
            loop {
                let n = err.read(&mut buffer).unwrap_or(0);
                bytes.extend_from_slice(&buffer[..n]);
                let (text, seen) = &*shared;
                *text.lock().unwrap() = String::from_utf8_lossy(&bytes).into_owned();
                seen.notify_all();
                if n == 0 {
                    break;
                }
            }
        });
        Self {
            child,
            stdout,
            stderr,
            stderr_reader,
        }
    }

    /// Waits until standard error contains `text`: at most two minutes, a bound only for a
    /// test that would otherwise hang (it panics with what was printed).
    pub fn wait_for_stderr(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let (printed, seen) = &*self.stderr;
        let mut printed = printed.lock().unwrap();
        while !printed.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no {text:?} on stderr:\n{printed}");
            printed = seen.wait_timeout(printed, left).unwrap().0;
        }
    }

    /// Sends a signal (`INT`, `TERM`) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the end: exit code (-1 when a signal killed it), stdout, stderr.
    pub fn finish(mut self) -> Out {
        let status = self.child.wait().expect("wait for shipgate");
        self.stderr_reader.join().expect("stderr reader");
        let stderr = self.stderr.0.lock().unwrap().clone();
        Out {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.join().expect("stdout reader"),
            stderr,
        }
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

    fn command(&self) -> Command {
        let mut command = Command::new(shipgate_bin());
        command
            .arg("action")
            .env_clear()
            .envs(&self.env)
            .stdin(Stdio::null());
        command
    }

    /// Runs the binary and collects what it did; asserts that the token never shows and, behind
    /// Prism, that every REST exchange kept GitHub's contract.
    pub fn run(self) -> Ran {
        let started = self.before();
        let out = self.command().output().expect("run shipgate");
        self.collect(
            started,
            Out {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
                stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            },
        )
    }

    /// Starts the binary and returns at once (see [`Running`]); [`RunningAction::finish`]
    /// collects what it did as [`Run::run`] does.
    pub fn start(self) -> RunningAction<'a> {
        let before = self.before();
        let running = Running::spawn(self.command());
        RunningAction {
            run: self,
            before,
            running,
        }
    }

    fn before(&self) -> (usize, usize) {
        (
            self.github.fake.requests(&self.repo).len(),
            self.github.tap.map_or(0, |t| t.records(&self.repo).len()),
        )
    }

    fn collect(self, (before_fake, before_tap): (usize, usize), out: Out) -> Ran {
        let fake = self.github.fake;
        let output_file = read(&self.dir.path().join("output"));
        let ran = Ran {
            code: out.code,
            stdout: out.stdout,
            stderr: out.stderr,
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
        ran.assert_outputs_declared();
        if self.github.tap.is_some() {
            ran.assert_contract();
        }
        ran
    }
}

/// `shipgate action` still running (see [`Running`]).
pub struct RunningAction<'a> {
    run: Run<'a>,
    before: (usize, usize),
    /// The process.
    pub running: Running,
}

impl RunningAction<'_> {
    /// Waits for the end and collects what the run did, as [`Run::run`] does.
    pub fn finish(self) -> Ran {
        let out = self.running.finish();
        self.run.collect(self.before, out)
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

    /// Every output the run wrote is declared in `action.yml`: a composite action passes on only
    /// the outputs it declares, so an undeclared one would be lost to the workflow.
    pub fn assert_outputs_declared(&self) {
        let declared = super::action_yml_keys("outputs");
        for name in self.outputs.keys() {
            assert!(
                declared.contains(name),
                "the run wrote output `{name}`, which action.yml does not declare:\n{}",
                self.describe()
            );
        }
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
