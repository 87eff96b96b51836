# shellcheck shell=bash
# shellcheck disable=SC2034  # GRUB_IMAGE_DIR is a result for the caller
# grub-boot.sh - boot the emulated host through a real GRUB, several times in
# a row on one disk, its changes kept from boot to boot (what `vfioplan try`
# needs to be tested: grub-reboot, the saved default, a fallback boot).
#
#   ensure_grub_image FLAVOR      the base root with grub-pc on a partitioned
#                                 raw disk, GRUB installed by one installer
#                                 boot inside the emulated host; cached per base
#   grub_disk_copy IMAGE DISK     a scenario's own copy (sparse, 1-2 s)
#   grub_disk_put DISK SRC DEST [MODE]  a file into the disk's root filesystem
#   grub_disk_cat DISK PATH       a file of it, on stdout
#   grub_boot DISK TOPOLOGY LOG TIMEOUT  one boot: SeaBIOS, GRUB, the entry GRUB picks
#   grub_booted_entry LOG         the title of the entry GRUB booted
#
# No loop device or mount anywhere (loop devices on the build machines show
# no partitions): the filesystem is made at the partition's offset with
# mke2fs -E offset -d, and read or written with debugfs at that offset.
# GRUB talks on the serial console (GRUB_TERMINAL=serial) and prints
# "Booting `TITLE'" there, so the host side sees which entry ran.
# Result of ensure_grub_image: $E2E_CACHE/grub/FLAVOR-KEY/{disk.img,setup.log,menu}

GRUB_PART_START=2048   # sectors: the partition, and so the filesystem, starts at 1 MiB
GRUB_PART_OFFSET=$((GRUB_PART_START * 512))
GRUB_PACKAGES=(grub-pc)
# The lab's GRUB settings. Named to sort before vfioplan's drop-in, which
# adds to GRUB_CMDLINE_LINUX_DEFAULT after it. GRUB_DEFAULT=saved is what
# grub-reboot and grub-set-default need; no timeout, no menu, no submenu,
# the serial console for GRUB and the kernel; panic=-1 turns a panic into a
# reboot, which -no-reboot turns into QEMU's exit; the per-boot init
# (guest/e2e-boots) stands in for systemd.
GRUB_LAB_CFG='# /etc/default/grub.d/00-e2e-lab.cfg - vfioplan e2e lab: GRUB and the kernel on the serial console
GRUB_DEFAULT=saved
GRUB_SAVEDEFAULT=false
GRUB_TIMEOUT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB_RECORDFAIL_TIMEOUT=0
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_RECOVERY=true
GRUB_DISABLE_SUBMENU=y
GRUB_DISABLE_OS_PROBER=true
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 panic=-1 no_timer_check init=/usr/local/sbin/e2e-boots"'

# the image's key: the base, what goes in, and how it is made (the recipe's
# own code, not this whole file: the boot helpers below do not change it)
grub_image_key() { # (after ensure_base)
  hash_str "$BASE_KEY" "${GRUB_PACKAGES[*]}" "$GRUB_LAB_CFG" "$(declare -f ensure_grub_image)" \
    "$(hash_file "$HERE/guest/e2e-grub-setup")" "$ACCEL"
}

# ensure_grub_image FLAVOR: sets GRUB_IMAGE_DIR; builds the image when missing
ensure_grub_image() {
  local flavor=$1 key dir r kver t0 t1 size
  ensure_base "$flavor" || return 1
  key=$(grub_image_key)
  dir=$E2E_CACHE/grub/$flavor-$key
  GRUB_IMAGE_DIR=$dir
  CACHE_USED+=("$dir")
  if [ -e "$dir/.complete" ]; then log "grub image $flavor: cached ($dir)"; return 0; fi
  t0=$(date +%s)
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
  r=$dir.tmp/rootfs
  kver=$(cat "$BASE_DIR/../kver")
  cp -a "$BASE_DIR" "$r"
  # grub-pc as an admin installs it; no daemon starts, debconf asks nothing
  # (the installer boot does grub-install itself)
  cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
  retry run_in_root "$r" apt-get update >> "$dir.tmp/build.log" 2>&1 || return 1
  retry run_in_root "$r" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${GRUB_PACKAGES[@]}" >> "$dir.tmp/build.log" 2>&1 || {
    log "grub image: apt-get install ${GRUB_PACKAGES[*]} failed, see $dir.tmp/build.log"; return 1; }
  run_in_root "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/* "$r/etc/resolv.conf"
  printf '%s\n' "$GRUB_LAB_CFG" > "$r/etc/default/grub.d/00-e2e-lab.cfg"
  # MODULES=dep: the initramfs that vfioplan's actions rebuild inside the
  # emulated host holds the root disk's modules, not Debian's default
  # "most" (every storage and network driver). Under TCG the default's
  # update-initramfs takes many minutes, and a try rebuilds it, a cancel
  # again. The race of the native driver in the initramfs is the other
  # scenarios' business (softdep-race); a try is about which entry boots.
  printf '# vfioplan e2e lab: a small initramfs, quick to rebuild under TCG\nMODULES=dep\n' \
    > "$r/etc/initramfs-tools/conf.d/00-e2e-lab.conf"
  install -D -m 0755 "$HERE/guest/e2e-grub-setup" "$r/usr/local/sbin/e2e-grub-setup"
  # a DOS label with one bootable partition from 1 MiB, the filesystem made
  # right there from the root directory (no loop device, no mount)
  size=$((2048 + 4194304))   # sectors: 1 MiB + 2 GiB
  truncate -s $((size * 512)) "$dir.tmp/disk.img"
  printf 'label: dos\nstart=%d, size=4194304, type=83, bootable\n' "$GRUB_PART_START" |
    sfdisk -q "$dir.tmp/disk.img" >> "$dir.tmp/build.log" 2>&1 || { log "grub image: sfdisk failed"; return 1; }
  mke2fs -q -F -t ext4 -L root -E offset=$GRUB_PART_OFFSET -d "$r" "$dir.tmp/disk.img" 2G > /dev/null ||
    { log "grub image: mke2fs failed"; return 1; }
  cp "$r/boot/vmlinuz-$kver" "$dir.tmp/vmlinuz"; cp "$r/boot/initrd.img-$kver" "$dir.tmp/initrd.img"
  rm -rf "$r"
  t1=$(date +%s)
  # the installer boot: -kernel, as from a rescue medium; grub-install and
  # update-grub run inside the emulated host and see its own disk
  log "grub image $flavor: installer boot ($ACCEL): grub-install, update-grub"
  qemu_boot "$dir.tmp/disk.img" "$dir.tmp/vmlinuz" "$dir.tmp/initrd.img" \
    "root=/dev/vda1 rw console=ttyS0 panic=-1 init=/usr/local/sbin/e2e-grub-setup" single "$dir.tmp/setup.log" rw
  rm -f "$dir.tmp/vmlinuz" "$dir.tmp/initrd.img"
  if ! grep -a -q 'E2E SETUP DONE' "$dir.tmp/setup.log"; then
    log "grub image $flavor: the installer boot failed, see $dir.tmp/setup.log"
    tail -n 30 "$dir.tmp/setup.log" >&2
    return 1
  fi
  tr -d '\r' < "$dir.tmp/setup.log" | sed -n 's/^E2E SETUP menu: //p' > "$dir.tmp/menu"
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
  TIMINGS+=("grub-image-$flavor $(( $(date +%s) - t0 )) (installer boot $(( $(date +%s) - t1 )))")
  log "grub image $flavor: built in $(( $(date +%s) - t0 )) s (installer boot $(( $(date +%s) - t1 )) s), menu: $(cat "$dir/menu")"
}

# debugfs on the root filesystem of a GRUB disk (at the partition's offset)
grub_debugfs() { # DISK ARGS...
  local disk=$1; shift
  debugfs "$@" "$disk?offset=$GRUB_PART_OFFSET"
}

grub_disk_copy() { # IMAGE DISK
  cp --sparse=always "$1" "$2"
}

# grub_disk_put DISK SRC DEST [MODE]: SRC (a file on this machine) as DEST
# (absolute) in the disk's root filesystem, owned by root, with MODE (octal,
# default 0644); its folders are made as needed. Fails if DEST exists.
grub_disk_put() {
  local disk=$1 src=$2 dest=$3 mode=${4:-0644} d="" part cmds
  cmds=$(mktemp)
  for part in $(dirname "$dest" | tr '/' ' '); do
    d="$d/$part"
    echo "mkdir $d" >> "$cmds"   # "File exists" for folders already there: harmless
  done
  printf 'write %s %s\nsif %s mode 0%o\nsif %s uid 0\nsif %s gid 0\n' \
    "$src" "$dest" "$dest" $((0100000 | 8#$mode)) "$dest" "$dest" >> "$cmds"
  grub_debugfs "$disk" -w -f "$cmds" > "$cmds.log" 2>&1
  rm -f "$cmds"
  # debugfs exits 0 on a failed command: check that the file arrived whole
  if [ "$(grub_disk_cat "$disk" "$dest" | sha256sum)" != "$(sha256sum < "$src")" ]; then
    log "grub_disk_put: $dest did not arrive: $(grep -v -e '^debugfs' -e 'File exists' "$cmds.log" | head -n 3)"
    rm -f "$cmds.log"; return 1
  fi
  rm -f "$cmds.log"
}

grub_disk_cat() { # DISK PATH
  grub_debugfs "$1" -R "cat $2" 2> /dev/null
}

# grub_boot DISK TOPOLOGY LOG TIMEOUT [QEMU-ARG...]: boots DISK through its
# own GRUB (the suite's QEMU options without -kernel, the disk writable and
# first in the boot order). Returns QEMU's exit status, 124 when it was
# killed after TIMEOUT seconds.
grub_boot() {
  local disk=$1 topo=$2 log=$3 limit=$4
  shift 4
  qemu_host_args "$topo" || return 2
  timeout "$limit" qemu-system-x86_64 "${QEMU_HOST[@]}" -serial "file:$log" \
    -drive "file=$disk,if=none,id=root,format=raw" -device virtio-blk-pci,drive=root,bus=pcie.0,addr=0x3,bootindex=1 \
    "$@" < /dev/null > "$log.qemu" 2>&1
}

# grub_booted_entry LOG: the title GRUB printed when it booted an entry
# ("Booting `Debian GNU/Linux'" on the serial console), or nothing
grub_booted_entry() {
  tr -d '\r' < "$1" | sed -n "s/.*Booting \`\\(.*\\)'.*/\\1/p" | head -n 1
}
