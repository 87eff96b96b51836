/* SPDX-License-Identifier: MIT */
/*
 * manifest.c: /etc/vfioplan/manifest lists the files vfioplan owns on a
 * host, so that a later apply removes what it no longer generates and never
 * touches anything else.
 */
#include <stdbool.h>
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

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
vp_manifest_union(const struct vp_changes *c, const struct vp_artifact *manifest, size_t *len)
{
    /* the new manifest's paths: its lines that are not comments */
    char **paths = NULL;
    size_t n = 0;
    bool news = false; /* a path the old manifest does not list */
    for (const char *p = manifest->data, *end = p + manifest->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l && p[0] != '#') {
            paths = vp_xrealloc(paths, (n + 1) * sizeof(*paths));
            paths[n] = vp_xstrndup(p, l);
            bool listed = false;
            for (size_t k = 0; k < c->n_old_owned && !listed; k++)
                listed = strcmp(c->old_owned[k], paths[n]) == 0;
            news |= !listed;
            n++;
        }
        p += l + 1;
    }
    char *text = NULL;
    if (news) {
        for (size_t k = 0; k < c->n_old_owned; k++) {
            paths = vp_xrealloc(paths, (n + 1) * sizeof(*paths));
            paths[n++] = vp_xstrdup(c->old_owned[k]);
        }
        vp_sort(paths, n, sizeof(*paths), str_cmp);
        struct vp_strbuf sb = {0};
        vp_strbuf_puts(&sb, "# vfioplan: an apply was under way: the files of the old and the new plan.\n"
                            "# The next apply removes the ones it does not generate.\n");
        for (size_t k = 0; k < n; k++)
            if (k == 0 || strcmp(paths[k], paths[k - 1]) != 0)
                vp_strbuf_printf(&sb, "%s\n", paths[k]);
        text = vp_strbuf_steal(&sb, len);
    }
    for (size_t k = 0; k < n; k++)
        free(paths[k]);
    free(paths);
    return text;
}
