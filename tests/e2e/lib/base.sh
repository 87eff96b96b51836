# shellcheck shell=bash
# shellcheck disable=SC2034  # BASE_DIR, BASE_KEY are results for the caller
# base.sh - the Debian 12 roots the suite boots, built once and cached.
#   initramfs-tools: debootstrap --variant=minbase with the stock kernel,
#                    initramfs-tools, kmod, udev, pciutils, grub2-common
#                    (for /etc/default/grub) and vfioplan's runtime libraries
#   dracut:          the same root with dracut installed instead of
#                    initramfs-tools (apt replaces it), generic (no hostonly)
# Result: $E2E_CACHE/base/FLAVOR-KEY/rootfs, KEY = hash of everything that
# goes in (suite, mirror, package list, this file).

BASE_PACKAGES=(linux-image-amd64 initramfs-tools kmod udev pciutils zstd grub2-common
  libyaml-0-2 libpci3 libxml2 libjson-c5 libuuid1)

base_key() { # FLAVOR
  local self; self=$(hash_file "${BASH_SOURCE[0]}")
  case $1 in
    initramfs-tools) hash_str "$E2E_SUITE" "$E2E_MIRROR" "${BASE_PACKAGES[*]}" "$self" ;;
    dracut) hash_str "dracut" "$(base_key initramfs-tools)" ;;
    *) return 1 ;;
  esac
}

# ensure_base FLAVOR: sets BASE_DIR (the rootfs dir) and BASE_KEY; builds it when missing.
ensure_base() {
  local flavor=$1 key dir t0
  key=$(base_key "$flavor") || die "unknown initramfs flavor '$flavor'"
  dir=$E2E_CACHE/base/$flavor-$key
  BASE_KEY=$key; BASE_DIR=$dir/rootfs
  CACHE_USED+=("$dir")
  if [ -e "$dir/.complete" ]; then log "base $flavor: cached ($dir)"; return 0; fi
  t0=$(date +%s)
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp" "$E2E_CACHE/debs"
  case $flavor in
    initramfs-tools) build_base_itools "$dir.tmp" ;;
    dracut) build_base_dracut "$dir.tmp" ;;
  esac || { log "base $flavor failed, log: $dir.tmp/build.log"; tail -n 25 "$dir.tmp/build.log" >&2; return 1; }
  ls "$dir.tmp/rootfs/lib/modules" > "$dir.tmp/kver"
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
  TIMINGS+=("base-$flavor $(( $(date +%s) - t0 ))")
  log "base $flavor built in $(( $(date +%s) - t0 )) s: kernel $(cat "$dir/kver"), $(du -sh "$BASE_DIR" | cut -f1)"
}

build_base_itools() {
  local d=$1 inc
  inc=$(IFS=,; echo "${BASE_PACKAGES[*]}")
  log "debootstrap $E2E_SUITE from $E2E_MIRROR (takes a few minutes)"
  # shellcheck disable=SC2317  # called through retry
  _debootstrap() {
    rm -rf "$d/rootfs"
    debootstrap --variant=minbase --cache-dir="$E2E_CACHE/debs" --include="$inc" \
      "$E2E_SUITE" "$d/rootfs" "$E2E_MIRROR" >> "$d/build.log" 2>&1
  }
  retry _debootstrap || return 1
  # what grub-pc's postinst does: install the stock /etc/default/grub
  cp "$d/rootfs/usr/share/grub/default/grub" "$d/rootfs/etc/default/grub"
  echo vfioplan-e2e > "$d/rootfs/etc/hostname"
  chroot "$d/rootfs" apt-get clean
}

build_base_dracut() {
  local d=$1 src
  src=$E2E_CACHE/base/initramfs-tools-$(base_key initramfs-tools)/rootfs
  [ -d "$src" ] || die "the dracut base is made from the initramfs-tools base"
  cp -a "$src" "$d/rootfs"
  cp /etc/resolv.conf "$d/rootfs/etc/resolv.conf" 2>/dev/null || true
  retry run_in_root "$d/rootfs" apt-get update >> "$d/build.log" 2>&1 || return 1
  # dracut Conflicts: initramfs-tools, so apt swaps them
  retry run_in_root "$d/rootfs" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends dracut >> "$d/build.log" 2>&1 || return 1
  # a lab image must not depend on the machine that builds it
  printf '# vfioplan e2e lab: a generic image, not one for the build machine\nhostonly="no"\n' \
    > "$d/rootfs/etc/dracut.conf.d/00-e2e-generic.conf"
  run_in_root "$d/rootfs" dracut --regenerate-all -f >> "$d/build.log" 2>&1 || return 1
  run_in_root "$d/rootfs" apt-get clean
  rm -f "$d/rootfs/etc/resolv.conf"
  ! [ -e "$d/rootfs/usr/sbin/update-initramfs" ] || { echo "initramfs-tools still there" >> "$d/build.log"; return 1; }
}
