#!/usr/bin/python3
"""gen-host: a synthetic multi-GPU server of exactly N PCI functions, for the benchmark.

Usage: gen-host.py [--table-only] N OUTDIR

Writes OUTDIR/host.table (format: tests/tools/README.md), runs
tests/tools/mkhost.py on it to make the sysfs-shaped tree OUTDIR/root, and
writes OUTDIR/spec.yaml, a spec that passes `vfioplan check --host OUTDIR/root`.
Output is a pure function of N. Python 3 standard library only.

Shape. The host is a row of "nodes", one PCI domain each (0000, 0001, ...),
each shaped like a DGX H100 of 600 functions (tests/bench/README.md):

  per socket (NUMA node 0 and 1) of a node
    - GPU stack, switched: host bridge (4 functions), root port, PCIe switch
      upstream port, two downstream ports WITHOUT ACS, two GPUs: the ports and
      the GPUs share one IOMMU group (field guide: groups 29 and 58)
    - GPU stack, direct: host bridge, two root ports, one GPU on each
    - compute NICs: host bridge, four root ports, four ConnectX-7 (InfiniBand)
    - data NVMe: host bridge, four root ports, four U.2 NVMe
    - uncore: host bridge-less buses 70-7f / f0-ff full of Sapphire Rapids
      uncore functions (class 0880), one IOMMU group per slot; this is the
      part that makes a real 2-socket server hold 460+ groups
  socket 0 also holds a storage stack: two boot NVMe and a dual-port
  ConnectX-7 (management / storage network).
  Node 0 alone has the platform controller hub (USB, SATA, BMC VGA = boot
  VGA) and, on socket 0, an NVSwitch stack: root port, switch upstream
  port, four ACS downstream ports, four NVSwitches (10de:22a3, class 0680).
  Its GPUs are H100 SXM5 (10de:2330, 128 GiB BAR1). The GPUs of the other
  nodes are AMD Instinct MI210 (1002:740f, 64 GiB BAR0) on odd nodes and
  MI100 (1002:738c, 32 GiB BAR0) on even ones: vfioplan's NVSwitch rule
  gives every NVIDIA GPU and every NVSwitch of a host to one VM, so only
  node 0 may hold NVIDIA GPUs; and mkhost's 64-bit window (32 TiB, shared
  by all domains) holds 34 nodes of such GPUs but not 34 of MI210s.

  The host's root file system, default-route NIC and boot VGA are on node 0.
  N that is not a multiple of 600 ends in a partial node: its I/O blocks
  while they fit, then uncore functions up to N.

The spec: one VM per node that has GPUs. Node 0's VM takes the NVSwitch
fabric by match (all H100s and NVSwitches, with counts) and its eight
compute NICs by address; every other node's VM takes its GPUs, compute NICs
and two data NVMe by address, and the dual-port storage NIC by slot
("dddd:23:00", both functions). That is about 4% of the functions, and every
device a GPU tenant would get.
"""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MKHOST = os.path.join(HERE, "..", "tools", "mkhost.py")
NODE_SIZE = 600

# (ids, subsys, class, rev, driver, options)
H100 = ("10de:2330", "10de:16c1", "030200", "a1", "nvidia", "bar0=16M bar1=128G:64p bar3=32M:64p")
MI210 = ("1002:740f", "1002:0c34", "038000", "02", "amdgpu", "bar0=64G:64p bar2=2M:64p bar5=512K rom=128K")
MI100 = ("1002:738c", "1002:0c34", "038000", "01", "amdgpu", "bar0=32G:64p bar2=2M:64p bar5=512K rom=128K")
NVSWITCH = ("10de:22a3", "10de:1796", "068000", "a1", "nvidia", "bar0=32M:64")
CX7_IB = ("15b3:1021", "15b3:0041", "020700", "00", "mlx5_core", "bar0=32M:64p rom=1M")
CX7_ETH = ("15b3:1021", "15b3:0021", "020000", "00", "mlx5_core", "bar0=32M:64p rom=1M")
NVME_BOOT = ("144d:a80a", "144d:aa0a", "010802", "00", "nvme", "bar0=32K:64")
NVME_DATA = ("144d:a826", "144d:a812", "010802", "00", "nvme", "bar0=32K:64")
PEX = ("1000:c030", "1000:0104", "060400", "b0", "pcieport", "")
HOST_BRIDGE = [("8086:09a2", "060000"), ("8086:09a4", "088000"), ("8086:09a3", "088000"),
               ("8086:0998", "088000")]   # functions 0, 1, 2, 4 of a stack's slot 00
ROOT_PORTS = ["8086:352a", "8086:352b", "8086:352c", "8086:352d"]   # at 01.0, 03.0, 05.0, 07.0
UNCORE_IDS = ["8086:3250", "8086:3251", "8086:3252", "8086:3245", "8086:3246", "8086:3247",
              "8086:3248", "8086:3249", "8086:324a", "8086:344c", "8086:344f", "8086:3457",
              "8086:3258", "8086:3259", "8086:325a", "8086:325b", "8086:325c", "8086:325d",
              "8086:325e", "8086:325f"]
# Functions per uncore slot, cycled: mostly single-function devices, some up to 8.
UNCORE_PATTERN = [1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 4, 1, 1, 1, 1, 1, 8]
UNCORE_BUSES = [list(range(0x70, 0x80)), list(range(0xf0, 0x100))]   # per socket


class Gen:
    def __init__(self):
        self.lines = []
        self.group = 0

    def new_group(self):
        g = self.group
        self.group += 1
        return g


class Block:
    """A run of table lines that stands on its own (a stack, or a PCH)."""

    def __init__(self, name):
        self.name = name
        self.rows = []          # (addr, ids, subsys, cls, rev, group-key, driver, numa, parent, opts)
        self.gpus = []          # addresses of GPU functions
        self.nvswitches = []
        self.nics = []
        self.data_nvme = []
        self.storage_nic_slot = None

    def add(self, addr, ids, subsys, cls, rev, gkey, driver, numa, parent, opts=""):
        self.rows.append((addr, ids, subsys, cls, rev, gkey, driver, numa, parent, opts))

    def __len__(self):
        return len(self.rows)


def a(dom, bus, dev, fn):
    return "%04x:%02x:%02x.%d" % (dom, bus, dev, fn)


def host_bridge(b, dom, bus, numa, nfn=4):
    for i, (ids, cls) in enumerate(HOST_BRIDGE[:nfn]):
        fn = [0, 1, 2, 4][i]
        b.add(a(dom, bus, 0, fn), ids, "8086:0000", cls, "20", ("hb", fn), "-", numa, "-")


def root_port(b, dom, bus, k, numa, gkey=None):
    """Root port k (0..3) of the stack on root bus `bus`: slot 01, 03, 05, 07."""
    slot = 1 + 2 * k
    b.add(a(dom, bus, slot, 0), ROOT_PORTS[k], "8086:0000", "060400", "04", gkey or ("rp", k),
          "pcieport", numa, "-")
    return "%02x:%02x.0" % (bus, slot)


def dev(b, dom, bus, slot, fn, spec, gkey, numa, parent):
    ids, subsys, cls, rev, drv, opts = spec
    b.add(a(dom, bus, slot, fn), ids, subsys, cls, rev, gkey, drv, numa, parent, opts)
    return a(dom, bus, slot, fn)


def gpu_switched(dom, bus, numa, gpu):
    """Two GPUs behind a switch whose downstream ports lack ACS: one group."""
    b = Block("gpu-switched")
    host_bridge(b, dom, bus, numa)
    rp = root_port(b, dom, bus, 0, numa)
    dev(b, dom, bus + 1, 0, 0, PEX, "up", numa, rp)
    for k in range(2):
        dev(b, dom, bus + 2, k, 0, PEX, "shared", numa, "%02x:00.0" % (bus + 1))
    for k in range(2):
        b.gpus.append(dev(b, dom, bus + 3 + k, 0, 0, gpu, "shared", numa, "%02x:%02x.0" % (bus + 2, k)))
    return b


def gpu_direct(dom, bus, numa, gpu):
    b = Block("gpu-direct")
    host_bridge(b, dom, bus, numa)
    for k in range(2):
        rp = root_port(b, dom, bus, k, numa)
        b.gpus.append(dev(b, dom, bus + 1 + k, 0, 0, gpu, ("gpu", k), numa, rp))
    return b


def nvswitch_stack(dom, bus, numa):
    """Four NVSwitches behind a switch whose downstream ports have ACS."""
    b = Block("nvswitch")
    host_bridge(b, dom, bus, numa)
    rp = root_port(b, dom, bus, 0, numa)
    dev(b, dom, bus + 1, 0, 0, PEX, "up", numa, rp)
    for k in range(4):
        dev(b, dom, bus + 2, k, 0, PEX, ("ds", k), numa, "%02x:00.0" % (bus + 1))
    for k in range(4):
        b.nvswitches.append(dev(b, dom, bus + 3 + k, 0, 0, NVSWITCH, ("sw", k), numa,
                                "%02x:%02x.0" % (bus + 2, k)))
    return b


def four_on_root_ports(name, dom, bus, numa, spec, into):
    b = Block(name)
    host_bridge(b, dom, bus, numa, nfn=1)
    for k in range(4):
        rp = root_port(b, dom, bus, k, numa)
        getattr(b, into).append(dev(b, dom, bus + 1 + k, 0, 0, spec, ("ep", k), numa, rp))
    return b


def storage_stack(dom, bus, numa):
    b = Block("storage")
    host_bridge(b, dom, bus, numa)
    for k in range(2):
        rp = root_port(b, dom, bus, k, numa)
        dev(b, dom, bus + 1 + k, 0, 0, NVME_BOOT, ("nvme", k), numa, rp)
    rp = root_port(b, dom, bus, 2, numa)
    for fn in range(2):
        dev(b, dom, bus + 3, 0, fn, CX7_ETH, ("nic", fn), numa, rp)
    b.storage_nic_slot = "%04x:%02x:00" % (dom, bus + 3)
    return b


def pch(dom):
    b = Block("pch")
    host_bridge(b, dom, 0, 0)
    for d, fn, ids, cls, g, drv, opts in [
            (0x14, 0, "8086:1bcd", "0c0330", "usb", "xhci_hcd", "bar0=64K:64"),
            (0x14, 2, "8086:1bce", "050000", "usb", "-", "bar0=16K:64 bar2=4K:64"),
            (0x16, 0, "8086:1be0", "078000", "mei", "mei_me", "bar0=4K:64"),
            (0x16, 1, "8086:1be1", "078000", "mei", "-", "bar0=4K:64"),
            (0x16, 4, "8086:1be4", "078000", "mei", "-", "bar0=4K:64"),
            (0x17, 0, "8086:1ba2", "010601", "sata", "ahci",
             "bar0=8K bar1=256 bar2=8:io bar3=4:io bar4=32:io bar5=2K"),
            (0x1c, 0, "8086:1bb8", "060400", "rp", "pcieport", ""),
            (0x1f, 0, "8086:1b81", "060100", "lpc", "-", ""),
            (0x1f, 4, "8086:1bc9", "0c0500", "lpc", "i801_smbus", "bar0=256:64 bar4=32:io"),
            (0x1f, 5, "8086:1bca", "0c8000", "lpc", "intel-spi", "bar0=4K")]:
        b.add(a(dom, 0, d, fn), ids, "15d9:1c48", cls, "11", g, drv, 0, "-", opts)
    b.add(a(dom, 1, 0, 0), "1a03:2000", "15d9:1c48", "030000", "52", "bmc", "ast", 0, "00:1c.0",
          "bar0=64M bar1=256K bar2=128:io boot_vga")
    return b


def node_blocks(node):
    """The I/O blocks of a node, in the order a partial node keeps them."""
    dom = node
    gpu = H100 if node == 0 else (MI100, MI210)[node % 2]
    blocks = []
    if node == 0:
        blocks.append(pch(dom))
    blocks.append(storage_stack(dom, 0x20, 0))
    if node == 0:
        blocks.append(nvswitch_stack(dom, 0x18, 0))
    for sock in range(2):
        base = 0x80 * sock
        blocks.append(gpu_switched(dom, base + 0x10, sock, gpu))
        blocks.append(gpu_direct(dom, base + 0x28, sock, gpu))
        blocks.append(four_on_root_ports("compute-nic", dom, base + 0x30, sock, CX7_IB, "nics"))
        blocks.append(four_on_root_ports("data-nvme", dom, base + 0x38, sock, NVME_DATA, "data_nvme"))
    return blocks


def uncore(dom, count):
    """`count` uncore functions, half on each socket's uncore buses."""
    b = Block("uncore")
    per_socket = [count - count // 2, count // 2]
    k = 0
    for sock in range(2):
        left = per_socket[sock]
        for bus in UNCORE_BUSES[sock]:
            for slot in range(32):
                if left == 0:
                    break
                nfn = min(UNCORE_PATTERN[k % len(UNCORE_PATTERN)], left)
                ids = UNCORE_IDS[k % len(UNCORE_IDS)]
                k += 1
                for fn in range(nfn):
                    b.add(a(dom, bus, slot, fn), ids, "-", "088000", "00", ("slot", bus, slot),
                          "-", sock, "-")
                left -= nfn
        if left:
            raise SystemExit("gen-host: uncore of node %d overflows its buses" % dom)
    return b


def build(n):
    node0_io = sum(len(b) for b in node_blocks(0))
    if n < node0_io:
        raise SystemExit("gen-host: N must be at least %d (node 0's I/O)" % node0_io)
    nodes = []
    left = n
    node = 0
    while left > 0:
        if node > 0xffff:
            raise SystemExit("gen-host: N too large")
        kept = []
        budget = min(left, NODE_SIZE)
        for b in node_blocks(node):
            if len(b) > budget:
                break
            kept.append(b)
            budget -= len(b)
        kept.append(uncore(node, budget))
        left -= sum(len(b) for b in kept)
        nodes.append(kept)
        node += 1
    return nodes


HEADER = """\
# Synthetic benchmark host of {n} PCI functions in {nodes} node(s), written by
# tests/bench/gen-host.py (see its docstring and tests/bench/README.md).
# Format: tests/tools/README.md

hostname  bench{n}
distro    ubuntu 22.04
kernel    5.15.0-119-generic running vfio=builtin
cpu       intel name="Intel(R) Xeon(R) Platinum 8480C" sockets=2 cores=56 threads=2 family=6 model=143 stepping=8
memory    2T
firmware  uefi secureboot=off
cmdline   BOOT_IMAGE=/vmlinuz-5.15.0-119-generic root=/dev/nvme0n1p2 ro quiet splash intel_iommu=on

disk      nvme0n1  0000:21:00.0  parts=2 model="SAMSUNG MZ1L21T9HCLS-00A07"
disk      nvme1n1  0000:22:00.0  model="SAMSUNG MZ1L21T9HCLS-00A07"
mount     /          /dev/nvme0n1p2  ext4
mount     /boot/efi  /dev/nvme0n1p1  vfat
net       enp35s0f0np0  0000:23:00.0  ip=10.20.0.11/24 mac=b8:3f:d2:4a:10:2e
net       enp35s0f1np1  0000:23:00.1  mac=b8:3f:d2:4a:10:2f
route     default via 10.20.0.1 dev enp35s0f0np0

# address     ids        subsys     class   rev group driver       numa parent    options
"""


def write_table(nodes, n, path):
    out = [HEADER.format(n=n, nodes=len(nodes))]
    group = 0
    for i, blocks in enumerate(nodes):
        out.append("# === node %d: domain %04x %s\n" % (i, i, "=" * 50))
        for b in blocks:
            out.append("# --- %s\n" % b.name)
            groups = {}
            for addr, ids, subsys, cls, rev, gkey, drv, numa, parent, opts in b.rows:
                if gkey not in groups:
                    groups[gkey] = group
                    group += 1
                line = "%-13s %-10s %-10s %-7s %-3s %-5d %-12s %-4s %-9s %s" % (
                    addr, ids, subsys, cls, rev, groups[gkey], drv, numa, parent, opts)
                out.append(line.rstrip() + "\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))
    return group


def write_spec(nodes, n, path):
    out = ["# Benchmark spec for the synthetic host of %d functions (tests/bench/gen-host.py).\n" % n,
           "apiVersion: vfioplan/v1\n",
           "host:\n  name: bench%d\n  iommu: {mode: auto, passthrough: true}\n" % n,
           "vms:\n"]
    assigned = 0
    for i, blocks in enumerate(nodes):
        gpus = [g for b in blocks for g in b.gpus]
        if not gpus:
            continue
        nics = [x for b in blocks for x in b.nics]
        nvme = [x for b in blocks for x in b.data_nvme][:2]
        slot = [b.storage_nic_slot for b in blocks if b.storage_nic_slot]
        if i == 0:
            sw = [x for b in blocks for x in b.nvswitches]
            out.append("  - name: hgx-%04x\n    vcpus: 96\n    memory: 1TiB\n" % i)
            out.append("    firmware: {type: uefi, secure_boot: false}\n    devices:\n")
            out.append('      - match: {vendor: "10de", device: "2330"}   # H100 SXM5\n'
                       "        count: %d\n" % len(gpus))
            if sw:
                out.append('      - match: {vendor: "10de", device: "22a3"}   # NVSwitch\n'
                           "        count: %d\n" % len(sw))
            for x in nics:
                out.append('      - address: "%s"\n' % x)
            out.append("    guest:\n      os: rhel9\n      nvidia: {flavor: open, cuda: true}\n")
            assigned += len(gpus) + len(sw) + len(nics)
        else:
            out.append("  - name: %s-%04x\n    vcpus: 64\n    memory: 512GiB\n"
                       % (("mi100", "mi210")[i % 2], i))
            out.append("    devices:\n")
            for x in gpus + nics + nvme:
                out.append('      - address: "%s"\n' % x)
            for s in slot:
                out.append('      - address: "%s"   # both ports\n' % s)
            assigned += len(gpus) + len(nics) + len(nvme) + 2 * len(slot)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))
    return assigned


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a synthetic multi-GPU host of N PCI functions.")
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--table-only", action="store_true", help="write host.table and spec.yaml only")
    args = ap.parse_args(argv)
    nodes = build(args.n)
    os.makedirs(args.outdir, exist_ok=True)
    table = os.path.join(args.outdir, "host.table")
    groups = write_table(nodes, args.n, table)
    assigned = write_spec(nodes, args.n, os.path.join(args.outdir, "spec.yaml"))
    total = sum(len(b) for blocks in nodes for b in blocks)
    assert total == args.n, (total, args.n)
    sys.stderr.write("gen-host: %d functions, %d IOMMU groups, %d node(s), %d assigned\n"
                     % (total, groups, len(nodes), assigned))
    if args.table_only:
        return 0
    return subprocess.call([sys.executable, MKHOST, "--force", table, os.path.join(args.outdir, "root")])


if __name__ == "__main__":
    sys.exit(main())
