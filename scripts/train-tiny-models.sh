#!/usr/bin/env bash
# Reproduces the bundled tiny models from scratch with one command:
#   scripts/train-tiny-models.sh
# 1. trains a 2048-token byte-level BPE on /usr/lib/python3.11/*.py (Debian 12 packages
#    libpython3.11-minimal + libpython3.11-stdlib, 3.11.2-6+deb12u6), holding out 7 files;
# 2. pretrains an 8-layer Llama (D=128, F=384, 4 heads / 2 KV heads, untied LM head, 2.10M params)
#    from scratch twice with identical data order, init and optimiser settings:
#    tiny-layerskip (p_max 0.2, EXP time curriculum, EXP layer scale, e_scale 0.5, rotational R=2)
#    and tiny-baseline (p_max 0, last-layer loss only);
# 3. saves both (HF layout, F32, tokenizer) plus heldout.txt under
#    model-zoo/src/main/resources/org/layerskip/zoo/models/ and prints per-layer held-out metrics.
# The two models train in parallel, one PyTorch thread each (two OpenMP thread pools competing for
# 2 cores stalled steps by 20x). Run time: 2400 steps x 1024 tokens per model (~1.7 epochs of the
# 1.47M-token corpus); measured on the otherwise idle 2-core box, both runs side by side: training
# tiny-baseline 620 s (3966 tokens/s), tiny-layerskip 1033 s (2379 tokens/s; its steps push 2-5
# exits through the LM head), plus ~15 s of evaluation each and ~3 s for the tokenizer. No restart
# was needed.
# Interrupted runs resume exactly from build-out/tiny/*.work/checkpoints (checkpoint every 100 steps).
# A JVM that dies is restarted from the last checkpoint, up to 20 times (older builds saw sporadic
# native crashes and NaN gradients in long runs: DJL freed scalar operands and Java-owned buffers that
# autograd still read; none since those were fixed).
# VARIANTS="layerskip" or "baseline" trains one model only. Extra arguments are passed to the
# training runs (e.g. --steps 20 for a smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
ZOO=model-zoo/src/main/resources/org/layerskip/zoo/models
WORK=${WORK:-build-out/tiny}
mkdir -p "$WORK"
/usr/bin/python3 scripts/train_tokenizer.py "$WORK/tokenizer" --vocab 2048
mvn -o -q -B package -DskipTests -pl examples -am
CP="examples/target/classes:layerskip-djl/target/classes:$(tr ':' '\n' < examples/target/classpath.txt | grep -v 'org/layerskip' | paste -sd:)"
COMMON=(--tokenizer "$WORK/tokenizer" --layers 8 --hidden 128 --intermediate 384 --heads 4
        --kv-heads 2 --seq-len 128 --batch 8 --steps 2400 --warmup 50 --lr 3e-3 --seed 1234
        --p-max 0.2 --e-scale 0.5 --dilation 2 --tie-embeddings false --save-dtype F32
        --checkpoint-every 100)
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
  echo "tiny-$variant: $(( $(date +%s) - start )) s"
}
pids=()
for variant in ${VARIANTS:-layerskip baseline}; do
  train "$variant" "$@" > "$WORK/$variant.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
tail -n 12 "$WORK"/*.log
[ "$status" = 0 ] || exit 1
du -sh "$ZOO"/tiny-* "$ZOO/heldout.txt"
