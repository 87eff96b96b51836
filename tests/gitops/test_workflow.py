#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The GitOps workflow end to end with the real binary: snapshot round trips,
apply (idempotence, old versions kept as generations, manifest clean-up, the
actions it runs), drift refusal, verify. Run: test_workflow.py VFIOPLAN
(VFIOPLAN_WRAPPER wraps it)."""
import json
import os
import re
import shlex
import shutil
import stat
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
    for d, dirs, files in os.walk(top):
        for f in files + dirs:
            p = os.path.join(d, f)
            st = os.lstat(p)
            # a FIFO is recorded, never opened (that would wait for a writer)
            out[os.path.relpath(p, top)] = (st.st_mode, read(p, "rb") if stat.S_ISREG(st.st_mode) else None)
    return out


def generations(root):
    """number -> (record, {path: bytes}) of every generation kept under root"""
    top = os.path.join(root, "var/lib/vfioplan/generations")
    out = {}
    for name in os.listdir(top) if os.path.isdir(top) else []:
        if not name.isdigit():
            continue
        rec = json.loads(read(os.path.join(top, name, "generation.json")))
        files = {f["path"]: read(os.path.join(top, name, "files", f["path"]), "rb") for f in rec["files"]}
        out[int(name)] = (rec, files)
    return out


def take_lines(path):
    """the lines a stub logged to path since the last call (the log is emptied)"""
    if not os.path.exists(path):
        return []
    lines = read(path).splitlines()
    os.unlink(path)
    return lines


def mkhost(table, dest):
    subprocess.run([sys.executable, os.path.join(REPO, "tests/tools/mkhost.py"), table, dest], check=True,
                   stdout=subprocess.DEVNULL)


def stub_actions(tmp, fail_list=None):
    """apply runs actions as `chroot -- ROOT CMD` for a root other than /: a stub in TMP/stubs logs CMD to
    TMP/actions.log (and refuses to run without the '--' that keeps a root named like an option a root);
    it exits 3 when CMD's name is a line of fail_list. Returns (stubs, log, env)."""
    stubs = os.path.join(tmp, "stubs")
    os.mkdir(stubs)
    log = os.path.join(tmp, "actions.log")
    fail = '[ -f "%s" ] && grep -qx "$1" "%s" && exit 3\n' % (fail_list, fail_list) if fail_list else ""
    with open(os.path.join(stubs, "chroot"), "w") as f:
        f.write('#!/bin/sh\n[ "$1" = -- ] || { echo "chroot: no -- before ROOT" >&2; exit 125; }\n'
                'shift 2\necho "$*" >> "%s"\n%sexit 0\n' % (log, fail))
    os.chmod(os.path.join(stubs, "chroot"), 0o755)
    return stubs, log, {"PATH": stubs + ":" + os.environ["PATH"]}


class RootCase(unittest.TestCase):
    """a scratch root made from tests/hosts/tiny.table, a spec file (BASE) and the action stub, whose log
    has the name of each command to fail in self.fail_list"""
    BASE = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vp-root-")
        self.fail_list = os.path.join(self.tmp, "fail")
        self.stubs, self.log, self.env = stub_actions(self.tmp, self.fail_list)
        self.root = os.path.join(self.tmp, "root")
        mkhost(os.path.join(REPO, "tests/hosts/tiny.table"), self.root)
        self.spec_path = os.path.join(self.tmp, "spec.yaml")
        self.spec(self.BASE)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def spec(self, text):
        with open(self.spec_path, "w") as f:
            f.write(text)

    def vp(self, *args):
        return vp(*args, env=self.env)

    def actions(self):
        return take_lines(self.log)


class Workflow(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vp-gitops-")
        self.stubs, self.log, self.env = stub_actions(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def actions(self):
        return take_lines(self.log)

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
        gens = generations(root)
        found = max(n for n, (rec, _) in gens.items() if rec["origin"] == "found")
        self.assertIn("kept the files as found as generation %d" % found, r.stdout)
        self.assertEqual(gens[found][1]["etc/modprobe.d/vfioplan.conf"], (old + "# local edit\n").encode())
        self.assertEqual(read(conf), old)
        # dropping the guest section removes the guest script (the manifest owned it), nothing else
        self.spec(base.replace("    guest:\n      os: ubuntu-24.04\n", ""))
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
        self.assertIn("removed %s/etc/vfioplan/guest/gamer-setup.sh" % root, r.stdout)
        self.assertFalse(os.path.exists(os.path.join(root, "etc/vfioplan/guest/gamer-setup.sh")))
        # the generation before this apply still has it
        gens = generations(root)
        current = int(read(os.path.join(root, "var/lib/vfioplan/generations/current")))
        self.assertNotIn("etc/vfioplan/guest/gamer-setup.sh", gens[current][1])
        self.assertIn("etc/vfioplan/guest/gamer-setup.sh", gens[current - 1][1])
        self.assertTrue(os.path.exists(os.path.join(root, "etc/os-release")))  # not ours: untouched

    def test_renamed_spec_changes_nothing(self):
        """the bytes depend on the spec's content, not its file name: in a GitOps repository a rename
        (ws.yaml -> hosts/ws2.yaml) is not a change to the host, so the plan is empty"""
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        # the actions run (a stub): none is left pending for plan to list
        r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
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

    def test_root_named_like_an_option(self):
        """a root named '--userspec=0:0' reaches chroot as a directory, after '--', not as an option"""
        root = os.path.join(self.tmp, "--userspec=0:0")
        mkhost(os.path.join(REPO, "tests/hosts/tiny.table"), root)
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        r = vp("apply", spec, "--host", root, "--root", "--userspec=0:0", env=self.env, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("running: chroot -- --userspec=0:0 update-grub", r.stdout)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])

    def test_bad_old_manifest_entry_refused_first(self):
        """a FIFO, a directory or a huge file where the old manifest names a file: refused before
        anything is written or run, with what it is (once: written all, run every action, then exit 2)"""
        base = read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml"))
        for kind in ("fifo", "directory", "huge"):
            shutil.rmtree(os.path.join(self.tmp, "root"), ignore_errors=True)
            root = self.root_from("tiny")
            spec = self.spec(base)
            self.assertEqual(vp("apply", spec, "--host", root, "--root", root, env=self.env).returncode, 0)
            self.actions()
            with open(os.path.join(root, "etc/vfioplan/manifest"), "a") as f:
                f.write("etc/vfioplan/vms/old.xml\n")
            victim = os.path.join(root, "etc/vfioplan/vms/old.xml")
            if kind == "fifo":
                os.mkfifo(victim)
            elif kind == "directory":
                os.mkdir(victim)
            else:
                with open(victim, "wb") as f:
                    f.truncate(64 * 1024 * 1024)
            before = tree(os.path.join(root, "etc"))
            self.spec(base.replace("memory: 16GiB", "memory: 24GiB").replace("vcpus: 8", "vcpus: 6"))
            r = vp("apply", spec, "--host", root, "--root", root, env=self.env)
            self.assertEqual(r.returncode, 2, kind)
            want = {"fifo": "is a FIFO, not a file vfioplan wrote",
                    "directory": "is a directory, not a file vfioplan wrote",
                    "huge": "is 67108864 bytes, larger than any file vfioplan writes"}[kind]
            self.assertIn("error[VP5004]: etc/vfioplan/vms/old.xml under %s %s" % (root, want), r.stderr)
            self.assertIn("nothing was written and no action run: vfioplan checks every file", r.stderr)
            self.assertEqual(self.actions(), [], kind)
            self.assertEqual(tree(os.path.join(root, "etc")), before, kind)
            self.assertNotIn("updated", r.stdout)

    def test_generations_kept(self):
        """each apply that replaces a hand-edited file keeps it, as a generation of the files found; the
        newest five generations are kept (--keep N: N), and always the current one (once: the backups
        var/backups/vfioplan/PATH, PATH.1 ... PATH.4, one mechanism less)"""
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        self.assertEqual(vp("apply", spec, "--host", root, "--root", root, "--no-actions").returncode, 0)
        conf = os.path.join(root, "etc/modprobe.d/vfioplan.conf")
        generated = read(conf)
        for i in range(7):
            with open(conf, "a") as f:
                f.write("# local edit %d\n" % i)
            r = vp("apply", spec, "--host", root, "--root", root, "--no-actions")
            self.assertEqual(r.returncode, 0, r.stderr)
        gens = generations(root)
        # 0: the root before vfioplan, 1: the first apply (current: the edits were put back), 2..8: the edits
        self.assertEqual(sorted(gens), [1, 4, 5, 6, 7, 8])
        self.assertEqual(read(os.path.join(root, "var/lib/vfioplan/generations/current")), "1\n")
        for n in (4, 5, 6, 7, 8):
            rec, files = gens[n]
            self.assertEqual(rec["origin"], "found")
            self.assertEqual(files["etc/modprobe.d/vfioplan.conf"], (generated + "# local edit %d\n" % (n - 2)).encode())
        # --keep 3: the three newest and the current one
        with open(conf, "a") as f:
            f.write("# local edit 7\n")
        self.assertEqual(vp("apply", spec, "--host", root, "--root", root, "--no-actions", "--keep", "3").returncode, 0)
        self.assertEqual(sorted(generations(root)), [1, 7, 8, 9])

    def test_closed_stdout_still_runs_actions(self):
        """`apply | head -1`: stdout a pipe nobody reads; the lines apply prints fail, the actions still
        run (once SIGPIPE killed it after the files were in place and before any action)"""
        root = self.root_from("tiny")
        spec = self.spec(read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml")))
        rfd, wfd = os.pipe()
        os.close(rfd)
        wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
        p = subprocess.run(wrapper + [VFIOPLAN, "apply", spec, "--host", root, "--root", root], stdout=wfd,
                           stderr=subprocess.PIPE, env=dict(os.environ, LC_ALL="C", **self.env))
        os.close(wfd)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])

    def test_hostile_lock_and_manifest(self):
        """a FIFO where the lock file goes is refused, not waited on; a manifest listing one file
        100,000 times removes it once"""
        root = self.root_from("tiny")
        base = read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml"))
        spec = self.spec(base)
        os.makedirs(os.path.join(root, "run/lock"), exist_ok=True)
        os.mkfifo(os.path.join(root, "run/lock/vfioplan.lock"))
        r = subprocess.run(shlex.split(os.environ.get("VFIOPLAN_WRAPPER", "")) +
                           [VFIOPLAN, "apply", spec, "--host", root, "--root", root, "--no-actions"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot open the lock file %s/run/lock/vfioplan.lock: it is not a regular file" % root, r.stderr)
        os.unlink(os.path.join(root, "run/lock/vfioplan.lock"))
        self.assertEqual(vp("apply", spec, "--host", root, "--root", root, "--no-actions").returncode, 0)
        with open(os.path.join(root, "etc/vfioplan/manifest"), "a") as f:
            f.write("etc/vfioplan/vms/old.xml\n" * 100000)
        with open(os.path.join(root, "etc/vfioplan/vms/old.xml"), "w") as f:
            f.write("<domain/>\n")
        r = vp("apply", spec, "--host", root, "--root", root, "--no-actions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("removed %s/etc/vfioplan/vms/old.xml" % root), 1)
        found = [files for rec, files in generations(root).values() if "etc/vfioplan/vms/old.xml" in files]
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["etc/vfioplan/vms/old.xml"], b"<domain/>\n")

    def test_crlf_manifest(self):
        """a manifest saved with CRLF line ends (an editor, git's autocrlf) still lists the files"""
        root = self.root_from("tiny")
        base = read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml"))
        spec = self.spec(base)
        self.assertEqual(vp("apply", spec, "--host", root, "--root", root, "--no-actions").returncode, 0)
        manifest = os.path.join(root, "etc/vfioplan/manifest")
        with open(manifest, "rb") as f:
            text = f.read()
        with open(manifest, "wb") as f:
            f.write(text.replace(b"\n", b"\r\n"))
        self.spec(base.replace("name: gamer", "name: player"))
        r = vp("apply", spec, "--host", root, "--root", root, "--no-actions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed %s/etc/vfioplan/vms/gamer.xml" % root, r.stdout)
        self.assertFalse(os.path.exists(os.path.join(root, "etc/vfioplan/vms/gamer.xml")))

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

    def test_snapshot_refuses_what_it_could_not_read_back(self):
        """A driver link named 'a;b' (a damaged tree: no kernel driver is named so) is refused when the snapshot
        is written, never written into a file the reader then refuses; check reads the tree as before."""
        drivers = os.path.join(self.root, "sys/bus/pci/drivers")
        os.rename(os.path.join(drivers, "nouveau"), os.path.join(drivers, "a;b"))
        link = os.path.join(self.root, "sys/bus/pci/devices/0000:01:00.0/driver")
        target = os.readlink(link).replace("nouveau", "a;b")
        os.unlink(link)
        os.symlink(target, link)
        snap = os.path.join(self.tmp, "host.yaml")
        r = vp("snapshot", "--host", self.root, "-o", snap)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("error[VP3007]: cannot write a snapshot: the driver of 0000:01:00.0 is named 'a;b'", r.stderr)
        self.assertIn("hint:", r.stderr)
        self.assertFalse(os.path.exists(snap))
        r = vp("check", self.spec, "--host", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        # the module a softdep would name is never taken from it
        self.assertNotIn("a;b", vp("build", self.spec, "--host", self.root, "-o", os.path.join(self.tmp, "out")).stdout)
        self.assertNotIn(b"a;b", b"".join(data or b"" for _, data in tree(os.path.join(self.tmp, "out")).values()))

    def test_bar_not_a_power_of_two(self):
        """A resource file whose BAR is not a power of two (damaged) is read rounded up, with a warning, so that its
        snapshot reads back and the MMIO window is not short."""
        res = os.path.join(self.root, "sys/bus/pci/devices/0000:01:00.0/resource")
        lines = read(res).splitlines()
        start, end, flags = (int(x, 16) for x in lines[1].split())
        lines[1] = "0x%016x 0x%016x 0x%016x" % (start, start + (3 << 20) - 1, flags)  # 3 MiB
        with open(res, "w") as f:
            f.write("\n".join(lines) + "\n")
        snap = os.path.join(self.tmp, "host.yaml")
        r = vp("snapshot", "--host", self.root, "-o", snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning[VP3003]: BAR 1 of 0000:01:00.0 has size 3145728, not a power of two: taken as 4194304",
                      r.stderr)
        self.assertIn("{index: 1, size: 4194304, type: \"mem64-prefetch\"}", read(snap))
        self.assertEqual(vp("scan", "--host", snap).returncode, 0)

    def test_host_tree_unsafe(self):
        # libpci would block on a FIFO as a device's vendor file, and follow a device link out of the tree
        vendor = os.path.join(self.root, "sys/bus/pci/devices/0000:01:00.0/vendor")
        os.unlink(vendor)
        os.mkfifo(vendor)
        r = vp("scan", "--host", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP3009]: sys/bus/pci/devices/0000:01:00.0/vendor is a FIFO, not a regular file", r.stderr)
        os.unlink(vendor)
        os.symlink("/sys/bus/pci/devices", os.path.join(self.root, "sys/bus/pci/devices/0000:99:00.0"))
        r = vp("scan", "--host", self.root)
        self.assertIn("error[VP3009]: sys/bus/pci/devices/0000:99:00.0 -> /sys/bus/pci/devices leads outside the "
                      "host tree", r.stderr)

    def test_apply_locked(self):
        # another apply (here: flock(2) by this test) holds the root's lock: wait, then fail naming its pid
        import fcntl
        os.makedirs(os.path.join(self.root, "run/lock"), exist_ok=True)
        with open(os.path.join(self.root, "run/lock/vfioplan.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = vp("apply", self.spec, "--host", self.root, "--root", self.root, "--no-actions", "--wait", "1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("waiting up to 1 s for another apply (pid %d) to finish with %s" % (os.getpid(), self.root),
                      r.stderr)
        self.assertIn("error[VP6004]: another apply (pid %d) holds the lock of %s" % (os.getpid(), self.root), r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.root, "etc/modprobe.d/vfioplan.conf")))
        # released: the same apply goes ahead
        r = vp("apply", self.spec, "--host", self.root, "--root", self.root, "--no-actions", "--wait", "0")
        self.assertEqual(r.returncode, 0, r.stderr)

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
