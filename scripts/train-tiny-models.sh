#!/usr/bin/env bash
# Reproduces the bundled tiny models from scratch with one command:
#   scripts/train-tiny-models.sh
# 1. trains a 2048-token byte-level BPE on /usr/lib/python3.11/*.py (Debian 12 packages
#    libpython3.11-minimal + libpython3.11-stdlib, 3.11.2-6+deb12u6), holding out 7 files;
# 2. writes copy-shaped documents from the TRAINING files only (scripts/make_copy_corpus.py: a short
#    function followed by a renamed twin; ~16% of the characters), because a model this small does
#    not learn to copy long spans from plain source code;
# 3. pretrains a 16-layer, narrow Llama (D=96, F=256, 4 heads / 2 KV heads, head_dim 24, untied LM
#    head, 2.02M params) from scratch twice with identical data, data order, init and optimiser:
#    tiny-layerskip (layer dropout p_max 0.2 with EXP depth scale and EXP time curriculum, early-exit
#    loss e_scale 1.0 with the rotational curriculum R = 3) and tiny-baseline (p_max 0, last-layer
#    loss only); 6,000 steps of 4 x 256 tokens (6.1M tokens, ~3.6 epochs of the 1.72M-token mix);
# 4. saves both (HF layout, F32, tokenizer) plus heldout.txt under
#    model-zoo/src/main/resources/org/layerskip/zoo/models/ and prints per-layer held-out metrics.
# The two models train in parallel, one PyTorch thread each (two OpenMP thread pools competing for
# 2 cores stalled steps by 20x). Run time: see README ("The bundled LayerSkip model") for the
# measured wall and CPU times; the script prints both per model.
# Interrupted runs resume exactly from $WORK/*.work/checkpoints (checkpoint every 100 steps).
# A JVM that dies is restarted from the last checkpoint, up to 20 times.
# The classes are copied to $WORK/classes first, so rebuilding the project while it trains does
# not change the running code.
# COPY_ARGS="..." passes options to make_copy_corpus.py (e.g. COPY_ARGS="--every 1 --repeat 2
# --verbatim 1 --max-chars 340" with --whole-extra-documents true: the README's pilots; the
# default, empty, is the bundled recipe).
# VARIANTS="layerskip" or "baseline" trains one model only. Extra arguments are passed to the
# training runs (e.g. --steps 20 --warmup 5 for a smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
ZOO=${ZOO:-model-zoo/src/main/resources/org/layerskip/zoo/models}
WORK=${WORK:-build-out/tiny}
mkdir -p "$WORK"
/usr/bin/python3 scripts/train_tokenizer.py "$WORK/tokenizer" --vocab 2048
# shellcheck disable=SC2086  # COPY_ARGS is a list of options
/usr/bin/python3 scripts/make_copy_corpus.py "$WORK/tokenizer" ${COPY_ARGS:-}
mvn -o -q -B package -DskipTests -pl examples -am
rm -rf "$WORK/classes"
mkdir -p "$WORK/classes"
cp -r examples/target/classes "$WORK/classes/examples"
cp -r layerskip-djl/target/classes "$WORK/classes/layerskip-djl"
CP="$WORK/classes/examples:$WORK/classes/layerskip-djl:$(tr ':' '\n' < examples/target/classpath.txt | grep -v 'org/layerskip' | paste -sd:)"
COMMON=(--tokenizer "$WORK/tokenizer" --extra-documents "$WORK/tokenizer/copy-documents.json"
        --layers 16 --hidden 96 --intermediate 256 --heads 4 --kv-heads 2 --seq-len 256 --batch 4
        --steps 6000 --warmup 100 --lr 3e-3 --seed 1234 --p-max 0.2 --e-scale 1.0 --dilation 3
        --tie-embeddings false --save-dtype F32 --checkpoint-every 100)
JAVA=(java -Xmx3g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1
      -Dai.djl.pytorch.num_interop_threads=1 -XX:ErrorFile="$WORK/hs_err_%p.log" -cp "$CP"
      org.layerskip.examples.TrainTinyModel)
export OMP_NUM_THREADS=1
train() {
  local variant=$1
  shift
  local start
  start=$(date +%s)
  for attempt in $(seq 1 20); do
    if "${JAVA[@]}" "${COMMON[@]}" --variant "$variant" --out "$ZOO/tiny-$variant" \
        --work "$WORK/$variant.work" --no-progress "$@"; then
      break
    fi
    echo "tiny-$variant: JVM exited abnormally (attempt $attempt); resuming from the last checkpoint" >&2
    [ "$attempt" = 20 ] && return 1
  done
  # CPU time of this subshell's children (the JVMs), user + system, in seconds; `times` must not
  # run in a pipeline or $(...) (a forked subshell has no children)
  local cpu
  times > "$WORK/$variant.times"
  cpu=$(tail -n 1 "$WORK/$variant.times" | awk '{ split($1, u, "m"); split($2, s, "m");
        printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
  echo "tiny-$variant: $(( $(date +%s) - start )) s wall, ${cpu} s CPU (this invocation)"
}
pids=()
for variant in ${VARIANTS:-layerskip baseline}; do
  train "$variant" "$@" > "$WORK/$variant.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
tail -n 22 "$WORK"/*.log
[ "$status" = 0 ] || exit 1
du -sh "$ZOO"/tiny-* "$ZOO/heldout.txt"
