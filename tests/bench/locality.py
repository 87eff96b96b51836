#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""locality: how faithfully each VM's guest mirrors the host's NUMA nodes.

For every example (examples/*/spec.yaml on its host.yaml) and the golden
topology cases on 1, 2 and 4 nodes, it runs `vfioplan check --format json`,
reads the host's nodes from `vfioplan snapshot`, and prints per VM:

  devices local  the share of assigned functions whose guest cell is bound to
                 their host node (a function whose node the host does not say
                 counts as local on a host of one node, else not)
  vCPUs local    the share of vCPUs pinned to a CPU of their cell's host node
  shared CPUs    host CPUs pinned by two vCPUs (of any VMs) or by a vCPU and
                 the housekeeping CPUs

Exit 1 when a VM that topology: auto pins falls short of 100 % on either
share, or a CPU is shared; 0 otherwise. Deterministic: it runs in the golden
suite. usage: locality.py --vfioplan PATH [--markdown]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from ruamel.yaml import YAML

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MKHOST = os.path.join(REPO, "tests", "tools", "mkhost.py")
GOLDEN = os.path.join(REPO, "tests", "golden", "cases")


def cpulist(s):
    out = set()
    for part in filter(None, str(s).split(",")):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def cases(scratch):
    """(name, spec, host) of the examples and the golden topology cases."""
    for name in sorted(os.listdir(os.path.join(REPO, "examples"))):
        d = os.path.join(REPO, "examples", name)
        if os.path.isfile(os.path.join(d, "spec.yaml")) and os.path.isfile(os.path.join(d, "host.yaml")):
            yield "examples/" + name, os.path.join(d, "spec.yaml"), os.path.join(d, "host.yaml")
    for name in ("topology-1node", "topology-2node", "topology-4node"):
        d = os.path.join(GOLDEN, name)
        with open(os.path.join(d, "host")) as f:
            table = os.path.join(REPO, "tests", "hosts", f.read().strip() + ".table")
        root = os.path.join(scratch, name)
        subprocess.run([sys.executable, MKHOST, table, root], check=True, stdout=subprocess.DEVNULL)
        yield "golden/" + name, os.path.join(d, "spec.yaml"), root


def host_nodes(vfioplan, host, scratch):
    """{node id: set of CPUs} from the host's snapshot."""
    snap = os.path.join(scratch, "snapshot.yaml")
    subprocess.run([vfioplan, "snapshot", "--host", host, "-o", snap], check=True, capture_output=True)
    with open(snap) as f:
        doc = YAML(typ="safe").load(f)
    return {n["id"]: cpulist(n["cpus"]) for n in doc.get("nodes") or []}


def measure(vfioplan, name, spec, host, scratch):
    r = subprocess.run([vfioplan, "check", "--format", "json", spec, "--host", host], capture_output=True, text=True)
    doc = json.loads(r.stdout)
    if not doc.get("ok"):  # an example that shows a refusal (unsplittable-group): nothing is pinned
        codes = sorted({d["code"] for d in doc["diagnostics"] if d["severity"] == "error"})
        return [{"case": name, "refused": ", ".join(codes)}]
    nodes = host_nodes(vfioplan, host, scratch)
    plan = doc["plan"]
    owners = {}
    for cpu in cpulist(plan.get("housekeeping_cpus") or ""):
        owners.setdefault(cpu, []).append("housekeeping")
    rows = []
    for vm in plan["vms"]:
        topo = vm["topology"]
        cells = topo["cells"]
        local_dev = 0
        for dev in vm["devices"]:
            cell = dev["guest_cell"]
            if cell is None:
                continue
            node = dev["host_node"]
            if node is None and len(nodes) == 1:
                node = next(iter(nodes))
            local_dev += node == cells[cell]["host_node"]
        local_cpu = pinned = 0
        for cell in cells:
            cpus = sorted(cpulist(cell["host_cpus"]))
            pinned += len(cpus)
            local_cpu += sum(1 for c in cpus if c in nodes.get(cell["host_node"], ()))
            for c in cpus:
                owners.setdefault(c, []).append(vm["name"])
        n_dev = len(vm["devices"])
        rows.append({
            "case": name, "vm": vm["name"], "mode": topo["mode"], "pinned": topo["pinned"],
            "cells": len(cells), "devices": n_dev, "devices_local": local_dev, "vcpus_pinned": pinned,
            "vcpus_local": local_cpu,
        })
    shared = sorted(c for c, who in owners.items() if len(who) > 1)
    for row in rows:
        row["shared_cpus"] = len(shared)
    return rows


def pct(a, b):
    return "%.0f %%" % (100.0 * a / b) if b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vfioplan", required=True)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="vp-locality-") as scratch:
        for name, spec, host in cases(scratch):
            rows += measure(args.vfioplan, name, spec, host, scratch)
    print("| case | VM | topology | cells | devices local | vCPUs local | shared CPUs |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    bad = []
    for r in rows:
        if "refused" in r:
            print("| %s | - | refused (%s), as the example means | - | - | - | - |" % (r["case"], r["refused"]))
            continue
        print("| %s | %s | %s | %d | %s (%d/%d) | %s (%d/%d) | %d |" % (
            r["case"], r["vm"], r["mode"] if r["pinned"] else "none (unpinned)", r["cells"],
            pct(r["devices_local"], r["devices"]), r["devices_local"], r["devices"],
            pct(r["vcpus_local"], r["vcpus_pinned"]), r["vcpus_local"], r["vcpus_pinned"], r["shared_cpus"]))
        if r["pinned"] and (r["devices_local"] != r["devices"] or r["vcpus_local"] != r["vcpus_pinned"] or
                            r["shared_cpus"]):
            bad.append("%s/%s" % (r["case"], r["vm"]))
    if bad:
        print("locality: below 100 %% or sharing CPUs: %s" % ", ".join(bad))
        return 1
    pinned = [r for r in rows if r.get("pinned")]
    print("locality: %d passed, 0 failed" % len(pinned))
    return 0


if __name__ == "__main__":
    sys.exit(main())
