#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seed corpora for the fuzz targets, from what the repository already has.

  seeds.py --vfioplan BUILD/vfioplan --out DIR
      DIR/spec/      examples/*/spec.yaml, tests/golden/cases/*/spec.yaml, tests/bad-input/spec/*
      DIR/pipeline/  the same specs
      DIR/snapshot/  examples/*/host.yaml, snapshots of tests/hosts/*.table
                     ('vfioplan snapshot'), and tests/bad-input/snapshot/*
      DIR/diff/      pairs of artifacts from the golden cases, joined by a NUL byte
      DIR/hostfacts/ the text files of those hosts' trees (os-release, cpuinfo,
                     cmdline, mounts, route, modules.builtin, osrelease, meminfo, the
                     online CPUs, CPU 0's siblings, node 0's cpulist and meminfo), joined by NUL
  seeds.py --vfioplan BUILD/vfioplan --host-snapshot TABLE OUT
      one snapshot of a host table (tests/hosts/NAME.table), for fuzz-pipeline
  seeds.py --vfioplan BUILD/vfioplan --host-tree TABLE DIR STAMP
      the host tree of a table in DIR (for fuzz-hostfacts), then touches STAMP
"""
import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
MKHOST = os.path.join(SRC, "tests", "tools", "mkhost.py")


def snapshot(vfioplan, host, out):
    subprocess.run([vfioplan, "snapshot", "--host", host, "-o", out], check=True,
                   env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))


def table_snapshot(vfioplan, table, out):
    with tempfile.TemporaryDirectory(prefix="vp-seed-") as tmp:
        tree = os.path.join(tmp, "host")
        subprocess.run([sys.executable, MKHOST, table, tree], check=True, stdout=subprocess.DEVNULL)
        snapshot(vfioplan, tree, out)


def put(dirname, data):
    """Stores data under its hash, as libFuzzer names corpus files."""
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfioplan", required=True)
    ap.add_argument("--out")
    ap.add_argument("--host-snapshot", nargs=2, metavar=("TABLE", "OUT"))
    ap.add_argument("--host-tree", nargs=3, metavar=("TABLE", "DIR", "STAMP"))
    a = ap.parse_args()
    if a.host_snapshot:
        table_snapshot(a.vfioplan, *a.host_snapshot)
        return 0
    if a.host_tree:
        table, tree, stamp = a.host_tree
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run([sys.executable, MKHOST, table, tree], check=True, stdout=subprocess.DEVNULL)
        open(stamp, "w").close()
        return 0
    if not a.out:
        ap.error("--out or --host-snapshot")
    specs = sorted(glob.glob(os.path.join(SRC, "examples", "*", "spec.yaml")) +
                   glob.glob(os.path.join(SRC, "tests", "golden", "cases", "*", "spec.yaml")) +
                   glob.glob(os.path.join(SRC, "tests", "bad-input", "spec", "*")))
    for s in specs:
        if os.path.isfile(s) and os.path.getsize(s) < 1024 * 1024:
            put(os.path.join(a.out, "spec"), read(s))
            put(os.path.join(a.out, "pipeline"), read(s))
    with tempfile.TemporaryDirectory(prefix="vp-seed-") as tmp:
        out = os.path.join(tmp, "snap")
        trees = []
        for snap in sorted(glob.glob(os.path.join(SRC, "examples", "*", "host.yaml"))):
            put(os.path.join(a.out, "snapshot"), read(snap))
        for table in sorted(glob.glob(os.path.join(SRC, "tests", "hosts", "*.table"))):
            table_snapshot(a.vfioplan, table, out)
            put(os.path.join(a.out, "snapshot"), read(out))
            tree = os.path.join(tmp, os.path.basename(table) + ".tree")
            subprocess.run([sys.executable, MKHOST, table, tree], check=True, stdout=subprocess.DEVNULL)
            trees.append(tree)
        for tree in trees:
            parts = []
            for rel in ("etc/os-release", "proc/cpuinfo", "proc/cmdline", "proc/mounts", "proc/net/route",
                        "lib/modules/*/modules.builtin", "proc/sys/kernel/osrelease", "proc/meminfo",
                        "sys/devices/system/cpu/online", "sys/devices/system/cpu/cpu0/topology/core_cpus_list",
                        "sys/devices/system/node/node0/cpulist", "sys/devices/system/node/node0/meminfo"):
                found = sorted(glob.glob(os.path.join(tree, rel)))
                parts.append(read(found[0]) if found else b"")
            put(os.path.join(a.out, "hostfacts"), b"\0".join(parts))
    for s in sorted(glob.glob(os.path.join(SRC, "tests", "bad-input", "snapshot", "*"))):
        if os.path.isfile(s):
            put(os.path.join(a.out, "snapshot"), read(s))
    # diff: the same artifact of two golden cases (old, NUL, new)
    by_name = {}
    for f in sorted(glob.glob(os.path.join(SRC, "tests", "golden", "cases", "*", "expected", "tree", "**"), recursive=True)):
        if os.path.isfile(f) and not os.path.islink(f):
            by_name.setdefault(os.path.basename(f), []).append(f)
    for files in by_name.values():
        for old, new in zip(files, files[1:] + files[:1]):
            put(os.path.join(a.out, "diff"), read(old) + b"\0" + read(new))
    for sub in ("spec", "pipeline", "snapshot", "diff", "hostfacts"):
        n = len(os.listdir(os.path.join(a.out, sub))) if os.path.isdir(os.path.join(a.out, sub)) else 0
        print("seeds: %s: %d inputs" % (sub, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
