/* SPDX-License-Identifier: MIT */
/* libvirt-numa.h: what topology: auto adds to a domain (libvirt-numa.c). */
#pragma once

#include <libxml/tree.h>

#include "vfioplan/plan.h"

/* <cputune> (vcpupin, emulatorpin) and <numatune> (memory and memnode, strict), after <vcpu>; nothing unpinned. */
void vp_libvirt_numa_tune(xmlNodePtr dom, const struct vp_plan_vm *pvm);
/* <numa><cell .../></numa> inside <cpu>, after <topology>; nothing unpinned. */
void vp_libvirt_numa_cells(xmlNodePtr cpu, const struct vp_plan_vm *pvm);
/* The expanders, root ports and switches of the plan's controllers; false (nothing added) when it has none. */
bool vp_libvirt_numa_controllers(xmlNodePtr devs, const struct vp_plan_vm *pvm);
