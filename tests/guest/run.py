#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The guest setup scripts, run for real (tests/guest/README.md).

For each scenario: compile the dgx-h100 example with a driver pin and a guest
OS, make a guest root (lib/roots.py) over local repositories of stand-in
packages with NVIDIA's real names for both naming eras (lib/packages.py),
play its kernel (lib/machine.py), run the script the way a user would (as
root, twice where it asks for a reboot, once more to see it change nothing),
and check what it did: which packages at which versions, the locks, that
`dnf upgrade` / `apt-get dist-upgrade` moves nothing, and that a planned
upgrade goes through the unlock command the script printed.

usage: run.py [--vfioplan PATH] [--only NAME,...] [--list]
Exit: 0 all passed, 1 a scenario failed, 2 could not run, 77 not root (skipped).
Cache: $VFIOPLAN_GUEST_CACHE (default /var/cache/vfioplan-guest).
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # runs as root from the source tree
sys.path.insert(0, os.path.join(HERE, "lib"))
import machine  # noqa: E402
import packages  # noqa: E402
import roots  # noqa: E402

EXAMPLE = os.path.join(REPO, "examples/dgx-h100")
_host_tree = []


def example_host(work):
    """The dgx-h100 example's host as a sysfs tree (tests/hosts/dgx-h100.table through mkhost.py), made once."""
    if not _host_tree:
        tree = os.path.join(work, "dgx-h100-host")
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(REPO, "tests/tools/mkhost.py"),
                        os.path.join(REPO, "tests/hosts/dgx-h100.table"), tree], check=True, stdout=subprocess.DEVNULL)
        _host_tree.append(tree)
    return _host_tree[0]
CACHE = os.environ.get("VFIOPLAN_GUEST_CACHE", "/var/cache/vfioplan-guest")
TOOLS = ["debootstrap", "rpmbuild", "createrepo_c", "modifyrepo_c", "dpkg-deb", "apt-ftparchive", "unshare"]

# What each scenario pins and must end up with. NVIDIA's names differ by era:
# 570 has nvidia-fabric-manager (RHEL) / nvidia-fabricmanager-570 (Ubuntu),
# libnvidia-nscq-570 and nvidia-imex-570; 580 has nvidia-fabricmanager,
# libnvidia-nscq and nvidia-imex. The repositories also hold newer releases of
# each branch (570.133.20, 580.82.07) and newer CUDA updates: a pin must win.
SCENARIOS = {
    "rhel9-570": dict(
        os="rhel9", version="570.124.06", nouveau=True, upgrade_to="570.133.20",
        installed={"nvidia-driver": "570.124.06", "nvidia-driver-cuda": "570.124.06",
                   "kmod-nvidia-open-dkms": "570.124.06", "nvidia-fabric-manager": "570.124.06",
                   "libnvidia-nscq-570": "570.124.06", "nvidia-imex-570": "570.124.06",
                   "cuda-toolkit-12-8": "12.8.1"},
        absent=["nvidia-fabricmanager", "libnvidia-nscq", "nvidia-imex", "kmod-nvidia-latest-dkms"],
        stream="570-open"),
    "rhel9-580": dict(
        os="rhel9", version="580.65.06", nouveau=False,
        installed={"nvidia-driver": "580.65.06", "kmod-nvidia-open-dkms": "580.65.06",
                   "nvidia-fabricmanager": "580.65.06", "libnvidia-nscq": "580.65.06",
                   "nvidia-imex": "580.65.06", "cuda-toolkit-13-0": "13.0.0"},
        absent=["nvidia-fabric-manager", "libnvidia-nscq-580", "nvidia-imex-580"],
        stream="580-open"),
    "ubuntu2204-570": dict(
        os="ubuntu-22.04", version="570.124.06", nouveau=True, upgrade_to="570.133.20",
        installed={"nvidia-driver-570-open": "570.124.06-0ubuntu1", "nvidia-dkms-570-open": "570.124.06-0ubuntu1",
                   "nvidia-utils-570": "570.124.06-0ubuntu1", "nvidia-fabricmanager-570": "570.124.06-1",
                   "libnvidia-nscq-570": "570.124.06-1", "nvidia-imex-570": "570.124.06-1",
                   "cuda-toolkit-12-8": "12.8.1-1"},
        absent=["nvidia-fabricmanager", "nvidia-dkms-570"]),
    "ubuntu2404-580": dict(
        os="ubuntu-24.04", version="580", nouveau=False,
        installed={"nvidia-driver-580-open": "580.82.07-0ubuntu1", "nvidia-dkms-580-open": "580.82.07-0ubuntu1",
                   "nvidia-fabricmanager": "580.82.07-1", "libnvidia-nscq": "580.82.07-1",
                   "nvidia-imex": "580.82.07-1", "cuda-toolkit-13-0": "13.0.1-1"},
        absent=["nvidia-fabricmanager-570", "libnvidia-nscq-570"]),
}
KERNELS = {"rhel9": packages.RHEL_KERNEL, **packages.UBUNTU_KERNELS}


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def repo_key():
    h = hashlib.sha256()
    for d in ("lib/packages.py", "standins"):
        p = os.path.join(HERE, d)
        files = [p] if os.path.isfile(p) else [os.path.join(p, f) for f in sorted(os.listdir(p))]
        for f in files:
            h.update(f.encode() + open(f, "rb").read())
    return h.hexdigest()[:16]


def ensure_repos():
    d = os.path.join(CACHE, "repo-" + repo_key())
    if os.path.exists(os.path.join(d, ".complete")):
        return d, False
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "build.log"), "w") as log:
        packages.build(d, log)
    open(os.path.join(d, ".complete"), "w").close()
    return d, True


class Guest:
    """One scenario's guest: its root, the script of a spec, runs and queries."""

    def __init__(self, name, sc, base, repo, vfioplan, work):
        self.name, self.sc, self.vfioplan, self.work = name, sc, vfioplan, work
        self.root = os.path.join(CACHE, "work", name, "root")
        self.pm = "dnf" if sc["os"] == "rhel9" else "apt"
        self.log = open(os.path.join(work, name + ".log"), "w")
        roots.make_guest(base, self.root, sc["os"], KERNELS[sc["os"]], repo, self.log)

    def compile(self, version):
        """vfioplan build of the dgx-h100 example with this guest OS and driver pin; installs the script."""
        text = open(os.path.join(EXAMPLE, "spec.yaml")).read()
        text = text.replace("os: rhel9", "os: " + self.sc["os"])
        text = text.replace("nvidia: {flavor: open, cuda: true}",
                            'nvidia: {flavor: open, cuda: true, version: "%s"}' % version)
        check(version in text, "the example's guest section changed; update tests/guest/run.py")
        d = tempfile.mkdtemp(dir=self.work)
        with open(os.path.join(d, "spec.yaml"), "w") as f:
            f.write(text)
        r = subprocess.run([self.vfioplan, "build", os.path.join(d, "spec.yaml"), "--host",
                            example_host(self.work), "-o", os.path.join(d, "out")], capture_output=True, text=True)
        check(r.returncode == 0, "vfioplan build failed: " + r.stderr)
        shutil.copy(os.path.join(d, "out/etc/vfioplan/guest/h100-vm-setup.sh"), self.root + "/root/setup.sh")
        return os.path.join(d, "out/etc/vfioplan/vms/h100-vm.xml")

    def boot(self):
        return machine.boot(self.root, self.sc["nouveau"], self.log)

    def sh(self, *argv):
        return machine.run(self.root, list(argv), self.log)

    def setup(self, expect_rc=0):
        rc, out, err = self.sh("sh", "/root/setup.sh")
        check(rc == expect_rc, "setup.sh exited %d, expected %d:\n%s" % (rc, expect_rc, tail(out + err)))
        return out, err

    def versions(self):
        if self.pm == "dnf":
            out = self.sh("rpm", "-qa", "--qf", "%{NAME} %{VERSION}\\n")[1]
        else:
            out = self.sh("dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package} ${Version}\\n")[1]
            # the second letter is the current state: ii installed, hi installed and held
            out = "\n".join(" ".join(line.split()[1:]) for line in out.splitlines() if line[1:2] == "i")
        return dict(line.split() for line in out.splitlines() if line.strip())

    def check_installed(self, want):
        have = self.versions()
        for pkg, version in want.items():
            check(have.get(pkg) == version, "%s is %s, expected %s" % (pkg, have.get(pkg, "not installed"), version))
        for pkg in self.sc["absent"]:
            check(pkg not in have, "%s is installed (%s), it must not be" % (pkg, have.get(pkg)))

    def check_locked(self, want):
        if self.pm == "dnf":
            locks = self.sh("dnf", "versionlock", "list")[1]
            for pkg, version in want.items():
                check(re.search(r"^%s-(\d+:)?%s-" % (re.escape(pkg), re.escape(version)), locks, re.M),
                      "dnf versionlock has no lock of %s-%s:\n%s" % (pkg, version, locks))
            enabled = self.sh("dnf", "module", "list", "--enabled", "nvidia-driver")[1]
            check(re.search(r"^nvidia-driver\s+%s \[e\]" % re.escape(self.sc["stream"]), enabled, re.M),
                  "module stream nvidia-driver:%s is not enabled:\n%s" % (self.sc["stream"], enabled))
        else:
            held = self.sh("apt-mark", "showhold")[1].split()
            pins = open(self.root + "/etc/apt/preferences.d/vfioplan-nvidia").read()
            for pkg, version in want.items():
                check(pkg in held, "apt-mark showhold lacks %s: %s" % (pkg, held))
                check("Pin: version %s-*" % version.rsplit("-", 1)[0] in pins, "no pin of %s in:\n%s" % (version, pins))

    def upgrade_everything(self):
        """What an administrator runs; the locks must hold."""
        if self.pm == "dnf":
            rc, out, err = self.sh("dnf", "-y", "upgrade")
        else:
            rc, out, err = self.sh("sh", "-c", "apt-get update && apt-get -y upgrade && apt-get -y dist-upgrade")
        check(rc == 0, "upgrade failed:\n" + tail(out + err))


def tail(text, n=25):
    return "\n".join(text.rstrip().splitlines()[-n:])


def run_scenario(name, sc, base, repo, vfioplan, work, timings):
    t0 = time.time()
    g = Guest(name, sc, base, repo, vfioplan, work)
    want = sc["installed"]
    try:
        xml = g.compile(sc["version"])
        machine.make_sysfs(g.root, xml, example_host(work))
        first = g.boot()
        check(first == ("nouveau" if sc["nouveau"] else ""), "first boot bound the GPUs to %r" % first)

        out, _ = g.setup()
        if sc["nouveau"]:
            # phase one: nouveau holds the GPUs, so blacklist, rebuild, ask for the reboot
            check("run again after the reboot" in out, "no reboot asked for:\n" + tail(out))
            check("blacklist nouveau" in open(g.root + "/etc/modprobe.d/vfioplan-blacklist-nouveau.conf").read(),
                  "nouveau is not blacklisted")
            rebuilt = open(g.root + "/var/log/vfioplan-standin/initramfs.log").read().splitlines()
            check(len(rebuilt) == 1, "the initramfs was rebuilt %d times" % len(rebuilt))
            before = machine.snapshot(g.root, g.pm)
            out, _ = g.setup()  # again before the reboot: same request, nothing redone
            check("run again after the reboot" in out, "the second run before the reboot did not ask again")
            check(machine.snapshot(g.root, g.pm) == before, "a run before the reboot changed the guest")
            check(g.boot() == "nvidia", "after the reboot the GPUs are not on nvidia")
            out, _ = g.setup()
        check("all checks passed" in out, "phase two did not pass:\n" + tail(out))
        g.check_installed(want)
        g.check_locked(want)

        before = machine.snapshot(g.root, g.pm)
        out, _ = g.setup()
        check("all checks passed" in out, "the third run did not pass:\n" + tail(out))
        after = machine.snapshot(g.root, g.pm)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        check(not changed, "a run with everything in place changed: %s" % changed)

        g.upgrade_everything()
        g.check_installed(want)

        if sc.get("upgrade_to"):
            new = sc["upgrade_to"]
            g.compile(new)
            _, err = g.setup(expect_rc=1)
            unlock = open(g.root + "/var/lib/vfioplan-guest/unlock").read().strip()
            check("unlock first: " + unlock in err, "the refusal does not give the unlock command:\n" + tail(err))
            rc, o, e = g.sh("sh", "-c", unlock)
            check(rc == 0, "the printed unlock command failed:\n" + tail(o + e))
            out, _ = g.setup()
            check("run again after the reboot" in out, "the upgrade did not ask to reboot into it:\n" + tail(out))
            g.boot()
            out, _ = g.setup()
            check("all checks passed" in out, "after the planned upgrade:\n" + tail(out))
            moved = {k: v.replace(sc["version"], new) for k, v in want.items() if not k.startswith("cuda-")}
            g.check_installed(moved)
            g.check_locked(moved)
        timings.append((name, time.time() - t0))
        return True
    except Failed as e:
        print("FAIL %s: %s\n     log: %s" % (name, e, g.log.name), flush=True)
        timings.append((name, time.time() - t0))
        return False
    finally:
        g.log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vfioplan", default=os.environ.get("VFIOPLAN", os.path.join(REPO, "build/vfioplan")))
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(SCENARIOS))
        return 0
    if os.geteuid() != 0:
        print("guest: needs root (debootstrap, chroot, unshare); skipped")
        return 77
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing or not os.access(a.vfioplan, os.X_OK):
        print("guest: missing %s (tests/setup-debian.sh test installs them)" % (missing or a.vfioplan))
        return 2
    names = a.only.split(",") if a.only else list(SCENARIOS)
    t0 = time.time()
    timings = []
    os.makedirs(CACHE, exist_ok=True)
    t = time.time()
    base, built = roots.ensure_base(CACHE)
    timings.append(("base root (%s)" % ("built" if built else "cached"), time.time() - t))
    t = time.time()
    repo, built = ensure_repos()
    timings.append(("stand-in repositories (%s)" % ("built" if built else "cached"), time.time() - t))
    for name in os.listdir(os.path.join(CACHE, "work")) if os.path.isdir(os.path.join(CACHE, "work")) else []:
        roots.release_guest(os.path.join(CACHE, "work", name, "root"))  # a failed scenario's guest, kept to look at
    keep = {os.path.dirname(base), repo, os.path.join(CACHE, "work"), os.path.join(CACHE, "debs")}
    for entry in os.listdir(CACHE):  # entries of other keys are stale
        if os.path.join(CACHE, entry) not in keep:
            shutil.rmtree(os.path.join(CACHE, entry), ignore_errors=True)
    work = os.path.join(CACHE, "logs")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    keep.add(work)
    passed = 0
    for name in names:
        if name not in SCENARIOS:
            print("guest: no scenario %s (--list)" % name)
            return 2
        ok = run_scenario(name, SCENARIOS[name], base, repo, a.vfioplan, work, timings)
        passed += ok
        if ok:
            print("ok   %s" % name, flush=True)
            roots.release_guest(os.path.join(CACHE, "work", name, "root"))
    for what, secs in timings:
        print("     %-40s %6.1f s" % (what, secs))
    print("guest: %d passed, %d failed in %.0f s (logs: %s)" % (passed, len(names) - passed, time.time() - t0, work))
    return 0 if passed == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
