#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The disk matrix: every disk bus x device kind x count, alone and mixed,
compiled by vfioplan and judged by libvirt.

One generated spec holds one VM per combination (bus virtio, scsi, sata x
device disk, cdrom x 1..64 disks, then every ordered pair of kinds, and the
Windows layouts). vfioplan builds it against tests/hosts/tiny.table; each
domain must then

  * pass `virsh -c test:///default define --validate` and libvirt's
    domain.rng (judge.py's XML judge): a duplicate drive address, a CD-ROM
    on virtio or a malformed name is refused there;
  * name its disks the way libvirt counts them: vdX per virtio disk, sdX
    shared by SATA and SCSI, a..z then aa.. (checked against the names this
    script derives itself);
  * have no SCSI controller that libvirt would make an emulated LSI: after
    define, every SCSI controller of the domain libvirt keeps (dumpxml) is
    virtio-scsi, and every SATA and SCSI disk has its own drive address.

usage: disk-matrix.py --vfioplan BIN   (exit 1 on any objection; the build runs
under $VFIOPLAN_WRAPPER when set, as in the golden runner)
"""
import argparse
import itertools
import os
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import judge  # noqa: E402  (judge.py beside this file: the XML judge and its failure list)

BUSES = ("virtio", "scsi", "sata")
DEVICES = ("disk", "cdrom")
COUNTS = (1, 2, 6, 7, 8, 26, 27, 64)  # 6: one AHCI controller full; 7: one SCSI controller; 26/27: z/aa; 64: the limit


def effective_bus(bus, device):
    # a CD-ROM cannot sit on virtio; vfioplan puts one on SATA
    return "sata" if device == "cdrom" and bus == "virtio" else bus


def libvirt_name(prefix, idx):
    """virIndexToDiskName: 0 -> a, 25 -> z, 26 -> aa"""
    s = ""
    idx += 1
    while idx > 0:
        idx -= 1
        s = chr(ord("a") + idx % 26) + s
        idx //= 26
    return prefix + s


def expected_targets(disks):
    vd = sd = 0
    out = []
    for bus, device in disks:
        b = effective_bus(bus, device)
        if b == "virtio":
            out.append((libvirt_name("vd", vd), b))
            vd += 1
        else:
            out.append((libvirt_name("sd", sd), b))
            sd += 1
    return out


def combinations():
    kinds = list(itertools.product(BUSES, DEVICES))
    vms = {}
    for (bus, dev), n in itertools.product(kinds, COUNTS):
        vms["m-%s-%s-%d" % (bus, dev, n)] = [(bus, dev)] * n
    for (k1, k2) in itertools.product(kinds, kinds):
        for n1, n2 in ((1, 1), (3, 5)):
            vms["p-%s-%s-%d-%s-%s-%d" % (k1 + (n1,) + k2 + (n2,))] = [k1] * n1 + [k2] * n2
    # the layouts people write: Windows (SATA disk + install ISO, + virtio-win ISO),
    # a Linux guest installing from an ISO, a server on virtio-scsi with a data disk on virtio
    vms["w-windows"] = [("sata", "disk"), ("virtio", "cdrom")]
    vms["w-windows-virtio-win"] = [("sata", "disk"), ("sata", "cdrom"), ("sata", "cdrom")]
    vms["w-linux-iso"] = [("virtio", "disk"), ("virtio", "cdrom")]
    vms["w-scsi-server"] = [("scsi", "disk"), ("scsi", "disk"), ("virtio", "disk"), ("scsi", "cdrom")]
    vms["w-interleaved"] = [("sata", "disk"), ("scsi", "disk")] * 8
    return vms


def write_spec(path, vms):
    lines = ["apiVersion: vfioplan/v1", "host:", "  name: matrix", "vms:"]
    for name, disks in vms.items():
        lines += ["  - name: %s" % name, "    vcpus: 1", "    memory: 1GiB", "    allow_no_devices: true",
                  "    disks:"]
        for i, (bus, dev) in enumerate(disks):
            lines += ["      - path: /var/lib/libvirt/images/%s-%d.%s" % (name, i, "iso" if dev == "cdrom" else "qcow2"),
                      "        bus: %s" % bus, "        device: %s" % dev]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfioplan", required=True)
    ns = ap.parse_args()
    vms = combinations()
    problems = []
    with tempfile.TemporaryDirectory(prefix="vp-disk-matrix-") as tmp:
        spec = os.path.join(tmp, "spec.yaml")
        write_spec(spec, vms)
        host = os.path.join(tmp, "host")
        subprocess.run([sys.executable, os.path.join(TESTS, "tools", "mkhost.py"),
                        os.path.join(TESTS, "hosts", "tiny.table"), host], check=True, stdout=subprocess.DEVNULL)
        out = os.path.join(tmp, "out")
        # VFIOPLAN_WRAPPER: the sanitize and valgrind setups run the build under their tool
        wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
        r = subprocess.run(wrapper + [ns.vfioplan, "build", spec, "--host", host, "-o", out], capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL vfioplan build of the matrix exited %d:\n%s" % (r.returncode, r.stderr))
            return 1
        for name, disks in vms.items():
            rel = "etc/vfioplan/vms/%s.xml" % name
            path = os.path.join(out, rel)
            judge.judge_xml(out, rel, path)
            got = [(t.find("target").get("dev"), t.find("target").get("bus"))
                   for t in ET.parse(path).getroot().iter("disk")]
            if got != expected_targets(disks):
                problems.append("%s: targets %s, expected %s" % (name, got, expected_targets(disks)))
            # what libvirt keeps after define: its own implicit controllers and drive addresses
            d = subprocess.run(["virsh", "-c", "test:///default", "define %s; dumpxml %s" % (path, name)],
                               capture_output=True, text=True)
            if d.returncode != 0:
                continue  # judge_xml has recorded why
            dom = ET.fromstring(d.stdout[d.stdout.index("<domain"):])
            for c in dom.iter("controller"):
                if c.get("type") == "scsi" and c.get("model") != "virtio-scsi":
                    problems.append("%s: libvirt added SCSI controller %s with model %s, not virtio-scsi" %
                                    (name, c.get("index"), c.get("model")))
            # a drive address is per controller type; virtio disks are PCI devices (the test driver gives them none)
            addrs = [(d.find("target").get("bus"),) + tuple(sorted(d.find("address").attrib.items()))
                     for d in dom.iter("disk") if d.find("target").get("bus") != "virtio"]
            if len(addrs) != sum(effective_bus(*k) != "virtio" for k in disks) or len(set(addrs)) != len(addrs):
                problems.append("%s: drive addresses are not one per disk: %s" % (name, addrs))
    problems = judge.failures + problems
    for p in problems:
        print("FAIL " + p)
    print("disk matrix: %d domains (bus x device x count, pairs, layouts), %d problems" % (len(vms), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
