//! The runner's environment: GitHub URLs, repository, token (placeholder until issue 3).
