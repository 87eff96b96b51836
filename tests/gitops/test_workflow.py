#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The GitOps workflow end to end with the real binary: snapshot round trips,
apply (idempotence, backups, manifest clean-up, the actions it runs), drift
refusal, verify. Run: test_workflow.py VFIOPLAN (VFIOPLAN_WRAPPER wraps it)."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VFIOPLAN = None
EXAMPLES = ["dgx-h100", "workstation", "two-identical-gpus", "unsplittable-group"]


def vp(*args, env=None, cwd=None):
    wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
    e = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    e.update(env or {})
    r = subprocess.run(wrapper + [VFIOPLAN] + list(args), capture_output=True, text=True, env=e, cwd=cwd)
    r.stderr = "".join(l for l in r.stderr.splitlines(True) if not re.match(r"^--\d+-- ", l))
    if r.returncode > 2 or r.returncode < 0:
        raise AssertionError("vfioplan died (%d): %s" % (r.returncode, r.stderr))
    return r


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def tree(top):
    out = {}
    for d, _, files in os.walk(top):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, top)] = (os.stat(p).st_mode & 0o7777, read(p, "rb"))
    return out


def mkhost(table, dest):
    subprocess.run([sys.executable, os.path.join(REPO, "tests/tools/mkhost.py"), table, dest], check=True,
                   stdout=subprocess.DEVNULL)


class Workflow(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vp-gitops-")
        self.stubs = os.path.join(self.tmp, "stubs")
        os.mkdir(self.stubs)
        self.log = os.path.join(self.tmp, "actions.log")
        # apply runs actions as `chroot ROOT CMD` for a root other than /: a stub records them
        with open(os.path.join(self.stubs, "chroot"), "w") as f:
            f.write('#!/bin/sh\nshift\necho "$*" >> "%s"\n' % self.log)
        os.chmod(os.path.join(self.stubs, "chroot"), 0o755)
        self.env = {"PATH": self.stubs + ":" + os.environ["PATH"]}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def actions(self):
        if not os.path.exists(self.log):
            return []
        lines = read(self.log).splitlines()
        os.unlink(self.log)
        return lines

    def root_from(self, table):
        root = os.path.join(self.tmp, "root")
        mkhost(os.path.join(REPO, "tests/hosts", table + ".table"), root)
        return root

    def spec(self, text):
        path = os.path.join(self.tmp, "spec.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_snapshot_round_trip(self):
        """compiling from a snapshot gives the same bytes as from the tree it was taken from; each example's
        host.yaml is the snapshot of its tree (tests/hosts/NAME.table; VP_TEST_REGENERATE=1 rewrites it)"""
        for ex in EXAMPLES:
            host = os.path.join(self.tmp, ex + "-host")
            mkhost(os.path.join(REPO, "tests/hosts", ex + ".table"), host)
            spec = os.path.join(REPO, "examples", ex, "spec.yaml")
            snap = os.path.join(self.tmp, ex + ".snapshot.yaml")
            self.assertEqual(vp("snapshot", "--host", host, "-o", snap).returncode, 0)
            committed = os.path.join(REPO, "examples", ex, "host.yaml")
            if os.environ.get("VP_TEST_REGENERATE") == "1":
                shutil.copy(snap, committed)
            self.assertEqual(read(snap), read(committed), "examples/%s/host.yaml is not the snapshot of "
                             "tests/hosts/%s.table (VP_TEST_REGENERATE=1 rewrites it)" % (ex, ex))
            a, b = os.path.join(self.tmp, ex + "-tree"), os.path.join(self.tmp, ex + "-snap")
            from_tree, from_snap = vp("build", spec, "--host", host, "-o", a), vp("build", spec, "--host", snap, "-o", b)
            # the same files, or the same refusal (unsplittable-group)
            self.assertEqual((from_tree.returncode, from_tree.stderr), (from_snap.returncode, from_snap.stderr), ex)
            self.assertEqual(tree(a) if from_tree.returncode == 0 else None,
                             tree(b) if from_snap.returncode == 0 else None, ex)
            self.assertEqual(vp("scan", "--host", host).stdout, vp("scan", "--host", snap).stdout, ex)
            # a snapshot of a snapshot is the same file
            again = os.path.join(self.tmp, ex + ".again.yaml")
            vp("snapshot", "--host", snap, "-o", again)
            self.assertEqual(read(snap), read(again))

    def test_apply_idempotent_with_actions(self):
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("created %s/etc/modprobe.d/vfioplan.conf" % root, r.stdout)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])
        before = tree(os.path.join(root, "etc"))
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing to do", r.stdout)
        self.assertEqual(self.actions(), [])
        self.assertEqual(tree(os.path.join(root, "etc")), before)
        self.assertEqual(vp("plan", spec, "--host", root, "--root", root).returncode, 0)

    def test_only_needed_actions_backup_and_cleanup(self):
        root = self.root_from("tiny")
        base = read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml"))
        spec = self.spec(base)
        vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.actions()
        conf = os.path.join(root, "etc/modprobe.d/vfioplan.conf")
        old = read(conf)
        # more memory changes only the domain XML: only virsh define runs
        self.spec(base.replace("memory: 16GiB", "memory: 24GiB"))
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.actions(), ["virsh define /etc/vfioplan/vms/gamer.xml"])
        # a hand-edited owned file is replaced, and its old version kept
        with open(conf, "w") as f:
            f.write(old + "# local edit\n")
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertIn("updated %s/etc/modprobe.d/vfioplan.conf" % root, r.stdout)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all"])
        backup = os.path.join(root, "var/backups/vfioplan/etc/modprobe.d/vfioplan.conf")
        self.assertEqual(read(backup), old + "# local edit\n")
        self.assertEqual(read(conf), old)
        # dropping the guest section removes the guest script (the manifest owned it), nothing else
        self.spec(base.replace("    guest:\n      os: ubuntu-24.04\n", ""))
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertIn("removed %s/etc/vfioplan/guest/gamer-setup.sh" % root, r.stdout)
        self.assertFalse(os.path.exists(os.path.join(root, "etc/vfioplan/guest/gamer-setup.sh")))
        self.assertTrue(os.path.exists(os.path.join(root, "var/backups/vfioplan/etc/vfioplan/guest/gamer-setup.sh")))
        self.assertTrue(os.path.exists(os.path.join(root, "etc/os-release")))  # not ours: untouched

    def test_renamed_spec_changes_nothing(self):
        """the bytes depend on the spec's content, not its file name: in a GitOps repository a rename
        (ws.yaml -> hosts/ws2.yaml) is not a change to the host, so the plan is empty"""
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        r = vp("apply", spec, "--host", root, "--root", root, "--no-actions")
        self.assertEqual(r.returncode, 0, r.stderr)
        os.mkdir(os.path.join(self.tmp, "hosts"))
        renamed = os.path.join(self.tmp, "hosts", "ws2.yaml")
        os.rename(spec, renamed)
        r = vp("plan", renamed, "--host", root, "--root", root)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertNotIn("spec.yaml", read(os.path.join(root, "etc/modprobe.d/vfioplan.conf")))

    def test_no_actions(self):
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        r = vp("apply", spec, "--host", root, "--root", root, "--no-actions", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.actions(), [])
        self.assertTrue(os.path.exists(os.path.join(root, "etc/modprobe.d/vfioplan.conf")))

    def test_failed_action_reported(self):
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        with open(os.path.join(self.stubs, "chroot"), "w") as f:
            f.write("#!/bin/sh\nexit 3\n")
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6002]: 'update-initramfs -u -k all' failed (exit status 3)", r.stderr)

    def test_drift_refused(self):
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        snap = os.path.join(self.tmp, "tiny.snapshot.yaml")
        vp("snapshot", "--host", root, "-o", snap)
        # the same host: apply goes ahead
        r = vp("apply", spec, "--host", snap, "--root", root, "--no-actions")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the GPU was swapped for another model, and the NIC shared the NVMe's group: refused, nothing written
        text = read(snap)
        drifted = os.path.join(self.tmp, "drifted.yaml")
        with open(drifted, "w") as f:
            f.write(text.replace('id: "10de:2504"', 'id: "10de:2503"')
                    .replace('address: "0000:03:00.0"\n', 'address: "0000:03:00.0"\n  iommu_group: 6\n', 1)
                    .replace("  iommu_group: 7\n", ""))
        before = tree(os.path.join(root, "etc"))
        r = vp("apply", spec, "--host", drifted, "--root", root, "--no-actions")
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6001]", r.stderr)
        self.assertIn("0000:01:00.0 was [10de:2503]", r.stderr)
        self.assertIn("the IOMMU group of 0000:02:00.0 held {0000:02:00.0 0000:03:00.0}, now holds {0000:02:00.0}", r.stderr)
        self.assertEqual(tree(os.path.join(root, "etc")), before)


class HostAndOutputErrors(unittest.TestCase):
    """The codes a golden case cannot reach: broken host trees, unusable roots."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vp-errors-")
        self.root = os.path.join(self.tmp, "root")
        mkhost(os.path.join(REPO, "tests/hosts/tiny.table"), self.root)
        self.spec = os.path.join(self.tmp, "spec.yaml")
        shutil.copy(os.path.join(REPO, "tests/golden/cases/plan-empty-root/spec.yaml"), self.spec)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_broken_pci_tree(self):
        # libpci would exit the process on a device without its vendor file; vfioplan reports it
        os.unlink(os.path.join(self.root, "sys/bus/pci/devices/0000:01:00.0/vendor"))
        r = vp("check", self.spec, "--host", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP3002]: cannot read the PCI tree", r.stderr)
        self.assertIn("0000:01:00.0/vendor", r.stderr)
        self.assertIn("hint:", r.stderr)

    def test_missing_os_release(self):
        os.unlink(os.path.join(self.root, "etc/os-release"))
        os.unlink(os.path.join(self.root, "usr/lib/os-release"))
        r = vp("check", self.spec, "--host", self.root)
        self.assertIn("warning[VP3003]: the host has no etc/os-release", r.stderr)
        self.assertIn("error[VP3006]", r.stderr)   # so auto cannot pick the tools
        self.assertEqual(r.returncode, 2)

    def test_output_not_a_directory(self):
        out = os.path.join(self.tmp, "a-file")
        with open(out, "w") as f:
            f.write("x")
        r = vp("build", self.spec, "--host", self.root, "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP5003]", r.stderr)
        r = vp("plan", self.spec, "--host", self.root, "--root", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP5003]", r.stderr)

    def test_target_not_a_file(self):
        os.makedirs(os.path.join(self.tmp, "target/etc/modprobe.d/vfioplan.conf"))
        r = vp("plan", self.spec, "--host", self.root, "--root", os.path.join(self.tmp, "target"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP5004]", r.stderr)
        self.assertIn("etc/modprobe.d/vfioplan.conf", r.stderr)


if __name__ == "__main__":
    VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
