#!/usr/bin/env bash
# Benchmarks `layerskip batch` in-process (1 and 2 LibTorch threads) against Spark local[1] and
# local[2] on ROWS prompts cut from the bundled held-out split (README "Scale-out", Benchmark).
# Usage: scripts/spark-batch-bench.sh [ROWS] [OUT_DIR]   (defaults: 384, build-out/spark-bench)
# Prints one JSON summary per run and checks that all runs wrote identical results.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${1:-384}"
OUT="${2:-$ROOT/build-out/spark-bench}"
mkdir -p "$OUT"
python3 - "$ROOT/model-zoo/src/main/resources/org/layerskip/zoo/models/heldout.txt" "$ROWS" "$OUT/prompts.jsonl" <<'PY'
import json, sys
src, rows, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen = []
for line in open(src, encoding="utf-8"):
    s = line.strip()[:60]
    if len(line.strip()) >= 24 and s not in seen:
        seen.append(s)
with open(dst, "w", encoding="utf-8") as f:
    for i in range(rows):
        f.write(json.dumps({"id": i, "prompt": seen[i % len(seen)]}) + "\n")
PY
run() {
    local name="$1"; shift
    rm -rf "$OUT/$name"
    echo "$name: $(uptime | sed 's/.*load/load/')" >&2
    "$ROOT/scripts/layerskip" batch --input "$OUT/prompts.jsonl" --output "$OUT/$name" \
        --max-new-tokens 32 --batch-size 8 --json "$@"
}
run in-process-1 --threads 1
run in-process-2 --threads 2
run local-1 --spark-master 'local[1]' --threads 2
run local-2 --spark-master 'local[2]' --threads 1
for name in in-process-2 local-1 local-2; do
    cmp <(cat "$OUT/in-process-1"/part-*) <(cat "$OUT/$name"/part-*) \
        || { echo "error: $name differs from in-process-1" >&2; exit 1; }
done
echo "all runs wrote identical results" >&2
