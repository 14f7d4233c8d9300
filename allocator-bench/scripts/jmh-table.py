#!/usr/bin/env python3
"""Markdown tables from JMH JSON results, as docs/benchmarks.md shows them: one row per size, one column
per benchmark method, each cell the median of the fork means with their range, and ratio columns.

  python3 jmh-table.py RESULT.json [MORE.json ...] [--methods a,b,c] [--param resident=1] [--ratio a/b ...] [--fast]

Several results of the same command (runs at different hours) merge: their forks are pooled per row.

Fork means, not one mean over all iterations: on these hosts one vCPU at a time can run a loop 1.5x
slower, so a fork lands in one of two speeds; the median and the range of the fork means say so.

  --fast: each cell is instead the median of the iterations that ran in the host's fast state, with how
  many of all the iterations that is. The vCPU a fork runs on can change state between two iterations
  (seen 2026-12-02: 9.9, 15.5, 15.5, 15.3, 15.4 ns in one fork, every row 1.4x to 1.6x slower in the
  slow state), so an iteration is counted as fast when it is under 1.25x the method's fastest iteration
  of that row (for a throughput score, over the greatest rate divided by 1.25). A row whose iterations
  all ran slow shows no fast state at all (its fastest iteration defines it), so compare --fast cells
  only with their counts, and keep the fork medians beside them.
"""
import argparse
import json
import statistics
import sys


def fork_means(forks):
    return [statistics.mean(fork) for fork in forks]


FAST_STATE = 1.25


def fast_iterations(forks, throughput=False):
    """The iterations within FAST_STATE of the fastest, and how many iterations there were: times under
    FAST_STATE times the least, or, for a throughput score, rates over the greatest divided by it."""
    every = [x for fork in forks for x in fork]
    if throughput:
        return [x for x in every if x * FAST_STATE > max(every)], len(every)
    return [x for x in every if x < FAST_STATE * min(every)], len(every)


def load(paths, wanted_params, fast=False):
    forks = {}
    throughput = set()
    for path in paths:
        for b in json.load(open(path)):
            params = b.get("params", {})
            if any(params.get(k) != v for k, v in wanted_params.items()):
                continue
            method = b["benchmark"].rsplit(".", 1)[1]
            size = params.get("size", "-")
            forks.setdefault(size, {}).setdefault(method, []).extend(b["primaryMetric"]["rawData"])
            if b.get("mode") == "thrpt":
                throughput.add(method)
    return {size: {m: fast_iterations(f, m in throughput) if fast else (fork_means(f), None)
                   for m, f in row.items()}
            for size, row in forks.items()}


def cell(values, total):
    if not values:
        return ""
    median = statistics.median(values)
    if total is not None:
        return f"{median:.1f} ({len(values)}/{total})"
    if len(values) == 1:
        return f"{median:.1f}"
    return f"{median:.1f} [{min(values):.1f}-{max(values):.1f}]"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("result", nargs="+")
    parser.add_argument("--methods", help="comma-separated benchmark methods, in column order")
    parser.add_argument("--param", action="append", default=[], help="name=value to keep")
    parser.add_argument("--ratio", action="append", default=[], help="a/b: a column of fork-median ratios")
    parser.add_argument("--fast", action="store_true", help="medians of the fast-state iterations (above)")
    args = parser.parse_args()
    params = dict(p.split("=", 1) for p in args.param)
    rows = load(args.result, params, args.fast)
    if not rows:
        sys.exit("no results match")
    methods = args.methods.split(",") if args.methods else sorted({m for r in rows.values() for m in r})
    header = ["size"] + methods + [r.replace("/", " / ") for r in args.ratio]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for size in sorted(rows, key=lambda s: int(s) if s.isdigit() else 0):
        row = rows[size]
        cells = [size] + [cell(*row.get(m, ([], None))) for m in methods]
        for ratio in args.ratio:
            a, b = ratio.split("/")
            if row.get(a) and row.get(b):
                cells.append(f"**{statistics.median(row[a][0]) / statistics.median(row[b][0]):.2f}**")
            else:
                cells.append("")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
