#!/usr/bin/env bash
# scale-bench.sh: load time and peak memory at the Llama-3.2-1B shape, the README's scale table.
#
#   scripts/make-fixtures.sh --shape llama3.2-1b      # once: 2.5 GB random BF16 checkpoint
#   scripts/scale-bench.sh [MODEL_DIR] [OUT_DIR]      # default .cache/fixtures/llama3.2-1b, build-out/scale
#
# For each dtype (float32, float16) and PyTorch thread count (1, 2) it runs, from a warm page cache:
#  1. org.layerskip.examples.LoadFootprint (load time with user/system CPU, time to the first token
#     and to the end of FBGEMM's background packing, base / peak resident memory, RssAnon, Java direct buffers; JSON in OUT_DIR/footprint-*.json);
#  2. the CLI as a user runs it, under /usr/bin/time: `layerskip generate --max-new-tokens 1`
#     (whole process: JVM start, engine, load, tokenizer, prefill, one token; wall time, max RSS).
# Then prints a Markdown table. With DECODE_MODEL (default .cache/fixtures/llama3.2-1b-agree, from
# `make-fixtures.sh --shape llama3.2-1b --agreeing-exits`: the same shape, every exit agreeing, so
# drafts are accepted) it also runs `layerskip bench` (autoregressive, early exit E=4,
# self-speculative E=4 d=3, 16 tokens, interleaved repeats; after FBGEMM's background packing) for
# float32, float16 (FBGEMM, the default: embedding memory-mapped, tied head packed), float16 with
# the embedding kept in memory (tied head on LibTorch's F16 linear), and float16 with LibTorch's
# F16 linear, at 1 and 2 threads, and prints a decode table: decode tokens/s (after the first
# token, wall time, the prompt's prefill excluded: what llama.cpp reports), the weight bytes
# streamed per second, and the whole call's time per token including the 16-token prefill (thread
# CPU time at 1 thread, wall at 2: a second thread's work is not on the caller's clock). The machine's load average is printed too: on a shared machine wall
# times stretch with it, CPU times much less. Not part of CI (needs the 2.5 GB checkpoint, ~5 min).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="$(cd "${1:-$ROOT/.cache/fixtures/llama3.2-1b}" 2>/dev/null && pwd)" || {
    echo "scale-bench: no model folder ${1:-$ROOT/.cache/fixtures/llama3.2-1b};" \
        "run scripts/make-fixtures.sh --shape llama3.2-1b first" >&2
    exit 1
}
OUT="${2:-$ROOT/build-out/scale}"
[[ -f "$MODEL/config.json" ]] || { echo "scale-bench: $MODEL has no config.json" >&2; exit 1; }
mkdir -p "$OUT"
exec 2> >(tee "$OUT/scale-bench.log" >&2)   # progress and load averages, kept with the results
cd "$ROOT"
mvn -o -q -B install -DskipTests 1>&2
CP="examples/target/classes:layerskip-djl/target/classes:model-zoo/target/classes"
CP="$CP:$(tr ':' '\n' < examples/target/classpath.txt | grep -v 'org/layerskip\|/layerskip-' | paste -sd:)"
export OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE
cat "$MODEL"/*.safetensors > /dev/null   # warm page cache, as llama.cpp's figure assumes

echo "scale-bench: $MODEL, $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for dtype in float32 float16; do
    for threads in 1 2; do
        tag="$dtype-t$threads"
        java -XX:+UseSerialGC -Dai.djl.offline=true -cp "$CP" org.layerskip.examples.LoadFootprint \
            --model "$MODEL" --dtype "$dtype" --threads "$threads" --max-new-tokens 4 --json true \
            > "$OUT/footprint-$tag.json" 2> "$OUT/footprint-$tag.log"
        LAYERSKIP_NO_BUILD=1 /usr/bin/time -f '%e %M %U %S' -o "$OUT/cli-$tag.time" \
            scripts/layerskip generate --model "$MODEL" --dtype "$dtype" --threads "$threads" \
            --prompt "Once upon a time" --max-new-tokens 1 --strategy autoregressive \
            > "$OUT/cli-$tag.out" 2> "$OUT/cli-$tag.log"
        echo "scale-bench: $tag done (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    done
done
DECODE="${DECODE_MODEL:-$ROOT/.cache/fixtures/llama3.2-1b-agree}"
if [[ -f "$DECODE/config.json" ]]; then
    for kernel in float32 float16 float16-nomap float16-linear; do
        dtype=${kernel%%-*}
        opts=""
        [[ $kernel == *-linear ]] && opts="-Dlayerskip.fused.halfKernel=linear"
        [[ $kernel == *-nomap ]] && opts="-Dlayerskip.fused.mapEmbedding=false"
        for threads in 1 2; do
            timing=cpu
            [[ $threads == 2 ]] && timing=wall
            JAVA_OPTS="$opts" LAYERSKIP_NO_BUILD=1 scripts/layerskip bench --model "$DECODE" \
                --dtype "$dtype" --threads "$threads" --engine fused --exit-layer 4 \
                --num-speculations 3 --max-new-tokens 16 --repeats 2 --warmup 1 --ignore-eos \
                --timing "$timing" --prompt-ids 1,5,9,14,3,60,2,7,11,13,17,19,23,29,31,37 \
                --no-progress --json > "$OUT/decode-$kernel-t$threads.json" \
                2> "$OUT/decode-$kernel-t$threads.log"
            echo "scale-bench: decode $kernel t$threads done (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
        done
    done
else
    echo "scale-bench: no $DECODE, skipping the decode table" \
        "(scripts/make-fixtures.sh --shape llama3.2-1b --agreeing-exits)" >&2
fi
echo "scale-bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$OUT" <<'EOF'
import json, sys, os
out = sys.argv[1]
print("| dtype | threads | weights | load, wall (user + sys CPU) | load → 1st token | load → packed | CLI `generate`, 1 token: wall (user + sys CPU) | base RSS | peak RSS | peak − base | CLI max RSS |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for dtype in ("float32", "float16"):
    for t in (1, 2):
        tag = "%s-t%d" % (dtype, t)
        r = json.load(open(os.path.join(out, "footprint-%s.json" % tag)))
        wall, maxrss_kb, user, sys_ = open(os.path.join(out, "cli-%s.time" % tag)).read().split()[-4:]
        gb = lambda b: "%.2f GB" % (b / 1e9)
        packed = "%.1f s" % (r["loadToReadyMs"] / 1e3) if r["matricesPacked"] else "–"
        print("| %s | %d | %s | %.1f s (%.1f + %.1f) | %.1f s | %s | %.1f s (%.1f + %.1f) | %s | %s | %.2f× weights+KV | %s |" % (
            dtype, t, gb(r["weightBytes"]), r["loadMs"] / 1e3, r["loadUserSeconds"], r["loadSystemSeconds"],
            r["loadToFirstTokenMs"] / 1e3, packed, float(wall), float(user), float(sys_), gb(r["baseRssBytes"]),
            gb(r["peakAfterDecodeBytes"]), r["peakOverBase"], gb(int(maxrss_kb) * 1024)))
EOF

[[ -f "$OUT/decode-float32-t1.json" ]] || exit 0
/usr/bin/python3 - "$OUT" <<'EOF'
import json, sys, os
out = sys.argv[1]
names = {"float32": "fp32 (`linear`)", "float16": "fp16, FBGEMM (default)",
         "float16-nomap": "fp16, FBGEMM, embedding kept in memory (tied head on F16 `linear`)",
         "float16-linear": "fp16, LibTorch F16 `linear`"}
weights = {"float32": 4.94e9, "float16": 2.47e9, "float16-nomap": 2.47e9, "float16-linear": 2.47e9}
print()
print("| weights | threads | autoregressive decode tok/s | GB/s streamed | early exit E=4 decode tok/s | self-speculative E=4 d=3 decode tok/s (acceptance) | AR per token incl. prefill | SS speedup incl. prefill (bound) |")
print("|---|---|---|---|---|---|---|---|")
for k in ("float32", "float16", "float16-nomap", "float16-linear"):
    for t in (1, 2):
        f = os.path.join(out, "decode-%s-t%d.json" % (k, t))
        if not os.path.exists(f):
            continue
        r = {x["strategy"]: x for x in json.load(open(f))["results"]}
        # decode tok/s: tokens after the first over the decode wall time (the prompt's prefill
        # excluded), as llama.cpp reports it; per token incl. prefill: the whole call's time
        # (thread CPU at 1 thread, wall at 2) over the tokens generated
        ms = lambda x: x["cpu_ms_per_token"] if t == 1 else x["ms_per_token"]
        ar, ee, ss = r["autoregressive"], r["early-exit"], r["self-speculative"]
        print("| %s | %d | %.2f | %.1f | %.2f | %.2f (%.2f) | %.0f ms (%s) | %.2f× (%.2f×) |" % (
            names[k], t, ar["tokens_per_second"], weights[k] * ar["tokens_per_second"] / 1e9,
            ee["tokens_per_second"], ss["tokens_per_second"], ss["acceptance_rate"], ms(ar),
            "cpu" if t == 1 else "wall", ms(ar) / ms(ss), ss["speedup_bound"]))
EOF
