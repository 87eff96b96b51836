#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""examples/gitops as a user would run it: ci/check.sh passes on the
committed repository, fails (naming the host and showing the diff) when a
spec changes without regenerated files, and passes again after
ci/regenerate.sh; its GitLab CI installs the package its own pipeline built.
Run: test_gitops_example.py VFIOPLAN"""
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

    def run_ci(self, top, script):
        return subprocess.run([os.path.join(top, "ci", script)], capture_output=True, text=True,
                              env=dict(os.environ, VFIOPLAN=VFIOPLAN))

    def test_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            top = os.path.join(tmp, "gitops")
            shutil.copytree(os.path.join(REPO, "examples/gitops"), top, symlinks=True)
            r = self.run_ci(top, "check.sh")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
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
