#!/usr/bin/env bash
# shipgate's one test command (README, .ci/run): installs the pinned test tools into .tools/,
# then runs formatting, clippy, the whole cargo test suite and the contract checks, failing on
# the first failure and printing how long each phase took.
#
# Usage: bash scripts/test.sh [--tools-only | --print-env | --no-cargo]
#   (none)        install tools, then fmt, clippy, cargo test (ignored tests included: they are
#                 the ones that need the tools), contract checks
#   --tools-only  install tools and exit
#   --print-env   install tools (progress on stderr), then print `export …` lines on stdout:
#                 eval "$(bash scripts/test.sh --print-env)"; cargo test -p shipgate --test all x
#   --no-cargo    install tools and run only the contract checks
# See docs/testing.md for the tools, their pinned versions and the environment it exports.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

mode=all
case "${1:-}" in
  "") ;;
  --tools-only) mode=tools ;;
  --print-env) mode="env" ;;
  --no-cargo) mode=contract ;;
  *)
    echo "usage: bash scripts/test.sh [--tools-only | --print-env | --no-cargo]" >&2
    exit 2
    ;;
esac

TOOLS=$repo_root/.tools
mkdir -p "$TOOLS"
# In --print-env mode stdout carries only the export lines.
if [[ $mode == env ]]; then exec 3>&1 1>&2; fi

export SCARF_ANALYTICS=false # prism's dependency would otherwise phone home on install
export DEBIAN_FRONTEND=noninteractive
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-auto}
# One build from scratch, as on CI: incremental compilation only adds its bookkeeping there
# (about a quarter of the workspace crates' build time, measured; docs/testing.md).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

phase_names=()
phase_times=()
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
current_phase=""
phase_start=0
begin() {
  current_phase=$1
  phase_start=$(now)
  printf '\n==> %s\n' "$1"
}
end() {
  local took
  took=$(elapsed "$phase_start")
  phase_names+=("$current_phase")
  phase_times+=("$took")
  printf '==> %s: ok (%ss)\n' "$current_phase" "$took"
  current_phase=""
}
print_times() {
  local i
  for i in "${!phase_names[@]}"; do
    printf '    %7ss  %s\n' "${phase_times[$i]}" "${phase_names[$i]}"
  done
}
report_failure() {
  local rc=$?
  if [[ -n $current_phase ]]; then
    printf '\n==> FAILED in phase "%s" after %ss (exit %s)\n' \
      "$current_phase" "$(elapsed "$phase_start")" "$rc" >&2
    if ((${#phase_names[@]} > 0)); then
      echo "    phases that passed before it:" >&2
      print_times >&2
    fi
  fi
}
trap report_failure EXIT

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- tools -----------------------------------------------------------------------------------

install_npm_tools() {
  # `npm ci` from the committed lock: exact versions and integrity hashes, nothing resolved.
  local stamp="$TOOLS/.npm-stamp"
  local want
  want="$(sha tools/package.json tools/package-lock.json) node-$(node --version)"
  if [[ -f $stamp && $(<"$stamp") == "$want" && -x $TOOLS/node_modules/.bin/prism ]]; then
    echo "npm tools: up to date (tools/package-lock.json unchanged)"
    return
  fi
  echo "npm tools: installing from tools/package-lock.json into $TOOLS/node_modules"
  rm -f "$stamp"
  cp tools/package.json tools/package-lock.json "$TOOLS/"
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
  # Fail closed: the installed versions must be exactly the pinned ones.
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  node -e '
    const [dir, manifest] = process.argv.slice(1);
    const pins = require(manifest).dependencies;
    let bad = 0;
    for (const [name, pin] of Object.entries(pins)) {
      const got = require(`${dir}/node_modules/${name}/package.json`).version;
      if (got !== pin) { console.error(`npm tools: ${name} is ${got}, pinned ${pin}`); bad = 1; }
    }
    process.exit(bad);
  ' "$TOOLS" "$repo_root/tools/package.json"
  echo "$want" >"$stamp"
}

install_python_tools() {
  local stamp="$TOOLS/.venv-stamp"
  local want
  want="$(sha tools/requirements.txt) $(python3 -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  if [[ -f $stamp && $(<"$stamp") == "$want" && -x $TOOLS/venv/bin/zizmor ]]; then
    echo "python tools: up to date (tools/requirements.txt unchanged)"
    return
  fi
  echo "python tools: creating $TOOLS/venv from tools/requirements.txt"
  rm -rf "$TOOLS/venv" "$stamp"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --requirement tools/requirements.txt
  "$TOOLS/venv/bin/python" -m pip check --disable-pip-version-check
  echo "$want" >"$stamp"
}

install_debian_tools() {
  local packages=()
  command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
  [[ -x /usr/bin/time ]] || packages+=(time)
  # The workflow-script tests run steps of the shipped workflows against a scratch repository.
  command -v git >/dev/null 2>&1 || packages+=(git)
  if ((${#packages[@]} == 0)); then
    echo "debian tools: prometheus, promtool, /usr/bin/time and git present"
  else
    if [[ $(id -u) -ne 0 ]]; then
      echo "debian tools: ${packages[*]} missing and not root; install them with apt-get" >&2
      return 1
    fi
    echo "debian tools: apt-get install ${packages[*]}"
    # The prometheus package wants to start its service. policy-rc.d (exit 101) tells
    # invoke-rc.d/deb-systemd-invoke not to start anything; ours is removed afterwards.
    local own_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      own_policy=1
    fi
    local before
    before=$(pgrep -u prometheus -x prometheus 2>/dev/null || true)
    local rc=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } || rc=$?
    ((own_policy)) && rm -f /usr/sbin/policy-rc.d
    ((rc == 0)) || return "$rc"
    # Should a service have started anyway, stop exactly the processes the install started.
    local pid
    for pid in $(pgrep -u prometheus -x prometheus 2>/dev/null || true); do
      if ! grep -qx "$pid" <<<"$before"; then
        echo "debian tools: stopping prometheus $pid started by the package install"
        kill "$pid" || true
      fi
    done
  fi
  prometheus --version 2>&1 | head -n 1
  promtool --version 2>&1 | head -n 1
}

begin "tools: npm (prism, GitHub OpenAPI/GraphQL/webhooks)"
install_npm_tools
end
begin "tools: python venv (check-jsonschema, zizmor)"
install_python_tools
end
begin "tools: debian (prometheus, promtool, time, git)"
install_debian_tools
end
begin "tools: OpenAPI subset"
node scripts/openapi-subset.mjs
end

export SHIPGATE_TOOLS=$TOOLS
export SHIPGATE_PRISM=$TOOLS/node_modules/.bin/prism
export SHIPGATE_OPENAPI=$TOOLS/openapi-subset.json
export SHIPGATE_GRAPHQL_SCHEMA=$TOOLS/node_modules/@octokit/graphql-schema/schema.graphql
export SHIPGATE_WEBHOOK_EXAMPLES=$TOOLS/node_modules/@octokit/webhooks-examples/api.github.com/index.json
export SHIPGATE_GRAPHQL_CHECK=$repo_root/scripts/graphql-check.mjs
SHIPGATE_PROMETHEUS=$(command -v prometheus)
SHIPGATE_PROMTOOL=$(command -v promtool)
export SHIPGATE_PROMETHEUS SHIPGATE_PROMTOOL
for var in SHIPGATE_PRISM SHIPGATE_OPENAPI SHIPGATE_GRAPHQL_SCHEMA SHIPGATE_WEBHOOK_EXAMPLES \
  SHIPGATE_GRAPHQL_CHECK SHIPGATE_PROMETHEUS SHIPGATE_PROMTOOL; do
  if [[ ! -e ${!var} ]]; then
    echo "tools: $var=${!var} does not exist after the install" >&2
    exit 1
  fi
done

if [[ $mode == env ]]; then
  for var in SHIPGATE_TOOLS SHIPGATE_PRISM SHIPGATE_OPENAPI SHIPGATE_GRAPHQL_SCHEMA \
    SHIPGATE_WEBHOOK_EXAMPLES SHIPGATE_GRAPHQL_CHECK SHIPGATE_PROMETHEUS SHIPGATE_PROMTOOL; do
    printf 'export %s=%q\n' "$var" "${!var}" >&3
  done
  exit 0
fi
if [[ $mode == tools ]]; then
  echo "tools: installed in $TOOLS"
  exit 0
fi

# --- cargo -----------------------------------------------------------------------------------

if [[ $mode == all ]]; then
  begin "cargo fmt --check"
  cargo fmt --all -- --check
  end
  begin "cargo clippy"
  cargo clippy --workspace --all-targets --locked -- -D warnings
  end
  begin "cargo test"
  # The tests that need the tools above are #[ignore]d for a plain `cargo test`; here they run,
  # and a missing tool fails them. They mostly wait (Prism, the client's backoff, a real
  # retry-after), so four at a time even on two cores (docs/testing.md, "How long it takes").
  RUST_TEST_THREADS=${RUST_TEST_THREADS:-4} cargo test --workspace --locked -- --include-ignored
  end
fi

# --- contract checks -------------------------------------------------------------------------

expect_failure() {
  # Runs a check that must reject its input; succeeds only if it exits 1 (not 2: usage error).
  local what=$1
  shift
  local rc=0
  "$@" >/dev/null 2>&1 || rc=$?
  if ((rc != 1)); then
    echo "self-test: $what was not rejected (exit $rc, wanted 1): $*" >&2
    return 1
  fi
  echo "ok   rejected as it must be: $what"
}

begin "contract: GraphQL checker self-test"
fixtures=tests/contract/graphql
# The command-line modes once each, then every fixture (must pass / must be rejected, and why)
# in one process, as loading GitHub's schema takes about a second.
node scripts/graphql-check.mjs validate "$fixtures/valid/pull-request-facts.graphql"
expect_failure "invalid document" node scripts/graphql-check.mjs validate \
  "$fixtures/invalid/unknown-field.graphql"
node scripts/graphql-check.mjs answer "$fixtures/valid/pull-request-facts.graphql" \
  "$fixtures/answers/good.json" "$fixtures/answers/variables.json"
expect_failure "answer with a missing field" node scripts/graphql-check.mjs answer \
  "$fixtures/valid/pull-request-facts.graphql" "$fixtures/answers/bad-missing-field.json" \
  "$fixtures/answers/variables.json"
node scripts/graphql-check.mjs manifest "$fixtures/selftest.manifest.json"
end

begin "contract: shipgate's GraphQL documents against GitHub's schema"
mapfile -t documents < <(find crates -name '*.graphql' -type f | sort)
if ((${#documents[@]} == 0)); then
  echo "no *.graphql documents under crates/ yet"
else
  node scripts/graphql-check.mjs validate "${documents[@]}"
fi
end

begin "contract: prism proxy self-test"
node tests/contract/prism-selftest.mjs
end

begin "contract: workflow linters self-test"
expect_failure "insecure workflow in tests/contract/workflows/insecure" \
  bash scripts/lint-workflows.sh tests/contract/workflows/insecure
expect_failure "schema-invalid workflow in tests/contract/workflows/invalid" \
  bash scripts/lint-workflows.sh tests/contract/workflows/invalid
bash scripts/lint-workflows.sh tests/contract/workflows/clean
end

begin "contract: action.yml and workflows (check-jsonschema, zizmor)"
bash scripts/lint-workflows.sh "$repo_root"
end

printf '\n==> all phases passed\n'
print_times
