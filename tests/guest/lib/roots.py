# SPDX-License-Identifier: MIT
"""The guest roots: a Debian 12 root (debootstrap, cached) made into a stand-in
RHEL 9, Ubuntu 22.04 or Ubuntu 24.04 guest.

Only Debian's archive is reachable from the machines that run these tests, so
the "RHEL 9" guest is Debian 12 with Debian's own dnf, rpm and dnf-plugins-core
(versionlock, config-manager), its os-release RHEL's, and its rpm database
holding only what the guest script installs; the "Ubuntu" guests are Debian 12
with Ubuntu's os-release and no Debian sources. The guest script's logic is
dnf's or apt's either way, and every package it installs comes from the local
stand-in repositories (packages.py) at /repo.

The machine under the packages is the test's (tests/guest/machine/): uname -r
answers the guest kernel, modprobe, systemctl and the initramfs tool act on
the fake /sys the test keeps (machine.py).
"""
import hashlib
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MACHINE = os.path.join(os.path.dirname(HERE), "machine")
SUITE = "bookworm"
BASE_PACKAGES = ["dnf", "rpm", "dnf-plugins-core"]

# the os-release files of the host fixtures (tests/tools/mkhost.py), by guest.os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
from mkhost import OS_RELEASE as _FIXTURE_OS_RELEASE  # noqa: E402

OS_RELEASE = {"rhel9": _FIXTURE_OS_RELEASE[("rhel", "9.4")],
              "ubuntu-22.04": _FIXTURE_OS_RELEASE[("ubuntu", "22.04")],
              "ubuntu-24.04": _FIXTURE_OS_RELEASE[("ubuntu", "24.04")]}
CUDA_REPO = """[cuda-rhel9-x86_64]
name=cuda-rhel9-x86_64
baseurl=file:///repo/rpm
enabled=1
gpgcheck=0
"""


def log(msg):
    print("%s guest: %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def host_mirror():
    """The Debian mirror this machine already uses."""
    for path in ["/etc/apt/sources.list"] + [os.path.join("/etc/apt/sources.list.d", f)
                                            for f in sorted(os.listdir("/etc/apt/sources.list.d"))]:
        try:
            text = open(path).read()
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split()
            url = words[1] if words[:1] == ["URIs:"] else (words[1] if words[:1] == ["deb"] and len(words) > 1 else "")
            if "debian" in url and "security" not in url:
                return url
    return "http://deb.debian.org/debian"


def retry(argv, logf, before=None, tries=3):
    """Runs a download step up to three times (15 s, 30 s apart); nothing else is retried."""
    for attempt in range(1, tries + 1):
        if before:
            before()
        if subprocess.run(argv, stdout=logf, stderr=logf).returncode == 0:
            return
        if attempt == tries:
            raise RuntimeError("failed %d times: %s (log: %s)" % (tries, " ".join(argv), logf.name))
        log("try %d failed, retrying in %d s: %s" % (attempt, attempt * 15, argv[0]))
        time.sleep(attempt * 15)


def base_key(mirror):
    """What goes into the base root (the guest roots made from it are rebuilt on every run)."""
    h = hashlib.sha256()
    for part in ["debootstrap --variant=minbase", SUITE, mirror] + BASE_PACKAGES:
        h.update(part.encode() + b"\n")
    return h.hexdigest()[:16]


def ensure_base(cache):
    """$cache/base-KEY/rootfs: debootstrap'd Debian 12 with dnf; built once per key. Returns (path, built)."""
    mirror = os.environ.get("VFIOPLAN_GUEST_MIRROR") or host_mirror()
    d = os.path.join(cache, "base-" + base_key(mirror))
    if os.path.exists(os.path.join(d, ".complete")):
        return os.path.join(d, "rootfs"), False
    shutil.rmtree(d, ignore_errors=True)
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(cache, "debs"), exist_ok=True)
    os.makedirs(tmp)
    log("debootstrap %s from %s (a few minutes, once)" % (SUITE, mirror))
    rootfs = os.path.join(tmp, "rootfs")
    with open(os.path.join(tmp, "build.log"), "w") as logf:
        retry(["debootstrap", "--variant=minbase", "--cache-dir=" + os.path.join(cache, "debs"),
               "--include=" + ",".join(BASE_PACKAGES), SUITE, rootfs, mirror], logf,
              before=lambda: shutil.rmtree(rootfs, ignore_errors=True))
        subprocess.run(["chroot", rootfs, "apt-get", "clean"], check=True, stdout=logf, stderr=logf)
    open(os.path.join(tmp, ".complete"), "w").close()
    os.rename(tmp, d)
    return os.path.join(d, "rootfs"), True


def write(root, path, text, mode=0o644):
    dest = root + path
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w") as f:
        f.write(text)
    os.chmod(dest, mode)


def install_machine(root, name, path):
    """Puts the test machine's tool name at path, moving a real one aside as dpkg-divert does."""
    subprocess.run(["chroot", root, "dpkg-divert", "--quiet", "--local", "--rename", "--divert", path + ".real",
                    "--add", path], check=True)
    write(root, path, open(os.path.join(MACHINE, name)).read(), 0o755)


def release_guest(root):
    """Unmounts and removes the guest at root (DIR/root over DIR/upper), as left by make_guest."""
    if os.path.ismount(root):
        subprocess.run(["umount", root], check=True)
    shutil.rmtree(os.path.dirname(root), ignore_errors=True)


def make_guest(base, root, os_name, kernel, repo, logf):
    """A fresh guest at root (DIR/root): base under an overlay, made into os_name with kernel, repo at /repo."""
    release_guest(root)
    top = os.path.dirname(root)
    for d in ("upper", "ovl", "root"):
        os.makedirs(os.path.join(top, d))
    # the base stays as built: each guest writes to its own overlay layer (no 500 MB copy per scenario)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=%s,upperdir=%s/upper,workdir=%s/ovl"
                    % (base, top, top), root], check=True)
    shutil.copytree(repo, root + "/repo")
    write(root, "/etc/os-release", OS_RELEASE[os_name])
    if os.path.exists(root + "/usr/lib/os-release"):
        os.remove(root + "/usr/lib/os-release")
    write(root, "/etc/vfioplan-standin/kernel", kernel + "\n")
    write(root, "/etc/vfioplan-standin/secureboot", "disabled\n")
    install_machine(root, "uname", "/usr/bin/uname")
    install_machine(root, "modprobe", "/usr/sbin/modprobe")
    install_machine(root, "systemctl", "/usr/bin/systemctl")
    os.makedirs(root + "/lib/modules/" + kernel, exist_ok=True)
    if os_name == "rhel9":
        install_machine(root, "initramfs", "/usr/bin/dracut")
        os.symlink("/usr/src/kernels/" + kernel, root + "/lib/modules/%s/build" % kernel)
        write(root, "/etc/yum.repos.d/cuda-rhel9.repo", CUDA_REPO)
        write(root, "/etc/dnf/vars/releasever", "9\n")
        # Debian enables dnf's "local" plugin (a copy of every installed package); RHEL does not ship it
        write(root, "/etc/dnf/plugins/local.conf", "[main]\nenabled=0\n")
        # a RHEL install comes with mokutil; the shell rpm scriptlets need is Debian's here
        subprocess.run(["chroot", root, "dnf", "-y", "-q", "install", "vfioplan-standin-base", "mokutil"], check=True,
                       stdout=logf, stderr=logf)
    else:
        install_machine(root, "initramfs", "/usr/sbin/update-initramfs")
        os.symlink("/usr/src/linux-headers-" + kernel, root + "/lib/modules/%s/build" % kernel)
        # NVIDIA's repository comes from its keyring package; no Debian sources in an "Ubuntu" guest
        write(root, "/etc/apt/sources.list", "")
        for f in os.listdir(root + "/etc/apt/sources.list.d"):
            os.remove(os.path.join(root + "/etc/apt/sources.list.d", f))
        debs = [os.path.join("/repo/deb", f) for f in sorted(os.listdir(repo + "/deb"))
                if f.startswith(("cuda-keyring_", "mokutil_"))]
        subprocess.run(["chroot", root, "dpkg", "-i"] + debs, check=True, stdout=logf, stderr=logf)
