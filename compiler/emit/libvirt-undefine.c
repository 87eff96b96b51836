/* SPDX-License-Identifier: MIT */
/*
 * libvirt-undefine.c: a VM that vfioplan defined and the spec no longer has
 * (removed, or renamed) is undefined, or libvirt keeps it, still naming the
 * same devices. vfioplan defined it if the old manifest lists its domain
 * XML; a domain defined by hand is never touched. The action runs when that
 * XML is removed, and before any VM is defined (VP_STAGE_LIBVIRT_UNDEFINE).
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "base/validators.h"
#include "emit-internal.h"
#include "libvirt-resources.h"

static bool
planned(const struct vp_plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->n_vms; i++)
        if (strcmp(plan->vms[i].spec->name, name) == 0)
            return true;
    return false;
}

void
vp_libvirt_undefine_dropped(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set)
{
    if (!previous || !previous->manifest)
        return;
    static const char prefix[] = VP_DIR_VMS "/", suffix[] = ".xml";
    const char *p = previous->manifest, *end = p + previous->manifest_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char name[80];
        size_t n = len - (sizeof(prefix) - 1) - (sizeof(suffix) - 1);
        /* only a valid VM name reaches virsh's argv; a hand-edited line that is not one is passed over */
        if (len > sizeof(prefix) + sizeof(suffix) - 2 && n < sizeof(name) &&
            strncmp(p, prefix, sizeof(prefix) - 1) == 0 && memcmp(p + len - (sizeof(suffix) - 1), suffix, 4) == 0) {
            memcpy(name, p + sizeof(prefix) - 1, n);
            name[n] = '\0';
            if (vp_valid_name(name) && !planned(plan, name)) {
                char xml[120];
                snprintf(xml, sizeof(xml), "%s%s%s", prefix, name, suffix);
                const char *argv[] = {"virsh", "undefine", "--nvram", name, NULL};
                const char *triggers[] = {xml, NULL};
                vp_action_add(set, VP_STAGE_LIBVIRT_UNDEFINE,
                              "undefine the VM the spec no longer has (and its UEFI variables), before any VM is "
                              "defined",
                              argv, triggers);
            }
        }
        p += len + (nl ? 1 : 0);
    }
}
