#!/usr/bin/env node
// Checks GraphQL documents and answers against GitHub's official schema
// (@octokit/graphql-schema's schema.graphql, read with the pinned `graphql` package), so that
// neither shipgate's queries nor the fake GitHub's answers can drift from GitHub's shapes.
//
// Usage:
//   node scripts/graphql-check.mjs validate FILE.graphql...
//       Parses and validates each document. Exit 1 with every error (file:line:column) if any
//       document is invalid. Uses of deprecated fields are printed as warnings.
//   node scripts/graphql-check.mjs answer DOC.graphql ANSWER.json [VARIABLES.json]
//       Executes DOC against the schema with ANSWER's `data` as root value; every field reads
//       the same-named property (its alias, if aliased) of its parent object. Passes only when
//       execution has no errors and the result equals ANSWER's `data` exactly, so a missing,
//       extra or wrongly-typed field fails. Objects in interface/union positions must carry
//       `__typename` (and so the document must ask for it, as GitHub only sends it on request).
//   node scripts/graphql-check.mjs answers MANIFEST.json
//       The same for many answers with one schema load: MANIFEST is a JSON array of
//       {"document": PATH, "answer": PATH, "variables"?: PATH}, paths relative to MANIFEST.
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
  const schema = buildSchema(readText(schemaPath, "GraphQL schema"));
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

/** Returns the list of failure messages for one document (empty when it is valid). */
function validateFile(schema, file) {
  const { document, failures } = parseFile(file);
  if (failures) return failures;
  const errors = validate(schema, document);
  if (errors.length === 0) {
    for (const warning of validate(schema, document, [NoDeprecatedCustomRule])) {
      console.error(`warning: ${location(file, warning)}: ${warning.message}`);
    }
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

function pathText(path) {
  const keys = [];
  for (let p = path; p; p = p.prev) keys.unshift(p.key);
  return ["data", ...keys].join(".");
}

/** Picks the concrete type of an interface/union value from its `__typename`. */
function typeResolver(value, _context, info, abstractType) {
  if (value && typeof value === "object" && typeof value.__typename === "string") {
    return value.__typename;
  }
  throw new GraphQLError(
    `${pathText(info.path)}: ${abstractType.name} is an interface or union; the object needs ` +
      `__typename (ask for it in the document)`,
  );
}

/** Returns the failure messages for one (document, answer, variables) triple. */
function checkAnswer(schema, docFile, answerFile, variablesFile) {
  const label = `${answerFile} (for ${docFile})`;
  const { document, failures } = parseFile(docFile);
  if (failures) return failures;
  const invalid = validate(schema, document).map((err) => `${location(docFile, err)}: ${err.message}`);
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
  if (!isDeepStrictEqual(executed, answer.data)) {
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
    "       graphql-check.mjs answers MANIFEST.json"
  );
}

function main(argv) {
  const [mode, ...args] = argv;
  let checks;
  if (mode === "validate" && args.length > 0) {
    checks = args.map((file) => ({ kind: "validate", file }));
  } else if (mode === "answer" && (args.length === 2 || args.length === 3)) {
    checks = [{ kind: "answer", document: args[0], answer: args[1], variables: args[2] }];
  } else if (mode === "answers" && args.length === 1) {
    const manifest = readJson(args[0], "manifest");
    const base = dirname(resolve(args[0]));
    if (!Array.isArray(manifest) || manifest.length === 0) {
      throw new UsageError(`manifest ${args[0]} must be a non-empty JSON array`);
    }
    checks = manifest.map((entry, i) => {
      if (typeof entry?.document !== "string" || typeof entry?.answer !== "string") {
        throw new UsageError(`manifest ${args[0]} entry ${i}: needs "document" and "answer" paths`);
      }
      if (entry.variables !== undefined && typeof entry.variables !== "string") {
        throw new UsageError(`manifest ${args[0]} entry ${i}: "variables" must be a path`);
      }
      return {
        kind: "answer",
        document: resolve(base, entry.document),
        answer: resolve(base, entry.answer),
        variables: entry.variables && resolve(base, entry.variables),
      };
    });
  } else {
    throw new UsageError(usage());
  }

  const schema = loadSchema();
  let failed = 0;
  for (const check of checks) {
    const problems =
      check.kind === "validate"
        ? validateFile(schema, check.file)
        : checkAnswer(schema, check.document, check.answer, check.variables);
    const name = check.kind === "validate" ? check.file : check.answer;
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
