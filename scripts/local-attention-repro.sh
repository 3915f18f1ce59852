#!/usr/bin/env bash
# Reproduces Xiong et al. (NAACL 2022) at small scale with one command:
#   scripts/local-attention-repro.sh
# Trains full-attention, sliding-window (W=64) and disjoint-block (B=64) variants of the same
# 4-layer Llama (D=128, F=384, 4 heads / 2 KV heads, tied head, 2048-token BPE of the bundled models)
# on long documents of the bundled models' corpus (Python 3.11 stdlib files longer than one window,
# windows of 512 tokens that never cross a file boundary), with identical initialisation, data order
# and steps (400 x 4 x 512 = 819,200 tokens each), one at a time on one PyTorch thread, taking
# turns of 10 steps so that all three see the same load from other jobs on the machine (tokens/s
# counts each variant's own turns). Then evaluates each on the held-out files' windows (positions
# 0..511 of every window see only their own file) and writes, under build-out/local-attention-training:
# buckets.csv (perplexity by position 0-63, 64-127, 128-255, 256-511, all), position-nll.csv,
# summary.json (tokens/s, losses, load averages) and position-perplexity.png.
# Run time measured on the shared 2-core box: 8.5 min (load average ~3), 14.5 min (load ~9).
# Extra arguments go to the example
# (e.g. --steps 20 for a smoke run, --recipe layerskip for layer dropout + early-exit loss).
# A JVM that dies is restarted; finished variants are reused, an unfinished one starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-build-out/tiny}
OUT=${OUT:-build-out/local-attention-training}
TOK=model-zoo/src/main/resources/org/layerskip/zoo/models/tiny-layerskip
# the train/held-out file split of the bundled models (also retrains their tokenizer, ~30 s)
[ -f "$WORK/tokenizer/train-files.txt" ] ||
  /usr/bin/python3 scripts/train_tokenizer.py "$WORK/tokenizer" --vocab 2048
mvn -o -q -B package -DskipTests -pl examples -am
CP="examples/target/classes:layerskip-djl/target/classes:model-zoo/target/classes"
CP="$CP:$(tr ':' '\n' < examples/target/classpath.txt | grep -v 'org/layerskip\|/layerskip-' | paste -sd:)"
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
start=$(date +%s)
for attempt in 1 2 3 4 5; do
  if java -Xmx3g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
      -Dai.djl.pytorch.num_interop_threads=1 -XX:ErrorFile="$OUT/hs_err_%p.log" -cp "$CP" \
      org.layerskip.examples.LocalAttentionTraining --train-files "$WORK/tokenizer/train-files.txt" \
      --tokenizer "$TOK" --out "$OUT" --seq-len 512 --window 64 --steps 400 --batch 4 \
      --warmup 30 --lr 3e-3 --seed 1234 --layers 4 --dim 128 --intermediate 384 --heads 4 \
      --kv-heads 2 "$@"; then
    echo "local-attention reproduction: $(( $(date +%s) - start )) s; outputs in $OUT"
    exit 0
  fi
  echo "JVM exited abnormally (attempt $attempt); rerunning, finished variants are reused" >&2
done
exit 1
