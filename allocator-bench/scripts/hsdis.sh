#!/usr/bin/env bash
# Builds hsdis-amd64.so, the plugin HotSpot loads to print compiled code, from hsdis-capstone.c, and says
# how to use it. Needs gcc and capstone's headers (apt-get install libcapstone-dev).
#   bash allocator-bench/scripts/hsdis.sh /tmp/hsdis
#   LD_LIBRARY_PATH=/tmp/hsdis java -jar allocator-bench/target/jpymalloc-bench.jar \
#       'AllocFreePairBenchmark\.jpymallocThreadHeap$' -p size=64 -p resident=1 -f 1 \
#       -prof 'perfasm:events=cpu-clock;intelSyntax=true;tooBigThreshold=5000'
# cpu-clock: these VMs expose no hardware counters to perf. docs/design.md, "Performance notes".
set -euo pipefail
out=${1:-/tmp/hsdis}
mkdir -p "$out"
gcc -O2 -shared -fPIC "$(dirname "$0")/hsdis-capstone.c" -lcapstone -o "$out/hsdis-amd64.so"
echo "built $out/hsdis-amd64.so: run java with LD_LIBRARY_PATH=$out and -XX:+UnlockDiagnosticVMOptions -XX:+PrintAssembly, or JMH's -prof perfasm" >&2
