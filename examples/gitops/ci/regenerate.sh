#!/bin/sh
# Rebuild every host's generated/ tree from its spec and snapshot (commit the result).
set -eu
cd "$(dirname "$0")/.."
vfioplan=${VFIOPLAN:-vfioplan}
for host in hosts/*/; do
    host=${host%/}
    "$vfioplan" build "$host/spec.yaml" --host "$host/snapshot.yaml" -o "$host/generated"
    echo "regenerated $host/generated"
done
