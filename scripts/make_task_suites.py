#!/usr/bin/python3
"""Write the bundled task suites (code, copy, free) used by `layerskip bench|sweep|generate --task`.

Deterministic, standard library only. The code and copy suites are built ONLY from the held-out
split of the bundled tiny models: the files scripts/train_tokenizer.py holds out of
/usr/lib/python3.11/*.py. The script recomputes that split, reads the files and checks that they
are exactly the bundled heldout.txt (so no training file can slip in), then cuts prompts out of
the functions those files define:

- code: the start of a held-out function (its `def` line, docstring and the first part of its body)
  -> the model continues; truth: the rest of the function. Metrics: token accuracy (position by
  position against the truth's tokens) and first-line exact match.
- copy: a held-out function, then the first line of its renamed twin (the function renamed in its
  def line; in every second example the first parameter renamed too) -> the model continues; truth: the twin's body
  with the same renaming. Metric: token accuracy.
- free: the short free-generation prompts bench and sweep used before (no truth); metric: token
  agreement with the model's own autoregressive output.

Every prompt ends with a non-whitespace character and every truth starts with whitespace, so with a
GPT-2-style byte-level BPE the tokens of prompt + truth are the prompt's tokens followed by the
truth's (no token spans the cut).

Usage: scripts/make_task_suites.py [--out DIR] [--heldout FILE] [--corpus /usr/lib/python3.11]
Writes DIR/code.json, DIR/copy.json, DIR/free.json (default DIR: the examples module's resources).
"""

import argparse
import ast
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_tokenizer  # noqa: E402  (the one definition of the held-out split)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "examples/src/main/resources/org/layerskip/tasks")
DEFAULT_HELDOUT = os.path.join(ROOT, "model-zoo/src/main/resources/org/layerskip/zoo/models/heldout.txt")
FORMAT = "layerskip-task-suite"
VERSION = 1
GENERATOR = "scripts/make_task_suites.py"

# Sizes in characters (about 3.1 characters per token with the bundled 2048-token BPE): prompt and
# new tokens stay inside the 256 positions the bundled models were trained on.
CODE_MIN_LINES, CODE_MAX_PROMPT_CHARS = 5, 600
COPY_MIN_LINES, COPY_MAX_CHARS = 4, 450
CODE_COUNT, COPY_COUNT = 24, 16

FREE_PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):",
    "Once upon a time, in a small village by the sea,",
    "Summarize: The meeting covered the budget, the hiring plan and the new office.",
]


def heldout_sources(corpus, heldout_file):
    """The held-out files as (name, text), checked against the bundled heldout.txt."""
    _, held = train_tokenizer.split_corpus(corpus)
    texts = [open(p, encoding="utf-8").read() for p in held]
    joined = "\n\n".join(texts)
    bundled = open(heldout_file, encoding="utf-8").read()
    if joined != bundled:
        sys.exit(f"error: the held-out split of {corpus} is not {heldout_file}; "
                 "regenerate the bundled models or pass --corpus/--heldout")
    return [(os.path.basename(p), t) for p, t in zip(held, texts)], bundled


def functions(name, src):
    """Top-level functions and methods, in source order, as dicts with their text and parts."""
    tree = ast.parse(src)
    lines = src.split("\n")
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or node.decorator_list:
            continue
        start, end = node.lineno - 1, node.end_lineno  # 0-based [start, end)
        fn_lines = lines[start:end]
        indent = len(fn_lines[0]) - len(fn_lines[0].lstrip(" "))
        fn_lines = [l[indent:] if l.startswith(" " * indent) else l for l in fn_lines]
        body_start = node.body[0].lineno - 1 - start  # first body line (docstring or code)
        doc_end = body_start
        if (isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
                and isinstance(node.body[0].value.value, str)):
            doc_end = node.body[0].end_lineno - start  # line after the docstring
        if body_start < 1 or doc_end >= len(fn_lines):
            continue  # one-line def, or nothing after the docstring
        out.append({"file": name, "name": node.name, "line": node.lineno, "lines": fn_lines,
                    "body_start": body_start, "doc_end": doc_end,
                    "params": [a.arg for a in node.args.args if a.arg not in ("self", "cls")]})
    out.sort(key=lambda f: f["line"])
    return out


def spread(items, count):
    """`count` items spread evenly over the list (all of them when there are fewer)."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def code_example(f):
    lines = f["lines"]
    code_lines = len(lines) - f["doc_end"]
    # the signature, the docstring and about the first third of the code (at least one line)
    cut = f["doc_end"] + max(1, code_lines // 3)
    cut = min(cut, len(lines) - 1)
    while cut > f["doc_end"] and not lines[cut - 1].strip():
        cut -= 1  # end the prompt on a line with text
    prompt = "\n".join(lines[:cut]).rstrip()
    truth = "\n" + "\n".join(lines[cut:]).rstrip() + "\n"
    return {"id": f"{f['file']}:{f['line']}:{f['name']}", "prompt": prompt, "truth": truth}


def code_examples(fns):
    candidates = [code_example(f) for f in fns if len(f["lines"]) >= CODE_MIN_LINES]
    picked = [e for e in candidates if len(e["prompt"]) <= CODE_MAX_PROMPT_CHARS]
    return spread(picked, CODE_COUNT)


def rename(text, old, new):
    return re.sub(r"\b%s\b" % re.escape(old), new, text)


def copy_examples(fns):
    picked = [f for f in fns if len(f["lines"]) >= COPY_MIN_LINES
              and len("\n".join(f["lines"])) <= COPY_MAX_CHARS]
    examples = []
    for i, f in enumerate(spread(picked, COPY_COUNT)):
        original = "\n".join(f["lines"]).rstrip()
        new_name = f["name"].strip("_") + "_copy"
        # the def line only: calls of the original (super().name(), recursion) keep their name
        twin = re.sub(r"^def %s\b" % re.escape(f["name"]), "def " + new_name, original)
        edits = [f"{f['name']} -> {new_name}"]
        if i % 2 == 1 and f["params"]:
            p = f["params"][0]
            twin = rename(twin, p, p + "2")
            edits.append(f"{p} -> {p}2")
        twin_lines = twin.split("\n")
        head = f["body_start"]  # the twin's def line(s): the model continues with the body
        prompt = original + "\n\n\n" + "\n".join(twin_lines[:head]).rstrip()
        truth = "\n" + "\n".join(twin_lines[head:]).rstrip() + "\n"
        examples.append({"id": f"{f['file']}:{f['line']}:{f['name']}", "edits": edits,
                         "prompt": prompt, "truth": truth})
    return examples


def check(examples):
    for e in examples:
        if not e["prompt"] or e["prompt"][-1].isspace():
            sys.exit(f"error: {e['id']}: prompt must end with a non-whitespace character")
        if "truth" in e and not e["truth"][:1].isspace():
            sys.exit(f"error: {e['id']}: truth must start with whitespace")


def suite(name, description, metrics, max_new_tokens, examples, source):
    check(examples)
    return {"format": FORMAT, "version": VERSION, "name": name, "description": description,
            "metrics": metrics, "max_new_tokens": max_new_tokens, "generator": GENERATOR,
            "source": source, "examples": examples}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--heldout", default=DEFAULT_HELDOUT)
    ap.add_argument("--corpus", default="/usr/lib/python3.11")
    args = ap.parse_args()
    files, bundled = heldout_sources(args.corpus, args.heldout)
    fns = [f for name, src in files for f in functions(name, src)]
    source = {"heldout_file": "model-zoo/.../models/heldout.txt",
              "heldout_sha256": hashlib.sha256(bundled.encode("utf-8")).hexdigest(),
              "files": [n for n, _ in files]}
    suites = [
        suite("code", "Code completion (HumanEval-like): the start of a held-out Python function"
              " (signature, docstring, first third of the body); the model continues it.",
              ["token_accuracy", "first_line_exact_match"], 48, code_examples(fns), source),
        suite("copy", "Copy-heavy (the summarisation regime): a held-out function, then the first"
              " line of its renamed twin; the model writes the twin's body.",
              ["token_accuracy"], 64, copy_examples(fns), source),
        suite("free", "Free generation from short prompts (no truth): the prompts bench and sweep"
              " used before the task suites, kept for comparison.",
              ["agreement_with_autoregressive"], 64,
              [{"id": f"free-{i + 1}", "prompt": p} for i, p in enumerate(FREE_PROMPTS)],
              {"built_in": True}),
    ]
    os.makedirs(args.out, exist_ok=True)
    for s in suites:
        path = os.path.join(args.out, s["name"] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(s, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{path}: {len(s['examples'])} examples", file=sys.stderr)


if __name__ == "__main__":
    main()
