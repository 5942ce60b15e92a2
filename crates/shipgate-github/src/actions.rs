//! GitHub Actions: dispatching a workflow (`workflow_dispatch`), which is how `shipgate watch`
//! starts a rollback workflow.
//!
//! GitHub answers a dispatch with `204 No Content` and starts the run later; the answer names no
//! run, and nothing ties a run to the request that started it. So:
//! - only a 204 counts as dispatched; any other answer, 2xx included, is an error naming the
//!   status (a 200 would mean an API that behaves differently from the one this was written for);
//! - the request is repeated only when GitHub refused it unprocessed (a rate limit). After an
//!   answer that leaves in doubt whether the run was started (a 5xx, a timeout, a lost
//!   connection) it is **not** repeated — there is no lookup that could tell, and a second
//!   rollback run is worse than a reported error — and the call fails with that error, so the
//!   caller reports the dispatch as failed and a person checks the workflow's runs.

use serde_json::{Map, Value};

use crate::client::Client;
use crate::deployments::split_repo;
use crate::error::Error;
use shipgate_core::escape::url_component;

/// Checks that `file` names a workflow of `.github/workflows/` — its file name (`rollback.yml`)
/// or its numeric id — and not a path: no `/` or `\`, not `.` or `..`, not blank.
pub fn check_workflow_file(file: &str) -> Result<(), Error> {
    let reason = if file.trim().is_empty() {
        "it is empty"
    } else if file.contains(['/', '\\']) {
        "give the file name under .github/workflows/ (e.g. `rollback.yml`), not a path"
    } else if file == "." || file == ".." {
        "it is not a file name"
    } else if file.chars().any(char::is_control) {
        "it contains control characters"
    } else {
        return Ok(());
    };
    Err(Error::WorkflowFile {
        file: file.to_string(),
        reason: reason.to_string(),
    })
}

/// Dispatches the workflow `workflow_file` of `repo` (`owner/name`) on `git_ref` with `inputs`
/// (string values): `POST /repos/{owner}/{repo}/actions/workflows/{file}/dispatches`, the file
/// name path-escaped. `Ok` only when GitHub answered 204; see the module documentation for
/// what happens when the answer leaves in doubt whether the run was started.
pub async fn dispatch_workflow(
    client: &Client,
    repo: &str,
    workflow_file: &str,
    git_ref: &str,
    inputs: &[(&str, &str)],
) -> Result<(), Error> {
    let (owner, name) = split_repo(repo)?;
    check_workflow_file(workflow_file)?;
    let path = format!(
        "/repos/{owner}/{name}/actions/workflows/{}/dispatches",
        url_component(workflow_file)
    );
    let inputs: Map<String, Value> = inputs
        .iter()
        .map(|(key, value)| ((*key).to_string(), Value::from(*value)))
        .collect();
    let body = serde_json::json!({ "ref": git_ref, "inputs": inputs });
    match client.post_for_status(&path, &body).await? {
        204 => Ok(()),
        status => Err(Error::Status {
            method: "POST".into(),
            path,
            status,
            message: "expected 204 No Content; the dispatch is not confirmed".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;
    use std::time::Duration;

    use serde_json::json;
    use shipgate_fake::state::Dispatch;
    use shipgate_fake::{FakeGithub, Fault, Repo};

    use super::*;
    use crate::client::{ClientConfig, RetryPolicy};

    const INPUTS: &[(&str, &str)] = &[
        ("sha", "0123abcd"),
        ("version", "v1.4.0"),
        ("trigger", "health failing"),
        ("reason", "health check failing for 3m"),
    ];

    fn client(url: &str) -> Client {
        Client::with_policy(
            ClientConfig {
                token: "ghs_test".into(),
                api_url: url.into(),
                graphql_url: format!("{url}/graphql"),
            },
            RetryPolicy::fast(),
        )
        .unwrap()
    }

    /// The fake GitHub shared by these tests (each uses its own repository), with an empty
    /// `acme/<name>` loaded, and a client for it.
    fn fake(name: &str) -> (&'static FakeGithub, Client) {
        static FAKE: OnceLock<FakeGithub> = OnceLock::new();
        let fake = FAKE.get_or_init(FakeGithub::start);
        fake.load(Repo::new("acme", name));
        (fake, client(&fake.url()))
    }

    fn posts(fake: &FakeGithub, repo: &str) -> usize {
        fake.requests(repo)
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    }

    #[tokio::test]
    async fn a_dispatch_sends_the_ref_and_inputs_and_counts_on_204() {
        let (fake, client) = fake("dispatch");
        dispatch_workflow(&client, "acme/dispatch", "rollback.yml", "main", INPUTS)
            .await
            .unwrap();
        let repo = fake.repo("acme/dispatch").unwrap();
        assert_eq!(
            repo.dispatches,
            [Dispatch {
                workflow: "rollback.yml".into(),
                git_ref: "main".into(),
                inputs: json!({
                    "sha": "0123abcd",
                    "version": "v1.4.0",
                    "trigger": "health failing",
                    "reason": "health check failing for 3m",
                }),
            }]
        );
        let requests = fake.requests("acme/dispatch");
        assert_eq!(
            requests[0].path,
            "/repos/acme/dispatch/actions/workflows/rollback.yml/dispatches"
        );
    }

    #[tokio::test]
    async fn the_file_name_is_path_escaped() {
        let (fake, client) = fake("escaped");
        dispatch_workflow(&client, "acme/escaped", "roll back+1.yml", "v1", &[])
            .await
            .unwrap();
        assert_eq!(
            fake.requests("acme/escaped")[0].path,
            "/repos/acme/escaped/actions/workflows/roll%20back%2B1.yml/dispatches"
        );
        let repo = fake.repo("acme/escaped").unwrap();
        assert_eq!(repo.dispatches[0].workflow, "roll back+1.yml");
        assert_eq!(repo.dispatches[0].inputs, json!({}));
    }

    #[tokio::test]
    async fn paths_are_refused_before_anything_is_sent() {
        let (fake, client) = fake("paths");
        for file in [
            "../ci.yml",
            "a/b.yml",
            "..",
            ".",
            "",
            "  ",
            "a\\b.yml",
            "x\n.yml",
        ] {
            let err = dispatch_workflow(&client, "acme/paths", file, "main", INPUTS)
                .await
                .unwrap_err();
            assert!(matches!(err, Error::WorkflowFile { .. }), "{file:?}: {err}");
        }
        assert_eq!(
            dispatch_workflow(&client, "acme/paths", "a/b.yml", "main", &[])
                .await
                .unwrap_err()
                .to_string(),
            "invalid workflow file \"a/b.yml\": give the file name under .github/workflows/ \
             (e.g. `rollback.yml`), not a path"
        );
        assert!(check_workflow_file("rollback.yml").is_ok());
        assert!(check_workflow_file("161335").is_ok(), "a workflow id");
        assert!(check_workflow_file("..yml").is_ok());
        assert!(fake.requests("acme/paths").is_empty());
    }

    #[tokio::test]
    async fn an_error_status_is_an_error_naming_it() {
        let (fake, client) = fake("missing");
        fake.inject(Fault::status(
            "POST",
            "/repos/acme/missing/actions/workflows/",
            404,
            1,
        ));
        let err = dispatch_workflow(&client, "acme/missing", "rollback.yml", "main", INPUTS)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Status { status: 404, .. }), "{err}");
        assert!(fake.repo("acme/missing").unwrap().dispatches.is_empty());
    }

    #[tokio::test]
    async fn a_doubtful_answer_is_not_repeated() {
        // A 502 or a timeout may come after the run was started: no second dispatch.
        let (fake, client) = fake("doubt");
        fake.inject(Fault::status(
            "POST",
            "/repos/acme/doubt/actions/workflows/",
            502,
            1,
        ));
        let err = dispatch_workflow(&client, "acme/doubt", "rollback.yml", "main", INPUTS)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Status { status: 502, .. }), "{err}");
        assert_eq!(posts(fake, "acme/doubt"), 1);

        fake.inject(Fault::kind(
            "POST",
            "/repos/acme/doubt/actions/workflows/",
            shipgate_fake::FaultKind::Delay(Duration::from_secs(3)),
            1,
        ));
        let err = dispatch_workflow(&client, "acme/doubt", "rollback.yml", "main", INPUTS)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
        assert_eq!(posts(fake, "acme/doubt"), 2);
    }

    #[tokio::test]
    async fn a_rate_limit_refusal_is_repeated() {
        // GitHub did not process it: repeating cannot start a second run.
        let (fake, client) = fake("limited");
        fake.inject(Fault::secondary_rate_limit(
            "POST",
            "/repos/acme/limited/actions/workflows/",
            0,
            1,
        ));
        dispatch_workflow(&client, "acme/limited", "rollback.yml", "main", INPUTS)
            .await
            .unwrap();
        assert_eq!(posts(fake, "acme/limited"), 2);
        assert_eq!(fake.repo("acme/limited").unwrap().dispatches.len(), 1);
    }

    #[tokio::test]
    async fn only_204_counts_as_dispatched() {
        // GitHub answers 204; any other success status (a proxy, a changed API) is not a
        // confirmed dispatch.
        let (fake, client) = fake("other-2xx");
        for status in [200u16, 201, 202] {
            fake.inject(Fault::status(
                "POST",
                "/repos/acme/other-2xx/actions/workflows/",
                status,
                1,
            ));
            let err = dispatch_workflow(&client, "acme/other-2xx", "rollback.yml", "main", INPUTS)
                .await
                .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "GitHub answered {status} to POST \
                     /repos/acme/other-2xx/actions/workflows/rollback.yml/dispatches: \
                     expected 204 No Content; the dispatch is not confirmed"
                )
            );
        }
    }

    #[tokio::test]
    async fn the_repository_must_be_owner_slash_name() {
        let (_fake, client) = fake("repo");
        for repo in ["acme", "acme/x/y", "/x", "acme/sh op"] {
            assert!(
                dispatch_workflow(&client, repo, "rollback.yml", "main", &[])
                    .await
                    .is_err(),
                "{repo}"
            );
        }
    }
}
