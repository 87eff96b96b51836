/* SPDX-License-Identifier: MIT */
/*
 * grubby.c: the kernel command line on RHEL and Fedora. Their GRUB reads
 * BootLoaderSpec entries, so the arguments go in with grubby, for every
 * installed kernel (and, on RHEL 9, the default for new ones). grubby only
 * adds: the list vfioplan asked for is kept in /etc/vfioplan/kernel-args,
 * and what the previous list has and the plan does not gets a
 * `grubby --remove-args` action, which runs before the `--args` one.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/validators.h"
#include "emit-internal.h"
#include "kernel-args-doc.h"

void
vp_emit_kernel_args_record(const struct vp_plan *plan, struct vp_artifact_set *set, const char *tool)
{
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_printf(&sb,
                     "#\n# Kernel arguments vfioplan asked %s to add to every boot entry, one per\n"
                     "# line. apply compares this list with the previous one to remove arguments\n"
                     "# the spec no longer wants.\n",
                     tool);
    vp_kernel_args_comment(&sb, plan);
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(&sb, "%s\n", plan->kernel_args[i].value);
    vp_artifact_add_buf(set, VP_PATH_KERNEL_ARGS, 0644, &sb);
}

/* The kernel arguments a record lists, each a plain argument (a hand-edited line that is not one is not passed on). */
static size_t
record_args(const char *text, size_t len, char ***out)
{
    *out = NULL;
    if (!text)
        return 0;
    size_t n = 0;
    char *copy = vp_xstrndup(text, len);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !vp_valid_kernel_arg(line))
            continue;
        *out = vp_xrealloc(*out, (n + 1) * sizeof(**out));
        (*out)[n++] = vp_xstrdup(line);
    }
    free(copy);
    return n;
}

static void
free_args(char **args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(args[i]);
    free(args);
}

void
vp_grubby_actions(struct vp_artifact_set *set, const char *record, size_t record_len, const char *old_record,
                  size_t old_len)
{
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    char **now, **before;
    size_t n_now = record_args(record, record_len, &now), n_before = record_args(old_record, old_len, &before);
    /* what the previous record has and this one does not comes off, before the additions */
    struct vp_strbuf removed = {0};
    for (size_t i = 0; i < n_before; i++) {
        bool kept = false;
        for (size_t k = 0; k < n_now && !kept; k++)
            kept = strcmp(now[k], before[i]) == 0;
        if (!kept)
            vp_strbuf_printf(&removed, "%s%s", removed.len ? " " : "--remove-args=", before[i]);
    }
    if (removed.len) {
        const char *argv[] = {"grubby", "--update-kernel=ALL", removed.data, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER_REMOVE, "remove the kernel arguments the spec no longer wants", argv,
                      triggers);
    }
    vp_strbuf_free(&removed);
    if (n_now) {
        struct vp_strbuf args = {0};
        vp_strbuf_puts(&args, "--args=");
        for (size_t i = 0; i < n_now; i++)
            vp_strbuf_printf(&args, "%s%s", i ? " " : "", now[i]);
        const char *argv[] = {"grubby", "--update-kernel=ALL", args.data, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to every boot entry", argv, triggers);
        vp_strbuf_free(&args);
    }
    free_args(now, n_now);
    free_args(before, n_before);
}

int
vp_emit_grubby(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
               struct vp_diags *d)
{
    (void)d;
    vp_emit_kernel_args_record(plan, set, "grubby");
    const struct vp_artifact *record = &set->items[set->n - 1];
    vp_grubby_actions(set, record->data, record->len, previous ? previous->kernel_args : NULL,
                      previous ? previous->kernel_args_len : 0);
    return 0;
}
