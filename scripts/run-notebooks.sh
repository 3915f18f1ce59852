#!/usr/bin/env bash
# Executes every examples/notebooks/*.ipynb headless through jshell (no Jupyter kernel needed) and
# writes the cell outputs back into the notebooks. Exits non-zero if any cell fails.
#
#   scripts/run-notebooks.sh [--check] [notebook.ipynb ...]
#
# --check runs the notebooks without writing their outputs back (what scripts/test does).
# Rerun without it to refresh the stored outputs, e.g. after the bundled models are retrained.
# NOTEBOOK_THREADS sets PyTorch's intra-op threads (default 1, so timings are comparable).
#
# Builds the project offline first. Until the bundled tiny models exist under
# model-zoo/src/main/resources/org/layerskip/zoo/models/, and unless LAYERSKIP_MODELS is set, the
# zoo ids tiny-layerskip / tiny-baseline are served from a temporary folder holding copies of the
# tiny-f32 fixture (random weights) plus the hand-made test tokenizer.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

write=()
if [[ "${1:-}" == "--check" ]]; then
  write=(--no-write)
  shift
fi

mvn -o -q -B package -DskipTests -pl layerskip-djl,model-zoo,examples
# Reactor modules first (their target/ folders), then third-party jars; drop any org/layerskip jars
# that came from ~/.m2, which other checkouts may have overwritten.
cp="$root/layerskip-djl/target/classes:$root/model-zoo/target/classes:$root/examples/target/classes"
cp="$cp:$(tr ':' '\n' < examples/target/classpath.txt | grep -v '/org/layerskip/' | paste -sd: -)"

tmp=""
if [[ -z "${LAYERSKIP_MODELS:-}" && ! -f model-zoo/src/main/resources/org/layerskip/zoo/models/tiny-layerskip/config.json ]]; then
  tmp="$(mktemp -d)"
  for id in tiny-layerskip tiny-baseline; do
    mkdir -p "$tmp/$id"
    cp .cache/fixtures/tiny-f32/{config.json,generation_config.json,model.safetensors} "$tmp/$id/"
    cp layerskip-djl/src/test/resources/tokenizers/tiny/{tokenizer.json,tokenizer_config.json} "$tmp/$id/"
  done
  export LAYERSKIP_MODELS="$tmp"
  echo "run-notebooks: bundled tiny models absent; using fixture copies in $tmp"
fi
trap '[[ -n "$tmp" ]] && rm -rf "$tmp"' EXIT
export OPT_OUT_TRACKING=true
# Spinning OpenMP waits collapse throughput when another process holds a core (see README).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

if [[ $# -gt 0 ]]; then notebooks=("$@"); else notebooks=(examples/notebooks/*.ipynb); fi
start=$SECONDS
/usr/bin/python3 scripts/nb2jsh.py run --classpath "$cp" "${write[@]}" \
  --remote=-Dai.djl.offline=true --remote=-Dai.djl.pytorch.num_threads="${NOTEBOOK_THREADS:-1}" \
  --remote=-Xmx4g --remote=-XX:+UseSerialGC \
  "${notebooks[@]}"
echo "run-notebooks: ${#notebooks[@]} notebook(s) in $((SECONDS - start)) s"
