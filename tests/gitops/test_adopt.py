#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Adopting a manual setup, end to end with the real binary on a host tree
that carries the field guide's manual configuration
(tests/hosts/manual-setup.table): apply disables the conflicting lines (with
a backup, and the actions the edited files need), a second plan is empty,
a plan from a snapshot taken before the migration is empty too, a line
edited away since the facts were taken is left alone with a warning, files
vfioplan does not own are never in its manifest, and the README's undo
command (read from the README, run by sh) gives every file back byte for
byte. Run: test_adopt.py VFIOPLAN (VFIOPLAN_WRAPPER wraps it)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_workflow as wf  # noqa: E402  (vp, read, tree, mkhost)

REPO = wf.REPO
EDITED = ["etc/default/grub", "etc/initramfs-tools/modules", "etc/modprobe.d/vfio.conf"]


def readme_undo_command():
    """The sh block of the README's "Adopting a manual setup" that undoes the migration."""
    text = wf.read(os.path.join(REPO, "README.md"))
    section = re.search(r"^## Adopting a manual setup\n(.*?)^## ", text, re.M | re.S).group(1)
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.M | re.S)
    undo = [b for b in blocks if "vfioplan: disabled" in b]
    assert len(undo) == 1, "the README's 'Adopting a manual setup' has no single undo command"
    return undo[0]


class Adopt(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vp-adopt-")
        self.root = os.path.join(self.tmp, "root")
        wf.mkhost(os.path.join(REPO, "tests/hosts/manual-setup.table"), self.root)
        self.spec = os.path.join(self.tmp, "spec.yaml")
        shutil.copy(os.path.join(REPO, "examples/two-identical-gpus/spec.yaml"), self.spec)
        self.original = {p: wf.read(os.path.join(self.root, p), "rb") for p in EDITED}
        stubs = os.path.join(self.tmp, "stubs")
        os.mkdir(stubs)
        self.log = os.path.join(self.tmp, "actions.log")
        with open(os.path.join(stubs, "chroot"), "w") as f:
            # apply runs `chroot -- ROOT CMD`: record CMD
            f.write('#!/bin/sh\n[ "$1" = -- ] || exit 125\nshift 2\necho "$*" >> "%s"\n' % self.log)
        os.chmod(os.path.join(stubs, "chroot"), 0o755)
        self.env = {"PATH": stubs + ":" + os.environ["PATH"]}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def apply(self):
        r = wf.vp("apply", self.spec, "--host", self.root, "--root", self.root, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_migration_applied_and_undone(self):
        before = wf.vp("check", self.spec, "--host", self.root)
        self.assertEqual(before.returncode, 0, before.stderr)
        for code in ("warning[VP7001]", "warning[VP7002]", "warning[VP7004]"):
            self.assertIn(code, before.stderr)
        snap = os.path.join(self.tmp, "before.yaml")
        self.assertEqual(wf.vp("snapshot", "--host", self.root, "-o", snap).returncode, 0)
        r = self.apply()
        for p in EDITED:
            self.assertIn("edited %s/%s\n" % (self.root, p), r.stdout)
            # the admin's file, as it was, is kept; its mode too
            self.assertEqual(wf.read(os.path.join(self.root, "var/backups/vfioplan", p), "rb"), self.original[p])
        self.assertIn("# vfioplan: disabled VP7002: blacklist nvidia\n", wf.read(os.path.join(self.root, EDITED[2])))
        self.assertIn('GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n', wf.read(os.path.join(self.root, EDITED[0])))
        actions = wf.read(self.log).splitlines()
        self.assertIn("update-initramfs -u -k all", actions)
        self.assertIn("update-grub", actions)
        manifest = wf.read(os.path.join(self.root, "etc/vfioplan/manifest"))
        for p in EDITED:
            self.assertNotIn(p + "\n", manifest)
        # done: the facts no longer hold the conflicts, and a snapshot taken before the migration plans nothing
        after = wf.vp("check", self.spec, "--host", self.root)
        self.assertNotIn("[VP700", after.stderr)
        r = wf.vp("plan", self.spec, "--host", self.root, "--root", self.root)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        r = wf.vp("plan", self.spec, "--host", snap, "--root", self.root)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertNotIn("no longer there", r.stderr)
        # undo, as the README says: every file back as it was
        subprocess.run(["sh", "-c", readme_undo_command().replace("/etc /boot/loader/entries",
                                                                  "%s/etc %s/boot/loader/entries" % (self.root, self.root))],
                       check=True)
        for p in EDITED:
            self.assertEqual(wf.read(os.path.join(self.root, p), "rb"), self.original[p], p)
        # and the same spec offers the migration again
        r = wf.vp("plan", self.spec, "--host", self.root, "--root", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("+# vfioplan: disabled VP7002: blacklist nvidia\n", r.stdout)

    def test_line_gone_since_the_facts(self):
        snap = os.path.join(self.tmp, "before.yaml")
        wf.vp("snapshot", "--host", self.root, "-o", snap)
        conf = os.path.join(self.root, "etc/modprobe.d/vfio.conf")
        with open(conf, "w") as f:
            f.write(self.original["etc/modprobe.d/vfio.conf"].decode().replace("blacklist nvidia\n", ""))
        r = wf.vp("plan", self.spec, "--host", snap, "--root", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("warning[VP3003]", r.stderr)
        self.assertIn("1 line of etc/modprobe.d/vfio.conf that the host facts hold is no longer there: left alone",
                      r.stderr)
        self.assertIn("+# vfioplan: disabled VP7001: options vfio-pci ids=10de:24b0,10de:228b\n", r.stdout)

    def test_symlink_not_followed(self):
        """an admin's file that is a symbolic link is not edited: the write would replace the link"""
        real = os.path.join(self.root, "etc/modprobe.d/vfio.conf.real")
        conf = os.path.join(self.root, "etc/modprobe.d/vfio.conf")
        os.rename(conf, real)
        os.symlink("vfio.conf.real", conf)
        r = wf.vp("plan", self.spec, "--host", self.root, "--root", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("etc/modprobe.d/vfio.conf under %s is not a plain file (a symbolic link): vfioplan does not edit "
                      "it" % self.root, r.stderr)
        self.assertNotIn("diff --git a/etc/modprobe.d/vfio.conf ", r.stdout)
        self.apply()
        self.assertEqual(os.readlink(conf), "vfio.conf.real")
        self.assertEqual(wf.read(real, "rb"), self.original["etc/modprobe.d/vfio.conf"])

    def test_build_edits_nothing(self):
        """build writes vfioplan's own files into a fresh tree: there is no admin's file there to edit"""
        out = os.path.join(self.tmp, "out")
        r = wf.vp("build", self.spec, "--host", self.root, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "etc/default/grub")))
        self.assertFalse(os.path.exists(os.path.join(out, "etc/modprobe.d/vfio.conf")))


if __name__ == "__main__":
    wf.VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
