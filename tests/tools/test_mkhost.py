#!/usr/bin/python3
"""Unit tests for mkhost.py: errors, determinism, the exact tree of a small table.

Run: python3 -m unittest discover -s tests/tools -p 'test_*.py'
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MKHOST = os.path.join(HERE, "mkhost.py")
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import mkhost  # noqa: E402

SMALL = """\
# a small but complete host
distro    debian 12
kernel    6.1.0-25-amd64
cpu       intel name="Test CPU" cores=2 threads=1
memory    16G
firmware  bios
cmdline   BOOT_IMAGE=/boot/vmlinuz-6.1.0-25-amd64 root=/dev/nvme0n1p1 ro
disk      nvme0n1  0000:02:00.0  parts=1
mount     /  /dev/nvme0n1p1  ext4
net       eno1  0000:00:1f.6  ip=10.0.0.2/24
route     default via 10.0.0.1 dev eno1

0000:00:00.0  8086:4668  -          060000  02  0  -              -  -
0000:00:01.0  8086:460d  -          060400  02  1  pcieport       -  -
0000:00:06.0  8086:464d  -          060400  02  2  pcieport       -  -
0000:00:1f.0  8086:7a84  -          060100  11  3  -              -  -
0000:00:1f.6  8086:15b8  -          020000  11  3  e1000e         -  -        bar0=128K
0000:01:00.0  10de:2504  1462:397d  030000  a1  4  nouveau        -  00:01.0  bar0=16M bar1=256M:64p bar5=128:io boot_vga
0000:01:00.1  10de:228e  1462:397d  040300  a1  4  snd_hda_intel  -  00:01.0  bar0=16K
0000:02:00.0  144d:a809  144d:a801  010802  00  5  nvme           -  00:06.0  bar0=16K:64
"""

# Every path of the tree SMALL gives; "->" marks a symlink and its text.
DEVICE_FILES = ["class", "config", "device", "driver_override", "enable", "irq", "local_cpulist",
                "modalias", "numa_node", "resource", "revision", "subsystem_device",
                "subsystem_vendor", "uevent", "vendor"]


def _device(path, group, driver=None, vga=False):
    up = "../" * path.count("/")      # from the device dir back up to sys/
    out = ["%s/%s" % (path, f) for f in DEVICE_FILES]
    out.append("%s/subsystem -> %sbus/pci" % (path, up))
    out.append("%s/iommu_group -> %skernel/iommu_groups/%d" % (path, up, group))
    if driver:
        out.append("%s/driver -> %sbus/pci/drivers/%s" % (path, up, driver))
    if vga:
        out.append(path + "/boot_vga")
    return out


def expected_small_tree():
    d = "sys/devices/pci0000:00"
    out = [d + "/uevent"]
    out += _device(d + "/0000:00:00.0", 0)
    out += _device(d + "/0000:00:01.0", 1, "pcieport")
    out += _device(d + "/0000:00:06.0", 2, "pcieport")
    out += _device(d + "/0000:00:1f.0", 3)
    out += _device(d + "/0000:00:1f.6", 3, "e1000e")
    out += _device(d + "/0000:00:01.0/0000:01:00.0", 4, "nouveau", vga=True)
    out += _device(d + "/0000:00:01.0/0000:01:00.1", 4, "snd_hda_intel")
    out += _device(d + "/0000:00:06.0/0000:02:00.0", 5, "nvme")
    out.append(d + "/0000:00:06.0/0000:02:00.0/reset_method")   # alone on its bus: "bus"
    nic = d + "/0000:00:1f.6/net/eno1"
    out += [nic + "/" + f for f in ("address", "ifindex", "mtu", "operstate", "type")]
    out.append(nic + "/device -> ../../../0000:00:1f.6")
    out.append("sys/class/net/eno1 -> ../../devices/pci0000:00/0000:00:1f.6/net/eno1")
    lo = "sys/devices/virtual/net/lo"
    out += [lo + "/" + f for f in ("address", "ifindex", "mtu", "operstate", "type")]
    out.append("sys/class/net/lo -> ../../devices/virtual/net/lo")
    ctrl = d + "/0000:00:06.0/0000:02:00.0/nvme/nvme0"
    out += [ctrl + "/" + f for f in ("address", "dev", "model", "transport")]
    out.append(ctrl + "/device -> ../../../0000:02:00.0")
    out.append("sys/class/nvme/nvme0 -> ../../devices/pci0000:00/0000:00:06.0/0000:02:00.0/nvme/nvme0")
    disk = ctrl + "/nvme0n1"
    out += [disk + "/dev", disk + "/removable", disk + "/device -> ../../nvme0"]
    out += [disk + "/nvme0n1p1/dev", disk + "/nvme0n1p1/partition"]
    rel = "devices/pci0000:00/0000:00:06.0/0000:02:00.0/nvme/nvme0/nvme0n1"
    out += ["sys/class/block/nvme0n1 -> ../../" + rel,
            "sys/class/block/nvme0n1p1 -> ../../%s/nvme0n1p1" % rel,
            "sys/block/nvme0n1 -> ../" + rel,
            "sys/dev/block/259:0 -> ../../" + rel,
            "sys/dev/block/259:1 -> ../../%s/nvme0n1p1" % rel]
    addrs = {"0000:00:00.0": "", "0000:00:01.0": "", "0000:00:06.0": "", "0000:00:1f.0": "",
             "0000:00:1f.6": "", "0000:01:00.0": "0000:00:01.0/", "0000:01:00.1": "0000:00:01.0/",
             "0000:02:00.0": "0000:00:06.0/"}
    groups = {"0000:00:00.0": 0, "0000:00:01.0": 1, "0000:00:06.0": 2, "0000:00:1f.0": 3,
              "0000:00:1f.6": 3, "0000:01:00.0": 4, "0000:01:00.1": 4, "0000:02:00.0": 5}
    drivers = {"0000:00:01.0": "pcieport", "0000:00:06.0": "pcieport", "0000:00:1f.6": "e1000e",
               "0000:01:00.0": "nouveau", "0000:01:00.1": "snd_hda_intel", "0000:02:00.0": "nvme"}
    for a, sub in addrs.items():
        target = "devices/pci0000:00/%s%s" % (sub, a)
        out.append("sys/bus/pci/devices/%s -> ../../../%s" % (a, target))
        out.append("sys/kernel/iommu_groups/%d/devices/%s -> ../../../../%s" % (groups[a], a, target))
        if a in drivers:
            out.append("sys/bus/pci/drivers/%s/%s -> ../../../../%s" % (drivers[a], a, target))
    for g in range(6):
        out += ["sys/kernel/iommu_groups/%d/type" % g, "sys/kernel/iommu_groups/%d/reserved_regions" % g]
    for drv in set(drivers.values()):
        out += ["sys/bus/pci/drivers/%s/%s" % (drv, f)
                for f in ("bind", "new_id", "remove_id", "unbind", "uevent")]
        if drv != "pcieport":                # built in, no /sys/module entry
            out.append("sys/bus/pci/drivers/%s/module -> ../../../../module/%s" % (drv, drv))
            out.append("sys/module/%s/initstate" % drv)
    for cpu in range(2):
        out += ["sys/devices/system/cpu/cpu%d/topology/%s" % (cpu, f)
                for f in ("core_cpus_list", "core_id", "core_siblings_list", "die_cpus_list", "die_id",
                          "package_cpus_list", "physical_package_id", "thread_siblings_list")]
    out += ["sys/devices/system/cpu/" + f for f in ("online", "possible", "present")]
    out += ["sys/devices/system/node/" + f for f in ("has_cpu", "has_memory", "has_normal_memory", "online",
                                                     "possible", "node0/cpulist", "node0/meminfo")]
    for size in ("2048", "1048576"):
        out += ["sys/devices/system/node/node0/hugepages/hugepages-%skB/%s" % (size, f)
                for f in ("free_hugepages", "nr_hugepages", "surplus_hugepages")]
        out += ["sys/kernel/mm/hugepages/hugepages-%skB/%s" % (size, f)
                for f in ("free_hugepages", "nr_hugepages", "nr_overcommit_hugepages", "resv_hugepages",
                          "surplus_hugepages")]
    out += ["sys/bus/pci/drivers_autoprobe", "sys/bus/pci/rescan",
            "proc/cmdline", "proc/cpuinfo", "proc/meminfo", "proc/mounts", "proc/net/route",
            "proc/sys/kernel/hostname", "proc/sys/kernel/osrelease",
            "etc/hostname", "etc/os-release -> ../usr/lib/os-release", "usr/lib/os-release",
            "usr/share/misc/pci.ids",
            "lib/modules/6.1.0-25-amd64/modules.alias", "lib/modules/6.1.0-25-amd64/modules.builtin",
            "lib/modules/6.1.0-25-amd64/modules.builtin.alias", "lib/modules/6.1.0-25-amd64/modules.dep"]
    return sorted(out)


def slurp(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def snapshot(root):
    """{relative path: bytes of a file, or '-> target' of a symlink}; directories implied."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                out[rel] = "-> " + os.readlink(full)
            elif os.path.isfile(full):
                out[rel] = slurp(full)
    return out


def listing(root):
    return sorted(p if isinstance(v, bytes) else "%s %s" % (p, v) for p, v in snapshot(root).items())


class MkhostCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mkhost-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def table(self, text, name="host.table"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_mkhost(self, *args):
        return subprocess.run([sys.executable, MKHOST] + list(args), capture_output=True, text=True)

    def build(self, text=SMALL, out="out"):
        out = os.path.join(self.tmp, out)
        r = self.run_mkhost(self.table(text), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out


class TestErrors(MkhostCase):
    def test_bad_line_reports_file_and_line(self):
        lines = SMALL.splitlines()
        idx = next(i for i, l in enumerate(lines) if l.startswith("0000:01:00.1"))
        lines[idx] = lines[idx].replace("040300", "04xx00")
        path = self.table("\n".join(lines) + "\n")
        r = self.run_mkhost(path, os.path.join(self.tmp, "out"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:%d: error: bad class '04xx00'" % (path, idx + 1), r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out")))

    def test_every_error_is_reported(self):
        text = SMALL.replace("bar0=16K:64", "bar0=15K:64").replace("-  00:01.0  bar0=16K", "-  00:03.0  bar0=16K")
        path = self.table(text)
        r = self.run_mkhost(path, os.path.join(self.tmp, "out"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("size '15K' is not a power of two", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, "parse errors stop before resolving")
        path = self.table(SMALL.replace("-  00:01.0  bar0=16K", "-  00:03.0  bar0=16K"))
        r = self.run_mkhost(path, os.path.join(self.tmp, "out"))
        self.assertRegex(r.stderr, r":\d+: error: parent 0000:00:03.0 of 0000:01:00.1 is not in the table")

    def test_unknown_option_suggests_the_nearest(self):
        path = self.table(SMALL.replace("boot_vga", "boot_vag"))
        r = self.run_mkhost(path, os.path.join(self.tmp, "out"))
        self.assertIn("unknown option 'boot_vag' (did you mean 'boot_vga'?)", r.stderr)

    def test_missing_fact_names_the_file(self):
        path = self.table(SMALL.replace("firmware  bios\n", ""))
        r = self.run_mkhost(path, os.path.join(self.tmp, "out"))
        self.assertIn("%s: error: missing fact 'firmware'" % path, r.stderr)

    def test_semantic_errors(self):
        cases = [
            (SMALL.replace("0000:00:1f.0  8086:7a84", "0000:00:1f.1  8086:7a84"), "has no function 0"),
            (SMALL.replace("bar0=16M bar1", "bar0=16M:64 bar1"), "bar1 is the upper half of 64-bit bar0"),
            (SMALL.replace("nvme           -  00:06.0", "-              -  00:06.0"), "not bound to nvme"),
            (SMALL.replace("route     default via 10.0.0.1 dev eno1", "route default via 10.0.0.1 dev eth9"),
             "route dev eth9 is not a net interface"),
            (SMALL + "0000:00:1c.0  8086:7ab8  -  060400  11  6  pcieport  -  -\n",
             "bridge 0000:00:1c.0 has no children: give its bus range with bus=SS[-EE]"),
        ]
        for text, msg in cases:
            r = self.run_mkhost(self.table(text), os.path.join(self.tmp, "out"))
            self.assertEqual(r.returncode, 1, msg)
            self.assertIn(msg, r.stderr)


class TestOutput(MkhostCase):
    def test_known_small_table_gives_the_expected_tree(self):
        out = self.build()
        self.assertEqual(listing(out), expected_small_tree())

    def test_output_is_byte_identical_across_runs(self):
        table = os.path.join(REPO, "tests", "hosts", "tiny.table")
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        for out in (a, b):
            r = self.run_mkhost(table, out)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(snapshot(a), snapshot(b))

    def test_refuses_a_non_empty_outdir_unless_forced(self):
        out = self.build()
        r = self.run_mkhost(self.table(SMALL), out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not empty (use --force", r.stderr)
        before = snapshot(out)
        with open(os.path.join(out, "sys", "stale"), "w") as f:
            f.write("x")
        r = self.run_mkhost("--force", self.table(SMALL), out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(snapshot(out), before)

    def test_force_refuses_a_directory_mkhost_did_not_write(self):
        out = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(out, "Documents"))
        r = self.run_mkhost("--force", self.table(SMALL), out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("refusing to replace", r.stderr)
        self.assertTrue(os.path.isdir(os.path.join(out, "Documents")))

    def test_sysfs_files_match_the_kernel_formats(self):
        out = self.build()
        dev = os.path.join(out, "sys/bus/pci/devices/0000:01:00.0")
        read = lambda name: slurp(os.path.join(dev, name))
        self.assertEqual(read("vendor"), b"0x10de\n")
        self.assertEqual(read("class"), b"0x030000\n")
        self.assertEqual(read("revision"), b"0xa1\n")
        self.assertEqual(read("boot_vga"), b"1\n")
        self.assertEqual(read("numa_node"), b"-1\n")
        self.assertEqual(read("driver_override"), b"(null)\n")
        res = read("resource").decode().splitlines()
        self.assertEqual(len(res), 13)
        self.assertRegex(res[0], r"^0x00000000[0-9a-f]{8} 0x00000000[0-9a-f]{8} 0x0000000000040200$")
        self.assertTrue(res[1].endswith(" 0x000000000014220c"))
        self.assertEqual(res[2], "0x%016x 0x%016x 0x%016x" % (0, 0, 0))   # upper half of BAR1
        self.assertTrue(res[5].endswith(" 0x0000000000040101"))
        cfg = read("config")
        self.assertEqual(len(cfg), 4096, "a PCIe function's config space is 4 KiB in sysfs")
        vendor, device, cmd = struct.unpack_from("<HHH", cfg, 0)
        self.assertEqual((vendor, device), (0x10de, 0x2504))
        self.assertEqual(cfg[0x0e], 0x80, "multifunction bit on function 0 of 01:00")
        bar1_lo, bar1_hi = struct.unpack_from("<II", cfg, 0x14)
        start = int(res[1].split()[0], 16)
        self.assertEqual(bar1_lo, (start & 0xffffffff) | 0xc)
        self.assertEqual(bar1_hi, start >> 32)
        self.assertEqual(struct.unpack_from("<HH", cfg, 0x2c), (0x1462, 0x397d))
        bridge = os.path.join(out, "sys/bus/pci/devices/0000:00:01.0")
        bres = slurp(os.path.join(bridge, "resource"), "r").splitlines()
        self.assertEqual(len(bres), 17)
        bcfg = slurp(os.path.join(bridge, "config"))
        self.assertEqual(bcfg[0x0e], 0x01)
        self.assertEqual(tuple(bcfg[0x18:0x1b]), (0x00, 0x01, 0x01))
        self.assertTrue(struct.unpack_from("<H", bcfg, 0x3e)[0] & 0x8, "VGA enable on the boot VGA's bridge")
        self.assertFalse(os.path.exists(os.path.join(out, "sys/bus/pci/devices/0000:01:00.1/boot_vga")))

    def test_capabilities_as_libpci_reads_them(self):
        out = self.build(SMALL.replace("bar0=16K:64", "bar0=16K:64 flr acs pmreset"))
        cfg = slurp(os.path.join(out, "sys/bus/pci/devices/0000:02:00.0/config"))
        self.assertEqual(struct.unpack_from("<H", cfg, 0x06)[0] & 0x10, 0x10, "capability list")
        self.assertEqual(cfg[0x34], 0x40)
        self.assertEqual(tuple(cfg[0x40:0x42]), (0x01, 0x50), "PM, then PCI Express")
        self.assertEqual(struct.unpack_from("<H", cfg, 0x44)[0] & 0x8, 0, "pmreset: No_Soft_Reset clear")
        self.assertEqual(cfg[0x50], 0x10)
        self.assertEqual(struct.unpack_from("<H", cfg, 0x52)[0] >> 4 & 0xf, 0, "an endpoint")
        self.assertTrue(struct.unpack_from("<I", cfg, 0x54)[0] & 0x10000000, "FLR in DevCap")
        self.assertEqual(struct.unpack_from("<I", cfg, 0x100)[0] & 0xffff, 0x000d, "ACS extended capability")
        self.assertEqual(slurp(os.path.join(out, "sys/bus/pci/devices/0000:02:00.0/reset_method")), b"flr pm bus\n")
        port = slurp(os.path.join(out, "sys/bus/pci/devices/0000:00:06.0/config"))
        self.assertEqual(struct.unpack_from("<H", port, 0x52)[0] >> 4 & 0xf, 4, "a root port")
        host_bridge = slurp(os.path.join(out, "sys/bus/pci/devices/0000:00:00.0/config"))
        self.assertEqual(len(host_bridge), 256, "conventional PCI: no PCIe capability")
        if shutil.which("lspci"):
            r = subprocess.run(["lspci", "-A", "linux-sysfs", "-O", "sysfs.path=%s/sys/bus/pci" % out, "-vv",
                                "-s", "02:00.0"], capture_output=True, text=True)
            self.assertIn("Express (v2) Endpoint", r.stdout)
            self.assertIn("FLReset+", r.stdout)
            self.assertIn("Access Control Services", r.stdout)

    def test_sriov_vfs_and_links(self):
        text = SMALL.replace("0000:02:00.0  144d:a809  144d:a801  010802  00  5  nvme           -  00:06.0  bar0=16K:64",
                             "0000:02:00.0  15b3:101b  15b3:0007  020000  00  5  mlx5_core      -  00:06.0  "
                             "bar0=16K:64 sriov=8/2/1/101c/2\n"
                             "0000:02:00.2  15b3:101c  15b3:0007  020000  00  8  -  -  00:06.0  physfn=02:00.0\n"
                             "0000:02:00.3  15b3:101c  15b3:0007  020000  00  9  -  -  00:06.0  physfn=02:00.0\n")
        text = text.replace("disk      nvme0n1  0000:02:00.0  parts=1\n", "").replace(
            "mount     /  /dev/nvme0n1p1  ext4", "mount     /  /dev/sda1  ext4").replace(
            "root=/dev/nvme0n1p1", "root=/dev/sda1")
        text = text.replace("mount     /  /dev/sda1  ext4", "disk      sda  0000:00:1f.6\nmount     /  /dev/sda1  ext4")
        text = text.replace("disk      sda  0000:00:1f.6", "disk      sda  0000:00:1f.6  parts=1")
        out = self.build(text)
        pf = os.path.join(out, "sys/bus/pci/devices/0000:02:00.0")
        self.assertEqual(slurp(os.path.join(pf, "sriov_totalvfs")), b"8\n")
        self.assertEqual(slurp(os.path.join(pf, "sriov_numvfs")), b"2\n")
        self.assertEqual(slurp(os.path.join(pf, "sriov_vf_device")), b"101c\n")
        self.assertEqual(os.readlink(os.path.join(pf, "virtfn1")), "../0000:02:00.3")
        self.assertEqual(os.readlink(os.path.join(out, "sys/bus/pci/devices/0000:02:00.2/physfn")), "../0000:02:00.0")
        cfg = slurp(os.path.join(pf, "config"))
        header = struct.unpack_from("<I", cfg, 0x100)[0]
        self.assertEqual(header & 0xffff, 0x0010, "SR-IOV extended capability")
        total, num = struct.unpack_from("<HH", cfg, 0x100 + 0x0e)
        offset, stride = struct.unpack_from("<HH", cfg, 0x100 + 0x14)
        self.assertEqual((total, num, offset, stride), (8, 2, 2, 1))
        self.assertEqual(struct.unpack_from("<H", cfg, 0x100 + 0x1a)[0], 0x101c)
        bad = text.replace("physfn=02:00.0\n0000:02:00.3", "physfn=02:00.0\n0000:02:00.5")
        r = self.run_mkhost(self.table(bad), os.path.join(self.tmp, "bad"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("must be its first ones, VF 0 to 1", r.stderr)

    def test_boot_and_alias_facts(self):
        out = self.build(SMALL.replace("firmware  bios\n", "firmware  uefi\nboot      systemd-boot uki kernel-cmdline\n")
                         + "alias     pci:v00008086d00007A84sv*sd*bc*sc*i* lpc_ich\n"
                         + "alias     pci:v*d*sv*sd*bc0Csc05i00* i2c_i801 builtin\n")
        self.assertTrue(os.path.exists(os.path.join(out, "boot/EFI/systemd/systemd-bootx64.efi")))
        self.assertTrue(os.path.exists(os.path.join(out, "boot/EFI/Linux/debian-6.1.0-25-amd64.efi")))
        self.assertEqual(slurp(os.path.join(out, "etc/kernel/cmdline")), b"root=/dev/nvme0n1p1 ro\n")
        entry = slurp(os.path.join(out, "boot/loader/entries/debian-6.1.0-25-amd64.conf"), "r")
        self.assertIn("options root=/dev/nvme0n1p1 ro\n", entry)
        mods = os.path.join(out, "lib/modules/6.1.0-25-amd64")
        self.assertIn("alias pci:v00008086d00007A84sv*sd*bc*sc*i* lpc_ich\n", slurp(os.path.join(mods, "modules.alias"), "r"))
        self.assertIn("alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n", slurp(os.path.join(mods, "modules.alias"), "r"))
        self.assertEqual(slurp(os.path.join(mods, "modules.builtin.alias"), "r"),
                         "alias pci:v*d*sv*sd*bc0Csc05i00* i2c_i801\n")
        out = self.build(SMALL.replace("kernel    6.1.0-25-amd64", "kernel    6.1.0-25-amd64 aliases=none")
                         + "boot grub\n", out="grub")
        self.assertFalse(os.path.exists(os.path.join(out, "lib/modules/6.1.0-25-amd64/modules.alias")))
        self.assertIn("/default/grub.d/", slurp(os.path.join(out, "usr/sbin/grub-mkconfig"), "r"), "Debian's")
        r = self.run_mkhost(self.table(SMALL + "boot lilo\n"), os.path.join(self.tmp, "lilo"))
        self.assertIn("unknown boot kind 'lilo'", r.stderr)

    def test_memory_and_cpu_topology(self):
        """Two sockets of 2 cores x 2 threads, 64 GiB, 6 of 1 GiB pages (4 free) and 1G as the default size."""
        text = (SMALL.replace('cores=2 threads=1', 'sockets=2 cores=2 threads=2')
                .replace("memory    16G", "memory    64G hugepages=1G:6/4 hugepages=2M:3")
                .replace("root=/dev/nvme0n1p1 ro", "root=/dev/nvme0n1p1 ro default_hugepagesz=1G"))
        out = self.build(text)
        read = lambda rel: slurp(os.path.join(out, rel), "r")
        meminfo = dict(line.split(":", 1) for line in read("proc/meminfo").splitlines())
        total = 64 * 1024 * 1024 - 64 * 1024 * 1024 // 64 - 196 * 1024
        self.assertEqual(meminfo["MemTotal"].strip(), "%d kB" % total)
        self.assertEqual(meminfo["HugePages_Total"].strip(), "6")
        self.assertEqual(meminfo["HugePages_Free"].strip(), "4")
        self.assertEqual(meminfo["Hugepagesize"].strip(), "1048576 kB")
        self.assertEqual(meminfo["Hugetlb"].strip(), "%d kB" % (6 * 1048576 + 3 * 2048))
        self.assertEqual(read("sys/devices/system/cpu/online"), "0-7\n")
        # Linux numbering: the first threads of every core, then their siblings
        self.assertEqual(read("sys/devices/system/cpu/cpu1/topology/core_cpus_list"), "1,5\n")
        self.assertEqual(read("sys/devices/system/cpu/cpu6/topology/physical_package_id"), "1\n")
        self.assertEqual(read("sys/devices/system/cpu/cpu6/topology/core_id"), "0\n")
        self.assertEqual(read("sys/devices/system/node/node1/cpulist"), "2-3,6-7\n")
        node0 = read("sys/devices/system/node/node0/meminfo").splitlines()
        self.assertEqual(node0[0].split(), ["Node", "0", "MemTotal:", str(total // 2), "kB"])
        self.assertIn("Node 0 HugePages_Total:     3", node0)
        # the kernel's even split: 6 pages are 3 and 3, 4 free are 2 and 2, 3 of 2M are 2 and 1
        pool = "sys/devices/system/node/node%d/hugepages/hugepages-%dkB/%s"
        self.assertEqual(read(pool % (1, 1048576, "nr_hugepages")), "3\n")
        self.assertEqual(read(pool % (1, 1048576, "free_hugepages")), "2\n")
        self.assertEqual(read(pool % (1, 2048, "nr_hugepages")), "1\n")
        path = self.table(text.replace('threads=2', 'threads=2 pdpe1gb=off'))
        r = subprocess.run([sys.executable, MKHOST, path, os.path.join(self.tmp, "no1g")], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("1G huge pages need a CPU with pdpe1gb", r.stderr)

    def test_vmd_domain_nests_under_its_endpoint(self):
        text = SMALL + ("0000:00:0e.0  8086:9a0b  -  010400  00  6  vmd  -  -  bar0=32M:64p bar2=16M bar4=1M:64\n"
                        "10000:00:02.0 8086:9a09  -  060400  00  6  pcieport  -  0000:00:0e.0\n"
                        "10000:01:00.0 144d:a809  -  010802  00  6  nvme  -  00:02.0  bar0=16K:64\n")
        out = self.build(text)
        link = os.readlink(os.path.join(out, "sys/bus/pci/devices/10000:01:00.0"))
        self.assertEqual(link, "../../../devices/pci0000:00/0000:00:0e.0/pci10000:00/10000:00:02.0/10000:01:00.0")

    def test_iommu_off_leaves_an_empty_groups_dir(self):
        lines = []
        for line in SMALL.splitlines():
            if line.startswith("0000:"):
                tok = line.split()
                tok[5] = "-"                     # the group column
                line = "  ".join(tok)
            lines.append(line)
        text = "\n".join(lines) + "\n"
        out = self.build(text)
        self.assertEqual(os.listdir(os.path.join(out, "sys/kernel/iommu_groups")), [])
        self.assertFalse(os.path.lexists(os.path.join(out, "sys/bus/pci/devices/0000:01:00.0/iommu_group")))

    def test_builtin_vfio_has_a_driver_dir_and_no_initstate(self):
        out = self.build(SMALL.replace("kernel    6.1.0-25-amd64", "kernel    6.1.0-25-amd64 vfio=builtin"))
        drv = os.path.join(out, "sys/bus/pci/drivers/vfio-pci")
        self.assertEqual(os.readlink(os.path.join(drv, "module")), "../../../../module/vfio_pci")
        self.assertTrue(os.path.exists(os.path.join(out, "sys/module/vfio_pci/parameters/ids")))
        self.assertFalse(os.path.exists(os.path.join(out, "sys/module/vfio_pci/initstate")))
        self.assertTrue(os.path.exists(os.path.join(out, "sys/module/nouveau/initstate")))
        builtin = slurp(os.path.join(out, "lib/modules/6.1.0-25-amd64/modules.builtin"), "r")
        self.assertIn("kernel/drivers/vfio/pci/vfio-pci.ko\n", builtin)

    def test_file_facts_and_include(self):
        """'file PATH | TEXT' writes a manual setup's files line by line; 'include' reads another table first"""
        self.table(SMALL, "base.table")
        out = self.build("include base.table\n"
                         "file etc/modprobe.d/vfio.conf | # by hand\n"
                         "file etc/modprobe.d/vfio.conf | options vfio-pci ids=10de:2504\n"
                         "file etc/modprobe.d/vfio.conf\n"
                         "file boot/loader/entries/a.conf | options  root=/dev/sda1  # two spaces kept\n")
        self.assertEqual(slurp(os.path.join(out, "etc/modprobe.d/vfio.conf"), "r"),
                         "# by hand\noptions vfio-pci ids=10de:2504\n\n")
        self.assertEqual(slurp(os.path.join(out, "boot/loader/entries/a.conf"), "r"),
                         "options  root=/dev/sda1  # two spaces kept\n")
        self.assertTrue(os.path.exists(os.path.join(out, "sys/bus/pci/devices/0000:01:00.0")))
        for bad in ("file /etc/x | y", "file etc/../x | y", "file var/x | y", "file etc/hostname | x",
                    "include ../base.table"):
            r = self.run_mkhost(self.table("include base.table\n" + bad + "\n", "bad.table"),
                                os.path.join(self.tmp, "bad"))
            self.assertEqual(r.returncode, 1, bad)
            self.assertIn("error:", r.stderr)

    def test_kernel_link_goes_through_the_targets_parent(self):
        self.assertEqual(mkhost.kernel_link("sys/devices/pci0000:00/0000:00:1f.6/net/eno1",
                                            "sys/devices/pci0000:00/0000:00:1f.6"), "../../../0000:00:1f.6")
        self.assertEqual(mkhost.kernel_link("sys/bus/pci/devices", "sys/devices/pci0000:00/0000:00:02.0"),
                         "../../../devices/pci0000:00/0000:00:02.0")

    @unittest.skipUnless(shutil.which("lspci"), "lspci not installed")
    def test_lspci_reads_the_tree(self):
        out = self.build()
        r = subprocess.run(["lspci", "-A", "linux-sysfs", "-O", "sysfs.path=%s/sys/bus/pci" % out,
                            "-i", os.path.join(out, "usr/share/misc/pci.ids"), "-nn", "-t"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("+-01.0-[01]--+-00.0", r.stdout)
        r = subprocess.run(["lspci", "-A", "linux-sysfs", "-O", "sysfs.path=%s/sys/bus/pci" % out,
                            "-i", os.path.join(out, "usr/share/misc/pci.ids"), "-nn", "-s", "01:00.0"],
                           capture_output=True, text=True)
        self.assertIn("NVIDIA Corporation GA106 [GeForce RTX 3060 Lite Hash Rate] [10de:2504] (rev a1)", r.stdout)


if __name__ == "__main__":
    unittest.main()
