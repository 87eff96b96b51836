/* SPDX-License-Identifier: MIT */
/*
 * grubby.c: the kernel command line on RHEL and Fedora. Their GRUB reads
 * BootLoaderSpec entries, so the arguments go in with grubby, for every
 * installed kernel (and, on RHEL 9, the default for new ones). grubby only
 * adds: etc/vfioplan/kernel-args records what vfioplan added
 * (kernel-args-record.c), and what an earlier record has and the plan does
 * not gets a `grubby --remove-args` action, which runs before the `--args`
 * one. Arguments the distribution had are never in the record.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/validators.h"
#include "emit-internal.h"
#include "kernel-args-doc.h"

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
    struct vp_kargs_change change;
    vp_emit_kernel_args_record(plan, previous, set, "grubby", &change);
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    if (change.n_removed) {
        char *removed = vp_kargs_removed_joined(&change, "--remove-args=");
        const char *argv[] = {"grubby", "--update-kernel=ALL", removed, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER_REMOVE,
                      "remove the kernel arguments vfioplan added that the spec no longer wants", argv, triggers);
        free(removed);
    }
    vp_kargs_change_free(&change);
    struct vp_strbuf args = {0};
    vp_strbuf_puts(&args, "--args=");
    vp_kernel_args_join(&args, plan);
    const char *argv[] = {"grubby", "--update-kernel=ALL", args.data, NULL};
    if (plan->n_kernel_args)
        vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to every boot entry", argv, triggers);
    vp_strbuf_free(&args);
    return 0;
}
