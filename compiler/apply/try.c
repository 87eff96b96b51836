/* SPDX-License-Identifier: MIT */
/* try.c: the marker of a try under way, and the set a try writes (see try.h). */
#include "try.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "emit/emit-internal.h"
#include "state.h"

int
vp_try_marker_read(const char *root, struct vp_try_marker *m, struct vp_diags *d)
{
    memset(m, 0, sizeof(*m));
    char *data = NULL;
    size_t len;
    int r = vp_state_read(root, VP_PATH_TRY_STATE, 4096, &data, &len, d);
    if (r <= 0)
        return r;
    bool gen = false, prev = false;
    for (char *line = data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *end;
        if (strncmp(line, "generation ", 11) == 0) {
            m->generation = strtoul(line + 11, &end, 10);
            gen = !*end;
        } else if (strncmp(line, "previous ", 9) == 0) {
            m->previous = strtoul(line + 9, &end, 10);
            prev = !*end;
        } else if (strncmp(line, "token ", 6) == 0) {
            snprintf(m->token, sizeof(m->token), "%s", line + 6);
        }
    }
    free(data);
    if (!gen || !prev) {
        vp_error(d, VP_GENERATION_DAMAGED, &(struct vp_pos){.file = VP_PATH_TRY_STATE},
                 "%s/%s does not name a try's generation and the one before it", root, VP_PATH_TRY_STATE);
        vp_hint(d, "'vfioplan history --root %s' lists the generations; remove the file and roll back by hand", root);
        return -1;
    }
    return 1;
}

int
vp_try_refuse_under_way(const char *root, const char *what, struct vp_diags *d)
{
    struct vp_try_marker m;
    int r = vp_try_marker_read(root, &m, d);
    if (r <= 0)
        return r;
    /* another writer now would replace the files the way back needs, and --finish would then undo it */
    vp_error(d, VP_TRY_UNDER_WAY, &(struct vp_pos){.file = VP_PATH_TRY_STATE},
             "a try is under way under %s (generation %lu, with the way back to generation %lu): no %s until it ends",
             root, m.generation, m.previous, what);
    vp_hint(d, "end it first: 'vfioplan try --confirm' keeps it, 'vfioplan try --cancel' goes back");
    return -1;
}

int
vp_try_marker_write(const char *root, const struct vp_try_marker *m, struct vp_diags *d)
{
    struct vp_strbuf sb = {0};
    vp_strbuf_printf(&sb,
                     "# vfioplan: a try under way ('vfioplan try --confirm' or '--cancel' ends it; after the\n"
                     "# reboot, the vfioplan-try service runs 'vfioplan try --finish')\n"
                     "generation %lu\nprevious %lu\n",
                     m->generation, m->previous);
    if (m->token[0])
        vp_strbuf_printf(&sb, "token %s\n", m->token);
    int rc = vp_state_write(root, VP_PATH_TRY_STATE, sb.data, sb.len, 0644, d);
    vp_strbuf_free(&sb);
    return rc;
}

int
vp_try_marker_remove(const char *root, struct vp_diags *d)
{
    return vp_state_remove(root, VP_PATH_TRY_STATE, d);
}

static void
remove_item(struct vp_artifact_set *set, const char *path)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].path, path) == 0) {
            free(set->items[i].path);
            free(set->items[i].data);
            memmove(&set->items[i], &set->items[i + 1], (set->n - i - 1) * sizeof(*set->items));
            set->n--;
            return;
        }
}

static int
by_path(const void *a, const void *b)
{
    return strcmp(((const struct vp_artifact *)a)->path, ((const struct vp_artifact *)b)->path);
}

int
vp_try_set_make(struct vp_artifact_set *set, struct vp_artifact_set *record, const struct vp_plan *plan,
                const char *root, const char *const *extra, struct vp_diags *d)
{
    memset(record, 0, sizeof(*record));
    for (size_t i = 0; i < set->n; i++) {
        const struct vp_artifact *a = &set->items[i];
        if (a->edit)
            continue; /* the admin's file: not part of a generation (install.h) */
        char *data = vp_xmalloc(a->len + 1);
        memcpy(data, a->data, a->len);
        data[a->len] = '\0';
        vp_artifact_add(record, a->path, a->mode, data, a->len);
    }
    for (size_t i = 0; i < set->n_actions; i++)
        vp_action_copy(record, &set->actions[i]);

    /* the default entry's command line stays the current one: vfioplan's drop-in as the root has it */
    char *dropin = NULL;
    size_t len = 0;
    int r = vp_state_read(root, VP_PATH_GRUB_DROPIN, 1024 * 1024, &dropin, &len, d);
    if (r < 0)
        return -1;
    remove_item(set, VP_PATH_GRUB_DROPIN);
    if (r == 1)
        vp_artifact_add(set, VP_PATH_GRUB_DROPIN, 0644, dropin, len);
    vp_emit_grub_try(plan, extra, set);
    remove_item(set, VP_PATH_MANIFEST);
    vp_emit_manifest(plan, NULL, set, d);
    vp_sort(set->items, set->n, sizeof(*set->items), by_path);

    /* grub.cfg gets the entry, then grubenv's next_entry names it for one boot (after update-grub: the stable
     * order of a stage). GRUB_DEFAULT need not be saved: 00_header boots next_entry whatever the default is. */
    static const char *const triggers[] = {VP_PATH_GRUB_TRY, NULL};
    vp_emit_grub_update(plan, set, triggers);
    static const char *const reboot[] = {"grub-reboot", VP_GRUB_TRY_ID, NULL};
    vp_action_add(set, VP_STAGE_BOOT_MENU, "boot the tried configuration once, at the next boot", reboot, triggers);
    return 0;
}

void
vp_try_restore_actions(struct vp_artifact_set *set)
{
    static const char *const triggers[] = {VP_PATH_GRUB_TRY, NULL};
    static const char *const argv[] = {"update-grub", NULL};
    vp_action_add(set, VP_STAGE_BOOT_MENU, "write the kernel command line into /boot/grub/grub.cfg", argv, triggers);
}
