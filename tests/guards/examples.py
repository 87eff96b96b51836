#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every example has a README that says what host it is, what it shows and
the command to run, and that command runs as written (from the top of the
repository, the binary under test as vfioplan) with the exit code the README
gives ("Exit N"). Run: examples.py VFIOPLAN"""
import glob
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
vfioplan = os.path.abspath(sys.argv[1])
problems = []
examples = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(REPO, "examples", "*", "spec.yaml")))
for ex in examples:
    name = os.path.basename(ex)
    readme = os.path.join(ex, "README.md")
    if not os.path.exists(readme):
        problems.append("examples/%s has no README.md" % name)
        continue
    text = open(readme).read()
    for needed in ("**The host**", "**What it shows**"):
        if needed not in text:
            problems.append("examples/%s/README.md does not say %s" % (name, needed))
    m = re.search(r"^```sh\n(.*?)\n```", text, re.M | re.S)
    want = re.search(r"\bExit (\d)\b", text)
    if not m or not want:
        problems.append("examples/%s/README.md has no ```sh command, or no 'Exit N' for it" % name)
        continue
    cmd = m.group(1).strip()
    if not cmd.startswith("vfioplan ") or "\n" in cmd:
        problems.append("examples/%s/README.md: the command is not one vfioplan command line" % name)
        continue
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(["sh", "-c", '"$VFIOPLAN" ' + cmd[len("vfioplan "):]], cwd=REPO, capture_output=True,
                           text=True, env=dict(os.environ, VFIOPLAN=vfioplan, TMPDIR=tmp, LC_ALL="C"))
    if r.returncode != int(want.group(1)):
        problems.append("examples/%s/README.md: '%s' exits %d, not %s: %s" % (name, cmd, r.returncode, want.group(1),
                                                                              r.stderr[-300:]))
    elif not (r.stdout or r.stderr):
        problems.append("examples/%s/README.md: '%s' prints nothing" % (name, cmd))
if len(examples) < 4:
    problems.append("only %d examples found" % len(examples))
for p in problems:
    print("FAIL " + p)
print("examples: %d checked, %d problems" % (len(examples), len(problems)))
sys.exit(1 if problems else 0)
