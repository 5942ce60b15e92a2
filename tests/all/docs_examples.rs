//! The examples of the post-deploy pages (`docs/verify.md`, `docs/watch.md`, `docs/record.md`)
//! are commands a reader copies: every `shipgate …` line of their `sh` blocks must parse, and the
//! ones that need no outside service run here as written — with a local service standing in for
//! the example hosts and the fake GitHub for GitHub, and no other environment than the
//! prerequisites the page states (`export NAME=…` lines).

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde_json::Value;
use shipgate::inputs::{command, Cmd};
use shipgate_fake::Repo;

use crate::support::fake::{self, OWNER, TOKEN};
use crate::support::repo_root;
use crate::support::run::{shipgate, Github, Run};
use crate::support::service::{Service, UP};

/// The fenced code blocks of a docs page in `lang`, in order.
fn blocks(page: &str, lang: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("docs").join(page)).expect("docs page");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(&text) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(l))) if l.as_ref() == lang => {
                current = Some(String::new());
            }
            Event::Text(t) => {
                if let Some(block) = current.as_mut() {
                    block.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

/// A shell block as its commands (words, quotes removed) and the variables it exports. Only
/// what the examples use is understood: `\` line continuations, single and double quotes, `#`
/// comments, `export NAME=…`; a `$` expansion is refused (an example must not depend on the
/// reader's environment beyond what it exports).
fn commands(block: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let joined = block.replace("\\\n", " ");
    let mut commands = Vec::new();
    let mut exports = Vec::new();
    for line in joined.lines() {
        let words = words(line);
        match words.first().map(String::as_str) {
            None => {}
            Some("export") => exports.push(
                words[1]
                    .split_once('=')
                    .expect("export NAME=…")
                    .0
                    .to_string(),
            ),
            Some(_) => commands.push(words),
        }
    }
    (commands, exports)
}

fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' if word.is_none() => break,
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '$' => panic!("an example depends on the environment: {line}"),
                        '\\' => w.extend(chars.next()),
                        c => w.push(c),
                    }
                }
            }
            '$' => panic!("an example depends on the environment: {line}"),
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The `shipgate` commands of a page's `sh` blocks, with what the page exports.
fn examples(page: &str) -> Vec<(Vec<String>, Vec<String>)> {
    blocks(page, "sh")
        .iter()
        .map(|b| commands(b))
        .flat_map(|(commands, exports)| {
            commands
                .into_iter()
                .filter(|c| c[0] == "shipgate")
                .map(move |c| (c, exports.clone()))
        })
        .collect()
}

#[test]
fn every_example_command_of_the_post_deploy_pages_parses() {
    let mut seen = 0;
    for page in ["verify.md", "watch.md", "record.md", "rules.md"] {
        for (words, _) in examples(page) {
            let cmd = Cmd::parse(&words[1]).unwrap_or_else(|| panic!("{page}: {words:?}"));
            if let Err(e) = command(cmd).try_get_matches_from(&words[1..]) {
                panic!("{page}: {words:?} does not parse: {e}");
            }
            seen += 1;
        }
    }
    assert!(seen >= 6, "the pages' examples were found: {seen}");
}

#[test]
fn the_record_examples_run_as_written() {
    let repo = Repo::new(OWNER, "docs-record-examples");
    let name = repo.full_name();
    fake::github().load(repo);
    let github = Github::direct(fake::github());
    let dir = tempfile::tempdir().unwrap();
    let examples = examples("record.md");
    assert_eq!(examples.len(), 3, "{examples:?}");
    for (words, exports) in examples {
        // The page's repository is this test's on the fake; GitHub's API is the fake's.
        let words: Vec<String> = words[1..]
            .iter()
            .map(|w| w.replace("acme/shop", &name))
            .collect();
        let mut run = shipgate(&words)
            .current_dir(dir.path())
            .env("GITHUB_API_URL", &github.api_url())
            .env("GITHUB_GRAPHQL_URL", &github.graphql_url());
        for export in exports {
            assert_eq!(export, "GITHUB_TOKEN", "an unexpected prerequisite");
            run = run.env("GITHUB_TOKEN", TOKEN);
        }
        let out = run.run();
        assert_eq!(out.code, 0, "{words:?}: {}", out.stderr);
    }
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let states: Vec<String> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["state"].to_string())
        .collect();
    assert_eq!(states, ["\"in_progress\"", "\"success\"", "\"success\""]);
    let created = fake::github()
        .requests(&name)
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/deployments"))
        .count();
    assert_eq!(created, 2, "the audit-only example wrote no deployment");
}

/// The example hosts of `docs/verify.md`, served by one local service.
fn local(text: &str, service: &Service) -> String {
    let base = service.url("");
    text.replace("https://api.example.com", &base)
        .replace("https://www.example.com", &base)
}

#[test]
fn the_verify_examples_run_as_written() {
    let service = Service::start(UP, None);
    let (words, exports) = examples("verify.md").remove(0);
    assert!(exports.is_empty(), "verify needs no token or repository");
    let words: Vec<String> = words[1..].iter().map(|w| local(w, &service)).collect();
    let out = shipgate(&words).run();
    assert_eq!(out.code, 0, "{words:?}: {}", out.stderr);
    // The Action's example: the inputs of its `with:`.
    let yaml = blocks("verify.md", "yaml").remove(0);
    let repo = Repo::new(OWNER, "docs-verify-example");
    let name = repo.full_name();
    fake::github().load(repo);
    let mut run = Run::new(
        Github::direct(fake::github()),
        &name,
        "push",
        &serde_json::json!({}),
    );
    let inputs = with_inputs(&yaml);
    assert!(inputs.iter().any(|(k, _)| k == "health-urls"), "{yaml}");
    for (input, value) in inputs {
        run = run.input(&input, &local(&value, &service));
    }
    let ran = run.run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.outputs["healthy"], "true");
}

/// The `with:` inputs of a step in a YAML example: `key: value` and `key: |` blocks.
fn with_inputs(yaml: &str) -> Vec<(String, String)> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "with:")
        .expect("a with: block");
    let base = indent(lines[start]);
    let mut inputs = Vec::new();
    let mut i = start + 1;
    while i < lines.len() && indent(lines[i]) > base {
        let (key, value) = lines[i].trim().split_once(':').expect("key: value");
        let level = indent(lines[i]);
        i += 1;
        if value.trim() == "|" {
            let mut block = String::new();
            while i < lines.len() && indent(lines[i]) > level {
                block.push_str(lines[i].trim());
                block.push('\n');
                i += 1;
            }
            inputs.push((key.to_string(), block));
        } else {
            inputs.push((key.to_string(), value.trim().to_string()));
        }
    }
    inputs
}
