//! The rules of `verify` beyond "the URL answers 2xx" (user documentation: `docs/verify.md`):
//!
//! - [`security`]: the pre-production security checklist, judged on recorded answers (HTTP
//!   redirects to HTTPS, HSTS, CORS, rate limiting);
//! - [`env`]: the environment's configuration (`expect-env`, `require-env`), judged on the values
//!   the binary looked up — and never showing them.
//!
//! The binary makes the requests and reads the environment; everything here is a function of
//! what it found.

pub mod env;
pub mod security;
