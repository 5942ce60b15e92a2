#!/usr/bin/env bash
# Lints the action definition and every workflow under DIR (default: the repository root) with
# GitHub's published schemas (check-jsonschema's vendored ones) and with zizmor, offline.
# Zero findings are required: any schema error or zizmor finding fails (exit 1); a missing
# tool is exit 2.
#
# Usage: scripts/lint-workflows.sh [DIR]
#   looks at DIR/action.yml (or .yaml), DIR/workflows/*.y{a,}ml and DIR/.github/workflows/*.y{a,}ml;
#   files that do not exist yet are skipped with a note.
# Tools: $SHIPGATE_TOOLS/venv/bin/{check-jsonschema,zizmor} (installed by scripts/test.sh).
set -euo pipefail
shopt -s nullglob

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$repo_root}
tools=${SHIPGATE_TOOLS:-$repo_root/.tools}
check_jsonschema=$tools/venv/bin/check-jsonschema
zizmor=$tools/venv/bin/zizmor
for tool in "$check_jsonschema" "$zizmor"; do
  if [[ ! -x $tool ]]; then
    echo "lint-workflows: $tool is missing; run scripts/test.sh (or its install step) first" >&2
    exit 2
  fi
done
cd "$dir"

actions=(action.yml action.yaml)
present_actions=()
for file in "${actions[@]}"; do
  [[ -f $file ]] && present_actions+=("$file")
done
workflows=(workflows/*.yml workflows/*.yaml .github/workflows/*.yml .github/workflows/*.yaml)

if ((${#present_actions[@]} == 0 && ${#workflows[@]} == 0)); then
  echo "lint-workflows: no action.yml and no workflows in $dir yet: nothing to lint"
  exit 0
fi

failed=0
if ((${#present_actions[@]} > 0)); then
  echo "lint-workflows: check-jsonschema vendor.github-actions: ${present_actions[*]}"
  "$check_jsonschema" --builtin-schema vendor.github-actions "${present_actions[@]}" || failed=1
else
  echo "lint-workflows: no action.yml yet"
fi
if ((${#workflows[@]} > 0)); then
  echo "lint-workflows: check-jsonschema vendor.github-workflows: ${workflows[*]}"
  "$check_jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}" || failed=1
else
  echo "lint-workflows: no workflows yet"
fi

# Files are passed one by one: given a directory, zizmor only collects DIR/.github/workflows,
# so a top-level workflows/ folder would be silently skipped. --offline: with a token in the
# environment zizmor would otherwise try online audits, and there is no network here.
echo "lint-workflows: zizmor --offline: ${present_actions[*]} ${workflows[*]}"
"$zizmor" --offline --no-progress "${present_actions[@]}" "${workflows[@]}" || failed=1

if ((failed)); then
  echo "lint-workflows: FAILED (see the findings above)" >&2
  exit 1
fi
echo "lint-workflows: ok"
