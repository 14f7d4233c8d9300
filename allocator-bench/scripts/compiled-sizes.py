#!/usr/bin/env python3
"""C2's compiled size of the allocator's methods, against InlineSmallCode, from a HotSpot compilation log.

C2 does not inline a callee that already has a C2 compile of its own larger than InlineSmallCode (2,500
bytes of instructions on x86-64): -XX:+PrintInlining says "already compiled into a big method". The
allocator's hot methods are compiled on their own early (their callers run in C1 first), so a hot path
whose standalone compile passes that size is a call in every caller compiled after it: its segment then
escapes (no scalar replacement), and no load can be hoisted out of the caller's loop. This prints, for
each method matching the pattern, the instruction bytes of its last C2 compile, marked when over.

  java -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=/tmp/compile.log ...
  python3 compiled-sizes.py /tmp/compile.log ['org.jpymalloc.\\w+ (allocate|free)\\b']

docs/design.md ("Performance notes") says what the figures meant for the hot paths.
"""
import re
import sys

INLINE_SMALL_CODE = 2500


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else
                         r"(org\.jpymalloc\.\w+|java\.lang\.foreign\.SegmentAllocator) (allocate\w*|free\w*) ")
    sizes = {}
    with open(sys.argv[1], errors="replace") as log:
        for line in log:
            if not line.startswith("<nmethod") or "compiler='c2'" not in line or "compile_kind='osr'" in line:
                continue
            fields = dict(re.findall(r"(\w+)='([^']*)'", line))
            method = fields.get("method", "")
            if pattern.search(method):
                name, _, signature = method.partition(" (")
                sizes[name + " (" + signature.split(")")[0] + ")"] = (
                    int(fields["stub_offset"]) - int(fields["insts_offset"]))
    if not sizes:
        sys.exit("no C2 compile matches in " + sys.argv[1])
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        mark = "  over InlineSmallCode: callers compiled later call it" if size > INLINE_SMALL_CODE else ""
        print(f"{size:6d}  {name}{mark}")


if __name__ == "__main__":
    main()
