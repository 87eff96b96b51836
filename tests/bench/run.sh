#!/usr/bin/env bash
# tests/bench/run.sh: vfioplan's compile time and memory against libpci's own
# scan and the field guide's loop, on synthetic hosts of 600 to 20,000 PCI
# functions. What it measures and why: tests/bench/README.md.
#
# Exit status: 0 every target met, 1 a target missed, 2 the benchmark could
# not run (missing tool, build failure, invalid spec, ...).
set -euo pipefail

usage() {
    cat <<'EOF'
usage: tests/bench/run.sh [--quick] [--instructions] [--sizes "600 5000 20000"] [--runs N] [--out DIR]

  --quick      3 timed runs per command (1 warmup), 1 run of the field guide's loop
  --sizes      host sizes in PCI functions (default "600 5000 20000"); the loop
               and the growth target need 600, the memory target 20000
  --runs N     timed runs per command (default 10, after 3 warmups)
  --instructions  also count the instructions of (a) and (b) with callgrind (a
               minute or two more): a ratio a busy machine does not disturb
  --out DIR    where host trees and results go (default tests/bench/out)

environment: VFIOPLAN=path  measure this binary instead of building build/vfioplan
EOF
}

die() {
    echo "bench: $*" >&2
    exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
sizes="600 5000 20000"
runs=10
warmup=3
loop_runs=3
instructions=false
out=$here/out

while [ $# -gt 0 ]; do
    case $1 in
    --quick) runs=3 warmup=1 loop_runs=1 ;;
    --instructions) instructions=true ;;
    --sizes) [ $# -ge 2 ] || die "--sizes needs a list"; sizes=$2; shift ;;
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done
case $runs in '' | *[!0-9]* | 0) die "--runs takes a positive number" ;; esac
for n in $sizes; do
    case $n in '' | *[!0-9]*) die "--sizes takes numbers, got '$n'" ;; esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out in *[[:space:]]*) die "the output directory must not contain spaces: $out" ;; esac
# Two runs on one output directory would delete each other's results.
exec 9>"$out/.lock"
flock -n 9 || die "another run.sh is using $out (pass --out DIR to run beside it)"

# --- tools -------------------------------------------------------------------
install_pkg() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        die "$1 is missing; install the '$2' package"
    fi
    echo "bench: installing $2" >&2
    apt-get install -y "$2" >&2 || { apt-get update >&2 && apt-get install -y "$2" >&2; } ||
        die "cannot install $2"
}
command -v python3 >/dev/null 2>&1 || die "python3 is missing"
command -v hyperfine >/dev/null 2>&1 || install_pkg hyperfine hyperfine
[ -x /usr/bin/time ] || install_pkg /usr/bin/time time
command -v lspci >/dev/null 2>&1 || install_pkg lspci pciutils
if $instructions; then
    command -v valgrind >/dev/null 2>&1 || install_pkg valgrind valgrind
fi

if [ -n "${VFIOPLAN:-}" ]; then
    vp=$VFIOPLAN
else
    echo "bench: building build/vfioplan" >&2
    (cd "$top" && { test -d build || meson setup build; } && ninja -C build) >&2 || die "build failed"
    vp=$top/build/vfioplan
fi
[ -x "$vp" ] || die "no vfioplan binary at $vp"

# --- host trees (cached: regenerated when the generator or mkhost changes) ----
key=$(cat "$here/gen-host.py" "$top/tests/tools/mkhost.py" "$top/tests/tools/pci.ids" | sha256sum | cut -d' ' -f1)
for n in $sizes; do
    dir=$out/hosts/$n
    if [ "$(cat "$dir/key" 2>/dev/null || true)" != "$key" ] || [ ! -d "$dir/root" ]; then
        echo "bench: generating the host of $n functions" >&2
        rm -rf "$dir"
        python3 "$here/gen-host.py" "$n" "$dir" || die "gen-host.py $n failed"
        echo "$key" >"$dir/key"
    fi
done

res=$out/results
rm -rf "$res" "$out/empty"
mkdir -p "$res" "$out/empty"
empty=$out/empty

# --- the machine --------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
if [ -n "${VFIOPLAN:-}" ]; then
    rev="VFIOPLAN=$vp"
else
    rev="git $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ -n "$(git -C "$top" status --porcelain -- compiler include meson.build 2>/dev/null)" ]; then
        rev="$rev with uncommitted changes"
    fi
    rev="$rev, build/vfioplan"
fi
python3 -c 'import json, sys; a = sys.argv[2:]; json.dump(dict(zip(a[::2], a[1::2])), open(sys.argv[1], "w"), indent=2)' \
    "$res/machine.json" date "$(date -u +%Y-%m-%dT%H:%MZ)" nproc "$(nproc)" cpu "$cpu" kernel "$(uname -r)" \
    fs "$(df -T "$out" | awk 'NR == 2 { print $2 }')" loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" \
    vfioplan "$("$vp" --version 2>&1 | head -n1) ($rev)" lspci "$(lspci --version)" \
    hyperfine "$(hyperfine --version)" runs "$runs" warmup "$warmup"

# --- measure ------------------------------------------------------------------
for n in $sizes; do
    dir=$out/hosts/$n
    root=$dir/root
    spec=$dir/spec.yaml
    # The spec must be valid and warning-free, and plan must see changes (exit 1):
    # hyperfine ignores plan's exit status below.
    if ! "$vp" check "$spec" --host "$root" >/dev/null 2>"$res/check-$n.err" || [ -s "$res/check-$n.err" ]; then
        cat "$res/check-$n.err" >&2
        die "vfioplan check of the $n-function host did not pass cleanly"
    fi
    set +e
    "$vp" plan "$spec" --host "$root" --root "$empty" >"$res/plan-$n.diff" 2>"$res/plan-$n.err"
    rc=$?
    set -e
    if [ "$rc" != 1 ] || [ ! -s "$res/plan-$n.diff" ]; then
        cat "$res/plan-$n.err" >&2
        die "vfioplan plan exited $rc at $n (want 1: changes against an empty root)"
    fi

    plan="$vp plan $spec --host $root --root $empty"
    scan=(lspci -A linux-sysfs -O "sysfs.path=$root/sys/bus/pci")
    # Rounds of one run of each command, so that a change in the machine's load
    # during the benchmark hits (a), (b) and (b') alike; the first rounds warm up.
    echo "bench: timing $n functions: $warmup + $runs rounds" >&2
    for round in $(seq 1 $((warmup + runs))); do
        json=$res/time-$n-r$round.json
        [ "$round" -gt "$warmup" ] || json=$res/warmup.json
        hyperfine --shell=none --style none --runs 1 --ignore-failure --export-json "$json" \
            -n "(a) plan $n" "$plan" -n "(b) lspci -nn $n" "${scan[*]} -nn" \
            -n "(b') lspci -n $n" "${scan[*]} -O hwdb.disable=1 -n" >/dev/null
    done
    rm -f "$res/warmup.json"

    # Peak RSS, worst of three runs each.
    for _ in 1 2 3; do
        /usr/bin/time -f 'plan %M' -o "$res/t" "$vp" plan "$spec" --host "$root" --root "$empty" >/dev/null 2>&1 || true
        tail -n1 "$res/t" >>"$res/rss-$n.txt"
        /usr/bin/time -f 'lspci %M' -o "$res/t" "${scan[@]}" -nn >/dev/null 2>&1
        tail -n1 "$res/t" >>"$res/rss-$n.txt"
    done
    rm -f "$res/t"

    if $instructions; then
        echo "bench: counting instructions at $n functions (callgrind)" >&2
        for what in plan lspci; do
            if [ "$what" = plan ]; then cmd=("$vp" plan "$spec" --host "$root" --root "$empty"); else cmd=("${scan[@]}" -nn); fi
            valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" >/dev/null 2>"$res/t" || true
            refs=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$res/t")
            [ -n "$refs" ] || { cat "$res/t" >&2; die "callgrind of $what at $n failed"; }
            echo "$what $refs" >>"$res/instructions-$n.txt"
        done
        rm -f "$res/t"
    fi
done

# (c) the field guide's loop, at 600 only: one lspci per device, each scanning all.
if [[ " $sizes " == *" 600 "* ]]; then
    root=$out/hosts/600/root
    echo "bench: timing the field guide's loop at 600 functions (about 15 s a run)" >&2
    # An untimed first run checks the listing (one line per NVIDIA function) and warms up.
    want=$(grep -c '^[0-9a-f:.]* *10de:' "$out/hosts/600/host.table")
    got=$(bash "$here/field-loop.sh" "$root" | wc -l)
    [ "$got" = "$want" ] || die "the field guide's loop listed $got NVIDIA functions, want $want"
    hyperfine --shell=none --style basic --runs "$loop_runs" --export-json "$res/loop.json" \
        -n "(c) field guide loop 600" "bash $here/field-loop.sh $root" >&2
fi

python3 "$here/report.py" "$res"
