#!/usr/bin/env node
// Extracts the part of GitHub's official OpenAPI description that shipgate uses, so that
// `prism proxy` starts in about a second instead of ~12 s on the full 13 MB document.
//
// Usage: node scripts/openapi-subset.mjs [INPUT.json [OUTPUT.json]]
//   INPUT  defaults to .tools/node_modules/@octokit/openapi/generated/api.github.com.json
//   OUTPUT defaults to .tools/openapi-subset.json
//
// The output is generated, never edited by hand and never committed: scripts/test.sh
// regenerates it on every run. Every `$ref` is kept as a reference; the components it needs
// are copied transitively. A missing operation or a dangling `$ref` is an error (exit 1), so a
// new @octokit/openapi release that renames something fails loudly instead of silently
// shrinking the contract.
//
// Node 20, no dependencies.

import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The REST operations shipgate sends, by GitHub's operationId. Keep sorted by area. */
export const OPERATIONS = [
  "pulls/get",
  "pulls/list",
  "repos/get-content",
  "checks/create",
  "checks/update",
  "checks/list-for-ref",
  "repos/create-commit-status",
  "repos/list-commit-statuses-for-ref",
  "issues/list-comments",
  "issues/create-comment",
  "issues/update-comment",
  "issues/create",
  "issues/update",
  "repos/list-deployments",
  "repos/create-deployment",
  "repos/get-deployment",
  "repos/list-deployment-statuses",
  "repos/create-deployment-status",
  "actions/create-workflow-dispatch",
  "repos/get-collaborator-permission-level",
  "repos/list-releases",
  "git/list-matching-refs",
  "git/get-ref",
  "git/get-tag",
  "repos/list-pull-requests-associated-with-commit",
  // The security gate's reads.
  "dependabot/list-alerts-for-repo",
  "code-scanning/list-alerts-for-repo",
  "secret-scanning/list-alerts-for-repo",
];

/**
 * Extra paths cloned from an operation whose last path parameter may hold slashes
 * (`x-multi-segment` in GitHub's document). Prism matches one segment per template
 * parameter, so `git/ref/{ref}` never matches `git/ref/tags/v1.4.0`; the clone
 * `git/ref/tags/{tag}` does. `param` is the parameter replaced, `prefix` the literal
 * segment(s) put before it, `name` the new parameter's name.
 */
export const MULTI_SEGMENT_CLONES = [
  { operationId: "git/get-ref", param: "ref", prefix: "tags", name: "tag" },
  { operationId: "git/list-matching-refs", param: "ref", prefix: "tags", name: "tag" },
  // The policy file lives at .github/shipgate.yml.
  { operationId: "repos/get-content", param: "path", prefix: ".github", name: "file" },
];

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Follows a local `$ref` ("#/components/schemas/x") inside `doc`; throws when dangling. */
function lookup(doc, ref, where) {
  if (!ref.startsWith("#/")) throw new Error(`non-local $ref ${ref} in ${where}`);
  let node = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !(key in node)) {
      throw new Error(`dangling $ref ${ref} in ${where}`);
    }
    node = node[key];
  }
  return node;
}

/** Every `$ref` string found anywhere under `node`. */
function refsIn(node, out = []) {
  if (Array.isArray(node)) {
    for (const item of node) refsIn(item, out);
  } else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}

/** Resolves a parameter that may be a `$ref`, for reading its name. */
function resolveParam(doc, param) {
  return param.$ref ? lookup(doc, param.$ref, "parameters") : param;
}

/** Builds the subset document from the full one. Pure: returns a new object. */
export function subset(full) {
  const wanted = new Set(OPERATIONS);
  const found = new Map(); // operationId -> { path, method }
  const paths = {};

  for (const [path, item] of Object.entries(full.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op || !wanted.has(op.operationId)) continue;
      if (found.has(op.operationId)) {
        throw new Error(`operationId ${op.operationId} appears twice`);
      }
      found.set(op.operationId, { path, method });
      paths[path] ??= {};
      // Path-level keys (parameters, summary) apply to every method: keep them.
      for (const [key, value] of Object.entries(item)) {
        if (!METHODS.includes(key)) paths[path][key] = value;
      }
      paths[path][method] = op;
    }
  }

  const missing = OPERATIONS.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new Error(`operations not found in the OpenAPI document: ${missing.join(", ")}`);
  }

  for (const clone of MULTI_SEGMENT_CLONES) {
    const { path, method } = found.get(clone.operationId);
    const template = `{${clone.param}}`;
    if (!path.endsWith(`/${template}`)) {
      throw new Error(`${clone.operationId}: path ${path} does not end with /${template}`);
    }
    const newPath = `${path.slice(0, -template.length)}${clone.prefix}/{${clone.name}}`;
    const op = structuredClone(full.paths[path][method]);
    op.operationId = `${clone.operationId}--${clone.prefix.replace(/[^a-z0-9]/gi, "")}`;
    op.summary = `${op.summary ?? ""} (${clone.prefix}/…, generated by scripts/openapi-subset.mjs)`;
    let replaced = 0;
    op.parameters = (op.parameters ?? []).map((param) => {
      const resolved = resolveParam(full, param);
      if (resolved.in !== "path" || resolved.name !== clone.param) return param;
      replaced += 1;
      const copy = structuredClone(resolved);
      delete copy["x-multi-segment"];
      delete copy.example;
      copy.name = clone.name;
      copy.description = `${resolved.description ?? ""} (the part after \`${clone.prefix}/\`)`;
      return copy;
    });
    if (replaced !== 1) {
      throw new Error(`${clone.operationId}: expected one path parameter ${clone.param}`);
    }
    paths[newPath] ??= {};
    for (const [key, value] of Object.entries(full.paths[path])) {
      if (!METHODS.includes(key)) paths[newPath][key] = value;
    }
    paths[newPath][method] = op;
  }

  // Copy every component reachable from the kept paths, following $refs transitively.
  const components = {};
  const seen = new Set();
  const queue = refsIn(paths).map((ref) => [ref, "paths"]);
  while (queue.length > 0) {
    const [ref, where] = queue.pop();
    if (seen.has(ref)) continue;
    seen.add(ref);
    const target = lookup(full, ref, where);
    const parts = ref.slice(2).split("/");
    if (parts[0] !== "components" || parts.length !== 3) {
      throw new Error(`unexpected $ref shape ${ref} in ${where}`);
    }
    const [, kind, name] = parts;
    components[kind] ??= {};
    components[kind][name] = target;
    for (const inner of refsIn(target)) queue.push([inner, ref]);
  }
  for (const kind of Object.keys(components)) {
    components[kind] = Object.fromEntries(
      Object.entries(components[kind]).sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  const usedTags = new Set(
    Object.values(paths).flatMap((item) =>
      METHODS.flatMap((m) => (item[m]?.tags ?? [])),
    ),
  );
  const out = {
    openapi: full.openapi,
    info: {
      ...full.info,
      description: `${full.info?.description ?? ""}\n\nSubset for shipgate's contract tests, generated by scripts/openapi-subset.mjs.`,
    },
    servers: full.servers,
    externalDocs: full.externalDocs,
    tags: (full.tags ?? []).filter((tag) => usedTags.has(tag.name)),
    paths,
    components,
  };
  // Self-check: every $ref in the output resolves inside the output.
  for (const ref of refsIn(out)) lookup(out, ref, "subset");
  return out;
}

function main(argv) {
  const input = resolve(
    argv[0] ?? `${root}/.tools/node_modules/@octokit/openapi/generated/api.github.com.json`,
  );
  const output = resolve(argv[1] ?? `${root}/.tools/openapi-subset.json`);
  let full;
  try {
    full = JSON.parse(readFileSync(input, "utf8"));
  } catch (err) {
    throw new Error(`cannot read OpenAPI document ${input}: ${err.message}`);
  }
  const result = subset(full);
  // Write then rename, so a failed run never leaves a half-written subset behind.
  const tmp = `${output}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(result, null, 1)}\n`);
  renameSync(tmp, output);
  const count = Object.values(result.paths).reduce(
    (n, item) => n + METHODS.filter((m) => item[m]).length,
    0,
  );
  const componentCount = Object.values(result.components).reduce(
    (n, kind) => n + Object.keys(kind).length,
    0,
  );
  console.log(
    `openapi-subset: ${count} operations on ${Object.keys(result.paths).length} paths, ` +
      `${componentCount} components -> ${output}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`openapi-subset: error: ${err.message}`);
    process.exit(1);
  }
}
