#!/usr/bin/env bash
# Reproduces the bundled tiny models from scratch with one command:
#   scripts/train-tiny-models.sh
# 1. trains a 2048-token byte-level BPE on /usr/lib/python3.11/*.py (Debian 12 packages
#    libpython3.11-minimal + libpython3.11-stdlib, 3.11.2-6+deb12u6), holding out 7 files;
# 2. pretrains an 8-layer Llama (D=128, F=384, 4 heads / 2 KV heads, tied head, 1.83M params)
#    from scratch twice with identical data order, init and optimiser settings:
#    tiny-layerskip (p_max 0.2, EXP time curriculum, EXP layer scale, e_scale 0.5, rotational R=2)
#    and tiny-baseline (p_max 0, last-layer loss only);
# 3. saves both (HF layout, F32, tokenizer) plus heldout.txt under
#    model-zoo/src/main/resources/org/layerskip/zoo/models/ and prints per-layer held-out metrics.
# Run time: about 15 minutes per model on 2 otherwise idle cores (2 x 450 steps x 1024 tokens);
# much longer on a loaded machine. Interrupted runs resume from build-out/tiny/*.work/checkpoints.
# Extra arguments are passed to both training runs (e.g. --steps 20 for a smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
ZOO=model-zoo/src/main/resources/org/layerskip/zoo/models
WORK=${WORK:-build-out/tiny}
mkdir -p "$WORK"
/usr/bin/python3 scripts/train_tokenizer.py "$WORK/tokenizer" --vocab 2048
mvn -o -q -B package -DskipTests -pl examples -am
CP="examples/target/classes:layerskip-djl/target/classes:$(tr ':' '\n' < examples/target/classpath.txt | grep -v 'org/layerskip' | paste -sd:)"
COMMON=(--tokenizer "$WORK/tokenizer" --layers 8 --hidden 128 --intermediate 384 --heads 4
        --kv-heads 2 --seq-len 128 --batch 8 --steps 450 --warmup 30 --lr 3e-3 --seed 1234
        --p-max 0.2 --e-scale 0.5 --dilation 2 --save-dtype F32 --checkpoint-every 50)
JAVA=(java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -cp "$CP"
      org.layerskip.examples.TrainTinyModel)
for variant in layerskip baseline; do
  start=$(date +%s)
  "${JAVA[@]}" "${COMMON[@]}" --variant "$variant" --out "$ZOO/tiny-$variant" \
      --work "$WORK/$variant.work" --no-progress "$@"
  echo "tiny-$variant: $(( $(date +%s) - start )) s"
done
du -sh "$ZOO"/tiny-* "$ZOO/heldout.txt"
