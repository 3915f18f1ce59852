#!/usr/bin/env bash
# engine-bench.sh: the README's fused-vs-per-op table. For each model (default: the bundled
# tiny-layerskip and the random m15/m42 checkpoints) and PyTorch thread count (1, 2) it runs
#   layerskip bench --engine fused,ops --json   (one interleaved run: both engines, every strategy)
# and prints a Markdown table: prefill and decode tokens/s per engine and strategy, the fused/per-op
# speedup of each row (thread CPU time at 1 thread, wall time at 2: with 2 threads LibTorch's pool
# threads do part of the work, which the calling thread's CPU time does not see), self-speculative
# acceptance, speedup and the cost model's bound. Native calls per token are counted separately
# (README). The machine's load average is printed with each run: on a shared machine wall times
# stretch with it.
#
#   scripts/make-fixtures.sh --shape m15; scripts/make-fixtures.sh --shape m42   # once
#   scripts/engine-bench.sh [OUT_DIR] [MODEL ...]          # default build-out/engine-bench
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build-out/engine-bench}"
shift || true
MODELS=("$@")
[[ ${#MODELS[@]} -gt 0 ]] || MODELS=(tiny-layerskip "$ROOT/.cache/fixtures/m15" "$ROOT/.cache/fixtures/m42")
mkdir -p "$OUT"
PROMPT=1,450,2300,17,999,31000,5,77,300,12000,45,88,6000,7,321,4444
for model in "${MODELS[@]}"; do
    name="$(basename "$model")"
    args=(--model "$model" --max-new-tokens 64 --ignore-eos --repeats 3 --warmup 1 --no-progress --json)
    # random checkpoints: fixed ids (their vocabulary has no tokenizer); E and d as the issue measured
    [[ "$name" == tiny-* ]] || args+=(--prompt-ids "$PROMPT" --exit-layer 3 --num-speculations 3)
    for threads in 1 2; do
        timing=cpu
        [[ $threads == 1 ]] || timing=wall
        echo "engine-bench: $name, $threads thread(s), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        "$ROOT/scripts/layerskip" bench "${args[@]}" --engine fused,ops --threads "$threads" \
            --timing "$timing" > "$OUT/$name-t$threads.json"
    done
done
/usr/bin/python3 - "$OUT" "${MODELS[@]}" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| model | threads | strategy | fused prefill/s | fused tokens/s | per-op tokens/s | fused vs per-op | acceptance | speedup (fused) | bound | same tokens |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for m in sys.argv[2:]:
    name = os.path.basename(m)
    for t in (1, 2):
        p = os.path.join(out, "%s-t%d.json" % (name, t))
        if not os.path.exists(p):
            continue
        r = json.load(open(p))
        rows = {(x["engine"], x["strategy"]): x for x in r["results"]}
        for s in ("autoregressive", "early-exit", "self-speculative"):
            f, o = rows[("fused", s)], rows[("ops", s)]
            acc = "%.2f" % f["acceptance_rate"] if "acceptance_rate" in f else "-"
            bound = "%.2fx" % f["speedup_bound"] if "speedup_bound" in f else "-"
            sp = "-" if s == "autoregressive" else "%.2fx" % f["speedup"]
            same = "-" if s == "early-exit" else (
                "yes" if f["identical_to_autoregressive"] and o["identical_to_autoregressive"] else "no")
            print("| %s | %d | %s | %.0f | %.1f | %.1f | %.2fx (%s) | %s | %s | %s | %s |" % (
                name, t, s if s != "early-exit" else "early exit (E=%d)" % f["exit_layer"],
                f["prefill_tokens_per_second"], f["tokens_per_second"], o["tokens_per_second"],
                f["speedup_vs_ops"], r["timing"], acc, sp, bound, same))
PY
