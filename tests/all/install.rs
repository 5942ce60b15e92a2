//! Integration tests: the composite action's install step (`action/install.sh`) and the way
//! `action.yml` hands inputs to the binary.
//!
//! The installer runs here exactly as the runner runs it (bash, the runner's variables), against
//! a fake release served over loopback HTTP by a small server thread. The fake release's binary
//! is a script that leaves a marker when it runs, so "nothing was run" can be asserted.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use crate::support::{action_yml_keys, fixture, repo_root};

const TARGET: &str = "x86_64-unknown-linux-musl";
const ARCHIVE: &str = "shipgate-v0.1.0-x86_64-unknown-linux-musl.tar.gz";

/// A release server on 127.0.0.1: serves fixed files and records every requested path.
struct FakeRelease {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeRelease {
    fn serve(files: HashMap<String, Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Drain the headers; curl sends no body on GET.
                let mut header = String::new();
                while reader
                    .read_line(&mut header)
                    .map(|n| n > 2)
                    .unwrap_or(false)
                {
                    header.clear();
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_string();
                seen.lock().expect("lock").push(path.clone());
                let response = match files.get(&path) {
                    Some(body) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        FakeRelease { base, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

/// A scratch runner: tool cache, temp dir, output files, and the marker the fake binary writes.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Runner {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn marker(&self) -> PathBuf {
        self.path("binary-ran")
    }

    fn tool_cache(&self) -> PathBuf {
        self.path("toolcache")
    }

    fn cached_dir(&self) -> PathBuf {
        self.tool_cache().join("shipgate/0.1.0").join(TARGET)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// Writes a manifest with `body` and returns its path.
    fn manifest(&self, body: &str) -> PathBuf {
        let path = self.path("checksums.txt");
        std::fs::write(&path, body).expect("write manifest");
        path
    }

    /// Runs the installer as the composite step does, with a clean environment plus `extra`.
    fn install(&self, extra: &[(&str, &str)]) -> Output {
        self.install_with_args(&[], extra)
    }

    /// The same, with arguments (`--plan`).
    fn install_with_args(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let root = repo_root();
        for dir in ["toolcache", "temp"] {
            std::fs::create_dir_all(self.path(dir)).expect("mkdir");
        }
        let mut cmd = Command::new("bash");
        cmd.arg(root.join("action/install.sh"))
            .args(args)
            .env_clear()
            .env("GITHUB_ACTION_PATH", &root)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.tool_cache())
            .env("RUNNER_TEMP", self.path("temp"))
            .env("GITHUB_OUTPUT", self.path("github_output"))
            .env("GITHUB_PATH", self.path("github_path"))
            .env("SHIPGATE_FAKE_MARKER", self.marker());
        // Only what cargo and the basic tools need from this machine.
        for key in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
        ] {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        for (key, value) in extra {
            cmd.env(key, value);
        }
        cmd.output().expect("run install.sh")
    }
}

fn text(output: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A release archive whose binary is a script that records each run in the marker file.
/// `member` is the file name inside the archive; a `.zip` name makes a zip (the Windows form).
fn fake_archive(member: &str, zip: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join(member);
    std::fs::copy(fixture("install/fake-shipgate.sh"), &script).expect("copy fake binary");
    let status = Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .expect("chmod");
    assert!(status.success());
    let archive = dir.path().join("release");
    let status = if zip {
        Command::new("python3")
            .args(["-m", "zipfile", "-c"])
            .arg(&archive)
            .arg(member)
            .current_dir(dir.path())
            .status()
            .expect("python3 zipfile")
    } else {
        Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(dir.path())
            .arg(member)
            .status()
            .expect("tar")
    };
    assert!(status.success());
    std::fs::read(archive).expect("read archive")
}

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("hash")
        .to_string()
}

/// Serves the fake archive and returns it with its SHA-256.
fn fake_release(runner: &Runner) -> (FakeRelease, String) {
    serve_archive(runner, ARCHIVE, fake_archive("shipgate", false))
}

/// Serves `bytes` as release archive `name` of v0.1.0 and returns the server and its SHA-256.
fn serve_archive(runner: &Runner, name: &str, bytes: Vec<u8>) -> (FakeRelease, String) {
    let copy = runner.path("archive-copy");
    std::fs::write(&copy, &bytes).expect("write copy");
    let sha = sha256_hex(&copy);
    let files = HashMap::from([(format!("/v0.1.0/{name}"), bytes)]);
    (FakeRelease::serve(files), sha)
}

fn release_env<'a>(server: &'a FakeRelease, manifest: &'a Path) -> Vec<(&'a str, &'a str)> {
    vec![
        ("SHIPGATE_ACTION_REF", "v0.1.0"),
        ("SHIPGATE_DOWNLOAD_BASE", server.base.as_str()),
        ("SHIPGATE_CHECKSUMS", manifest.to_str().expect("utf-8 path")),
    ]
}

#[test]
fn checksum_match_installs_into_the_tool_cache_and_the_binary_runs() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let manifest = runner.manifest(&format!("# release v0.1.0\n{sha}  {ARCHIVE}\n"));

    let output = runner.install(&release_env(&server, &manifest));
    assert!(output.status.success(), "{}", text(&output));

    let installed = runner.cached_dir().join("shipgate");
    assert_eq!(
        runner.read("github_output"),
        format!("path={}\n", installed.display())
    );
    assert_eq!(
        runner.read("github_path"),
        format!("{}\n", runner.cached_dir().display())
    );
    assert_eq!(server.requests(), vec![format!("/v0.1.0/{ARCHIVE}")]);
    // The installer's own smoke check ran the verified binary once.
    assert_eq!(
        std::fs::read_to_string(runner.marker()).unwrap(),
        "ran --version\n"
    );

    let run = Command::new(&installed)
        .arg("action")
        .env("SHIPGATE_FAKE_MARKER", runner.marker())
        .output()
        .expect("run installed binary");
    assert!(run.status.success());
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "shipgate 0.1.0 (fake release)\n"
    );
}

#[test]
fn a_windows_runner_gets_the_zip_archive_and_its_exe() {
    let runner = Runner::new();
    let zip = "shipgate-v0.1.0-x86_64-pc-windows-msvc.zip";
    let (server, sha) = serve_archive(&runner, zip, fake_archive("shipgate.exe", true));
    let manifest = runner.manifest(&format!("{sha}  {zip}\n"));

    let mut env = release_env(&server, &manifest);
    env.push(("RUNNER_OS", "Windows"));
    let output = runner.install(&env);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(server.requests(), vec![format!("/v0.1.0/{zip}")]);
    let installed = runner
        .tool_cache()
        .join("shipgate/0.1.0/x86_64-pc-windows-msvc/shipgate.exe");
    assert_eq!(
        runner.read("github_output"),
        format!("path={}\n", installed.display())
    );
    assert_eq!(
        std::fs::read_to_string(runner.marker()).unwrap(),
        "ran --version\n"
    );
}

#[test]
fn an_archive_without_the_binary_at_its_top_level_is_rejected() {
    let runner = Runner::new();
    let (server, sha) = serve_archive(&runner, ARCHIVE, fake_archive("not-shipgate", false));
    let manifest = runner.manifest(&format!("{sha}  {ARCHIVE}\n"));

    let output = runner.install(&release_env(&server, &manifest));
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains(&format!("{ARCHIVE} holds no shipgate at its top level")),
        "{}",
        text(&output)
    );
    assert!(!runner.cached_dir().exists());
    let leftovers: Vec<_> = std::fs::read_dir(runner.tool_cache().join("shipgate/0.1.0"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    assert_eq!(runner.read("github_output"), "");
}

#[test]
fn a_second_run_reuses_the_verified_tool_cache_without_downloading() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let manifest = runner.manifest(&format!("{sha}  {ARCHIVE}\n"));
    let env = release_env(&server, &manifest);

    assert!(runner.install(&env).status.success());
    let second = runner.install(&env);
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("reused from the tool cache"),
        "{}",
        text(&second)
    );
    assert_eq!(
        server.requests().len(),
        1,
        "the cache hit must not download"
    );
}

#[test]
fn a_tampered_tool_cache_is_not_trusted_and_the_archive_is_fetched_again() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let manifest = runner.manifest(&format!("{sha}  {ARCHIVE}\n"));
    let env = release_env(&server, &manifest);
    assert!(runner.install(&env).status.success());

    // Someone swaps both the cached archive and the binary.
    std::fs::write(runner.cached_dir().join(ARCHIVE), b"not the release").unwrap();
    std::fs::write(
        runner.cached_dir().join("shipgate"),
        "#!/bin/sh\necho evil\n",
    )
    .unwrap();

    let again = runner.install(&env);
    assert!(again.status.success(), "{}", text(&again));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("::warning title=shipgate install::cached"),
        "{stdout}"
    );
    assert_eq!(server.requests().len(), 2);
    let script = std::fs::read_to_string(runner.cached_dir().join("shipgate")).unwrap();
    assert!(script.contains("fake release"), "{script}");
}

#[test]
fn checksum_mismatch_fails_loudly_and_installs_and_runs_nothing() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let wrong = "0".repeat(64);
    assert_ne!(sha, wrong);
    let manifest = runner.manifest(&format!("{wrong}  {ARCHIVE}\n"));

    let output = runner.install(&release_env(&server, &manifest));
    assert!(!output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "::error title=shipgate install::checksum mismatch for {ARCHIVE}: expected {wrong}, actual {sha}"
        )),
        "{}",
        text(&output)
    );
    assert_eq!(server.requests().len(), 1, "it did download");
    assert!(!runner.marker().exists(), "the unverified binary ran");
    assert!(!runner.tool_cache().join("shipgate").exists());
    assert_eq!(runner.read("github_output"), "");
    assert_eq!(runner.read("github_path"), "");
    // The temporary download is gone too.
    let leftovers: Vec<_> = std::fs::read_dir(runner.path("temp")).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_release_tag_without_a_manifest_line_fails_before_downloading() {
    let runner = Runner::new();
    let (server, _sha) = fake_release(&runner);
    // The committed manifest has no entries until the first release.
    let committed = std::fs::read_to_string(repo_root().join("action/checksums.txt")).unwrap();
    let manifest = runner.manifest(&committed);

    let output = runner.install(&release_env(&server, &manifest));
    assert!(!output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "::error title=shipgate install::release v0.1.0 has no checksum for {ARCHIVE}"
        )),
        "{stdout}"
    );
    assert!(server.requests().is_empty());
    assert!(!runner.marker().exists());
}

#[test]
fn the_manifest_accepts_the_binary_marker_and_upper_case_hex_as_sha256sum_does() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let other = "shipgate-v0.1.0-aarch64-apple-darwin.tar.gz";
    let manifest = runner.manifest(&format!(
        "# comment\r\n{}  {other}\r\n{} *{ARCHIVE}\r\n",
        "b".repeat(64),
        sha.to_uppercase()
    ));

    let output = runner.install(&release_env(&server, &manifest));
    assert!(output.status.success(), "{}", text(&output));
    assert!(runner.cached_dir().join("shipgate").exists());
}

#[test]
fn a_malformed_manifest_line_is_an_error_naming_the_line() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let manifest = runner.manifest(&format!("# header\n\n{sha} {ARCHIVE} extra\n"));

    let output = runner.install(&release_env(&server, &manifest));
    assert!(!output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{} line 3 is not", manifest.display())),
        "{stdout}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let runner = Runner::new();
    let manifest = runner.manifest(&format!("{}  {ARCHIVE}\n", "a".repeat(64)));
    let output = runner.install(&[
        ("SHIPGATE_ACTION_REF", "v0.1.0"),
        (
            "SHIPGATE_DOWNLOAD_BASE",
            "http://downloads.example.com/releases",
        ),
        ("SHIPGATE_CHECKSUMS", manifest.to_str().unwrap()),
    ]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("must be an https:// URL"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_sha_pin_of_a_release_commit_uses_the_prebuilt_archive_of_the_source_version() {
    let runner = Runner::new();
    let (server, sha) = fake_release(&runner);
    let manifest = runner.manifest(&format!("{sha}  {ARCHIVE}\n"));
    // An action checkout whose own Cargo.toml says 0.1.0 (a release commit).
    let action = runner.path("action-checkout");
    std::fs::create_dir_all(&action).unwrap();
    std::fs::write(
        action.join("Cargo.toml"),
        "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.1.0\"\n",
    )
    .unwrap();

    let output = runner.install(&[
        ("GITHUB_ACTION_PATH", action.to_str().unwrap()),
        (
            "SHIPGATE_ACTION_REF",
            "0123456789abcdef0123456789abcdef01234567",
        ),
        ("SHIPGATE_DOWNLOAD_BASE", server.base.as_str()),
        ("SHIPGATE_CHECKSUMS", manifest.to_str().unwrap()),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(server.requests(), vec![format!("/v0.1.0/{ARCHIVE}")]);
    assert!(runner.cached_dir().join("shipgate").exists());
}

/// Unknown platforms, and refs that are not releases, build from the action's own source with
/// `cargo install --locked --path <action>/crates/shipgate`. A stand-in `cargo` on `PATH` records
/// the call and installs this test run's own build, so the test checks the installer's decision
/// and its exact cargo invocation in seconds (a real `cargo install` recompiles the dependency
/// tree with other features and took minutes on a busy CI machine).
#[test]
fn unknown_platform_or_unreleased_ref_builds_from_source() {
    let runner = Runner::new();
    let root = repo_root();
    let committed = std::fs::read_to_string(root.join("action/checksums.txt")).unwrap();
    let manifest = runner.manifest(&committed);
    let server = FakeRelease::serve(HashMap::new());
    let calls = runner.path("cargo-calls");
    let path = fake_cargo(&runner, &calls);

    for (os, arch, action_ref) in [
        ("Linux", "ARM", "v0.1.0"),
        ("FreeBSD", "X64", "v0.1.0"),
        ("Linux", "X64", "main"),
    ] {
        let _ = std::fs::remove_file(runner.path("github_output"));
        let _ = std::fs::remove_file(&calls);
        let output = runner.install(&[
            ("PATH", path.as_str()),
            ("RUNNER_OS", os),
            ("RUNNER_ARCH", arch),
            ("SHIPGATE_ACTION_REF", action_ref),
            ("SHIPGATE_DOWNLOAD_BASE", server.base.as_str()),
            ("SHIPGATE_CHECKSUMS", manifest.to_str().unwrap()),
            ("SHIPGATE_CARGO_INSTALL_ARGS", "--debug --offline"),
        ]);
        assert!(output.status.success(), "{os}/{arch}: {}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(
                "::notice title=shipgate install::building shipgate from the action's source"
            ),
            "{stdout}"
        );
        let built = runner.path("temp/shipgate-source/bin/shipgate");
        let recorded = std::fs::read_to_string(&calls).expect("cargo was called");
        assert_eq!(
            recorded,
            format!(
                "install --locked --force --path {}/crates/shipgate --root {} --debug --offline\n",
                root.display(),
                runner.path("temp/shipgate-source").display()
            ),
            "{os}/{arch}"
        );
        assert_eq!(
            runner.read("github_output"),
            format!("path={}\n", built.display())
        );
        let version = Command::new(&built).arg("--version").output().unwrap();
        assert_eq!(String::from_utf8_lossy(&version.stdout), "shipgate 0.1.0\n");
    }
    assert!(
        server.requests().is_empty(),
        "a source build downloads nothing"
    );
}

/// A stand-in for cargo in `dir`: records each call in `calls`, then "installs" the already
/// built shipgate into `--root`. Returns a PATH that finds it first.
fn fake_cargo(runner: &Runner, calls: &Path) -> String {
    let fake_bin = runner.path("fake-cargo-bin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let cargo = fake_bin.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            r#"#!/usr/bin/env bash
printf '%s\n' "$*" >> '{calls}'
root=''
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root=$2; shift; fi
  shift
done
mkdir -p "$root/bin" && cp '{built}' "$root/bin/shipgate"
"#,
            calls = calls.display(),
            built = env!("CARGO_BIN_EXE_shipgate"),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The `GITHUB_OUTPUT` lines of a run, as a map.
fn outputs(runner: &Runner) -> HashMap<String, String> {
    runner
        .read("github_output")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `install.sh --plan` tells action.yml whether a source build is coming and under which cache
/// key: a digest of exactly the source the build reads, so one pinned commit builds once.
#[test]
fn the_plan_names_a_source_build_and_its_cache_key() {
    let runner = Runner::new();
    let committed = std::fs::read_to_string(repo_root().join("action/checksums.txt")).unwrap();
    let manifest = runner.manifest(&committed);
    // A small action source of its own, so that a file can change.
    let action = runner.path("action-src");
    std::fs::create_dir_all(action.join("crates/shipgate/src")).unwrap();
    std::fs::write(
        action.join("Cargo.toml"),
        "[workspace.package]\nversion = \"9.9.9\"\n",
    )
    .unwrap();
    std::fs::write(action.join("Cargo.lock"), "# lock\n").unwrap();
    std::fs::write(action.join("crates/shipgate/src/main.rs"), "fn main() {}\n").unwrap();
    let plan = |extra: &[(&str, &str)]| {
        let _ = std::fs::remove_file(runner.path("github_output"));
        let mut env = vec![
            ("GITHUB_ACTION_PATH", action.to_str().unwrap()),
            ("SHIPGATE_CHECKSUMS", manifest.to_str().unwrap()),
            ("SHIPGATE_ACTION_REF", "main"),
        ];
        env.extend_from_slice(extra);
        let output = runner.install_with_args(&["--plan"], &env);
        assert!(output.status.success(), "{}", text(&output));
        assert!(!runner.marker().exists(), "planning runs nothing");
        outputs(&runner)
    };
    let first = plan(&[]);
    assert_eq!(first["mode"], "source");
    let key = first["cache-key"].clone();
    let digest = key
        .strip_prefix("shipgate-source-Linux-X64-")
        .unwrap_or_else(|| panic!("{key}"));
    assert!(
        digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(plan(&[])["cache-key"], key, "the same source, the same key");
    assert_ne!(
        plan(&[("SHIPGATE_CARGO_INSTALL_ARGS", "--debug")])["cache-key"],
        key,
        "other build flags, another build"
    );
    std::fs::write(
        action.join("crates/shipgate/src/main.rs"),
        "fn main() { }\n",
    )
    .unwrap();
    assert_ne!(plan(&[])["cache-key"], key, "changed source, another key");
    // A release tag installs the verified archive: nothing to cache.
    let (server, sum) = fake_release(&runner);
    let manifest = runner.manifest(&format!("{sum}  {ARCHIVE}\n"));
    let _ = std::fs::remove_file(runner.path("github_output"));
    let output = runner.install_with_args(
        &["--plan"],
        &[
            ("SHIPGATE_ACTION_REF", "v0.1.0"),
            ("SHIPGATE_DOWNLOAD_BASE", server.base.as_str()),
            ("SHIPGATE_CHECKSUMS", manifest.to_str().unwrap()),
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(outputs(&runner)["mode"], "prebuilt");
    assert!(server.requests().is_empty(), "planning downloads nothing");
}

/// A source build is stamped with its key; when the Actions cache restored that build, the next
/// run reuses it without cargo. A stamp of other source is rebuilt.
#[test]
fn a_cached_source_build_of_the_same_source_is_reused() {
    let runner = Runner::new();
    let committed = std::fs::read_to_string(repo_root().join("action/checksums.txt")).unwrap();
    let manifest = runner.manifest(&committed);
    let calls = runner.path("cargo-calls");
    let path = fake_cargo(&runner, &calls);
    let env = [
        ("PATH", path.as_str()),
        ("SHIPGATE_ACTION_REF", "main"),
        ("SHIPGATE_CHECKSUMS", manifest.to_str().unwrap()),
        ("SHIPGATE_CARGO_INSTALL_ARGS", "--debug --offline"),
    ];
    let output = runner.install(&env);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 1);
    let stamp = runner.path("temp/shipgate-source/.source-key");
    assert!(std::fs::read_to_string(&stamp)
        .unwrap()
        .starts_with("shipgate-source-Linux-X64-"));

    // The cache restored the directory: no build, the same binary published.
    std::fs::remove_file(&calls).unwrap();
    std::fs::remove_file(runner.path("github_output")).unwrap();
    let output = runner.install(&env);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!calls.exists(), "reused without cargo: {}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("restored from the Actions cache"));
    assert_eq!(
        runner.read("github_output"),
        format!(
            "path={}\n",
            runner.path("temp/shipgate-source/bin/shipgate").display()
        )
    );

    // A build of other source (another key) is not reused.
    std::fs::write(&stamp, "shipgate-source-Linux-X64-0000").unwrap();
    let output = runner.install(&env);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap().lines().count(),
        1,
        "rebuilt"
    );
}

/// action.yml declares exactly the input table's Action inputs, and every output comes from the
/// run step.
#[test]
fn action_yml_maps_every_input_and_output() {
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let inputs = action_yml_keys("inputs");
    let outputs = action_yml_keys("outputs");

    // The inputs are the input table's (tests/all/declared.rs checks every one of them and the
    // step that passes them); here only that nothing else is passed to the binary.
    let declared: Vec<String> = {
        let mut names: Vec<String> = shipgate::inputs::INPUTS
            .iter()
            .filter(|i| i.in_action())
            .map(|i| i.name.to_string())
            .collect();
        names.dedup();
        names.sort();
        names.dedup();
        names
    };
    let mut sorted_inputs = inputs.clone();
    sorted_inputs.sort();
    assert_eq!(sorted_inputs, declared);
    assert_eq!(action.matches("${{ inputs.").count(), inputs.len());

    let design_outputs = [
        "verdict",
        "report",
        "version",
        "ready-at",
        "healthy",
        "rollback",
        "trigger",
        "reason",
        "result",
        "rollback-seconds",
        "deployment-id",
        "issue-number",
        "issue-url",
        "created",
        "severity",
        "success-rate",
        "deploy-time-median",
        "deploy-time-p95",
        "rollback-time",
        "downtime-incidents",
        "deployment-frequency",
        "lead-time",
        "change-failure-rate",
        "recovery-time",
        "deployment-frequency-level",
        "lead-time-level",
        "change-failure-rate-level",
        "recovery-time-level",
    ];
    assert_eq!(outputs, design_outputs.map(String::from).to_vec());
    for output in &outputs {
        let line = format!("    value: ${{{{ steps.run.outputs.{output} }}}}\n");
        assert!(action.contains(&line), "output {output} is not mapped");
    }
}

/// The run step's script, run by bash as the runner does, passes hyphenated INPUT_* variables
/// (which dash would drop) to the binary it execs.
#[test]
fn the_run_step_passes_hyphenated_inputs_to_the_binary() {
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let script = action
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("run: "))
        .expect("run step")
        .to_string();
    assert_eq!(script, "exec \"$SHIPGATE_BIN\" action");

    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("shipgate");
    std::fs::write(&fake, "#!/usr/bin/env bash\necho \"args: $*\"\nexec env\n").unwrap();
    assert!(Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap()
        .success());

    let output = Command::new("bash")
        .arg("-e")
        .arg("-c")
        .arg(&script)
        .env("SHIPGATE_BIN", &fake)
        .env("INPUT_GITHUB-TOKEN", "token-value")
        .env("INPUT_REQUIRED-APPROVALS", "2")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("args: action\n"), "{stdout}");
    assert!(
        stdout.contains("\nINPUT_GITHUB-TOKEN=token-value\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nINPUT_REQUIRED-APPROVALS=2\n"),
        "{stdout}"
    );
}
