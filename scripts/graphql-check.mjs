#!/usr/bin/env node
// Checks GraphQL documents and answers against GitHub's official schema
// (@octokit/graphql-schema's schema.graphql, read with the pinned `graphql` package), so that
// neither shipgate's queries nor the fake GitHub's answers can drift from GitHub's shapes.
//
// Usage:
//   node scripts/graphql-check.mjs validate FILE.graphql...
//       Parses and validates each document. Exit 1 with every error (file:line:column) if any
//       document is invalid or uses a deprecated field or enum value (GitHub removes them).
//   node scripts/graphql-check.mjs answer DOC.graphql ANSWER.json [VARIABLES.json]
//       Executes DOC against the schema with ANSWER's `data` as root value; every field reads
//       the same-named property (its alias, if aliased) of its parent object. Passes only when
//       execution has no errors and the result equals ANSWER's `data` exactly, so a missing,
//       extra or wrongly-typed field fails. Where the document selects fields by concrete type
//       (`... on Tag`) in an interface/union position, the object must carry `__typename` (and
//       so the document must ask for it there, as GitHub only sends it on request).
//   node scripts/graphql-check.mjs manifest MANIFEST.json
//       Many checks with one schema load (~1 s each otherwise): MANIFEST is a JSON array of
//       {"document": PATH, "answer"?: PATH, "variables"?: PATH, "expect"?: "pass"|"fail",
//        "reason"?: TEXT}, paths relative to MANIFEST's folder. Without "answer" the document is
//       validated. "expect": "fail" inverts the check (it must be rejected, and when "reason"
//       is given, with a message containing it) - used by the self-test of this script.
//
// Environment: SHIPGATE_GRAPHQL_SCHEMA (schema file), SHIPGATE_TOOLS (where `graphql` is
// installed); both default to the locations under .tools/ that scripts/test.sh installs.
// Exit codes: 0 all good, 1 a check failed, 2 usage or input error.
//
// Node 20; the only dependency is the pinned `graphql` package in .tools/.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tools = resolve(process.env.SHIPGATE_TOOLS ?? `${root}/.tools`);
const schemaPath = resolve(
  process.env.SHIPGATE_GRAPHQL_SCHEMA ??
    `${tools}/node_modules/@octokit/graphql-schema/schema.graphql`,
);

/** A problem with the command line or an input file (exit 2), not a failed check. */
class UsageError extends Error {}

function loadGraphql() {
  try {
    return createRequire(`${tools}/package.json`)("graphql");
  } catch (err) {
    throw new UsageError(`cannot load the graphql package from ${tools}: ${err.message}`);
  }
}

const graphql = loadGraphql();
const {
  GraphQLError,
  GraphQLScalarType,
  NoDeprecatedCustomRule,
  buildSchema,
  execute,
  parse,
  validate,
} = graphql;

function readText(path, what) {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${err.message}`);
  }
}

function readJson(path, what) {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${err.message}`);
  }
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * How GitHub encodes each of its custom scalars in JSON. buildSchema gives custom scalars an
 * identity serializer that accepts anything; these make a wrongly-typed value an error.
 */
const SCALAR_CHECKS = {
  DateTime: (v) => typeof v === "string" && ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
  PreciseDateTime: (v) =>
    typeof v === "string" && ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
  GitTimestamp: (v) =>
    typeof v === "string" && ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
  Date: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v),
  GitObjectID: (v) => typeof v === "string" && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(v),
  URI: (v) => typeof v === "string" && URL.canParse(v),
  // GitHub sends BigInt as a string of digits, since it may not fit a JSON number.
  BigInt: (v) => typeof v === "string" && /^-?\d+$/.test(v),
};

function loadSchema() {
  let schema;
  try {
    schema = buildSchema(readText(schemaPath, "GraphQL schema"));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot build the GraphQL schema from ${schemaPath}: ${err.message}`);
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLScalarType) || type.name.startsWith("__")) continue;
    if (["String", "Int", "Float", "Boolean", "ID"].includes(type.name)) continue;
    // Every GitHub custom scalar is a JSON string; the known ones get a stricter format.
    const check = SCALAR_CHECKS[type.name] ?? ((v) => typeof v === "string");
    type.serialize = (value) => {
      if (!check(value)) {
        throw new GraphQLError(
          `${JSON.stringify(value)} is not a valid ${type.name} as GitHub sends it`,
        );
      }
      return value;
    };
  }
  return schema;
}

function location(file, err) {
  const loc = err.locations?.[0];
  return loc ? `${file}:${loc.line}:${loc.column}` : file;
}

/** Parses a document file; a syntax error becomes a failure message naming file:line:col. */
function parseFile(file) {
  const source = readText(file, "GraphQL document");
  try {
    return { document: parse(source) };
  } catch (err) {
    if (err instanceof GraphQLError) return { failures: [`${location(file, err)}: ${err.message}`] };
    throw err;
  }
}

/** Returns the list of failure messages for one document file (empty when it is valid). */
function validateFile(schema, file) {
  const { document, failures } = parseFile(file);
  return failures ?? validateDocument(schema, file, document);
}

/** Validation errors of a parsed document, deprecated fields included, as messages. */
function validateDocument(schema, file, document) {
  const errors = validate(schema, document);
  if (errors.length === 0) {
    // GitHub removes deprecated fields after a stated date; a document using one would break
    // against the real API while still passing here, so a deprecated field is an error.
    errors.push(...validate(schema, document, [NoDeprecatedCustomRule]));
  }
  return errors.map((err) => `${location(file, err)}: ${err.message}`);
}

/** Lists where `actual` differs from `expected`, as `path: …` lines (at most `limit`). */
function differences(expected, actual, path = "data", out = [], limit = 20) {
  if (out.length >= limit) return out;
  const kind = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  if (kind(expected) !== kind(actual)) {
    out.push(
      `${path}: the answer has ${JSON.stringify(expected)} but the schema gives ${JSON.stringify(actual)}`,
    );
  } else if (kind(expected) === "array") {
    if (expected.length !== actual.length) {
      out.push(`${path}: length ${expected.length} in the answer, ${actual.length} executed`);
    }
    for (let i = 0; i < Math.min(expected.length, actual.length); i += 1) {
      differences(expected[i], actual[i], `${path}[${i}]`, out, limit);
    }
  } else if (kind(expected) === "object") {
    for (const key of Object.keys(expected)) {
      if (!Object.hasOwn(actual, key)) {
        out.push(`${path}.${key}: in the answer but not selected by the document`);
      }
    }
    for (const key of Object.keys(actual)) {
      if (!Object.hasOwn(expected, key)) {
        out.push(`${path}.${key}: selected by the document but missing from the answer`);
      } else {
        differences(expected[key], actual[key], `${path}.${key}`, out, limit);
      }
    }
  } else if (!Object.is(expected, actual)) {
    out.push(
      `${path}: the answer has ${JSON.stringify(expected)} but the schema gives ${JSON.stringify(actual)}`,
    );
  }
  return out;
}

/** Reads each field as the same-named property (its response key: alias or name). */
function fieldResolver(source, _args, _context, info) {
  if (source === null || typeof source !== "object") return undefined;
  return Object.hasOwn(source, info.path.key) ? source[info.path.key] : undefined;
}

/** Whether a field's selection picks fields by concrete type (inline fragment or spread). */
function selectsByType(info, abstractType) {
  return info.fieldNodes.some((node) =>
    (node.selectionSet?.selections ?? []).some(
      (sel) =>
        sel.kind === "FragmentSpread" ||
        (sel.kind === "InlineFragment" &&
          sel.typeCondition &&
          sel.typeCondition.name.value !== abstractType.name),
    ),
  );
}

/**
 * Picks the concrete type of an interface/union value from its `__typename`. Without one, the
 * value is only acceptable when the document selects interface fields alone (no fragment on a
 * concrete type): then every implementation gives the same result, so the first one is used.
 */
function typeResolver(value, _context, info, abstractType) {
  if (value && typeof value === "object" && typeof value.__typename === "string") {
    return value.__typename;
  }
  if (!selectsByType(info, abstractType)) {
    return info.schema.getPossibleTypes(abstractType)[0]?.name;
  }
  throw new GraphQLError(
    `${abstractType.name} is an interface or union and the document selects fields by type ` +
      `here: the object needs __typename (ask for it in the document)`,
  );
}

/** Returns the failure messages for one (document, answer, variables) triple. */
function checkAnswer(schema, docFile, answerFile, variablesFile) {
  const label = `${answerFile} (for ${docFile})`;
  const { document, failures } = parseFile(docFile);
  if (failures) return failures;
  const invalid = validateDocument(schema, docFile, document);
  if (invalid.length > 0) return invalid;

  const answer = readJson(answerFile, "answer");
  const variables = variablesFile ? readJson(variablesFile, "variables") : undefined;
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    return [`${label}: an answer must be a JSON object with "data"`];
  }
  const unknown = Object.keys(answer).filter((k) => !["data", "errors", "extensions"].includes(k));
  if (unknown.length > 0) {
    return [`${label}: unexpected top-level keys ${unknown.join(", ")} (GitHub sends data, errors)`];
  }
  const problems = [];
  if ("errors" in answer) {
    const ok =
      Array.isArray(answer.errors) &&
      answer.errors.length > 0 &&
      answer.errors.every((e) => e && typeof e === "object" && typeof e.message === "string");
    if (!ok) problems.push(`${label}: "errors" must be a non-empty array of objects with a string "message"`);
  }
  if (!("data" in answer) || answer.data === null) {
    if (!("errors" in answer)) problems.push(`${label}: no "data" and no "errors"`);
    return problems;
  }
  if (typeof answer.data !== "object" || Array.isArray(answer.data)) {
    return [...problems, `${label}: "data" must be an object`];
  }

  const result = execute({
    schema,
    document,
    rootValue: answer.data,
    variableValues: variables,
    fieldResolver,
    typeResolver,
  });
  if (typeof result?.then === "function") {
    return [...problems, `${label}: execution unexpectedly went asynchronous`];
  }
  for (const err of result.errors ?? []) {
    const where = err.path ? `data.${err.path.join(".")}` : location(docFile, err);
    problems.push(`${label}: ${where}: ${err.message}`);
  }
  const executed = JSON.parse(JSON.stringify(result.data ?? null));
  // An execution error nulls its parent, so the diff would only repeat it less clearly.
  if (!result.errors?.length && !isDeepStrictEqual(executed, answer.data)) {
    const diff = differences(answer.data, executed);
    problems.push(
      ...(diff.length > 0 ? diff : ["the executed result differs from the answer"]).map(
        (d) => `${label}: ${d}`,
      ),
    );
  }
  return problems;
}

function usage() {
  return (
    "usage: graphql-check.mjs validate FILE.graphql...\n" +
    "       graphql-check.mjs answer DOC.graphql ANSWER.json [VARIABLES.json]\n" +
    "       graphql-check.mjs manifest MANIFEST.json"
  );
}

/** Reads a manifest: a non-empty array of checks, paths relative to the manifest's folder. */
function readManifest(file) {
  const manifest = readJson(file, "manifest");
  const base = dirname(resolve(file));
  if (!Array.isArray(manifest) || manifest.length === 0) {
    throw new UsageError(`manifest ${file} must be a non-empty JSON array`);
  }
  return manifest.map((entry, i) => {
    const where = `manifest ${file} entry ${i}`;
    if (entry === null || typeof entry !== "object" || typeof entry.document !== "string") {
      throw new UsageError(`${where}: needs a "document" path`);
    }
    for (const key of Object.keys(entry)) {
      if (!["document", "answer", "variables", "expect", "reason"].includes(key)) {
        throw new UsageError(`${where}: unknown key "${key}"`);
      }
    }
    for (const key of ["answer", "variables", "reason"]) {
      if (entry[key] !== undefined && typeof entry[key] !== "string") {
        throw new UsageError(`${where}: "${key}" must be a string`);
      }
    }
    if (entry.variables !== undefined && entry.answer === undefined) {
      throw new UsageError(`${where}: "variables" without "answer"`);
    }
    const expect = entry.expect ?? "pass";
    if (expect !== "pass" && expect !== "fail") {
      throw new UsageError(`${where}: "expect" must be "pass" or "fail"`);
    }
    if (entry.reason !== undefined && expect !== "fail") {
      throw new UsageError(`${where}: "reason" only applies to "expect": "fail"`);
    }
    const document = resolve(base, entry.document);
    return entry.answer === undefined
      ? { kind: "validate", file: document, expect, reason: entry.reason }
      : {
          kind: "answer",
          document,
          answer: resolve(base, entry.answer),
          variables: entry.variables && resolve(base, entry.variables),
          expect,
          reason: entry.reason,
        };
  });
}

/** Runs one check; returns the problems that make it fail (empty when it passes). */
function runCheck(schema, check) {
  const problems =
    check.kind === "validate"
      ? validateFile(schema, check.file)
      : checkAnswer(schema, check.document, check.answer, check.variables);
  if (check.expect !== "fail") return problems;
  // A check that must be rejected passes only when it is, and for the stated reason.
  if (problems.length === 0) return ["was accepted but must be rejected"];
  if (check.reason && !problems.some((p) => p.includes(check.reason))) {
    return [`was rejected, but not for ${JSON.stringify(check.reason)}:`, ...problems];
  }
  return [];
}

function main(argv) {
  const [mode, ...args] = argv;
  let checks;
  if (mode === "validate" && args.length > 0) {
    checks = args.map((file) => ({ kind: "validate", file }));
  } else if (mode === "answer" && (args.length === 2 || args.length === 3)) {
    checks = [{ kind: "answer", document: args[0], answer: args[1], variables: args[2] }];
  } else if (mode === "manifest" && args.length === 1) {
    checks = readManifest(args[0]);
  } else {
    throw new UsageError(usage());
  }

  const schema = loadSchema();
  let failed = 0;
  for (const check of checks) {
    const problems = runCheck(schema, check);
    const name = `${check.kind === "validate" ? check.file : check.answer}${
      check.expect === "fail" ? " (must be rejected)" : ""
    }`;
    if (problems.length > 0) {
      failed += 1;
      console.error(`FAIL ${name}`);
      for (const problem of problems) console.error(`  ${problem}`);
    } else {
      console.log(`ok   ${name}`);
    }
  }
  // The plain "N passed, N failed" line that CI logs are read for.
  console.log(`graphql-check: ${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`graphql-check: ${err instanceof UsageError ? "" : "error: "}${err.message}`);
  process.exitCode = 2;
}
