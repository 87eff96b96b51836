#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every judge over everything vfioplan produces in the tests:

1. judge.py (virsh, libvirt's domain.rng, shellcheck, modprobe, dash, bash)
   over every golden case's expected tree and a fresh build of every example;
2. a JSON Schema validator (python3-jsonschema) over the specs: every example
   and every golden case that vfioplan accepts is valid against
   schema/vfioplan-v1.schema.json, and every case that vfioplan refuses for
   its shape or values (the codes below) is invalid there too: the C tables
   and the published schema agree on what a spec is;
3. patch -p1: the diff 'vfioplan plan' prints for an example, applied to an
   empty root, gives exactly the tree 'vfioplan build' writes;
4. every --format json document of the golden cases validates against
   schema/vfioplan-output-v1.schema.json.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
from ruamel.yaml import YAML

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# Codes a JSON Schema can express; a spec refused with one of them must fail the schema too.
SCHEMA_CODES = {"VP2001", "VP2002", "VP2003", "VP2005", "VP2006", "VP2008", "VP2009", "VP2010", "VP2011",
                "VP2013", "VP2014", "VP2015", "VP2016", "VP2017", "VP2018", "VP2019", "VP2021", "VP2022", "VP2023",
                "VP2024", "VP2025"}


def load_yaml(path):
    y = YAML(typ="safe")  # YAML 1.2 core schema, as vfioplan reads it
    with open(path) as f:
        return y.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfioplan", required=True)
    ns = ap.parse_args()
    problems = []

    # 1. judges over trees
    trees = sorted(glob.glob(os.path.join(REPO, "tests/golden/cases/*/expected/tree")))
    with tempfile.TemporaryDirectory(prefix="vp-judges-") as tmp:
        for spec in sorted(glob.glob(os.path.join(REPO, "examples/*/spec.yaml"))):
            ex = os.path.dirname(spec)
            name = os.path.basename(ex)
            out = os.path.join(tmp, name)
            r = subprocess.run([ns.vfioplan, "build", spec, "--host", os.path.join(ex, "host.yaml"), "-o", out],
                               capture_output=True, text=True)
            if r.returncode == 0:
                trees.append(out)
                # 3. plan's diff applied with patch -p1 to an empty root gives the build
                root = os.path.join(tmp, name + "-root")
                os.mkdir(root)
                p = subprocess.run([ns.vfioplan, "plan", spec, "--host", os.path.join(ex, "host.yaml"), "--root", root],
                                   capture_output=True)
                if p.returncode != 1:
                    problems.append("%s: plan against an empty root exited %d, expected 1" % (name, p.returncode))
                a = subprocess.run(["patch", "-p1", "-s", "-d", root], input=p.stdout, capture_output=True)
                if a.returncode != 0:
                    problems.append("%s: patch -p1 refused plan's diff: %s" % (name, a.stderr.decode()))
                d = subprocess.run(["diff", "-r", root, out], capture_output=True, text=True)
                if d.returncode != 0:
                    problems.append("%s: patched root differs from the build:\n%s" % (name, d.stdout[:2000]))
            elif "error[VP4" not in r.stderr:
                problems.append("%s: build failed unexpectedly:\n%s" % (name, r.stderr))
        r = subprocess.run([sys.executable, os.path.join(HERE, "judge.py")] + trees, capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        if r.returncode != 0:
            problems.append("judge.py objected (above)")

    # 2. JSON Schema over specs
    schema = json.load(open(os.path.join(REPO, "schema/vfioplan-v1.schema.json")))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    checked = 0
    for spec in sorted(glob.glob(os.path.join(REPO, "examples/*/spec.yaml")) +
                       glob.glob(os.path.join(REPO, "examples/gitops/hosts/*/spec.yaml"))):
        errs = list(validator.iter_errors(load_yaml(spec)))
        checked += 1
        if errs:
            problems.append("%s: not valid against the schema: %s" % (spec, errs[0].message))
        first = open(spec).readline()
        if "yaml-language-server: $schema=" not in first:
            problems.append("%s: first line lacks the yaml-language-server modeline" % spec)
    for case in sorted(glob.glob(os.path.join(REPO, "tests/golden/cases/*"))):
        spec = os.path.join(case, "spec.yaml")
        if not os.path.exists(spec):
            continue
        stderr = open(os.path.join(case, "expected/stderr")).read()
        exit_code = open(os.path.join(case, "expected/exit")).read().strip()
        codes = set(re.findall(r"error\[(VP\d+)\]", stderr))
        if any(c.startswith("VP1") for c in codes) or "VP2004" in codes:
            continue    # not YAML a JSON Schema validator could be given as vfioplan reads it
        try:
            data = load_yaml(spec)
        except Exception as e:  # noqa: BLE001 - any loader error means no schema verdict
            problems.append("%s: ruamel.yaml cannot load it: %s" % (spec, e))
            continue
        valid = validator.is_valid(data)
        checked += 1
        if codes & SCHEMA_CODES and valid:
            problems.append("%s: vfioplan refuses it (%s) but the schema accepts it" % (case, ", ".join(sorted(codes))))
        if not codes & SCHEMA_CODES and not valid:
            err = next(validator.iter_errors(data))
            problems.append("%s: vfioplan accepts its shape but the schema refuses it: %s at %s" %
                            (case, err.message, "/".join(map(str, err.path))))
    # 4. every JSON document a golden case expects validates against the output schema
    out_schema = json.load(open(os.path.join(REPO, "schema/vfioplan-output-v1.schema.json")))
    jsonschema.Draft7Validator.check_schema(out_schema)
    out_validator = jsonschema.Draft7Validator(out_schema)
    documents = 0
    for case in sorted(glob.glob(os.path.join(REPO, "tests/golden/cases/*"))):
        args = os.path.join(case, "args")
        if not os.path.exists(args) or "--format json" not in open(args).read():
            continue
        doc = json.load(open(os.path.join(case, "expected/stdout")))
        documents += 1
        for err in out_validator.iter_errors(doc):
            problems.append("%s: output does not match schema/vfioplan-output-v1.schema.json: %s at %s" %
                            (case, err.message, "/".join(map(str, err.path))))
        if str(doc.get("exit")) != open(os.path.join(case, "expected/exit")).read().strip():
            problems.append("%s: the document's exit differs from the process exit code" % case)
    if documents < 5:
        problems.append("only %d JSON documents checked; the json-* cases are missing" % documents)
    for p in problems:
        print("FAIL " + p)
    print("judges: %d trees judged, %d specs against the schema, %d JSON documents, %d problems" %
          (len(trees), checked, documents, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
