# shellcheck shell=bash
# shellcheck disable=SC2034  # BASE_DIR, BASE_KEY are results for the caller
# base.sh - the Debian 12 roots the suite boots, built once and cached.
#   initramfs-tools: debootstrap --variant=minbase with the stock kernel,
#                    initramfs-tools, kmod, udev, pciutils, grub2-common
#                    (for /etc/default/grub) and vfioplan's runtime libraries,
#                    then libvirt, QEMU and OVMF from Debian (apt-get
#                    --no-install-recommends) to start the VMs vfioplan defines
#   dracut:          the same root with dracut installed instead of
#                    initramfs-tools (apt replaces it), generic (no hostonly)
# Result: $E2E_CACHE/base/FLAVOR-KEY/rootfs, KEY = hash of everything that
# goes in (suite, mirror, package list, this file).

BASE_PACKAGES=(linux-image-amd64 initramfs-tools kmod udev pciutils zstd grub2-common
  libyaml-0-2 libpci3 libxml2 libjson-c5 libuuid1)
# what the emulated host needs to define and start vfioplan's domains: libvirt
# with its QEMU driver, QEMU, UEFI firmware (firmware="efi"), qemu-img for the
# test's disk images, xmllint to read the domain XML, ip for the host bridge,
# swtpm and its swtpm_setup (swtpm-tools) for the TPM 2.0 of Windows guests'
# domains (<tpm><backend type="emulator"/>); ovmf already holds the Secure
# Boot build and its variables with Microsoft's keys enrolled
VM_PACKAGES=(libvirt-daemon-system qemu-system-x86 ovmf qemu-utils libxml2-utils iproute2 swtpm swtpm-tools)

base_key() { # FLAVOR
  local self; self=$(hash_file "${BASH_SOURCE[0]}")
  case $1 in
    initramfs-tools) hash_str "$E2E_SUITE" "$E2E_MIRROR" "${BASE_PACKAGES[*]}" "${VM_PACKAGES[*]}" "$self" ;;
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
  install_vm_stack "$d" || return 1
  chroot "$d/rootfs" apt-get clean
}

# install_vm_stack DIR: libvirt, QEMU and OVMF in DIR/rootfs, and the lab
# settings a host without systemd, D-Bus or AppArmor needs (the probe starts
# virtlogd and libvirtd itself, see guest/e2e-vm).
install_vm_stack() {
  local r=$1/rootfs
  cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
  # no daemon may start inside the build chroot (invoke-rc.d asks policy-rc.d)
  printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"; chmod 0755 "$r/usr/sbin/policy-rc.d"
  retry run_in_root "$r" apt-get update >> "$1/build.log" 2>&1 || return 1
  retry run_in_root "$r" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${VM_PACKAGES[@]}" >> "$1/build.log" 2>&1 || return 1
  rm -f "$r/usr/sbin/policy-rc.d" "$r/etc/resolv.conf"
  rm -rf "$r"/var/lib/apt/lists/*   # ~50 MB every image would carry; the dracut base fetches them again
  # no AppArmor, no SELinux in the lab; libvirt's default network would need
  # dnsmasq and a firewall, so the VMs use a host bridge instead; a log file
  # instead of journald
  printf '\n# vfioplan e2e lab\nsecurity_driver = "none"\n' >> "$r/etc/libvirt/qemu.conf"
  printf '\n# vfioplan e2e lab\nlog_outputs = "3:file:/var/log/libvirt/libvirtd.log"\n' >> "$r/etc/libvirt/libvirtd.conf"
  rm -f "$r/etc/libvirt/qemu/networks/autostart/default.xml"
  if ! [ -x "$r/usr/sbin/libvirtd" ] || ! [ -x "$r/usr/bin/qemu-system-x86_64" ] ||
    ! [ -e "$r/usr/share/OVMF/OVMF_CODE_4M.fd" ] || ! [ -e "$r/usr/share/OVMF/OVMF_VARS_4M.ms.fd" ] ||
    ! [ -x "$r/usr/bin/swtpm" ] || ! [ -x "$r/usr/bin/swtpm_setup" ]; then
    echo "libvirtd, qemu-system-x86_64, OVMF (with its Secure Boot variables) or swtpm missing after the install" >> "$1/build.log"; return 1
  fi
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
