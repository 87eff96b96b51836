#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""examples/gitops as a user would run it: ci/check.sh passes on the
committed repository, fails (naming the host and showing the diff) when a
spec changes without regenerated files, and passes again after
ci/regenerate.sh; it names a missing tool instead of blaming the spec, and
keeps its JSON reports, which the GitLab CI keeps as artifacts; its GitLab CI
installs the package its own pipeline built; ci/deploy-on-host.sh asks for a
reboot only when the plan's actions need one.
Run: test_gitops_example.py VFIOPLAN"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VFIOPLAN = None


class GitOpsExample(unittest.TestCase):
    def test_ci_installs_the_package_it_built(self):
        from ruamel.yaml import YAML
        with open(os.path.join(REPO, "examples/gitops/.gitlab-ci.yml")) as f:
            ci = YAML(typ="safe").load(f)
        check, package = ci["vfioplan-check"], ci["vfioplan-package"]
        # no `apt-get install vfioplan` from a repository that has no such package
        installs = " ".join(check["before_script"])
        self.assertNotRegex(installs, r"install[^|&;]* vfioplan(\s|$)")
        self.assertIn("apt-get install -y ./vfioplan_*.deb", installs)
        self.assertIn("vfioplan-package", check["needs"])
        self.assertIn("vfioplan_*.deb", package["artifacts"]["paths"])
        self.assertTrue(any("dpkg-buildpackage -b -us -uc" in line for line in package["script"]))
        self.assertLess(ci["stages"].index(package["stage"]), ci["stages"].index(check["stage"]))
        # the reports are kept, also when the check fails (when the review needs them most)
        self.assertIn("reports/", check["artifacts"]["paths"])
        self.assertEqual(check["artifacts"]["when"], "always")

    def run_ci(self, top, script, *args, env=None):
        return subprocess.run([os.path.join(top, "ci", script), *args], capture_output=True, text=True,
                              env=env or dict(os.environ, VFIOPLAN=VFIOPLAN))

    def test_missing_tool_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            top = os.path.join(tmp, "gitops")
            shutil.copytree(os.path.join(REPO, "examples/gitops"), top, symlinks=True)
            env = {k: v for k, v in os.environ.items() if k != "VFIOPLAN"}
            env["PATH"] = "/usr/bin:/bin"   # no vfioplan there: the test's binary is in the build tree
            r = self.run_ci(top, "check.sh", env=env)
            self.assertEqual(r.returncode, 2)
            self.assertIn("check: vfioplan is not installed", r.stderr)
            self.assertNotIn("does not compile", r.stderr)
            r = self.run_ci(top, "check.sh", env=dict(env, VFIOPLAN=os.path.join(tmp, "nowhere/vfioplan")))
            self.assertEqual(r.returncode, 2)
            self.assertIn("nowhere/vfioplan", r.stderr)
            r = self.run_ci(top, "deploy-on-host.sh", env=dict(env, HOST="dgx01"))
            self.assertEqual(r.returncode, 2)
            self.assertIn("deploy: vfioplan is not installed", r.stderr)

    def test_deploy_asks_for_a_reboot_only_when_needed(self):
        with tempfile.TemporaryDirectory() as tmp:
            top = os.path.join(tmp, "gitops")
            shutil.copytree(os.path.join(REPO, "examples/gitops"), top, symlinks=True)
            # the host's root: a tree of the example's host (a snapshot has no files), and chroot as a stand-in
            root = os.path.join(tmp, "root")
            subprocess.run([sys.executable, os.path.join(REPO, "tests/tools/mkhost.py"),
                            os.path.join(REPO, "tests/hosts/two-identical-gpus.table"), root], check=True,
                           stdout=subprocess.DEVNULL)
            stubs = os.path.join(tmp, "stubs")
            os.mkdir(stubs)
            with open(os.path.join(stubs, "chroot"), "w") as f:
                f.write("#!/bin/sh\nexit 0\n")
            os.chmod(os.path.join(stubs, "chroot"), 0o755)
            env = dict(os.environ, VFIOPLAN=VFIOPLAN, HOST="render01", ROOT=root,
                       PATH=stubs + ":" + os.environ["PATH"])
            r = self.run_ci(top, "deploy-on-host.sh", env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("deploy: reboot now", r.stdout)
            self.assertIn("update-initramfs", r.stdout)
            # a change that needs no reboot: the VM's memory is a virsh define
            spec = os.path.join(top, "hosts/render01/spec.yaml")
            with open(spec) as f:
                text = f.read()
            with open(spec, "w") as f:
                f.write(text.replace("memory: 32GiB", "memory: 48GiB"))
            r = self.run_ci(top, "deploy-on-host.sh", env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn("reboot now", r.stdout)
            self.assertIn("no reboot needed", r.stdout)
            # nothing to do: no reboot either
            r = self.run_ci(top, "deploy-on-host.sh", env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("no reboot needed", r.stdout)

    def test_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            top = os.path.join(tmp, "gitops")
            shutil.copytree(os.path.join(REPO, "examples/gitops"), top, symlinks=True)
            r = self.run_ci(top, "check.sh")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # the JSON reports stay, one per host, for the CI to keep
            for host in ("dgx01", "render01"):
                with open(os.path.join(top, "reports", host + ".check.json")) as f:
                    self.assertEqual(json.load(f)["command"], "check")
            spec = os.path.join(top, "hosts/dgx01/spec.yaml")
            with open(spec) as f:
                text = f.read()
            with open(spec, "w") as f:
                f.write(text.replace("memory: 512GiB", "memory: 768GiB"))
            r = self.run_ci(top, "check.sh")
            self.assertEqual(r.returncode, 1)
            self.assertIn("dgx01: hosts/dgx01/generated is stale", r.stderr)
            self.assertIn("+  <memory unit=\"KiB\">805306368</memory>", r.stderr)
            self.assertIn("render01: generated files are up to date", r.stdout)
            self.assertEqual(self.run_ci(top, "regenerate.sh").returncode, 0)
            self.assertEqual(self.run_ci(top, "check.sh").returncode, 0)
            # a spec that no longer compiles fails too
            with open(spec, "w") as f:
                f.write(text.replace('count: 8', 'count: 7'))
            r = self.run_ci(top, "check.sh")
            self.assertEqual(r.returncode, 1)
            self.assertIn("error[VP4002]", r.stderr)


if __name__ == "__main__":
    VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
