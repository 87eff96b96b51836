# shellcheck shell=bash
# shellcheck disable=SC2054  # commas in arrays are QEMU option syntax
# common.sh - shared helpers of the vfioplan end-to-end suite (sourced by run.sh).
# Logging, retries (downloads only), content hashes for cache keys, the QEMU
# topologies and the boot itself.

E2E_SUITE=${E2E_SUITE:-bookworm}
E2E_CACHE=${E2E_CACHE:-/var/cache/vfioplan-e2e}
# accel: auto (KVM when /dev/kvm is usable, TCG otherwise) | kvm | tcg
E2E_ACCEL=${E2E_ACCEL:-auto}

log() { printf '%s e2e: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

# retry CMD...: up to 3 tries with 15 s, 30 s backoff. Only for steps that
# download (debootstrap, apt-get); never for a boot or a verdict.
retry() {
  local try=1
  until "$@"; do
    if [ "$try" -ge 3 ]; then log "giving up after $try tries: $*"; return 1; fi
    log "try $try failed, retrying in $((try * 15)) s: $*"
    sleep $((try * 15)); try=$((try + 1))
  done
}

# hash_tree DIR: content hash of a directory tree (names, modes, contents).
hash_tree() {
  tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum | cut -c1-64
}
# hash_str STRING...: hash of strings (one per line)
hash_str() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
hash_file() { sha256sum "$1" | cut -c1-64; }

# The Debian mirror this machine already uses (first non-security deb source).
host_mirror() {
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1 == "URIs:" {print $2}' || true
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed 's/\[[^]]*\] *//' | awk '$1 == "deb" {print $2}' || true
  } | awk '/debian/ && !/security/ {print; exit}'
  return 0
}

# pick_accel KERNEL: sets ACCEL. With auto, KVM is used only when /dev/kvm is
# usable and a KVM guest really runs: the kernel alone must reach its
# "no root" panic within 20 s (some nested setups have a /dev/kvm whose
# guests hang); TCG otherwise.
pick_accel() {
  case $E2E_ACCEL in
    kvm|tcg) ACCEL=$E2E_ACCEL ;;
    auto)
      ACCEL=tcg
      if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        if timeout 20 qemu-system-x86_64 -machine q35,accel=kvm -cpu host -m 256 -nodefaults \
          -display none -serial stdio -no-reboot -kernel "$1" \
          -append "console=ttyS0 panic=-1 root=/dev/nonexistent" < /dev/null 2>&1 |
          grep -q -m1 -E 'Kernel panic|Unable to mount root'; then
          ACCEL=kvm
        else
          log "/dev/kvm is there but a KVM guest did not boot within 20 s: using TCG"
        fi
      fi ;;
    *) die "E2E_ACCEL must be auto, kvm or tcg (got '$E2E_ACCEL')" ;;
  esac
}

# topology_args NAME: QEMU devices of an emulated host topology (printed one
# argument per line). Every topology has the q35 root complex, the boot disk
# at 00:03.0 and an emulated Intel IOMMU (added by qemu_boot). Root ports
# sit at 00:10.0 and 00:11.0, so their secondary buses are 01 and 02.
#   single   e1000e 8086:10d3 behind a root port (01:00.0, a stand-in GPU),
#            plus an e1000 8086:100e on the root bus (00:04.0, host NIC)
#   twins    two identical e1000e 8086:10d3 behind two root ports (01:00.0, 02:00.0)
#   multifn  one multifunction slot behind a root port: 01:00.0 e1000e 8086:10d3
#            and 01:00.1 e1000 8086:100e, one IOMMU group (a GPU and its audio)
#   driverless  single's devices, but the e1000e's slot is multifunction and
#            01:00.1 is QEMU's pci-testdev 1b36:0005, which no Linux driver
#            claims: one IOMMU group (a GPU beside AMD's dummy host bridge)
#   numa2    two NUMA nodes (2 CPUs and 768 MiB each, topology_machine) and a
#            pxb-pcie expander per node (numa_node=0 at 00:12.0, bus 0x40;
#            numa_node=1 at 00:13.0, bus 0x80), each with a root port and an
#            e1000e 8086:10d3: 41:00.0 on node 0, 81:00.0 on node 1. Devices
#            on pcie.0 get numa_node -1 (QEMU gives the main root bus no
#            node), so node 0's device sits behind its own expander too
topology_args() {
  case $1 in
    single) printf '%s\n' \
      -device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,slot=1 \
      -device e1000e,bus=rp1,addr=0x0 \
      -device e1000,bus=pcie.0,addr=0x4 ;;
    twins) printf '%s\n' \
      -device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,slot=1 \
      -device pcie-root-port,id=rp2,bus=pcie.0,addr=0x11,chassis=2,slot=2 \
      -device e1000e,bus=rp1,addr=0x0 \
      -device e1000e,bus=rp2,addr=0x0 ;;
    multifn) printf '%s\n' \
      -device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,slot=1 \
      -device e1000e,bus=rp1,addr=0x0.0,multifunction=on \
      -device e1000,bus=rp1,addr=0x0.1 ;;
    driverless) printf '%s\n' \
      -device pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,slot=1 \
      -device e1000e,bus=rp1,addr=0x0.0,multifunction=on \
      -device pci-testdev,bus=rp1,addr=0x0.1 \
      -device e1000,bus=pcie.0,addr=0x4 ;;
    numa2) printf '%s\n' \
      -device pxb-pcie,id=pxb0,bus_nr=0x40,numa_node=0,bus=pcie.0,addr=0x12 \
      -device pcie-root-port,id=rp40,bus=pxb0,chassis=3,slot=3,addr=0x0 \
      -device e1000e,bus=rp40,addr=0x0 \
      -device pxb-pcie,id=pxb1,bus_nr=0x80,numa_node=1,bus=pcie.0,addr=0x13 \
      -device pcie-root-port,id=rp80,bus=pxb1,chassis=4,slot=4,addr=0x0 \
      -device e1000e,bus=rp80,addr=0x0 ;;
    *) return 1 ;;
  esac
}

# topology_machine NAME: CPUs, memory and NUMA nodes of the emulated host
# (one argument per line). 1 GiB and 2 CPUs, one node, unless the topology
# has NUMA nodes: numa2 has 2 sockets of 2 cores (no SMT), CPUs 0-1 on node
# 0 and 2-3 on node 1, and 768 MiB of RAM per node, so that vfioplan's
# housekeeping (the first core of each node) leaves one core per node for a
# VM, and node 1 can hold a VM's 128 MiB of huge pages and the nested
# QEMU's own memory.
topology_machine() {
  case $1 in
    numa2) printf '%s\n' -m 1536 -smp 4,sockets=2,cores=2,threads=1 \
      -object memory-backend-ram,id=m0,size=768M -object memory-backend-ram,id=m1,size=768M \
      -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1 ;;
    *) printf '%s\n' -m 1024 -smp 2 ;;
  esac
}

# qemu_host_args TOPOLOGY: sets QEMU_HOST, the QEMU options of the emulated
# host without its boot disk and without what boots it (-kernel or firmware):
# machine, CPU, memory and NUMA nodes (topology_machine), serial console
# handling, the IOMMU, the topology's devices. Shared by qemu_boot and the
# GRUB boots (lib/grub-boot.sh).
qemu_host_args() {
  local -a topo_dev topo_mach machine
  mapfile -t topo_dev < <(topology_args "$1") || return 2
  mapfile -t topo_mach < <(topology_machine "$1")
  [ "${#topo_dev[@]}" -gt 0 ] || return 2
  if [ "$ACCEL" = kvm ]; then
    # interrupt remapping of the emulated IOMMU needs the split irqchip under KVM
    machine=(-machine q35,accel=kvm,kernel-irqchip=split -cpu host)
  else
    # TCG's "max" CPU says AuthenticAMD; the emulated IOMMU is Intel VT-d and
    # the facts must not depend on the accelerator, so report an Intel CPU.
    machine=(-machine q35,accel=tcg -cpu max,vendor=GenuineIntel)
  fi
  QEMU_HOST=("${machine[@]}" "${topo_mach[@]}" -nodefaults -display none -no-reboot
    -device intel-iommu,intremap=on "${topo_dev[@]}")
}

# qemu_boot DISK KERNEL INITRD APPEND TOPOLOGY LOG MODE [QEMU-ARG...]
# MODE snapshot: disk writes are discarded; rw: written back (facts boots).
# Further arguments go to QEMU as they are (the verdict boots pass
# vfioplan's etc/vfioplan as a -fw_cfg file); nothing that adds a PCI
# device, or the emulated host would differ from the one its facts came from.
# Returns QEMU's exit status (124 on timeout).
qemu_boot() {
  local disk=$1 kernel=$2 initrd=$3 append=$4 topo=$5 log=$6 mode=$7
  shift 7
  local -a drive
  qemu_host_args "$topo" || return 2
  # no_timer_check: with interrupt remapping on, a TCG guest on a busy host can
  # fail the kernel's early IO-APIC timer test and panic ("timer doesn't work
  # through Interrupt-remapped IO-APIC"); the test proves nothing here.
  append="$append no_timer_check"
  local opts="file=$disk,if=none,id=root,format=raw"
  [ "$mode" = snapshot ] && opts="$opts,snapshot=on"
  drive=(-drive "$opts" -device virtio-blk-pci,drive=root,bus=pcie.0,addr=0x3)
  timeout "${E2E_BOOT_TIMEOUT:-1200}" qemu-system-x86_64 "${QEMU_HOST[@]}" -serial "file:$log" \
    -kernel "$kernel" -initrd "$initrd" -append "$append" \
    "${drive[@]}" "$@" < /dev/null > "$log.qemu" 2>&1
}

# run_in_root ROOT CMD...: run CMD chrooted in ROOT with /proc, /sys and /dev
# mounted in a private mount namespace (nothing leaks to the host's mounts).
run_in_root() {
  local root=$1; shift
  # shellcheck disable=SC2016  # expanded by the inner shell
  unshare -m --propagation private sh -c '
    set -e; r=$1; shift
    mount -t proc proc "$r/proc"; mount -t sysfs sysfs "$r/sys"; mount --bind /dev "$r/dev"
    mount -t tmpfs tmpfs "$r/run"; mount -t tmpfs tmpfs "$r/tmp"
    exec chroot "$r" "$@"' sh "$root" "$@"
}
