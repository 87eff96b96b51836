#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`vfioplan openshift` on every example: the MachineConfig and the
HyperConverged patch validate against their published schemas, the
MachineConfig's Ignition config passes ignition-validate (the Ignition
project's own validator, from Debian), its data URLs decode to exactly the
bytes `vfioplan build` writes for the host, with the right modes, and its
kernel arguments are the host's. Run: test_openshift.py VFIOPLAN"""
import base64
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
import unittest

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VFIOPLAN = None


def vp(*args):
    wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
    return subprocess.run(wrapper + [VFIOPLAN] + list(args), capture_output=True, text=True)


def load(path):
    with open(path) as f:
        return json.load(f)


class OpenShift(unittest.TestCase):
    def test_examples(self):
        mc_schema = load(os.path.join(HERE, "machineconfig.schema.json"))
        hco_schema = load(os.path.join(HERE, "hyperconverged.schema.json"))
        checked = 0
        for spec in sorted(glob.glob(os.path.join(REPO, "examples/*/spec.yaml"))):
            ex = os.path.dirname(spec)
            with tempfile.TemporaryDirectory() as tmp:
                out, host_tree = os.path.join(tmp, "os"), os.path.join(tmp, "host")
                r = vp("openshift", spec, "--host", os.path.join(ex, "host.yaml"), "-o", out, "--pool", "worker-gpu")
                if r.returncode == 2 and "error[VP4" in r.stderr:
                    continue    # the unsplittable example: refused like build
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(vp("build", spec, "--host", os.path.join(ex, "host.yaml"), "-o", host_tree).returncode, 0)
                mc = load(os.path.join(out, "99-worker-gpu-vfioplan.machineconfig.json"))
                jsonschema.validate(mc, mc_schema)
                self.assertEqual(mc["metadata"]["labels"]["machineconfiguration.openshift.io/role"], "worker-gpu")
                ign = os.path.join(tmp, "config.ign")
                with open(ign, "w") as f:
                    json.dump(mc["spec"]["config"], f)
                v = subprocess.run(["ignition-validate", ign], capture_output=True, text=True)
                self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
                for f in mc["spec"]["config"]["storage"]["files"]:
                    prefix = "data:text/plain;charset=utf-8;base64,"
                    self.assertTrue(f["contents"]["source"].startswith(prefix))
                    data = base64.b64decode(f["contents"]["source"][len(prefix):], validate=True)
                    # RHCOS's /usr is read-only but for /usr/local (/var/usrlocal): the bind script goes
                    # there, and the modprobe config calls it there; otherwise the bytes are the host's
                    self.assertTrue(not f["path"].startswith("/usr/") or f["path"].startswith("/usr/local/"), f["path"])
                    host_path = f["path"].replace("/usr/local/libexec/vfioplan/", "/usr/libexec/vfioplan/")
                    host_file = os.path.join(host_tree, host_path.lstrip("/"))
                    # a file on a node says how it got there: oc applies the MachineConfig, never vfioplan apply
                    self.assertNotIn(b"vfioplan apply", data, f["path"])
                    if os.path.exists(host_file):   # modules-load.d is OpenShift's own
                        with open(host_file, "rb") as h:
                            expected = h.read().replace(b"/usr/libexec/vfioplan/bind", b"/usr/local/libexec/vfioplan/bind")
                            expected = expected.replace(
                                b"run 'vfioplan apply'.", b"run 'vfioplan openshift', then "
                                b"'oc apply -f 99-worker-gpu-vfioplan.machineconfig.json'.")
                            self.assertEqual(data, expected, f["path"])
                        self.assertEqual(f["mode"], os.stat(host_file).st_mode & 0o7777, f["path"])
                grub = os.path.join(host_tree, "etc/default/grub.d/vfioplan.cfg")
                args = []
                if os.path.exists(grub):
                    with open(grub) as g:
                        args = [l.split()[1] for l in g if l.startswith("vfioplan_add ")]
                self.assertEqual(mc["spec"]["kernelArguments"], args)
                self.assertEqual(mc["metadata"]["annotations"]["vfioplan.dev/apply"],
                                 "oc apply -f 99-worker-gpu-vfioplan.machineconfig.json")
                hco = load(os.path.join(out, "hyperconverged.permitted-host-devices.json"))
                jsonschema.validate(hco, hco_schema)
                self.assertEqual(hco["metadata"]["annotations"]["vfioplan.dev/apply"],
                                 "oc patch hyperconverged kubevirt-hyperconverged -n openshift-cnv --type merge "
                                 "--patch-file hyperconverged.permitted-host-devices.json")
                self.assertGreater(len(hco["spec"]["permittedHostDevices"]["pciHostDevices"]), 0)
                checked += 1
        self.assertGreaterEqual(checked, 3)

    def test_schemas_have_teeth(self):
        """the judges refuse what OpenShift would refuse"""
        bad_mc = {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
                  "metadata": {"name": "x"}, "spec": {"kernelArguments": "intel_iommu=on"}}
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.validate(bad_mc, load(os.path.join(HERE, "machineconfig.schema.json")))
        with tempfile.NamedTemporaryFile("w", suffix=".ign") as f:
            json.dump({"ignition": {"version": "3.2.0"}, "storage": {"files": [{"path": "etc/x", "mode": 420}]}}, f)
            f.flush()
            self.assertNotEqual(subprocess.run(["ignition-validate", f.name], capture_output=True).returncode, 0)

    def test_bad_pool(self):
        r = vp("openshift", os.path.join(REPO, "examples/workstation/spec.yaml"), "--host",
               os.path.join(REPO, "examples/workstation/host.yaml"), "-o", "/nonexistent", "--pool", "Bad_Pool")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a valid pool name", r.stderr)


if __name__ == "__main__":
    VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
