/* SPDX-License-Identifier: MIT */
/*
 * edit-block.c: the one kind of change vfioplan makes to a file it does not
 * own: a block between marker lines, put at the end of the file, replaced
 * in place, or taken out, with every other byte of the file kept. The new
 * file is an artifact like any other (written atomically, with a backup, in
 * plan's diff, where the change shows as exactly the block), except that
 * the manifest never lists it, so no later run removes the file. The
 * markers are the record: a file with vfioplan's block in it gets the block
 * taken out once no emitter sets it (vp_emit_edits_cleanup).
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"

#define BLOCK_BEGIN "# BEGIN vfioplan: managed by 'vfioplan apply'; edits between these lines are lost"
#define BLOCK_END "# END vfioplan"

static const struct vp_edit_base *
base_of(const struct vp_previous *previous, const char *path)
{
    for (size_t i = 0; previous && i < previous->n_edits; i++)
        if (strcmp(previous->edits[i].path, path) == 0)
            return &previous->edits[i];
    return NULL;
}

/* The offsets of the line starting with marker (a whole line), or -1. */
static long
find_line(const char *data, size_t len, const char *marker, size_t from)
{
    size_t m = strlen(marker);
    for (size_t at = from; at < len;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (end - at == m && memcmp(data + at, marker, m) == 0)
            return (long)at;
        at = end + 1;
    }
    return -1;
}

int
vp_emit_edit(const struct vp_previous *previous, struct vp_artifact_set *set, const char *path, const char *body,
             struct vp_diags *d)
{
    const struct vp_edit_base *base = base_of(previous, path);
    struct vp_pos pos = {.file = path};
    if (base && base->state < 0) {
        vp_error(d, VP_READ_TARGET_FAILED, &pos, "/%s is not a regular file vfioplan can edit", path);
        vp_hint(d, "make it a plain file again; vfioplan keeps a marked block in it");
        return -1;
    }
    const char *data = base && base->state > 0 ? base->data : "";
    size_t len = base && base->state > 0 ? base->len : 0;
    long begin = find_line(data, len, BLOCK_BEGIN, 0);
    long end = begin >= 0 ? find_line(data, len, BLOCK_END, (size_t)begin) : -1;
    if (begin >= 0 && end < 0) {
        vp_error(d, VP_READ_TARGET_FAILED, &pos, "/%s has vfioplan's first marker line but not its last", path);
        vp_note(d, "the block runs from '%s' to '%s'", BLOCK_BEGIN, BLOCK_END);
        vp_hint(d, "put the '%s' line back after the block, or remove the block, then run vfioplan again", BLOCK_END);
        return -1;
    }
    if (begin < 0 && !body)
        return 0; /* nothing of ours in it, nothing to put in */
    struct vp_strbuf sb = {0};
    size_t keep_to = begin >= 0 ? (size_t)begin : len;
    vp_strbuf_add(&sb, data, keep_to);
    if (body) {
        if (sb.len && sb.data[sb.len - 1] != '\n')
            vp_strbuf_putc(&sb, '\n');
        vp_strbuf_printf(&sb, BLOCK_BEGIN "\n%s" BLOCK_END "\n", body);
    }
    if (begin >= 0) {
        const char *nl = memchr(data + end, '\n', len - (size_t)end);
        size_t after = nl ? (size_t)(nl - data) + 1 : len;
        vp_strbuf_add(&sb, data + after, len - after);
    }
    size_t n;
    char *text = vp_strbuf_steal(&sb, &n);
    vp_artifact_add(set, path, base && base->state > 0 ? base->mode : 0644, text, n);
    set->items[set->n - 1].edit = true;
    return 0;
}

int
vp_emit_edits_cleanup(const struct vp_previous *previous, struct vp_artifact_set *set, struct vp_diags *d)
{
    int rc = 0;
    for (size_t i = 0; previous && i < previous->n_edits; i++) {
        const struct vp_edit_base *b = &previous->edits[i];
        if (b->state <= 0 || vp_artifact_find(set, b->path) || find_line(b->data, b->len, BLOCK_BEGIN, 0) < 0)
            continue;
        if (vp_emit_edit(previous, set, b->path, NULL, d) < 0)
            rc = -1;
    }
    return rc;
}
