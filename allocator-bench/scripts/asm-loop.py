#!/usr/bin/env python3
"""The hot loop of a method's last C2 compile (not an OSR one) in a -XX:+PrintAssembly log: how many
instructions lie between the loop's back-edge and its target, and which calls are among them. A count
that does not depend on the host's speed, for comparing two builds of the hot path (docs/design.md,
"Performance notes").

  LD_LIBRARY_PATH=/tmp/hsdis java -jar allocator-bench/target/jpymalloc-bench.jar \\
      'AllocFreePairBenchmark\\.jpymallocThreadHeap$' -p size=64 -p resident=1 -f 1 -wi 4 -i 3 \\
      -jvmArgsAppend "--enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions \\
      -XX:CompileCommand=print,*jmhTest::jpymallocThreadHeap_avgt_jmhStub -XX:PrintAssemblyOptions=intel" > asm.log
  python3 allocator-bench/scripts/asm-loop.py asm.log [--list]

(hsdis.sh builds the plugin in /tmp/hsdis.) The loop is found from its safepoint poll: the first
conditional jump after it to a lower address is the back-edge. C2 lays the common path out inside that
range and moves rare paths after it, so the count is the common path's, plus any rare block C2 left
inside.
"""
import re
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    lines = open(sys.argv[1]).read().split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith("Compiled method (c2)") and " % " not in l]
    if not starts:
        sys.exit("no C2 compile in the log")
    start = starts[-1]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("Compiled method")), len(lines))
    code = []
    for line in lines[start:end]:
        m = re.match(r"\s+0x([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m:
            code.append([int(m.group(1), 16), m.group(2), m.group(3)])
        elif code and line.strip().startswith(";"):
            code[-1][2] += " " + line.strip()
    for k, (_, _, rest) in enumerate(code):
        if "{poll}" not in rest:
            continue
        for address, op, operands in code[k + 1:k + 4]:
            target = re.match(r"0x([0-9a-f]+)", operands)
            if op.startswith("j") and target and int(target.group(1), 16) < address:
                low = int(target.group(1), 16)
                loop = [c for c in code if low <= c[0] <= address]
                calls = [c for c in loop if c[1] == "call"]
                print(f"{sys.argv[1]}: hot loop {len(loop)} instructions, {address - low} bytes, {len(calls)} calls")
                for c in calls:
                    site = re.search(r";\*(\w+ \w+)", c[2])
                    print("  call", site.group(1) if site else c[2][:80])
                if "--list" in sys.argv:
                    for a, o, rest2 in loop:
                        print(f"  {a:x}: {o} {rest2[:150]}")
                return
    sys.exit("no loop found (no poll followed by a backward jump)")


if __name__ == "__main__":
    main()
