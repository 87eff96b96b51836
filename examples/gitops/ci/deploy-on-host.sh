#!/bin/sh
# Runs on a GPU host after a merge, from a checkout of this repository (as
# root). apply refuses if the host's devices no longer match the committed
# snapshot (the plan was reviewed for that hardware), writes only what
# changed, and runs the actions those changes need. After the reboot that
# follows, ci/deploy-on-host.sh verify checks the result.
# usage: ci/deploy-on-host.sh [apply|verify]   (HOST=name to override hostname)
set -eu
cd "$(dirname "$0")/.."
vfioplan=${VFIOPLAN:-vfioplan}
host=hosts/${HOST:-$(hostname -s)}
[ -d "$host" ] || { echo "deploy: no $host in this repository" >&2; exit 2; }
case "${1:-apply}" in
apply)
    "$vfioplan" plan "$host/spec.yaml" --host "$host/snapshot.yaml" --root / || [ $? -eq 1 ]
    "$vfioplan" apply "$host/spec.yaml" --host "$host/snapshot.yaml" --root /
    echo "deploy: reboot, then run: $0 verify"
    ;;
verify)
    "$vfioplan" verify "$host/spec.yaml"
    ;;
*)
    echo "usage: $0 [apply|verify]" >&2
    exit 2
    ;;
esac
