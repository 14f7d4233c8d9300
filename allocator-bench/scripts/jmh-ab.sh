#!/usr/bin/env bash
# A/B of JMH benchmarks between two commits, in one run: builds the benchmark jar of each, then runs the
# given JMH arguments ROUNDS times, alternating the builds (before, after, before, after...), so that
# both see the same host phases. Writes one JSON array, each entry tagged "ab": {build, commit, round};
# read it with jmh-table.py after filtering, or as docs/benchmarks.md and CHANGELOG.md do.
# Usage: jmh-ab.sh BEFORE AFTER ROUNDS OUT.json JMH-ARGS...
#   e.g. jmh-ab.sh 3c29318 HEAD 3 /tmp/ab.json 'AllocFreePairBenchmark.jpymalloc$' -p size=64 -p resident=1,0 -f 2
set -euo pipefail
[ $# -ge 5 ] || { sed -n 2,8p "$0" >&2; exit 2; }
before=$(git rev-parse --short "$1"); after=$(git rev-parse --short "$2"); rounds=$3; out=$4; shift 4
work=$(mktemp -d /tmp/jmh-ab.XXXXXX)
. "$(dirname "$0")/ab-jars.sh"
ab_build_jars "$work" "$before" "$after"
java=$(ab_java)
for round in $(seq 1 "$rounds"); do
  for build in before after; do
    echo "round $round: $build" >&2
    "$java" -jar "$work/$build.jar" "$@" -rf json -rff "$work/$build-$round.json" >&2
  done
done
python3 - "$work" "$before" "$after" "$rounds" "$out" <<'PY'
import json, sys
work, before, after, rounds, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
merged = []
for r in range(1, rounds + 1):
    for build, commit in (("before", before), ("after", after)):
        for entry in json.load(open(f"{work}/{build}-{r}.json")):
            entry["ab"] = {"build": build, "commit": commit, "round": r}
            merged.append(entry)
json.dump(merged, open(out, "w"), indent=1)
PY
rm -rf "$work"
echo "wrote $out" >&2
