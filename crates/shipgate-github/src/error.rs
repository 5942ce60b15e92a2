//! Errors of GitHub I/O, carrying what a user needs: the request, the HTTP status, GitHub's message.

/// An error talking to GitHub.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// GitHub answered with an error status.
    #[error("GitHub answered {status} to {method} {path}: {message}")]
    Status {
        /// HTTP method.
        method: String,
        /// Request path (no host, no token).
        path: String,
        /// HTTP status code.
        status: u16,
        /// GitHub's `message`, or the start of the body.
        message: String,
    },
    /// The request could not be sent or the answer not received (connection, timeout).
    #[error("cannot reach GitHub for {method} {path}: {message}")]
    Transport {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// GitHub's answer could not be understood (truncated or unexpected JSON).
    #[error("unexpected answer from GitHub to {method} {path}: {message}")]
    Decode {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// What was wrong with it.
        message: String,
    },
    /// The GraphQL answer carried `errors` (even with partial data, it is not trusted).
    #[error("GitHub GraphQL error: {0}")]
    GraphQl(String),
    /// The event payload lacks what its routing needs.
    #[error("cannot route the `{event}` event: {message}")]
    Event {
        /// The event name (`GITHUB_EVENT_NAME`).
        event: String,
        /// What is missing or wrong, naming the field.
        message: String,
    },
    /// A workflow to dispatch is named by something other than a file name (or id) of
    /// `.github/workflows/`.
    #[error("invalid workflow file {file:?}: {reason}")]
    WorkflowFile {
        /// The name as given.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A write beyond the hour's budget of content-creating requests (GitHub's secondary limit,
    /// counted for this client): not sent.
    #[error("not sent: {method} {path} would pass the {limit} content-creating requests an hour this run may send (GitHub's secondary rate limit)")]
    WriteBudget {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// The budget (`RetryPolicy::writes_per_hour`).
        limit: u32,
    },
    /// Bad configuration of the client (token, URLs).
    #[error("invalid GitHub client configuration: {0}")]
    Config(String),
}
