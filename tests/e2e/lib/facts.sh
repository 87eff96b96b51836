# shellcheck shell=bash
# shellcheck disable=SC2034  # FACTS_DIR is a result for the caller
# facts.sh - host facts from the emulated machine itself.
# For one (initramfs flavor, topology) pair: copy the base root, install
# vfioplan's Debian package built from the tree (dpkg -i, as a user installs
# it) and add the scenarios' specs, boot it on that topology (facts mode of
# guest/e2e-init) and let vfioplan scan/check/build/plan against the live
# /sys of the booted kernel. The guest writes its results to its own disk;
# they come back with debugfs (no mounts). Cached by the hash of the base,
# the topology, the .deb, the specs, the guest init and the accelerator.
# With FACTS_ADMIN set (a directory of the admin's own files, a scenario that
# adopts a manual setup), those files are laid over the root first and are in
# the key: the facts come from a host that has them.
# Result: $E2E_CACHE/facts/FLAVOR-TOPO-KEY/out/SCENARIO/{scan,check,build,plan,snapshot}.{out,err,rc}, tree/,
# host.yaml (vfioplan snapshot of the emulated host)

# GRUB_SNIPPET: how grub-mkconfig gathers the kernel arguments (see grub_cmdline_of)
# shellcheck disable=SC2016  # expanded by the guest's /bin/sh
GRUB_SNIPPET='set -e
sysconfdir=/etc
if test -f ${sysconfdir}/default/grub ; then
  . ${sysconfdir}/default/grub
fi
for x in ${sysconfdir}/default/grub.d/*.cfg ; do
  if [ -e "${x}" ]; then
    . "${x}"
  fi
done
echo "${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"'

# grub_cmdline_of ROOT [TREE]: the arguments grub-mkconfig's 10_linux puts on
# the default entry ("${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}")
# after sourcing /etc/default/grub and /etc/default/grub.d/*.cfg with the
# guest's /bin/sh (dash), set -e, inside ROOT. With TREE, ROOT's etc/default
# is seen with TREE's etc/default laid over it (a bind mount in a private
# mount namespace; ROOT is not changed).
grub_cmdline_of() {
  local root=$1 tree=${2:-} tmp rc
  tmp=$(mktemp -d)
  cp -a "$root/etc/default/." "$tmp/"
  if [ -n "$tree" ] && [ -d "$tree/etc/default" ]; then cp -a "$tree/etc/default/." "$tmp/"; fi
  # shellcheck disable=SC2016  # expanded by the inner shell
  unshare -m --propagation private sh -c \
    'mount --bind "$1" "$2/etc/default" && exec chroot "$2" /bin/sh -c "$3"' \
    sh "$tmp" "$root" "$GRUB_SNIPPET" | tr -s ' ' | sed 's/^ //; s/ $//'
  rc=${PIPESTATUS[0]}
  rm -rf "$tmp"
  return "$rc"
}

# ensure_facts FLAVOR TOPOLOGY JOB...: sets FACTS_DIR (JOB: a scenario owning a spec.yaml)
ensure_facts() {
  local flavor=$1 topo=$2; shift 2
  local jobs key dir kver t0 append s rc
  ensure_base "$flavor" || return 1
  jobs=$(mktemp -d)
  # JOB/spec.yaml: every artifact's header names the spec by its file name,
  # so scenarios whose specs differ only in what goes to etc/vfioplan (the
  # domain XML) get identical boot artifacts and share one image
  for s in "$@"; do mkdir "$jobs/$s"; cp "$SCEN_DIR/$s/spec.yaml" "$jobs/$s/spec.yaml"; done
  key=$(hash_str "$BASE_KEY" "$(topology_args "$topo")" "$(topology_machine "$topo")" "$(hash_file "$E2E_DEB")" \
    "$(hash_tree "$jobs")" "$(hash_file "$HERE/guest/e2e-init")" "$ACCEL" \
    ${FACTS_ADMIN:+"$(hash_tree "$FACTS_ADMIN")"})
  dir=$E2E_CACHE/facts/$flavor-$topo${FACTS_ADMIN:+-admin}-$key
  FACTS_DIR=$dir
  CACHE_USED+=("$dir")
  if [ -e "$dir/.complete" ]; then
    log "facts $flavor/$topo: cached ($dir)"; rm -rf "$jobs"; return 0
  fi
  t0=$(date +%s)
  rm -rf "$dir" "$dir.tmp"; mkdir -p "$dir.tmp"
  kver=$(cat "$BASE_DIR/../kver")
  cp -a "$BASE_DIR" "$dir.tmp/rootfs"
  [ -z "${FACTS_ADMIN:-}" ] || cp -R "$FACTS_ADMIN/." "$dir.tmp/rootfs/"
  install -D -m 0755 "$HERE/guest/e2e-init" "$dir.tmp/rootfs/usr/local/sbin/e2e-init"
  # the package as a user installs it; its dependencies (vfioplan's runtime
  # libraries) are in the base, so dpkg needs no download
  install -D -m 0644 "$E2E_DEB" "$dir.tmp/rootfs/var/cache/vfioplan-e2e.deb"
  if ! run_in_root "$dir.tmp/rootfs" dpkg -i /var/cache/vfioplan-e2e.deb > "$dir.tmp/dpkg.log" 2>&1; then
    log "facts $flavor/$topo: dpkg -i ${E2E_DEB##*/} failed in the emulated host's root:"
    tail -n 20 "$dir.tmp/dpkg.log" >&2
    return 1
  fi
  rm -f "$dir.tmp/rootfs/var/cache/vfioplan-e2e.deb"
  mkdir -p "$dir.tmp/rootfs/var/lib/vfioplan-e2e"
  cp -a "$jobs" "$dir.tmp/rootfs/var/lib/vfioplan-e2e/jobs"
  rm -rf "$jobs"
  cp "$BASE_DIR/boot/vmlinuz-$kver" "$dir.tmp/vmlinuz"
  cp "$BASE_DIR/boot/initrd.img-$kver" "$dir.tmp/initrd.img"
  grub_cmdline_of "$dir.tmp/rootfs" > "$dir.tmp/grub-cmdline" || { log "facts: grub cmdline failed"; return 1; }
  mke2fs -q -F -t ext4 -L root -d "$dir.tmp/rootfs" "$dir.tmp/disk.img" 2G > /dev/null || return 1
  rm -rf "$dir.tmp/rootfs"
  append="root=/dev/vda ro console=ttyS0 panic=-1 init=/usr/local/sbin/e2e-init e2e.mode=facts $(cat "$dir.tmp/grub-cmdline")"
  log "facts $flavor/$topo: booting ($ACCEL) to run vfioplan inside the emulated host"
  qemu_boot "$dir.tmp/disk.img" "$dir.tmp/vmlinuz" "$dir.tmp/initrd.img" "$append" "$topo" "$dir.tmp/serial.log" rw
  rc=$?
  if ! grep -q 'E2E FACTS DONE' "$dir.tmp/serial.log"; then
    log "facts $flavor/$topo: the facts boot did not finish (qemu rc $rc), see $dir.tmp/serial.log"
    tail -n 30 "$dir.tmp/serial.log" >&2
    return 1
  fi
  debugfs -R "rdump /var/lib/vfioplan-e2e/out $dir.tmp" "$dir.tmp/disk.img" > "$dir.tmp/debugfs.log" 2>&1 || return 1
  rm -f "$dir.tmp/disk.img" "$dir.tmp/vmlinuz" "$dir.tmp/initrd.img"
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
  TIMINGS+=("facts-$flavor-$topo $(( $(date +%s) - t0 ))")
  log "facts $flavor/$topo: done in $(( $(date +%s) - t0 )) s: $(grep -a 'E2E JOB' "$dir/serial.log" | tr -d '\r' | sed 's/^E2E JOB //' | paste -sd';' -)"
}
