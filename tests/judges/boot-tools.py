#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The command line reaches the kernel through each distribution's own tool:

1. Arch with GRUB (tests/hosts/arch-grub.table, upstream grub-mkconfig): apply
   onto a root holding Arch's stock /etc/default/grub puts vfioplan's block at
   its end; the real grub-mkconfig's lines that read the configuration (Debian's
   grub-common, its grub.d loop taken out: upstream's) then give the linux line
   Arch's own arguments and each of vfioplan's once; a second apply changes
   nothing; a spec that needs no argument takes the block out and leaves the file
   byte for byte as it was.
2. Debian with GRUB (tests/hosts/tiny.table): the arguments go to a grub.d
   drop-in, which Debian's grub-mkconfig reads and upstream's would not, and
   /etc/default/grub is not touched.
3. Arch with systemd-boot (tests/hosts/arch.table): the script vfioplan writes is
   run against a scratch ESP and /etc/kernel/cmdline (judge.py's judge_sdboot),
   after an apply, and with the record of an earlier apply it removes only the
   argument vfioplan added and the spec dropped.

usage: boot-tools.py --vfioplan PATH
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TESTS, "tools"))
import judge  # noqa: E402
import mkhost  # noqa: E402

SPEC = """apiVersion: vfioplan/v1
host:
  name: %s
  kernel_args: [%s]
vms:
  - name: vm1
    vcpus: 4
    memory: 8GiB
    devices:
      - address: "%s"
%s"""


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True)


NO_DEVICES = """apiVersion: vfioplan/v1
host:
  name: %s
vms:
  - name: vm1
    vcpus: 4
    memory: 8GiB
    allow_no_devices: true
"""


def tree(table, tmp):
    out = os.path.join(tmp, os.path.basename(table)[:-len(".table")])
    subprocess.run([sys.executable, os.path.join(TESTS, "tools", "mkhost.py"), table, out], check=True)
    return out


def kernel_args(vfioplan, spec, host):
    r = run([vfioplan, "check", spec, "--host", host, "--format", "json"])
    return json.loads(r.stdout)["plan"]["kernel_args"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfioplan", required=True)
    vfioplan = ap.parse_args().vfioplan
    problems = []
    with tempfile.TemporaryDirectory(prefix="vp-boot-") as tmp:
        # 1. Arch, GRUB
        host = tree(os.path.join(TESTS, "hosts", "arch-grub.table"), tmp)
        root = os.path.join(tmp, "arch-root")
        os.makedirs(os.path.join(root, "etc", "default"))
        stock = mkhost.STOCK_GRUB["arch"]
        open(os.path.join(root, "etc/default/grub"), "w").write(stock)
        spec = os.path.join(tmp, "arch.yaml")
        open(spec, "w").write(SPEC % ("archgrub", "iommu=pt, pcie_aspm=off", "0000:03:00", "        allow_host_critical: true\n"))
        want = kernel_args(vfioplan, spec, host)
        for attempt in (1, 2):
            r = run([vfioplan, "apply", spec, "--host", host, "--root", root, "--no-actions"])
            if r.returncode != 0:
                problems.append("arch apply %d: exit %d %s" % (attempt, r.returncode, r.stderr))
        # --no-actions leaves the actions pending (they stay until an apply runs them): no file may change
        if any(w in r.stdout for w in ("created", "changed", "edited", "removed")):
            problems.append("arch: the second apply changed something: %s" % r.stdout)
        rc, cmdline, err = judge.grub_mkconfig_cmdline(os.path.join(root, "etc"), upstream=True)
        words = cmdline.split()
        if rc or err or words[:2] != ["loglevel=3", "quiet"] or any(words.count(a) != 1 for a in want):
            problems.append("arch: upstream grub-mkconfig gives %r for %r (%s)" % (cmdline, want, err))
        if not open(os.path.join(root, "etc/default/grub")).read().startswith(stock):
            problems.append("arch: Arch's own lines of /etc/default/grub changed")
        # the block goes once the spec needs no argument (no device, so no binding and no boot token, on an AMD
        # host: no argument at all)
        open(spec, "w").write(NO_DEVICES % "archgrub")
        r = run([vfioplan, "apply", spec, "--host", host, "--root", root, "--no-actions"])
        if r.returncode != 0 or open(os.path.join(root, "etc/default/grub")).read() != stock:
            problems.append("arch: the block was not taken out cleanly (exit %d):\n%s" %
                            (r.returncode, open(os.path.join(root, "etc/default/grub")).read()[-600:]))
        if not os.path.exists(os.path.join(root, "var/backups/vfioplan/etc/default/grub")):
            problems.append("arch: no backup of /etc/default/grub")

        # 2. Debian, GRUB: a drop-in only Debian's grub-mkconfig reads
        host = tree(os.path.join(TESTS, "hosts", "tiny.table"), tmp)
        root = os.path.join(tmp, "debian-root")
        os.makedirs(os.path.join(root, "etc", "default"))
        open(os.path.join(root, "etc/default/grub"), "w").write(mkhost.STOCK_GRUB["debian"])
        spec = os.path.join(tmp, "debian.yaml")
        open(spec, "w").write(SPEC % ("tiny", "iommu=pt", "0000:01:00", ""))
        want = kernel_args(vfioplan, spec, host)
        r = run([vfioplan, "apply", spec, "--host", host, "--root", root, "--no-actions"])
        debian = judge.grub_mkconfig_cmdline(os.path.join(root, "etc"), upstream=False)[1].split()
        upstream = judge.grub_mkconfig_cmdline(os.path.join(root, "etc"), upstream=True)[1].split()
        if r.returncode != 0 or any(debian.count(a) != 1 for a in want) or any(a in upstream for a in want):
            problems.append("debian: Debian's grub-mkconfig gives %r, upstream's %r, for %r" % (debian, upstream, want))
        if open(os.path.join(root, "etc/default/grub")).read() != mkhost.STOCK_GRUB["debian"]:
            problems.append("debian: /etc/default/grub was touched")

        # 3. Arch, systemd-boot: the script as the tools read its result, and removal of only what vfioplan added
        host = tree(os.path.join(TESTS, "hosts", "arch.table"), tmp)
        root = os.path.join(tmp, "sdboot-root")
        os.makedirs(root)
        spec = os.path.join(tmp, "sdboot.yaml")
        open(spec, "w").write(SPEC % ("archbox", "iommu=pt", "0000:00:14.0", ""))
        r = run([vfioplan, "apply", spec, "--host", host, "--root", root, "--no-actions"])
        script = os.path.join(root, "usr/libexec/vfioplan/sdboot")
        before = len(judge.failures)
        judge.judge_sdboot(root, "usr/libexec/vfioplan/sdboot", script)
        if r.returncode != 0 or len(judge.failures) != before:
            problems.append("sdboot: %s %s" % (r.stderr, judge.failures[before:]))
        open(spec, "w").write(SPEC % ("archbox", "", "0000:00:14.0", ""))
        r = run([vfioplan, "plan", spec, "--host", host, "--root", root])
        if "/usr/libexec/vfioplan/sdboot --remove iommu=pt\n" not in r.stdout:
            problems.append("sdboot: no removal of iommu=pt once the spec drops it:\n%s" % r.stdout[-800:])
    for p in problems:
        print("FAIL " + p)
    print("boot tools: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
