/* SPDX-License-Identifier: MIT */
/*
 * removed-args.c: grubby only adds kernel arguments; when the spec drops
 * one, the boot entries keep it unless it is removed. The previous list is
 * in /etc/vfioplan/kernel-args on the host: what it has and the new plan
 * does not gets a `grubby --remove-args` action before the `--args` one.
 */
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "changes.h"
#include "emit/emit-internal.h"
#include "base/validators.h"

static bool
listed(const char *text, size_t len, const char *arg)
{
    size_t n = strlen(arg);
    for (const char *p = text; p < text + len;) {
        const char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        if (l == n && memcmp(p, arg, n) == 0)
            return true;
        p += l + 1;
    }
    return false;
}

void
vp_changes_add_removal_actions(struct vp_artifact_set *set, const struct vp_changes *changes)
{
    bool grubby = false;
    for (size_t i = 0; i < set->n_actions; i++)
        grubby |= strcmp(set->actions[i].argv[0], "grubby") == 0;
    const struct vp_change *ch = NULL;
    for (size_t i = 0; i < changes->n; i++)
        if (strcmp(changes->items[i].path, VP_PATH_KERNEL_ARGS) == 0 && changes->items[i].old_data)
            ch = &changes->items[i];
    if (!grubby || !ch)
        return;
    const char *new_text = ch->artifact ? ch->artifact->data : "";
    size_t new_len = ch->artifact ? ch->artifact->len : 0;
    struct vp_strbuf removed = {0};
    char *old = vp_xstrndup(ch->old_data, ch->old_len);
    char *save = NULL;
    for (char *line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* a hand-edited line that is not a plain argument is not passed on */
        if (line[0] == '#' || !vp_valid_kernel_arg(line) || listed(new_text, new_len, line))
            continue;
        vp_strbuf_printf(&removed, "%s%s", removed.len ? " " : "--remove-args=", line);
    }
    free(old);
    if (removed.len) {
        const char *argv[] = {"grubby", "--update-kernel=ALL", removed.data, NULL};
        const char *triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER, "remove the kernel arguments the spec no longer wants", argv, triggers);
        /* removals run before additions: the set is ordered by stage, then command text */
        struct vp_action a = set->actions[set->n_actions - 1];
        size_t at = 0;
        while (at < set->n_actions - 1 && set->actions[at].stage <= VP_STAGE_BOOTLOADER &&
               !(set->actions[at].stage == VP_STAGE_BOOTLOADER && strcmp(set->actions[at].argv[0], "grubby") == 0))
            at++;
        memmove(&set->actions[at + 1], &set->actions[at], (set->n_actions - 1 - at) * sizeof(a));
        set->actions[at] = a;
    }
    vp_strbuf_free(&removed);
}
