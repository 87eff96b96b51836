#!/bin/sh
# Merge-request check: for every host, compile its spec against its
# committed snapshot and compare with the committed generated/ tree. A spec
# change whose generated files were not regenerated and committed fails
# here, so reviewers always see the real change to the hosts as a diff.
# Also writes a JSON report per host (for a bot that comments on the MR).
# usage: ci/check.sh            (VFIOPLAN=path/to/vfioplan to pick the binary)
set -eu
cd "$(dirname "$0")/.."
vfioplan=${VFIOPLAN:-vfioplan}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for host in hosts/*/; do
    host=${host%/}
    name=${host#hosts/}
    "$vfioplan" check "$host/spec.yaml" --host "$host/snapshot.yaml" --format json > "$work/$name.report.json" || {
        echo "check: $name: the spec does not compile against its snapshot:" >&2
        "$vfioplan" check "$host/spec.yaml" --host "$host/snapshot.yaml" >/dev/null || true
        status=1
        continue
    }
    "$vfioplan" build "$host/spec.yaml" --host "$host/snapshot.yaml" -o "$work/$name"
    if ! diff -ru "$host/generated" "$work/$name" > "$work/$name.diff"; then
        echo "check: $name: $host/generated is stale; run ci/regenerate.sh and commit the result:" >&2
        cat "$work/$name.diff" >&2
        status=1
    else
        echo "check: $name: generated files are up to date"
    fi
done
exit "$status"
