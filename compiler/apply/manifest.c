/* SPDX-License-Identifier: MIT */
/*
 * manifest.c: /etc/vfioplan/manifest lists the files vfioplan owns on a
 * host, so that a later apply removes what it no longer generates and never
 * touches anything else.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "changes.h"
#include "emit/emit-internal.h"

static int
artifact_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vp_artifact *)a)->path, ((const struct vp_artifact *)b)->path);
}

void
vp_manifest_add(struct vp_artifact_set *set, const struct vp_plan *plan)
{
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "# Files vfioplan owns on this host, one per line; a later apply removes the\n"
                        "# ones it no longer generates and leaves every other file alone.\n");
    for (size_t i = 0; i < set->n; i++)
        vp_strbuf_printf(&sb, "%s\n", set->items[i].path);
    vp_artifact_add_buf(set, VP_PATH_MANIFEST, 0644, &sb);
    vp_sort(set->items, set->n, sizeof(*set->items), artifact_cmp);
}
