//! The input table (`crates/shipgate/src/inputs.rs`) is the one declaration of every input:
//! `action.yml`'s inputs and the step that passes them, and the input and flag tables of the
//! docs, must say exactly what it says. Run with `SHIPGATE_BLESS=1` to rewrite them from the
//! table after changing it.

use std::fmt::Write as _;

use shipgate::inputs::{of, Cmd, Default, Input, Kind, Surface, INPUTS};

use crate::support::repo_root;

/// The line before `action.yml`'s generated `inputs:` section.
const INPUTS_MARKER: &str =
    "# Generated from crates/shipgate/src/inputs.rs (tests/all/declared.rs; SHIPGATE_BLESS=1).";

/// The Action's inputs: one per name, in table order, with the entries that share the name.
fn action_inputs() -> Vec<(&'static str, Vec<&'static Input>)> {
    let mut named: Vec<(&str, Vec<&Input>)> = Vec::new();
    for input in INPUTS.iter().filter(|i| i.in_action()) {
        match named.iter_mut().find(|(name, _)| *name == input.name) {
            Some((_, entries)) => entries.push(input),
            None => named.push((input.name, vec![input])),
        }
    }
    named
}

fn commands(input: &Input) -> String {
    input
        .commands
        .iter()
        .filter(|c| c.in_action())
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sentence that states a default in prose.
fn default_sentence(input: &Input) -> String {
    match (input.default, input.config_key) {
        (Default::Documented(text), Some(key)) => {
            format!(" Default: {text} (or the config file's `{key}`).")
        }
        (Default::Documented(text), None) => format!(" Default: {text}."),
        (Default::Value(text), _) => format!(" Default: `{text}`."),
        _ => String::new(),
    }
}

/// A YAML double-quoted string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `action.yml`'s `inputs:` section.
fn action_yml_inputs() -> String {
    let mut out = String::from(
        "inputs:\n  # Policy inputs have no default here on purpose: an action default would always be set\n  # and would override the config file.\n",
    );
    for (name, entries) in action_inputs() {
        let shared_default = entries
            .iter()
            .map(|e| match e.default {
                Default::Value(v) | Default::Expression(v) => Some(v),
                _ => None,
            })
            .reduce(|a, b| if a == b { a } else { None })
            .flatten();
        let description = entries
            .iter()
            .map(|e| {
                let every = Cmd::ALL
                    .iter()
                    .filter(|c| c.in_action())
                    .all(|c| e.commands.contains(c));
                let mut text = if every {
                    e.help.to_string()
                } else {
                    format!("{}: {}", commands(e), e.help)
                };
                if e.kind == Kind::List {
                    text.push_str(" One per line.");
                }
                if shared_default.is_none() || !matches!(e.default, Default::Value(_)) {
                    text.push_str(&default_sentence(e));
                }
                if e.required {
                    text.push_str(" Required.");
                }
                text
            })
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(out, "  {name}:");
        let _ = writeln!(out, "    description: {}", quoted(&description));
        let _ = writeln!(out, "    required: false");
        if let Some(default) = shared_default {
            let _ = writeln!(out, "    default: {}", quoted(default));
        }
    }
    out
}

/// The `env:` lines of the step that runs `shipgate action`.
fn action_yml_env() -> String {
    action_inputs()
        .iter()
        .map(|(name, _)| {
            format!(
                "        INPUT_{}: ${{{{ inputs.{name} }}}}\n",
                name.to_uppercase()
            )
        })
        .collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The input table of one command in `docs/action.md`.
fn action_doc_table(cmd: Cmd) -> String {
    let mut out = String::from("| Input | Default | Meaning |\n| --- | --- | --- |\n");
    for input in of(cmd, Surface::Action) {
        let default = match (input.default, input.config_key) {
            (Default::Value(v) | Default::Expression(v), _) => format!("`{v}`"),
            (Default::Documented(v), Some(_)) => format!("{v} (*policy*)"),
            (Default::Documented(v), None) => v.to_string(),
            (Default::None, _) if input.required => "— (required)".into(),
            (Default::None, _) => "—".into(),
        };
        let mut meaning = input.help.to_string();
        if input.kind == Kind::List {
            meaning.push_str(" One per line.");
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            input.name,
            cell(&default),
            cell(&meaning)
        );
    }
    out
}

/// The flag table of one command in `docs/cli.md`.
fn cli_doc_table(cmd: Cmd) -> String {
    let mut out = String::from("| Flag | Default | Meaning |\n| --- | --- | --- |\n");
    for input in of(cmd, Surface::Cli) {
        let flag = match input.kind {
            _ if input.positional => format!("`[{}]` (argument)", input.value_name),
            Kind::Bool => format!("`--{}[=BOOL]`", input.flag),
            Kind::List => format!("`--{} {}` (repeatable)", input.flag, input.value_name),
            Kind::Text => format!("`--{} {}`", input.flag, input.value_name),
        };
        let default = match input.default {
            Default::Value(v) => format!("`{v}`"),
            Default::Documented(v) => v.to_string(),
            _ if input.required => "— (required)".into(),
            _ => "—".into(),
        };
        let mut meaning = input.help.to_string();
        if let Some(key) = input.config_key {
            let _ = write!(meaning, " Overrides the config's `{key}`.");
        }
        if input.in_action() && input.commands.iter().any(|c| c.in_action()) {
            let _ = write!(meaning, " Action input `{}`.", input.name);
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&flag),
            cell(&default),
            cell(&meaning)
        );
    }
    out
}

/// Replaces the text between `start` and `end` in `text` (markers kept) with `generated`.
fn splice(text: &str, start: &str, end: &str, generated: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(format!("{}{generated}{}", &text[..from], &text[to..]))
}

/// Checks (or, with `SHIPGATE_BLESS=1`, rewrites) the generated regions of a file.
fn check_file(path: &str, regions: &[(String, String, String)]) {
    let full = repo_root().join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut expected = text.clone();
    for (start, end, generated) in regions {
        expected = splice(&expected, start, end, generated)
            .unwrap_or_else(|| panic!("{path}: markers {start:?} … {end:?} not found"));
    }
    if expected == text {
        return;
    }
    if std::env::var("SHIPGATE_BLESS").as_deref() == Ok("1") {
        std::fs::write(&full, &expected).expect("rewrite");
        return;
    }
    let diff: Vec<String> = expected
        .lines()
        .zip(text.lines())
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .take(5)
        .map(|(n, (want, got))| format!("line {}:\n  want: {want}\n  have: {got}", n + 1))
        .collect();
    panic!(
        "{path} disagrees with the input table (crates/shipgate/src/inputs.rs); run the tests with SHIPGATE_BLESS=1 to rewrite it:\n{}",
        diff.join("\n")
    );
}

#[test]
fn action_yml_declares_exactly_the_table() {
    check_file(
        "action.yml",
        &[
            (
                format!("{INPUTS_MARKER}\n"),
                "\noutputs:".to_string(),
                action_yml_inputs(),
            ),
            (
                "        SHIPGATE_BIN: ${{ steps.install.outputs.path }}\n".to_string(),
                "      run: exec".to_string(),
                action_yml_env(),
            ),
        ],
    );
}

#[test]
fn the_docs_tables_are_the_table() {
    let action: Vec<(String, String, String)> = Cmd::ALL
        .into_iter()
        .filter(|c| c.in_action())
        .map(|c| {
            (
                format!("<!-- inputs: {} -->\n", c.name()),
                "<!-- /inputs -->".to_string(),
                action_doc_table(c),
            )
        })
        .collect();
    check_file("docs/action.md", &action);
    let cli: Vec<(String, String, String)> = Cmd::ALL
        .into_iter()
        .map(|c| {
            (
                format!("<!-- flags: {} -->\n", c.name()),
                "<!-- /flags -->".to_string(),
                cli_doc_table(c),
            )
        })
        .collect();
    check_file("docs/cli.md", &cli);
}

#[test]
fn every_input_is_passed_to_the_binary_as_actions_core_names_it() {
    // The runner gives composite actions no INPUT_* of their own: the step maps each one, and
    // `@actions/core` reads `INPUT_` + the name upper-cased with hyphens kept.
    let yml = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml");
    for (name, _) in action_inputs() {
        let line = format!("INPUT_{}: ${{{{ inputs.{name} }}}}", name.to_uppercase());
        assert!(
            yml.contains(&line),
            "action.yml does not pass {name}: {line}"
        );
    }
}

/// The README shows the shipped gate and trigger workflows exactly: one adoption path.
#[test]
fn the_readme_shows_the_shipped_workflows_verbatim() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    for file in [
        "workflows/shipgate-gate.yml",
        "workflows/shipgate-trigger.yml",
    ] {
        let shipped = std::fs::read_to_string(repo_root().join(file)).expect(file);
        assert!(
            readme.contains(&format!("```yaml\n{shipped}```")),
            "README.md does not show {file} verbatim"
        );
    }
}

/// The gate workflow runs with write permissions on `pull_request_target` and `workflow_run`:
/// it must never check out or run a pull request's code.
#[test]
fn the_gate_workflow_never_runs_pull_request_code() {
    for file in ["workflows/shipgate-gate.yml", ".github/workflows/gate.yml"] {
        let text = std::fs::read_to_string(repo_root().join(file)).expect(file);
        let code: Vec<&str> = text
            .lines()
            .map(str::trim_start)
            .filter(|l| !l.starts_with('#'))
            .collect();
        for forbidden in [
            "actions/checkout",
            "github.event.pull_request.head",
            "github.head_ref",
            "workflow_run.head",
        ] {
            assert!(
                !code.iter().any(|l| l.contains(forbidden)),
                "{file} uses {forbidden}"
            );
        }
        assert!(
            !code
                .iter()
                .any(|l| l.starts_with("run:") || l.starts_with("- run:")),
            "{file} runs a shell step"
        );
    }
}

/// The jobs of a workflow file: `(name, text)` for each key under `jobs:` (two-space indent).
fn jobs(text: &str) -> Vec<(String, String)> {
    let body = &text[text.find("\njobs:\n").expect("a jobs: section") + 7..];
    let mut jobs: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        let is_key = line.starts_with("  ") && !line.starts_with("   ") && line.ends_with(':');
        if is_key {
            jobs.push((line.trim().trim_end_matches(':').to_string(), String::new()));
        } else if let Some((_, job)) = jobs.last_mut() {
            job.push_str(line);
            job.push('\n');
        }
    }
    jobs
}

/// The production workflow: the guard runs first and the deploy needs it; each job holds only
/// the permissions it uses, and only the rollback job may start a workflow.
#[test]
fn the_production_workflow_deploys_only_past_the_guard() {
    let text = std::fs::read_to_string(repo_root().join("workflows/production.yml"))
        .expect("production.yml");
    let jobs = jobs(&text);
    let job = |name: &str| {
        jobs.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("production.yml has no job `{name}`"))
    };
    assert!(job("guard").contains("command: guard"));
    assert!(
        job("guard").lines().all(|l| !l.contains(": write")),
        "the guard only reads"
    );
    assert!(
        job("deploy").contains("    needs: guard\n"),
        "the deploy needs the guard"
    );
    assert!(job("deploy").contains("DEPLOY HOOK"));
    for (name, body) in &jobs {
        assert_eq!(
            body.contains("actions: write"),
            name == "rollback",
            "`actions: write` belongs to the rollback job only (found in `{name}`: {})",
            body.contains("actions: write")
        );
        assert!(
            body.contains("    permissions:\n"),
            "job `{name}` states its permissions"
        );
    }
    assert!(text.contains("\npermissions: {}\n"), "nothing by default");
}

/// The rollback workflow: the incident issue is written by a job of its own, after the
/// rollback however it ended, which alone may write issues and holds no production secrets; the
/// job that deploys the earlier release cannot write issues.
#[test]
fn the_rollback_workflow_writes_the_incident_from_its_own_job() {
    let text =
        std::fs::read_to_string(repo_root().join("workflows/rollback.yml")).expect("rollback.yml");
    let jobs = jobs(&text);
    let job = |name: &str| {
        jobs.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("rollback.yml has no job `{name}`"))
    };
    let incident = job("incident");
    assert!(incident.contains("command: incident"));
    assert!(incident.contains("    needs: rollback\n"));
    assert!(
        incident.contains("!cancelled()"),
        "after a failed rollback too"
    );
    assert!(!incident.contains("environment:"), "no production secrets");
    assert!(!incident.contains("secrets."), "no secrets");
    assert!(job("rollback").contains("ROLLBACK HOOK"));
    for (name, body) in &jobs {
        assert_eq!(
            body.contains("issues: write"),
            name == "incident",
            "`issues: write` belongs to the incident job only (job `{name}`)"
        );
        assert!(
            body.contains("    permissions:\n"),
            "job `{name}` states its permissions"
        );
    }
    assert!(text.contains("\npermissions: {}\n"), "nothing by default");
}

/// One action reference everywhere a user copies from: the README, the docs and the shipped
/// workflows name the same pin, so no copy points at a tag or branch that does not exist.
#[test]
fn every_copyable_reference_to_the_action_is_the_same_pin() {
    const PIN: &str = "shipgate/shipgate@0000000000000000000000000000000000000000 # v0.1.0";
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    for dir in ["docs", "workflows"] {
        for entry in std::fs::read_dir(root.join(dir)).expect(dir) {
            files.push(entry.expect("entry").path());
        }
    }
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let steps = text.lines().filter(|l| {
            let l = l.trim_start().trim_start_matches("- ");
            l.starts_with("uses: shipgate/shipgate@")
        });
        for line in steps {
            seen += 1;
            assert!(
                line.trim_start().trim_start_matches("- ").trim_start() == format!("uses: {PIN}"),
                "{}: `{}` is not `uses: {PIN}`",
                file.display(),
                line.trim()
            );
        }
    }
    assert!(seen > 10, "the references were found ({seen})");
}

/// Every variable and secret the shipped workflows read is set up by docs/getting-started.md
/// (`gh variable set NAME` / `gh secret set NAME`): following the guide leaves none unset.
#[test]
fn getting_started_sets_every_variable_and_secret_the_workflows_read() {
    let guide = std::fs::read_to_string(repo_root().join("docs/getting-started.md"))
        .expect("getting-started.md");
    let mut read = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(repo_root().join("workflows")).expect("workflows") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("a workflow");
        for (kind, prefix) in [("variable", "vars."), ("secret", "secrets.")] {
            for (at, _) in text.match_indices(prefix) {
                let name: String = text[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    read.insert((kind, name));
                }
            }
        }
    }
    assert!(read.len() > 10, "{read:?}");
    for (kind, name) in read {
        assert!(
            guide.contains(&format!("gh {kind} set {name} ")),
            "docs/getting-started.md never sets the {kind} {name} the workflows read"
        );
    }
}

/// The `run:` script of the step named `step` in a workflow's text, dedented.
fn step_script(text: &str, step: &str) -> String {
    let start = text
        .find(&format!("- name: {step}\n"))
        .unwrap_or_else(|| panic!("no step `{step}`"));
    let rest = &text[start..];
    let run = rest.find("run: |\n").expect("a run: | block") + "run: |\n".len();
    let lines: Vec<&str> = rest[run..]
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with("          "))
        .collect();
    lines
        .iter()
        .map(|l| l.strip_prefix("          ").unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The rollback workflow restores only a release the production branch went through: a release
/// tag on a commit of another branch (anyone who can push can tag one) is refused, so a manual
/// rollback cannot deploy code no gate has seen.
#[test]
fn the_rollback_workflow_restores_only_releases_of_its_branch() {
    let text =
        std::fs::read_to_string(repo_root().join("workflows/rollback.yml")).expect("rollback.yml");
    let script = step_script(&text, "Release to restore");
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q", "-b", "main"]);
    for (message, tag) in [("v1.3.0", "v1.3.0"), ("v1.4.0", "v1.4.0")] {
        git(&["commit", "-q", "--allow-empty", "-m", message]);
        git(&["tag", tag]);
    }
    let main = git(&["rev-parse", "HEAD"]);
    git(&["checkout", "-q", "-b", "mine", "v1.3.0"]);
    git(&["commit", "-q", "--allow-empty", "-m", "not reviewed"]);
    git(&["tag", "v1.3.1-x"]);
    git(&["checkout", "-q", "main"]);
    let run = |version: &str, to: &str| {
        let output = dir.path().join("output");
        let summary = dir.path().join("summary");
        std::fs::write(&output, "").unwrap();
        let out = std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
            .current_dir(dir.path())
            .env("BAD_VERSION", version)
            .env("BAD_SHA", "")
            .env("REQUESTED", to)
            .env("TRIGGER", "")
            .env("REASON", "")
            .env("GITHUB_SHA", &main)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            std::fs::read_to_string(&output).unwrap(),
        )
    };
    // The release before v1.4.0, on main: restored.
    let (code, stdout, output) = run("v1.4.0", "");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(output.contains("version=v1.3.0\n"), "{output}");
    let (code, _, output) = run("v1.4.0", "v1.3.0");
    assert_eq!(code, Some(0));
    assert!(output.contains("version=v1.3.0\n"), "{output}");
    // A release tag on a commit main never contained: refused, nothing handed on.
    let (code, stdout, output) = run("v1.4.0", "v1.3.1-x");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with("::error::v1.3.1-x is not in the history of the branch"),
        "{stdout}"
    );
    assert_eq!(output, "");
}
