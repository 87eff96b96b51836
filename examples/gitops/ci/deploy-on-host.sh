#!/bin/sh
# Runs on a GPU host after a merge, from a checkout of this repository (as
# root). apply refuses if the host's devices no longer match the committed
# snapshot (the plan was reviewed for that hardware), writes only what
# changed, and runs the actions those changes need. It asks for a reboot
# only when the plan needs one: vfioplan has no reboot signal of its own
# yet, so it is read from the plan's actions, which it lists under
# "Actions:": a rebuilt initramfs (update-initramfs, dracut, mkinitcpio) or
# new kernel arguments (update-grub, grubby, vfioplan's sdboot helper) take
# effect at the next boot; a libvirt domain (virsh define) does not. After
# the reboot, ci/deploy-on-host.sh verify checks the result.
# usage: ci/deploy-on-host.sh [apply|verify]
#   HOST=name overrides the host name (hostname -s); ROOT=DIR applies under
#   DIR instead of / (a test root; verify always checks the running host)
set -eu
cd "$(dirname "$0")/.."
vfioplan=${VFIOPLAN:-vfioplan}
root=${ROOT:-/}
if ! command -v "$vfioplan" > /dev/null 2>&1; then
    echo "deploy: $vfioplan is not installed (or not on PATH; VFIOPLAN=path/to/vfioplan picks it): nothing was done" >&2
    exit 2
fi
host=hosts/${HOST:-$(hostname -s)}
[ -d "$host" ] || {
    echo "deploy: no $host in this repository" >&2
    exit 2
}
case "${1:-apply}" in
apply)
    plan=$(mktemp)
    trap 'rm -f "$plan"' EXIT
    rc=0
    "$vfioplan" plan "$host/spec.yaml" --host "$host/snapshot.yaml" --root "$root" > "$plan" || rc=$?
    [ "$rc" -le 1 ] || exit "$rc"
    cat "$plan"
    "$vfioplan" apply "$host/spec.yaml" --host "$host/snapshot.yaml" --root "$root"
    # the actions the plan listed (the lines after "Actions:", indented), and those that need a boot
    if sed -n '/^Actions:$/,$p' "$plan" | grep -Eq '^  (update-initramfs|dracut|mkinitcpio|update-grub|grubby|/usr/libexec/vfioplan/sdboot)( |$)'; then
        echo "deploy: reboot now (the initramfs or the kernel command line changed), then run: $0 verify"
    else
        echo "deploy: done; no reboot needed"
    fi
    ;;
verify)
    "$vfioplan" verify "$host/spec.yaml"
    ;;
*)
    echo "usage: $0 [apply|verify]" >&2
    exit 2
    ;;
esac
