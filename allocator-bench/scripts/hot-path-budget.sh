#!/usr/bin/env bash
# The allocator's hot path against C2's two inlining limits (docs/design.md, "Performance notes"):
#  1. compiled sizes against InlineSmallCode: HotLoop (a plain allocate-write-free loop) per mode, with a
#     compilation log, read by compiled-sizes.py;
#  2. with --jmh, the parse-node count of JMH's pair stubs against NodeCountInliningCutoff, read by
#     c2-inlining-budget.py (a short JMH run per mode, so it takes a minute or two).
# Run it before and after a change to the hot path: a smaller compile is not enough (CHANGELOG.md).
# Usage: hot-path-budget.sh [--jmh] [size]   (after mvn package)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/../target/jpymalloc-bench.jar"
java="$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)"; java=${java:-java}
jmh=false; [ "${1:-}" = --jmh ] && { jmh=true; shift; }
size=${1:-64}
log=$(mktemp /tmp/hot-path-budget.XXXXXX)
trap 'rm -f "$log"' EXIT
for mode in confined threadHeap shared; do
  echo "== $mode, $size bytes: C2 compiled sizes (InlineSmallCode 2,500)"
  "$java" --enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation \
      -XX:LogFile="$log" -cp "$jar" org.jpymalloc.bench.jit.HotLoop "$mode" "$size" >/dev/null
  python3 "$here/compiled-sizes.py" "$log"
done
$jmh || exit 0
for bench in jpymalloc jpymallocThreadHeap jpymallocShared; do
  echo "== JMH's $bench pair stub, $size bytes: parse nodes (NodeCountInliningCutoff 18,000)"
  "$java" -jar "$jar" "AllocFreePairBenchmark\.$bench\$" -p size="$size" -p resident=1 -f 1 -wi 3 -i 1 \
      -jvmArgsAppend "--enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=$log" \
      >/dev/null 2>&1
  python3 "$here/c2-inlining-budget.py" "$log" "${bench}_avgt_jmhStub" 30 | grep -E "jmhStub: |NOT INLINED" \
      | sed 's/^ *//' || true
done
