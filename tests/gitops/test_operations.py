#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Operations with the real binary, as an admin runs them on a host: rollback
and history, pending actions run again until they succeed, saved plans
(applied as reviewed, refused when stale), the reboot signal, overlays merged
and validated, and the question apply asks on a terminal. Actions run through
a chroot stub that logs them (and fails the commands named in FAIL).
Run: test_operations.py VFIOPLAN (VFIOPLAN_WRAPPER wraps it)."""
import json
import os
import pty
import shlex
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_workflow as wf  # noqa: E402 (the helpers: vp, read, tree, generations, mkhost)

from test_workflow import REPO, read, tree  # noqa: E402

BASE = read(os.path.join(REPO, "tests/golden/cases/debian-by-id/spec.yaml"))
OVERLAY = """    overlay: |
      <domain>
        <cpu mode="host-passthrough"><topology sockets="1" dies="1" cores="8" threads="1"/></cpu>
        <devices>
          <input type="evdev"><source dev="/dev/input/by-id/kbd-event-kbd" grab="all" repeat="on"/></input>
        </devices>
      </domain>
"""
XML = "etc/vfioplan/vms/gamer.xml"
MODPROBE = "etc/modprobe.d/vfioplan.conf"


class Operations(wf.RootCase):
    maxDiff = 2000
    BASE = BASE

    def apply(self, *extra):
        return self.vp("apply", self.spec_path, "--host", self.root, "--root", self.root, *extra)

    def plan(self, *extra):
        return self.vp("plan", self.spec_path, "--host", self.root, "--root", self.root, *extra)

    def failing(self, *commands):
        with open(self.fail_list, "w") as f:
            f.write("".join(c + "\n" for c in commands))

    def ours(self):
        """vfioplan's files under the root (what a generation holds), without its state"""
        return {p: data for p, (mode, data) in tree(self.root).items()
                if data is not None and not p.startswith(("var/", "run/")) and "vfioplan" in p}

    def files(self):
        """the root's files, without run/ (where the lock is taken)"""
        return {p: v for p, v in tree(self.root).items() if p != "run" and not p.startswith("run/")}

    # --- generations, rollback, history

    def test_rollback_restores_the_previous_generation_and_runs_its_actions(self):
        self.assertEqual(self.apply().returncode, 0)
        first = self.ours()
        self.actions()
        # a second VM's worth of change: 6 vCPUs and the overlay (only the domain changes)
        self.spec(BASE.replace("vcpus: 8", "vcpus: 6") + OVERLAY)
        self.assertEqual(self.apply().returncode, 0)
        self.assertEqual(self.actions(), ["virsh define /etc/vfioplan/vms/gamer.xml"])
        second = self.ours()
        self.assertNotEqual(first[XML], second[XML])
        h = json.loads(self.vp("history", "--root", self.root, "--format", "json").stdout)
        self.assertEqual([(g["generation"], g["origin"], g["current"]) for g in h["generations"]],
                         [(0, "found", False), (1, "apply", False), (2, "apply", True)])
        self.assertEqual(h["generations"][2]["files"], 6)
        # rollback: generation 1 again, byte for byte, and the action its change needs
        r = self.vp("rollback", "--root", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vfioplan: generation 1 is in place under %s" % self.root, r.stdout)
        self.assertEqual(self.ours(), first)
        self.assertEqual(self.actions(), ["virsh define /etc/vfioplan/vms/gamer.xml"])
        self.assertIn("      ^ current", self.vp("history", "--root", self.root).stdout.split("\n2 ")[0])
        # the history is kept: forward again with --to 2
        r = self.vp("rollback", "--root", self.root, "--to", "2", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["command"], doc["generation"], doc["changed"], doc["reboot_required"]),
                         ("rollback", 2, True, False))
        self.assertEqual(self.ours(), second)
        # the state before vfioplan (generation 0): every file of ours removed (the manifest, which lists none,
        # stays), initramfs and bootloader redone
        self.actions()
        r = self.vp("rollback", "--root", self.root, "--to", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(list(self.ours()), ["etc/vfioplan/manifest"])
        self.assertEqual([line for line in read(os.path.join(self.root, "etc/vfioplan/manifest")).splitlines()
                          if not line.startswith("#")], [])
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub"])
        self.assertTrue(os.path.exists(os.path.join(self.root, "etc/os-release")))  # not ours: untouched

    def test_rollback_refusals(self):
        r = self.vp("rollback", "--root", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6006]: no generations under %s/var/lib/vfioplan/generations" % self.root, r.stderr)
        self.assertEqual(self.apply().returncode, 0)
        r = self.vp("rollback", "--root", self.root, "--to", "7")
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6006]: no generation 7 under", r.stderr)
        # a generation whose kept file does not match its digest is not restored, and nothing is written
        kept = os.path.join(self.root, "var/lib/vfioplan/generations/1/files", MODPROBE)
        with open(kept, "a") as f:
            f.write("# tampered\n")
        before = self.files()
        r = self.vp("rollback", "--root", self.root, "--to", "1")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("error[VP6006]", r.stderr)
        self.assertEqual(self.files(), before)

    # --- pending actions

    def test_failed_action_stays_pending_until_it_succeeds(self):
        """the bug of issue 17: after update-initramfs failed, the next apply said 'nothing to do'"""
        self.failing("update-initramfs")
        r = self.apply()
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6002]: 'update-initramfs -u -k all' failed (exit status 3)", r.stderr)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all"])
        self.assertFalse(os.path.exists(os.path.join(self.root, "run/reboot-required")))
        pending = json.loads(read(os.path.join(self.root, "var/lib/vfioplan/pending")))
        self.assertEqual([a["argv"][0] for a in pending["actions"]], ["update-initramfs", "update-grub", "virsh"])
        # plan shows them and exits 1 (something to do), with no file to change
        r = self.plan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("Pending actions", r.stdout)
        self.assertIn("  update-initramfs -u -k all\n", r.stdout)
        self.assertNotIn("diff --git", r.stdout)
        self.assertEqual(json.loads(self.plan("--format", "json").stdout)["changed"], True)
        # verify reports them
        r = self.vp("verify", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertIn("FAIL no action is pending: 'update-initramfs -u -k all', 'update-grub', 'virsh define "
                      "/etc/vfioplan/vms/gamer.xml'", r.stdout)
        # still failing: still pending, and no file is written again
        r = self.apply()
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all"])
        # fixed: the next apply runs them, in order, and nothing is left
        os.unlink(self.fail_list)
        r = self.apply()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("nothing to do", r.stdout)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])
        self.assertFalse(os.path.exists(os.path.join(self.root, "var/lib/vfioplan/pending")))
        self.assertEqual(self.plan().returncode, 0)
        r = self.apply()
        self.assertIn("nothing to do", r.stdout)
        self.assertEqual(self.actions(), [])

    def test_later_failure_keeps_only_what_did_not_run(self):
        self.failing("update-grub")
        self.assertEqual(self.apply().returncode, 2)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub"])
        os.unlink(self.fail_list)
        self.assertEqual(self.apply().returncode, 0)
        self.assertEqual(self.actions(), ["update-grub", "virsh define /etc/vfioplan/vms/gamer.xml"])

    def test_no_actions_leaves_them_pending(self):
        self.assertEqual(self.apply("--no-actions").returncode, 0)
        self.assertEqual(self.actions(), [])
        self.assertEqual(self.plan().returncode, 1)
        self.assertEqual(self.apply().returncode, 0)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])

    def test_pending_undefine_and_edit(self):
        """the actions main's emitters added (virsh undefine of a dropped VM; those an edit of the admin's file
        needs) are read back from the pending record; once refused as 'an action vfioplan did not write'"""
        other = BASE + ("  - name: other\n    vcpus: 2\n    memory: 2GiB\n    allow_no_devices: true\n"
                        "    disks:\n      - path: /var/lib/libvirt/images/other.qcow2\n")
        self.spec(other)
        self.assertEqual(self.apply().returncode, 0)
        self.actions()
        self.spec(BASE)
        self.write_root("etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:2504,10de:228e\n")
        r = self.apply("--no-actions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vfioplan: edited %s/etc/modprobe.d/vfio.conf" % self.root, r.stdout)
        pending = json.loads(read(os.path.join(self.root, "var/lib/vfioplan/pending")))
        self.assertEqual([(a["stage"], a["argv"][:2]) for a in pending["actions"]],
                         [("initramfs", ["update-initramfs", "-u"]), ("libvirt-undefine", ["virsh", "undefine"])])
        self.assertIn("etc/modprobe.d/vfio.conf", pending["actions"][0]["triggers"])
        r = self.plan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertNotIn("error[", r.stderr)
        self.assertIn("  virsh undefine --nvram other\n", r.stdout)
        r = self.apply()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "virsh undefine --nvram other"])
        # the admin's file as it was is kept aside (generations hold vfioplan's own files only)
        self.assertEqual(read(os.path.join(self.root, "var/backups/vfioplan/etc/modprobe.d/vfio.conf")),
                         "options vfio-pci ids=10de:2504,10de:228e\n")

    # --- saved plans

    def test_saved_plan_applied_as_reviewed(self):
        saved = os.path.join(self.tmp, "reviewed.plan")
        r = self.plan("--out", saved)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("plan saved to %s" % saved, r.stdout + r.stderr)
        diff = r.stdout
        # the spec file is not read again for what is written: apply --plan takes spec, host and root from the plan
        r = self.vp("apply", "--plan", saved, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["changed"], doc["generation"]), (True, 1))
        self.assertEqual([f["path"] for f in doc["files"]],
                         [p for p in ("etc/default/grub.d/vfioplan.cfg", "etc/initramfs-tools/hooks/vfioplan", MODPROBE,
                                      "etc/vfioplan/guest/gamer-setup.sh", "etc/vfioplan/manifest", XML,
                                      "usr/libexec/vfioplan/bind") if "+++ b/" + p in diff])
        self.assertEqual(self.actions(), ["update-initramfs -u -k all", "update-grub",
                                          "virsh define /etc/vfioplan/vms/gamer.xml"])
        # the same plan again: the root changed since (it was applied), refused
        r = self.vp("apply", "--plan", saved)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP6005]", r.stderr)

    def test_saved_plan_refused_when_stale(self):
        saved = os.path.join(self.tmp, "reviewed.plan")
        self.assertEqual(self.plan("--out", saved).returncode, 1)
        cases = [
            ("the spec", lambda: self.spec(BASE.replace("vcpus: 8", "vcpus: 6")), "the spec's bytes changed since"),
            ("the root", lambda: self.write_root(MODPROBE, "# written by hand\n"),
             "the files under the root the plan changes"),
            ("the host", lambda: self.write_root("sys/bus/pci/devices/0000:01:00.1/vendor", "0x1002\n"),
             "the host facts"),
        ]
        for what, change, note in cases:
            shutil.rmtree(self.root)
            wf.mkhost(os.path.join(REPO, "tests/hosts/tiny.table"), self.root)
            self.spec(BASE)
            change()
            snapshot = self.files()
            r = self.vp("apply", "--plan", saved)
            self.assertEqual(r.returncode, 2, what)
            self.assertIn("error[VP6005]: the plan in %s is stale" % saved, r.stderr, what)
            self.assertIn(note, r.stderr, what)
            self.assertIn("note: nothing was written and no action run", r.stderr, what)
            self.assertEqual(self.files(), snapshot, what)
            self.assertEqual(self.actions(), [], what)
        # not a plan at all
        with open(saved, "w") as f:
            f.write('{"vfioplan_plan": 99}\n')
        r = self.vp("apply", "--plan", saved)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP1014]", r.stderr)
        # a plan names its spec, host and root: giving them too is a usage error
        r = self.vp("apply", self.spec_path, "--plan", saved)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--plan FILE applies the plan as saved", r.stderr)

    def write_root(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    # --- the reboot signal

    def test_reboot_signal(self):
        required = os.path.join(self.root, "run/reboot-required")
        r = self.apply("--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIs(json.loads(r.stdout)["reboot_required"], True)
        self.assertTrue(os.path.exists(required))
        self.assertIn("vfioplan\n", read(required + ".pkgs").splitlines(True))
        r = self.vp("verify", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertIn("FAIL no reboot is pending", r.stdout)
        self.assertIn("the running boot predates the configuration applied", r.stdout)
        # the reboot clears run/ (a tmpfs); a change to the domain only asks for none
        os.unlink(required)
        os.unlink(required + ".pkgs")
        self.spec(BASE + OVERLAY)
        r = self.apply("--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIs(json.loads(r.stdout)["reboot_required"], False)
        self.assertFalse(os.path.exists(required))
        r = self.vp("verify", self.spec_path, "--host", self.root, "--root", self.root)
        self.assertIn("ok   no reboot is pending", r.stdout)
        # another package's entry in reboot-required.pkgs stays when vfioplan adds its own
        with open(required + ".pkgs", "w") as f:
            f.write("linux-image-amd64\n")
        self.spec(BASE.replace("passthrough: true", "passthrough: false"))
        self.assertEqual(self.apply().returncode, 0)
        self.assertEqual(read(required + ".pkgs"), "linux-image-amd64\nvfioplan\n")

    # --- overlays

    def test_overlay_merged_and_shown_in_plan(self):
        self.assertEqual(self.apply().returncode, 0)
        self.actions()
        self.spec(BASE + OVERLAY)
        r = self.plan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("diff --git a/%s b/%s" % (XML, XML), r.stdout)
        self.assertEqual(r.stdout.count("diff --git"), 1, r.stdout)  # only the domain
        # the topology vfioplan derives from the host (4 cores of 2 threads) becomes the overlay's (8 cores of one
        # thread); a device is added
        for line in ('-    <topology sockets="1" dies="1" cores="4" threads="2"/>',
                     '+    <topology sockets="1" dies="1" cores="8" threads="1"/>', '+    <input type="evdev">'):
            self.assertIn(line, r.stdout)
        self.assertIn("virsh define /etc/vfioplan/vms/gamer.xml", r.stdout)
        self.assertEqual(self.apply().returncode, 0)
        self.assertEqual(self.actions(), ["virsh define /etc/vfioplan/vms/gamer.xml"])
        xml = read(os.path.join(self.root, XML))
        # what virsh would accept, checked by libvirt itself
        v = subprocess.run(["virsh", "-c", "test:///default", "define", "--validate", os.path.join(self.root, XML)],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stderr)
        self.assertIn("<hostdev", xml)  # the spec's devices stay
        # the next apply writes it again: the tuning survives
        self.assertIn("nothing to do", self.apply().stdout)

    def test_overlay_refused_before_anything_is_written(self):
        self.assertEqual(self.apply().returncode, 0)
        self.actions()
        before = self.files()
        for overlay, code in [('<domain><clock offset="sideways"/></domain>', "VP2030"),
                              ("<domain><devices><hostdev mode='subsystem' type='pci'/></devices></domain>", "VP2029"),
                              ("<domain><clock>", "VP2027"),
                              ('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/shadow">]><domain>&x;</domain>', "VP2028")]:
            self.spec(BASE + "    overlay: %s\n" % json.dumps(overlay))
            for r in (self.plan(), self.apply()):
                self.assertEqual(r.returncode, 2, overlay)
                self.assertIn("error[%s]" % code, r.stderr, overlay)
            self.assertEqual(self.files(), before, overlay)
            self.assertEqual(self.actions(), [], overlay)

    def test_overlay_schema_missing(self):
        """without libvirt's schema the merge cannot be checked: refused, with the path it looked at"""
        self.spec(BASE + OVERLAY)
        r = wf.vp("check", self.spec_path, "--host", self.root,
                  env={"VFIOPLAN_LIBVIRT_SCHEMA": os.path.join(self.tmp, "none.rng")})
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP2030]: VM 'gamer': cannot validate the domain with its overlay: libvirt's schema %s"
                      % os.path.join(self.tmp, "none.rng"), r.stderr)

    # --- the question on a terminal

    def run_on_terminal(self, args, answer):
        """runs vfioplan with a terminal as stdin (and stdout), types answer; (exit code, what it printed)"""
        pid, fd = pty.fork()
        if pid == 0:
            env = dict(os.environ, LC_ALL="C", NO_COLOR="1", **self.env)
            argv = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", "")) + [wf.VFIOPLAN] + args
            os.execvpe(argv[0], argv, env)
        out = b""
        sent = False
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if not sent and b"[y/N]" in out:
                os.write(fd, answer.encode() + b"\n")
                sent = True
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), out.decode(errors="replace")

    def test_apply_asks_on_a_terminal(self):
        args = ["apply", self.spec_path, "--host", self.root, "--root", self.root]
        rc, out = self.run_on_terminal(args, "n")
        self.assertIn("[y/N]", out)
        self.assertIn("diff --git a/%s" % MODPROBE, out)  # the plan is shown first
        self.assertEqual(rc, 1, out)
        self.assertFalse(os.path.exists(os.path.join(self.root, MODPROBE)))
        self.assertEqual(self.actions(), [])
        rc, out = self.run_on_terminal(args, "y")
        self.assertEqual(rc, 0, out)
        self.assertTrue(os.path.exists(os.path.join(self.root, MODPROBE)))
        # --yes: no question
        self.spec(BASE.replace("vcpus: 8", "vcpus: 6"))
        rc, out = self.run_on_terminal(args + ["--yes"], "n")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("[y/N]", out)


if __name__ == "__main__":
    wf.VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
