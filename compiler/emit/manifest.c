/* SPDX-License-Identifier: MIT */
/*
 * manifest.c: /etc/vfioplan/manifest lists the files vfioplan owns on a
 * host, so that a later apply removes what it no longer generates and never
 * touches anything else. The last row of the emitter table: it lists what
 * the rows before it wrote.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"

int
vp_emit_manifest(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                 struct vp_diags *d)
{
    (void)previous;
    (void)d;
    /* files vfioplan only edits are not its own: never listed, so never removed */
    const char **paths = vp_xcalloc(set->n + 1, sizeof(*paths));
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        if (!set->items[i].edit)
            paths[n++] = set->items[i].path;
    vp_sort(paths, n, sizeof(*paths), vp_strcmp_ptr);
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "# Files vfioplan owns on this host, one per line; a later apply removes the\n"
                        "# ones it no longer generates and leaves every other file alone.\n");
    for (size_t i = 0; i < n; i++)
        vp_strbuf_printf(&sb, "%s\n", paths[i]);
    free(paths);
    vp_artifact_add_buf(set, VP_PATH_MANIFEST, 0644, &sb);
    return 0;
}
