/* SPDX-License-Identifier: MIT */
/* libvirt-windows.h: what a Windows guest adds to its libvirt domain, and the NVIDIA legacy hiding (libvirt-windows.c).
 */
#pragma once

#include <libxml/tree.h>

#include "vfioplan/spec.h"

/* Hyper-V enlightenments and SMM for a Windows guest; kvm hidden and a Hyper-V vendor_id with legacy_hide. */
void vp_libvirt_guest_features(xmlNodePtr features, const struct vp_vm *vm);
/* The <clock> of the domain: localtime with hypervclock for Windows, utc otherwise. */
void vp_libvirt_guest_clock(xmlNodePtr dom, const struct vp_vm *vm);
/* A Windows guest's TPM 2.0 and its virtio-win CD-ROM, after the disks add_disks wrote. */
void vp_libvirt_guest_devices(xmlNodePtr devs, const struct vp_vm *vm);
