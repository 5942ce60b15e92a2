//! The world the contract scenarios run in: a fake GitHub behind Prism.
//!
//! One fake, one Prism (`prism proxy --errors $SHIPGATE_OPENAPI` in front of the fake) and one
//! recording tap in front of Prism, started once per test binary on first use and shared by
//! every scenario (each has its own repository, so they run in parallel). The binary talks REST
//! to the tap (`GITHUB_API_URL`), so every REST request goes through Prism and the tap sees what
//! the binary saw; GraphQL goes straight to the fake (`GITHUB_GRAPHQL_URL`), and the scenarios
//! check the fake's GraphQL answers against GitHub's schema ([`check_graphql`]).
//!
//! Prism is started through a small Node watchdog that kills it when its stdin closes, i.e. when
//! the test process ends in any way (a static is never dropped; a killed test process still
//! closes its pipes).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shipgate_fake::{FakeGithub, Repo, Tap};

use super::run::{Github, Run};
use super::tools::tool;

/// The shared fake, Prism and tap.
pub struct World {
    /// The fake GitHub.
    pub fake: FakeGithub,
    /// The tap in front of Prism (the binary's `GITHUB_API_URL`).
    pub tap: Tap,
    /// Prism's log file.
    pub prism_log: PathBuf,
    /// The webhook examples (`@octokit/webhooks-examples`).
    examples: Vec<Value>,
    _prism: Mutex<Child>,
    _dir: tempfile::TempDir,
}

/// The world, started on first use. Panics, naming what is missing, without the pinned tools:
/// every test that calls it is `#[ignore]`d for a plain `cargo test`.
pub fn world() -> &'static World {
    static WORLD: OnceLock<Result<World, String>> = OnceLock::new();
    match WORLD.get_or_init(start) {
        Ok(world) => world,
        Err(message) => panic!("{message}"),
    }
}

fn start() -> Result<World, String> {
    let prism = tool("SHIPGATE_PRISM");
    let openapi = tool("SHIPGATE_OPENAPI");
    tool("SHIPGATE_GRAPHQL_CHECK");
    tool("SHIPGATE_GRAPHQL_SCHEMA");
    let examples_path = tool("SHIPGATE_WEBHOOK_EXAMPLES");
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
    let mut child = Command::new("node")
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
        .map_err(|e| format!("cannot start prism through node: {e}"))?;
    let prism_url = format!("http://127.0.0.1:{port}");
    // A readiness wait, not a measurement: prism takes seconds to load the description.
    let started = Instant::now();
    while !answers(port) {
        let log = || std::fs::read_to_string(&prism_log).unwrap_or_default();
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "prism exited ({status}) before answering:\n{}",
                log()
            ));
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            return Err(format!("prism did not answer within 60 s:\n{}", log()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let tap = Tap::start(&prism_url);
    // `Link` headers must send the next page the same way as the first: through tap and Prism.
    fake.set_public_base(&tap.url());
    Ok(World {
        fake,
        tap,
        prism_log,
        examples,
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

impl World {
    /// GitHub as the binary reaches it in the scenarios: REST through the tap and Prism.
    pub fn github(&self) -> Github<'_> {
        Github {
            fake: &self.fake,
            tap: Some(&self.tap),
        }
    }

    /// A run of `shipgate action` about the repository, against this world.
    pub fn action(&self, repo: &Repo, event_name: &str, event: &Value) -> Run<'_> {
        Run::new(self.github(), &repo.full_name(), event_name, event)
    }

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

    /// A `pull_request` (or `pull_request_review`) payload about PR `number` of the repository,
    /// from the real examples.
    pub fn pr_event(&self, repo: &Repo, event: &str, action: &str, number: u64) -> Value {
        let mut payload = self.example(event, Some(action));
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

    /// Any other example payload, retargeted at the repository.
    pub fn event(&self, repo: &Repo, event: &str, action: Option<&str>) -> Value {
        let mut payload = self.example(event, action);
        retarget(&mut payload, repo);
        payload
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

/// Checks every GraphQL answer the world's fake gave about `repo` against GitHub's schema.
pub fn check_graphql(world: &World, repo: &str) {
    super::tools::check_graphql(repo, &world.fake.graphql_exchanges(Some(repo)));
}
