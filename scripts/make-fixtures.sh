#!/usr/bin/env bash
# Writes the tiny Llama test checkpoints + golden.json (default: <repo>/.cache/fixtures),
# or with --shape m15|m42 one random F32 benchmark checkpoint. See scripts/README.md.
# Needs Debian's python3 with python3-torch and python3-numpy (not a pyenv python).
set -euo pipefail
PY=${FIXTURES_PYTHON:-/usr/bin/python3}
exec "$PY" "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/make_fixtures.py" "$@"
