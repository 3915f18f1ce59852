#!/usr/bin/python3
"""Write copy-heavy training documents from the TRAINING split (never the held-out files).

Tiny models trained on plain source code do not learn to copy long spans from their context: the
bundled 8-layer model repeated almost nothing of a function it had just read. The paper's models
learned it from web-scale pretraining; at this scale a small share of copy-shaped documents teaches
it. Each document is a short training-split function followed by a renamed twin (the function
renamed in its def line, sometimes a parameter renamed throughout), with names drawn from several
schemes so that the model learns to copy and apply the edit, not one suffix.

Deterministic, standard library only. Both bundled models (LayerSkip and baseline) train on the
same mix.

Usage: scripts/make_copy_corpus.py TOKENIZER_DIR [--every 2] [--max-chars 450] [--repeat 1]
       [--verbatim 0]
Reads TOKENIZER_DIR/train-files.txt (written by scripts/train_tokenizer.py) and writes
TOKENIZER_DIR/copy-documents.json, a JSON array of strings.
"""

import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_task_suites  # noqa: E402  (the same function extraction as the task suites)

SUFFIXES = ["_copy", "_v2", "_new", "2", "_alt", "_impl", "_orig", "_b"]


def twin(fn, rng):
    original = "\n".join(fn["lines"]).rstrip()
    new_name = fn["name"].strip("_") + rng.choice(SUFFIXES)
    text = re.sub(r"^def %s\b" % re.escape(fn["name"]), "def " + new_name, original)
    if fn["params"] and rng.random() < 0.5:
        p = rng.choice(fn["params"])
        text = re.sub(r"\b%s\b" % re.escape(p), p + rng.choice(["2", "_", "_x", "1"]), text)
    return original + "\n\n\n" + text + "\n"


def verbatim(fn):
    original = "\n".join(fn["lines"]).rstrip()
    return original + "\n\n\n" + original + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tokenizer_dir")
    ap.add_argument("--every", type=int, default=2, help="use every N-th short function")
    ap.add_argument("--max-chars", type=int, default=450)
    ap.add_argument("--repeat", type=int, default=1,
                    help="renamed twins per function (each a document with other names)")
    ap.add_argument("--verbatim", type=int, default=0,
                    help="plain verbatim repeats per function (the function twice, unchanged)")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    files = [l.strip() for l in open(os.path.join(args.tokenizer_dir, "train-files.txt"),
                                      encoding="utf-8") if l.strip()]
    held = open(os.path.join(args.tokenizer_dir, "heldout.txt"), encoding="utf-8").read()
    rng = random.Random(args.seed)
    docs = []
    k = 0
    for f in files:
        src = open(f, encoding="utf-8").read()
        try:
            fns = make_task_suites.functions(os.path.basename(f), src)
        except SyntaxError:
            continue
        for fn in fns:
            text = "\n".join(fn["lines"])
            if len(fn["lines"]) < 3 or len(text) > args.max_chars:
                continue
            k += 1
            if k % args.every:
                continue
            if text in held:
                continue  # never train on text that also occurs in the held-out split
            for _ in range(args.repeat):
                docs.append(twin(fn, rng))
            for _ in range(args.verbatim):
                docs.append(verbatim(fn))
    out = os.path.join(args.tokenizer_dir, "copy-documents.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(docs, f, ensure_ascii=False)
    print(f"{out}: {len(docs)} documents, {sum(map(len, docs))} chars", file=sys.stderr)


if __name__ == "__main__":
    main()
