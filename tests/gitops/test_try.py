#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""vfioplan try with the real binary under a --root: the new configuration
for one boot (the default entry's drop-in untouched, a GRUB entry of its own,
grub-reboot), then --confirm, --cancel or --finish (by the running boot's
command line and verify's checks), the refusals, history and rollback. The
entry script runs under Debian's real grub-mkconfig_lib and shellcheck.
Actions run through a chroot stub that logs them.
Run: test_try.py VFIOPLAN (VFIOPLAN_WRAPPER wraps it)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_workflow as wf  # noqa: E402

from test_workflow import REPO, read, tree  # noqa: E402

BASE = read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml"))
# the tried change: a kernel argument more (the drop-in changes) and 6 vCPUs (the domain changes)
TRIED = BASE.replace("  iommu: {passthrough: true}\n", "  iommu: {passthrough: true}\n  kernel_args: [video=efifb:off]\n") \
            .replace("vcpus: 8", "vcpus: 6")
DROPIN = "etc/default/grub.d/vfioplan.cfg"
ENTRY = "etc/grub.d/42_vfioplan-try"
MARKER = "var/lib/vfioplan/try"
XML = "etc/vfioplan/vms/gamer.xml"


class Try(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vp-try-")
        self.stubs = os.path.join(self.tmp, "stubs")
        os.mkdir(self.stubs)
        self.log = os.path.join(self.tmp, "actions.log")
        with open(os.path.join(self.stubs, "chroot"), "w") as f:
            f.write('#!/bin/sh\nshift 2\necho "$*" >> "%s"\nexit 0\n' % self.log)
        os.chmod(os.path.join(self.stubs, "chroot"), 0o755)
        self.env = {"PATH": self.stubs + ":" + os.environ["PATH"]}
        self.root = os.path.join(self.tmp, "root")
        wf.mkhost(os.path.join(REPO, "tests/hosts/tiny.table"), self.root)
        self.spec_path = os.path.join(self.tmp, "spec.yaml")
        self.spec(BASE)
        r = self.vp("apply", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.actions()
        self.before = self.ours()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def spec(self, text):
        with open(self.spec_path, "w") as f:
            f.write(text)

    def vp(self, *args):
        return wf.vp(*args, env=self.env)

    def try_(self, *extra):
        return self.vp("try", self.spec_path, "--host", self.root, "--root", self.root, *extra)

    def actions(self):
        return wf.take_lines(self.log)

    def ours(self):
        """vfioplan's files under the root, without its state"""
        return {p: v for p, v in tree(self.root).items()
                if v[1] is not None and not p.startswith(("var/", "run/")) and "vfioplan" in p}

    def history(self):
        return json.loads(self.vp("history", "--root", self.root, "--format", "json").stdout)["generations"]

    def path(self, rel):
        return os.path.join(self.root, rel)

    def boot(self, cmdline, vfio=False):
        """the running boot: its command line, and (vfio) the GPU's functions on vfio-pci"""
        with open(self.path("proc/cmdline"), "w") as f:
            f.write(cmdline + "\n")
        if vfio:
            os.makedirs(self.path("sys/bus/pci/drivers/vfio-pci"), exist_ok=True)
            for fn in ("0000:01:00.0", "0000:01:00.1"):
                dev = os.path.realpath(self.path("sys/bus/pci/devices/" + fn))
                os.unlink(os.path.join(dev, "driver"))
                os.symlink(os.path.relpath(self.path("sys/bus/pci/drivers/vfio-pci"), dev),
                           os.path.join(dev, "driver"))

    def start(self):
        """try TRIED; returns the marker's lines"""
        self.spec(TRIED)
        r = self.try_()
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line for line in read(self.path(MARKER)).splitlines() if not line.startswith("#")]

    def test_try_installs_for_one_boot_then_confirm_makes_it_apply_s(self):
        marker = self.start()
        token = marker[2].split()[1]
        self.assertTrue(token.startswith("vfioplan.gen="))
        self.assertEqual(marker[:2], ["generation 2", "previous 1"])
        # the default entry's command line is the current one's; the domain is the new one
        now = self.ours()
        self.assertEqual(now[DROPIN], self.before[DROPIN])
        self.assertNotEqual(now[XML], self.before[XML])
        mode, script = now[ENTRY][0], now[ENTRY][1].decode()
        self.assertEqual(mode & 0o7777, 0o755)
        self.assertIn("\ntried='intel_iommu=on iommu=pt video=efifb:off %s'\n" % token, script)
        self.assertIn(ENTRY, read(self.path("etc/vfioplan/manifest")).splitlines())
        # update-grub writes the entry, then grub-reboot selects it for the next boot only
        self.assertEqual(self.actions(), ["update-grub", "grub-reboot vfioplan-try",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])
        h = self.history()
        self.assertEqual([(g["generation"], g["origin"], g["status"], g["current"]) for g in h],
                         [(0, "found", None, False), (1, "apply", None, True), (2, "try", "trying", False)])
        self.assertIn("[trying]", self.vp("history", "--root", self.root).stdout)
        # confirm: the files apply writes for TRIED, exactly (plan finds nothing to do), and the entry gone
        r = self.vp("try", "--confirm", "--root", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vfioplan: generation 2 (the try) is confirmed", r.stdout)
        self.assertEqual(self.actions(), ["update-grub"])  # the initramfs files did not change
        self.assertFalse(os.path.exists(self.path(ENTRY)))
        self.assertFalse(os.path.exists(self.path(MARKER)))
        self.assertIn("vfioplan_add video=efifb:off\n", read(self.path(DROPIN)))
        r = self.vp("plan", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        h = self.history()
        self.assertEqual((h[-1]["generation"], h[-1]["status"], h[-1]["current"]), (2, "confirmed", True))

    def test_try_then_cancel_puts_everything_back(self):
        self.start()
        self.actions()
        r = self.vp("try", "--cancel", "--root", self.root, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["command"], doc["generation"], doc["try"]["generation"], doc["try"]["status"]),
                         ("try", 1, 2, "cancelled: by hand"))
        self.assertEqual(self.ours(), self.before)
        self.assertFalse(os.path.exists(self.path(MARKER)))
        self.assertEqual(self.actions(), ["update-grub", "virsh define /etc/vfioplan/vms/gamer.xml"])
        self.assertEqual([(g["generation"], g["status"], g["current"]) for g in self.history()][1:],
                         [(1, None, True), (2, "cancelled: by hand", False)])
        # rollback never chooses the cancelled try: after another apply, the way back is generation 1
        self.spec(BASE.replace("vcpus: 8", "vcpus: 4"))
        self.assertEqual(self.vp("apply", self.spec_path, "--host", self.root, "--root", self.root).returncode, 0)
        r = self.vp("rollback", "--root", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vfioplan: generation 1 is in place", r.stdout)
        self.assertEqual(self.ours(), self.before)

    def test_finish(self):
        # no try under way: nothing, quietly (the boot unit's ConditionPathExists usually spares the run)
        files = tree(self.root)
        r = self.vp("try", "--finish", "--root", self.root)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertEqual(tree(self.root), files)
        # the default entry booted (a hang, a panic or a power cycle of the try's boot): cancelled
        marker = self.start()
        token = marker[2].split()[1]
        self.boot("BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=x ro quiet intel_iommu=on iommu=pt")
        r = self.vp("try", "--finish", "--root", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        reason = "cancelled: this boot did not carry %s (the default entry booted)" % token
        self.assertEqual(self.history()[-1]["status"], reason)
        self.assertEqual(self.ours(), self.before)
        self.assertFalse(os.path.exists(self.path(MARKER)))
        # the try's entry booted, but the GPU is still on its own drivers: verify fails, cancelled
        self.start()
        tried = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=x ro quiet intel_iommu=on iommu=pt " \
                "video=efifb:off " + token
        self.boot(tried)
        r = self.vp("try", "--finish", "--root", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("FAIL 0000:01:00.0 (VM gamer) is bound to vfio-pci: it is on nouveau", r.stdout)
        self.assertEqual(self.history()[-1]["status"],
                         "cancelled: verify failed: 0000:01:00.0 (VM gamer) is bound to vfio-pci: it is on nouveau "
                         "(and more)")
        self.assertEqual(self.ours(), self.before)
        # the try's entry booted and verify passes: confirmed, and it is what apply writes
        self.start()
        self.actions()
        self.boot(tried, vfio=True)
        r = self.vp("try", "--finish", "--root", self.root, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["exit"], doc["try"]["status"], doc["try"]["token"]), (0, "confirmed", token))
        self.assertEqual(self.actions(), ["update-grub"])
        self.assertFalse(os.path.exists(self.path(ENTRY)))
        self.assertEqual(self.history()[-1]["current"], True)
        r = self.vp("plan", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_refusals(self):
        # --confirm and --cancel need a try under way
        for how in ("--confirm", "--cancel"):
            r = self.vp("try", how, "--root", self.root)
            self.assertEqual(r.returncode, 2)
            self.assertIn("error[VP6008]: no try is under way under %s" % self.root, r.stderr)
        # one try at a time: the second writes nothing
        self.start()
        files = tree(self.root)
        self.actions()
        self.spec(BASE)
        r = self.try_()
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6007]: a try is under way under %s (generation 2, with the way back to generation 1): "
                      "no other try until it ends" % self.root, r.stderr)
        # nor an apply or a rollback: they would replace the way back, and --finish would then undo them
        r = self.vp("apply", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6007]: a try is under way under %s" % self.root, r.stderr)
        self.assertIn("no apply until it ends", r.stderr)
        r = self.vp("rollback", "--root", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no rollback until it ends", r.stderr)
        self.assertEqual(tree(self.root), files)
        self.assertEqual(self.actions(), [])
        # options that exclude each other, and a SPEC where the try under way is meant
        self.assertEqual(self.vp("try", "--confirm", "--cancel", "--root", self.root).returncode, 2)
        r = self.vp("try", self.spec_path, "--confirm", "--root", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("act on the try under way: no SPEC", r.stderr)

    def test_other_bootloaders_are_refused(self):
        other = os.path.join(self.tmp, "other")
        os.mkdir(other)
        self.spec(BASE.replace("host:\n", "host:\n  bootloader: systemd-boot\n", 1))
        r = self.vp("try", self.spec_path, "--host", self.root, "--root", other)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6009]: try supports GRUB as Debian and Ubuntu configure it (update-grub, "
                      "/etc/default/grub.d); this host boots with systemd-boot", r.stderr)
        self.assertEqual([p for p in tree(other) if not p.startswith("run")], [])

    def test_entry_script_runs_under_grub_mkconfig_lib(self):
        """the script as grub-mkconfig runs it (Debian's grub-mkconfig_lib; grub-probe and grub-mkrelpath
        stand in for the disk), and shellcheck's verdict on it"""
        self.start()
        script = self.path(ENTRY)
        r = subprocess.run(["shellcheck", "-s", "sh", script], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(os.path.join(self.stubs, "grub-probe"), "w") as f:
            f.write('#!/bin/sh\ncase "$*" in *--target=fs_uuid*) echo 1234-abcd;; *--target=fs*) echo ext2;;\n'
                    '*--target=partmap*) echo msdos;; esac\n')
        with open(os.path.join(self.stubs, "grub-mkrelpath"), "w") as f:
            f.write('#!/bin/sh\necho "$1"\n')
        for stub in ("grub-probe", "grub-mkrelpath"):
            os.chmod(os.path.join(self.stubs, stub), 0o755)
        for name in ("vmlinuz-6.1.0-9-amd64", "vmlinuz-6.1.0-13-amd64", "initrd.img-6.1.0-13-amd64"):
            open(self.path("boot/" + name), "w").close()
        # the distribution's settings, and a drop-in of another tool's that sorts before vfioplan's
        with open(self.path("etc/default/grub.d/50-cloudimg-settings.cfg"), "w") as f:
            f.write('GRUB_CMDLINE_LINUX_DEFAULT="console=ttyS0"\n')
        env = dict(os.environ, VFIOPLAN_ROOT=self.root, GRUB_DEVICE="/dev/vda1", GRUB_DEVICE_UUID="aaaa-bbbb",
                   GRUB_DEVICE_BOOT="/dev/vda1", GRUB_DISTRIBUTOR="Debian",
                   grub_probe=os.path.join(self.stubs, "grub-probe"),
                   grub_mkrelpath=os.path.join(self.stubs, "grub-mkrelpath"))
        token = read(self.path(MARKER)).split("token ")[1].strip()
        r = subprocess.run(["sh", script], capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout,
                         "menuentry 'Debian, with Linux 6.1.0-13-amd64 (vfioplan try)' --class gnu-linux --class os "
                         "--id vfioplan-try {\n"
                         "\tinsmod part_msdos\n\tinsmod ext2\n\tsearch --no-floppy --fs-uuid --set=root 1234-abcd\n"
                         "\tlinux\t/boot/vmlinuz-6.1.0-13-amd64 root=UUID=aaaa-bbbb ro console=ttyS0 "
                         "intel_iommu=on iommu=pt video=efifb:off %s\n"
                         "\tinitrd\t/boot/initrd.img-6.1.0-13-amd64\n}\n" % token)
        # no kernel to boot: grub-mkconfig (update-grub) fails rather than leave grub-reboot a missing entry
        for name in os.listdir(self.path("boot")):
            if name.startswith("vmlinuz-"):
                os.unlink(self.path("boot/" + name))
        r = subprocess.run(["sh", script], capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no /boot/vmlinuz-* to boot", r.stderr)


if __name__ == "__main__":
    wf.VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
