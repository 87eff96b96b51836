#!/bin/bash
# field-loop.sh ROOT: the field guide's IOMMU group listing (docs: field-guide.md,
# step 2), word for word except that lspci reads the host tree ROOT instead of
# this machine: one `lspci -nns` per device in ROOT/sys/kernel/iommu_groups.
# The benchmark (tests/bench/run.sh) times it as measurement (c).
set -u
if [ $# -ne 1 ] || [ ! -d "$1/sys/kernel/iommu_groups" ]; then
    echo "usage: field-loop.sh ROOT (a host tree with sys/kernel/iommu_groups)" >&2
    exit 2
fi
root=$1
for d in "$root"/sys/kernel/iommu_groups/*/devices/*; do n=${d#*/iommu_groups/*}; n=${n%%/*}; printf 'IOMMU Group %s ' "$n"; lspci -A linux-sysfs -O sysfs.path="$root/sys/bus/pci" -nns "${d##*/}"; done | grep NVIDIA
# grep's 1 means "no NVIDIA device", which is a listing too.
rc=$?
[ "$rc" -le 1 ] || exit "$rc"
exit 0
