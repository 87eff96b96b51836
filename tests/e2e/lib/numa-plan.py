#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# numa-plan.py - what the VM step must find for topology: auto, from the plan
# as vfioplan printed it inside the emulated host (check --format json) and
# the domain XML it wrote there, before any mutation touches the tree.
#
# usage: numa-plan.py CHECK.json VMS-DIR > numa-plan
# One fact per line, for guest/e2e-numa (a POSIX shell reads it):
#   hugepages NODE KIB COUNT      nr_hugepages of that node and size after boot
#   vcpupin DOMAIN VCPU CPUSET    <cputune><vcpupin>
#   emulatorpin DOMAIN CPUSET     <cputune><emulatorpin>
#   numatune DOMAIN MODE NODESET  <numatune><memory>
#   memnode DOMAIN CELL MODE NODESET
#   cell DOMAIN CELL NODE VCPUS KIB HUGEPAGES   the plan's guest cell, its host node
#   device DOMAIN BDF NODE CELL   an assigned function, its host node and guest cell
# Exit 1 (with the reason on stderr) where the plan and the domain disagree:
# a vCPU pinned outside the host CPUs of its cell, a cell without memnode.
import json
import os
import sys
import xml.etree.ElementTree as ET


def cpus(text):
    """A kernel CPU list ("1-3,7") as a set of numbers."""
    out = set()
    for part in text.split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


SIZES = {"2M": 2048, "1G": 1048576}


def main():
    plan = json.load(open(sys.argv[1]))["plan"]
    lines, bad = [], []
    hp = plan.get("hugepages") or {}
    for n in hp.get("nodes") or []:
        lines.append(f"hugepages {n['node']} {SIZES[hp['size']]} {n['pages']}")
    for vm in plan["vms"]:
        name, topo = vm["name"], vm.get("topology") or {}
        if not topo.get("pinned"):
            continue
        dom = ET.parse(os.path.join(sys.argv[2], name + ".xml")).getroot()
        cells = topo["cells"]
        for c in cells:
            lines.append(f"cell {name} {c['id']} {c['host_node']} {c['vcpus']} "
                         f"{c['memory_bytes'] // 1024} {c['hugepages']}")
        for pin in dom.findall("cputune/vcpupin"):
            v, cs = int(pin.get("vcpu")), pin.get("cpuset")
            lines.append(f"vcpupin {name} {v} {cs}")
            cell = [c for c in cells if v in cpus(c["vcpus"])]
            if not cell or not cpus(cs) <= cpus(cell[0]["host_cpus"]):
                bad.append(f"{name}: vCPU {v} pinned to {cs}, outside its cell's host CPUs")
        emu = dom.find("cputune/emulatorpin")
        if emu is not None:
            lines.append(f"emulatorpin {name} {emu.get('cpuset')}")
        mem = dom.find("numatune/memory")
        if mem is not None:
            lines.append(f"numatune {name} {mem.get('mode')} {mem.get('nodeset')}")
        for c in cells:
            mn = dom.find(f"numatune/memnode[@cellid='{c['id']}']")
            if mn is None or mn.get("nodeset") != str(c["host_node"]):
                bad.append(f"{name}: cell {c['id']} is not bound to host node {c['host_node']}")
                continue
            lines.append(f"memnode {name} {c['id']} {mn.get('mode')} {mn.get('nodeset')}")
        for d in vm["devices"]:
            lines.append(f"device {name} {d['address']} {d['host_node']} {d['guest_cell']}")
    for b in bad:
        print(f"numa-plan.py: {b}", file=sys.stderr)
    print("\n".join(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
