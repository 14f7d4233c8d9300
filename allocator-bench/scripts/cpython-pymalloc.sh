#!/usr/bin/env bash
# The physical limit for docs/benchmarks.md: CPython's own pymalloc in C, in the JMH benchmarks' shapes,
# with glibc's malloc beside it. Builds cpython-pymalloc.c against a CPython installed with pyenv and runs it.
#   bash allocator-bench/scripts/cpython-pymalloc.sh [VERSION]     # default 3.9.18
set -euo pipefail
version=${1:-3.9.18}
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
prefix="$root/versions/$version"
config="$prefix/bin/python${version%.*}-config"
[ -x "$config" ] || { echo "no CPython $version under $root (pyenv install $version)" >&2; exit 2; }
out=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
gcc -O2 -o "$out/cpython-pymalloc" "$here/cpython-pymalloc.c" $("$config" --includes) \
    -L"$prefix/lib" -Wl,-rpath,"$prefix/lib" $("$config" --ldflags --embed)
"$out/cpython-pymalloc"
