"""The workload of the bundled trace: a small, real CPython program (compile, JSON, text).

Run by record-cpython-trace.sh twice with the same interpreter and PYTHONHASHSEED=0:
- with PYTHONMALLOC=malloc under glibc's mtrace, so that every object allocation is a malloc call
  in the trace; tracing stops at the marked point (muntrace);
- with pymalloc, printing sys._debugmallocstats() at the same point, to compare with the replay.
"""
import ctypes
import os
import sys

TRACING = os.environ.get("JPYMALLOC_TRACING") == "1"
# Exported by the preloaded mtrace_on_load.c (libc.so.6's own muntrace is a stub that does nothing).
stop_tracing = ctypes.CDLL(None).jpymalloc_stop_mtrace if TRACING else None

import ast
import collections
import json
import re


def compile_sources(names):
    """Parse and compile stdlib modules from source: the compiler's small objects."""
    trees = []
    for name in names:
        path = os.path.join(os.path.dirname(os.__file__), name)
        with open(path, encoding="utf-8") as source:
            text = source.read()
        tree = ast.parse(text, path)
        compile(tree, path, "exec")
        trees.append(tree)
    return trees


def json_round_trip(count):
    records = [{"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 7), "u%d" % (i % 13)],
                "point": [i * 0.5, i * 1.5]} for i in range(count)]
    return json.loads(json.dumps(records))


def word_counts(trees):
    words = collections.Counter()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                words[node.id] += 1
    return words


trees = compile_sources(["textwrap.py", "difflib.py", "argparse.py", "typing.py"])
kept = json_round_trip(int(os.environ.get("JPYMALLOC_WORKLOAD_RECORDS", "3000")))
counts = word_counts(trees)
del trees[1:]
pattern = re.compile(r"[a-z]+_[a-z]+")
names = sorted({name for name in counts if pattern.fullmatch(name)})

# The point where the trace ends and pymalloc's statistics are taken: what is live here is compared.
if TRACING:
    stop_tracing()
else:
    sys._debugmallocstats()
print(len(kept), len(counts), len(names), file=sys.stdout)
