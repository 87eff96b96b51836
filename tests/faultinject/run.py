#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fault injection: whatever fails, or kills vfioplan, no target is half written.

A root holds the files of an older spec (OLD: VM 'alpha', kernel argument
'quiet'); vfioplan writes a newer one (NEW: VM 'beta' instead, other kernel
arguments): files are created, modified and removed. The shim (failshim.c,
LD_PRELOAD) makes the Nth write, fsync, rename, create, mkdir, close or unlink
fail with EIO; a first run without failures counts the calls, then every N
is tried, for 'vfioplan build NEW -o OUT' and 'vfioplan apply NEW --root ROOT
--no-actions'. Each failed run must:
  - exit 2 with error[VP5001] naming the file (or its directory) that failed;
  - leave every target file either exactly as OLD had it or exactly as NEW
    has it (a removed file: OLD's or absent; a new file: absent or NEW's):
    never partly written, never missing if it is in both;
  - leave no temp file (.vfioplan-tmp-PID-N) behind, and the generation
    store (var/lib/vfioplan/generations) whole: every numbered generation
    complete (each file its generation.json lists is there, with that
    digest, and is OLD's or NEW's version), 'current' naming one of them,
    and no staging directory (.new-N-PID) left;
  - list every file it may own in the manifest then in place (before its
    first rename an apply puts in place a manifest of the old and the new
    files, and the new one last);
  - and a second run without failures must then succeed and give NEW exactly
    (after some failed renames and removals, a run of OLD instead must give
    OLD exactly: no file of NEW is left that no manifest lists).
Then 'kill -9' at random moments of an apply slowed down by the shim
(VP_SLOW_US; half of the kills after its first temp file appears): the same invariant, except that temp files may remain (they are
dotfiles, .vfioplan-tmp-PID-N, that initramfs-tools, modprobe and GRUB ignore;
the next apply does not remove them) and so may a generation's staging
directory (the next apply removes it), and the next apply gives NEW (every
fourth time, an apply of OLD instead, which must give OLD exactly); after it
the current generation holds exactly the root's files, and one generation
still holds OLD's as they were found.
Then two applies of OLD and NEW started together on one root (30 rounds):
both must succeed, one after the other (the root's lock), and the root must
end as one complete tree, never a mix.
Last, symlinks planted in the output root (etc -> a directory outside,
etc/modprobe.d -> ../../outside, var/lib/vfioplan -> outside, a symlink inside the
root, a target file that is a symlink) make build and apply refuse with
VP5002, or replace the link itself, and write nothing outside the root.

VFIOPLAN_WRAPPER runs vfioplan under valgrind (the shim is preloaded into the
program, not into valgrind); there only every third N is tried and the kill
test runs 10 times instead of 40.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
MKHOST = os.path.join(TESTS, "tools", "mkhost.py")
TMP_RE = re.compile(r"^\.vfioplan-tmp-\d+-\d+$")
SANITIZER = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|==\d+== ")
OPS = ("write", "fsync", "rename", "create", "mkdir", "close", "unlink")

SPEC = """apiVersion: vfioplan/v1
host:
  name: tiny
  kernel_args: [%(args)s]
vms:
  - name: %(vm)s
    vcpus: 4
    memory: %(mem)s
    devices:
      - address: "0000:01:00"
    guest:
      os: ubuntu-24.04
"""
OLD = SPEC % {"args": "quiet", "vm": "alpha", "mem": "8GiB"}
NEW = SPEC % {"args": "splash, loglevel=3", "vm": "beta", "mem": "16GiB"}
STORE = "var/lib/vfioplan"          # vfioplan's own state: generations, pending actions
GENERATIONS = STORE + "/generations"
LOCK = "run/lock/vfioplan.lock"
MANIFEST = "etc/vfioplan/manifest"   # apply's lock: it stays, empty, once apply has run


class Runner:
    def __init__(self, vfioplan, shim, work):
        self.vfioplan = os.path.abspath(vfioplan)
        self.shim = os.path.abspath(shim)
        self.work = work
        self.wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
        self.valgrind = any("valgrind" in w for w in self.wrapper)
        self.base_env = {"LC_ALL": "C", "TZ": "UTC", "NO_COLOR": "1", "HOME": work,
                         "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.base_env[k] = os.environ[k]

    def env(self, **extra):
        e = dict(self.base_env)
        if extra:
            e["LD_PRELOAD"] = self.shim
            # the shim comes before the ASan runtime in the library list; that is fine here
            e["ASAN_OPTIONS"] = (e.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
            e.update({k: str(v) for k, v in extra.items()})
        return e

    def argv(self, args):
        return self.wrapper + [self.vfioplan] + args

    def run(self, args, **extra):
        p = subprocess.run(self.argv(args), cwd=self.work, env=self.env(**extra), capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=300)
        err = p.stderr
        if self.wrapper:
            err = b"".join(l for l in err.splitlines(keepends=True) if not re.match(rb"^--\d+-- ", l))
        return p.returncode, p.stdout, err


def snapshot_tree(top):
    """relative path -> bytes of every regular file; symlinks as ('link', target)"""
    out = {}
    for root, dirs, files in os.walk(top):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            p = os.path.join(root, name)
            rel = os.path.relpath(p, top)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            else:
                with open(p, "rb") as f:
                    out[rel] = f.read()
    return out


def listed(manifest):
    return {l for l in manifest.decode("utf-8", "replace").split("\n") if l and not l.startswith("#")}


def is_union_manifest(data, old, new):
    """the manifest an apply puts in place before its first rename: OLD's files and NEW's"""
    if not isinstance(data, bytes) or not all(isinstance(t.get(MANIFEST), bytes) for t in (old, new)):
        return False
    return listed(data) == listed(old[MANIFEST]) | listed(new[MANIFEST])


def check_store(top, now, old, new, allow_temp, what):
    """The generation store is whole: every numbered generation complete, each of its files OLD's or
    NEW's version (a root caught between them is recorded as found, file by file), 'current' naming
    one of them; a staging directory only where a run was killed (allow_temp)."""
    problems = []
    gens = os.path.join(top, GENERATIONS)
    if not os.path.isdir(gens):
        return problems
    for name in sorted(os.listdir(gens)):
        if name.startswith(".new-") or TMP_RE.match(name):
            if not allow_temp:
                problems.append("%s: staging directory %s/%s left behind" % (what, GENERATIONS, name))
            continue
        if name == "current":
            cur = now.get(GENERATIONS + "/current")
            if not isinstance(cur, bytes) or not cur.strip().isdigit() or \
                    not os.path.isdir(os.path.join(gens, cur.strip().decode())):
                problems.append("%s: %s/current names no generation: %r" % (what, GENERATIONS, cur))
            continue
        if not name.isdigit():
            problems.append("%s: unexpected entry %s/%s" % (what, GENERATIONS, name))
            continue
        base = GENERATIONS + "/" + name
        try:
            record = json.loads(now[base + "/generation.json"])
        except (KeyError, ValueError) as e:
            problems.append("%s: generation %s has no readable generation.json (%s)" % (what, name, e))
            continue
        listed_files = {f["path"]: f["sha256"] for f in record.get("files", [])}
        for path, digest in sorted(listed_files.items()):
            data = now.get(base + "/files/" + path)
            if not isinstance(data, bytes):
                problems.append("%s: generation %s lacks %s" % (what, name, path))
            elif hashlib.sha256(data).hexdigest() != digest:
                problems.append("%s: generation %s holds %s with another digest than it lists" % (what, name, path))
            elif data not in (old.get(path), new.get(path)) and not (path == MANIFEST and is_union_manifest(data, old, new)):
                problems.append("%s: generation %s holds a %s that is neither OLD's nor NEW's" % (what, name, path))
        for rel in now:
            if rel.startswith(base + "/files/") and rel[len(base) + 7:] not in listed_files:
                problems.append("%s: generation %s holds %s, which its generation.json does not list" % (what, name, rel))
    return problems


def generation_trees(top):
    """number -> {path: bytes} of every numbered generation; and the number 'current' names"""
    now = snapshot_tree(top)
    trees = {}
    for rel, data in now.items():
        m = re.match(re.escape(GENERATIONS) + r"/(\d+)/files/(.*)$", rel)
        if m:
            trees.setdefault(int(m.group(1)), {})[m.group(2)] = data
    cur = now.get(GENERATIONS + "/current")
    return trees, int(cur) if isinstance(cur, bytes) and cur.strip().isdigit() else None


def check_generations(top, expect_current, expect_found, what):
    """After a run that succeeded: the current generation holds exactly the root's files
    (expect_current), and one generation holds expect_found (OLD as the first apply found it)."""
    problems = []
    gens = os.path.join(top, GENERATIONS)
    problems += ["%s: staging directory %s/%s left behind by a run that succeeded" % (what, GENERATIONS, n)
                 for n in (sorted(os.listdir(gens)) if os.path.isdir(gens) else []) if n.startswith(".new-")]
    trees, cur = generation_trees(top)
    if cur is None or cur not in trees:
        return ["%s: no current generation after a run that succeeded" % what]
    if trees[cur] != generated(expect_current):
        problems.append("%s: the current generation (%d) does not hold the root's files: %s" % (
            what, cur, sorted(set(trees[cur]) ^ set(generated(expect_current))) or "contents differ"))
    if expect_found is not None and generated(expect_found) not in trees.values():
        problems.append("%s: no generation holds OLD's files as the first apply found them" % what)
    return problems


def check_state(top, old, new, allow_temp, what, versions=None):
    """old/new: the trees each file may equal; versions: the (OLD, NEW) trees the generations' files
    may equal (default old, new)."""
    problems = []
    now = snapshot_tree(top)
    for rel in sorted(set(old) | set(new)):
        have = now.get(rel)
        choices = [old.get(rel), new.get(rel)]
        if rel == MANIFEST and is_union_manifest(have, old, new):
            continue
        if have not in choices:
            if have is None:
                problems.append("%s: %s is missing (it is in %s)" % (what, rel, "both" if None not in choices else "OLD"))
            else:
                problems.append("%s: %s is neither OLD's nor NEW's (%d bytes; OLD %s, NEW %s)" % (
                    what, rel, len(have), "absent" if choices[0] is None else len(choices[0]),
                    "absent" if choices[1] is None else len(choices[1])))
    for rel, data in sorted(now.items()):
        base = os.path.basename(rel)
        if TMP_RE.match(base):
            if not allow_temp:
                problems.append("%s: temp file %s left behind" % (what, rel))
            continue
        if rel.startswith(STORE + "/"):
            continue
        if rel not in old and rel not in new and rel != LOCK:
            problems.append("%s: unexpected file %s" % (what, rel))
    # every file vfioplan may own is listed by the manifest there is (the old one, the new one, or
    # the one of old and new that an apply puts in place before its first rename): else no later
    # apply, of any spec, would ever remove it
    manifest = now.get(MANIFEST)
    paths = listed(manifest) if isinstance(manifest, bytes) else set()
    for rel in sorted(generated(now)):
        if rel != MANIFEST and rel not in paths:
            problems.append("%s: %s is listed by no manifest (%s)" % (
                what, rel, "there is none" if manifest is None else "the manifest lists %d files" % len(paths)))
    return problems + check_store(top, now, *(versions or (old, new)), allow_temp, what)


def prepare(runner, host):
    """The OLD and NEW trees, built cleanly."""
    for name, text in (("old.yaml", OLD), ("new.yaml", NEW)):
        with open(os.path.join(runner.work, name), "w") as f:
            f.write(text)
    trees = {}
    for name in ("old", "new"):
        rc, _, err = runner.run(["build", name + ".yaml", "--host", host, "-o", name + "-tree"])
        if rc != 0:
            sys.exit("cannot build %s: %s" % (name, err.decode()))
        trees[name] = snapshot_tree(os.path.join(runner.work, name + "-tree"))
    old, new = trees["old"], trees["new"]
    created = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    modified = sorted(p for p in set(old) & set(new) if old[p] != new[p])
    if not (created and removed and modified):
        sys.exit("OLD -> NEW must create, modify and remove files: %s %s %s" % (created, modified, removed))
    return old, new


def fresh_root(runner, name):
    root = os.path.join(runner.work, name)
    if os.path.lexists(root):
        shutil.rmtree(root)
    shutil.copytree(os.path.join(runner.work, "old-tree"), root, symlinks=True)
    return root


def command(kind, host, root, spec="new.yaml"):
    rel = os.path.basename(root)
    if kind == "build":
        return ["build", spec, "--host", host, "-o", rel]
    return ["apply", spec, "--host", host, "--root", rel, "--no-actions"]


def names_failed_file(err, root, failed_path):
    """stderr names the file that failed, or its directory (the shim logged the path it failed)."""
    text = err.decode("utf-8", "replace")
    real_root = os.path.realpath(root)
    failed = os.path.realpath(failed_path) if failed_path else ""
    rel_failed = os.path.relpath(failed, real_root) if failed.startswith(real_root) else None
    if failed == real_root and re.search(r"(^|\s)%s[:\s]" % re.escape(os.path.basename(root)), text):
        return True         # the root itself failed, and the message names it
    mentioned = set(re.findall(re.escape(os.path.basename(root)) + r"/([^\s:']+)", text))
    if rel_failed is None or not mentioned:
        return bool(mentioned)
    fdir = os.path.dirname(rel_failed) if TMP_RE.match(os.path.basename(rel_failed)) else rel_failed
    for m in mentioned:
        m = m.rstrip(".,)")
        if m == rel_failed or m == fdir or os.path.dirname(m) == fdir or m.startswith(fdir + "/") or \
                rel_failed.startswith(m + "/") or os.path.dirname(m) == os.path.dirname(fdir):
            return True
    return False


def inject(runner, host, old, new, kind):
    problems = []
    root = fresh_root(runner, "count-" + kind)
    log = os.path.join(runner.work, "counts")
    if os.path.exists(log):
        os.unlink(log)
    rc, _, err = runner.run(command(kind, host, root), VP_COUNT_LOG=log)
    if rc != 0:
        return ["%s: the counting run failed: %s" % (kind, err.decode())]
    counts = {}
    for line in open(log):
        op, n = line.split()
        counts[op] = max(counts.get(op, 0), int(n))
    tried = 0
    step = 3 if runner.valgrind else 1
    for op in OPS:
        for n in range(1, counts.get(op, 0) + 1, step):
            tried += 1
            what = "%s %s:%d" % (kind, op, n)
            root = fresh_root(runner, "root-" + kind)
            flog = os.path.join(runner.work, "failed")
            if os.path.exists(flog):
                os.unlink(flog)
            rc, _, err = runner.run(command(kind, host, root), VP_FAIL="%s:%d" % (op, n), VP_FAIL_LOG=flog)
            failed = open(flog).read().split(None, 2) if os.path.exists(flog) else []
            failed_path = failed[2].strip() if len(failed) > 2 else ""
            if not failed:
                problems.append("%s: the shim did not fail anything (the call count changed?)" % what)
                continue
            if SANITIZER.search(err) or rc == 99:
                problems.append("%s: sanitizer or valgrind report:\n%s" % (what, err.decode("utf-8", "replace")[-3000:]))
            if rc != 2:
                problems.append("%s (%s): exit %d, not 2: the failure went unreported\n%s" % (
                    what, failed_path, rc, err.decode("utf-8", "replace")))
            elif b"error[VP5001]" not in err:
                problems.append("%s: no error[VP5001]:\n%s" % (what, err.decode("utf-8", "replace")))
            elif not names_failed_file(err, root, failed_path):
                problems.append("%s: stderr does not name %s:\n%s" % (what, failed_path, err.decode("utf-8", "replace")))
            problems += check_state(root, old, new, False, what)
            if op in ("rename", "unlink") and n % 2 == 0:
                # stopped among the renames, then a run of another spec (OLD): it removes every file of
                # NEW the failed run put in place (the manifest of both listed them)
                rc, _, err = runner.run(command(kind, host, root, "old.yaml"))
                if rc != 0:
                    problems.append("%s: the run of OLD after the failure failed: %s" % (
                        what, err.decode("utf-8", "replace")))
                elif generated(snapshot_tree(root)) != generated(old):
                    left = sorted(set(generated(snapshot_tree(root))) - set(old))
                    problems.append("%s: after a run of OLD, the root is not OLD: %s" % (what, left or "files differ"))
                elif kind == "apply":
                    problems += [p + " (after the run of OLD)" for p in
                                 check_state(root, old, new, False, what) + check_generations(root, old, old, what)]
                continue
            # and it recovers: the same command without the failure gives NEW
            rc, _, err = runner.run(command(kind, host, root))
            if rc != 0:
                problems.append("%s: the run after the failure failed: %s" % (what, err.decode("utf-8", "replace")))
            else:
                problems += [p + " (after the recovery run)" for p in check_state(root, new, new, False, what, (old, new)) +
                             (check_generations(root, new, old, what) if kind == "apply" else [])]
    print("%-4s fault injection, %s: %d failures injected (%s)" % (
        "FAIL" if problems else "ok", kind, tried, ", ".join("%s %d" % (op, counts.get(op, 0)) for op in OPS)))
    return problems


def kill_test(runner, host, old, new, rounds):
    problems = []
    # how long an apply takes when every counted call sleeps 2 ms
    root = fresh_root(runner, "kill-root")
    t0 = time.monotonic()
    rc, _, err = runner.run(command("apply", host, root), VP_SLOW_US=2000)
    duration = time.monotonic() - t0
    if rc != 0:
        return ["kill: the slowed-down apply failed: " + err.decode()]
    rng = random.Random(20260)
    left = 0
    killed_mid = 0
    recovered_old = 0
    for i in range(rounds):
        root = fresh_root(runner, "kill-root")
        p = subprocess.Popen(runner.argv(command("apply", host, root)), cwd=runner.work,
                             env=runner.env(VP_SLOW_US=2000), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i % 2:
            time.sleep(rng.uniform(0, duration))
        else:
            # the other half: once the first temp file shows up (writing has begun), so that
            # the kill lands among the writes and renames, not in the start-up
            t0 = time.monotonic()
            while p.poll() is None and time.monotonic() - t0 < duration and \
                    not any(TMP_RE.match(f) for _, _, fs in os.walk(root) for f in fs):
                time.sleep(0.001)
            time.sleep(rng.uniform(0, duration))
        p.send_signal(signal.SIGKILL)
        p.wait()
        state = snapshot_tree(root)
        if any(state.get(r) != old.get(r) for r in set(old) | set(new)) and \
                any(state.get(r) != new.get(r) for r in set(old) | set(new)):
            killed_mid += 1
        what = "kill -9 #%d" % i
        problems += check_state(root, old, new, True, what)
        left += sum(1 for r in state if TMP_RE.match(os.path.basename(r)))
        if i % 4 == 3:
            # the next apply is of another spec (OLD): it must remove every file of NEW the killed run
            # put in place, so the root ends exactly as OLD (vfioplan's state aside)
            rc, _, err = runner.run(["apply", "old.yaml", "--host", host, "--root", os.path.basename(root),
                                     "--no-actions"])
            if rc != 0:
                problems.append("%s: the apply of OLD after the kill failed: %s" % (what, err.decode("utf-8", "replace")))
            elif generated(snapshot_tree(root)) != generated(old):
                extra = sorted(set(generated(snapshot_tree(root))) - set(old))
                problems.append("%s: after the apply of OLD, the root is not OLD: %s" % (what, extra or "files differ"))
            else:
                problems += [p + " (after the apply of OLD)" for p in
                             check_state(root, old, new, True, what) + check_generations(root, old, old, what)]
            recovered_old += 1
            continue
        rc, _, err = runner.run(command("apply", host, root))
        if rc != 0:
            problems.append("%s: the apply after the kill failed: %s" % (what, err.decode("utf-8", "replace")))
        else:
            problems += [p + " (after the next apply)" for p in check_state(root, new, new, True, what, (old, new)) +
                         check_generations(root, new, old, what)]
    print("%-4s kill -9 of apply at random moments: %d rounds (%.2f s each), %d caught between OLD and NEW, "
          "%d temp files left in all, %d followed by an apply of OLD" % (
              "FAIL" if problems else "ok", rounds, duration, killed_mid, left, recovered_old))
    return problems


def generated(state):
    """The files of a tree that a build or an apply generates: not vfioplan's state, no lock, no temp files."""
    return {r: v for r, v in state.items()
            if not r.startswith(STORE + "/") and r != LOCK and not TMP_RE.match(os.path.basename(r))}


def race_test(runner, host, old, new, rounds):
    """Two applies of different specs (OLD and NEW) started together on one root, both slowed down
    by the shim so that their reads and renames overlap: the root's lock makes one wait for the
    other, so both exit 0 and the root ends as one complete tree (the one applied last), never a
    mix of the two."""
    problems = []
    mixed = 0
    for i in range(rounds):
        root = os.path.join(runner.work, "race-root")
        if os.path.lexists(root):
            shutil.rmtree(root)
        os.mkdir(root)
        procs = []
        for spec in ("old.yaml", "new.yaml") if i % 2 else ("new.yaml", "old.yaml"):
            argv = ["apply", spec, "--host", host, "--root", "race-root", "--no-actions"]
            procs.append(subprocess.Popen(runner.argv(argv), cwd=runner.work, env=runner.env(VP_SLOW_US=300),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        errs = []
        for p in procs:
            _, err = p.communicate(timeout=300)
            errs.append((p.returncode, err))
        what = "race #%d" % i
        for rc, err in errs:
            if rc != 0 or SANITIZER.search(err):
                problems.append("%s: an apply exited %d:\n%s" % (what, rc, err.decode("utf-8", "replace")[-2000:]))
        state = generated(snapshot_tree(root))
        if state != generated(old) and state != generated(new):
            mixed += 1
            only_old = sorted(r for r in state if state.get(r) == old.get(r) and state.get(r) != new.get(r))
            only_new = sorted(r for r in state if state.get(r) == new.get(r) and state.get(r) != old.get(r))
            problems.append("%s: the root is a mix of both specs (OLD's %s, NEW's %s)" % (what, only_old, only_new))
    print("%-4s race: two applies of different specs on one root, %d rounds: %d ended as a mix" % (
        "FAIL" if problems else "ok", rounds, mixed))
    return problems


def symlink_tests(runner, host, old, new):
    problems = []
    outside = os.path.join(runner.work, "outside")
    cases = [
        # (name, command kind, relative link path in root, link target (None: the outside dir), expected)
        ("etc -> outside (absolute)", "build", "etc", None),
        ("etc -> outside (absolute)", "apply", "etc", None),
        ("etc/modprobe.d -> ../../outside", "build", "etc/modprobe.d", "../../outside"),
        ("etc/default/grub.d -> outside", "apply", "etc/default/grub.d", None),
        ("var/lib/vfioplan -> outside", "apply", "var/lib/vfioplan", None),
        ("etc/vfioplan -> a directory inside the root", "apply", "etc/vfioplan", "../inside"),
        ("etc/initramfs-tools -> outside", "build", "etc/initramfs-tools", None),
        ("target file etc/modprobe.d/vfioplan.conf -> outside/victim", "apply", "etc/modprobe.d/vfioplan.conf", "FILE"),
        ("target file etc/vfioplan/manifest -> outside/victim", "build", "etc/vfioplan/manifest", "FILE"),
    ]
    for name, kind, link, target in cases:
        if os.path.lexists(outside):
            shutil.rmtree(outside)
        os.mkdir(outside)
        root = fresh_root(runner, "link-root")
        os.makedirs(os.path.join(root, "inside"), exist_ok=True)
        path = os.path.join(root, link)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if target == "FILE":
            with open(os.path.join(outside, "victim"), "w") as f:
                f.write("not vfioplan's\n")
            os.symlink(os.path.join(outside, "victim"), path)
        else:
            os.symlink(target or outside, path)
        before_outside = snapshot_tree(outside)
        rc, _, err = runner.run(command(kind, host, root))
        what = "symlink %s, %s" % (name, kind)
        if snapshot_tree(outside) != before_outside:
            problems.append("%s: wrote outside the root: %s" % (what, sorted(snapshot_tree(outside))))
        if SANITIZER.search(err) or rc == 99:
            problems.append("%s: sanitizer or valgrind report" % what)
        if target == "FILE":
            # the link itself may be replaced by the new file; what it points at must not change
            if rc not in (0, 2):
                problems.append("%s: exit %d" % (what, rc))
            if os.path.islink(path) and rc == 0:
                problems.append("%s: exit 0 but the link is still there" % what)
        elif rc != 2 or b"error[VP5002]" not in err:
            problems.append("%s: exit %d without error[VP5002]:\n%s" % (what, rc, err.decode("utf-8", "replace")))
        print("%-4s %s -> exit %d %s" % ("FAIL" if any(p.startswith(what) for p in problems) else "ok", what, rc,
                                         (re.search(rb"error\[VP\d+\]", err) or re.search(rb"$", b"")).group(0).decode()))
    shutil.rmtree(outside, ignore_errors=True)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vfioplan", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--kill-rounds", type=int, default=None)
    a = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory(prefix="vp-faultinject-") as work:
        runner = Runner(a.vfioplan, a.shim, work)
        subprocess.run([sys.executable, MKHOST, os.path.join(TESTS, "hosts", "tiny.table"), os.path.join(work, "host")],
                       check=True, stdout=subprocess.DEVNULL)
        host = "host"
        old, new = prepare(runner, host)
        for kind in ("build", "apply"):
            problems += inject(runner, host, old, new, kind)
        rounds = a.kill_rounds if a.kill_rounds is not None else (10 if runner.valgrind else 40)
        problems += kill_test(runner, host, old, new, rounds)
        problems += race_test(runner, host, old, new, 5 if runner.valgrind else 30)
        problems += symlink_tests(runner, host, old, new)
    for p in problems:
        print("FAIL " + p)
    if problems:
        print("\n%d problems" % len(problems))
        return 1
    print("\nfault injection: every invariant held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
