#!/usr/bin/env bash
# Starts `prism proxy --errors` with GitHub's OpenAPI subset in front of UPSTREAM_URL, waits
# until it answers on 127.0.0.1:PORT, prints its process id and leaves it running.
#
# Usage: scripts/prism-proxy.sh UPSTREAM_URL PORT
#   stdout: one line `PRISM_PID=<pid>`; stop it with `kill <pid>`.
#   log:    $PRISM_LOG (default: $SHIPGATE_TOOLS/prism-<PORT>.log)
#   needs:  SHIPGATE_PRISM and SHIPGATE_OPENAPI (exported by scripts/test.sh); without them the
#           defaults under .tools/ are used.
#   waits:  up to $PRISM_START_TIMEOUT seconds (default 60); on failure prints the log's tail,
#           stops prism and exits 1.
#
# A request that the spec rejects gets 422 (bad body/params), 404 (unknown path) or 405 (wrong
# method) from prism and is not forwarded; with --errors, an upstream response that breaks the
# spec's response schema becomes a 500. See docs/testing.md for what was measured.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 UPSTREAM_URL PORT" >&2
  exit 2
fi
upstream=$1
port=$2
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "prism-proxy: PORT must be a number 1-65535, got '$port'" >&2
  exit 2
fi
if ! [[ $upstream =~ ^https?://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/.*)?$ ]]; then
  # Tests only ever talk to a fake on this machine; refuse anything else.
  echo "prism-proxy: UPSTREAM_URL must be a loopback http(s) URL, got '$upstream'" >&2
  exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${SHIPGATE_TOOLS:-$repo_root/.tools}
prism=${SHIPGATE_PRISM:-$tools/node_modules/.bin/prism}
spec=${SHIPGATE_OPENAPI:-$tools/openapi-subset.json}
log=${PRISM_LOG:-$tools/prism-$port.log}
timeout=${PRISM_START_TIMEOUT:-60}

for file in "$prism" "$spec"; do
  if [[ ! -e $file ]]; then
    echo "prism-proxy: $file is missing; run scripts/test.sh (or its install step) first" >&2
    exit 1
  fi
done

export SCARF_ANALYTICS=false
mkdir -p "$(dirname "$log")"
# setsid: prism must not die with this script's process group, the caller owns it now.
setsid "$prism" proxy --errors -h 127.0.0.1 -p "$port" "$spec" "$upstream" \
  >"$log" 2>&1 </dev/null &
pid=$!

deadline=$((SECONDS + timeout))
until node -e '
  fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
    .then(() => process.exit(0), () => process.exit(1));
' "http://127.0.0.1:$port/"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "prism-proxy: prism exited before answering; log $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "prism-proxy: prism did not answer on port $port within ${timeout}s; log $log:" >&2
    tail -n 30 "$log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
echo "PRISM_PID=$pid"
