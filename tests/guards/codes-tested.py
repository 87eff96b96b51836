#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every diagnostic code `vfioplan codes` lists is expected by some test: in a
golden case's expected output (error[VP4003], warning[...], note[...], or "code":
"VP4003" in JSON), in the CODE column of tests/bad-input/cases.txt, or in an
assertion of a Python test (the workflow and fault-injection tests look for
error[VP5001] and the like in what the binary printed). A code no test
expects is a code whose message nobody has seen. Run: codes-tested.py VFIOPLAN"""
import glob
import os
import re
import subprocess
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
vfioplan = sys.argv[1]
codes = [line.split()[0] for line in subprocess.run([vfioplan, "codes"], capture_output=True, text=True,
                                                     check=True).stdout.splitlines()]
where = {c: [] for c in codes}
seen = re.compile(r'(?:error|warning|note)\[(VP\d{4})\]|"code": "(VP\d{4})"')
for path in sorted(glob.glob(os.path.join(TESTS, "golden", "cases", "*", "expected", "std*"))):
    with open(path, errors="replace") as f:
        for m in seen.finditer(f.read()):
            where.setdefault(m.group(1) or m.group(2), []).append(os.path.relpath(path, TESTS))
with open(os.path.join(TESTS, "bad-input", "cases.txt")) as f:
    for line in f:
        cols = line.split()
        if len(cols) >= 3 and not line.startswith("#"):
            where.setdefault(cols[2], []).append("bad-input/cases.txt: " + cols[0])
for path in sorted(glob.glob(os.path.join(TESTS, "**", "*.py"), recursive=True)):
    if os.path.abspath(path) == os.path.abspath(__file__):
        continue
    with open(path) as f:
        for m in re.finditer(r"(?:error|warning|note)\[(VP\d{4})\]", f.read()):
            where.setdefault(m.group(1), []).append(os.path.relpath(path, TESTS))
missing = [c for c in codes if not where[c]]
for c in codes:
    print("%s %s" % ("ok  " if where[c] else "FAIL", c), "(%s)" % where[c][0] if where[c] else "no test expects it")
unknown = sorted(set(where) - set(codes))
for c in unknown:
    print("FAIL %s is expected by %s but vfioplan has no such code" % (c, where[c][0]))
sys.exit(1 if missing or unknown else 0)
