#!/bin/bash
# run.sh - vfioplan's end-to-end boot suite (see README.md next to this file).
#
# Boots an emulated Debian 12 host (QEMU q35 + emulated Intel IOMMU, TCG or
# KVM) with the artifacts vfioplan compiled against that very machine, checks
# from inside the booted guest which driver each device got, then defines and
# starts the VMs vfioplan wrote (libvirt and QEMU inside the emulated host)
# and asks QEMU where each assigned function is in its guest.
#
# usage: sudo tests/e2e/run.sh [--only NAME[,NAME...]] [--mutate MUTATION[,MUTATION...]] [--list]
#   --only      run these scenarios only (names: --list)
#   --mutate    break artifacts on purpose before installing them (see
#               --list); the suite must then report failures
#   --list      list scenarios and mutations, then exit
# env: E2E_DEB    vfioplan's Debian package to install in the emulated host
#                 (default: built from this tree by tests/package/build-deb.sh
#                 into E2E_DEB_DIR, default <repo>/build-deb)
#      E2E_CACHE  cache dir (default /var/cache/vfioplan-e2e)
#      E2E_ACCEL  auto | kvm | tcg (default auto: KVM when /dev/kvm is usable)
#      E2E_MIRROR Debian mirror (default: the machine's own apt sources)
#      E2E_BOOT_TIMEOUT seconds per boot (default 1200)
#      E2E_VM_WAIT seconds the VM step waits for the guest firmware to list
#                 the assigned functions (default 600)
# exit: 0 all scenarios gave their expected verdict; 1 some did not;
#       2 the suite could not run; 77 not root (meson: skipped)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SCEN_DIR=$HERE/scenarios
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/base.sh
. "$HERE/lib/base.sh"
# shellcheck source=lib/facts.sh
. "$HERE/lib/facts.sh"
# shellcheck source=lib/image.sh
. "$HERE/lib/image.sh"
# shellcheck source=lib/adopt.sh
. "$HERE/lib/adopt.sh"
# shellcheck source=lib/grub-boot.sh
. "$HERE/lib/grub-boot.sh"
# shellcheck source=lib/chain.sh
. "$HERE/lib/chain.sh"

MUTATIONS="drop-softdep drop-hook drop-init-top drop-ids drop-modprobe drop-dropin drop-hostdev drop-hugepages drop-vcpupin wrong-node undo-migration $CHAIN_MUTATIONS"
describe_mutation() {
  case $1 in
    drop-softdep) echo "delete the 'softdep DRIVER pre: vfio-pci' lines of vfioplan's modprobe.d file" ;;
    drop-hook) echo "remove vfioplan's initramfs hook (initramfs-tools hook, or its dracut.conf.d file)" ;;
    drop-init-top) echo "remove vfioplan's initramfs-tools init-top script (the by-address bind before udev)" ;;
    drop-ids) echo "delete the 'options vfio-pci ids=' lines of vfioplan's modprobe.d file" ;;
    drop-modprobe) echo "remove vfioplan's modprobe.d file" ;;
    drop-dropin) echo "remove vfioplan's GRUB drop-in (etc/default/grub.d)" ;;
    drop-hostdev) echo "delete every <hostdev> of vfioplan's domain XML (the VM starts without its devices)" ;;
    drop-hugepages) echo "delete the huge page reservation (hugepages=N) from vfioplan's GRUB drop-in: the VMs backed by huge pages must not start" ;;
    drop-vcpupin) echo "delete every <vcpupin> of vfioplan's domain XML: the vCPUs float over all host CPUs" ;;
    wrong-node) echo "bind the domain's memory to host node 0 where vfioplan bound it to node 1 (every numatune nodeset=\"1\" becomes \"0\")" ;;
    undo-migration) echo "undo the migration of a manual setup with the README's command (the admin's lines back as they were)" ;;
    skip-grub-reboot) echo "boot chains: grub-reboot does nothing in the emulated host (the one-shot entry is never booted)" ;;
    finish-confirms) echo "boot chains: vfioplan-try.service runs 'vfioplan try --confirm' instead of '--finish' (confirms without verifying)" ;;
    *) return 1 ;;
  esac
}

# The whole main part is one brace group, so bash parses it before running
# it and editing this file during a run cannot derail that run.
{
ONLY="" MUTATE="" LIST=0
while [ $# -gt 0 ]; do
  case $1 in
    --only) ONLY=${2:?--only needs scenario names}; shift 2 ;;
    --only=*) ONLY=${1#*=}; shift ;;
    --mutate) MUTATE=${2:?--mutate needs a mutation}; shift 2 ;;
    --mutate=*) MUTATE=${1#*=}; shift ;;
    --list) LIST=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done

# load_scenario NAME: reads scenarios/NAME/scenario.conf into the S_* variables
load_scenario() {
  local DESCRIPTION="" TOPOLOGY="" FLAVOR=initramfs-tools EXPECT="" ASSIGN="" KEEP=""
  local CMDLINE_HAS="" INITRAMFS_MODULES="" EDIT="" REFUSE_NAMES="" REFUSE_CODE="" EARLY="" SPEC_FROM="" VM=""
  local CMDLINE_LACKS="" ADMIN_FILES="" ADMIN_FILES_AFTER="" WARNS="" CHECK_HAS="" NUMA=0 BOOTS="" UNITS="" BOOT_TIMEOUT=""
  [ -f "$SCEN_DIR/$1/scenario.conf" ] || return 1
  # shellcheck source=/dev/null
  . "$SCEN_DIR/$1/scenario.conf"
  # BOOTS=N: a boot chain through GRUB (lib/chain.sh): no facts boot, no
  # image of its own; vfioplan runs inside the emulated host
  S_BOOTS=$BOOTS S_UNITS=$UNITS S_BOOT_TIMEOUT=$BOOT_TIMEOUT
  if [ -n "$S_BOOTS" ]; then
    S_DESC=$DESCRIPTION S_TOPO=$TOPOLOGY S_FLAVOR=$FLAVOR S_EXPECT=$EXPECT S_VM=0 S_GROUP="" S_JOB=${SPEC_FROM:-$1}
    case $S_EXPECT in pass) ;; *) echo "scenario $1: a boot chain expects pass (its checks say what must happen)" >&2; return 1 ;; esac
    for f in boots.sh expect.sh; do [ -f "$SCEN_DIR/$1/$f" ] || { echo "scenario $1: no $f" >&2; return 1; }; done
    topology_args "$S_TOPO" > /dev/null || { echo "scenario $1: unknown TOPOLOGY '$S_TOPO'" >&2; return 1; }
    return 0
  fi
  # SPEC_FROM=OTHER: compile OTHER's spec.yaml (same output, so the facts job
  # and the prepared image are shared; e.g. iommu-off only edits the drop-in)
  S_JOB=${SPEC_FROM:-$1}
  [ -f "$SCEN_DIR/$S_JOB/spec.yaml" ] || { echo "scenario $1: no $S_JOB/spec.yaml" >&2; return 1; }
  S_DESC=$DESCRIPTION S_TOPO=$TOPOLOGY S_FLAVOR=$FLAVOR S_EXPECT=$EXPECT S_ASSIGN=$ASSIGN
  S_KEEP=$KEEP S_CMDLINE_HAS=$CMDLINE_HAS S_MODULES=$INITRAMFS_MODULES S_EDIT=$EDIT
  S_REFUSE_NAMES=$REFUSE_NAMES S_CHECK_HAS=$CHECK_HAS S_NUMA=$NUMA S_REFUSE_CODE=$REFUSE_CODE S_CMDLINE_LACKS=$CMDLINE_LACKS S_WARNS=$WARNS
  # ADMIN_FILES=DIR: the admin's own files of a manual setup, on the host
  # when its facts are taken; vfioplan apply migrates them (lib/adopt.sh).
  # Such a scenario has its facts boot to itself.
  S_ADMIN="" S_ADMIN_AFTER="" S_GROUP="$S_FLAVOR/$S_TOPO"
  if [ -n "$ADMIN_FILES" ]; then
    S_ADMIN=$SCEN_DIR/$1/$ADMIN_FILES S_ADMIN_AFTER=$SCEN_DIR/$1/${ADMIN_FILES_AFTER:-}
    if ! [ -d "$S_ADMIN" ] || [ -z "$ADMIN_FILES_AFTER" ] || ! [ -d "$S_ADMIN_AFTER" ]; then
      echo "scenario $1: ADMIN_FILES and ADMIN_FILES_AFTER must name folders of the scenario" >&2; return 1
    fi
    S_GROUP="$S_GROUP/$1"
  fi
  # by default a passing scenario must have bound its devices in the initramfs
  S_EARLY=${EARLY:-1}
  # and must start its VMs with the devices in them
  if [ "$S_EXPECT" = pass ]; then S_VM=${VM:-1}; else S_VM=${VM:-0}; fi
  case $S_EXPECT in pass|fail|refuse) ;; *) echo "scenario $1: EXPECT must be pass, fail or refuse" >&2; return 1 ;; esac
  topology_args "$S_TOPO" > /dev/null || { echo "scenario $1: unknown TOPOLOGY '$S_TOPO'" >&2; return 1; }
}

ALL=()
for d in "$SCEN_DIR"/*/; do d=${d%/}; ALL+=("${d##*/}"); done
if [ "$LIST" = 1 ]; then
  for s in "${ALL[@]}"; do
    load_scenario "$s" && printf '%-20s %-7s %-6s %-16s %-8s %s\n' "$s" "$S_EXPECT" "$([ "$S_VM" = 1 ] && echo vm || echo "${S_BOOTS:+grubx$S_BOOTS}")" "$S_FLAVOR" "$S_TOPO" "$S_DESC"
  done
  echo; echo "mutations (--mutate):"
  for m in $MUTATIONS; do printf '  %-14s %s\n' "$m" "$(describe_mutation "$m")"; done
  exit 0
fi
SELECTED=()
if [ -n "$ONLY" ]; then
  IFS=, read -r -a SELECTED <<< "$ONLY"
  for s in "${SELECTED[@]}"; do [ -d "$SCEN_DIR/$s" ] || { echo "run.sh: no scenario '$s' (--list)" >&2; exit 2; }; done
else
  SELECTED=("${ALL[@]}")
fi
for m in ${MUTATE//,/ }; do
  describe_mutation "$m" > /dev/null || { echo "run.sh: unknown mutation '$m' (--list)" >&2; exit 2; }
done

if [ "$(id -u)" != 0 ]; then
  echo "run.sh: the e2e suite must run as root: it debootstraps a Debian root, chroots into it" >&2
  echo "  (unshare -m) to regenerate the initramfs and boots it under QEMU. Run: sudo $0" >&2
  exit 77
fi
missing=""
tools="debootstrap qemu-system-x86_64 debugfs mke2fs sfdisk unshare chroot timeout tar sha256sum"
# the package build's tools too, unless E2E_DEB names a built package
[ -n "${E2E_DEB:-}" ] || tools="$tools dpkg-buildpackage dh lintian"
for t in $tools; do
  command -v "$t" > /dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
  echo "run.sh: missing tools:$missing" >&2
  echo "  apt-get install -y --no-install-recommends debootstrap qemu-system-x86 e2fsprogs fdisk dpkg-dev debhelper lintian" >&2
  exit 2
fi
E2E_MIRROR=${E2E_MIRROR:-$(host_mirror)}
[ -n "$E2E_MIRROR" ] || die "no Debian mirror in this machine's apt sources; set E2E_MIRROR"
mkdir -p "$E2E_CACHE"/{base,facts,images,grub,logs}
RUN_LOG=$E2E_CACHE/logs/$(date +%Y%m%d-%H%M%S)${MUTATE:+-${MUTATE//,/+}}
mkdir -p "$RUN_LOG"; ln -sfn "$RUN_LOG" "$E2E_CACHE/logs/last"
CACHE_USED=() TIMINGS=()
T_START=$(date +%s)
# vfioplan goes into the emulated host as its Debian package (dpkg -i), built
# from this tree unless E2E_DEB names one
if [ -z "${E2E_DEB:-}" ]; then
  deb_dir=${E2E_DEB_DIR:-$REPO/build-deb}
  t0=$(date +%s)
  log "building the Debian package from the tree (tests/package/build-deb.sh $deb_dir)"
  if ! "$REPO/tests/package/build-deb.sh" "$deb_dir" > "$RUN_LOG/deb-build.log" 2>&1; then
    tail -n 20 "$RUN_LOG/deb-build.log" >&2
    echo "run.sh: tests/package/build-deb.sh failed (log: $RUN_LOG/deb-build.log)" >&2
    exit 2
  fi
  DEB_BUILD_S=$(( $(date +%s) - t0 ))
  debs=("$deb_dir"/vfioplan_*.deb); E2E_DEB=${debs[0]}
fi
if ! [ -f "$E2E_DEB" ]; then
  echo "run.sh: no vfioplan package at '$E2E_DEB' (tests/package/build-deb.sh builds it, or set E2E_DEB)" >&2
  exit 2
fi
E2E_DEB=$(readlink -f "$E2E_DEB")
# the steps on this machine (adopting a manual setup, lib/adopt.sh) run the package's own binary
DEB_ROOT=$RUN_LOG/deb-root
dpkg-deb -x "$E2E_DEB" "$DEB_ROOT" || die "cannot unpack $E2E_DEB"
VFIOPLAN=$DEB_ROOT/usr/bin/vfioplan
[ -z "${DEB_BUILD_S:-}" ] || TIMINGS+=("deb $DEB_BUILD_S")
log "vfioplan ${E2E_DEB##*/} (sha256 $(hash_file "$E2E_DEB" | cut -c1-16)); cache $E2E_CACHE; logs $RUN_LOG${MUTATE:+; mutation $MUTATE}"

ensure_base initramfs-tools || { echo "e2e: 0 passed, ${#SELECTED[@]} failed (no base root)"; exit 1; }
pick_accel "$BASE_DIR/boot/vmlinuz-$(cat "$BASE_DIR/../kver")"
log "accelerator: $ACCEL"

# ---- stage 1+2: bases and host facts, one facts boot per (flavor, topology)
# A facts boot runs vfioplan for every spec of its (flavor, topology),
# also those not selected, so --only runs share the cache with full runs.
# A group is FLAVOR/TOPOLOGY, or FLAVOR/TOPOLOGY/SCENARIO for a scenario with
# the admin's files of a manual setup (those files are on its facts host).
declare -A GROUP_SCEN=() GROUP_NEEDED=() GROUP_ADMIN=() FACTS_OF=()
for s in "${ALL[@]}"; do
  load_scenario "$s" || exit 2
  [ -z "$S_BOOTS" ] || continue
  case " ${GROUP_SCEN["$S_GROUP"]:-} " in
    *" $S_JOB "*) ;;
    *) GROUP_SCEN["$S_GROUP"]+="$S_JOB " ;;
  esac
  GROUP_ADMIN["$S_GROUP"]=$S_ADMIN
done
for s in "${SELECTED[@]}"; do
  load_scenario "$s" || exit 2
  [ -z "$S_BOOTS" ] || continue
  GROUP_NEEDED["$S_GROUP"]=1
done
for g in $(printf '%s\n' "${!GROUP_NEEDED[@]}" | sort); do
  IFS=/ read -r flavor topo _ <<< "$g"
  FACTS_ADMIN=${GROUP_ADMIN["$g"]}
  # shellcheck disable=SC2086  # word list of scenario names
  if ensure_facts "$flavor" "$topo" ${GROUP_SCEN["$g"]}; then
    FACTS_OF["$g"]=$FACTS_DIR
  else
    log "no host facts for $g"
  fi
done
FACTS_ADMIN=""

# ---- stage 3+4: per scenario: artifacts -> image -> boot -> verdict
PASSED=0 FAILED=0 SKIPPED=0
RESULTS=()
report() { # ok|FAIL|skip NAME TEXT
  local line
  line=$(printf '%-4s %-20s %s' "$1" "$2" "$3")
  RESULTS+=("$line"); echo "$line"
  case $1 in ok) PASSED=$((PASSED + 1)) ;; FAIL) FAILED=$((FAILED + 1)) ;; *) SKIPPED=$((SKIPPED + 1)) ;; esac
}
first_line() { tr -d '\r' < "$1" | grep -m1 -E 'error|warning' || head -n 1 "$1"; }

mutate_tree() { # TREE MUTATION: exit 1 when it changes nothing
  local t=$1 before f
  before=$(hash_tree "$t")
  shopt -s nullglob
  case $2 in
    drop-softdep) for f in "$t"/etc/modprobe.d/*vfioplan*; do sed -i '/^[[:space:]]*softdep[[:space:]]/d' "$f"; done ;;
    drop-hook) rm -f "$t"/etc/initramfs-tools/hooks/*vfioplan* "$t"/etc/dracut.conf.d/*vfioplan* ;;
    drop-init-top) rm -f "$t"/etc/initramfs-tools/scripts/init-top/*vfioplan* ;;
    drop-ids) for f in "$t"/etc/modprobe.d/*vfioplan*; do sed -i '/^[[:space:]]*options[[:space:]]\+vfio[-_]pci[[:space:]].*ids=/d' "$f"; done ;;
    drop-modprobe) rm -f "$t"/etc/modprobe.d/*vfioplan* ;;
    drop-dropin) rm -f "$t"/etc/default/grub.d/*vfioplan* ;;
    # libxml2 writes <hostdev ...> and </hostdev> on lines of their own
    drop-hostdev) for f in "$t"/etc/vfioplan/vms/*.xml; do sed -i '/<hostdev[ >]/,/<\/hostdev>/d' "$f"; done ;;
    # the drop-in adds each argument on a line of its own: "vfioplan_add hugepages=64"
    # libxml2 writes each <vcpupin .../> on a line of its own
    drop-vcpupin) for f in "$t"/etc/vfioplan/vms/*.xml; do sed -i '/<vcpupin /d' "$f"; done ;;
    wrong-node) for f in "$t"/etc/vfioplan/vms/*.xml; do sed -i 's/nodeset="1"/nodeset="0"/' "$f"; done ;;
    drop-hugepages) for f in "$t"/etc/default/grub.d/*vfioplan*; do sed -i '/^[[:space:]]*vfioplan_add[[:space:]]\+hugepages=/d' "$f"; done ;;
    # the README's undo command ("Adopting a manual setup"), run on the tree
    undo-migration) grep -rlZ '^# vfioplan: disabled VP' "$t"/etc "$t"/boot/loader/entries 2> /dev/null |
      xargs -0r sed -i -e '/^# vfioplan: the next line replaces the one above$/{N;d;}' -e 's/^# vfioplan: disabled VP[0-9]*: //' ;;
  esac
  shopt -u nullglob
  [ "$(hash_tree "$t")" != "$before" ]
}

run_scenario() {
  local s=$1 facts out tree cmds append log verdict t0 boot_s reasons glog w ok=1 why="" vm_res vm_why vm_sum vm_time
  load_scenario "$s" || { report FAIL "$s" "bad scenario definition"; return; }
  if [ -n "$S_BOOTS" ]; then run_chain "$s"; return; fi
  facts=${FACTS_OF["$S_GROUP"]:-}
  if [ -z "$facts" ]; then report FAIL "$s" "no host facts for $S_FLAVOR/$S_TOPO (facts boot failed, see log above)"; return; fi
  out=$facts/out/$S_JOB
  glog=$RUN_LOG/$s; mkdir -p "$glog"
  cp -a "$out/." "$glog/vfioplan" 2>/dev/null

  if [ "$S_EXPECT" = refuse ]; then
    [ -z "$MUTATE" ] || { report skip "$s" "mutation $MUTATE does not apply (no artifacts)"; return; }
    local crc brc n
    crc=$(cat "$out/check.rc") brc=$(cat "$out/build.rc")
    [ "$crc" = 2 ] || { ok=0; why="vfioplan check exited $crc, not 2"; }
    [ "$brc" = 2 ] || { ok=0; why="${why:+$why; }vfioplan build exited $brc, not 2"; }
    grep -q 'error\[' "$out/check.err" || { ok=0; why="${why:+$why; }no error[...] diagnostic on stderr"; }
    # REFUSE_CODE: the refusal is for this reason and no other (a spec that
    # breaks a second rule would pass for the wrong reason)
    if [ -n "$S_REFUSE_CODE" ]; then
      n=$(grep -o 'error\[VP[0-9]*\]' "$out/check.err" | sort -u | grep -v -x -F "error[$S_REFUSE_CODE]" | paste -sd' ' -)
      grep -q -F "error[$S_REFUSE_CODE]" "$out/check.err" || { ok=0; why="${why:+$why; }no error[$S_REFUSE_CODE]"; }
      [ -z "$n" ] || { ok=0; why="${why:+$why; }refused for other reasons too: $n"; }
    fi
    for n in $S_REFUSE_NAMES; do
      grep -qi -- "$n" "$out/check.err" || { ok=0; why="${why:+$why; }the diagnostic does not name $n"; }
    done
    if [ -d "$out/tree" ] && [ -n "$(find "$out/tree" -type f 2>/dev/null)" ]; then
      ok=0; why="${why:+$why; }build wrote artifacts although it refused"
    fi
    if [ "$ok" = 1 ]; then
      report ok "$s" "verdict=REFUSED expected=REFUSED: $(first_line "$out/check.err")"
    else
      report FAIL "$s" "expected a compile-time refusal: $why"
      sed 's/^/    check: /' "$out/check.err" | head -n 20
    fi
    return
  fi

  if [ "$(cat "$out/build.rc")" != 0 ]; then
    report FAIL "$s" "vfioplan build exited $(cat "$out/build.rc") inside the emulated host: $(first_line "$out/build.err")"
    sed 's/^/    build: /' "$out/build.err" | head -n 20
    return
  fi
  # what vfioplan check must have said on the emulated host, e.g. a note's code
  for w in $S_CHECK_HAS; do
    if ! grep -q -F -- "$w" "$out/check.err"; then
      report FAIL "$s" "vfioplan check inside the emulated host did not say '$w' (exit $(cat "$out/check.rc"))"
      sed 's/^/    check: /' "$out/check.err" | head -n 20
      return
    fi
  done
  tree=$RUN_LOG/$s/tree
  rm -rf "$tree"
  if [ -n "$S_ADMIN" ]; then
    # a manual setup: vfioplan apply on the admin's files, and what it must have done to them
    if ! adopt_apply "$SCEN_DIR/$S_JOB/spec.yaml" "$out" "$S_ADMIN" "$tree" "$glog"; then
      report FAIL "$s" "$ADOPT_WHY"; sed 's/^/    apply: /' "$glog/apply.err" 2> /dev/null | head -n 20; return
    fi
    if ! adopt_check "$out" "$S_ADMIN" "$S_ADMIN_AFTER" "$tree" "$glog" "$S_WARNS"; then
      report FAIL "$s" "the migration of the manual setup: $ADOPT_WHY"; sed 's/^/    /' "$glog/migration.diff" | head -n 40; return
    fi
  else
    cp -a "$out/tree" "$tree"
  fi
  case $S_EDIT in
    "") ;;
    iommu-off)
      local f=$tree/etc/default/grub.d/vfioplan.cfg
      if [ -f "$f" ]; then
        sed -i 's/intel_iommu=on/intel_iommu=off/g' "$f"
        # shellcheck disable=SC2016  # a line of shell for grub-mkconfig to source
        grep -q 'intel_iommu=off' "$f" || echo 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=off"' >> "$f"
      else
        report FAIL "$s" "no etc/default/grub.d/vfioplan.cfg in vfioplan's output to edit"; return
      fi ;;
    *) report FAIL "$s" "unknown EDIT '$S_EDIT'"; return ;;
  esac
  local m
  for m in ${MUTATE//,/ }; do
    if ! mutate_tree "$tree" "$m"; then
      report skip "$s" "mutation $m does not apply (nothing to break in this tree)"; return
    fi
  done
  # the initramfs commands of vfioplan's action list ("Actions:" block of plan)
  cmds=$(awk '/^Actions:/ {a = 1; next} a && /^  / {sub(/^  +/, ""); print; next} a {a = 0}' "$out/plan.out" |
    grep -E '^(update-initramfs|dracut|mkinitcpio)([[:space:]]|$)')
  printf '%s\n' "$cmds" > "$glog/initramfs-commands"
  # etc/vfioplan (the domain XML, the manifest) is not in the image: the VM
  # step installs it from fw_cfg, so scenarios that differ only there (other
  # VM settings, drop-hostdev) share one image
  tar -C "$tree" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -cf "$glog/etc-vfioplan.tar" ./etc/vfioplan 2> /dev/null || tar -cf "$glog/etc-vfioplan.tar" -T /dev/null
  # NUMA=1: what the VM step must find of vfioplan's topology, from the plan
  # as vfioplan printed it in the facts boot (not from the tree a mutation broke)
  local -a numa_cfg=()
  if [ "$S_NUMA" = 1 ]; then
    if ! python3 "$HERE/lib/numa-plan.py" "$out/check.json" "$out/tree/etc/vfioplan/vms" > "$glog/numa-plan" 2> "$glog/numa-plan.err"; then
      report FAIL "$s" "vfioplan's topology map and its domain XML disagree: $(head -n 1 "$glog/numa-plan.err")"; return
    fi
    grep -q '^cell ' "$glog/numa-plan" || { report FAIL "$s" "NUMA=1, but vfioplan's plan pins no VM (check.json)"; return; }
    numa_cfg=(-fw_cfg "name=opt/vfioplan-e2e/numa-plan,file=$glog/numa-plan")
  fi
  if ! ensure_image "$S_FLAVOR" "$tree" "$cmds" "$S_MODULES"; then
    report FAIL "$s" "could not prepare the image (initramfs command failed?)"; return
  fi
  cp "$IMAGE_DIR/prepare.log" "$IMAGE_DIR/initramfs.list" "$glog/" 2>/dev/null
  grub_cmdline_of "$BASE_DIR" "$tree" > "$glog/grub-cmdline" 2> "$glog/grub-cmdline.err" || {
    report FAIL "$s" "sourcing the GRUB drop-in the way grub-mkconfig does failed: $(head -n 1 "$glog/grub-cmdline.err")"; return; }
  append="root=/dev/vda ro console=ttyS0 panic=-1 init=/usr/local/sbin/e2e-init e2e.mode=probe"
  append="$append e2e.assign=$S_ASSIGN${S_KEEP:+ e2e.keep=$S_KEEP} e2e.early=$S_EARLY"
  [ "$S_VM" = 0 ] || append="$append e2e.vm=1 e2e.vmwait=${E2E_VM_WAIT:-600}"
  append="$append $(cat "$glog/grub-cmdline")"
  log=$glog/serial.log
  t0=$(date +%s.%N)
  qemu_boot "$IMAGE_DIR/root.img" "$IMAGE_DIR/vmlinuz" "$IMAGE_DIR/initrd.img" "$append" "$S_TOPO" "$log" snapshot \
    -fw_cfg "name=opt/vfioplan-e2e/etc-vfioplan.tar,file=$glog/etc-vfioplan.tar" "${numa_cfg[@]}"
  boot_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  TIMINGS+=("boot-$s $boot_s")
  tr -d '\r' < "$log" | grep -a '^E2E ' > "$glog/probe.txt"
  verdict=$(sed -n 's/^E2E RESULT \([A-Z]*\).*/\1/p' "$glog/probe.txt" | head -n 1)
  reasons=$(sed -n 's/^E2E REASON //p' "$glog/probe.txt" | paste -sd';' - | sed 's/;/; /g')
  if [ -z "$verdict" ]; then
    report FAIL "$s" "no verdict from the guest (boot failed or timed out after ${boot_s}s), see $log"
    tail -n 15 "$log" | sed 's/^/    console: /'
    return
  fi
  local guest_cmdline
  guest_cmdline=" $(sed -n 's/^E2E CMDLINE //p' "$glog/probe.txt") "
  for w in $S_CMDLINE_HAS; do
    case $guest_cmdline in *" $w "*) ;; *) ok=0; why="${why:+$why; }'$w' is not on the booted kernel's command line" ;; esac
  done
  # CMDLINE_LACKS: no word of the booted command line may start with these
  for w in $S_CMDLINE_LACKS; do
    case $guest_cmdline in *" $w"*) ok=0; why="${why:+$why; }'$w' is on the booted kernel's command line" ;; esac
  done
  local exp_uc
  exp_uc=$(echo "$S_EXPECT" | tr '[:lower:]' '[:upper:]')
  [ "$verdict" = "$exp_uc" ] || { ok=0; why="${why:+$why; }verdict $verdict${reasons:+ ($reasons)}"; }
  # the VM step: its own verdict, required where the scenario starts VMs
  vm_res="" vm_sum="" vm_time=""
  if [ "$S_VM" = 1 ]; then
    vm_res=$(sed -n 's/^E2E VM RESULT \([A-Z]*\).*/\1/p' "$glog/probe.txt" | head -n 1)
    vm_why=$(sed -n 's/^E2E VM REASON //p' "$glog/probe.txt" | paste -sd';' - | sed 's/;/; /g')
    vm_sum=$(vm_summary "$glog/probe.txt")
    vm_time=$(vm_timings "$glog/probe.txt")
    [ -z "$vm_time" ] || TIMINGS+=("vm-$s ${vm_time%%s *}")
    if [ "$verdict" = PASS ] && [ "$vm_res" != PASS ]; then
      ok=0
      if [ -z "$vm_res" ]; then
        why="${why:+$why; }the VM step gave no verdict (timed out or crashed after ${boot_s}s), see $log"
      else
        why="${why:+$why; }VM step $vm_res ($vm_why)"
      fi
    fi
  fi
  if [ "$ok" = 1 ]; then
    report ok "$s" "verdict=$verdict expected=$exp_uc${vm_res:+ vm=$vm_res} (boot ${boot_s}s${vm_time:+ with the VM step $vm_time}, $ACCEL)${reasons:+: $reasons}${vm_sum:+: $vm_sum}"
  else
    report FAIL "$s" "expected $exp_uc: $why (boot ${boot_s}s${vm_time:+ with the VM step $vm_time}, $ACCEL)"
  fi
  grep -E '^E2E (DEV|MODULES|IOMMU)' "$glog/probe.txt" | grep -v -E 'class=06' | sed 's/^E2E /    /'
  grep -E '^E2E VM (EDIT|DISK|QEMU |HUGEPAGES|NUMA|TPM|FIRMWARE|GUEST|AFTER|QEMULOG|INFOPCI)' "$glog/probe.txt" | sed 's/^E2E /    /'
}

# vm_summary PROBE: one line from the VM step's output for the report
vm_summary() {
  local started guest after
  started=$(sed -n 's/^E2E VM STEP start-\([^ ]*\) \([0-9.]*\).*/\1 started in \2s/p' "$1" | paste -sd',' -)
  guest=$(sed -n 's/^E2E VM GUEST [^ ]* \([^ ]*\) guest=\([^ ]*\) \([^ ]*\) behind \([^ ]*\) after \([0-9.]*\).*/\1 -> \4 guest \2 [\3] after \5s/p' "$1" |
    paste -sd',' - | sed 's/,/, /g')
  after=$(sed -n 's/^E2E VM AFTER //p' "$1")
  [ -n "$started" ] || return 0
  echo "$started; ${guest:-no function seen in the guest}; after destroy: $after"
}

# vm_timings PROBE: "TOTALs (libvirtd As, start-VM Bs, guest PCI Cs, destroy-VM Ds)",
# the VM step's time in the guest and its parts
vm_timings() {
  local total parts wait
  total=$(sed -n 's/^E2E VM STEP total \([0-9.]*\).*/\1/p' "$1")
  [ -n "$total" ] || return 0
  wait=$(sed -n 's/^E2E VM GUEST .* after \([0-9.]*\) s$/\1/p' "$1" | sort -n | tail -n 1)
  parts=$(sed -n 's/^E2E VM STEP \([a-z]*\)\(-[^ ]*\)\{0,1\} \([0-9.]*\).*/\1 \3s/p' "$1" | grep -v '^total ' |
    sed "s/^destroy /${wait:+guest PCI ${wait}s\n}destroy /" | paste -sd',' - | sed 's/,/, /g')
  echo "${total}s ($parts)"
}

for s in "${SELECTED[@]}"; do
  run_scenario "$s"
done

# prune cache entries that a full, unmutated run no longer uses
if [ -z "$ONLY" ] && [ -z "$MUTATE" ] && [ "$FAILED" = 0 ] && [ "${E2E_KEEP_OLD:-0}" != 1 ]; then
  for d in "$E2E_CACHE"/base/* "$E2E_CACHE"/facts/* "$E2E_CACHE"/images/* "$E2E_CACHE"/grub/*; do
    [ -d "$d" ] || continue
    case " ${CACHE_USED[*]} " in *" $d "*) ;; *) log "pruning unused cache entry $d"; rm -rf "$d" ;; esac
  done
  find "$E2E_CACHE/logs" -mindepth 1 -maxdepth 1 -type d | sort | head -n -10 | xargs -r rm -rf
fi

total=$(( $(date +%s) - T_START ))
{
  echo "accel=$ACCEL total=${total}s mutation=${MUTATE:-none}"
  printf '%s\n' "${TIMINGS[@]}"
} > "$RUN_LOG/timings.txt"
echo
echo "timings ($ACCEL): $(printf '%s\n' "${TIMINGS[@]}" | sed 's/ \([0-9.]*\)/=\1s/' | paste -sd' ' -) total=${total}s"
printf '%s\n' "${RESULTS[@]}" > "$RUN_LOG/results.txt"
for m in ${MUTATE//,/ }; do echo "mutation $m: $(describe_mutation "$m")"; done
echo "logs: $RUN_LOG"
if [ "$SKIPPED" -gt 0 ]; then
  echo "e2e: $PASSED passed, $FAILED failed, $SKIPPED skipped"
else
  echo "e2e: $PASSED passed, $FAILED failed"
fi
[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
exit
}
