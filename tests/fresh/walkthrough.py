#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The README's walkthrough as scripts for tests/fresh/run.sh: every ```sh
block of "Use it on your host", "Adopting a manual setup" and "Undo and
uninstall", in order, as OUT/step-NN.sh (the block as written), with
OUT/step-NN.want: the exit it must give (1 for `vfioplan plan`, whose 1 means
"there are changes"; else 0) and its first line.
Run: walkthrough.py README.md OUT"""
import os
import re
import sys

SECTIONS = ("Use it on your host", "Adopting a manual setup", "Undo and uninstall")

text, out = open(sys.argv[1]).read(), sys.argv[2]
n = 0
for section in SECTIONS:
    m = re.search(r"^## " + re.escape(section) + r"\n(.*?)(?=^## )", text, re.M | re.S)
    if not m:
        sys.exit("README.md has no section '## %s'" % section)
    for block in re.findall(r"^```sh\n(.*?)^```", m.group(1), re.M | re.S):
        n += 1
        first = block.strip().splitlines()[0]
        want = 1 if first.startswith("vfioplan plan ") else 0
        with open(os.path.join(out, "step-%02d.sh" % n), "w") as f:
            f.write(block)
        with open(os.path.join(out, "step-%02d.want" % n), "w") as f:
            f.write("%d %s\n" % (want, first))
if n < 10:
    sys.exit("only %d blocks of commands in the README's walkthrough" % n)
