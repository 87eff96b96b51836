/* SPDX-License-Identifier: MIT */
/* overlay.h: vms[].overlay read (safely) and merged into a generated domain (overlay.c says the rules). */
#pragma once

#include <libxml/tree.h>

#include "vfioplan/diag.h"
#include "vfioplan/spec.h"

/* The VM's overlay, parsed and checked; NULL with VP2027, VP2028 or VP2029. The caller frees it (xmlFreeDoc). */
xmlDoc *vp_overlay_read(const struct vp_vm *vm, struct vp_diags *d);
/* Merges the overlay into the generated <domain>. */
void vp_overlay_merge(xmlNode *domain, xmlDoc *overlay);
/* libvirt's domain.rng: VFIOPLAN_LIBVIRT_SCHEMA, else where libvirt installs it. */
const char *vp_overlay_schema_path(void);
/* 0 when the merged domain is valid for libvirt's schema; -1 with VP2030 (also when the schema is missing). */
int vp_overlay_validate(xmlDoc *merged, const struct vp_vm *vm, struct vp_diags *d);
