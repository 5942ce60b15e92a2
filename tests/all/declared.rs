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
