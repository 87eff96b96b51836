#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The README stays true: its diagnostic-code table is what `vfioplan codes
--markdown` prints, and every command it lists is one the binary knows."""
import re
import subprocess
import sys

vfioplan, readme = sys.argv[1], sys.argv[2]
text = open(readme).read()
problems = []
m = re.search(r"<!-- codes:[^\n]*-->\n(.*?)<!-- end codes -->", text, re.S)
codes = subprocess.run([vfioplan, "codes", "--markdown"], capture_output=True, text=True, check=True).stdout
if not m:
    problems.append("README has no codes table between the markers")
elif m.group(1) != codes:
    problems.append("README's codes table differs from `vfioplan codes --markdown`; paste its output")
for cmd in sorted(set(re.findall(r"`vfioplan (\w+)", text))):
    r = subprocess.run([vfioplan, cmd, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("README names `vfioplan %s`, which the binary does not know" % cmd)
for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
