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
exit $status
