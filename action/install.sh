#!/usr/bin/env bash
# Installs the `shipgate` binary for the composite action (`action.yml`, step "install").
#
# What it does, in order:
#   1. Picks the release target for this runner from RUNNER_OS x RUNNER_ARCH.
#   2. Picks the version: the action's ref when it is a release tag `vX.Y.Z`; otherwise the
#      version of the action's own source (`Cargo.toml`) when the checksum manifest lists its
#      archive for this target (the manifest is committed in the release commit, so a SHA pin of
#      a release commit still gets the prebuilt binary); otherwise none.
#   3. With a target and a version: reuses the tool cache when its archive still matches the
#      manifest, or downloads `shipgate-<version>-<target>.tar.gz` (`.zip` on Windows) and
#      verifies its SHA-256 against the manifest. A release tag without a manifest line, or any
#      mismatch, fails loudly and runs nothing.
#   4. Without one (unknown platform, branch, SHA of an unreleased commit, `uses: ./`): builds
#      from the action's own source with `cargo install --locked --path` — unless the Actions
#      cache restored a build of exactly this source (its key: a digest of Cargo.toml,
#      Cargo.lock and crates/, stamped next to the binary), which is then reused.
#   5. Writes `path=<binary>` to GITHUB_OUTPUT and the binary's directory to GITHUB_PATH.
#
# `install.sh --plan` does steps 1-2 only and writes `mode=prebuilt|source` and, for a source
# build, `cache-key=…` to GITHUB_OUTPUT: action.yml restores the Actions cache with that key
# before the install step, and saves it after the job when it was a miss.
#
# Environment (set by the runner or by action.yml's `env:` — never by `${{ }}` in this script):
#   GITHUB_ACTION_PATH            root of the action's files (required)
#   RUNNER_OS, RUNNER_ARCH        Linux|macOS|Windows x X64|ARM64
#   RUNNER_TOOL_CACHE, RUNNER_TEMP
#   GITHUB_OUTPUT, GITHUB_PATH    files the runner reads after the step (optional here)
#   SHIPGATE_ACTION_REF           the action's ref (`github.action_ref`)
#   SHIPGATE_DOWNLOAD_BASE        default https://github.com/shipgate/shipgate/releases/download
#   SHIPGATE_CHECKSUMS            manifest path, default $GITHUB_ACTION_PATH/action/checksums.txt
#   SHIPGATE_CARGO_INSTALL_ARGS   extra words for `cargo install` (e.g. `--debug --offline`)
#   CARGO_TARGET_DIR              honoured by cargo for the source build
set -euo pipefail

readonly DEFAULT_BASE="https://github.com/shipgate/shipgate/releases/download"

# Escapes a message for a workflow command, as @actions/core's escapeData does, so text that
# comes from the environment cannot forge another command.
escape_data() {
  local s=$1
  s=${s//\%/%25}
  s=${s//$'\r'/%0D}
  s=${s//$'\n'/%0A}
  printf '%s' "$s"
}

fail() {
  printf '::error title=shipgate install::%s\n' "$(escape_data "$1")"
  exit 1
}

warn() {
  printf '::warning title=shipgate install::%s\n' "$(escape_data "$1")"
}

notice() {
  printf '::notice title=shipgate install::%s\n' "$(escape_data "$1")"
}

# SHA-256 of a file, lower-case hex: sha256sum on Linux and Windows (Git Bash), shasum on macOS.
sha256_of() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum -b "$1") || return 1
  elif command -v shasum >/dev/null 2>&1; then
    out=$(shasum -a 256 -b "$1") || return 1
  else
    return 1
  fi
  # Lower-case without ${out,,}: macOS ships bash 3.2.
  printf '%s' "${out%% *}" | tr '[:upper:]' '[:lower:]'
}

# Sets $expected to the SHA-256 of FILE from the manifest, or to nothing when it has no line
# (runs in this shell, not a subshell, so that `fail` stops the install) (sha256sum format: `<hex>  <name>` or
# `<hex> *<name>`; `#` comments and blank lines allowed). Malformed lines are an error naming the
# line, because a manifest we cannot read must never be taken as "no entry".
manifest_lookup() {
  local manifest=$1 file=$2 line number=0 hash name found=""
  expected=""
  [[ -f $manifest ]] || fail "checksum manifest not found: $manifest"
  while IFS= read -r line || [[ -n $line ]]; do
    number=$((number + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ $line =~ ^([0-9a-fA-F]{64})\ [\ *]([^[:space:]]+)[[:space:]]*$ ]]; then
      hash=$(printf '%s' "${BASH_REMATCH[1]}" | tr '[:upper:]' '[:lower:]')
      name=${BASH_REMATCH[2]}
    else
      fail "$manifest line $number is not '<sha256>  <file>': $line"
    fi
    if [[ $name == "$file" ]]; then
      if [[ -n $found && $found != "$hash" ]]; then
        fail "$manifest lists $file twice with different checksums (line $number)"
      fi
      found=$hash
    fi
  done <"$manifest"
  expected=$found
}

# The release target for this runner, or nothing when no prebuilt binary exists for it.
runner_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# `version = "X.Y.Z"` of [workspace.package] in the action's own Cargo.toml.
source_version() {
  local toml=$1 line section=""
  [[ -f $toml ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    if [[ $line =~ ^\[([^]]+)\] ]]; then
      section=${BASH_REMATCH[1]}
    elif [[ $section == workspace.package && $line =~ ^version[[:space:]]*=[[:space:]]*\"([^\"]+)\" ]]; then
      printf '%s' "${BASH_REMATCH[1]}"
      return 0
    fi
  done <"$toml"
}

# SHA-256 of standard input, lower-case hex.
sha256_stdin() {
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum) || return 1
  elif command -v shasum >/dev/null 2>&1; then
    out=$(shasum -a 256) || return 1
  else
    return 1
  fi
  printf '%s' "${out%% *}" | tr '[:upper:]' '[:lower:]'
}

# The key of a source build: the runner's platform, the extra cargo arguments and a digest of
# every file the build reads (Cargo.toml, Cargo.lock, crates/), in a fixed order. Two runs of
# the same action commit get the same key; any change to the source gets another. Sets $key.
key=""
source_key() {
  local digest
  digest=$(
    cd "$action_path" || exit 1
    {
      printf 'args %s\n' "${SHIPGATE_CARGO_INSTALL_ARGS:-}"
      find Cargo.toml Cargo.lock crates -type f ! -path '*/target/*' -print 2>/dev/null |
        LC_ALL=C sort |
        while IFS= read -r file; do
          printf '%s %s\n' "$(sha256_of "$file")" "$file"
        done
    } | sha256_stdin
  ) || fail "cannot compute the digest of the action's source in $action_path"
  [[ -n $digest ]] || fail "cannot compute the digest of the action's source in $action_path"
  key="shipgate-source-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$digest"
}

# Verifies FILE against EXPECTED; prints nothing and returns 0 on a match, else returns 1 and
# leaves the actual checksum in $actual_sha.
actual_sha=""
matches() {
  actual_sha=$(sha256_of "$1") || fail "cannot compute the SHA-256 of $1 (needs sha256sum or shasum)"
  [[ $actual_sha == "$2" ]]
}

# True when BASE is a plain-http loopback URL (a fake release served by a test).
is_loopback_http() {
  [[ $1 =~ ^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\])(:[0-9]+)?(/|$) ]]
}

# Extracts ARCHIVE into DIR: tar for .tar.gz; unzip, 7z or PowerShell for .zip (Windows).
extract() {
  local archive=$1 dir=$2
  case "$archive" in
    *.tar.gz) tar -xzf "$archive" -C "$dir" ;;
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$archive" -d "$dir"
      elif command -v 7z >/dev/null 2>&1; then
        7z x -y "-o$dir" "$archive" >/dev/null
      else
        # shellcheck disable=SC2016 # PowerShell expands $env:..., not bash.
        SG_ARCHIVE=$archive SG_DIR=$dir powershell -NoProfile -NonInteractive -Command \
          'Expand-Archive -Force -LiteralPath $env:SG_ARCHIVE -DestinationPath $env:SG_DIR'
      fi
      ;;
    *) fail "unknown archive type: $archive" ;;
  esac
}

# A path as the runner reads it: on Windows (Git Bash) `C:/...`, which both bash and the
# runner's PATH handling accept; elsewhere unchanged.
native_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s' "$1"; fi
}

# A runner-given path in the form bash tools expect (`/c/...` under Git Bash on Windows).
unix_path() {
  if [[ -n $1 ]] && command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s' "$1"; fi
}

# Publishes the installed binary to the following steps.
publish() {
  local bin=$1
  "$bin" --version >/dev/null || fail "the installed shipgate binary does not run: $bin"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf 'path=%s\n' "$(native_path "$bin")" >>"$GITHUB_OUTPUT"
  fi
  if [[ -n ${GITHUB_PATH:-} ]]; then
    printf '%s\n' "$(native_path "$(dirname "$bin")")" >>"$GITHUB_PATH"
  fi
  echo "shipgate installed: $bin"
}

# Builds from the action's own source: the only trusted way to get a binary without a verified
# release archive. A build of the same source restored by the Actions cache is reused.
build_from_source() {
  local reason=$1 root extra=() bin
  source_key
  if $plan; then
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
      printf 'mode=source\ncache-key=%s\n' "$key" >>"$GITHUB_OUTPUT"
    fi
    echo "shipgate will be built from the action's source ($reason); cache key $key"
    return 0
  fi
  root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/shipgate-source"
  bin="$root/bin/shipgate"
  [[ -f $bin ]] || bin="$root/bin/shipgate.exe"
  if [[ -f $bin && -f $root/.source-key && $(<"$root/.source-key") == "$key" ]]; then
    echo "shipgate reused: the build of this exact source restored from the Actions cache ($key)"
    publish "$bin"
    return 0
  fi
  notice "building shipgate from the action's source ($reason)"
  command -v cargo >/dev/null 2>&1 ||
    fail "no prebuilt shipgate for this runner ($reason) and cargo is not installed: install Rust before this step"
  if [[ -n ${SHIPGATE_CARGO_INSTALL_ARGS:-} ]]; then
    read -r -a extra <<<"$SHIPGATE_CARGO_INSTALL_ARGS"
  fi
  rm -f "$root/.source-key"
  cargo install --locked --force --path "$action_path/crates/shipgate" --root "$root" \
    ${extra[@]+"${extra[@]}"} >&2 || fail "cargo install of shipgate from $action_path failed"
  bin="$root/bin/shipgate"
  [[ -f $bin ]] || bin="$root/bin/shipgate.exe"
  [[ -f $bin ]] || fail "cargo install finished but $root/bin holds no shipgate binary"
  # Stamped only once the build succeeded: the cache saves the directory after the job.
  printf '%s' "$key" >"$root/.source-key"
  publish "$bin"
}

plan=false
case "${1:-}" in
  --plan) plan=true ;;
  "") ;;
  *) fail "unknown argument: $1 (the only one is --plan)" ;;
esac

action_path=$(unix_path "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this from action.yml}")
manifest=$(unix_path "${SHIPGATE_CHECKSUMS:-$action_path/action/checksums.txt}")
RUNNER_TEMP=$(unix_path "${RUNNER_TEMP:-}")
RUNNER_TOOL_CACHE=$(unix_path "${RUNNER_TOOL_CACHE:-}")
ref=${SHIPGATE_ACTION_REF:-}
target=$(runner_target)

if [[ -z $target ]]; then
  build_from_source "no release build for RUNNER_OS=${RUNNER_OS:-unset} RUNNER_ARCH=${RUNNER_ARCH:-unset}"
  exit 0
fi

ext=tar.gz
[[ $target == *windows* ]] && ext=zip

if [[ $ref =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
  version=$ref
  archive="shipgate-$version-$target.$ext"
  manifest_lookup "$manifest" "$archive"
  # A release tag must carry its own checksums (the release workflow commits them into the
  # tagged commit): a missing line means this ref was not produced by a release.
  [[ -n $expected ]] ||
    fail "release $version has no checksum for $archive in $manifest: refusing to install an unverified binary"
else
  cargo_version=$(source_version "$action_path/Cargo.toml")
  if [[ -z $cargo_version ]]; then
    build_from_source "ref '${ref:-none}' is not a release tag and the source has no version"
    exit 0
  fi
  version="v$cargo_version"
  archive="shipgate-$version-$target.$ext"
  manifest_lookup "$manifest" "$archive"
  if [[ -z $expected ]]; then
    build_from_source "ref '${ref:-none}' is not a release tag and $version is not in the checksum manifest"
    exit 0
  fi
fi

if $plan; then
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf 'mode=prebuilt\ncache-key=\n' >>"$GITHUB_OUTPUT"
  fi
  echo "shipgate $version ($target) will be installed from its verified release archive"
  exit 0
fi

bin_name=shipgate
[[ $target == *windows* ]] && bin_name=shipgate.exe
tool_cache=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tool-cache}
cache_dir="$tool_cache/shipgate/${version#v}/$target"

if [[ -f $cache_dir/$archive && -f $cache_dir/$bin_name ]]; then
  # Re-verify the cached archive and re-extract the binary from it, so what runs is always
  # what the manifest names, even if the cache was touched since.
  if matches "$cache_dir/$archive" "$expected"; then
    extract "$cache_dir/$archive" "$cache_dir" || fail "cannot extract the cached $archive"
    chmod +x "$cache_dir/$bin_name"
    echo "shipgate $version ($target) reused from the tool cache"
    publish "$cache_dir/$bin_name"
    exit 0
  fi
  warn "cached $archive does not match the manifest (expected $expected, actual $actual_sha): downloading it again"
  rm -rf "$cache_dir"
fi

base=${SHIPGATE_DOWNLOAD_BASE:-$DEFAULT_BASE}
base=${base%/}
# HTTPS only, redirects included; plain http only for a loopback base.
security=()
if ! is_loopback_http "$base"; then
  [[ $base == https://* ]] ||
    fail "SHIPGATE_DOWNLOAD_BASE must be an https:// URL (plain http is allowed only on loopback): $base"
  security=(--proto '=https' --proto-redir '=https' --tlsv1.2)
fi
url="$base/$version/$archive"

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/shipgate-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "downloading $url"
curl ${security[@]+"${security[@]}"} -fsSL --retry 3 --retry-delay 2 --retry-connrefused \
  -o "$work/$archive" "$url" || fail "download failed: $url"

if ! matches "$work/$archive" "$expected"; then
  fail "checksum mismatch for $archive: expected $expected, actual $actual_sha (from $url); nothing was installed"
fi

# Unpack next to the cache entry and rename it into place as a whole (same file system), so a
# crashed run never leaves a half-written entry behind.
mkdir -p "$(dirname "$cache_dir")"
staging=$(mktemp -d "$(dirname "$cache_dir")/.staging.XXXXXX")
trap 'rm -rf "$work" "$staging"' EXIT
extract "$work/$archive" "$staging" || fail "cannot extract $archive"
[[ -f $staging/$bin_name ]] || fail "$archive holds no $bin_name at its top level"
chmod +x "$staging/$bin_name"
cp "$work/$archive" "$staging/$archive"
rm -rf "$cache_dir"
mv "$staging" "$cache_dir"
publish "$cache_dir/$bin_name"
