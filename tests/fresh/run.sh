#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's first commands on a bare Debian 12, as a new user runs them:
#   1. a Debian 12 root: debootstrap --variant=minbase from this machine's
#      mirror, then `tests/setup-debian.sh build` in it and nothing else;
#      cached in $FRESH_CACHE (default /var/cache/vfioplan-fresh), keyed by
#      what goes in (suite, mirror, setup-debian.sh, ROOT_RECIPE below)
#   2. a copy of that root with a copy of the checkout in /root/vfioplan
#      (the tracked files and new ones not ignored; no build directories)
#   3. the first command of README.md's "Quick start", read from the README
#      (never copied here), run in that root from the checkout as root: it
#      must exit 1 (plan: "changes") with the diff on stdout; when $VFIOPLAN
#      is given (meson does), the diff (stdout from its first 'diff --git',
#      after the build's output) is byte for byte the one that binary prints
#   4. then, in the same root, the command of the README's "Install" section
#      (build the .deb and install it): it must exit 0 and leave a working
#      /usr/bin/vfioplan and its manual pages. The packages it installs are
#      downloaded first (retried); the command itself runs once.
#   5. then the README's walkthrough, every command as written, in order
#      (walkthrough.py extracts them): the ```sh blocks of "Use it on your
#      host" (scan, spec, check, plan, apply, reboot, verify, start the VM),
#      "Adopting a manual setup" (the undo) and "Undo and uninstall"
#      (removing vfioplan), with the installed package, in the root with a
#      manual setup planted in its /etc. The host is the README's workstation
#      (tests/hosts/workstation.table): its sys and proc are mounted over the
#      root's, after "reboot" those of the same host with the GPU on
#      vfio-pci. What needs a booted machine is a stand-in that records its
#      call (README.md beside this script lists them).
# Downloads are retried; a verdict never is.
# Needs root (debootstrap, chroot): exit 77 (skipped) otherwise.
# usage: tests/fresh/run.sh            FRESH_KEEP=1 keeps the scratch root
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FRESH_SUITE=${FRESH_SUITE:-bookworm}
FRESH_CACHE=${FRESH_CACHE:-/var/cache/vfioplan-fresh}
# What builds the cached root; change it when the steps under "1." change.
ROOT_RECIPE="minbase + setup-debian.sh build, v1"

log() { echo "fresh: $*" >&2; }
die() {
    log "$*"
    exit 1
}
if [ "$(id -u)" -ne 0 ]; then
    log "needs root (debootstrap and chroot): skipped"
    exit 77
fi
for tool in debootstrap unshare python3; do
    command -v "$tool" > /dev/null || die "$tool is missing (tests/setup-debian.sh test installs it)"
done

# retry CMD...: a download may fail for the mirror's sake; three tries, then give up
retry() {
    local try=1
    until "$@"; do
        [ "$try" -lt 3 ] || {
            log "giving up after $try tries: $*"
            return 1
        }
        log "failed (try $try), retrying: $*"
        sleep $((try * 10))
        try=$((try + 1))
    done
}

# The Debian mirror this machine already uses (first non-security deb source), as tests/e2e does.
host_mirror() {
    {
        cat /etc/apt/sources.list.d/*.sources 2> /dev/null | awk '$1 == "URIs:" {print $2}' || true
        cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2> /dev/null |
            sed 's/\[[^]]*\] *//' | awk '$1 == "deb" {print $2}' || true
    } | awk '/debian/ && !/security/ {print; exit}'
}
FRESH_MIRROR=${FRESH_MIRROR:-$(host_mirror)}
FRESH_MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}

# readme_command SECTION: the first command of the README section SECTION ("Quick start",
# "Install"): the first line of its first ```sh block that is not a comment, continuations joined.
readme_command() {
    python3 - "$TOP/README.md" "$1" << 'EOF'
import re, sys
text, section = open(sys.argv[1]).read(), sys.argv[2]
m = re.search(r"^## " + re.escape(section) + r"\b.*?^```sh\n(.*?)^```", text, re.M | re.S)
if not m:
    sys.exit("README.md has no ```sh block under '## %s'" % section)
cmd = ""
for line in m.group(1).split("\n"):
    if not cmd and (not line.strip() or line.lstrip().startswith("#")):
        continue
    cmd += line[:-1].rstrip() + " " if line.endswith("\\") else line
    if not line.endswith("\\"):
        break
print(cmd.strip())
EOF
}

CMD=$(readme_command "Quick start") || die "cannot read the first command from README.md"
INSTALL=$(readme_command "Install") || die "cannot read the Install command from README.md"
log "the README's first command: $CMD"
log "the README's install command: $INSTALL"

# ---- 1. the cached root: debootstrap + setup-debian.sh build ----
key=$( (
    echo "$FRESH_SUITE" "$FRESH_MIRROR"
    echo "$ROOT_RECIPE"
    cat "$TOP/tests/setup-debian.sh"
) | sha256sum | cut -c1-16)
base=$FRESH_CACHE/base-$key
t_cold=$(date +%s)
if [ -e "$base/.complete" ]; then
    log "root: cached ($base)"
    cold=no
else
    cold=yes
    rm -rf "$base.tmp"
    mkdir -p "$base.tmp" "$FRESH_CACHE/debs"
    log "debootstrap --variant=minbase $FRESH_SUITE from $FRESH_MIRROR (a few minutes)"
    # shellcheck disable=SC2317  # called through retry
    _debootstrap() {
        rm -rf "$base.tmp/rootfs"
        debootstrap --variant=minbase --cache-dir="$FRESH_CACHE/debs" "$FRESH_SUITE" "$base.tmp/rootfs" \
            "$FRESH_MIRROR" >> "$base.tmp/build.log" 2>&1
    }
    retry _debootstrap || {
        tail -n 20 "$base.tmp/build.log" >&2
        die "debootstrap failed (log: $base.tmp/build.log)"
    }
    # setup-debian.sh retries apt itself; it needs the name service and /proc
    mkdir -p "$base.tmp/rootfs/root/setup"
    cp "$TOP/tests/setup-debian.sh" "$base.tmp/rootfs/root/setup/"
    cp /etc/resolv.conf "$base.tmp/rootfs/etc/resolv.conf"
    # shellcheck disable=SC2016  # $1 is the inner shell's
    unshare --mount --propagation private sh -c '
        mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
        chroot "$1" /root/setup/setup-debian.sh build' fresh-setup "$base.tmp/rootfs" >> "$base.tmp/build.log" 2>&1 || {
        tail -n 20 "$base.tmp/build.log" >&2
        die "tests/setup-debian.sh build failed in the root (log: $base.tmp/build.log)"
    }
    rm -rf "$base.tmp/rootfs/root/setup" "$base.tmp/rootfs/etc/resolv.conf"
    chroot "$base.tmp/rootfs" apt-get clean
    touch "$base.tmp/.complete"
    mv "$base.tmp" "$base"
    log "root built in $(($(date +%s) - t_cold)) s: $(du -sh "$base/rootfs" | cut -f1)"
fi
# older roots of this cache go (their key no longer matches what goes in)
find "$FRESH_CACHE" -maxdepth 1 -name 'base-*' ! -name "base-$key" -exec rm -rf {} + 2> /dev/null || true

# ---- 2. a scratch copy of the root with the checkout in it ----
t_run=$(date +%s)
scratch=$(mktemp -d /var/tmp/vfioplan-fresh.XXXXXX)
# shellcheck disable=SC2317  # the EXIT trap calls it
cleanup() {
    if [ "${FRESH_KEEP:-0}" = 1 ]; then log "kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
cp -a --reflink=auto "$base/rootfs" "$scratch/rootfs"
mkdir -p "$scratch/rootfs/root/vfioplan"
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
    tar -xf - -C "$scratch/rootfs/root/vfioplan"

# in_root SCRIPT: runs SCRIPT with sh as root in the scratch root, from the checkout, in a clean environment
in_root() {
    # shellcheck disable=SC2016  # $1 and $2 are the inner shell's
    unshare --mount --propagation private sh -c '
        mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
        exec chroot "$1" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -c "cd /root/vfioplan && $2"' fresh-run "$scratch/rootfs" "$1"
}

# ---- 3. the first command, as root, from the checkout, with no network needed ----
set +e
in_root "$CMD" > "$scratch/stdout" 2> "$scratch/stderr"
rc=$?
set -e
log "the first command ran in $(($(date +%s) - t_run)) s (root: $([ $cold = yes ] && echo "built, $(($(date +%s) - t_cold)) s in all" || echo cached)); exit $rc"
status=0
if [ $rc -ne 1 ]; then
    log "FAIL: the README's first command exited $rc, not 1 (plan: changes); its stderr:"
    tail -n 30 "$scratch/stderr" >&2
    status=1
fi
if ! grep -q '^diff --git a/etc/modprobe.d/vfioplan.conf b/etc/modprobe.d/vfioplan.conf$' "$scratch/stdout"; then
    log "FAIL: no diff of etc/modprobe.d/vfioplan.conf on stdout"
    status=1
fi
if [ -n "${VFIOPLAN:-}" ] && [ $status -eq 0 ]; then
    # the same plan from the binary under test: the fresh build must print the same bytes
    plan=$(printf '%s\n' "$CMD" | grep -o 'build/vfioplan plan .*' | sed 's|^build/vfioplan ||')
    want=$(mktemp -d)
    (export TMPDIR=$want && cd "$TOP" && eval "\"\$VFIOPLAN\" $plan" > "$want/stdout" 2> /dev/null) || true
    # stdout has meson's and ninja's output first; the plan's starts at its first diff
    sed -n '/^diff --git /,$p' "$scratch/stdout" > "$scratch/plan"
    if ! cmp -s "$want/stdout" "$scratch/plan"; then
        log "FAIL: the fresh build's diff differs from $VFIOPLAN's:"
        diff -u "$want/stdout" "$scratch/plan" | head -n 20 >&2 || true
        status=1
    fi
    rm -rf "$want"
fi
[ $status -eq 0 ] && log "ok: exit 1 and the diff on stdout ($(grep -c '^diff --git' "$scratch/stdout") files)"

# ---- 4. the Install section: the packages it installs are fetched first (retried), then it runs once ----
t_install=$(date +%s)
cp /etc/resolv.conf "$scratch/rootfs/etc/resolv.conf"
# shellcheck disable=SC2317  # called through retry
_fetch() {
    in_root "apt-get update -q && apt-get install -y -q --download-only build-essential debhelper" \
        >> "$scratch/fetch.log" 2>&1
}
retry _fetch || {
    tail -n 20 "$scratch/fetch.log" >&2
    die "cannot download the Install section's packages (log: $scratch/fetch.log)"
}
set +e
in_root "$INSTALL" > "$scratch/install.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
    log "FAIL: the README's install command exited $rc:"
    tail -n 30 "$scratch/install.log" >&2
    status=1
elif ! in_root "vfioplan --version && test -f /usr/share/man/man8/vfioplan.8.gz && test -f /usr/share/man/man5/vfioplan.yaml.5.gz && test -d /usr/libexec/vfioplan" \
    > "$scratch/installed.log" 2>&1; then
    log "FAIL: after the install command, vfioplan, its manual pages or /usr/libexec/vfioplan are missing:"
    cat "$scratch/installed.log" >&2
    status=1
else
    log "ok: the install command built and installed $(cd "$scratch/rootfs/root" && ls vfioplan_*.deb) in $(($(date +%s) - t_install)) s: $(head -n 1 "$scratch/installed.log")"
fi
[ $status -eq 0 ] || exit $status

# ---- 5. the walkthrough: "Use it on your host", then the undo of the migration and vfioplan's removal ----
t_walk=$(date +%s)
rootfs=$scratch/rootfs
walk=$scratch/walk
mkdir -p "$walk"
# the host, before and after the reboot: the README's workstation, then with its GPU on vfio-pci
python3 "$TOP/tests/tools/mkhost.py" "$TOP/tests/hosts/workstation.table" "$walk/host-before" > /dev/null
sed -E 's/^(0000:01:00\.[01] .*) (nouveau|snd_hda_intel) /\1 vfio-pci /' "$TOP/tests/hosts/workstation.table" \
    > "$walk/after.table"
grep -q '^0000:01:00.0 .* vfio-pci ' "$walk/after.table" || die "cannot make the after-reboot host table"
python3 "$TOP/tests/tools/mkhost.py" "$walk/after.table" "$walk/host-after" > /dev/null
# the host boots with GRUB, as a Debian 12 from its installer does: the boot menu its update-grub wrote is the
# evidence vfioplan reads of how the host boots (VP3021 without any); update-grub itself is stood in for below
mkdir -p "$rootfs/boot/grub"
printf '%s\n' "# stand-in for the installer's grub.cfg (update-grub is stood in for in this root)" \
    > "$rootfs/boot/grub/grub.cfg"
# a manual setup, as the field guide leaves one (the walkthrough's plan takes it over; the undo gives it back)
mkdir -p "$rootfs/etc/modprobe.d" "$rootfs/etc/default"
printf '%s\n' "options vfio-pci ids=10de:2684,10de:22ba" "softdep nouveau pre: vfio-pci" "blacklist snd_hda_intel" \
    > "$rootfs/etc/modprobe.d/vfio.conf"
printf '%s\n' "GRUB_DEFAULT=0" "GRUB_TIMEOUT=5" \
    'GRUB_CMDLINE_LINUX_DEFAULT="quiet amd_iommu=on pcie_acs_override=downstream,multifunction"' \
    'GRUB_CMDLINE_LINUX=""' > "$rootfs/etc/default/grub"
cp "$rootfs/etc/modprobe.d/vfio.conf" "$walk/vfio.conf.orig"
cp "$rootfs/etc/default/grub" "$walk/grub.orig"
# stand-ins for what needs a booted machine (first on PATH); each records its call
mkdir -p "$rootfs/usr/local/sbin"
for tool in update-initramfs update-grub virsh qemu-img reboot; do
    # shellcheck disable=SC2016  # $* is the stand-in's
    printf '#!/bin/sh\necho "%s${*:+ $*}" >> /root/stand-ins.log\n' "$tool" > "$rootfs/usr/local/sbin/$tool"
    chmod 755 "$rootfs/usr/local/sbin/$tool"
done
# apt-get: the README's install of libvirt and QEMU is recorded (a chroot runs no libvirtd); the rest is apt-get
printf '%s\n' '#!/bin/sh' 'case "$*" in' \
    '"install -y libvirt-daemon-system qemu-system-x86 ovmf qemu-utils") echo "apt-get $*" >> /root/stand-ins.log ;;' \
    '*) exec /usr/bin/apt-get "$@" ;;' 'esac' > "$rootfs/usr/local/sbin/apt-get"
chmod 755 "$rootfs/usr/local/sbin/apt-get"

# the ```sh blocks of the three sections, in order: one script each, and the exit each must give
python3 "$HERE/walkthrough.py" "$TOP/README.md" "$walk" || die "cannot read the walkthrough from README.md"

# in_host SCRIPT TREE: runs SCRIPT with sh -e in the root, as root, from /root, with TREE's sys and proc as the
# host's (not the machine's: the walkthrough is on the README's workstation)
in_host() {
    cp "$1" "$rootfs/root/step.sh"
    # shellcheck disable=SC2016  # $1 and $2 are the inner shell's
    unshare --mount --propagation private sh -c '
        mount --bind "$2/sys" "$1/sys" && mount --bind "$2/proc" "$1/proc" && mount --rbind /dev "$1/dev" &&
        exec chroot "$1" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -ec "cd /root && . /root/step.sh"' fresh-walk "$rootfs" "$2"
}

tree=$walk/host-before
for step in "$walk"/step-*.sh; do
    read -r want first < "${step%.sh}.want"
    set +e
    in_host "$step" "$tree" > "${step%.sh}.out" 2> "${step%.sh}.err"
    rc=$?
    set -e
    log "walkthrough: $first: exit $rc"
    if [ $rc -ne "$want" ]; then
        log "FAIL: '$first' exited $rc, not $want; its output:"
        tail -n 30 "${step%.sh}.out" "${step%.sh}.err" >&2
        exit 1
    fi
    case "$first" in
    reboot)
        # the next commands see the host as it runs after the reboot: its kernel command line is what
        # update-grub makes of the root's /etc/default/grub and grub.d drop-ins (vfioplan's arguments and boot
        # token among them), and /run, a tmpfs, is empty again
        # shellcheck disable=SC2016  # the inner shell's
        args=$(sh -c '. "$1/etc/default/grub"; for f in "$1"/etc/default/grub.d/*.cfg; do [ ! -e "$f" ] || . "$f"; done
            echo $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT' grub "$rootfs")
        printf 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-25-amd64 root=UUID=9f2d3c1e-5b7a-4e8f-a1c2-3d4e5f607182 ro %s\n' \
            "$args" > "$walk/host-after/proc/cmdline"
        log "walkthrough: after the reboot, /proc/cmdline: $(cat "$walk/host-after/proc/cmdline")"
        rm -rf "$rootfs/run"/reboot-required*
        tree=$walk/host-after
        ;;
    esac
done

# what the walkthrough must have done
fail() {
    log "FAIL: $*"
    status=1
}
# step_of TEXT: the step (path without .sh) whose script holds TEXT
step_of() { grep -l -F -- "$1" "$walk"/step-*.sh | head -n 1 | sed 's/\.sh$//'; }
scan=$(step_of "vfioplan scan")
check=$(step_of "vfioplan check")
apply=$(step_of "vfioplan apply")
verify=$(step_of "vfioplan verify")
# the scan shows the GPU's group as the README does (names come from the root's pci.ids)
grep -q '^IOMMU group 12: can be passed through whole$' "$scan.out" || fail "scan does not show group 12 as the README does"
grep -q '^  0000:01:00.0 \[0300\] 10de:2684 nouveau ' "$scan.out" || fail "scan does not show the GPU as the README does"
# the manual setup was reported, taken over by apply with a backup, and given back by the undo
for code in VP7002 VP7003 VP7004; do
    grep -q "warning\[$code\]" "$check.err" || fail "check did not report $code for the planted manual setup"
done
grep -q "^vfioplan: edited /etc/modprobe.d/vfio.conf$" "$apply.out" || fail "apply did not edit the manual vfio.conf"
cmp -s "$walk/vfio.conf.orig" "$rootfs/var/backups/vfioplan/etc/modprobe.d/vfio.conf" || fail "no backup of vfio.conf"
cmp -s "$walk/vfio.conf.orig" "$rootfs/etc/modprobe.d/vfio.conf" || fail "the undo did not give vfio.conf back"
cmp -s "$walk/grub.orig" "$rootfs/etc/default/grub" || fail "the undo did not give /etc/default/grub back"
grep -q "^verify: .* 0 failed$" "$verify.out" || fail "verify after the reboot did not pass"
# the machine's tools were called as the README says, in its order
printf '%s\n' "apt-get install -y libvirt-daemon-system qemu-system-x86 ovmf qemu-utils" \
    "update-initramfs -u -k all" "update-grub" "virsh define /etc/vfioplan/vms/ml-desktop.xml" "reboot" \
    "qemu-img create -f qcow2 /var/lib/libvirt/images/ml-desktop.qcow2 200G" "virsh start ml-desktop" \
    "update-initramfs -u -k all" "update-grub" > "$walk/stand-ins.want"
if ! cmp -s "$walk/stand-ins.want" "$rootfs/root/stand-ins.log"; then
    fail "the machine's tools were not called as the README says:"
    diff -u "$walk/stand-ins.want" "$rootfs/root/stand-ins.log" >&2 || true
fi
# and vfioplan is gone, with every file it wrote
for gone in usr/bin/vfioplan etc/vfioplan/manifest etc/modprobe.d/vfioplan.conf etc/default/grub.d/vfioplan.cfg \
    etc/initramfs-tools/hooks/vfioplan etc/vfioplan/vms/ml-desktop.xml; do
    [ ! -e "$rootfs/$gone" ] || fail "/$gone is still there after 'Remove vfioplan from a host'"
done
[ $status -eq 0 ] &&
    log "ok: the walkthrough, $(find "$walk" -name 'step-*.sh' | wc -l) blocks of commands as written, in $(($(date +%s) - t_walk)) s"
exit $status
