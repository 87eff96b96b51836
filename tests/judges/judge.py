#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Third-party judges over artifact trees (vfioplan build output):

  libvirt XML     virsh -c test:///default define --validate, and xmllint
                  against libvirt's own domain.rng
  shell scripts   shellcheck (-s sh: every script vfioplan writes is POSIX sh)
  modprobe.d      modprobe -c -C FILE shows every line back, stderr empty
  GRUB drop-in    sourced by dash after a stock /etc/default/grub, as
                  grub-mkconfig does: the stock arguments stay, each new
                  argument appears once, and sourcing it twice changes nothing
  dracut, mkinitcpio drop-ins  parsed and sourced by bash, the way those tools read them
  /etc/default/grub (vfioplan's marked block)  read by the real grub-mkconfig's own
                  lines (Debian's grub-common), with Debian's grub.d loop taken
                  out, which is upstream's grub-mkconfig as Arch ships it: the
                  arguments reach the linux line once, the file's own stay
  systemd-boot script  run against a scratch ESP and /etc/kernel/cmdline: each
                  argument lands once on every "options" line and in the
                  cmdline file, a second run changes nothing, --remove takes
                  off only what it is given

usage: judge.py TREE [TREE ...]   (exit 1 if any judge objects)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

RNG = "/usr/share/libvirt/schemas/domain.rng"
STOCK_GRUB = """GRUB_DEFAULT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=`( . /etc/os-release; echo ${NAME:-Ubuntu} ) 2>/dev/null || echo Ubuntu`
GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"
GRUB_CMDLINE_LINUX=""
"""

failures = []


def fail(tree, rel, msg):
    failures.append("%s: %s: %s" % (tree, rel, msg))


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def judge_xml(tree, rel, path):
    r = run(["virsh", "-c", "test:///default", "define", "--validate", path])
    if r.returncode != 0:
        fail(tree, rel, "virsh define --validate: " + (r.stderr or r.stdout).strip())
    r = run(["xmllint", "--noout", "--relaxng", RNG, path])
    if r.returncode != 0:
        fail(tree, rel, "xmllint domain.rng: " + r.stderr.strip())


def judge_sh(tree, rel, path):
    r = run(["shellcheck", "-s", "sh", "-x", path])
    if r.returncode != 0:
        fail(tree, rel, "shellcheck:\n" + r.stdout)


def judge_modprobe(tree, rel, path):
    r = run(["modprobe", "-c", "-C", path])
    if r.returncode != 0 or r.stderr.strip():
        fail(tree, rel, "modprobe -c -C: rc=%d %s" % (r.returncode, r.stderr.strip()))
        return
    norm = lambda s: re.sub(r"\s+", " ", s.strip())
    shown = {norm(l) for l in r.stdout.splitlines()}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        # modprobe shows module names of options/install lines with '_' for '-'
        words = line.split()
        if words[0] in ("options", "install"):
            words[1] = words[1].replace("-", "_")
        if norm(" ".join(words)) not in shown:
            fail(tree, rel, "modprobe does not show back: " + line)


def grub_cmdline(dropin, times):
    with tempfile.TemporaryDirectory() as d:
        stock = os.path.join(d, "grub")
        open(stock, "w").write(STOCK_GRUB)
        script = '. "$1"; i=0; while [ $i -lt %d ]; do . "$2"; i=$((i+1)); done; echo "$GRUB_CMDLINE_LINUX_DEFAULT"' % times
        r = run(["dash", "-c", script, "dash", stock, dropin])
        return r.returncode, r.stdout.strip(), r.stderr.strip()


def judge_grub(tree, rel, path):
    args = []
    for line in open(path):
        m = re.match(r"^vfioplan_add (\S+)$", line.strip())
        if m:
            args.append(m.group(1))
    if not args:
        fail(tree, rel, "no argument list found")
        return
    rc, once, err = grub_cmdline(path, 1)
    if rc != 0 or err:
        fail(tree, rel, "dash: rc=%d %s" % (rc, err))
        return
    want = " ".join(["quiet", "splash"] + args)
    if once != want:
        fail(tree, rel, "GRUB_CMDLINE_LINUX_DEFAULT is %r, expected %r" % (once, want))
    rc, twice, err = grub_cmdline(path, 2)
    if twice != want:
        fail(tree, rel, "sourcing twice gives %r (arguments duplicated?)" % twice)


GRUB_MKCONFIG = "/usr/sbin/grub-mkconfig"
# The lines of grub-mkconfig that read the configuration, and the loop over grub.d that Debian's
# patch adds (debian/patches: "Read /etc/default/grub.d/*.cfg after /etc/default/grub").
READ_DEFAULT = re.compile(r"^if test -f \$\{sysconfdir\}/default/grub ; then\n  \. \$\{sysconfdir\}/default/grub\nfi\n", re.M)
DEBIAN_LOOP = re.compile(r"^for x in \$\{sysconfdir\}/default/grub\.d/\*\.cfg ; do\n(?:  .*\n)*?done\n", re.M)


def grub_mkconfig_cmdline(etc, upstream):
    """The arguments grub-mkconfig's 10_linux puts after 'ro' on the linux line, for the configuration
    under etc: Debian's real grub-mkconfig lines, without the grub.d loop when upstream (as Arch's)."""
    text = open(GRUB_MKCONFIG).read()
    read = READ_DEFAULT.search(text)
    loop = DEBIAN_LOOP.search(text)
    if not read or not loop:
        raise SystemExit("judges: %s has changed: its lines that read the configuration are not found" % GRUB_MKCONFIG)
    lines = read.group(0) + ("" if upstream else loop.group(0))
    script = 'sysconfdir="$1"\n%secho "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"\n' % lines
    r = run(["dash", "-c", script, "dash", etc])
    return r.returncode, " ".join(r.stdout.split()), r.stderr.strip()


def judge_grub_default(tree, rel, path):
    """vfioplan's block in /etc/default/grub, for an upstream grub-mkconfig that reads no grub.d."""
    text = open(path).read()
    args = [m.group(1) for m in re.finditer(r"^vfioplan_add (\S+)$", text, re.M)]
    if "# BEGIN vfioplan" not in text:
        return  # a file with the block taken out
    if not args:
        fail(tree, rel, "vfioplan's block holds no argument")
        return
    rc, cmdline, err = grub_mkconfig_cmdline(os.path.join(tree, "etc"), upstream=True)
    if rc != 0 or err:
        fail(tree, rel, "grub-mkconfig's lines: rc=%d %s" % (rc, err))
        return
    words = cmdline.split()
    for a in args:
        if words.count(a) != 1:
            fail(tree, rel, "upstream grub-mkconfig gives %r: %s not there once" % (cmdline, a))


SDBOOT_ENTRY = "title Linux\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\noptions root=UUID=0a3407de rw quiet\n"


def judge_sdboot(tree, rel, path):
    """Runs the script against a scratch ESP and /etc/kernel/cmdline, then reads them as systemd-boot
    (the options lines of an entry, joined) and kernel-install and mkinitcpio (the cmdline file) do."""
    text = open(path).read()
    m = re.search(r"^args='([^']*)'$", text, re.M)
    if not m:
        fail(tree, rel, "no argument list found")
        return
    args = m.group(1).split()
    with tempfile.TemporaryDirectory() as d:
        esp = os.path.join(d, "boot")
        os.makedirs(os.path.join(esp, "loader", "entries"))
        os.makedirs(os.path.join(d, "etc", "kernel"))
        entry = os.path.join(esp, "loader", "entries", "arch.conf")
        cmdline = os.path.join(d, "etc", "kernel", "cmdline")
        open(entry, "w").write(SDBOOT_ENTRY)
        open(cmdline, "w").write("root=UUID=0a3407de rw quiet\n")
        script = os.path.join(d, "sdboot")
        # the same script with its absolute paths under the scratch root (bootctl is not there)
        open(script, "w").write(text.replace("/etc/kernel/cmdline", cmdline)
                                .replace('"$boot" /boot /efi /boot/efi', '"%s"' % esp))

        def read():
            opts = " ".join(l[len("options "):] for l in open(entry).read().splitlines() if l.startswith("options "))
            return opts.split(), open(cmdline).read().split()

        for attempt in (1, 2):
            r = run(["sh", script])
            if r.returncode != 0:
                fail(tree, rel, "run %d: rc=%d %s" % (attempt, r.returncode, r.stderr.strip()))
                return
            for words in read():
                if words[:3] != ["root=UUID=0a3407de", "rw", "quiet"] or any(words.count(a) != 1 for a in args):
                    fail(tree, rel, "run %d gives %r" % (attempt, words))
        r = run(["sh", script, "--remove", args[0], "quiet-not-there"])
        for words in read():
            if r.returncode != 0 or args[0] in words or words[:3] != ["root=UUID=0a3407de", "rw", "quiet"]:
                fail(tree, rel, "--remove %s gives %r" % (args[0], words))


def judge_bash_conf(tree, rel, path, var, must):
    r = run(["bash", "-n", path])
    if r.returncode != 0:
        fail(tree, rel, "bash -n: " + r.stderr.strip())
        return
    r = run(["bash", "-c", 'set -u; %s=(); . "$1"; echo "${%s[*]}"' % (var, var), "bash", path])
    if r.returncode != 0 or must not in r.stdout.split():
        fail(tree, rel, "sourcing gives %s=%r (%s)" % (var, r.stdout.strip(), r.stderr.strip()))


def judge_dracut(tree, rel, path):
    if not rel.endswith(".conf"):
        fail(tree, rel, "dracut only reads conf.d files ending in .conf")
    r = run(["bash", "-c", 'force_drivers=""; . "$1"; echo "$force_drivers"', "bash", path])
    if r.returncode != 0 or "vfio_pci" not in r.stdout.split():
        fail(tree, rel, "force_drivers is %r %s" % (r.stdout.strip(), r.stderr.strip()))


def judge_tree(tree):
    for dirpath, _, files in os.walk(tree):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, tree)
            head = open(path, "rb").read(64)
            if rel.startswith("etc/vfioplan/vms/") and rel.endswith(".xml"):
                judge_xml(tree, rel, path)
            elif rel.startswith("etc/modprobe.d/"):
                judge_modprobe(tree, rel, path)
            elif rel.startswith("etc/default/grub.d/"):
                judge_sh(tree, rel, path)
                judge_grub(tree, rel, path)
            elif rel == "etc/default/grub":
                judge_grub_default(tree, rel, path)
            elif rel == "usr/libexec/vfioplan/sdboot":
                judge_sh(tree, rel, path)
                judge_sdboot(tree, rel, path)
            elif rel.startswith("etc/dracut.conf.d/"):
                judge_dracut(tree, rel, path)
            elif rel.startswith("etc/mkinitcpio.conf.d/"):
                judge_bash_conf(tree, rel, path, "MODULES", "vfio_pci")
            elif head.startswith(b"#!/bin/sh"):
                judge_sh(tree, rel, path)


def main():
    for tool in ("virsh", "xmllint", "shellcheck", "modprobe", "dash", "bash", GRUB_MKCONFIG):
        if not shutil.which(tool):
            print("judges: %s is not installed (tests/setup-debian.sh test installs it)" % tool)
            return 2
    trees = sys.argv[1:]
    if not trees:
        print(__doc__)
        return 2
    for t in trees:
        judge_tree(t)
    for f in failures:
        print("FAIL " + f)
    print("judges: %d trees, %d objections" % (len(trees), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
