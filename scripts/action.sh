#!/usr/bin/env bash
# The script part of action.yml, runnable (and tested) outside GitHub: it scans, writes SARIF and
# a Markdown job summary, and records exit-code/score/grade in $GITHUB_OUTPUT. It never fails the
# step itself, so the SARIF upload runs first; action.yml fails the job afterwards.
set -uo pipefail
home="${SECAUDIT_HOME:-$(cd "$(dirname "$0")/.." && pwd)}"
path="${INPUT_PATH:-.}"
sarif="${INPUT_SARIF_FILE:-secaudit.sarif}"
json="$(mktemp)"
summary="$(mktemp)"
args=(scan "$path" --fail-on "${INPUT_FAIL_ON:-critical}" --no-color
  --output "sarif=$sarif" --output "json=$json" --output "markdown=$summary")
for url in ${INPUT_URLS:-}; do args+=(--url "$url"); done
# shellcheck disable=SC2206 # extra arguments are word-split on purpose
extra=(${INPUT_ARGS:-})
node "$home/bin/secaudit.js" "${args[@]}" "${extra[@]}"
code=$?
score=""
grade=""
if [ -s "$json" ]; then
  score=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(r.score.value))' "$json")
  grade=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(r.score.grade)' "$json")
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "exit-code=$code"; echo "score=$score"; echo "grade=$grade"; } >> "$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$summary" ]; then cat "$summary" >> "$GITHUB_STEP_SUMMARY"; fi
rm -f "$json" "$summary"
exit 0
