# SPDX-License-Identifier: MIT
"""The guest's kernel and boots, played by the test.

The guest root has no mounted /sys: the test writes the sysfs entries the
script and the stand-in tools read, from the VM's libvirt domain and the host
tree the spec was compiled against (the guest sees the host's device ids,
class and BAR sizes at the guest addresses of the domain's <hostdev>s):
/sys/bus/pci/devices/ADDR/{vendor,device,class,resource}, the driver links,
and /sys/module/{nouveau,nvidia} for the loaded modules.

boot() is a reboot: /run is emptied and the boot id changes; nouveau binds the
GPUs unless the blacklist is both in the initramfs (what the initramfs tool
copied) and in /etc/modprobe.d; otherwise the nvidia module DKMS built for the
running kernel loads; then systemd starts the enabled units.

run() runs a command in the guest root: a private mount namespace with /proc
mounted and the boot id bound over /proc/sys/kernel/random/boot_id, no
network (everything comes from /repo), chroot, a clean environment.
"""
import os
import shutil
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def guest_devices(domain_xml, host_tree):
    """(guest address, host sysfs dir) of each passed-through function."""
    out = []
    for hd in ET.parse(domain_xml).getroot().iter("hostdev"):
        src = hd.find("source/address")
        dst = hd.find("address")
        host = "%04x:%02x:%02x.%x" % tuple(int(src.get(k), 16) for k in ("domain", "bus", "slot", "function"))
        guest = "0000:%02x:%02x.%x" % tuple(int(dst.get(k), 16) for k in ("bus", "slot", "function"))
        out.append((guest, os.path.join(host_tree, "sys/bus/pci/devices", host)))
    return sorted(out)


def make_sysfs(root, domain_xml, host_tree):
    sysfs = root + "/sys"
    shutil.rmtree(sysfs, ignore_errors=True)
    for d in ("bus/pci/drivers/nouveau", "bus/pci/drivers/nvidia", "module"):
        os.makedirs(os.path.join(sysfs, d))
    for guest, host in guest_devices(domain_xml, host_tree):
        d = os.path.join(sysfs, "bus/pci/devices", guest)
        os.makedirs(d)
        for attr in ("vendor", "device", "class", "resource"):
            shutil.copy(os.path.join(host, attr), os.path.join(d, attr))


def _nvidia_functions(root):
    base = root + "/sys/bus/pci/devices"
    for addr in sorted(os.listdir(base)):
        d = os.path.join(base, addr)
        vendor = open(d + "/vendor").read().strip()
        cls = open(d + "/class").read().strip()
        if vendor == "0x10de" and (cls.startswith("0x03") or cls == "0x068000"):
            yield d, cls.startswith("0x03")


def _bind(root, driver):
    for d, gpu in _nvidia_functions(root):
        link = os.path.join(d, "driver")
        if os.path.lexists(link):
            os.remove(link)
        if driver and (gpu or driver == "nvidia"):
            os.symlink("../../drivers/" + driver, link)


def _blacklisted(directory):
    if not os.path.isdir(directory):
        return False
    for f in os.listdir(directory):
        path = os.path.join(directory, f)
        if os.path.isfile(path) and "blacklist nouveau" in open(path).read().splitlines():
            return True
    return False


def boot(root, nouveau_in_kernel, log):
    """A (re)boot of the guest; returns what bound the GPUs ('nouveau', 'nvidia' or '')."""
    kernel = open(root + "/etc/vfioplan-standin/kernel").read().strip()
    shutil.rmtree(root + "/run/vfioplan-standin", ignore_errors=True)
    os.makedirs(root + "/run/vfioplan-standin")
    with open(root + "/run/vfioplan-standin/boot_id", "w") as f:
        f.write(str(uuid.uuid4()) + "\n")
    for m in os.listdir(root + "/sys/module"):
        shutil.rmtree(os.path.join(root + "/sys/module", m))
    _bind(root, None)
    blacklisted = _blacklisted(root + "/boot/initramfs-standin/modprobe.d") and _blacklisted(root + "/etc/modprobe.d")
    ko = root + "/lib/modules/%s/updates/dkms/nvidia.ko" % kernel
    bound = ""
    if nouveau_in_kernel and not blacklisted:
        os.makedirs(root + "/sys/module/nouveau")
        _bind(root, "nouveau")
        bound = "nouveau"
    elif os.path.exists(ko):
        os.makedirs(root + "/sys/module/nvidia")
        with open(root + "/sys/module/nvidia/version", "w") as f:
            f.write(open(ko).read().split()[2] + "\n")
        _bind(root, "nvidia")
        bound = "nvidia"
    wants = root + "/etc/systemd/system/multi-user.target.wants"
    units = sorted(u[:-len(".service")] for u in os.listdir(wants)) if os.path.isdir(wants) else []
    for unit in units:
        run(root, ["systemctl", "start", unit], log)
    return bound


def run(root, argv, log, env=None):
    """Runs argv in the guest; returns (exit code, stdout, stderr) and appends all to log."""
    script = ('set -e; r=$1; shift; mount -t proc proc "$r/proc"; '
              'mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"; '
              'mount --bind "$r/run/vfioplan-standin/boot_id" "$r/proc/sys/kernel/random/boot_id"; '
              'exec chroot "$r" "$@"')
    envv = ["env", "-i", "PATH=" + PATH, "HOME=/root", "LC_ALL=C.UTF-8", "TERM=dumb"] + \
        ["%s=%s" % kv for kv in sorted((env or {}).items())]
    t0 = time.time()
    r = subprocess.run(["unshare", "--mount", "--net", "--fork", "--", "sh", "-c", script, "sh", root] + envv + argv,
                       capture_output=True, text=True)
    log.write("$ %s\n[exit %d, %.1f s]\n--- stdout\n%s--- stderr\n%s\n" % (" ".join(argv), r.returncode, time.time() - t0,
                                                                         r.stdout, r.stderr))
    log.flush()
    return r.returncode, r.stdout, r.stderr


def snapshot(root, pm):
    """What a run of the guest script may change: packages, locks, configuration, its state, modules, units."""
    snap = {}
    if pm == "dnf":
        snap["rpm -qa"] = subprocess.run(
            ["chroot", root, "rpm", "-qa", "--qf", "%{NAME}-%{EPOCH}:%{VERSION}-%{RELEASE} %{INSTALLTIME}\\n"],
            capture_output=True, text=True, check=True).stdout.splitlines()
        snap["rpm -qa"].sort()
    paths = ["/var/lib/dpkg/status", "/etc/dnf/plugins/versionlock.list", "/etc/dnf/modules.d",
             "/etc/apt/preferences.d", "/etc/modprobe.d", "/etc/systemd/system", "/var/lib/vfioplan-guest",
             "/var/log/vfioplan-standin", "/var/lib/dkms", "/lib/modules", "/boot/initramfs-standin"]
    for top in paths:
        full = root + top
        if os.path.isfile(full):
            snap[top] = open(full, "rb").read()
            continue
        for dirpath, dirnames, files in os.walk(full):
            dirnames.sort()
            for name in sorted(files + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
                p = os.path.join(dirpath, name)
                snap[p[len(root):]] = os.readlink(p) if os.path.islink(p) else open(p, "rb").read()
    return snap
