#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden cases: run the real vfioplan binary on each case folder and compare
its exit code, stdout, stderr and output tree byte for byte.

A case is a folder under tests/golden/cases/ (adding a case is adding a folder):

  args            the command line after 'vfioplan', one line. Placeholders:
                  {host} the case's host, {out} an empty output dir, {root}
                  the target root (a copy of root/ if the case has one, else
                  empty). Default: build spec.yaml --host {host} -o {out}
  spec.yaml       the spec (any other input file the args name may be there too)
  host.yaml       a host snapshot, for facts a table cannot express (give
                  --host host.yaml in args)
  host            one line: the name of a table in tests/hosts/ ("tiny"); or a
                  host.table in the case folder. Its tree is made with
                  tests/tools/mkhost.py once per run.
  root/           optional: the files already on the target root (plan, apply)
  expected/exit   the exit code
  expected/stdout, expected/stderr
  expected/tree/  the output tree ({out}) when the command writes one

The command runs in a scratch folder holding the case's inputs, so paths in
diagnostics are stable ('spec.yaml', 'host'), and examples/, the repository's
examples as users run them ("build examples/dgx-h100/spec.yaml --host
examples/dgx-h100/host.yaml -o {out}"). The environment is fixed:
LC_ALL=C, TZ=UTC, an empty HOME, NO_COLOR=1. VP_TEST_REGENERATE=1 rewrites the
expectations (review the diff before committing). A file in a case folder that
the runner does not know fails the case. VFIOPLAN_WRAPPER (e.g. "valgrind
--error-exitcode=99 -q") runs the binary under a wrapper. The report is TAP,
one test point per case ("ok 3 - check-summary"; meson test lists them).
"""
import argparse
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
KNOWN = {"args", "spec.yaml", "host", "host.table", "host.yaml", "root", "expected", "README", "inputs"}
KNOWN_EXPECTED = {"exit", "stdout", "stderr", "tree"}


def tree_files(top):
    """relative path -> (mode, bytes) of every file and symlink under top"""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, top)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path).encode())
            else:
                with open(path, "rb") as f:
                    out[rel] = (stat.S_IMODE(st.st_mode), f.read())
    return out


def host_tree(name_or_table, cache, mkhost):
    """Generate (once per run) the sysfs-shaped tree of a host table."""
    table = name_or_table
    key = os.path.basename(table).replace(".table", "") + "-" + str(abs(hash(os.path.abspath(table))))
    dest = os.path.join(cache, key)
    if not os.path.isdir(dest):
        subprocess.run([sys.executable, mkhost, table, dest], check=True, stdout=subprocess.DEVNULL)
    return dest


def run_case(case, args_ns, cache):
    name = os.path.basename(case)
    problems = []
    stray = set(os.listdir(case)) - KNOWN
    if stray:
        problems.append("unknown files in the case folder: " + ", ".join(sorted(stray)))
    exp = os.path.join(case, "expected")
    if os.path.isdir(exp):
        stray = set(os.listdir(exp)) - KNOWN_EXPECTED
        if stray:
            problems.append("unknown files in expected/: " + ", ".join(sorted(stray)))

    args_file = os.path.join(case, "args")
    argline = open(args_file).read().strip() if os.path.exists(args_file) else "build spec.yaml --host {host} -o {out}"

    with tempfile.TemporaryDirectory(prefix="vp-golden-") as work:
        for entry in os.listdir(case):
            if entry in ("expected", "args", "host", "host.table", "README", "root"):
                continue
            src = os.path.join(case, entry)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(work, entry), symlinks=True)
            else:
                shutil.copy2(src, os.path.join(work, entry))
        host_ref = None
        if os.path.exists(os.path.join(case, "host.table")):
            host_ref = os.path.join(case, "host.table")
        elif os.path.exists(os.path.join(case, "host")):
            ref = open(os.path.join(case, "host")).read().strip()
            host_ref = os.path.join(TESTS, "hosts", ref + ".table")
        if host_ref:
            os.symlink(host_tree(host_ref, cache, args_ns.mkhost), os.path.join(work, "host"))
        os.symlink(os.path.join(os.path.dirname(TESTS), "examples"), os.path.join(work, "examples"))
        if os.path.isdir(os.path.join(case, "root")):
            shutil.copytree(os.path.join(case, "root"), os.path.join(work, "root"), symlinks=True)
        else:
            os.mkdir(os.path.join(work, "root"))
        argv = [a.format(host="host", out="out", root="root") for a in shlex.split(argline)]
        wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
        home = os.path.join(work, ".home")
        os.mkdir(home)
        env = {"LC_ALL": "C", "TZ": "UTC", "HOME": home, "NO_COLOR": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        proc = subprocess.run(wrapper + [args_ns.vfioplan] + argv, cwd=work, env=env, capture_output=True, timeout=120)
        if wrapper:
            # the wrapper's own chatter ("--123-- WARNING: unhandled syscall") is not vfioplan's output;
            # its verdict is the exit code (valgrind --error-exitcode=99)
            proc.stderr = b"".join(l for l in proc.stderr.splitlines(keepends=True)
                                   if not re.match(rb"^--\d+-- ", l))
        got_exit = "%d\n" % proc.returncode
        if proc.returncode < 0 or proc.returncode > 2:
            # never a valid expectation, not even when regenerating
            return name, ["vfioplan died: exit %d (signal or sanitizer)\n%s" % (proc.returncode, proc.stderr.decode(errors="replace")[-2000:])]
        got_tree = tree_files(os.path.join(work, "out")) if os.path.isdir(os.path.join(work, "out")) else None

        if os.environ.get("VP_TEST_REGENERATE") == "1":
            if os.path.isdir(exp):
                shutil.rmtree(exp)
            os.makedirs(exp)
            open(os.path.join(exp, "exit"), "w").write(got_exit)
            open(os.path.join(exp, "stdout"), "wb").write(proc.stdout)
            open(os.path.join(exp, "stderr"), "wb").write(proc.stderr)
            if got_tree is not None:
                shutil.copytree(os.path.join(work, "out"), os.path.join(exp, "tree"), symlinks=True)
            return name, []

        def expect(rel, got):
            path = os.path.join(exp, rel)
            want = open(path, "rb").read() if os.path.exists(path) else None
            if want is None:
                problems.append("expected/%s is missing" % rel)
            elif want != got:
                problems.append("%s differs:\n%s" % (rel, short_diff(want, got)))

        expect("exit", got_exit.encode())
        expect("stdout", proc.stdout)
        expect("stderr", proc.stderr)
        want_tree = tree_files(os.path.join(exp, "tree")) if os.path.isdir(os.path.join(exp, "tree")) else None
        if (want_tree is None) != (got_tree is None):
            problems.append("output tree: expected %s, got %s" % ("one" if want_tree is not None else "none",
                                                                  "one" if got_tree is not None else "none"))
        elif want_tree is not None:
            for rel in sorted(set(want_tree) | set(got_tree)):
                if rel not in got_tree:
                    problems.append("tree: %s is missing from the output" % rel)
                elif rel not in want_tree:
                    problems.append("tree: %s is an extra file in the output" % rel)
                elif want_tree[rel][0] != got_tree[rel][0]:
                    problems.append("tree: %s has mode %o, expected %o" % (rel, got_tree[rel][0], want_tree[rel][0]))
                elif want_tree[rel][1] != got_tree[rel][1]:
                    problems.append("tree: %s differs:\n%s" % (rel, short_diff(want_tree[rel][1], got_tree[rel][1])))
    return name, problems


def short_diff(want, got):
    import difflib
    lines = list(difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                      got.decode(errors="replace").splitlines(), "expected", "got", lineterm=""))
    return "\n".join("    " + l for l in lines[:40]) + ("\n    ..." if len(lines) > 40 else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vfioplan", required=True)
    ap.add_argument("--cases", default=os.path.join(HERE, "cases"))
    ap.add_argument("--mkhost", default=os.path.join(TESTS, "tools", "mkhost.py"))
    ap.add_argument("names", nargs="*", help="run only these cases")
    ns = ap.parse_args()
    ns.vfioplan = os.path.abspath(ns.vfioplan)
    cases = sorted(d for d in os.listdir(ns.cases) if os.path.isdir(os.path.join(ns.cases, d)))
    if ns.names:
        cases = [c for c in cases if c in ns.names]
    # TAP: one test point per case, the problems as diagnostics (meson test shows each case)
    print("1..%d" % len(cases), flush=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="vp-hosts-") as cache:
        for i, c in enumerate(cases, 1):
            name, problems = run_case(os.path.join(ns.cases, c), ns, cache)
            failed += bool(problems)
            print("%s %d - %s" % ("not ok" if problems else "ok", i, name))
            for p in problems:
                print("\n".join("# " + line for line in p.splitlines()))
            sys.stdout.flush()
    print("# golden: %d passed, %d failed" % (len(cases) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
