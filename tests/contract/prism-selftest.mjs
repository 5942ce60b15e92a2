#!/usr/bin/env node
// Self-test of the REST contract harness: starts a tiny upstream on 127.0.0.1, puts
// `prism proxy --errors` loaded with the OpenAPI subset in front of it (the same way a Rust
// test does), and checks that prism rejects what the spec rejects without forwarding it,
// forwards what the spec accepts, and turns an upstream answer that breaks the spec into a 500.
// If this fails, the end-to-end tests' contract checking cannot be trusted.
//
// Usage: node tests/contract/prism-selftest.mjs   (needs SHIPGATE_PRISM and SHIPGATE_OPENAPI)
// Node 20, no dependencies.

import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";

const prism = process.env.SHIPGATE_PRISM;
const spec = process.env.SHIPGATE_OPENAPI;
if (!prism || !spec) {
  console.error("prism-selftest: SHIPGATE_PRISM and SHIPGATE_OPENAPI must be set (scripts/test.sh)");
  process.exit(2);
}

const SHA = "1111111111111111111111111111111111111111";
const received = [];

/** The fake upstream: records each request and answers by path. */
const upstream = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    received.push(`${req.method} ${req.url}`);
    const json = (status, value) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(value));
    };
    if (req.url.includes("/git/ref/tags/")) {
      const tag = decodeURIComponent(req.url.split("/git/ref/tags/")[1]);
      return json(200, {
        ref: `refs/tags/${tag}`,
        node_id: "REF_1",
        url: `https://api.github.com/repos/o/r/git/refs/tags/${tag}`,
        object: { type: "commit", sha: SHA, url: `https://api.github.com/repos/o/r/git/commits/${SHA}` },
      });
    }
    if (req.url.includes("/git/matching-refs/tags/")) {
      return json(200, [
        {
          ref: "refs/tags/v1.4.0",
          node_id: "REF_1",
          url: "https://api.github.com/repos/o/r/git/refs/tags/v1.4.0",
          object: { type: "tag", sha: SHA, url: `https://api.github.com/repos/o/r/git/tags/${SHA}` },
        },
      ]);
    }
    if (req.url.includes("/contents/.github/")) {
      return json(200, {
        type: "file",
        encoding: "base64",
        size: 13,
        name: "shipgate.yml",
        path: ".github/shipgate.yml",
        content: "c29hazogMjRoCg==",
        sha: SHA,
        url: "https://api.github.com/repos/o/r/contents/.github/shipgate.yml",
        git_url: null,
        html_url: null,
        download_url: null,
        _links: { git: null, html: null, self: "https://api.github.com/repos/o/r/contents/.github/shipgate.yml" },
      });
    }
    if (req.url.includes("/git/ref/")) {
      return json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
    }
    // Deliberately not a check run: prism --errors must refuse to pass this on.
    return json(201, { hello: "world" });
  });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPrism(base, child, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited (${child.exitCode}):\n${log.join("")}`);
    try {
      await fetch(base, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`prism did not answer within 60 s:\n${log.join("")}`);
}

const results = [];
async function check(name, request, expect) {
  const before = received.length;
  const res = await fetch(request.url, {
    method: request.method ?? "GET",
    headers: {
      accept: "application/vnd.github+json",
      authorization: "Bearer not-a-real-token",
      ...(request.body ? { "content-type": "application/json" } : {}),
    },
    body: request.body ? JSON.stringify(request.body) : undefined,
  });
  const text = await res.text();
  const forwarded = received.length > before;
  const problems = [];
  if (res.status !== expect.status) problems.push(`status ${res.status}, expected ${expect.status}`);
  if (forwarded !== expect.forwarded) {
    problems.push(expect.forwarded ? "was not forwarded to the upstream" : "was forwarded to the upstream");
  }
  if (expect.bodyIncludes && !text.includes(expect.bodyIncludes)) {
    problems.push(`body lacks ${JSON.stringify(expect.bodyIncludes)}`);
  }
  results.push({ name, problems, text });
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${name}${problems.length ? `: ${problems.join("; ")}\n     body: ${text.slice(0, 400)}` : ""}`);
}

await new Promise((resolve) => upstream.listen(0, "127.0.0.1", resolve));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const log = [];
const child = spawn(prism, ["proxy", "--errors", "-h", "127.0.0.1", "-p", String(port), spec, upstreamUrl], {
  env: { ...process.env, SCARF_ANALYTICS: "false" },
  stdio: ["ignore", "pipe", "pipe"],
});
child.stdout.on("data", (d) => log.push(String(d)));
child.stderr.on("data", (d) => log.push(String(d)));

let exitCode = 1;
try {
  const started = Date.now();
  await waitForPrism(base, child, log);
  console.log(`prism-selftest: prism answered after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  await check(
    "POST check-runs without name -> 422, not forwarded",
    { method: "POST", url: `${base}/repos/o/r/check-runs`, body: { head_sha: SHA } },
    { status: 422, forwarded: false, bodyIncludes: "must have required property 'name'" },
  );
  await check(
    "POST check-runs, valid request, upstream answers a non-check-run -> forwarded, 500",
    { method: "POST", url: `${base}/repos/o/r/check-runs`, body: { name: "shipgate", head_sha: SHA } },
    { status: 500, forwarded: true, bodyIncludes: "Response body must have required property 'id'" },
  );
  await check(
    "GET git/ref/tags/v1.4.0 (tag clone path) -> forwarded, 200",
    { url: `${base}/repos/o/r/git/ref/tags/v1.4.0` },
    { status: 200, forwarded: true, bodyIncludes: "refs/tags/v1.4.0" },
  );
  await check(
    "GET git/matching-refs/tags/v1. (tag clone path) -> forwarded, 200",
    { url: `${base}/repos/o/r/git/matching-refs/tags/v1.` },
    { status: 200, forwarded: true, bodyIncludes: "refs/tags/v1.4.0" },
  );
  await check(
    "GET contents/.github/shipgate.yml?ref=<sha> (.github clone path) -> forwarded, 200",
    { url: `${base}/repos/o/r/contents/.github/shipgate.yml?ref=${SHA}` },
    { status: 200, forwarded: true, bodyIncludes: "c29hazogMjRoCg==" },
  );
  await check(
    "GET git/ref/heads/main (no clone path) -> 404 from prism, not forwarded",
    { url: `${base}/repos/o/r/git/ref/heads/main` },
    { status: 404, forwarded: false, bodyIncludes: "NO_PATH_MATCHED_ERROR" },
  );
  await check(
    "GET pulls?state=weird -> 422, not forwarded",
    { url: `${base}/repos/o/r/pulls?state=weird` },
    { status: 422, forwarded: false, bodyIncludes: "allowed values" },
  );
  await check(
    "POST issues/comments/1 (octocrab's update_comment method) -> 405, not forwarded",
    { method: "POST", url: `${base}/repos/o/r/issues/comments/1`, body: { body: "x" } },
    { status: 405, forwarded: false, bodyIncludes: "NO_METHOD_MATCHED_ERROR" },
  );
  await check(
    "GET branches (not in the subset) -> 404, not forwarded",
    { url: `${base}/repos/o/r/branches` },
    { status: 404, forwarded: false },
  );
  const failed = results.filter((r) => r.problems.length > 0).length;
  console.log(`prism-selftest: ${results.length - failed} passed, ${failed} failed`);
  exitCode = failed === 0 ? 0 : 1;
} catch (err) {
  console.error(`prism-selftest: error: ${err.message}`);
} finally {
  child.kill("SIGTERM");
  upstream.close();
}
process.exit(exitCode);
