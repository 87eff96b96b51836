#!/bin/sh
# Merge-request check: for every host, compile its spec against its
# committed snapshot and compare with the committed generated/ tree. A spec
# change whose generated files were not regenerated and committed fails
# here, so reviewers always see the real change to the hosts as a diff.
# Writes a JSON report per host to reports/HOST.check.json (REPORTS=DIR to
# put them elsewhere), which the CI keeps as artifacts for a bot to comment
# with.
# usage: ci/check.sh            (VFIOPLAN=path/to/vfioplan to pick the binary)
# exit: 0 every host is up to date, 1 a host is stale or its spec does not
# compile, 2 a tool this script needs is missing (nothing was checked)
set -eu
cd "$(dirname "$0")/.."
vfioplan=${VFIOPLAN:-vfioplan}
reports=${REPORTS:-reports}
# A missing tool is not a broken spec: say which, and check nothing.
for tool in "$vfioplan" diff; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "check: $tool is not installed (or not on PATH; VFIOPLAN=path/to/vfioplan picks vfioplan): nothing was checked" >&2
        exit 2
    fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$reports"
status=0
for host in hosts/*/; do
    host=${host%/}
    name=${host#hosts/}
    rc=0
    "$vfioplan" check "$host/spec.yaml" --host "$host/snapshot.yaml" --format json > "$reports/$name.check.json" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "check: $name: the spec does not compile against its snapshot (vfioplan exit $rc; $reports/$name.check.json has the diagnostics):" >&2
        "$vfioplan" check "$host/spec.yaml" --host "$host/snapshot.yaml" > /dev/null || true
        status=1
        continue
    fi
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
