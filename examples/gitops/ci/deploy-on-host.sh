#!/bin/sh
# Runs on a GPU host after a merge, from a checkout of this repository (as
# root). It shows the plan, saves it, and applies exactly that plan: apply
# refuses if the host's devices no longer match the committed snapshot (the
# plan was reviewed for that hardware) or if anything changed between the
# two. apply writes only what changed, runs the actions those changes need,
# and says whether they need a reboot ("reboot_required" in its JSON; it
# also writes /run/reboot-required, as Debian's packages do): a rebuilt
# initramfs or new kernel arguments take effect at the next boot, a libvirt
# domain (virsh define) does not. After the reboot, ci/deploy-on-host.sh
# verify checks the result.
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
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    rc=0
    "$vfioplan" plan "$host/spec.yaml" --host "$host/snapshot.yaml" --root "$root" --out "$work/reviewed.plan" \
        > "$work/diff" || rc=$?
    [ "$rc" -le 1 ] || exit "$rc"
    cat "$work/diff"
    rc=0
    "$vfioplan" apply --plan "$work/reviewed.plan" --format json > "$work/applied.json" || rc=$?
    if [ "$rc" -ne 0 ]; then
        cat "$work/applied.json"
        exit "$rc"
    fi
    if grep -q '"reboot_required": true' "$work/applied.json"; then
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
