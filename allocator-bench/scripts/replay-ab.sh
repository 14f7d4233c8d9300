#!/usr/bin/env bash
# A/B of replays between two commits, in one run: builds the benchmark jar of each, then replays both
# bundled traces (CPython 3.9 with its geometry, CPython 3.12 with cpython-3.10's) ROUNDS times through
# `compare`, alternating the builds round by round, so that both see the same host phases. Writes one JSON
# list of {trace, round, commit, variant, compare}, series and statistics dropped, as docs/results keeps.
# Usage: replay-ab.sh BEFORE AFTER ROUNDS OUT.json [ALLOCATORS]
#   e.g. replay-ab.sh 256c9b8 HEAD 5 /tmp/replay-ab.json jpymalloc,jpymalloc-threadheap,jpymalloc-shared,glibc
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,7p "$0" >&2; exit 2; }
before=$(git rev-parse --short "$1"); after=$(git rev-parse --short "$2"); rounds=$3; out=$4
allocators=${5:-jpymalloc,jpymalloc-threadheap,jpymalloc-shared,glibc,mimalloc}
work=$(mktemp -d /tmp/replay-ab.XXXXXX)
. "$(dirname "$0")/ab-jars.sh"
ab_build_jars "$work" "$before" "$after"
java=$(ab_java)
traces="39:cpython-3.9:allocator-bench/traces/cpython-3.9-workload.jpmt.gz 312:cpython-3.10:allocator-bench/traces/cpython-3.12-workload.jpmt.gz"
for round in $(seq 1 "$rounds"); do
  for build in before after; do
    for t in $traces; do
      IFS=: read -r name geometry file <<<"$t"
      echo "round $round: $build $name" >&2
      "$java" --enable-native-access=ALL-UNNAMED -jar "$work/$build.jar" compare --runs=7 --warmups=3 \
        --json --no-progress --geometry="$geometry" --allocators="$allocators" "$file" > "$work/$build-$round-$name.json"
    done
  done
done
python3 - "$work" "$before" "$after" "$rounds" "$out" <<'PY'
import json, sys
work, before, after, rounds, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
merged = []
for r in range(1, rounds + 1):
    for build, commit in (("before", before), ("after", after)):
        for name in ("39", "312"):
            compare = json.load(open(f"{work}/{build}-{r}-{name}.json"))
            for result in compare.get("results", []):
                result.pop("series", None)
                result.pop("stats", None)
            merged.append({"trace": name, "round": r, "commit": commit, "variant": build, "compare": compare})
json.dump(merged, open(out, "w"), indent=1)
PY
rm -rf "$work"
echo "wrote $out" >&2
