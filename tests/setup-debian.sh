#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what vfioplan needs on Debian 12 (run as root):
#   tests/setup-debian.sh build   the build: compiler, meson, the libraries
#   tests/setup-debian.sh test    the build, plus every test's tools and judges (default)
set -eu
what=${1:-test}
build="gcc meson ninja-build pkg-config libyaml-dev libpci-dev libxml2-dev libjson-c-dev uuid-dev nettle-dev"
# judges and test tools: cmocka, libvirt's virsh (test driver) and schema, xmllint,
# shellcheck, kmod's modprobe, dash, patch, a JSON Schema validator and a YAML 1.2
# reader, lspci; valgrind; ignition-validate; the boot suite's debootstrap, QEMU and sfdisk (fdisk: the GRUB disk); the benchmark's timers;
# grub-common for its real grub-mkconfig (the GRUB judge); man (groff) for the manual pages, zsh and fish for the completions, debhelper and lintian for the package;
# the guest suite's package builders (rpmbuild, createrepo_c, apt-ftparchive)
test="$build libcmocka-dev libvirt-clients libvirt0 libxml2-utils shellcheck kmod dash patch diffutils \
python3 python3-jsonschema python3-ruamel.yaml pciutils valgrind ignition \
debootstrap qemu-system-x86 e2fsprogs fdisk hyperfine time clang-format man-db zsh fish \
debhelper lintian dpkg-dev rpm createrepo-c apt-utils grub-common"
case "$what" in
build) pkgs=$build ;;
test) pkgs=$test ;;
*)
    echo "usage: $0 [build|test]" >&2
    exit 2
    ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "$0: run as root (it installs Debian packages with apt-get)" >&2
    exit 2
fi
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    # the package index can be missing on a fresh machine; fetch it, retrying a flaky mirror
    for attempt in 1 2 3; do
        if apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; then
            exit 0
        fi
        echo "$0: apt-get failed (attempt $attempt), retrying" >&2
        sleep $((attempt * 10))
    done
    exit 1
fi
