#!/usr/bin/env bash
# Builds and runs the sample project of the README's "Embed it" section (examples/embed) the way a
# user does, against the artifacts that `mvn install` put in the local Maven repository, and fails
# unless it exits 0 and prints generated text on stdout. scripts/test runs it after `mvn install`.
set -euo pipefail
cd "$(dirname "$0")/../examples/embed"
out="$(mvn -B -ntp -q compile exec:exec)"
text="$(printf '%s' "$out" | tr -d '[:space:]')"
if [[ -z "$text" ]]; then
    echo "embed-sample: the sample printed no text" >&2
    exit 1
fi
printf 'embed-sample: ok, generated:\n%s\n' "$out"
