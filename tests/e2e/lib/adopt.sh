# shellcheck shell=bash
# shellcheck disable=SC2034  # ADOPT_WHY is a result for the caller
# adopt.sh - scenarios that adopt a manual passthrough setup (ADMIN_FILES in
# scenario.conf). The admin's own files (a modprobe.d file, /etc/default/grub,
# /etc/initramfs-tools/modules, ...) are on the emulated host when its facts
# are taken (lib/facts.sh, FACTS_ADMIN), so vfioplan's check and plan there
# see them. vfioplan's output is then installed the way an admin does it on
# such a host: `vfioplan apply --no-actions` on a root that holds those
# files, with the emulated host's facts (the snapshot the facts boot took),
# so that the migration really edits them. The suite runs the initramfs
# commands of the action list itself, as for every scenario.

# adopt_apply SPEC OUT ADMIN TREE LOGDIR: TREE becomes the admin's files
# (ADMIN) with vfioplan's output applied over them; what apply printed goes
# to LOGDIR/apply.{out,err,rc}. Returns 1 with ADOPT_WHY set on failure.
adopt_apply() {
  local spec=$1 out=$2 admin=$3 tree=$4 glog=$5 rc
  ADOPT_WHY=""
  if [ "$(cat "$out/snapshot.rc" 2> /dev/null)" != 0 ]; then
    ADOPT_WHY="vfioplan snapshot failed inside the emulated host: $(head -n 1 "$out/snapshot.err" 2> /dev/null)"
    return 1
  fi
  mkdir -p "$tree"
  cp -R "$admin/." "$tree/"
  "$VFIOPLAN" apply "$spec" --host "$out/host.yaml" --root "$tree" --no-actions --color never \
    > "$glog/apply.out" 2> "$glog/apply.err"
  rc=$?
  echo "$rc" > "$glog/apply.rc"
  if [ "$rc" != 0 ]; then
    ADOPT_WHY="vfioplan apply exited $rc: $(grep -m1 -E 'error' "$glog/apply.err" || head -n 1 "$glog/apply.err")"
    return 1
  fi
  # apply's lock (run/lock/vfioplan.lock) is runtime state: /run is a tmpfs on a host
  rm -rf "$tree/run"
}

# adopt_check OUT ADMIN AFTER TREE LOGDIR "CODE...": what the migration must
# have done. The facts boot's check and plan reported each CODE as a warning;
# every admin's file is in TREE as AFTER has it, byte for byte; a file the
# migration changed is in plan's diff, apply said "edited" and kept the
# original in var/backups/vfioplan/. Returns 1 with ADOPT_WHY set when not.
adopt_check() {
  local out=$1 admin=$2 after=$3 tree=$4 glog=$5 codes=$6 c f rel why=""
  for c in $codes; do
    grep -qF "warning[$c]" "$out/check.err" || why="${why:+$why; }vfioplan check did not report $c"
    grep -qF "warning[$c]" "$out/plan.err" || why="${why:+$why; }vfioplan plan did not report $c"
  done
  : > "$glog/migration.diff"
  while IFS= read -r f; do
    rel=${f#"$admin"/}
    if ! [ -f "$after/$rel" ]; then
      why="${why:+$why; }the scenario has no expected $rel after the migration"; continue
    fi
    if ! cmp -s "$after/$rel" "$tree/$rel"; then
      why="${why:+$why; }$rel after apply differs from the expected one (see migration.diff)"
      diff -u "$after/$rel" "$tree/$rel" >> "$glog/migration.diff"
    fi
    cmp -s "$admin/$rel" "$after/$rel" && continue
    grep -qxF "diff --git a/$rel b/$rel" "$out/plan.out" || why="${why:+$why; }plan's diff does not show $rel"
    grep -qxF "vfioplan: edited $tree/$rel" "$glog/apply.out" || why="${why:+$why; }apply did not say it edited $rel"
    cmp -s "$admin/$rel" "$tree/var/backups/vfioplan/$rel" ||
      why="${why:+$why; }apply did not keep the admin's $rel in var/backups/vfioplan/"
  done < <(find "$admin" -type f | sort)
  ADOPT_WHY=$why
  [ -z "$why" ]
}
