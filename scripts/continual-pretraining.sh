#!/usr/bin/env bash
# Continual pretraining, the LayerSkip paper's main setting (Tables 1-2), at small scale:
#   scripts/continual-pretraining.sh [--steps N]
# 1. "continual": `layerskip train --init-from tiny-baseline` continues the bundled baseline
#    (pretrained without the recipe) for N steps with the LayerSkip recipe: layer dropout with a
#    constant time curriculum S(t) = 1 (the paper's choice for continual pretraining) and the
#    early-exit loss with its rotational curriculum;
# 2. "scratch": the same recipe and token budget from a random initialisation (S(t) = exp, as for
#    pretraining from scratch);
# 3. per-layer held-out perplexity and accuracy of tiny-baseline, continual, scratch and the bundled
#    tiny-layerskip (pretrained from scratch with the recipe on the full budget), as a table (JSON +
#    stdout) and a plot: docs/images/continual-pretraining.png.
# Both runs train side by side, one PyTorch thread each, resumable from $WORK/*.work.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-build-out/continual}
ZOO=${ZOO:-model-zoo/src/main/resources/org/layerskip/zoo/models}
OUT_PNG=${OUT_PNG:-docs/images/continual-pretraining.png}
STEPS=1000
if [ "${1:-}" = "--steps" ]; then STEPS=$2; shift 2; fi
mkdir -p "$WORK"
/usr/bin/python3 scripts/train_tokenizer.py "$WORK/data" --vocab 2048
/usr/bin/python3 scripts/make_copy_corpus.py "$WORK/data"
scripts/layerskip --version > /dev/null   # builds once, before the two runs start
RECIPE=(--data "$WORK/data" --extra-documents "$WORK/data/copy-documents.json" --steps "$STEPS"
        --seq-len 256 --batch 4 --warmup 50 --p-max 0.1 --e-scale 1.0 --dilation 3 --seed 4321
        --checkpoint-every 100 --threads 1 --no-progress --json)
export OMP_NUM_THREADS=1
scripts/layerskip train "${RECIPE[@]}" --init-from "$ZOO/tiny-baseline" --lr 1e-3 \
    --out "$WORK/continual" > "$WORK/continual.json" 2> "$WORK/continual.log" &
p1=$!
scripts/layerskip train "${RECIPE[@]}" --lr 3e-3 --layers 16 --hidden 96 --intermediate 256 \
    --heads 4 --kv-heads 2 --tie-embeddings false \
    --out "$WORK/scratch" > "$WORK/scratch.json" 2> "$WORK/scratch.log" &
p2=$!
status=0
wait $p1 || status=1
wait $p2 || status=1
if [ "$status" != 0 ]; then tail -n 3 "$WORK"/*.log; exit 1; fi
MODELS="$ZOO/tiny-baseline,$WORK/continual,$WORK/scratch,$ZOO/tiny-layerskip"
scripts/layerskip eval-layers --threads 1 --json --model "$MODELS" --plot "$OUT_PNG" \
    > "$WORK/eval-layers.json"
scripts/layerskip eval-layers --threads 1 --model "$MODELS"
