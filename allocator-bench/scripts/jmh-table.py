#!/usr/bin/env python3
"""Markdown tables from JMH JSON results, as docs/benchmarks.md shows them: one row per size, one column
per benchmark method, each cell the median of the fork means with their range, and ratio columns.

  python3 jmh-table.py RESULT.json [--methods a,b,c] [--param resident=1] [--ratio a/b ...]

Fork means, not one mean over all iterations: on these hosts one vCPU at a time can run a loop 1.5x
slower, so a fork lands in one of two speeds; the median and the range of the fork means say so.
"""
import argparse
import json
import statistics
import sys


def fork_means(benchmark):
    return [statistics.mean(fork) for fork in benchmark["primaryMetric"]["rawData"]]


def load(path, wanted_params):
    rows = {}
    for b in json.load(open(path)):
        params = b.get("params", {})
        if any(params.get(k) != v for k, v in wanted_params.items()):
            continue
        method = b["benchmark"].rsplit(".", 1)[1]
        size = params.get("size", "-")
        rows.setdefault(size, {})[method] = fork_means(b)
    return rows


def cell(means):
    if not means:
        return ""
    median = statistics.median(means)
    if len(means) == 1:
        return f"{median:.1f}"
    return f"{median:.1f} [{min(means):.1f}-{max(means):.1f}]"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("result")
    parser.add_argument("--methods", help="comma-separated benchmark methods, in column order")
    parser.add_argument("--param", action="append", default=[], help="name=value to keep")
    parser.add_argument("--ratio", action="append", default=[], help="a/b: a column of fork-median ratios")
    args = parser.parse_args()
    params = dict(p.split("=", 1) for p in args.param)
    rows = load(args.result, params)
    if not rows:
        sys.exit("no results match")
    methods = args.methods.split(",") if args.methods else sorted({m for r in rows.values() for m in r})
    header = ["size"] + methods + [r.replace("/", " / ") for r in args.ratio]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for size in sorted(rows, key=lambda s: int(s) if s.isdigit() else 0):
        row = rows[size]
        cells = [size] + [cell(row.get(m, [])) for m in methods]
        for ratio in args.ratio:
            a, b = ratio.split("/")
            if row.get(a) and row.get(b):
                cells.append(f"**{statistics.median(row[a]) / statistics.median(row[b]):.2f}**")
            else:
                cells.append("")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
