#!/usr/bin/env python3
"""A Markdown table from a sweep's JSON (schema jpymalloc.sweep/1), as docs/research.md shows it: one row per
geometry x policy, peak and final mapped MiB (medians over the JVMs), arenas mapped over the trace, time per
event (median over the JVMs, with the fastest and slowest JVM), faults per run, Johnstone and Wilson's
time-averaged fragmentation, and * on the Pareto front.

  python3 sweep-table.py SWEEP.json
"""
import json
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    document = json.load(open(sys.argv[1]))
    if document.get("schema") != "jpymalloc.sweep/1":
        sys.exit(f"{sys.argv[1]}: not a sweep (schema {document.get('schema')!r})")
    print("| geometry | policy | peak MiB | final MiB | arenas | ns/event [JVMs] | faults/run | fragmentation (J&W) | front |")
    print("|---|---|---:|---:|---:|---:|---:|---:|:-:|")
    for r in document["results"]:
        forks = r["forkMedianNsPerEvent"]
        print(f"| `{r['geometry']}` | `{r['policy']}` | {r['peakMappedBytes'] / 2**20:.2f} "
              f"| {r['finalMappedBytes'] / 2**20:.2f} | {r['arenasAllocatedTotal']} "
              f"| {r['medianNsPerEvent']:.1f} [{min(forks):.1f}-{max(forks):.1f}] "
              f"| {r['medianMinorFaultsPerRun']:,} | {100 * r['fragmentationTimeAveraged']:.1f}% "
              f"| {'*' if r['paretoFront'] else ''} |")


if __name__ == "__main__":
    main()
