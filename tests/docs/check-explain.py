#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every diagnostic code is explained, and every explanation's example really
gets its code: `vfioplan explain CODE` for each code of `vfioplan codes`, its
example spec compiled with `vfioplan check` against a host fixture that is
what the explanation describes, or its example commands run by sh in a
scratch folder (HOST a host tree, OTHER_HOST another, spec.yaml a valid spec
for HOST, vfioplan the binary under test on PATH).

Run: check-explain.py VFIOPLAN (VFIOPLAN_WRAPPER wraps it where it runs vfioplan itself)."""
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
MKHOST = os.path.join(TESTS, "tools", "mkhost.py")

# The host each code's example needs (the explanation says it in words); default: tests/hosts/tiny.table.
HOSTS = {
    "VP3004": "tests/hosts/iommu-off.table",
    "VP3005": "tests/golden/cases/host-unknown-cpu-no-group/host.yaml",
    "VP4014": "tests/golden/cases/host-unknown-cpu-no-group/host.yaml",
    "VP3006": "tests/golden/cases/host-unknown-distro/host.yaml",
    "VP4005": "tests/hosts/workstation.table",
    "VP4017": "tests/hosts/workstation.table",
    "VP4007": "tests/hosts/nvme-root-conflict.table",
    "VP4009": "tests/hosts/dgx-h100.table",
    "VP4019": "tests/hosts/pascal.table",
    "VP3021": "tests/golden/cases/boot-contradiction/host.table",
    "VP4032": "tests/hosts/ryzen-b450.table",
    "VP4033": "tests/hosts/unsplittable-group.table",
    "VP4035": "tests/hosts/sriov-nic.table",
    "VP4037": "tests/hosts/ryzen-b450.table",
    "VP4022": "tests/golden/cases/vm-too-many-slots/host.yaml",
    "VP4061": "tests/hosts/numa2.table",
    "VP4063": "tests/hosts/numa2.table",
}
DEFAULT_HOST = "tests/hosts/tiny.table"
OTHER_HOST = "tests/hosts/amd-epyc.table"
VALID_SPEC = """apiVersion: vfioplan/v1
host:
  name: tiny
vms:
  - name: vm1
    vcpus: 4
    memory: 8GiB
    devices:
      - address: "0000:01:00"
"""


def host_path(ref, scratch, cache):
    """A host reference as --host takes it: tables become trees (once), snapshots stay files."""
    path = os.path.join(REPO, ref)
    if not ref.endswith(".table"):
        return path
    if ref not in cache:
        dest = os.path.join(scratch, "hosts", os.path.basename(ref)[: -len(".table")] + "-%d" % len(cache))
        subprocess.run([sys.executable, MKHOST, path, dest], check=True, stdout=subprocess.DEVNULL)
        cache[ref] = dest
    return cache[ref]


def parse(text):
    """(kind, block) of an explanation: kind 'spec' or 'commands', block the example without its indent."""
    m = re.search(r"^Example (spec|commands)[^\n]*(?:\n(?!    )[^\n]*)*\n((?:    [^\n]*\n)+)", text, re.M)
    if not m:
        return None, None
    block = "".join(line[4:] + "\n" for line in m.group(2).splitlines())
    return m.group(1), block


def main():
    vfioplan = os.path.abspath(sys.argv[1])
    wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
    codes = [line.split()[0] for line in
             subprocess.run([vfioplan, "codes"], capture_output=True, text=True, check=True).stdout.splitlines()]
    problems = []
    cache = {}
    with tempfile.TemporaryDirectory() as scratch:
        bindir = os.path.join(scratch, "bin")
        os.mkdir(bindir)
        os.symlink(vfioplan, os.path.join(bindir, "vfioplan"))
        for code in codes:
            r = subprocess.run([*wrapper, vfioplan, "explain", code], capture_output=True, text=True)
            if r.returncode != 0 or "not explained yet" in r.stdout:
                problems.append("%s: not explained (exit %d)" % (code, r.returncode))
                continue
            for section in ("What triggers it:", "The fix:"):
                if section not in r.stdout:
                    problems.append("%s: the explanation has no '%s'" % (code, section))
            kind, block = parse(r.stdout)
            if kind is None:
                problems.append("%s: the explanation has no example" % code)
                continue
            host = host_path(HOSTS.get(code, DEFAULT_HOST), scratch, cache)
            work = tempfile.mkdtemp(dir=scratch)
            if kind == "spec":
                with open(os.path.join(work, "spec.yaml"), "w") as f:
                    f.write(block)
                run = subprocess.run([*wrapper, vfioplan, "check", "spec.yaml", "--host", host], cwd=work,
                                     capture_output=True, text=True, timeout=60)
            else:
                with open(os.path.join(work, "spec.yaml"), "w") as f:
                    f.write(VALID_SPEC)
                env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], HOST=host,
                           OTHER_HOST=host_path(OTHER_HOST, scratch, cache), NO_COLOR="1")
                run = subprocess.run(["sh", "-c", "set -e\n" + block, "explain-example"],
                                     cwd=work, env=env, capture_output=True, text=True, timeout=60)
            got = set(re.findall(r"\[(VP\d{4})\]", run.stderr))
            if code not in got:
                problems.append("%s: its example %s gives %s, not %s:\n%s%s" % (
                    code, kind, " ".join(sorted(got)) or "no code", code, block, run.stderr[-600:]))
            else:
                print("ok   %s (%s)" % (code, kind))
    for p in problems:
        print("FAIL " + p)
    print("explain: %d passed, %d failed" % (len(codes) - len(problems), len(problems)))
    sys.exit(1 if problems else 0)


main()
