#!/usr/bin/python3
"""Print the README's per-task tables from the JSON files scripts/task-benchmarks.sh writes.

Usage: scripts/task_tables.py DIR [TASK ...]   (reads DIR/bench-TASK.json, DIR/bench-TASK-baseline.json)
"""

import json
import os
import sys

NAMES = {"token_accuracy": "token accuracy", "first_line_exact_match": "first-line exact match",
         "agreement_with_autoregressive": "agreement with AR"}


def rows(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def table(d, task):
    ls = rows(os.path.join(d, f"bench-{task}.json"))
    base_path = os.path.join(d, f"bench-{task}-baseline.json")
    base = rows(base_path) if os.path.exists(base_path) else None
    metrics = list(ls["results"][0]["quality"].keys())
    head = ["model", "method", "E", "d"] + [NAMES.get(m, m) for m in metrics] + [
        "acceptance", "tokens/s", "CPU ms/token", "speedup (CPU)", "speedup (wall)"]
    out = [f"**{task}** — {ls['num_prompts']} prompts, {ls['max_new_tokens']} new tokens max,"
           f" {ls['repeats']} repeat(s), {ls['num_layers']} layers", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    groups = [("tiny-baseline", base)] if base else []
    groups.append(("tiny-layerskip", ls))
    for name, res in groups:
        ar = next(r for r in res["results"] if r["strategy"] == "autoregressive")
        for r in res["results"]:
            s = r["strategy"]
            if name == "tiny-baseline" and s.startswith("self-speculative"):
                continue  # the baseline is only here for its quality
            e = "-" if s == "autoregressive" else str(r["exit_layer"])
            dd = str(r.get("num_speculations", "-")) if s.startswith("self") else "-"
            acc = f"{r['acceptance_rate']:.3f}" if "acceptance_rate" in r else "-"
            q = [f"{r['quality'][m]:.3f}" for m in metrics]
            out.append("| " + " | ".join([name, s, e, dd] + q + [
                acc, f"{r['tokens_per_second']:.1f}", f"{r['cpu_ms_per_token']:.2f}",
                f"{r['cpu_speedup']:.2f}x",
                # bench's "speedup" follows its --timing; wall time is ms_per_token
                f"{ar['ms_per_token'] / r['ms_per_token']:.2f}x"]) + " |")
    return "\n".join(out)


def main():
    d = sys.argv[1]
    tasks = sys.argv[2:] or ["code", "copy", "free"]
    print("\n\n".join(table(d, t) for t in tasks))


if __name__ == "__main__":
    main()
