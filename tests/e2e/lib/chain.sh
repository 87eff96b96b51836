# shellcheck shell=bash
# chain.sh - scenarios that boot one disk through GRUB several times in a row
# (BOOTS=N in scenario.conf; lib/grub-boot.sh does the booting).
#
# The scenario's folder holds
#   boots.sh   guest side: boot_N shell functions, run inside the emulated
#              host at the end of boot N by guest/e2e-boots (which also runs
#              the UNITS as systemd would and prints the drivers)
#   expect.sh  host side: check_boot_N functions, run on this machine after
#              all boots, with the helpers below (expect_*); each broken
#              expectation is a reason for FAIL
#   spec.yaml  (optional; SPEC_FROM=OTHER takes OTHER's) installed as
#              /etc/vfioplan/vfioplan.yaml, where vfioplan looks by default
#   root/      (optional) files laid over the disk's root, modes kept
# The package under test is put on the disk as /var/cache/vfioplan-e2e/vfioplan.deb;
# boots.sh installs it (e2e_install_vfioplan) as an admin would, so the
# grub image stays the same for every build of vfioplan.
# Logs: $RUN_LOG/SCENARIO/boot-N.log (serial console: GRUB and the kernel),
# boot-N.txt (the E2E lines), disk.img (the disk after the last boot, with
# E2E_KEEP_DISK=1; read it with debugfs -R 'cat PATH' 'disk.img?offset=1048576').

# chain mutations: applied inside the emulated host after the package is
# installed (guest/e2e-boots, e2e_install_vfioplan)
CHAIN_MUTATIONS="skip-grub-reboot finish-confirms"

CHAIN_WHY=""
chain_fail() { CHAIN_WHY="${CHAIN_WHY:+$CHAIN_WHY; }$*"; }
chain_txt() { echo "$RUN_LOG/$CHAIN_SCEN/boot-$1.txt"; }

# expect_entry N GLOB: GRUB booted an entry whose title matches GLOB
expect_entry() {
  local got; got=$(grub_booted_entry "$RUN_LOG/$CHAIN_SCEN/boot-$1.log")
  # shellcheck disable=SC2254  # GLOB is a pattern on purpose
  case $got in $2) ;; *) chain_fail "boot $1: GRUB booted '${got:-no entry}', expected '$2'" ;; esac
}
# expect_default_entry N: GRUB booted the distribution's own entry (10_linux
# writes no plain "Debian GNU/Linux" entry when the submenu is disabled)
GRUB_DEFAULT_TITLE='Debian GNU/Linux, with Linux *-amd64'
expect_default_entry() { expect_entry "$1" "$GRUB_DEFAULT_TITLE"; }
# expect_end N / expect_no_end N: boot N reached (or never reached) the end of its init
expect_end() { grep -q "^E2E END $1 " "$(chain_txt "$1")" || chain_fail "boot $1 did not finish (panic, hang or timeout; see boot-$1.log)"; }
expect_no_end() { ! grep -q "^E2E END" "$(chain_txt "$1")" || chain_fail "boot $1 finished, but it should have failed"; }
# expect_line N ERE [WHAT]: a line of boot N's E2E output matches ERE
expect_line() { grep -q -E -- "$2" "$(chain_txt "$1")" || chain_fail "boot $1: ${3:-no line matches /$2/}"; }
expect_no_line() { ! grep -q -E -- "$2" "$(chain_txt "$1")" || chain_fail "boot $1: ${3:-a line matches /$2/}: $(grep -m1 -E -- "$2" "$(chain_txt "$1")")"; }
# expect_console N ERE: the raw serial console (GRUB, the kernel) of boot N
expect_console() { tr -d '\r' < "$RUN_LOG/$CHAIN_SCEN/boot-$1.log" | grep -a -q -E -- "$2" || chain_fail "boot $1: the console never said /$2/"; }
# expect_drv N BDF DRIVER: after the coldplug of boot N, BDF is on DRIVER
expect_drv() {
  local got; got=$(awk -v b="$2" '$1 == "E2E" && $2 == "DRV" && $3 == b {print $5}' "$(chain_txt "$1")")
  [ "$got" = "$3" ] || chain_fail "boot $1: $2 is on '${got:-?}', expected $3"
}
# expect_cmdline N WORD / expect_no_cmdline N PREFIX: on the booted kernel's /proc/cmdline
expect_cmdline() {
  case " $(sed -n 's/^E2E CMDLINE //p' "$(chain_txt "$1")") " in *" $2 "*) ;; *) chain_fail "boot $1: '$2' is not on the kernel's command line" ;; esac
}
expect_no_cmdline() {
  case " $(sed -n 's/^E2E CMDLINE //p' "$(chain_txt "$1")") " in *" $2"*) chain_fail "boot $1: '$2' is on the kernel's command line" ;; esac
}
# expect_same_sums N TAG M TAG: the files boot N summed under TAG (E2E SUM
# lines, guest/e2e-boots) are those boot M summed under its TAG, byte for byte
expect_same_sums() {
  local d
  d=$(diff <(sed -n "s/^E2E SUM $2 //p" "$(chain_txt "$1")") <(sed -n "s/^E2E SUM $4 //p" "$(chain_txt "$3")") |
    grep '^[<>]' | head -n 6 | paste -sd' ' -)
  [ -n "$(sed -n "s/^E2E SUM $2 //p" "$(chain_txt "$1")")" ] || { chain_fail "boot $1 summed no files ($2)"; return; }
  [ -z "$d" ] || chain_fail "files differ between boot $1 ($2) and boot $3 ($4): $d"
}

# cmdline_word N PREFIX: the word of boot N's kernel command line that starts with PREFIX
cmdline_word() { sed -n 's/^E2E CMDLINE //p' "$(chain_txt "$1")" | tr ' ' '\n' | grep -m1 "^$2"; }

# vfioplan try (guest/e2e-boots: e2e_try_start, e2e_try_state, the unit's lines)
TRY_UNIT=vfioplan-try.service
# expect_try_started N: in boot N the package installed, 'vfioplan try'
# succeeded, left its marker, added the menu entry vfioplan-try and asked
# GRUB for it for one boot (next_entry), the saved default untouched; the
# unit is enabled and had nothing to do in that boot (no marker yet)
expect_try_started() {
  expect_line "$1" '^E2E INSTALL rc=0 ' "dpkg -i of vfioplan's package failed"
  expect_line "$1" "^E2E UNIT $TRY_UNIT file=.* enabled=[a-z-]+\.target" "$TRY_UNIT is not installed and enabled"
  expect_line "$1" "^E2E UNIT $TRY_UNIT skipped: ConditionPathExists=" "$TRY_UNIT ran before the try"
  expect_line "$1" '^E2E TRY rc=0$' "vfioplan try failed: $(grep -m3 -E '^E2E TRY \| .*(error|failed)' "$(chain_txt "$1")" | cut -c11- | paste -sd' ' -)"
  expect_line "$1" '^E2E TRY MARKER present$' "vfioplan try left no marker (/var/lib/vfioplan/try)"
  expect_line "$1" '^E2E MENU vfioplan-try ' "the boot menu has no entry with id vfioplan-try"
  expect_line "$1" '^E2E GRUBENV next_entry=vfioplan-try$' "GRUB was not asked for the try entry once (grub-reboot vfioplan-try)"
  expect_no_line "$1" '^E2E GRUBENV saved_entry=vfioplan-try$' "the try entry became the default before any boot"
}
# expect_unit_finished N ERE RC: in boot N the unit ran its command (the
# unit file's ExecStart, which must be 'vfioplan try --finish'), which
# printed a line matching ERE and exited RC (0 confirmed, 1 cancelled), and
# the marker is gone
expect_unit_finished() {
  expect_line "$1" "^E2E UNIT $TRY_UNIT exec: /usr/bin/vfioplan try --finish\$" "$TRY_UNIT did not run 'vfioplan try --finish'"
  expect_line "$1" "^E2E UNIT $TRY_UNIT rc=$3\$" "'vfioplan try --finish' did not exit $3: $(grep -E "^E2E UNIT $TRY_UNIT (rc=|\\|)" "$(chain_txt "$1")" | tail -n 4 | paste -sd' ' -)"
  expect_line "$1" "^E2E UNIT $TRY_UNIT \| .*$2" "'vfioplan try --finish' did not say /$2/"
  expect_line "$1" '^E2E TRY MARKER absent$' "the try marker is still there after --finish"
}
# expect_unit_idle N: the unit had nothing to do in boot N (no try pending)
expect_unit_idle() {
  expect_line "$1" "^E2E UNIT $TRY_UNIT skipped: ConditionPathExists=" "$TRY_UNIT ran without a try pending"
}
# expect_current_gen N ERE: 'vfioplan history' in boot N marks as current a generation whose line matches ERE
expect_current_gen() {
  local cur
  cur=$(sed -n 's/^E2E HISTORY | //p' "$(chain_txt "$1")" | grep -B1 -E '^[[:space:]]*\^ current' | head -n 1)
  echo "$cur" | grep -q -E -- "$2" || chain_fail "boot $1: the current generation is '${cur:-none}', expected one matching /$2/"
}

# run_chain SCENARIO: the whole chain, then the checks and the report line
run_chain() {
  local s=$1 dir=$SCEN_DIR/$1 glog=$RUN_LOG/$1 disk n rc t0 sec entry summary="" f rel mode m muts=""
  CHAIN_SCEN=$s CHAIN_WHY=""
  mkdir -p "$glog"
  for m in ${MUTATE//,/ }; do
    case " $CHAIN_MUTATIONS " in *" $m "*) muts="$muts $m" ;; *) report skip "$s" "mutation $m does not apply (a boot-chain scenario)"; return ;; esac
  done
  ensure_grub_image "$S_FLAVOR" || { report FAIL "$s" "no GRUB image (see the log above)"; return; }
  disk=$glog/disk.img
  grub_disk_copy "$GRUB_IMAGE_DIR/disk.img" "$disk" || { report FAIL "$s" "cannot copy the GRUB image"; return; }
  # shellcheck disable=SC2086  # word lists: one name a line
  printf '%s\n' $S_UNITS > "$glog/units"
  # shellcheck disable=SC2086
  printf '%s\n' $muts > "$glog/mutations"
  {
    grub_disk_put "$disk" "$HERE/guest/e2e-boots" /usr/local/sbin/e2e-boots 0755 &&
    grub_disk_put "$disk" "$dir/boots.sh" /etc/vfioplan-e2e/boots.sh &&
    grub_disk_put "$disk" "$glog/units" /etc/vfioplan-e2e/units &&
    grub_disk_put "$disk" "$glog/mutations" /etc/vfioplan-e2e/mutations &&
    grub_disk_put "$disk" "$E2E_DEB" /var/cache/vfioplan-e2e/vfioplan.deb &&
    { ! [ -f "$SCEN_DIR/$S_JOB/spec.yaml" ] || grub_disk_put "$disk" "$SCEN_DIR/$S_JOB/spec.yaml" /etc/vfioplan/vfioplan.yaml; }
  } || { report FAIL "$s" "cannot write the scenario's files into the disk"; return; }
  if [ -d "$dir/root" ]; then
    while IFS= read -r -d '' f; do
      rel=${f#"$dir/root"}; mode=$(stat -c %a "$f")
      grub_disk_put "$disk" "$f" "$rel" "$mode" || { report FAIL "$s" "cannot write $rel into the disk"; return; }
    done < <(find "$dir/root" -type f -print0 | sort -z)
  fi
  for ((n = 1; n <= S_BOOTS; n++)); do
    t0=$(date +%s.%N)
    grub_boot "$disk" "$S_TOPO" "$glog/boot-$n.log" "${S_BOOT_TIMEOUT:-${E2E_BOOT_TIMEOUT:-1200}}" \
      -fw_cfg "name=opt/vfioplan-e2e/boot,string=$n"
    rc=$?
    sec=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    tr -d '\r' < "$glog/boot-$n.log" | grep -a '^E2E ' > "$glog/boot-$n.txt"
    entry=$(grub_booted_entry "$glog/boot-$n.log")
    TIMINGS+=("boot$n-$s $sec")
    summary="$summary boot$n='${entry:-?}' ${sec}s$([ "$rc" = 124 ] && echo ' (killed)')$(grep -q '^E2E END' "$glog/boot-$n.txt" || echo ' (no end)');"
    log "$s: boot $n of $S_BOOTS: GRUB booted '${entry:-no entry}', ${sec}s, qemu rc $rc"
  done
  # shellcheck source=/dev/null
  . "$dir/expect.sh"
  # a helper that does not exist would only print "command not found" and
  # check nothing
  # shellcheck disable=SC2013  # function names are words
  for f in $(grep -o -E '\<(expect|cmdline)_[a-z_]+' "$dir/expect.sh" | sort -u); do
    declare -F "$f" > /dev/null || chain_fail "expect.sh calls $f, which lib/chain.sh does not define"
  done
  for ((n = 1; n <= S_BOOTS; n++)); do
    if declare -F "check_boot_$n" > /dev/null; then "check_boot_$n"; fi
  done
  if [ -z "$CHAIN_WHY" ]; then
    report ok "$s" "boots as expected ($ACCEL):$summary"
  else
    report FAIL "$s" "$CHAIN_WHY ($ACCEL:$summary)"
  fi
  for ((n = 1; n <= S_BOOTS; n++)); do
    grep -E '^E2E (DRV 0000:0[1-9]|UNIT|TRY|HISTORY|MUTATE|INSTALL rc=[^0])' "$glog/boot-$n.txt" | sed "s/^E2E /    boot $n: /"
  done
  for ((n = 1; n <= S_BOOTS; n++)); do unset -f "check_boot_$n"; done
  # 2 GiB apparent, ~750 MiB written: kept only when asked
  [ "${E2E_KEEP_DISK:-0}" = 1 ] || rm -f "$disk"
}
