//! The Action's gate pipeline run in process, as of a chosen moment: the binary has no clock to
//! set (docs/security.md), so "the same run, 15 minutes later" is this — the same
//! `shipgate::pipeline::run` the Action makes (policy from the production branch, publishing
//! on), with `now` moved on.

use chrono::{DateTime, Utc};
use shipgate::pipeline::{self, PolicySource, Publishing, Request, Source};
use shipgate_core::facts::Repository;
use shipgate_github::targets::Targets;
use shipgate_github::{Client, ClientConfig, RetryPolicy};

use super::fake::TOKEN;
use super::run::Github;

/// Runs the Action's gate on `owner/name` for `targets` as of `now`, against `github`.
pub fn action_gate_at(
    github: &Github<'_>,
    owner: &str,
    name: &str,
    targets: Targets,
    now: DateTime<Utc>,
) -> pipeline::Run {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // The client spawns onto the runtime it is made in.
        let client = Client::with_policy(
            ClientConfig {
                token: TOKEN.into(),
                api_url: github.api_url(),
                graphql_url: github.graphql_url(),
            },
            RetryPolicy::default(),
        )
        .expect("a client");
        pipeline::run(Request {
            source: Source::GitHub {
                client: &client,
                repository: Repository {
                    owner: owner.into(),
                    name: name.into(),
                },
                own_workflow_run: None,
            },
            targets,
            policy: PolicySource::ProductionBranch {
                path: ".github/shipgate.yml".into(),
                explicit: false,
                overrides: Default::default(),
            },
            publishing: Publishing::On {
                comment: true,
                details_url: None,
            },
            now,
        })
        .await
        .expect("the gate runs")
    })
}
