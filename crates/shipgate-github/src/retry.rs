//! shipgate's retry policy for GitHub: which answers are worth another attempt, how long to wait,
//! and the bound on the total time spent.
//!
//! octocrab's own retry is off (it repeats 5xx and 429 at once, POSTs included). The rules here
//! follow GitHub's guidance on rate limits:
//! - idempotent requests (GET, PATCH, GraphQL queries) are retried on 5xx, 429, a 403 that is a
//!   secondary rate limit (the message says so, or `retry-after` is present) or a primary rate
//!   limit (`x-ratelimit-remaining: 0`, or a GraphQL 200 whose error has type `RATE_LIMITED`),
//!   and on transport failures and timeouts;
//! - the wait is `retry-after` when given, else the time until `x-ratelimit-reset` when the
//!   primary limit is exhausted, else [`RetryPolicy::secondary_rate_limit_wait`] for a secondary
//!   limit without headers, else exponential backoff with jitter;
//! - nothing is ever retried when the wait would overrun [`RetryPolicy::max_total`]: the last
//!   error is returned instead, so a call never takes longer than that bound (each attempt's own
//!   timeout is also cut to the time that remains).

use std::time::Duration;

/// How shipgate retries, paces and times out its GitHub requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (default 4).
    pub max_attempts: u32,
    /// Upper bound on the time one call may take, retries and waits included (default 60 s).
    pub max_total: Duration,
    /// Timeout of one attempt, connection and whole body included (default 20 s).
    pub request_timeout: Duration,
    /// First backoff step; doubled per attempt, with jitter (default 1 s).
    pub initial_backoff: Duration,
    /// Largest backoff step (default 16 s).
    pub max_backoff: Duration,
    /// Wait after a secondary rate limit that names no time (GitHub asks for at least a minute).
    pub secondary_rate_limit_wait: Duration,
    /// Requests in flight at once (default 4): well under GitHub's concurrency limit (100).
    pub max_in_flight: usize,
    /// Content-creating requests (REST POST and PATCH) that may go at once before the spacing
    /// applies (default 4, [`RetryPolicy::max_in_flight`]: two PRs' check run and comment).
    pub write_burst: u32,
    /// Gap between paced writes after the burst (default 750 ms: 80 a minute, GitHub's
    /// content-creation limit, spread evenly); zero turns the spacing off (the per-minute and
    /// per-hour limits still hold).
    pub write_spacing: Duration,
    /// Content-creating requests in any 60 s (default 80, GitHub's secondary limit).
    pub writes_per_minute: u32,
    /// Content-creating requests in any hour (default 500, GitHub's secondary limit). Counted
    /// per client — what this run sent; other workflows using the same token spend the same
    /// budget at GitHub. A write beyond it is not sent (an error, not a wait).
    pub writes_per_hour: u32,
    /// Paging (more requests after the first read) still going after this long is slow: the
    /// read's `before_paging` hook runs then, beside it (default 10 s). Zero: before paging.
    pub slow_paging: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_total: Duration::from_secs(60),
            request_timeout: Duration::from_secs(20),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(16),
            secondary_rate_limit_wait: Duration::from_secs(60),
            max_in_flight: 4,
            write_burst: 4,
            write_spacing: Duration::from_millis(750),
            writes_per_minute: 80,
            writes_per_hour: 500,
            slow_paging: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: the same rules, in milliseconds, writes not spaced (GitHub's
    /// per-minute and per-hour limits still counted), any paging slow.
    pub fn fast() -> Self {
        Self {
            max_attempts: 4,
            max_total: Duration::from_secs(5),
            request_timeout: Duration::from_millis(1500),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(40),
            secondary_rate_limit_wait: Duration::from_millis(50),
            max_in_flight: 4,
            write_burst: 4,
            write_spacing: Duration::from_millis(0),
            writes_per_minute: 80,
            writes_per_hour: 500,
            slow_paging: Duration::ZERO,
        }
    }

    /// The backoff before attempt `attempt + 1` (1-based `attempt`): `initial * 2^(attempt-1)`,
    /// capped, then "equal jitter" (a random point in the upper half) so that parallel clients
    /// do not retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(16);
        let step = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = step / 2;
        let jitter_ms = fastrand::u64(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter_ms)
    }
}

/// What an answer means for the retry loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A success: use it.
    Done,
    /// Worth another attempt after at least this long (None: use the backoff).
    Retry {
        /// The server's requested wait, when it named one.
        wait: Option<Duration>,
        /// Whether GitHub refused the request before doing anything (rate limits), so that even
        /// a creating POST can be repeated without looking first.
        not_processed: bool,
    },
    /// A final error: do not retry.
    Fail,
}

/// The headers and body facts the classification needs.
#[derive(Debug, Clone, Default)]
pub struct Answer<'a> {
    /// HTTP status.
    pub status: u16,
    /// `retry-after`, in seconds, when present and numeric.
    pub retry_after: Option<u64>,
    /// `x-ratelimit-remaining`, when present.
    pub ratelimit_remaining: Option<u64>,
    /// `x-ratelimit-reset` (epoch seconds), when present.
    pub ratelimit_reset: Option<u64>,
    /// The body's text (for the secondary-rate-limit message).
    pub body: &'a str,
    /// Whether a GraphQL answer (HTTP 200) carries an error of type `RATE_LIMITED`.
    pub graphql_rate_limited: bool,
}

/// Classifies an answer; `now_epoch` is the current Unix time, for `x-ratelimit-reset`.
pub fn classify(answer: &Answer<'_>, policy: &RetryPolicy, now_epoch: u64) -> Verdict {
    let status = answer.status;
    if (200..300).contains(&status) && !answer.graphql_rate_limited {
        return Verdict::Done;
    }
    let primary_exhausted = answer.ratelimit_remaining == Some(0);
    let secondary = status == 403
        && (answer.retry_after.is_some()
            || answer
                .body
                .to_ascii_lowercase()
                .contains("secondary rate limit"));
    let rate_limited = status == 429
        || secondary
        || (status == 403 && primary_exhausted)
        || answer.graphql_rate_limited;
    if rate_limited {
        let wait = if let Some(secs) = answer.retry_after {
            Some(Duration::from_secs(secs))
        } else if primary_exhausted {
            let reset = answer.ratelimit_reset.unwrap_or(now_epoch);
            // One extra second: the reset time is rounded down by GitHub.
            Some(Duration::from_secs(reset.saturating_sub(now_epoch) + 1))
        } else if secondary {
            Some(policy.secondary_rate_limit_wait)
        } else {
            None
        };
        return Verdict::Retry {
            wait,
            not_processed: true,
        };
    }
    if status >= 500 {
        return Verdict::Retry {
            wait: answer.retry_after.map(Duration::from_secs),
            not_processed: false,
        };
    }
    Verdict::Fail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16) -> Answer<'static> {
        Answer {
            status,
            ..Answer::default()
        }
    }

    #[test]
    fn success_is_done_and_client_errors_are_final() {
        let p = RetryPolicy::default();
        assert_eq!(classify(&answer(200), &p, 0), Verdict::Done);
        assert_eq!(classify(&answer(201), &p, 0), Verdict::Done);
        assert_eq!(classify(&answer(404), &p, 0), Verdict::Fail);
        assert_eq!(classify(&answer(422), &p, 0), Verdict::Fail);
        // A plain 403 (no permission) is not a rate limit.
        let a = Answer {
            status: 403,
            body: r#"{"message":"Resource not accessible by integration"}"#,
            ..Answer::default()
        };
        assert_eq!(classify(&a, &p, 0), Verdict::Fail);
    }

    #[test]
    fn server_errors_are_retried_with_backoff() {
        let p = RetryPolicy::default();
        for status in [500, 502, 503, 504] {
            assert_eq!(
                classify(&answer(status), &p, 0),
                Verdict::Retry {
                    wait: None,
                    not_processed: false
                }
            );
        }
    }

    #[test]
    fn secondary_rate_limit_by_message_or_retry_after() {
        let p = RetryPolicy::default();
        let by_message = Answer {
            status: 403,
            body: r#"{"message":"You have exceeded a secondary rate limit. Please wait."}"#,
            ..Answer::default()
        };
        assert_eq!(
            classify(&by_message, &p, 0),
            Verdict::Retry {
                wait: Some(Duration::from_secs(60)),
                not_processed: true
            }
        );
        let by_header = Answer {
            status: 403,
            retry_after: Some(3),
            ..Answer::default()
        };
        assert_eq!(
            classify(&by_header, &p, 0),
            Verdict::Retry {
                wait: Some(Duration::from_secs(3)),
                not_processed: true
            }
        );
    }

    #[test]
    fn primary_rate_limit_waits_until_reset() {
        let p = RetryPolicy::default();
        let a = Answer {
            status: 403,
            ratelimit_remaining: Some(0),
            ratelimit_reset: Some(1_000_030),
            ..Answer::default()
        };
        assert_eq!(
            classify(&a, &p, 1_000_000),
            Verdict::Retry {
                wait: Some(Duration::from_secs(31)),
                not_processed: true
            }
        );
        let too_many = Answer {
            status: 429,
            ..Answer::default()
        };
        assert_eq!(
            classify(&too_many, &p, 0),
            Verdict::Retry {
                wait: None,
                not_processed: true
            }
        );
    }

    #[test]
    fn graphql_rate_limit_in_a_200_waits_until_reset() {
        let p = RetryPolicy::default();
        let a = Answer {
            status: 200,
            ratelimit_remaining: Some(0),
            ratelimit_reset: Some(110),
            graphql_rate_limited: true,
            ..Answer::default()
        };
        assert_eq!(
            classify(&a, &p, 100),
            Verdict::Retry {
                wait: Some(Duration::from_secs(11)),
                not_processed: true
            }
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
            let third = p.backoff(3);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
            let capped = p.backoff(30);
            assert!(capped >= Duration::from_secs(8) && capped <= Duration::from_secs(16));
        }
    }
}
