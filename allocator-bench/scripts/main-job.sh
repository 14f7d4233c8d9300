#!/usr/bin/env bash
# The main job (README, first command): builds everything, then replays a real trace through jpymalloc
# (CPython 3.9 and 3.10 geometries, and 3.9 keeping 64 emptied arenas), glibc malloc and mimalloc, each
# in a JVM of its own; prints the comparison table and jpymalloc's sys._debugmallocstats() text; writes
# plots and an HTML page under target/report/.
# Usage: main-job.sh [TRACE [compare options...]]   (default: the bundled CPython 3.9 trace)
set -euo pipefail
cd "$(dirname "$0")/../.."

trace="${1:-allocator-bench/traces/cpython-3.9-workload.jpmt.gz}"
[ $# -gt 0 ] && shift

# mimalloc is a peer of the comparison: install it when it is missing and this user can.
if ! compgen -G "/usr/lib/*/libmimalloc.so.2" >/dev/null && [ ! -e /usr/lib/libmimalloc.so.2 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing mimalloc (libmimalloc2.0) for the comparison..." >&2
    apt-get install -y -q libmimalloc2.0 >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libmimalloc2.0 >/dev/null 2>&1; } \
      || echo "could not install libmimalloc2.0; mimalloc will be skipped" >&2
  else
    echo "mimalloc is not installed (sudo apt-get install libmimalloc2.0); it will be skipped" >&2
  fi
fi

mvn -q -B -ntp -DskipTests package
java="$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)"
java="${java:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"
mkdir -p target
"${java:-java}" --enable-native-access=ALL-UNNAMED -jar allocator-bench/target/jpymalloc-bench.jar compare \
  --allocators=jpymalloc-3.9,jpymalloc-3.10,jpymalloc-3.9:spares=64,glibc,mimalloc \
  --show-stats --report target/report "$@" "$trace"
