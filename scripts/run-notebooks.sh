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
# Builds the project offline first. The notebooks use the tiny models and held-out text bundled in
# model-zoo/src/main/resources/org/layerskip/zoo/models/ (LAYERSKIP_MODELS can point the zoo ids
# elsewhere).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

write=()
if [[ "${1:-}" == "--check" ]]; then
  write=(--no-write)
  shift
fi

mvn -o -q -B package -DskipTests -pl layerskip-djl,model-zoo,layerskip-server,examples
# Reactor modules first (their target/ folders), then third-party jars; drop any org/layerskip jars
# that came from ~/.m2, which other checkouts may have overwritten.
cp="$root/layerskip-djl/target/classes:$root/model-zoo/target/classes:$root/layerskip-server/target/classes:$root/examples/target/classes"
cp="$cp:$(tr ':' '\n' < examples/target/classpath.txt | grep -v '/org/layerskip/' | paste -sd: -)"

export OPT_OUT_TRACKING=true
# No OMP_WAIT_POLICY here: the library sets it itself before LibTorch loads (runtime.ThreadDefaults),
# as it must under a real Java kernel, so the notebooks run as they would there.

if [[ $# -gt 0 ]]; then notebooks=("$@"); else notebooks=(examples/notebooks/*.ipynb); fi
start=$SECONDS
/usr/bin/python3 scripts/nb2jsh.py run --classpath "$cp" "${write[@]}" \
  --remote=-Dai.djl.offline=true --remote=-Dai.djl.pytorch.num_threads="${NOTEBOOK_THREADS:-1}" \
  --remote=-Xmx4g --remote=-XX:+UseSerialGC \
  "${notebooks[@]}"
echo "run-notebooks: ${#notebooks[@]} notebook(s) in $((SECONDS - start)) s"
