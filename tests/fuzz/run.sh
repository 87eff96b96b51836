#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one libFuzzer target for a given time:
#   tests/fuzz/run.sh TARGET SECONDS [libFuzzer options...]
# TARGET: spec, snapshot, pipeline, diff or hostfacts. The first run configures
# build-fuzz/ (clang, ASan + UBSan; VP_FUZZ_BUILD names another folder),
# builds the target and collects the seed corpus (tests/fuzz/seeds.py). The
# corpus the fuzzer grows is kept in build-fuzz/tests/fuzz/corpus/TARGET;
# crashes, leaks and timeouts go to build-fuzz/tests/fuzz/findings/TARGET/.
# The last line is libFuzzer's final stats (execs, time, crashes found).
# Run two at a time on two cores: tests/fuzz/run.sh spec 600 & tests/fuzz/run.sh snapshot 600
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 spec|snapshot|pipeline|diff|hostfacts SECONDS [libFuzzer options...]" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2
case $target in
spec | snapshot | pipeline | diff | hostfacts) ;;
*)
    echo "$0: unknown target '$target' (spec, snapshot, pipeline, diff, hostfacts)" >&2
    exit 2
    ;;
esac
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${VP_FUZZ_BUILD:-$src/build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
    CC=${CC:-clang} meson setup "$build" "$src" -Dtests=enabled -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
# one build at a time when two targets start together
flock "$build/.fuzz-build.lock" ninja -C "$build" "tests/fuzz/fuzz-$target" vfioplan tests/fuzz/tiny-tree.stamp >/dev/null
fz=$build/tests/fuzz
seeds=$fz/seeds
flock "$build/.fuzz-build.lock" sh -c "[ -d '$seeds/$target' ] || { rm -rf '$seeds' && /usr/bin/python3 '$src/tests/fuzz/seeds.py' --vfioplan '$build/vfioplan' --out '$seeds'; }"
mkdir -p "$fz/corpus/$target" "$fz/findings/$target"
# timeout: an input taking 10 s is a hang; rss: bounded memory is a requirement, not a wish
exec "$fz/fuzz-$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$src/tests/fuzz/yaml.dict" -print_final_stats=1 \
    -artifact_prefix="$fz/findings/$target/" \
    "$@" "$fz/corpus/$target" "$seeds/$target"
