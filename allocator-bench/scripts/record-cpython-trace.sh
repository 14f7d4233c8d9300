#!/usr/bin/env bash
# Records a real program's allocations with glibc's mtrace: CPython running workload.py with
# PYTHONMALLOC=malloc, so that its object allocations are malloc calls. Writes, into OUT_DIR:
#   NAME.mtrace.gz              the raw mtrace output
#   NAME.jpmt.gz                the same trace in jpymalloc's binary format (what the repository ships)
#   NAME.debugmallocstats.txt   the real pymalloc's sys._debugmallocstats() at the point where the trace
#                               ends, from a second run of the same program with pymalloc on
# Usage: record-cpython-trace.sh [--python VERSION] [--records N] [--name NAME] [OUT_DIR]
#   VERSION  a pyenv version (default 3.9.18); N: JSON records of the workload (default 3000: ~1.1M events;
#   30000 gives ~6M events). Needs gcc, glibc >= 2.34 (libc_malloc_debug.so.0), pyenv's CPython, and
#   allocator-bench/target/jpymalloc-bench.jar (mvn package).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=3.9.18 records=3000 name="" out="$here/../traces"
while [ $# -gt 0 ]; do
  case "$1" in
    --python) version="$2"; shift 2 ;;
    --records) records="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) out="$1"; shift ;;
  esac
done
python="$(pyenv root)/versions/$version/bin/python${version%.*}"
[ -x "$python" ] || { echo "no CPython $version under pyenv ($python)" >&2; exit 1; }
debuglib=""
for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  [ -e "$dir/libc_malloc_debug.so.0" ] && debuglib="$dir/libc_malloc_debug.so.0" && break
done
[ -n "$debuglib" ] || { echo "glibc's libc_malloc_debug.so.0 not found (glibc >= 2.34 needed)" >&2; exit 1; }
jar="$here/../target/jpymalloc-bench.jar"
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
java="$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)"
name="${name:-cpython-${version%.*}-workload}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

gcc -shared -fPIC -O2 -o "$work/libmtraceonload.so" "$here/mtrace_on_load.c"
echo "recording $name with CPython $version ($records records)..." >&2
env JPYMALLOC_TRACING=1 JPYMALLOC_WORKLOAD_RECORDS="$records" PYTHONHASHSEED=0 PYTHONMALLOC=malloc \
    MALLOC_TRACE="$work/trace.mtrace" LD_PRELOAD="$debuglib $work/libmtraceonload.so" \
    "$python" "$here/workload.py" >/dev/null
gzip -9 -c "$work/trace.mtrace" > "$out/$name.mtrace.gz"
"$java" -jar "$jar" convert "$out/$name.mtrace.gz" "$out/$name.jpmt.gz"
env JPYMALLOC_WORKLOAD_RECORDS="$records" PYTHONHASHSEED=0 "$python" "$here/workload.py" \
    2> "$out/$name.debugmallocstats.txt" >/dev/null
ls -l "$out/$name".* >&2
