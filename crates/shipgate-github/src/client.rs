//! The GitHub client: octocrab underneath, shipgate's own retry policy on top.
//!
//! PLACEHOLDER SIGNATURES — the GitHub-integration work replaces the bodies; other modules may
//! code against these signatures now.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::Error;

/// How to reach GitHub.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The token (never printed).
    pub token: String,
    /// REST base, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql`.
    pub graphql_url: String,
}

/// A GitHub client with shipgate's retry policy.
#[derive(Debug, Clone)]
pub struct Client {
    config: ClientConfig,
}

impl Client {
    /// Builds a client.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Ok(Self { config })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// GET `path` (relative to the REST base, e.g. `/repos/o/r/deployments?per_page=100`),
    /// retried as an idempotent request.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let _ = path;
        Err(Error::Config("not implemented yet".into()))
    }

    /// GET one page; returns the decoded body and the `next` URL from the `Link` header.
    pub async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, Option<String>), Error> {
        let _ = path;
        Err(Error::Config("not implemented yet".into()))
    }

    /// POST a JSON body; never blindly retried (creating requests are not idempotent).
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let _ = (path, serde_json::to_value(body));
        Err(Error::Config("not implemented yet".into()))
    }

    /// PATCH a JSON body (idempotent: retried).
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let _ = (path, serde_json::to_value(body));
        Err(Error::Config("not implemented yet".into()))
    }

    /// POST a GraphQL document; `errors` in the answer are an error even with partial data.
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<T, Error> {
        let _ = (query, variables);
        Err(Error::Config("not implemented yet".into()))
    }
}
