/* SPDX-License-Identifier: MIT */
/* libvirt-resources.h: a domain's huge pages and CPU topology (libvirt-resources.c), and undefining the VMs a spec
 * dropped (libvirt-undefine.c). */
#pragma once

#include <libxml/tree.h>

#include "vfioplan/artifact.h"

/* <memoryBacking><hugepages><page size=.../>, after <memory>, when the VM has huge pages. */
void vp_libvirt_memory_backing(xmlNodePtr dom, const struct vp_plan_vm *pvm);
/* <topology sockets dies cores threads/> inside <cpu>. */
void vp_libvirt_cpu_topology(xmlNodePtr cpu, const struct vp_plan_vm *pvm);
/* `virsh undefine --nvram NAME` for each VM the previous manifest lists and the plan does not. */
void vp_libvirt_undefine_dropped(const struct vp_plan *plan, const struct vp_previous *previous,
                                 struct vp_artifact_set *set);
