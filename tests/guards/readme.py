#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The README stays true: its diagnostic-code table is what `vfioplan codes
--markdown` prints, its spec reference is what spec-table prints from the
parser's field tables, and every command it names is one the binary knows.
Run: readme.py VFIOPLAN SPEC-TABLE README.md"""
import re
import subprocess
import sys

vfioplan, spec_table, readme = sys.argv[1:4]
text = open(readme).read()
problems = []
generated = {
    "codes": ("`vfioplan codes --markdown`", [vfioplan, "codes", "--markdown"]),
    "spec": ("`build/tests/guards/spec-table`", [spec_table]),
}
for marker, (how, argv) in generated.items():
    m = re.search(r"<!-- %s:[^\n]*-->\n(.*?)<!-- end %s -->" % (marker, marker), text, re.S)
    want = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    if not m:
        problems.append("README has no %s table between <!-- %s: ... --> and <!-- end %s -->" % (marker, marker, marker))
    elif m.group(1) != want:
        problems.append("README's %s table differs from what %s prints; paste its output" % (marker, how))
for cmd in sorted(set(re.findall(r"`vfioplan (\w+)", text))):
    r = subprocess.run([vfioplan, cmd, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("README names `vfioplan %s`, which the binary does not know" % cmd)
for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
