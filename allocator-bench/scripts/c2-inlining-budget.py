#!/usr/bin/env python3
"""Where a C2 compile spends its inlining budget, from a HotSpot compilation log.

C2 stops inlining ordinary methods once a compile has created more than NodeCountInliningCutoff (18,000)
IR nodes; calls decided after that stay calls ("NodeCountInliningCutoff" in -XX:+PrintInlining). Every
FFM memory access inlines a deep tree of JDK checks, so the allocator's hot path is measured in nodes:
this prints, for the last non-OSR C2 compile of a method, the running node count at the end of each
inlined method (to a depth), and every inlining failure where it happened.

  java -jar jpymalloc-bench.jar 'AllocFreePairBenchmark.jpymallocShared$' -p size=64 -p resident=1 -f 1 \
      -jvmArgsAppend '--enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions
                      -XX:+LogCompilation -XX:LogFile=/tmp/compile.log'
  python3 c2-inlining-budget.py /tmp/compile.log jpymallocShared_avgt_jmhStub [depth]

docs/design.md ("Performance notes") says what the figures meant for the shared pair.
"""
import re
import sys


def last_task(log, method):
    """The text of the last non-OSR C2 compile task of `method` (JMH stubs: the one that stays)."""
    text = open(log, errors="replace").read()
    starts = [m.start() for m in re.finditer(r"<task [^>]*" + re.escape(method), text)]
    # C2's tasks only: C1's carry a level attribute (1 to 3) and may be logged after C2's.
    starts = [s for s in starts if "compile_kind='osr'" not in text[s:text.index(">", s)]
              and not re.search(r"level='[123]'", text[s:text.index(">", s)])]
    if not starts:
        sys.exit(f"no non-OSR compile of {method} in {log}")
    start = starts[-1]
    return text[start:text.index("</task>", start)]


def names(task):
    klasses = dict(re.findall(r"<klass id='(\d+)' name='([^']*)'", task))
    methods = {}
    for mid, holder, name in re.findall(r"<method id='(\d+)' holder='(\d+)' name='([^']*)'", task):
        methods[mid] = klasses.get(holder, "?").split("/")[-1] + "." + name
    return methods


def report(task, depth):
    methods = names(task)
    stack = []
    callee = None
    for line in task.split("\n"):
        call = re.match(r"<call method='(\d+)'", line)
        parse = re.match(r"<parse method='(\d+)'", line)
        done = re.match(r"<parse_done nodes='(\d+)' live='(\d+)'", line)
        failed = re.match(r"<inline_fail reason='([^']*)'", line)
        if call:
            callee = call.group(1)
        elif parse:
            stack.append(parse.group(1))
        elif done:
            method = stack.pop()
            if len(stack) <= depth:
                print(f"{'  ' * len(stack)}{methods.get(method, method)}: {done.group(1)} nodes so far")
        elif failed and len(stack) <= depth + 1:
            print(f"{'  ' * len(stack)}NOT INLINED: {methods.get(callee, callee)} ({failed.group(1)})")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    report(last_task(sys.argv[1], sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 5)
