#!/usr/bin/env bash
# Measures the README's per-task tables on the bundled model, the way the paper reports them
# (greedy, one PyTorch thread, speedups by thread CPU time so that other jobs on the machine do not
# distort them):
#   scripts/task-benchmarks.sh [--no-sweep] [--tasks "code copy free"] [--limit N] [--no-record]
# 1. sweep --task T over E = 1..L/2 x d in {1,2,3,4,6,8}: CSV and heatmap in docs/tasks/, the best
#    (E, d) recorded for T in the bundled model's layerskip.json (the source tree's copy; sweep
#    --record; with --no-record this script measures without recording);
# 2. bench --task T at the recorded (E, d): autoregressive, early exit at E, self-speculative, with
#    the suite's quality metric for each (JSON in docs/tasks/bench-T.json);
# 3. bench --task T on tiny-baseline: the quality of the model trained without the recipe;
# 4. a sweep over the built-in prompts records the file's default (E, d);
# 5. prints the README tables (scripts/task_tables.py).
# Re-run it after changing the decode engine to refresh every number.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-model-zoo/src/main/resources/org/layerskip/zoo/models/tiny-layerskip}
BASELINE=${BASELINE:-model-zoo/src/main/resources/org/layerskip/zoo/models/tiny-baseline}
OUT=${OUT:-docs/tasks}
TASKS="code copy free"
SWEEP=1
EXTRA=()
RECORD=(--record)
while [ $# -gt 0 ]; do
  case "$1" in
    --no-sweep) SWEEP=0; shift ;;
    --tasks) TASKS=$2; shift 2 ;;
    --limit) EXTRA+=(--limit "$2"); shift 2 ;;   # first N examples only (a quick check)
    --no-record) RECORD=(); shift ;;   # measure only: do not pass --record to sweep
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
L=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['num_hidden_layers'])" \
    "$MODEL/config.json")
for t in $TASKS; do
  if [ "$SWEEP" = 1 ]; then
    scripts/layerskip sweep --model "$MODEL" --task "$t" --threads 1 --timing cpu --repeats 1 \
        --warmup 1 --exit-layers "1:$((L / 2))" --num-speculations 1,2,3,4,6,8 "${EXTRA[@]}" "${RECORD[@]}" \
        --csv "$OUT/sweep-$t.csv" --png "$OUT/sweep-$t.png" | tee "$OUT/sweep-$t.txt"
  fi
  scripts/layerskip bench --model "$MODEL" --task "$t" --threads 1 --timing cpu --repeats 2 \
      --warmup 1 "${EXTRA[@]}" --json > "$OUT/bench-$t.json"
  scripts/layerskip bench --model "$BASELINE" --task "$t" --threads 1 --timing cpu --repeats 1 \
      --warmup 1 --exit-layer "$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][1]['exit_layer'])" "$OUT/bench-$t.json")" \
      "${EXTRA[@]}" --json > "$OUT/bench-$t-baseline.json"
done
if [ "$SWEEP" = 1 ]; then
  # the file's defaults (what generate, bench and Criteria loading use without --task): the sweep
  # over the built-in prompts, the same as the free suite's
  scripts/layerskip sweep --model "$MODEL" --threads 1 --timing cpu --repeats 1 --warmup 1 \
      --exit-layers "1:$((L / 2))" --num-speculations 1,2,3,4,6,8 --max-new-tokens 64 "${RECORD[@]}" \
      --csv "$OUT/sweep-defaults.csv" | tee "$OUT/sweep-defaults.txt"
fi
/usr/bin/python3 scripts/task_tables.py "$OUT" $TASKS
