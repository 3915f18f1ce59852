#!/usr/bin/python3
"""Train a small byte-level BPE tokenizer and write it as a Hugging Face tokenizer.json.

Deterministic, pure Python (standard library only). Also splits the corpus into train and
held-out files, so the tokenizer only ever sees training text.

Corpus: the top-level Python modules /usr/lib/python3.11/*.py shipped by Debian 12's
libpython3.11-minimal and libpython3.11-stdlib packages (3.11.2-6+deb12u6 when written).

Usage: scripts/train_tokenizer.py OUT_DIR [--vocab 4096] [--corpus /usr/lib/python3.11]
Writes OUT_DIR/tokenizer.json, tokenizer_config.json, train-files.txt, heldout.txt.
"""

import argparse
import collections
import glob
import heapq
import json
import os
import re
import sys

# GPT-2's pre-tokenizer pattern (what the HF ByteLevel pre-tokenizer uses), written with `re`
# classes: letters [^\W\d_], numbers \d, other non-space symbols (including '_').
PATTERN = re.compile(r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")
SPECIALS = ["<s>", "</s>"]
HELDOUT_EVERY = 25  # hold out files whose sorted index i has i % 25 == 7
HELDOUT_MAX_BYTES = 200_000


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def split_corpus(corpus_dir):
    files = sorted(glob.glob(os.path.join(corpus_dir, "*.py")))
    held = [f for i, f in enumerate(files) if i % HELDOUT_EVERY == 7]
    # keep the held-out text under the size cap: drop the largest files first
    while sum(os.path.getsize(f) for f in held) > HELDOUT_MAX_BYTES:
        held.remove(max(held, key=os.path.getsize))
    train = [f for f in files if f not in held]
    return train, held


def train_bpe(texts, vocab_size):
    b2u = bytes_to_unicode()
    words = collections.Counter()
    for text in texts:
        for piece in PATTERN.findall(text):
            words["".join(b2u[b] for b in piece.encode("utf-8"))] += 1
    symbols = [list(w) for w in words]
    freqs = [words[w] for w in words]
    vocab = {}
    for s in SPECIALS:
        vocab[s] = len(vocab)
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, sym in enumerate(symbols):
        for a, b in zip(sym, sym[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg or -neg < 2:
            if pair_counts.get(pair, 0) >= 2 and pair_counts[pair] != -neg:
                heapq.heappush(heap, (-pair_counts[pair], pair))
            continue
        a, b = pair
        merged = a + b
        merges.append(pair)
        vocab[merged] = len(vocab)
        changed = set()
        for i in sorted(where.pop(pair, ())):
            sym = symbols[i]
            f = freqs[i]
            j = 0
            out = []
            found = False
            while j < len(sym):
                if j + 1 < len(sym) and sym[j] == a and sym[j + 1] == b:
                    out.append(merged)
                    j += 2
                    found = True
                else:
                    out.append(sym[j])
                    j += 1
            if not found:
                continue
            for p in zip(sym, sym[1:]):
                pair_counts[p] -= f
                changed.add(p)
            for p in zip(out, out[1:]):
                pair_counts[p] += f
                where[p].add(i)
                changed.add(p)
            symbols[i] = out
        pair_counts.pop(pair, None)
        for p in changed:
            c = pair_counts.get(p, 0)
            if c <= 0:
                pair_counts.pop(p, None)
            elif p != pair:
                heapq.heappush(heap, (-c, p))
    return vocab, merges


def tokenizer_json(vocab, merges):
    added = [{"id": vocab[s], "content": s, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True} for s in SPECIALS]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [vocab["<s>"]], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--corpus", default="/usr/lib/python3.11")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    train, held = split_corpus(args.corpus)
    texts = [open(f, encoding="utf-8").read() for f in train]
    vocab, merges = train_bpe(texts, args.vocab)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, separators=(",", ":"))
    config = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>",
              "eos_token": "</s>", "model_max_length": 512,
              "tokenizer_class": "PreTrainedTokenizerFast"}
    with open(os.path.join(args.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(args.out, "train-files.txt"), "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in train))
    with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(open(p, encoding="utf-8").read() for p in held))
    print(f"vocab {len(vocab)} merges {len(merges)} train files {len(train)} "
          f"({sum(map(len, texts))} chars) held-out files {len(held)}: "
          f"{[os.path.basename(p) for p in held]}", file=sys.stderr)


if __name__ == "__main__":
    main()
