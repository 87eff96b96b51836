#!/usr/bin/python3
"""mkhost: turn a host table (tests/tools/README.md) into a sysfs-shaped root tree.

Usage: mkhost.py [--force] [--names FILE] [--warn-names] TABLE OUTDIR

The tree is what `vfioplan --host OUTDIR` and
`lspci -A linux-sysfs -O sysfs.path=OUTDIR/sys/bus/pci` read. Output is a pure
function of the table and the names file: same input, byte-identical tree.
Python 3 standard library only.
"""

import argparse
import difflib
import hashlib
import os
import re
import shlex
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_NAMES = os.path.join(HERE, "pci.ids")
MAX_ERRORS = 50

# ---------------------------------------------------------------------------
# Kernel constants (include/linux/ioport.h, include/uapi/linux/pci_regs.h)

IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_PREFETCH = 0x2000
IORESOURCE_READONLY = 0x4000
IORESOURCE_SIZEALIGN = 0x40000
IORESOURCE_MEM_64 = 0x100000

# resource-file flags of a BAR, by kind: IORESOURCE_* | SIZEALIGN | the BAR
# register's low bits (pci_parse_flags keeps them), as /sys/.../resource shows.
BAR_FLAGS = {
    "io": IORESOURCE_IO | IORESOURCE_SIZEALIGN | 0x1,                       # 0x40101
    "mem32": IORESOURCE_MEM | IORESOURCE_SIZEALIGN,                         # 0x40200
    "pref32": IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_SIZEALIGN | 0x8,   # 0x42208
    "mem64": IORESOURCE_MEM | IORESOURCE_MEM_64 | IORESOURCE_SIZEALIGN | 0x4,      # 0x140204
    "pref64": (IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64
               | IORESOURCE_SIZEALIGN | 0xc),                               # 0x14220c
}
ROM_FLAGS = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY | IORESOURCE_SIZEALIGN  # 0x46200
# Bridge windows as pci_read_bridge_io/mmio/mmio_pref leave them.
WIN_FLAGS = {
    "io": IORESOURCE_IO | 0x1,                                              # 0x101 (32-bit I/O)
    "mem": IORESOURCE_MEM,                                                  # 0x200
    "pref": IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64 | 0x1,  # 0x102201
}
BAR_REG_BITS = {"io": 0x1, "mem32": 0x0, "pref32": 0x8, "mem64": 0x4, "pref64": 0xc}
BAR_WINDOW = {"io": "io", "mem32": "mem", "pref32": "mem", "mem64": "mem", "pref64": "pref"}
WIN_GRAN = {"io": 0x1000, "mem": 0x100000, "pref": 0x100000}
# Address pools for root buses, in the order root buses are sorted.
POOLS = {
    "io": (0x1000, 0xffff),
    "mem": (0x80000000, 0xfbffffff),          # below the IOAPIC/LAPIC range
    "pref": (0x200000000000, 0x3fffffffffff),  # 64-bit window above 32 TiB
}

CLASS_BRIDGE_PCI = 0x0604
CLASS_VGA = 0x0300
NVME_MAJOR, SD_MAJOR, DM_MAJOR = 259, 8, 253
EFI_GLOBAL = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

ADDR_RE = re.compile(r"^(?:([0-9a-fA-F]{4,5}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")
IDS_RE = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
SIZE_RE = re.compile(r"^([0-9]+)([KMGT]?)$")
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
EXTRA_KEYS = ["bar0", "bar1", "bar2", "bar3", "bar4", "bar5", "rom", "boot_vga", "bus", "irq", "mf",
              "pcie", "acs", "flr", "pmreset", "sriov", "physfn"]
FACT_KEYS = ["hostname", "distro", "kernel", "cpu", "memory", "firmware", "cmdline",
             "disk", "dm", "mount", "net", "netstack", "route", "driver", "bound", "alias", "boot", "rom", "file"]
# PCIe capability Device/Port types (Flags bits 7:4); "pci" is a conventional function without one.
PCIE_TYPES = {"pci": None, "endpoint": 0, "legacy-endpoint": 1, "root-port": 4, "upstream-port": 5,
              "downstream-port": 6, "pcie-to-pci-bridge": 7, "pci-to-pcie-bridge": 8, "rc-endpoint": 9,
              "rc-event-collector": 10}
# What a `boot` fact can put in the tree (write_boot).
BOOT_KINDS = ["grub", "grub2", "grubby", "systemd-boot", "uki", "kernel-cmdline", "ostree", "proxmox",
              "kernelstub"]
# Huge page sizes of x86-64, as the memory fact and sysfs name them.
HUGEPAGE_KIB = {"2M": 2048, "1G": 1048576}
# Where a 'file' fact may put a file (a manual setup's configuration): the top-level directories of a root.
FILE_TOP = {"etc", "boot", "run", "usr", "lib"}
BAR_KINDS = {"": "mem32", "32": "mem32", "64": "mem64", "32p": "pref32", "64p": "pref64", "io": "io"}


class TableError(Exception):
    pass


# ---------------------------------------------------------------------------
# Distribution data: /etc/os-release as the distributions ship it.

OS_RELEASE = {
    ("ubuntu", "22.04"): """PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
""",
    ("ubuntu", "24.04"): """PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
""",
    ("debian", "12"): """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
""",
    ("rhel", "9.4"): """NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
DOCUMENTATION_URL="https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9"
BUG_REPORT_URL="https://issues.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 9"
REDHAT_BUGZILLA_PRODUCT_VERSION=9.4
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
""",
    ("pop", "22.04"): """NAME="Pop!_OS"
VERSION="22.04 LTS"
ID=pop
ID_LIKE="ubuntu debian"
PRETTY_NAME="Pop!_OS 22.04 LTS"
VERSION_ID="22.04"
HOME_URL="https://pop.system76.com"
SUPPORT_URL="https://support.system76.com"
BUG_REPORT_URL="https://github.com/pop-os/pop/issues"
PRIVACY_POLICY_URL="https://system76.com/privacy"
VERSION_CODENAME=jammy
UBUNTU_CODENAME=jammy
LOGO=distributor-logo-pop-os
""",
    ("fedora", "40"): """NAME="Fedora Linux"
VERSION="40.20240601.0 (Silverblue)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora Linux 40.20240601.0 (Silverblue)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://silverblue.fedoraproject.org"
VARIANT="Silverblue"
VARIANT_ID=silverblue
OSTREE_VERSION='40.20240601.0'
""",
    ("arch", "rolling"): """NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
ANSI_COLOR="38;2;23;147;209"
HOME_URL="https://archlinux.org/"
DOCUMENTATION_URL="https://wiki.archlinux.org/"
SUPPORT_URL="https://bbs.archlinux.org/"
BUG_REPORT_URL="https://gitlab.archlinux.org/groups/archlinux/-/issues"
PRIVACY_POLICY_URL="https://terms.archlinux.org/docs/privacy-policy/"
LOGO=archlinux-logo
""",
}
# Module file suffix in lib/modules/KVER per distribution.
KO_SUFFIX = {"ubuntu:22.04": ".ko", "ubuntu:24.04": ".ko.zst", "debian:12": ".ko",
             "rhel:9.4": ".ko.xz", "arch:rolling": ".ko.zst", "pop:22.04": ".ko", "fedora:40": ".ko.xz"}

CPU_FLAGS = {
    "intel": ("fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
              "clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm "
              "constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc "
              "cpuid aperfmperf tsc_known_freq pni pclmulqdq dtes64 monitor ds_cpl vmx smx "
              "est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe "
              "popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm "
              "3dnowprefetch cpuid_fault epb cat_l3 cat_l2 cdp_l3 invpcid_single "
              "intel_ppin cdp_l2 ssbd mba ibrs ibpb stibp ibrs_enhanced tpr_shadow vnmi "
              "flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 "
              "erms invpcid cqm rdt_a avx512f avx512dq rdseed adx smap avx512ifma "
              "clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec "
              "xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local "
              "split_lock_detect avx_vnni avx512_bf16 wbnoinvd dtherm ida arat pln pts "
              "hwp hwp_act_window hwp_epp hwp_pkg_req avx512vbmi umip pku ospke waitpkg "
              "avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme "
              "avx512_vpopcntdq la57 rdpid bus_lock_detect cldemote movdiri movdir64b "
              "enqcmd fsrm md_clear serialize tsxldtrk pconfig arch_lbr amx_bf16 "
              "avx512_fp16 amx_tile amx_int8 flush_l1d arch_capabilities"),
    "amd": ("fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
            "clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm "
            "constant_tsc rep_good amd_lbr_v2 nopl nonstop_tsc cpuid extd_apicid "
            "aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 "
            "x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm "
            "extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt "
            "tce topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb cat_l3 "
            "cdp_l3 hw_pstate ssbd mba perfmon_v2 ibrs ibpb stibp ibrs_enhanced vmmcall "
            "fsgsbase bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed "
            "adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl "
            "xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total "
            "cqm_mbm_local avx512_bf16 clzero irperf xsaveerptr rdpru wbnoinvd cppc arat "
            "npt lbrv svm_lock nrip_save tsc_scale vmcb_clean flushbyasid decodeassists "
            "pausefilter pfthreshold avic v_vmsave_vmload vgif x2avic v_spec_ctrl "
            "vnmi avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq "
            "avx512_vnni avx512_bitalg avx512_vpopcntdq la57 rdpid overflow_recov "
            "succor smca fsrm flush_l1d"),
}
# Module that provides a PCI driver, where the names differ (the default is the
# driver name with '-' as '_'). None: built into every kernel and without a
# /sys/module entry, so the driver directory has no 'module' link.
DRIVER_MODULE = {
    "xhci_hcd": "xhci_pci", "nvidia-gpu": "i2c_nvidia_gpu", "i801_smbus": "i2c_i801",
    "intel-spi": "spi_intel_pci", "piix4_smbus": "i2c_piix4", "pcieport": None,
}
# Modules that a vfio=builtin kernel has built in (with parameters, hence in /sys/module).
VFIO_MODULES = {"vfio_pci", "vfio_pci_core", "vfio", "vfio_iommu_type1"}

CPU_VENDOR_ID = {"intel": "GenuineIntel", "amd": "AuthenticAMD"}
VIRT_FLAGS = {"vmx", "svm", "tpr_shadow", "vnmi", "flexpriority", "ept", "vpid", "ept_ad",
              "npt", "lbrv", "svm_lock", "nrip_save", "tsc_scale", "vmcb_clean",
              "flushbyasid", "decodeassists", "pausefilter", "pfthreshold", "avic",
              "v_vmsave_vmload", "vgif", "x2avic", "v_spec_ctrl"}


# ---------------------------------------------------------------------------
# Small helpers

def parse_size(text):
    m = SIZE_RE.match(text)
    if not m:
        raise TableError("bad size '%s' (want a number with an optional K, M, G or T suffix)" % text)
    size = int(m.group(1)) * UNITS[m.group(2)]
    if size <= 0 or size & (size - 1):
        raise TableError("size '%s' is not a power of two" % text)
    return size


def align_up(value, align):
    return (value + align - 1) // align * align


def fmt_addr(dom, bus, dev, fn):
    return "%04x:%02x:%02x.%d" % (dom, bus, dev, fn)


def parse_addr(text, default_domain=0):
    m = ADDR_RE.match(text)
    if not m:
        return None
    dom = int(m.group(1), 16) if m.group(1) else default_domain
    dev = int(m.group(3), 16)
    if dev > 0x1f:
        return None
    return (dom, int(m.group(2), 16), dev, int(m.group(4)))


def cpulist(cpus):
    """Kernel cpulist format: '0-55,112-167'."""
    out = []
    cpus = sorted(cpus)
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


def kernel_link(link_dir, target):
    """Relative symlink text as sysfs (kernfs_get_target_path) writes it.

    kernfs climbs from the link's directory until it reaches an ancestor of the
    target's *parent*, then descends; so a link to an ancestor comes out as
    '../../../0000:00:1f.6' rather than '../..'. Paths are relative to ROOT.
    """
    tparent = target.rsplit("/", 1)[0]
    base = link_dir
    ups = 0
    while not (tparent == base or tparent.startswith(base + "/")):
        base = base.rsplit("/", 1)[0] if "/" in base else ""
        ups += 1
        if base == "":
            break
    rest = target[len(base) + 1:] if base else target
    return "../" * ups + rest


def suggest(word, choices):
    close = difflib.get_close_matches(word, choices, n=1)
    return " (did you mean '%s'?)" % close[0] if close else ""


# ---------------------------------------------------------------------------
# The model

class Function:
    __slots__ = ("line", "dom", "bus", "dev", "fn", "addr", "vendor", "device", "svendor",
                 "sdevice", "cls", "rev", "group", "driver", "numa", "parent_key", "parent",
                 "bars", "rom", "boot_vga", "irq", "bus_override", "mf", "children",
                 "is_bridge", "sec", "sub", "path", "multifunction", "windows", "bar_addr",
                 "rom_addr", "pin", "vga_path", "depth", "hosted_root", "pcie_opt", "pcie", "acs",
                 "flr", "pmreset", "sriov", "physfn_key", "vfs")

    def __init__(self):
        self.children = []
        self.bars = {}
        self.rom = 0
        self.boot_vga = False
        self.irq = None
        self.bus_override = None
        self.mf = False
        self.windows = {}
        self.bar_addr = {}
        self.rom_addr = 0
        self.vga_path = False
        self.hosted_root = None
        self.pcie_opt = False       # pcie= given: do not derive
        self.pcie = None            # PCIe port type (PCIE_TYPES value), None: conventional PCI
        self.acs = self.flr = self.pmreset = False
        self.sriov = None           # (total, offset, stride, vf_device, num_vfs or None)
        self.physfn_key = None      # a VF: its PF's key
        self.vfs = []               # a PF: its VFs in the table

    @property
    def key(self):
        return (self.dom, self.bus, self.dev, self.fn)


class Host:
    def __init__(self, table_path):
        self.table_path = table_path
        self.errors = []
        self.functions = {}
        self.hostname = None
        self.distro = None
        self.kernels = []      # (version, running, vfio, line)
        self.cpu = None
        self.memory = None     # {"size": bytes, "hugepages": {"2M": (total, free), ...}}
        self.firmware = None
        self.cmdline = None
        self.disks = []
        self.dms = []
        self.mounts = []
        self.nets = []
        self.netstacks = []
        self.routes = []
        self.extra_drivers = []
        self.driver_modules = {}
        self.files = {}        # path -> lines (the 'file' facts)
        self.fact_lines = {}
        self.aliases = []          # (pattern, module, builtin) from alias lines
        self.kernel_aliases = {}   # version -> False for aliases=none (no modules.alias written)
        self.boot = []             # BOOT_KINDS from boot lines
        self.roms = []             # (path, size) from rom lines

    def err(self, line, msg):
        """Record an error at a table line (None: about the table as a whole)."""
        if line is None:
            self.errors.append("%s: error: %s" % (self.table_path, msg))
        else:
            self.errors.append("%s:%d: error: %s" % (self.table_path, line, msg))
        if len(self.errors) >= MAX_ERRORS:
            self.errors.append("%s: too many errors, stopping" % self.table_path)
            raise TableError("too many errors")


# ---------------------------------------------------------------------------
# Parsing

def parse_table(path):
    host = Host(path)
    try:
        parse_lines(host, path, 0)
    except TableError:
        pass
    return host


def parse_lines(host, path, depth):
    """The lines of table path into host; 'include OTHER.table' reads another table (beside this one) in place."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise SystemExit("mkhost: cannot read %s: %s" % (path, e))
    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        first = stripped.split(None, 1)[0]
        try:
            if ADDR_RE.match(first):
                parse_function(host, lineno, stripped)
            elif first == "include":
                words = stripped.split()
                if len(words) != 2 or "/" in words[1] or not words[1].endswith(".table") or depth >= 4:
                    raise TableError("usage: include NAME.table (a table beside this one, 4 levels at most)")
                parse_lines(host, os.path.join(os.path.dirname(path), words[1]), depth + 1)
            else:
                parse_fact(host, lineno, first, stripped)
        except TableError as e:
            host.err(lineno, str(e) if depth == 0 else "%s (in %s)" % (e, os.path.basename(path)))


def strip_comment(text):
    m = re.search(r"(^|\s)#", text)
    return text[:m.start()] if m else text


def parse_function(host, lineno, text):
    tok = strip_comment(text).split()
    if len(tok) < 9:
        raise TableError("PCI function line needs 9 columns (address ids subsys class rev "
                         "group driver numa parent), got %d" % len(tok))
    f = Function()
    f.line = lineno
    a = parse_addr(tok[0])
    if a is None:
        raise TableError("bad PCI address '%s'" % tok[0])
    f.dom, f.bus, f.dev, f.fn = a
    f.addr = fmt_addr(*a)
    m = IDS_RE.match(tok[1])
    if not m:
        raise TableError("bad vendor:device '%s' (want e.g. 10de:2330)" % tok[1])
    f.vendor, f.device = int(m.group(1), 16), int(m.group(2), 16)
    if tok[2] == "-":
        f.svendor = f.sdevice = 0
    else:
        m = IDS_RE.match(tok[2])
        if not m:
            raise TableError("bad subsystem vendor:device '%s' (want e.g. 10de:16c1 or -)" % tok[2])
        f.svendor, f.sdevice = int(m.group(1), 16), int(m.group(2), 16)
    c = tok[3]
    if not re.match(r"^[0-9a-fA-F]{4}([0-9a-fA-F]{2})?$", c):
        raise TableError("bad class '%s' (want 4 or 6 hex digits, e.g. 0302 or 010802)" % c)
    f.cls = int(c, 16) << 8 if len(c) == 4 else int(c, 16)
    if not re.match(r"^[0-9a-fA-F]{2}$", tok[4]):
        raise TableError("bad revision '%s' (want 2 hex digits, e.g. a1)" % tok[4])
    f.rev = int(tok[4], 16)
    if tok[5] == "-":
        f.group = None
    elif tok[5].isdigit():
        f.group = int(tok[5])
    else:
        raise TableError("bad IOMMU group '%s' (want a number or -)" % tok[5])
    if tok[6] == "-":
        f.driver = None
    elif re.match(r"^[A-Za-z0-9_.-]+$", tok[6]):
        f.driver = tok[6]
    else:
        raise TableError("bad driver name '%s'" % tok[6])
    if tok[7] == "-":
        f.numa = -1
    elif tok[7].isdigit():
        f.numa = int(tok[7])
    else:
        raise TableError("bad NUMA node '%s' (want a number or -)" % tok[7])
    if tok[8] == "-":
        f.parent_key = None
    else:
        p = parse_addr(tok[8], f.dom)
        if p is None:
            raise TableError("bad parent address '%s' (want an address or -)" % tok[8])
        f.parent_key = p
    f.is_bridge = (f.cls >> 8) == CLASS_BRIDGE_PCI
    for extra in tok[9:]:
        key, eq, val = extra.partition("=")
        if key not in EXTRA_KEYS:
            raise TableError("unknown option '%s'%s" % (key, suggest(key, EXTRA_KEYS)))
        if key.startswith("bar"):
            idx = int(key[3])
            size_s, _, kind_s = val.partition(":")
            if kind_s not in BAR_KINDS:
                raise TableError("bad BAR type '%s' in %s (want 32, 64, 32p, 64p or io)" % (kind_s, extra))
            size = parse_size(size_s)
            kind = BAR_KINDS[kind_s]
            if kind == "io" and size > 256:
                raise TableError("I/O BAR %s is larger than 256 bytes" % extra)
            if kind != "io" and size < 16:
                raise TableError("memory BAR %s is smaller than 16 bytes" % extra)
            if idx in f.bars:
                raise TableError("%s given twice" % key)
            f.bars[idx] = (size, kind)
        elif key == "rom":
            f.rom = parse_size(val)
            if f.rom < 2048:
                raise TableError("expansion ROM smaller than 2K")
        elif key == "boot_vga":
            if val not in ("", "1", "0"):
                raise TableError("boot_vga takes no value (or 0/1)")
            f.boot_vga = val != "0"
        elif key == "mf":
            f.mf = True
        elif key == "pcie":
            if val not in PCIE_TYPES:
                raise TableError("unknown PCIe type '%s'%s" % (val, suggest(val, list(PCIE_TYPES))))
            f.pcie_opt, f.pcie = True, PCIE_TYPES[val]
        elif key in ("acs", "flr", "pmreset"):
            if eq:
                raise TableError("%s takes no value" % key)
            setattr(f, key, True)
        elif key == "sriov":
            m = re.match(r"^(\d+)/(\d+)/(\d+)/([0-9a-fA-F]{4})(?:/(\d+))?$", val)
            if not m or not 0 < int(m.group(1)) <= 0xffff or int(m.group(2)) > 0xffff or int(m.group(3)) > 0xffff:
                raise TableError("bad sriov '%s' (want TOTAL/OFFSET/STRIDE/VFDEVICE[/NUMVFS], e.g. 8/2/1/101e)"
                                 % val)
            f.sriov = (int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4), 16),
                       int(m.group(5)) if m.group(5) else None)
        elif key == "physfn":
            pf = parse_addr(val, f.dom)
            if pf is None:
                raise TableError("bad physfn '%s' (want the PF's address)" % val)
            f.physfn_key = pf
        elif key == "irq":
            if not val.isdigit():
                raise TableError("bad irq '%s'" % val)
            f.irq = int(val)
        elif key == "bus":
            m = re.match(r"^([0-9a-fA-F]{2})(?:-([0-9a-fA-F]{2}))?$", val)
            if not m:
                raise TableError("bad bus range '%s' (want SS or SS-EE in hex)" % val)
            s = int(m.group(1), 16)
            e = int(m.group(2), 16) if m.group(2) else s
            if e < s:
                raise TableError("bus range %s ends before it starts" % val)
            f.bus_override = (s, e)
    nbars = 2 if f.is_bridge else 6
    for idx, (size, kind) in f.bars.items():
        if idx >= nbars:
            raise TableError("bar%d does not exist on a %s (it has bar0..bar%d)"
                             % (idx, "bridge" if f.is_bridge else "device", nbars - 1))
        if kind in ("mem64", "pref64"):
            if idx + 1 >= nbars:
                raise TableError("64-bit bar%d needs bar%d for its upper half" % (idx, idx + 1))
            if idx + 1 in f.bars:
                raise TableError("bar%d is the upper half of 64-bit bar%d" % (idx + 1, idx))
    if f.bus_override and not f.is_bridge:
        raise TableError("bus= is only for bridges (class 0604)")
    if f.boot_vga and (f.cls >> 8) != CLASS_VGA:
        raise TableError("boot_vga on a function whose class is not VGA (0300)")
    if f.key in host.functions:
        raise TableError("%s listed twice (first on line %d)" % (f.addr, host.functions[f.key].line))
    host.functions[f.key] = f


def kv_args(host, lineno, args, allowed):
    out = {}
    for a in args:
        k, eq, v = a.partition("=")
        if not eq:
            raise TableError("expected key=value, got '%s'" % a)
        if k not in allowed:
            raise TableError("unknown option '%s'%s" % (k, suggest(k, allowed)))
        out[k] = v
    return out


def parse_fact(host, lineno, key, text):
    if key not in FACT_KEYS:
        raise TableError("unknown fact '%s'%s (or a malformed PCI address)"
                         % (key, suggest(key, FACT_KEYS)))
    if key == "cmdline":
        value = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
        if host.cmdline is not None:
            raise TableError("cmdline given twice")
        host.cmdline = value.strip()
        return
    if key == "file":
        # file PATH [| TEXT]: one line of the file, verbatim after '| ' ('#' included); no '|': an empty line
        m = re.match(r"^file\s+(\S+)(?:\s+\|(?: (.*))?)?$", text)
        if not m:
            raise TableError("usage: file PATH | TEXT OF THE LINE")
        path = m.group(1)
        parts = path.split("/")
        if path.startswith("/") or ".." in parts or "" in parts or parts[0] not in FILE_TOP or len(parts) < 2:
            raise TableError("file %s: a relative path under %s, without '..'" % (path, ", ".join(sorted(FILE_TOP))))
        if path in ("etc/os-release", "etc/hostname", "usr/lib/os-release") or path.startswith(("proc/", "sys/")):
            raise TableError("file %s: mkhost writes it itself (facts distro, hostname)" % path)
        host.files.setdefault(path, []).append(m.group(2) or "")
        return
    try:
        tok = shlex.split(text, comments=True)
    except ValueError as e:
        raise TableError("cannot split line: %s" % e)
    args = tok[1:]
    single = {"hostname", "distro", "cpu", "memory", "firmware"}
    if key in single and key in host.fact_lines:
        raise TableError("%s given twice (first on line %d)" % (key, host.fact_lines[key]))
    host.fact_lines.setdefault(key, lineno)
    if key == "hostname":
        if len(args) != 1:
            raise TableError("usage: hostname NAME")
        host.hostname = args[0]
    elif key == "distro":
        if len(args) == 1 and args[0] == "arch":
            args = ["arch", "rolling"]
        if len(args) != 2 or (args[0], args[1]) not in OS_RELEASE:
            known = ", ".join("%s %s" % k for k in sorted(OS_RELEASE))
            raise TableError("unknown distro '%s' (known: %s)" % (" ".join(args), known))
        host.distro = (args[0], args[1])
    elif key == "kernel":
        if not args:
            raise TableError("usage: kernel VERSION [running] [vfio=builtin|module]")
        ver = args[0]
        running = False
        vfio = "module"
        for a in args[1:]:
            if a == "running":
                running = True
            elif a.startswith("vfio="):
                vfio = a[5:]
                if vfio not in ("builtin", "module"):
                    raise TableError("vfio= takes builtin or module")
            elif a.startswith("aliases="):
                if a[8:] not in ("none", "default"):
                    raise TableError("aliases= takes none or default")
                host.kernel_aliases[ver] = a[8:] == "default"
            else:
                raise TableError("unknown kernel option '%s' (running, vfio=, aliases=)" % a)
        if any(k[0] == ver for k in host.kernels):
            raise TableError("kernel %s given twice" % ver)
        host.kernels.append((ver, running, vfio, lineno))
    elif key == "cpu":
        if not args or args[0] not in CPU_VENDOR_ID:
            raise TableError("usage: cpu intel|amd name=\"MODEL NAME\" sockets=N cores=N threads=N ...")
        opts = kv_args(host, lineno, args[1:], ["name", "sockets", "cores", "threads", "family",
                                                "model", "stepping", "virt", "mhz", "pdpe1gb"])
        cpu = {"vendor": args[0], "name": opts.get("name"), "virt": opts.get("virt", "on"),
               "pdpe1gb": opts.get("pdpe1gb", "on")}
        if cpu["pdpe1gb"] not in ("on", "off"):
            raise TableError("pdpe1gb= takes on or off")
        if not cpu["name"]:
            raise TableError("cpu needs name=\"...\"")
        for k, d in (("sockets", 1), ("cores", 1), ("threads", 1), ("family", 6),
                     ("model", 0), ("stepping", 0), ("mhz", 2000)):
            v = opts.get(k, str(d))
            if not v.isdigit() or (k in ("sockets", "cores", "threads") and int(v) < 1):
                raise TableError("bad cpu %s '%s'" % (k, v))
            cpu[k] = int(v)
        if cpu["virt"] not in ("on", "off"):
            raise TableError("virt= takes on or off")
        host.cpu = cpu
    elif key == "memory":
        # memory SIZE [hugepages=SIZE:COUNT[/FREE]]...: installed memory, huge pages reserved at boot
        if not args:
            raise TableError("usage: memory SIZE [hugepages=2M|1G:COUNT[/FREE]]...")
        m = SIZE_RE.match(args[0])
        if not m or args[0][-1] not in "MGT":
            raise TableError("bad memory size '%s' (want a number and M, G or T)" % args[0])
        mem = {"size": int(m.group(1)) * UNITS[m.group(2)], "hugepages": {}}
        for a in args[1:]:
            k, eq, v = a.partition("=")
            hm = re.match(r"^(2M|1G):(\d+)(?:/(\d+))?$", v)
            if k != "hugepages" or not eq or not hm:
                raise TableError("bad memory option '%s' (want hugepages=2M|1G:COUNT[/FREE])" % a)
            total = int(hm.group(2))
            free = int(hm.group(3)) if hm.group(3) is not None else total
            if free > total or hm.group(1) in mem["hugepages"]:
                raise TableError("bad hugepages '%s' (FREE above COUNT, or a size given twice)" % v)
            mem["hugepages"][hm.group(1)] = (total, free)
        host.memory = mem
    elif key == "firmware":
        if not args or args[0] not in ("uefi", "bios"):
            raise TableError("usage: firmware uefi [secureboot=on|off|absent] | firmware bios")
        opts = kv_args(host, lineno, args[1:], ["secureboot"])
        sb = opts.get("secureboot", "off")
        if sb not in ("on", "off", "absent"):
            raise TableError("secureboot= takes on, off or absent")
        if args[0] == "bios" and "secureboot" in opts:
            raise TableError("secureboot= needs firmware uefi")
        host.firmware = (args[0], sb)
    elif key == "disk":
        if len(args) < 2:
            raise TableError("usage: disk NAME ADDRESS [parts=N] [port=N] [model=TEXT]")
        name = args[0]
        a = parse_addr(args[1])
        if a is None:
            raise TableError("bad PCI address '%s'" % args[1])
        opts = kv_args(host, lineno, args[2:], ["parts", "port", "model"])
        if re.match(r"^nvme\d+n\d+$", name):
            kind = "nvme"
        elif re.match(r"^sd[a-z]+$", name):
            kind = "sd"
        else:
            raise TableError("disk name '%s' is neither nvmeXnY nor sdX" % name)
        for k in ("parts", "port"):
            if k in opts and not opts[k].isdigit():
                raise TableError("bad %s '%s'" % (k, opts[k]))
        if kind == "nvme" and "port" in opts:
            raise TableError("port= is for SATA disks")
        host.disks.append({"name": name, "key": a, "kind": kind, "parts": int(opts.get("parts", "0")),
                           "port": int(opts.get("port", "1")), "model": opts.get("model"),
                           "line": lineno})
    elif key == "dm":
        if len(args) < 3 or not re.match(r"^dm-\d+$", args[0]):
            raise TableError("usage: dm dm-N MAPPER-NAME SLAVE [SLAVE...]")
        host.dms.append({"name": args[0], "dmname": args[1], "slaves": args[2:], "line": lineno})
    elif key == "mount":
        if len(args) not in (3, 4) or not args[0].startswith("/"):
            raise TableError("usage: mount MOUNTPOINT SOURCE FSTYPE [OPTIONS]")
        host.mounts.append({"point": args[0], "source": args[1], "fstype": args[2],
                            "options": args[3] if len(args) == 4 else None, "line": lineno})
    elif key == "net":
        if len(args) < 2:
            raise TableError("usage: net IFACE ADDRESS [ip=A.B.C.D/N] [mac=..] [type=ether|ib]")
        a = parse_addr(args[1])
        if a is None:
            raise TableError("bad PCI address '%s'" % args[1])
        opts = kv_args(host, lineno, args[2:], ["ip", "mac", "type"])
        if opts.get("type", "ether") not in ("ether", "ib"):
            raise TableError("type= takes ether or ib")
        ip = None
        if "ip" in opts:
            m = re.match(r"^(\d+)\.(\d+)\.(\d+)\.(\d+)/(\d+)$", opts["ip"])
            if not m or any(int(x) > 255 for x in m.groups()[:4]) or int(m.group(5)) > 32:
                raise TableError("bad ip '%s' (want A.B.C.D/N)" % opts["ip"])
            ip = ([int(x) for x in m.groups()[:4]], int(m.group(5)))
        if "mac" in opts and not re.match(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$", opts["mac"]):
            raise TableError("bad mac '%s'" % opts["mac"])
        if any(n["name"] == args[0] for n in host.nets):
            raise TableError("interface %s given twice" % args[0])
        host.nets.append({"name": args[0], "key": a, "ip": ip, "mac": opts.get("mac"),
                          "type": opts.get("type", "ether"), "line": lineno})
    elif key == "netstack":
        # netstack NAME bridge|bond|vlan LOWER... : a stacked interface over others
        if len(args) < 3 or args[1] not in ("bridge", "bond", "vlan"):
            raise TableError("usage: netstack NAME bridge|bond|vlan LOWER [LOWER...]")
        if any(n["name"] == args[0] for n in host.nets) or any(n["name"] == args[0] for n in host.netstacks):
            raise TableError("interface %s given twice" % args[0])
        host.netstacks.append({"name": args[0], "kind": args[1], "lowers": args[2:], "line": lineno})
    elif key == "route":
        # route default via GW dev IFACE [metric N]
        if len(args) < 5 or args[0] != "default" or args[1] != "via" or args[3] != "dev":
            raise TableError("usage: route default via A.B.C.D dev IFACE [metric N]")
        m = re.match(r"^(\d+)\.(\d+)\.(\d+)\.(\d+)$", args[2])
        if not m or any(int(x) > 255 for x in m.groups()):
            raise TableError("bad gateway '%s'" % args[2])
        metric = 0
        if len(args) == 7 and args[5] == "metric" and args[6].isdigit():
            metric = int(args[6])
        elif len(args) != 5:
            raise TableError("usage: route default via A.B.C.D dev IFACE [metric N]")
        host.routes.append({"gw": [int(x) for x in m.groups()], "dev": args[4], "metric": metric,
                            "line": lineno})
    elif key == "bound":
        # bound ADDRESS DRIVER|-: an included table's function, bound otherwise (the same host after a reboot)
        a = parse_addr(args[0]) if len(args) == 2 else None
        if a is None or not re.match(r"^([A-Za-z0-9_.-]+|-)$", args[1]):
            raise TableError("usage: bound ADDRESS DRIVER (or - for none)")
        f = next((f for f in host.functions.values() if (f.dom, f.bus, f.dev, f.fn) == a), None)
        if f is None:
            raise TableError("bound %s: no such function (yet: list or include it first)" % args[0])
        f.driver = None if args[1] == "-" else args[1]
    elif key == "alias":
        # alias PATTERN MODULE [builtin]: a line of every kernel's modules.alias (or modules.builtin.alias)
        if len(args) not in (2, 3) or (len(args) == 3 and args[2] != "builtin") or not args[0].startswith("pci:"):
            raise TableError("usage: alias pci:PATTERN MODULE [builtin]")
        if not re.match(r"^[A-Za-z0-9*?:\[\]]+$", args[0]) or not re.match(r"^[a-z0-9_]+$", args[1]):
            raise TableError("bad alias '%s %s'" % (args[0], args[1]))
        host.aliases.append((args[0], args[1], len(args) == 3))
    elif key == "boot":
        # boot KIND...: the files a bootloader setup leaves in the tree (write_boot)
        for a in args:
            if a not in BOOT_KINDS:
                raise TableError("unknown boot kind '%s'%s (known: %s)" % (a, suggest(a, BOOT_KINDS),
                                                                         ", ".join(BOOT_KINDS)))
            if a not in host.boot:
                host.boot.append(a)
    elif key == "rom":
        # rom /PATH [SIZE]: a ROM image of SIZE bytes (default 64 KiB) that the host has
        if len(args) not in (1, 2) or not re.match(r"^(/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+$", args[0]):
            raise TableError("usage: rom /ABSOLUTE/PATH [SIZE]")
        if args[0].split("/")[1] not in ("usr", "etc", "boot", "lib"):
            raise TableError("rom %s: only under /usr, /etc, /boot or /lib" % args[0])
        host.roms.append((args[0][1:], parse_size(args[1]) if len(args) == 2 else 65536))
    elif key == "driver":
        if not args:
            raise TableError("usage: driver NAME[=MODULE] ...")
        for a in args:
            name, eq, module = a.partition("=")
            if not re.match(r"^[A-Za-z0-9_.-]+$", name) or (eq and not re.match(r"^([A-Za-z0-9_]+|-)$", module)):
                raise TableError("bad driver '%s' (want NAME or NAME=MODULE or NAME=-)" % a)
            host.extra_drivers.append(name)
            if eq:
                host.driver_modules[name] = None if module == "-" else module


# ---------------------------------------------------------------------------
# Derivation: topology, bus numbers, resources, IRQs

def resolve(host):
    fns = host.functions
    if not fns:
        host.err(None, "no PCI functions in the table")
    for need, what in (("distro", host.distro), ("cpu", host.cpu), ("cmdline", host.cmdline),
                       ("firmware", host.firmware)):
        if what is None:
            host.err(None, "missing fact '%s'" % need)
    running = [k for k in host.kernels if k[1]]
    if not host.kernels:
        host.err(None, "missing fact 'kernel'")
    elif len(host.kernels) == 1 and not running:
        k = host.kernels[0]
        host.kernels[0] = (k[0], True, k[2], k[3])
    elif len(running) != 1:
        host.err(host.kernels[0][3], "exactly one kernel must be marked 'running' (found %d)" % len(running))

    order = sorted(fns)
    # parents
    for k in order:
        f = fns[k]
        f.parent = None
        if f.parent_key is None:
            continue
        p = fns.get(f.parent_key)
        if p is None:
            host.err(f.line, "parent %s of %s is not in the table" % (fmt_addr(*f.parent_key), f.addr))
            continue
        if p.is_bridge:
            if p.dom != f.dom:
                host.err(f.line, "%s is in domain %04x but its parent bridge %s is in %04x"
                         % (f.addr, f.dom, p.addr, p.dom))
                continue
            if f.bus <= p.bus:
                host.err(f.line, "%s sits behind bridge %s but its bus is not greater than the "
                         "bridge's bus" % (f.addr, p.addr))
                continue
        else:
            # A non-bridge parent hosts a whole PCI domain (Intel VMD).
            if p.dom == f.dom:
                host.err(f.line, "parent %s of %s is not a PCI bridge (class 0604); only a "
                         "device in another domain (Intel VMD) can host a root bus"
                         % (p.addr, f.addr))
                continue
        f.parent = p
        p.children.append(f)
    if host.errors:
        return

    # each bus has one parent; function 0 exists; multifunction bit
    bus_parent = {}
    slots = {}
    for k in order:
        f = fns[k]
        bk = (f.dom, f.bus)
        pk = f.parent.key if f.parent else None
        if bk in bus_parent and bus_parent[bk][0] != pk:
            other = bus_parent[bk]
            host.err(f.line, "bus %04x:%02x has two parents: %s here and %s on line %d"
                     % (f.dom, f.bus, fmt_addr(*pk) if pk else "root", fmt_addr(*other[0])
                        if other[0] else "root", other[1]))
        bus_parent.setdefault(bk, (pk, f.line))
        slots.setdefault((f.dom, f.bus, f.dev), []).append(f)
    for sk, members in slots.items():
        if not any(m.fn == 0 for m in members):
            host.err(members[0].line, "%s has no function 0 (the kernel would not find it)"
                     % members[0].addr)
        for m in members:
            m.multifunction = m.mf or len(members) > 1
    # a root bus under a non-bridge parent must be hosted by exactly one device
    for bk, (pk, line) in bus_parent.items():
        if pk is not None and not fns[pk].is_bridge:
            host_dev = fns[pk]
            if host_dev.hosted_root not in (None, bk):
                host.err(line, "%s hosts two root buses" % host_dev.addr)
            host_dev.hosted_root = bk
    if host.errors:
        return

    # depth and paths
    def depth(f):
        d = 0
        g = f
        seen = set()
        while g.parent is not None:
            if g.key in seen:
                raise TableError("parent loop at %s" % g.addr)
            seen.add(g.key)
            g = g.parent
            d += 1
        return d
    try:
        for k in order:
            fns[k].depth = depth(fns[k])
    except TableError as e:
        host.err(None, str(e))
        return
    for k in sorted(order, key=lambda k: (fns[k].depth, k)):
        f = fns[k]
        rootdir = "pci%04x:%02x" % (f.dom, f.bus)
        if f.parent is None:
            f.path = "sys/devices/%s/%s" % (rootdir, f.addr)
        elif f.parent.is_bridge:
            f.path = "%s/%s" % (f.parent.path, f.addr)
        else:
            f.path = "%s/%s/%s" % (f.parent.path, rootdir, f.addr)

    # bridge bus numbers: secondary = bus of the children, subordinate = max below
    for k in sorted(order, key=lambda k: (-fns[k].depth, k)):
        f = fns[k]
        if not f.is_bridge:
            continue
        child_buses = sorted({c.bus for c in f.children})
        if len(child_buses) > 1:
            host.err(f.line, "children of bridge %s sit on more than one bus (%s)"
                     % (f.addr, ", ".join("%02x" % b for b in child_buses)))
            continue
        if child_buses:
            sec = child_buses[0]
            sub = max([sec] + [c.sub for c in f.children if c.is_bridge])
            if f.bus_override:
                if f.bus_override[0] != sec:
                    host.err(f.line, "bus=%02x-%02x but the children of %s are on bus %02x"
                             % (f.bus_override + (f.addr, sec)))
                    continue
                if f.bus_override[1] < sub:
                    host.err(f.line, "bus=%02x-%02x is too small: bus %02x sits below %s"
                             % (f.bus_override + (sub, f.addr)))
                    continue
                sub = f.bus_override[1]
        elif f.bus_override:
            sec, sub = f.bus_override
        else:
            host.err(f.line, "bridge %s has no children: give its bus range with bus=SS[-EE]"
                     % f.addr)
            continue
        if sec <= f.bus:
            host.err(f.line, "bridge %s would have secondary bus %02x <= its own bus"
                     % (f.addr, sec))
        f.sec, f.sub = sec, sub
    if host.errors:
        return
    # sibling bridges must not overlap
    by_bus = {}
    for k in order:
        f = fns[k]
        if f.is_bridge:
            by_bus.setdefault((f.dom, f.bus), []).append(f)
    for bridges in by_bus.values():
        bridges.sort(key=lambda b: b.sec)
        for a, b in zip(bridges, bridges[1:]):
            if b.sec <= a.sub:
                host.err(b.line, "bus range %02x-%02x of %s overlaps %02x-%02x of %s"
                         % (b.sec, b.sub, b.addr, a.sec, a.sub, a.addr))
    # root buses must not collide with bus ranges below bridges of the same domain
    ranges = {}
    for k in order:
        f = fns[k]
        if f.is_bridge and (f.parent is None or not f.parent.is_bridge):
            ranges.setdefault(f.dom, []).append((f.sec, f.sub, f))
    for bk, (pk, line) in sorted(bus_parent.items()):
        if pk is None or not fns[pk].is_bridge:
            for s, e, br in ranges.get(bk[0], []):
                if s <= bk[1] <= e:
                    host.err(line, "root bus %04x:%02x lies inside the bus range %02x-%02x of %s"
                             % (bk[0], bk[1], s, e, br.addr))

    # boot VGA
    vgas = [fns[k] for k in order if fns[k].boot_vga]
    if len(vgas) > 1:
        host.err(vgas[1].line, "more than one boot_vga (%s and %s)" % (vgas[0].addr, vgas[1].addr))
    for v in vgas:
        g = v.parent
        while g is not None and g.is_bridge:
            g.vga_path = True
            g = g.parent

    if host.errors:
        return
    derive_pcie(host, order)
    link_vfs(host, order)
    if host.errors:
        return
    allocate_resources(host, order)
    assign_irqs(host, order)
    check_facts(host)


def derive_pcie(host, order):
    """Each function's PCIe port type, unless pcie= says it: ports by their place in the tree, functions
    behind a bridge are endpoints, root-bus functions root complex integrated endpoints, except host
    bridges, system peripherals and SMBus controllers, which are conventional PCI as on real chipsets."""
    fns = host.functions
    for k in sorted(order, key=lambda k: (fns[k].depth, k)):
        f = fns[k]
        if f.pcie_opt:
            continue
        p = f.parent if f.parent is not None and f.parent.is_bridge else None
        if f.is_bridge:
            if p is None:
                f.pcie = PCIE_TYPES["root-port"]
            elif p.pcie == PCIE_TYPES["upstream-port"]:
                f.pcie = PCIE_TYPES["downstream-port"]
            else:
                f.pcie = PCIE_TYPES["upstream-port"]
        elif p is not None:
            f.pcie = PCIE_TYPES["endpoint"]
        elif (f.cls >> 16) in (0x06, 0x08) or (f.cls >> 8) == 0x0c05:
            f.pcie = None
        else:
            f.pcie = PCIE_TYPES["rc-endpoint"]


def routing_id(f):
    return f.bus << 8 | f.dev << 3 | f.fn


def link_vfs(host, order):
    """VFs (physfn=) must sit where their PF's SR-IOV capability puts them, and number NumVFs."""
    fns = host.functions
    for k in order:
        f = fns[k]
        if f.physfn_key is None:
            continue
        pf = fns.get(f.physfn_key)
        if pf is None or pf.sriov is None:
            host.err(f.line, "physfn %s of %s is not a function with sriov= in the table"
                     % (fmt_addr(*f.physfn_key), f.addr))
            continue
        total, offset, stride, vf_device, _ = pf.sriov
        rid = routing_id(f) - routing_id(pf) - offset
        if rid < 0 or (stride and rid % stride) or (not stride and rid) or (stride and rid // stride >= total):
            host.err(f.line, "%s is not a VF address of %s (offset %d, stride %d, %d VFs)"
                     % (f.addr, pf.addr, offset, stride, total))
            continue
        if (f.vendor, f.device) != (pf.vendor, vf_device) or f.dom != pf.dom:
            host.err(f.line, "VF %s must have id %04x:%04x (the PF's vendor, sriov='s VF device)"
                     % (f.addr, pf.vendor, vf_device))
            continue
        pf.vfs.append((rid // stride if stride else 0, f))
    for k in order:
        f = fns[k]
        if f.sriov is not None:
            f.vfs.sort(key=lambda v: v[0])
            if [i for i, _ in f.vfs] != list(range(len(f.vfs))):
                host.err(f.line, "the VFs of %s in the table must be its first ones, VF 0 to %d (they are %s)"
                         % (f.addr, len(f.vfs) - 1, ", ".join(vf.addr for _, vf in f.vfs)))
            num = f.sriov[4]
            if num is not None and num != len(f.vfs):
                host.err(f.line, "sriov= of %s says %d VFs are enabled but the table lists %d"
                         % (f.addr, num, len(f.vfs)))


def bus_items(host, funcs):
    """Resource needs of the functions on one bus: {window: [(size, align, owner, what)]}"""
    items = {"io": [], "mem": [], "pref": []}
    for f in funcs:
        for idx in sorted(f.bars):
            size, kind = f.bars[idx]
            items[BAR_WINDOW[kind]].append((size, size, f, idx))
        if f.rom:
            items["mem"].append((f.rom, f.rom, f, "rom"))
        if f.is_bridge:
            for w, (size, align) in f.windows.items():
                if size:
                    items[w].append((size, align, f, "win"))
    for w in items:
        # largest alignment first packs without holes; ties by address for determinism
        items[w].sort(key=lambda it: (-it[1], -it[0], it[2].key, str(it[3])))
    return items


def pack(items):
    off = 0
    align = 1
    for size, al, _, _ in items:
        off = align_up(off, al) + size
        align = max(align, al)
    return off, align


def allocate_resources(host, order):
    fns = host.functions
    buses = {}
    for k in order:
        f = fns[k]
        buses.setdefault((f.dom, f.bus), []).append(f)
    # sizes bottom-up
    for k in sorted(order, key=lambda k: (-fns[k].depth, k)):
        f = fns[k]
        if not f.is_bridge:
            continue
        child_bus = buses.get((f.dom, f.sec), [])
        child_bus = [c for c in child_bus if c.parent is f]
        items = bus_items(host, child_bus)
        for w in ("io", "mem", "pref"):
            size, align = pack(items[w])
            if size:
                size = align_up(size, WIN_GRAN[w])
                align = max(align, WIN_GRAN[w])
            f.windows[w] = (size, align)

    def place(funcs, bases):
        items = bus_items(host, funcs)
        for w in ("io", "mem", "pref"):
            off = bases[w]
            for size, al, owner, what in items[w]:
                off = align_up(off, al)
                if what == "rom":
                    owner.rom_addr = off
                elif what == "win":
                    owner.windows[w] = (size, al, off)
                else:
                    owner.bar_addr[what] = off
                off += size
        for f in funcs:
            if f.is_bridge:
                child = [c for c in buses.get((f.dom, f.sec), []) if c.parent is f]
                place(child, {w: (f.windows[w][2] if len(f.windows[w]) == 3 else 0)
                              for w in ("io", "mem", "pref")})

    cursor = {w: POOLS[w][0] for w in POOLS}
    root_buses = sorted(bk for bk, funcs in buses.items()
                        if funcs[0].parent is None or not funcs[0].parent.is_bridge)
    for bk in root_buses:
        funcs = buses[bk]
        items = bus_items(host, funcs)
        bases = {}
        for w in ("io", "mem", "pref"):
            size, align = pack(items[w])
            start = align_up(cursor[w], max(align, WIN_GRAN[w]))
            end = start + size
            if size and end - 1 > POOLS[w][1]:
                what = {"io": "I/O port", "mem": "32-bit MMIO", "pref": "64-bit MMIO"}[w]
                host.err(funcs[0].line, "%s space (0x%x-0x%x) exhausted at root bus %04x:%02x "
                         "(needs 0x%x bytes more)%s" % (what, POOLS[w][0], POOLS[w][1], bk[0], bk[1],
                                                        end - 1 - POOLS[w][1],
                                                        "; use 64-bit prefetchable BARs (64p) for "
                                                        "big regions" if w == "mem" else ""))
                return
            bases[w] = start
            cursor[w] = align_up(end, WIN_GRAN[w]) if size else cursor[w]
        place(funcs, bases)


def no_interrupt(f):
    base, sub = f.cls >> 16, (f.cls >> 8) & 0xff
    # host bridges, system peripherals and performance counters have no INTx pin
    return (base == 0x06 and sub != 0x04) or base in (0x08, 0x11)


def assign_irqs(host, order):
    fns = host.functions
    roots = sorted({(f.dom, f.bus) for f in fns.values()
                    if f.parent is None or not f.parent.is_bridge})
    # Each root bus gets its own IOAPIC-style block of GSIs; legacy pins swizzle on
    # the way up through bridges, as pci_swizzle_interrupt_pin does.
    gsi_base = {bk: 16 + 8 * i for i, bk in enumerate(roots)}
    for k in order:
        f = fns[k]
        if f.irq is not None:
            f.pin = 0 if f.irq == 0 else 1 + f.fn % 4
            continue
        if no_interrupt(f):
            f.pin, f.irq = 0, 0
            continue
        f.pin = 1 + f.fn % 4
        pin, g = f.pin, f
        while g.parent is not None and g.parent.is_bridge:
            pin = (pin - 1 + g.dev) % 4 + 1
            g = g.parent
        f.irq = gsi_base[(g.dom, g.bus)] + (g.dev * 4 + pin - 1) % 8


def check_facts(host):
    fns = host.functions
    by_addr = {f.key: f for f in fns.values()}
    names = set()
    ctrl_of = {}
    ports = {}
    for d in host.disks:
        f = by_addr.get(d["key"])
        if f is None:
            host.err(d["line"], "disk %s: no PCI function %s" % (d["name"], fmt_addr(*d["key"])))
            continue
        if d["name"] in names:
            host.err(d["line"], "disk %s given twice" % d["name"])
        names.add(d["name"])
        if d["kind"] == "nvme":
            if f.driver != "nvme":
                host.err(d["line"], "disk %s sits on %s, which is not bound to nvme" % (d["name"], f.addr))
            ctrl = "nvme" + re.match(r"^nvme(\d+)", d["name"]).group(1)
            if ctrl in ctrl_of and ctrl_of[ctrl] != d["key"]:
                host.err(d["line"], "controller %s is on two PCI functions" % ctrl)
            ctrl_of[ctrl] = d["key"]
        else:
            if f.driver is None:
                host.err(d["line"], "disk %s sits on %s, which has no driver" % (d["name"], f.addr))
            if (d["key"], d["port"]) in ports:
                host.err(d["line"], "disk %s: port %d of %s already holds %s"
                         % (d["name"], d["port"], f.addr, ports[(d["key"], d["port"])]))
            ports[(d["key"], d["port"])] = d["name"]
        for i in range(1, d["parts"] + 1):
            names.add(part_name(d["name"], i))
    for dm in host.dms:
        if dm["name"] in names:
            host.err(dm["line"], "%s given twice" % dm["name"])
        for s in dm["slaves"]:
            if s not in names:
                host.err(dm["line"], "%s: slave %s is not a disk or partition from a disk line"
                         % (dm["name"], s))
        names.add(dm["name"])
    mapper = {dm["dmname"]: dm["name"] for dm in host.dms}
    if host.mounts and not any(m["point"] == "/" for m in host.mounts):
        host.err(host.mounts[0]["line"], "no mount for /")
    if not host.mounts:
        host.err(None, "missing fact 'mount /'")
    for m in host.mounts:
        src = m["source"]
        if src.startswith("/dev/mapper/"):
            if src[12:] not in mapper:
                host.err(m["line"], "mount source %s: no dm line names '%s'" % (src, src[12:]))
        elif src.startswith("/dev/"):
            if src[5:] not in names:
                host.err(m["line"], "mount source %s is not a disk, partition or dm device of "
                         "this table" % src)
    ifaces = {}
    for n in host.nets:
        f = by_addr.get(n["key"])
        if f is None:
            host.err(n["line"], "net %s: no PCI function %s" % (n["name"], fmt_addr(*n["key"])))
        elif f.driver is None:
            host.err(n["line"], "net %s: %s has no driver" % (n["name"], f.addr))
        ifaces[n["name"]] = n
    for st in host.netstacks:
        for lower in st["lowers"]:
            if lower not in ifaces:
                host.err(st["line"], "netstack %s: %s is not a net interface given before it" % (st["name"], lower))
        ifaces[st["name"]] = st
    for r in host.routes:
        if r["dev"] not in ifaces:
            host.err(r["line"], "route dev %s is not a net interface of this table" % r["dev"])
    if host.memory:
        if "1G" in host.memory["hugepages"] and host.cpu and host.cpu["pdpe1gb"] == "off":
            host.err(host.fact_lines["memory"], "1G huge pages need a CPU with pdpe1gb")
        if sum(HUGEPAGE_KIB[k] * 1024 * t for k, (t, _) in host.memory["hugepages"].items()) \
                >= mem_total_kib(host.memory["size"]) * 1024:
            host.err(host.fact_lines["memory"], "the huge pages do not fit in the memory")
    # No all-or-nothing check on groups: with the IOMMU on, AMD's root complex
    # (00:00.0) and IOMMU function (00:00.2) are in no group.


def mem_total_kib(installed):
    """MemTotal: what the kernel leaves of the installed memory after its own reservations
    (firmware holes, the kernel image, struct pages: about 1/64, plus a fixed part)."""
    kib = installed // 1024
    return kib - kib // 64 - 196 * 1024


def default_hugepage_kib(cmdline):
    """default_hugepagesz= of the command line, else 2 MiB (x86-64's default)."""
    for arg in cmdline.split():
        if arg.startswith("default_hugepagesz="):
            v = arg.split("=", 1)[1].upper().rstrip("B")
            return {"1G": 1048576, "1048576K": 1048576, "2M": 2048, "2048K": 2048}.get(v, 2048)
    return 2048


def split(count, parts):
    """count spread over parts as the kernel spreads boot-time huge pages: evenly, the first nodes one more."""
    return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]


def write_memory(host, w):
    """proc/meminfo, sys/devices/system/node and sys/kernel/mm/hugepages, from the memory fact."""
    mem = host.memory
    if mem is None:
        return
    nodes = host.cpu["sockets"]
    total = mem_total_kib(mem["size"])
    sizes = ["2M", "1G"] if host.cpu["pdpe1gb"] == "on" else ["2M"]
    pools = {k: mem["hugepages"].get(k, (0, 0)) for k in sizes}
    hugetlb = sum(HUGEPAGE_KIB[k] * t for k, (t, _) in pools.items())
    default_kib = default_hugepage_kib(host.cmdline or "")
    default = "1G" if default_kib == 1048576 and "1G" in pools else "2M"
    used = total // 25
    free = total - hugetlb - used
    cached = used // 2
    lines = [("MemTotal", total), ("MemFree", free), ("MemAvailable", free + cached),
             ("Buffers", used // 16), ("Cached", cached), ("SwapCached", 0),
             ("Active", used // 2), ("Inactive", used // 3), ("SwapTotal", 0), ("SwapFree", 0),
             ("Dirty", 0), ("AnonPages", used // 4), ("Mapped", used // 10), ("Shmem", used // 50),
             ("Slab", used // 8), ("PageTables", used // 100), ("CommitLimit", (total - hugetlb) // 2),
             ("Committed_AS", used), ("VmallocTotal", 34359738367)]
    text = "".join("%-16s%8d kB\n" % (k + ":", v) for k, v in lines)
    t, f = pools[default]
    text += ("HugePages_Total: %7d\nHugePages_Free:  %7d\nHugePages_Rsvd:  %7d\nHugePages_Surp:  %7d\n"
             "Hugepagesize:   %8d kB\nHugetlb:        %8d kB\n" % (t, f, 0, 0, HUGEPAGE_KIB[default], hugetlb))
    text += "DirectMap4k:    %8d kB\nDirectMap2M:    %8d kB\nDirectMap1G:    %8d kB\n" % (
        1024 * 300, 1024 * 1024 * 4, max(total - 1024 * 1024 * 4 - 1024 * 300, 0))
    w.file("proc/meminfo", text)
    for k, (t, f) in sorted(pools.items()):
        d = "sys/kernel/mm/hugepages/hugepages-%dkB" % HUGEPAGE_KIB[k]
        for name, v in (("nr_hugepages", t), ("free_hugepages", f), ("resv_hugepages", 0),
                        ("surplus_hugepages", 0), ("nr_overcommit_hugepages", 0)):
            w.file("%s/%s" % (d, name), "%d\n" % v)
    node_kib = split(total, nodes)
    per_node = {k: (split(t, nodes), split(f, nodes)) for k, (t, f) in pools.items()}
    topo = cpu_topology(host.cpu)
    every = cpulist(range(nodes))
    for name in ("online", "possible", "has_cpu", "has_memory", "has_normal_memory"):
        w.file("sys/devices/system/node/" + name, every + "\n")
    for n in range(nodes):
        base = "sys/devices/system/node/node%d" % n
        w.file(base + "/cpulist", cpulist([i for i, c in enumerate(topo) if c[0] == n]) + "\n")
        node_huge = sum(HUGEPAGE_KIB[k] * per_node[k][0][n] for k in pools)
        node_used = node_kib[n] // 25
        w.file(base + "/meminfo", "".join(
            "Node %d %-16s%8d kB\n" % (n, k + ":", v) for k, v in (
                ("MemTotal", node_kib[n]), ("MemFree", node_kib[n] - node_huge - node_used),
                ("MemUsed", node_huge + node_used))) + "".join(
            "Node %d %-16s%6d\n" % (n, k + ":", v) for k, v in (
                ("HugePages_Total", per_node[default][0][n]), ("HugePages_Free", per_node[default][1][n]),
                ("HugePages_Surp", 0))))
        for k in sorted(pools):
            d = "%s/hugepages/hugepages-%dkB" % (base, HUGEPAGE_KIB[k])
            w.file(d + "/nr_hugepages", "%d\n" % per_node[k][0][n])
            w.file(d + "/free_hugepages", "%d\n" % per_node[k][1][n])
            w.file(d + "/surplus_hugepages", "0\n")


def write_cpus(host, w, topo):
    """sys/devices/system/cpu: the online CPUs and each one's package, core and siblings."""
    cpu = host.cpu
    every = cpulist(range(len(topo)))
    for name in ("online", "possible", "present"):
        w.file("sys/devices/system/cpu/" + name, every + "\n")
    cores = cpu["sockets"] * cpu["cores"]  # CPU ids: all first threads, then all second threads (cpu_topology)
    for n, (sock, core, _) in enumerate(topo):
        base = "sys/devices/system/cpu/cpu%d/topology" % n
        siblings = cpulist([t * cores + sock * cpu["cores"] + core for t in range(cpu["threads"])])
        package = cpulist([i for i, c in enumerate(topo) if c[0] == sock])
        for name, v in (("physical_package_id", sock), ("die_id", 0), ("core_id", core),
                        ("core_cpus_list", siblings), ("thread_siblings_list", siblings),
                        ("core_siblings_list", package), ("package_cpus_list", package),
                        ("die_cpus_list", package)):
            w.file("%s/%s" % (base, name), "%s\n" % v)


def part_name(disk, i):
    return "%sp%d" % (disk, i) if disk[-1].isdigit() else "%s%d" % (disk, i)


# ---------------------------------------------------------------------------
# Output

class Writer:
    def __init__(self, root):
        self.root = root
        self.dirs = set()

    def mkdir(self, rel):
        if rel in self.dirs:
            return
        os.makedirs(os.path.join(self.root, rel), exist_ok=True)
        while rel and rel not in self.dirs:
            self.dirs.add(rel)
            rel = rel.rsplit("/", 1)[0] if "/" in rel else ""

    def file(self, rel, data):
        d = rel.rsplit("/", 1)[0]
        if d not in self.dirs:
            self.mkdir(d)
        if isinstance(data, str):
            data = data.encode()
        fd = os.open(os.path.join(self.root, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def link(self, rel, target_rel):
        """Symlink ROOT/rel -> ROOT/target_rel, written the way sysfs writes it."""
        d = rel.rsplit("/", 1)[0]
        if d not in self.dirs:
            self.mkdir(d)
        os.symlink(kernel_link(d, target_rel), os.path.join(self.root, rel))

    def plain_link(self, rel, text):
        d = rel.rsplit("/", 1)[0]
        if d not in self.dirs:
            self.mkdir(d)
        os.symlink(text, os.path.join(self.root, rel))


def config_space(f):
    cfg = bytearray(256)
    has_io = any(k == "io" for _, k in f.bars.values())
    has_mem = bool(f.rom) or any(k != "io" for _, k in f.bars.values())
    if f.is_bridge:
        has_io = has_io or bool(f.windows["io"][0])
        has_mem = has_mem or bool(f.windows["mem"][0] or f.windows["pref"][0])
    cmd = (0x1 if has_io else 0) | (0x2 if has_mem else 0)
    if f.is_bridge:
        cmd |= 0x4 | 0x100                       # bus master, SERR#
    elif f.driver:
        cmd |= 0x4 | 0x400                       # bus master, INTx off (MSI in use)
    htype = (1 if f.is_bridge else 0) | (0x80 if f.multifunction else 0)
    struct.pack_into("<HHHHI", cfg, 0, f.vendor, f.device, cmd, 0x0000, (f.cls << 8) | f.rev)
    struct.pack_into("<BBBB", cfg, 0x0c, 0x10 if (cmd & 0x4) else 0, 0, htype, 0)
    for idx, (size, kind) in f.bars.items():
        addr = f.bar_addr.get(idx, 0)
        struct.pack_into("<I", cfg, 0x10 + 4 * idx, (addr & 0xffffffff) | BAR_REG_BITS[kind])
        if kind in ("mem64", "pref64"):
            struct.pack_into("<I", cfg, 0x14 + 4 * idx, addr >> 32)
    irq_line = f.irq if f.irq < 0xff else 0xff
    if not f.is_bridge:
        struct.pack_into("<HH", cfg, 0x2c, f.svendor, f.sdevice)
        if f.rom:
            struct.pack_into("<I", cfg, 0x30, f.rom_addr)       # enable bit off: [disabled]
        struct.pack_into("<BB", cfg, 0x3c, irq_line if f.pin else 0, f.pin)
        return with_capabilities(f, cfg)
    struct.pack_into("<BBBB", cfg, 0x18, f.bus, f.sec, f.sub, 0)
    size, _, base = win(f, "io")
    if size:
        lim = base + size - 1
        struct.pack_into("<BB", cfg, 0x1c, ((base >> 8) & 0xf0) | 1, ((lim >> 8) & 0xf0) | 1)
        struct.pack_into("<HH", cfg, 0x30, base >> 16, lim >> 16)
    else:
        struct.pack_into("<BB", cfg, 0x1c, 0xf1, 0x01)
    size, _, base = win(f, "mem")
    if size:
        struct.pack_into("<HH", cfg, 0x20, (base >> 16) & 0xfff0, ((base + size - 1) >> 16) & 0xfff0)
    else:
        struct.pack_into("<HH", cfg, 0x20, 0xfff0, 0x0000)
    size, _, base = win(f, "pref")
    if size:
        lim = base + size - 1
        struct.pack_into("<HHII", cfg, 0x24, ((base >> 16) & 0xfff0) | 1, ((lim >> 16) & 0xfff0) | 1,
                         base >> 32, lim >> 32)
    else:
        struct.pack_into("<HHII", cfg, 0x24, 0xfff1, 0x0001, 0, 0)
    if f.rom:
        struct.pack_into("<I", cfg, 0x38, f.rom_addr)
    bctl = 0x0002 | (0x0008 if f.vga_path else 0)             # SERR#, VGA enable
    struct.pack_into("<BBH", cfg, 0x3c, irq_line if f.pin else 0, f.pin, bctl)
    return with_capabilities(f, cfg)


def with_capabilities(f, cfg):
    """A PCIe function's capabilities, as vfioplan reads them through libpci: PM at 0x40 (No_Soft_Reset set
    unless pmreset: most PCIe functions have it), PCI Express at 0x50 (port type, FLR in DevCap), and the
    extended ones from 0x100 (ACS, SR-IOV). Its config file is 4096 bytes, as sysfs shows a PCIe function's;
    a conventional function keeps 256 bytes and no capability list."""
    if f.pcie is None:
        return bytes(cfg)
    cfg = cfg + bytearray(4096 - len(cfg))
    struct.pack_into("<H", cfg, 0x06, 0x0010)                  # status: capability list
    cfg[0x34] = 0x40
    struct.pack_into("<BBHH", cfg, 0x40, 0x01, 0x50, 0x0003, 0x0000 if f.pmreset else 0x0008)
    struct.pack_into("<BBHI", cfg, 0x50, 0x10, 0x00, f.pcie << 4 | 0x2, 0x10000000 if f.flr else 0)
    ext = []
    if f.acs:
        ext.append((0x000d, struct.pack("<HH", 0x005f, 0x001d)))  # ACS: SV RR CR UF TB supported; enabled
    if f.sriov is not None:
        total, offset, stride, vf_device, _ = f.sriov
        num = len(f.vfs)
        body = bytearray(0x3c)
        struct.pack_into("<IHH", body, 0x00, 0x00000000, 0x0019 if num else 0, 0)  # cap, ctrl (VFE MSE ARI)
        struct.pack_into("<HHHBBHHHH", body, 0x08, total, total, num, 0, 0, offset, stride, 0, vf_device)
        ext.append((0x0010, bytes(body)))
    where = 0x100
    for i, (cap_id, body) in enumerate(ext):
        nxt = where + 4 + len(body) if i + 1 < len(ext) else 0
        nxt = (nxt + 3) & ~3
        struct.pack_into("<I", cfg, where, cap_id | 1 << 16 | nxt << 20)
        cfg[where + 4:where + 4 + len(body)] = body
        where = nxt
    return bytes(cfg)


def win(f, w):
    t = f.windows.get(w, (0, 0))
    return t if len(t) == 3 else (0, 0, 0)


def resource_file(f):
    lines = []
    nbars = 2 if f.is_bridge else 6
    for i in range(6):
        if i in f.bars and i < nbars:
            size, kind = f.bars[i]
            a = f.bar_addr.get(i, 0)
            lines.append((a, a + size - 1, BAR_FLAGS[kind]))
        else:
            lines.append((0, 0, 0))
    if f.rom:
        lines.append((f.rom_addr, f.rom_addr + f.rom - 1, ROM_FLAGS))
    else:
        lines.append((0, 0, 0))
    lines.extend([(0, 0, 0)] * 6)                 # SR-IOV resources (CONFIG_PCI_IOV=y)
    if f.is_bridge:
        for w in ("io", "mem", "pref"):
            size, _, base = win(f, w)
            lines.append((base, base + size - 1, WIN_FLAGS[w]) if size else (0, 0, 0))
        lines.append((0, 0, 0))                   # 4th window: CardBus only
    return "".join("0x%016x 0x%016x 0x%016x\n" % l for l in lines)


def uevent(f):
    text = ""
    if f.driver:
        text += "DRIVER=%s\n" % f.driver
    text += "PCI_CLASS=%X\n" % f.cls
    text += "PCI_ID=%04X:%04X\n" % (f.vendor, f.device)
    text += "PCI_SUBSYS_ID=%04X:%04X\n" % (f.svendor, f.sdevice)
    text += "PCI_SLOT_NAME=%s\n" % f.addr
    text += "MODALIAS=%s\n" % modalias(f)
    return text


def modalias(f):
    return "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" % (
        f.vendor, f.device, f.svendor, f.sdevice, f.cls >> 16, (f.cls >> 8) & 0xff, f.cls & 0xff)


def cpu_topology(cpu):
    """Linux numbering: first thread of every core on every socket, then the siblings."""
    s, c, t = cpu["sockets"], cpu["cores"], cpu["threads"]
    out = []
    for thread in range(t):
        for sock in range(s):
            for core in range(c):
                out.append((sock, core, thread))
    return out


def write_tree(host, out, names_path, warn_names):
    w = Writer(out)
    fns = host.functions
    order = sorted(fns)
    cpu = host.cpu
    topo = cpu_topology(cpu)
    node_cpus = {}
    for n, (sock, _, _) in enumerate(topo):
        node_cpus.setdefault(sock, []).append(n)
    all_cpus = cpulist(range(len(topo)))
    local = {node: cpulist(c) for node, c in node_cpus.items()}
    iommu_on = any(f.group is not None for f in fns.values())
    drivers = sorted({f.driver for f in fns.values() if f.driver} | set(host.extra_drivers)
                     | ({"vfio-pci"} if running_kernel(host)[2] == "builtin" else set()))

    # root bus directories (a root bus dir holds at least one function)
    for k in order:
        f = fns[k]
        if f.parent is None or not f.parent.is_bridge:
            rootdir = f.path.rsplit("/", 1)[0]
            if rootdir not in w.dirs:
                w.file(rootdir + "/uevent", "")

    for k in order:
        f = fns[k]
        p = f.path
        w.mkdir(p)
        w.file(p + "/vendor", "0x%04x\n" % f.vendor)
        w.file(p + "/device", "0x%04x\n" % f.device)
        w.file(p + "/subsystem_vendor", "0x%04x\n" % f.svendor)
        w.file(p + "/subsystem_device", "0x%04x\n" % f.sdevice)
        w.file(p + "/class", "0x%06x\n" % f.cls)
        w.file(p + "/revision", "0x%02x\n" % f.rev)
        w.file(p + "/irq", "%d\n" % f.irq)
        w.file(p + "/numa_node", "%d\n" % f.numa)
        w.file(p + "/local_cpulist", (local.get(f.numa, all_cpus) if f.numa >= 0 else all_cpus) + "\n")
        w.file(p + "/enable", "1\n" if (f.driver or f.is_bridge) else "0\n")
        w.file(p + "/driver_override", "(null)\n")
        w.file(p + "/resource", resource_file(f))
        w.file(p + "/config", config_space(f))
        w.file(p + "/uevent", uevent(f))
        w.file(p + "/modalias", modalias(f) + "\n")
        if (f.cls >> 8) == CLASS_VGA:
            w.file(p + "/boot_vga", "1\n" if f.boot_vga else "0\n")
        methods = reset_methods(host, f)
        if methods and kernel_at_least(running_kernel(host)[0], 5, 15):
            w.file(p + "/reset_method", " ".join(methods) + "\n")
        if f.sriov is not None:
            total, offset, stride, vf_device, _ = f.sriov
            for name, value in (("sriov_totalvfs", "%d" % total), ("sriov_numvfs", "%d" % len(f.vfs)),
                                ("sriov_offset", "%d" % offset), ("sriov_stride", "%d" % stride),
                                ("sriov_vf_device", "%x" % vf_device), ("sriov_drivers_autoprobe", "1")):
                w.file(p + "/" + name, value + "\n")
        w.link(p + "/subsystem", "sys/bus/pci")
        w.link("sys/bus/pci/devices/" + f.addr, p)
        if f.driver:
            w.link(p + "/driver", "sys/bus/pci/drivers/" + f.driver)
            w.link("sys/bus/pci/drivers/%s/%s" % (f.driver, f.addr), p)
        if f.group is not None:
            g = "sys/kernel/iommu_groups/%d" % f.group
            w.link(p + "/iommu_group", g)
            w.link("%s/devices/%s" % (g, f.addr), p)
    for k in order:
        f = fns[k]
        for index, vf in f.vfs:
            w.link("%s/virtfn%d" % (f.path, index), vf.path)
            w.link(vf.path + "/physfn", f.path)
    builtin = VFIO_MODULES if running_kernel(host)[2] == "builtin" else set()
    modules = {}
    for d in drivers:
        base = "sys/bus/pci/drivers/" + d
        for name in ("bind", "unbind", "new_id", "remove_id", "uevent"):
            w.file(base + "/" + name, "")
        mod = host.driver_modules.get(d, DRIVER_MODULE.get(d, d.replace("-", "_")))
        if mod:
            w.link(base + "/module", "sys/module/" + mod)
            modules[mod] = mod in builtin
    for mod in sorted(modules):
        # A loadable module has initstate; a built-in one has only what its
        # parameters put there.
        if modules[mod]:
            w.file("sys/module/%s/parameters/ids" % mod, "\n")
        else:
            w.file("sys/module/%s/initstate" % mod, "live\n")
    w.file("sys/bus/pci/drivers_autoprobe", "1\n")
    w.file("sys/bus/pci/rescan", "")
    w.mkdir("sys/kernel/iommu_groups")
    if iommu_on:
        gtype = group_type(host.cmdline)
        for gnum in sorted({f.group for f in fns.values() if f.group is not None}):
            g = "sys/kernel/iommu_groups/%d" % gnum
            w.file(g + "/type", gtype + "\n")
            w.file(g + "/reserved_regions", "0x00000000fee00000 0x00000000feefffff msi\n")

    write_block(host, w)
    write_net(host, w)
    write_firmware(host, w)
    write_proc(host, w, topo)
    write_cpus(host, w, topo)
    write_memory(host, w)
    write_etc(host, w)
    write_modules(host, w)
    write_boot(host, w)
    write_files(host, w)
    for path, size in host.roms:
        w.file(path, b"\x55\xaa" + b"\0" * (size - 2))   # an option ROM starts 55 AA
    write_names(host, w, names_path, warn_names)


def kernel_at_least(version, major, minor):
    m = re.match(r"^(\d+)\.(\d+)", version)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (major, minor)


def reset_methods(host, f):
    """What reset_method shows (Linux 5.15 and later): flr with FLR, pm with a PM capability that resets
    (No_Soft_Reset clear), bus when the function is alone on the bus below its bridge
    (pci_parent_bus_reset)."""
    if f.is_bridge:
        return []
    out = []
    if f.flr:
        out.append("flr")
    if f.pcie is not None and f.pmreset:
        out.append("pm")
    p = f.parent
    if p is not None and p.is_bridge and len([c for c in p.children if c.bus == f.bus]) == 1:
        out.append("bus")
    return out


def running_kernel(host):
    return [k for k in host.kernels if k[1]][0]


def group_type(cmdline):
    args = cmdline.split()
    if "iommu=pt" in args or "iommu.passthrough=1" in args:
        return "identity"
    if "iommu.strict=1" in args or "intel_iommu=strict" in args:
        return "DMA"
    return "DMA-FQ"


def write_block(host, w):
    fns = host.functions
    minors = {NVME_MAJOR: 0}
    sd_index = 0
    part_dirs = {}
    controllers = set()
    for d in host.disks:
        f = fns[d["key"]]
        name = d["name"]
        if d["kind"] == "nvme":
            ctrl = "nvme" + re.match(r"^nvme(\d+)", name).group(1)
            cdir = "%s/nvme/%s" % (f.path, ctrl)
            if cdir not in controllers:
                controllers.add(cdir)
                w.file(cdir + "/dev", "%d:%d\n" % (239, int(ctrl[4:])))
                w.file(cdir + "/address", f.addr + "\n")
                w.file(cdir + "/model", "%-40s\n" % (d["model"] or "NVMe SSD"))
                w.file(cdir + "/transport", "pcie\n")
                w.link(cdir + "/device", f.path)
                w.link("sys/class/nvme/" + ctrl, cdir)
            ddir = "%s/%s" % (cdir, name)
            major = NVME_MAJOR
            minor = minors[NVME_MAJOR]
            minors[NVME_MAJOR] += 1
            w.link(ddir + "/device", cdir)
        else:
            port = d["port"]
            scsi = "%d:0:0:0" % (port - 1)
            sdir = "%s/ata%d/host%d/target%d:0:0/%s" % (f.path, port, port - 1, port - 1, scsi)
            w.file(sdir + "/model", "%-16s\n" % (d["model"] or "SATA SSD")[:16])
            w.file(sdir + "/vendor", "ATA     \n")
            ddir = "%s/block/%s" % (sdir, name)
            major = SD_MAJOR
            minor = sd_index * 16
            sd_index += 1
            w.link(ddir + "/device", sdir)
        w.file(ddir + "/dev", "%d:%d\n" % (major, minor))
        w.file(ddir + "/removable", "0\n")
        w.link("sys/class/block/" + name, ddir)
        w.link("sys/block/" + name, ddir)
        w.link("sys/dev/block/%d:%d" % (major, minor), ddir)
        part_dirs[name] = ddir
        for i in range(1, d["parts"] + 1):
            pname = part_name(name, i)
            if major == NVME_MAJOR:
                pminor = minors[NVME_MAJOR]
                minors[NVME_MAJOR] += 1
            else:
                pminor = minor + i
            pdir = "%s/%s" % (ddir, pname)
            w.file(pdir + "/dev", "%d:%d\n" % (major, pminor))
            w.file(pdir + "/partition", "%d\n" % i)
            w.link("sys/class/block/" + pname, pdir)
            w.link("sys/dev/block/%d:%d" % (major, pminor), pdir)
            part_dirs[pname] = pdir
    for dm in sorted(host.dms, key=lambda d: int(d["name"][3:])):
        num = int(dm["name"][3:])
        ddir = "sys/devices/virtual/block/" + dm["name"]
        w.file(ddir + "/dev", "%d:%d\n" % (DM_MAJOR, num))
        w.file(ddir + "/removable", "0\n")
        w.file(ddir + "/dm/name", dm["dmname"] + "\n")
        uuid = hashlib.sha256(dm["dmname"].encode()).hexdigest()[:64]
        w.file(ddir + "/dm/uuid", "LVM-%s\n" % uuid)
        w.file(ddir + "/dm/suspended", "0\n")
        for s in dm["slaves"]:
            sdir = part_dirs[s] if s in part_dirs else "sys/devices/virtual/block/" + s
            w.link("%s/slaves/%s" % (ddir, s), sdir)
            w.link("%s/holders/%s" % (sdir, dm["name"]), ddir)
        w.link("sys/class/block/" + dm["name"], ddir)
        w.link("sys/block/" + dm["name"], ddir)
        w.link("sys/dev/block/%d:%d" % (DM_MAJOR, num), ddir)
        part_dirs[dm["name"]] = ddir


def write_net(host, w):
    fns = host.functions
    lo = "sys/devices/virtual/net/lo"
    net_files(w, lo, "00:00:00:00:00:00", 772, 1, "unknown", 65536)
    w.link("sys/class/net/lo", lo)
    for i, n in enumerate(host.nets):
        f = fns[n["key"]]
        ndir = "%s/net/%s" % (f.path, n["name"])
        if n["type"] == "ib":
            guid = hashlib.sha256(f.addr.encode()).digest()[:8]
            mac = n["mac"] or ("00:00:10:87:fe:80:00:00:00:00:00:00:" + ":".join("%02x" % b for b in guid))
            arptype, mtu = 32, 4092
        else:
            mac = n["mac"] or "02:00:%02x:%02x:%02x:%02x" % (f.dom & 0xff, f.bus, f.dev, f.fn)
            arptype, mtu = 1, 1500
        state = "up" if n["ip"] else "down"
        net_files(w, ndir, mac, arptype, i + 2, state, mtu)
        w.link(ndir + "/device", f.path)
        w.link("sys/class/net/" + n["name"], ndir)
    # stacked interfaces (bridge, bond, vlan): virtual devices linking their lower
    # devices as lower_NAME, and each lower back as upper_NAME, as the kernel does
    dirs = {n["name"]: "%s/net/%s" % (fns[n["key"]].path, n["name"]) for n in host.nets}
    for k, st in enumerate(host.netstacks):
        vdir = "sys/devices/virtual/net/" + st["name"]
        dirs[st["name"]] = vdir
    for k, st in enumerate(host.netstacks):
        vdir = dirs[st["name"]]
        net_files(w, vdir, "02:00:00:00:%02x:%02x" % (k >> 8 & 0xff, k & 0xff), 1, len(host.nets) + k + 2, "up", 1500)
        w.link("sys/class/net/" + st["name"], vdir)
        for lower in st["lowers"]:
            if lower not in dirs:
                raise TableError("netstack %s: no interface %s (line %d)" % (st["name"], lower, st["line"]))
            w.link(vdir + "/lower_" + lower, dirs[lower])
            w.link(dirs[lower] + "/upper_" + st["name"], vdir)
    # /proc/net/route: header and rows padded to 127 columns (fib_route_seq_show)
    rows = []
    for r in host.routes:
        gw = r["gw"]
        rows.append((0, r["dev"], 0, gw[0] | gw[1] << 8 | gw[2] << 16 | gw[3] << 24, 0x0003,
                     r["metric"], 0))
    metric_of = {r["dev"]: r["metric"] for r in host.routes}
    for n in host.nets:
        if n["ip"]:
            ip, plen = n["ip"]
            mask = (0xffffffff << (32 - plen)) & 0xffffffff if plen else 0
            net = (ip[0] << 24 | ip[1] << 16 | ip[2] << 8 | ip[3]) & mask
            le = lambda v: int.from_bytes(v.to_bytes(4, "big"), "little")
            rows.append((1, n["name"], le(net), 0, 0x0001, metric_of.get(n["name"], 0), le(mask)))
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    text = "%-127s\n" % "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
    for _, dev, dest, gw, flags, metric, mask in rows:
        text += "%-127s\n" % ("%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u"
                              % (dev, dest, gw, flags, 0, 0, metric, mask, 0, 0, 0))
    w.file("proc/net/route", text)


def net_files(w, ndir, mac, arptype, ifindex, state, mtu):
    w.file(ndir + "/address", mac + "\n")
    w.file(ndir + "/type", "%d\n" % arptype)
    w.file(ndir + "/ifindex", "%d\n" % ifindex)
    w.file(ndir + "/operstate", state + "\n")
    w.file(ndir + "/mtu", "%d\n" % mtu)


def write_firmware(host, w):
    kind, sb = host.firmware
    if kind != "uefi":
        return
    w.file("sys/firmware/efi/fw_platform_size", "64\n")
    if sb != "absent":
        val = b"\x06\x00\x00\x00" + (b"\x01" if sb == "on" else b"\x00")
        w.file("sys/firmware/efi/efivars/SecureBoot-" + EFI_GLOBAL, val)
        w.file("sys/firmware/efi/efivars/SetupMode-" + EFI_GLOBAL, b"\x06\x00\x00\x00\x00")
    else:
        w.mkdir("sys/firmware/efi/efivars")


def write_proc(host, w, topo):
    cpu = host.cpu
    ver = running_kernel(host)[0]
    w.file("proc/cmdline", host.cmdline + "\n")
    w.file("proc/sys/kernel/osrelease", ver + "\n")
    w.file("proc/sys/kernel/hostname", hostname(host) + "\n")
    flags = CPU_FLAGS[cpu["vendor"]].split()
    if cpu["virt"] == "off":
        flags = [x for x in flags if x not in VIRT_FLAGS]
    if cpu["pdpe1gb"] == "off":
        flags = [x for x in flags if x != "pdpe1gb"]
    flags = " ".join(flags)
    per_socket = cpu["cores"] * cpu["threads"]
    stanzas = []
    for n, (sock, core, thread) in enumerate(topo):
        apic = sock * 256 + core * 2 + thread
        s = ("processor\t: %d\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\n"
             "model name\t: %s\nstepping\t: %d\nmicrocode\t: 0x%x\ncpu MHz\t\t: %d.000\n"
             "cache size\t: %d KB\nphysical id\t: %d\nsiblings\t: %d\ncore id\t\t: %d\n"
             "cpu cores\t: %d\napicid\t\t: %d\ninitial apicid\t: %d\nfpu\t\t: yes\n"
             "fpu_exception\t: yes\ncpuid level\t: %d\nwp\t\t: yes\nflags\t\t: %s\n"
             % (n, CPU_VENDOR_ID[cpu["vendor"]], cpu["family"], cpu["model"], cpu["name"],
                cpu["stepping"], 0x2b000590 if cpu["vendor"] == "intel" else 0xa101148,
                cpu["mhz"], 1024 if cpu["vendor"] == "amd" else 1920 * cpu["cores"],
                sock, per_socket, core, cpu["cores"], apic, apic,
                32 if cpu["vendor"] == "intel" else 16, flags))
        if cpu["vendor"] == "intel" and cpu["virt"] == "on":
            s += ("vmx flags\t: vnmi preemption_timer posted_intr invvpid ept_x_only ept_ad "
                  "ept_1gb flexpriority apicv tsc_offset vtpr mtf vapic ept vpid "
                  "unrestricted_guest vapic_reg vid ple shadow_vmcs pml ept_mode_based_exec "
                  "tsc_scaling usr_wait_pause notify_vm_exiting ipi_virt\n")
        s += ("bugs\t\t: %s\nbogomips\t: %d.00\n" % (
            "spectre_v1 spectre_v2 spec_store_bypass swapgs eibrs_pbrsb" if cpu["vendor"] == "intel"
            else "sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass srso", cpu["mhz"] * 2))
        if cpu["vendor"] == "amd":
            s += "TLB size\t: 3584 4K pages\n"
        s += ("clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: %s\n"
              "power management:%s\n\n" % (
                  "46 bits physical, 57 bits virtual" if cpu["vendor"] == "intel"
                  else "52 bits physical, 57 bits virtual",
                  "" if cpu["vendor"] == "intel" else " ts ttp tm hwpstate cpb eff_freq_ro [13] [14]"))
        stanzas.append(s)
    w.file("proc/cpuinfo", "".join(stanzas))
    # /proc/mounts: the usual pseudo file systems around the table's mounts
    lines = ["sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
             "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
             "udev /dev devtmpfs rw,nosuid,relatime,mode=755,inode64 0 0",
             "devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000 0 0",
             "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,mode=755,inode64 0 0"]
    mounts = sorted(host.mounts, key=lambda m: (m["point"].count("/") if m["point"] != "/" else 0,
                                                m["point"]))
    root = [m for m in mounts if m["point"] == "/"]
    rest = [m for m in mounts if m["point"] != "/"]
    for m in root:
        lines.append(mount_line(m))
    lines += ["securityfs /sys/kernel/security securityfs rw,nosuid,nodev,noexec,relatime 0 0",
              "tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0",
              "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,"
              "memory_recursiveprot 0 0"]
    if host.firmware[0] == "uefi":
        lines.append("efivarfs /sys/firmware/efi/efivars efivarfs rw,nosuid,nodev,noexec,relatime 0 0")
    for m in rest:
        lines.append(mount_line(m))
    w.file("proc/mounts", "\n".join(lines) + "\n")


FS_OPTIONS = {
    "ext4": "rw,relatime",
    "xfs": "rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota",
    "vfat": "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,"
            "utf8,errors=remount-ro",
    "btrfs": "rw,relatime,ssd,space_cache=v2,subvolid=256,subvol=/@",
}


def mount_line(m):
    opts = m["options"] or FS_OPTIONS.get(m["fstype"], "rw,relatime")
    return "%s %s %s %s 0 0" % (m["source"], m["point"], m["fstype"], opts)


def hostname(host):
    if host.hostname:
        return host.hostname
    return os.path.splitext(os.path.basename(host.table_path))[0]


STOCK_GRUB = {
    "debian": """# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
# For full documentation of the options in this file, see:
#   info -f grub -n 'Simple configuration'

GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX=""
""",
    "ubuntu": """# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.

GRUB_DEFAULT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Ubuntu} ) 2>/dev/null || echo Ubuntu`
GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"
GRUB_CMDLINE_LINUX=""
""",
    "arch": """# GRUB boot loader configuration

GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR="Arch"
GRUB_CMDLINE_LINUX_DEFAULT="loglevel=3 quiet"
GRUB_CMDLINE_LINUX=""

# Preload both GPT and MBR modules so that they are not missed
GRUB_PRELOAD_MODULES="part_gpt part_msdos"

GRUB_TIMEOUT_STYLE=menu
GRUB_TERMINAL_INPUT=console
GRUB_GFXMODE=auto
GRUB_GFXPAYLOAD_LINUX=keep
GRUB_DISABLE_RECOVERY=true
""",
    "rhel": """GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR="$(sed 's, release .*$,,g' /etc/system-release)"
GRUB_DEFAULT=saved
GRUB_DISABLE_SUBMENU=true
GRUB_TERMINAL_OUTPUT="console"
GRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M rhgb quiet"
GRUB_DISABLE_RECOVERY="true"
GRUB_ENABLE_BLSCFG=true
""",
}
# The lines of grub-mkconfig that read its configuration; Debian's patch adds the loop over grub.d.
GRUB_MKCONFIG = """#! /bin/sh
set -e
# A stand-in for grub-mkconfig (tests/tools/mkhost.py): the lines of the real
# script that read the configuration, as this distribution has them.
sysconfdir="/etc"
if test -f ${sysconfdir}/default/grub ; then
  . ${sysconfdir}/default/grub
fi
"""
GRUB_MKCONFIG_DEBIAN_LOOP = """for x in ${sysconfdir}/default/grub.d/*.cfg ; do
  if [ -e "${x}" ]; then
    . "${x}"
  fi
done
"""


def boot_cmdline(host):
    """The command line a bootloader's own configuration holds: /proc/cmdline without what the loader adds."""
    return " ".join(a for a in host.cmdline.split() if not a.startswith(("BOOT_IMAGE=", "initrd=")))


def write_boot(host, w):
    """The files each `boot` kind leaves, enough for vfioplan to tell the bootloader from evidence."""
    family = {"debian": "debian", "ubuntu": "ubuntu", "pop": "ubuntu", "arch": "arch"}.get(host.distro[0], "rhel")
    kernels = [k[0] for k in sorted(host.kernels)]
    name = host.distro[0]
    for kind in host.boot:
        if kind in ("grub", "grub2"):
            w.file("boot/%s/grub.cfg" % kind, "# generated by grub-mkconfig (a stand-in)\n")
            w.file("etc/default/grub", STOCK_GRUB[family])
            debian = kind == "grub" and family in ("debian", "ubuntu")
            script = GRUB_MKCONFIG + (GRUB_MKCONFIG_DEBIAN_LOOP if debian else "")
            where = {"arch": "usr/bin"}.get(family, "usr/sbin")
            w.file("%s/%s-mkconfig" % (where, kind), script)
        elif kind == "grubby":
            w.file("usr/sbin/grubby", "#!/bin/sh\n# a stand-in for grubby\nexit 0\n")
            for k in kernels:
                w.file("boot/loader/entries/0123456789abcdef0123456789abcdef-%s.conf" % k,
                       "title %s (%s)\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions %s\n"
                       % (host.distro[0], k, k, k, k, boot_cmdline(host)))
        elif kind in ("systemd-boot", "kernelstub"):
            esp = "boot" if kind == "systemd-boot" else "boot/efi"
            w.file(esp + "/EFI/systemd/systemd-bootx64.efi", b"MZ")
            w.file(esp + "/loader/loader.conf", "timeout 3\n")
            if kind == "kernelstub":
                w.file(esp + "/loader/entries/Pop_OS-current.conf",
                       "title Pop!_OS\nlinux /EFI/Pop_OS/vmlinuz.efi\ninitrd /EFI/Pop_OS/initrd.img\noptions %s\n"
                       % boot_cmdline(host))
                w.file("usr/bin/kernelstub", "#!/bin/sh\n# a stand-in for kernelstub\nexit 0\n")
                w.file("etc/kernelstub/configuration",
                       '{"user": {"kernel_options": [%s], "esp_path": "/boot/efi"}}\n'
                       % ", ".join('"%s"' % a for a in boot_cmdline(host).split()))
            else:
                for k in kernels:
                    w.file("boot/loader/entries/%s-%s.conf" % (name, k),
                           "title %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions %s\n"
                           % (name, k, k, boot_cmdline(host)))
        elif kind == "uki":
            for k in kernels:
                w.file("boot/EFI/Linux/%s-%s.efi" % (name, k), b"MZ")
        elif kind == "kernel-cmdline":
            w.file("etc/kernel/cmdline", boot_cmdline(host) + "\n")
        elif kind == "ostree":
            w.file("run/ostree-booted", "")
            w.mkdir("ostree/deploy/%s/deploy/0123456789abcdef.0" % name)
            w.file("usr/bin/rpm-ostree", "#!/bin/sh\n# a stand-in for rpm-ostree\nexit 0\n")
        elif kind == "proxmox":
            w.file("usr/sbin/proxmox-boot-tool", "#!/bin/sh\n# a stand-in for proxmox-boot-tool\nexit 0\n")
            w.file("etc/kernel/proxmox-boot-uuids", "1A2B-3C4D\n")
            w.file("etc/kernel/cmdline", boot_cmdline(host) + "\n")


def write_etc(host, w):
    w.file("usr/lib/os-release", OS_RELEASE[host.distro])
    w.plain_link("etc/os-release", "../usr/lib/os-release")
    w.file("etc/hostname", hostname(host) + "\n")


def write_files(host, w):
    """The 'file' facts, after the boot kinds' stock files: a table's own lines win (a manual /etc/default/grub)."""
    for path in sorted(host.files):
        w.file(path, "".join(line + "\n" for line in host.files[path]))


# Aliases of class-wide drivers, as the kernel's modules.alias has them (the drivers' MODULE_DEVICE_TABLEs):
# a function of these classes gets its driver after a reboot whether or not one is bound today.
GENERIC_ALIASES = [
    ("pci:v*d*sv*sd*bc0Csc03i30*", "xhci_pci"),
    ("pci:v*d*sv*sd*bc0Csc03i20*", "ehci_pci"),
    ("pci:v*d*sv*sd*bc0Csc03i10*", "ohci_pci"),
    ("pci:v*d*sv*sd*bc01sc08i02*", "nvme"),
    ("pci:v*d*sv*sd*bc01sc06i01*", "ahci"),
    ("pci:v00001002d*sv*sd*bc04sc03i00*", "snd_hda_intel"),
    ("pci:v000010DEd*sv*sd*bc04sc03i00*", "snd_hda_intel"),
    ("pci:v00008086d*sv*sd*bc04sc03i00*", "snd_hda_intel"),
    ("pci:v000010DEd*sv*sd*bc03sc*i*", "nouveau"),
    ("pci:v000012D2d*sv*sd*bc03sc*i*", "nouveau"),
]


def module_aliases(host):
    """(pattern, module, builtin) of a kernel's aliases: the class-wide ones, one per id of each function
    bound to a driver that is a module, and the table's alias lines; sorted, as depmod sorts nothing but
    determinism wants it."""
    out = {(p, m, False) for p, m in GENERIC_ALIASES}
    for f in host.functions.values():
        if not f.driver or f.driver in ("vfio-pci", "pci-stub"):
            continue
        mod = host.driver_modules.get(f.driver, DRIVER_MODULE.get(f.driver, f.driver.replace("-", "_")))
        if mod:
            out.add(("pci:v%08Xd%08Xsv*sd*bc*sc*i*" % (f.vendor, f.device), mod, False))
    out |= set(host.aliases)
    return sorted(out)


def write_modules(host, w):
    """lib/modules/KVER/{modules.builtin,modules.dep}: enough to tell built-in vfio from modular."""
    suffix = KO_SUFFIX.get("%s:%s" % host.distro, ".ko")
    for ver, running, vfio, _ in sorted(host.kernels):
        m = re.match(r"^(\d+)\.(\d+)", ver)
        kv = (int(m.group(1)), int(m.group(2))) if m else (6, 1)
        core = ["kernel/drivers/vfio/vfio.ko", "kernel/drivers/vfio/vfio_iommu_type1.ko"]
        if kv < (6, 2):
            core.append("kernel/drivers/vfio/vfio_virqfd.ko")     # folded into vfio.ko in 6.2
        pci = []
        if kv >= (5, 15):
            pci.append("kernel/drivers/vfio/pci/vfio-pci-core.ko")  # split out in 5.15
        pci.append("kernel/drivers/vfio/pci/vfio-pci.ko")
        builtin = ["kernel/drivers/acpi/button.ko", "kernel/drivers/char/tpm/tpm.ko",
                   "kernel/drivers/pci/hotplug/pciehp.ko", "kernel/drivers/usb/core/usbcore.ko"]
        builtin.append("kernel/fs/xfs/xfs.ko" if host.distro[0] == "rhel" else "kernel/fs/ext4/ext4.ko")
        if vfio == "builtin":
            builtin += core + pci
        base = "lib/modules/%s" % ver
        w.file(base + "/modules.builtin", "".join(b + "\n" for b in sorted(builtin)))
        dep = []
        if vfio == "module":
            ko = lambda p: p[:-3] + suffix
            for mod in core:
                dep.append(ko(mod) + ":")
            for i, mod in enumerate(pci):
                deps = [ko(p) for p in pci[:i]] + [ko(c) for c in core]
                dep.append(ko(mod) + ":" + "".join(" " + d for d in deps))
        w.file(base + "/modules.dep", "".join(d + "\n" for d in sorted(dep)))
        if host.kernel_aliases.get(ver, True):
            aliases = module_aliases(host)
            w.file(base + "/modules.alias", "# Aliases extracted from modules themselves.\n" +
                   "".join("alias %s %s\n" % (pat, mod) for pat, mod, bi in aliases if not bi))
            builtin_aliases = [(pat, mod) for pat, mod, bi in aliases if bi]
            if vfio == "builtin":
                builtin_aliases.append(("vfio_pci:v*d*sv*sd*bc*sc*i*", "vfio_pci"))
            w.file(base + "/modules.builtin.alias", "".join("alias %s %s\n" % a for a in builtin_aliases))


# ---------------------------------------------------------------------------
# pci.ids excerpt

def load_names(path):
    """Parse pci.ids into header lines, vendors and classes, keeping the text."""
    header, vendors, classes = [], {}, {}
    cur_v = cur_d = cur_c = cur_s = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                if not vendors and not classes:
                    header.append(line)
                continue
            try:
                if line.startswith("C "):
                    cid = int(line[2:4], 16)
                    cur_c = classes[cid] = [line, {}]
                    cur_v = None
                elif line.startswith("\t\t"):
                    if cur_v is not None:
                        sv, sd = int(line[2:6], 16), int(line[7:11], 16)
                        cur_d[1][(sv, sd)] = line
                    else:
                        cur_s[1][int(line[2:4], 16)] = line
                elif line.startswith("\t"):
                    if cur_v is not None:
                        cur_d = cur_v[1][int(line[1:5], 16)] = [line, {}]
                    else:
                        cur_s = cur_c[1][int(line[1:3], 16)] = [line, {}]
                else:
                    cur_v = vendors[int(line[0:4], 16)] = [line, {}]
                    cur_c = None
            except (ValueError, TypeError):
                raise SystemExit("mkhost: %s:%d: cannot parse names line" % (path, lineno))
    return header, vendors, classes


def write_names(host, w, names_path, warn_names):
    header, vendors, classes = load_names(names_path)
    fns = host.functions
    used_v, used_d, used_s, used_c = set(), set(), set(), set()
    for f in fns.values():
        used_v.add(f.vendor)
        used_d.add((f.vendor, f.device))
        if f.svendor:
            used_v.add(f.svendor)
            used_s.add((f.vendor, f.device, f.svendor, f.sdevice))
        used_c.add(f.cls)
    out = [h for h in header]
    out.append("")
    missing = []
    for vid in sorted(used_v):
        if vid not in vendors:
            missing.append("vendor %04x" % vid)
            continue
        vline, devs = vendors[vid]
        out.append(vline)
        for did in sorted(d for v, d in used_d if v == vid):
            if did not in devs:
                missing.append("device %04x:%04x" % (vid, did))
                continue
            dline, subs = devs[did]
            out.append(dline)
            for key in sorted((sv, sd) for v, d, sv, sd in used_s if (v, d) == (vid, did)):
                if key in subs:
                    out.append(subs[key])
    out.append("")
    out.append("# List of known device classes, subclasses and programming interfaces")
    out.append("")
    for cid in sorted({c >> 16 for c in used_c}):
        if cid not in classes:
            missing.append("class %02x" % cid)
            continue
        cline, subs = classes[cid]
        out.append(cline)
        for sid in sorted({(c >> 8) & 0xff for c in used_c if c >> 16 == cid}):
            if sid not in subs:
                missing.append("class %02x%02x" % (cid, sid))
                continue
            sline, progs = subs[sid]
            out.append(sline)
            for pid in sorted({c & 0xff for c in used_c if c >> 8 == (cid << 8 | sid)}):
                if pid in progs:
                    out.append(progs[pid])
    w.file("usr/share/misc/pci.ids", "\n".join(out) + "\n")
    if missing and warn_names:
        sys.stderr.write("mkhost: %s: no name in %s for: %s\n"
                         % (host.table_path, names_path, ", ".join(missing)))


# ---------------------------------------------------------------------------

TOP_LEVEL = {"sys", "proc", "etc", "lib", "usr", "boot", "run", "ostree"}


def prepare_outdir(out, force):
    if os.path.lexists(out) and not os.path.isdir(out):
        raise SystemExit("mkhost: %s exists and is not a directory" % out)
    if os.path.isdir(out) and os.listdir(out):
        if not force:
            raise SystemExit("mkhost: %s is not empty (use --force to replace it)" % out)
        stray = sorted(set(os.listdir(out)) - TOP_LEVEL)
        if stray:
            raise SystemExit("mkhost: refusing to replace %s: it holds %s, which mkhost does not "
                             "write" % (out, ", ".join(stray)))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a sysfs-shaped host root from a host table.")
    ap.add_argument("table")
    ap.add_argument("outdir")
    ap.add_argument("--force", action="store_true", help="replace a non-empty OUTDIR written by mkhost")
    ap.add_argument("--names", default=DEFAULT_NAMES, help="pci.ids to take names from "
                    "(default: pci.ids beside this script)")
    ap.add_argument("--warn-names", action="store_true", help="list ids that have no name in the "
                    "names file on stderr")
    args = ap.parse_args(argv)

    host = parse_table(args.table)
    if not host.errors:
        try:
            resolve(host)
        except TableError:
            pass
    if host.errors:
        sys.stderr.write("".join(e + "\n" for e in host.errors))
        return 1
    out = args.outdir.rstrip("/") or "/"
    prepare_outdir(out, args.force)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, ".%s.mkhost-%d" % (os.path.basename(os.path.abspath(out)), os.getpid()))
    if os.path.lexists(tmp):
        shutil.rmtree(tmp)
    os.mkdir(tmp)
    try:
        write_tree(host, tmp, args.names, args.warn_names)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if os.path.isdir(out):
        old = tmp + ".old"
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old)
    else:
        os.rename(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
