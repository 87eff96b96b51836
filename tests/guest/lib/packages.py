# SPDX-License-Identifier: MIT
"""Stand-in NVIDIA packages with NVIDIA's real names, for local repositories.

Two driver branches in each of NVIDIA's naming eras, two releases each, so a
test can tell "the pinned release" from "the newest":

  570.124.06, 570.133.20   RHEL: nvidia-fabric-manager, libnvidia-nscq-570,
                           nvidia-imex-570; Ubuntu: nvidia-fabricmanager-570,
                           libnvidia-nscq-570, nvidia-imex-570
  580.65.06, 580.82.07     RHEL and Ubuntu: nvidia-fabricmanager,
                           libnvidia-nscq, nvidia-imex (Ubuntu's provide the
                           old -580 names as virtual packages, as NVIDIA's do)

and the packages around them: the driver, its DKMS kernel modules (open and
proprietary), nvidia-smi, nvidia-persistenced, CUDA toolkit releases (12.8.0,
12.8.1, 12.9.1, 13.0.0, 13.0.1), the headers of the guest kernels, dkms,
mokutil, epel-release and cuda-keyring. The tools inside are the stand-ins in
tests/guest/standins/, which answer as the real ones do. Versions and
dependencies follow NVIDIA's packaging (RHEL: epoch 3 and "= 3:VERSION"
requirements, module streams XXX-open / XXX-dkms / open-dkms / latest-dkms;
Ubuntu: VERSION-0ubuntu1 for the driver packages, VERSION-1 for Fabric
Manager and the rest, exact-version dependencies).

build(out_dir) writes out_dir/rpm (createrepo_c, with modules metadata) and
out_dir/deb (a flat apt repository made by apt-ftparchive).
"""
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
STANDINS = os.path.join(os.path.dirname(HERE), "standins")

DRIVERS = ["570.124.06", "570.133.20", "580.65.06", "580.82.07"]
RHEL_KERNEL = "5.14.0-503.31.1.el9_5.x86_64"
UBUNTU_KERNELS = {"ubuntu-22.04": "5.15.0-119-generic", "ubuntu-24.04": "6.8.0-45-generic"}
CUDA = [("12-8", "12.8.0"), ("12-8", "12.8.1"), ("12-9", "12.9.1"), ("13-0", "13.0.0"), ("13-0", "13.0.1")]

FM_UNIT = """[Unit]
Description=NVIDIA fabric manager service
After=network-online.target

[Service]
ExecStart=/usr/bin/nv-fabricmanager -c /usr/share/nvidia/nvswitch/fabricmanager.cfg
Type=forking

[Install]
WantedBy=multi-user.target
"""
PERSISTENCED_UNIT = """[Unit]
Description=NVIDIA Persistence Daemon
Wants=syslog.target

[Service]
Type=forking
ExecStart=/usr/bin/nvidia-persistenced --verbose

[Install]
WantedBy=multi-user.target
"""


def standin(name, version=""):
    with open(os.path.join(STANDINS, name)) as f:
        return f.read().replace("@VERSION@", version)


class Pkg:
    """One package: files are {path: (mode, text)}; requires and provides are (name, op, version) or names."""

    def __init__(self, name, version, release="1", epoch=None, files=None, requires=(), provides=(),
                 post=None, preun=None, arch="x86_64"):
        self.name, self.version, self.release, self.epoch = name, version, release, epoch
        self.files = files or {"/usr/share/doc/%s/standin" % name: (0o644, "%s %s stand-in\n" % (name, version))}
        self.requires, self.provides, self.post, self.preun, self.arch = requires, provides, post, preun, arch


def branch(v):
    return v.split(".")[0]


# ---- RHEL 9 (rpm)

def rhel_driver(v):
    """The packages of one driver release in NVIDIA's rhel9 repository, and the module streams they belong to."""
    b, e = branch(v), 3
    eq = "= 3:%s" % v
    kmods = []
    for kmod, module in (("kmod-nvidia-open-dkms", "nvidia-open"), ("kmod-nvidia-latest-dkms", "nvidia")):
        kmods.append(Pkg(kmod, v, epoch=e,
                         files={"/usr/src/%s-%s/dkms.conf" % (module, v):
                                (0o644, 'PACKAGE_NAME="%s"\nPACKAGE_VERSION="%s"\n' % (module, v))},
                         requires=["dkms", "nvidia-kmod-common " + eq],
                         provides=["nvidia-kmod = %s" % v],
                         # as NVIDIA's spec: add, build and install for the running kernel, never failing the transaction
                         post="dkms add -m %s -v %s || :\ndkms install -m %s -v %s || :\n" % (module, v, module, v),
                         preun="dkms remove -m %s -v %s --all || :\n" % (module, v)))
    common = [
        Pkg("nvidia-kmod-common", v, epoch=e),
        Pkg("nvidia-driver", v, epoch=e, requires=["nvidia-kmod-common " + eq]),
        Pkg("nvidia-persistenced", v, epoch=e,
            files={"/usr/bin/nvidia-persistenced": (0o755, standin("nvidia-persistenced")),
                   "/usr/lib/systemd/system/nvidia-persistenced.service": (0o644, PERSISTENCED_UNIT)}),
        Pkg("nvidia-driver-cuda", v, epoch=e,
            files={"/usr/bin/nvidia-smi": (0o755, standin("nvidia-smi", v))},
            requires=["nvidia-driver " + eq, "nvidia-persistenced " + eq]),
    ]
    old = int(b) < 580
    fabric = [
        Pkg("nvidia-fabric-manager" if old else "nvidia-fabricmanager", v,
            files={"/usr/bin/nv-fabricmanager": (0o755, standin("nv-fabricmanager", v)),
                   "/usr/lib/systemd/system/nvidia-fabricmanager.service": (0o644, FM_UNIT),
                   "/usr/share/nvidia/nvswitch/fabricmanager.cfg": (0o644, "LOG_LEVEL=4\n")},
            provides=["nvidia-fabricmanager-%s = %s" % (b, v)]),
        Pkg("libnvidia-nscq-%s" % b if old else "libnvidia-nscq", v,
            files={"/usr/lib64/libnvidia-nscq.so.%s" % v: (0o644, "nscq %s\n" % v)}),
        Pkg("nvidia-imex-%s" % b if old else "nvidia-imex", v,
            files={"/usr/bin/nvidia-imex": (0o755, "#!/bin/sh\nexit 0\n")}),
    ]
    streams = {"%s-open" % b: common + [kmods[0]] + fabric, "%s-dkms" % b: common + [kmods[1]] + fabric,
               "open-dkms": common + [kmods[0]] + fabric, "latest-dkms": common + [kmods[1]] + fabric}
    return common + kmods + fabric, streams


def rhel_packages():
    pkgs, streams = [], {}
    for v in DRIVERS:
        p, s = rhel_driver(v)
        pkgs += p
        for name, members in s.items():
            streams.setdefault(name, []).extend(members)
    kver, krel = RHEL_KERNEL.rsplit(".", 1)[0].split("-", 1)
    pkgs += [
        Pkg("kernel-devel", kver, krel,
            files={"/usr/src/kernels/%s/Makefile" % RHEL_KERNEL: (0o644, "# kernel build tree stand-in\n")}),
        Pkg("kernel-headers", kver, krel),
        Pkg("epel-release", "9", "8.el9", arch="noarch"),
        Pkg("dkms", "3.1.5", "1.el9", arch="noarch", files={"/usr/sbin/dkms": (0o755, standin("dkms"))}),
        Pkg("mokutil", "0.6.0", "4.el9", files={"/usr/bin/mokutil": (0o755, standin("mokutil"))}),
        # rpm adds "Requires(post): /bin/sh" to packages with scriptlets; the Debian root's shell is dpkg's
        Pkg("vfioplan-standin-base", "1", arch="noarch", provides=["/bin/sh", "/usr/bin/sh", "/bin/bash"]),
    ]
    for rel, ver in CUDA:
        pkgs.append(Pkg("cuda-toolkit-" + rel, ver))
    return pkgs, streams


def nevra(p):
    return "%s-%s:%s-%s.%s" % (p.name, p.epoch or 0, p.version, p.release, p.arch)


def spec_text(p):
    lines = ["Name: " + p.name, "Version: " + p.version, "Release: " + p.release, "Summary: stand-in of " + p.name,
             "License: MIT", "BuildArch: " + p.arch, "AutoReqProv: no"]
    if p.epoch:
        lines.append("Epoch: %d" % p.epoch)
    lines += ["Requires: " + r for r in p.requires]
    lines += ["Provides: " + r for r in p.provides]
    lines += ["%description", "Stand-in of NVIDIA's " + p.name + " for vfioplan's tests.", "", "%install"]
    for path, (mode, text) in sorted(p.files.items()):
        lines.append("mkdir -p %%{buildroot}%s" % os.path.dirname(path))
        lines.append("cp %%{_sourcedir}/%s %%{buildroot}%s" % (encode(path), path))
        lines.append("chmod %o %%{buildroot}%s" % (mode, path))
    lines.append("%files")
    lines += sorted(p.files)
    if p.post:
        lines += ["%post", p.post]
    if p.preun:
        lines += ["%preun", p.preun]
    return "\n".join(lines) + "\n"


def encode(path):
    return path.strip("/").replace("/", "__")


def modules_yaml(streams):
    docs = []
    for name, members in sorted(streams.items()):
        seen = sorted({nevra(p) for p in members})
        docs.append("\n".join([
            "---", "document: modulemd", "version: 2", "data:", "  name: nvidia-driver",
            '  stream: "%s"' % name, "  version: 1", '  context: "00000000"', "  arch: x86_64",
            "  summary: NVIDIA driver (stand-in)", "  description: NVIDIA driver (stand-in)",
            "  license:", "    module: [MIT]", "  profiles:", "    default:", "      rpms: [nvidia-driver]",
            "  artifacts:", "    rpms:"] + ["    - " + n for n in seen] + ["..."]))
    return "\n".join(docs) + "\n"


def build_rpms(out, log):
    pkgs, streams = rhel_packages()
    top = tempfile.mkdtemp(prefix="vp-rpmbuild-")
    try:
        for p in pkgs:
            src = os.path.join(top, "SOURCES")
            os.makedirs(src, exist_ok=True)
            for path, (_, text) in p.files.items():
                with open(os.path.join(src, encode(path)), "w") as f:
                    f.write(text)
            spec = os.path.join(top, "%s-%s.spec" % (p.name, p.version))
            with open(spec, "w") as f:
                f.write(spec_text(p))
            subprocess.run(["rpmbuild", "--quiet", "-bb", "--define", "_topdir " + top, "--define", "_rpmdir " + out,
                            "--define", "_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm", spec],
                           check=True, stdout=log, stderr=log)
            shutil.rmtree(src)
    finally:
        shutil.rmtree(top)
    subprocess.run(["createrepo_c", "-q", out], check=True, stdout=log, stderr=log)
    yml = os.path.join(out, "modules.yaml")
    with open(yml, "w") as f:
        f.write(modules_yaml(streams))
    subprocess.run(["modifyrepo_c", "--mdtype=modules", yml, os.path.join(out, "repodata")], check=True,
                   stdout=log, stderr=log)


# ---- Ubuntu 22.04 and 24.04 (deb)

def deb_driver(v):
    b = branch(v)
    dv = v + "-0ubuntu1"
    eq = lambda name: "%s (= %s)" % (name, dv)  # noqa: E731 - NVIDIA's exact-version dependencies
    pkgs = [
        Pkg("nvidia-kernel-common-" + b, v, "0ubuntu1"),
        Pkg("nvidia-utils-" + b, v, "0ubuntu1", files={"/usr/bin/nvidia-smi": (0o755, standin("nvidia-smi", v))}),
        Pkg("nvidia-compute-utils-" + b, v, "0ubuntu1",
            files={"/usr/bin/nvidia-persistenced": (0o755, standin("nvidia-persistenced")),
                   "/lib/systemd/system/nvidia-persistenced.service": (0o644, PERSISTENCED_UNIT)}),
    ]
    for suffix in ("-open", ""):
        pkgs.append(Pkg("nvidia-dkms-%s%s" % (b, suffix), v, "0ubuntu1",
                        files={"/usr/src/nvidia-%s/dkms.conf" % v:
                               (0o644, 'PACKAGE_NAME="nvidia"\nPACKAGE_VERSION="%s"\n' % v)},
                        requires=["dkms", eq("nvidia-kernel-common-" + b)],
                        post="dkms add -m nvidia -v %s || true\ndkms install -m nvidia -v %s || true\n" % (v, v),
                        preun="dkms remove -m nvidia -v %s --all || true\n" % v))
        pkgs.append(Pkg("nvidia-driver-%s%s" % (b, suffix), v, "0ubuntu1",
                        requires=[eq("nvidia-utils-" + b), eq("nvidia-compute-utils-" + b),
                                  eq("nvidia-kernel-common-" + b)]))
    pkgs.append(Pkg("cuda-drivers-" + b, v, "1", requires=[eq("nvidia-driver-" + b)]))
    pkgs.append(Pkg("cuda-drivers", v, "1", requires=["cuda-drivers-%s (= %s-1)" % (b, v)]))
    old = int(b) < 580
    pkgs += [
        Pkg("nvidia-fabricmanager-" + b if old else "nvidia-fabricmanager", v, "1",
            files={"/usr/bin/nv-fabricmanager": (0o755, standin("nv-fabricmanager", v)),
                   "/lib/systemd/system/nvidia-fabricmanager.service": (0o644, FM_UNIT),
                   "/usr/share/nvidia/nvswitch/fabricmanager.cfg": (0o644, "LOG_LEVEL=4\n")},
            provides=[] if old else ["nvidia-fabricmanager-" + b]),
        Pkg("libnvidia-nscq-" + b if old else "libnvidia-nscq", v, "1",
            files={"/usr/lib/x86_64-linux-gnu/libnvidia-nscq.so.%s" % v: (0o644, "nscq %s\n" % v)},
            provides=[] if old else ["libnvidia-nscq-" + b]),
        Pkg("nvidia-imex-" + b if old else "nvidia-imex", v, "1",
            files={"/usr/bin/nvidia-imex": (0o755, "#!/bin/sh\nexit 0\n")},
            provides=[] if old else ["nvidia-imex-" + b]),
    ]
    return pkgs


def deb_packages():
    pkgs = []
    for v in DRIVERS:
        pkgs += deb_driver(v)
    for kernel in UBUNTU_KERNELS.values():
        pkgs.append(Pkg("linux-headers-" + kernel, kernel.split("-")[0], "standin",
                        files={"/usr/src/linux-headers-%s/Makefile" % kernel: (0o644, "# headers stand-in\n")}))
    pkgs += [
        Pkg("dkms", "3.0.13", "1ubuntu1", arch="all", files={"/usr/sbin/dkms": (0o755, standin("dkms"))}),
        Pkg("mokutil", "0.6.0", "2build2", files={"/usr/bin/mokutil": (0o755, standin("mokutil"))}),
        # NVIDIA's keyring package adds the repository; this one adds the local stand-in repository
        Pkg("cuda-keyring", "1.1", "1", arch="all",
            files={"/etc/apt/sources.list.d/cuda-standin.list": (0o644, "deb [trusted=yes] file:/repo/deb ./\n")}),
    ]
    for rel, ver in CUDA:
        pkgs.append(Pkg("cuda-toolkit-" + rel, ver, "1"))
    return pkgs


def build_debs(out, log):
    top = tempfile.mkdtemp(prefix="vp-debbuild-")
    try:
        for p in deb_packages():
            arch = "amd64" if p.arch == "x86_64" else p.arch
            root = os.path.join(top, "%s_%s" % (p.name, p.version))
            os.makedirs(os.path.join(root, "DEBIAN"))
            for path, (mode, text) in p.files.items():
                dest = root + path
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "w") as f:
                    f.write(text)
                os.chmod(dest, mode)
            control = ["Package: " + p.name, "Version: %s-%s" % (p.version, p.release), "Architecture: " + arch,
                       "Maintainer: vfioplan tests <tests@vfioplan.invalid>", "Section: non-free/libs",
                       "Priority: optional"]
            if p.requires:
                control.append("Depends: " + ", ".join(p.requires))
            if p.provides:
                control.append("Provides: " + ", ".join(p.provides))
            control.append("Description: stand-in of NVIDIA's %s for vfioplan's tests" % p.name)
            with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
                f.write("\n".join(control) + "\n")
            for script, text in (("postinst", p.post), ("prerm", p.preun)):
                if text:
                    path = os.path.join(root, "DEBIAN", script)
                    with open(path, "w") as f:
                        f.write("#!/bin/sh\nset -e\n" + text)
                    os.chmod(path, 0o755)
            deb = os.path.join(out, "%s_%s-%s_%s.deb" % (p.name, p.version, p.release, arch))
            subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", root, deb], check=True,
                           stdout=log, stderr=log)
    finally:
        shutil.rmtree(top)
    with open(os.path.join(out, "Packages"), "w") as f:
        subprocess.run(["apt-ftparchive", "packages", "."], cwd=out, check=True, stdout=f, stderr=log)
    with open(os.path.join(out, "Release.tmp"), "w") as f:
        subprocess.run(["apt-ftparchive", "release", "."], cwd=out, check=True, stdout=f, stderr=log)
    os.rename(os.path.join(out, "Release.tmp"), os.path.join(out, "Release"))


def build(out, log):
    for sub, fn in (("rpm", build_rpms), ("deb", build_debs)):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        fn(d, log)
