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

static bool
planned(const struct vp_plan *plan, const char *arg)
{
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        if (strcmp(plan->kernel_args[i].value, arg) == 0)
            return true;
    return false;
}

/* "--remove-args=a b" of the arguments the previous record lists and the plan does not; empty if none. */
static void
removed_args(struct vp_strbuf *out, const struct vp_plan *plan, const struct vp_previous *previous)
{
    if (!previous || !previous->kernel_args)
        return;
    char *old = vp_xstrndup(previous->kernel_args, previous->kernel_args_len);
    char *save = NULL;
    for (char *line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* a hand-edited line that is not a plain argument is not passed on */
        if (line[0] == '#' || !vp_valid_kernel_arg(line) || planned(plan, line))
            continue;
        vp_strbuf_printf(out, "%s%s", out->len ? " " : "--remove-args=", line);
    }
    free(old);
}

int
vp_emit_grubby(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
               struct vp_diags *d)
{
    (void)d;
    vp_emit_kernel_args_record(plan, set, "grubby");
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    struct vp_strbuf removed = {0};
    removed_args(&removed, plan, previous);
    if (removed.len) {
        const char *argv[] = {"grubby", "--update-kernel=ALL", removed.data, NULL};
        vp_action_add(set, VP_STAGE_BOOTLOADER_REMOVE, "remove the kernel arguments the spec no longer wants", argv,
                      triggers);
    }
    vp_strbuf_free(&removed);
    struct vp_strbuf args = {0};
    vp_strbuf_puts(&args, "--args=");
    vp_kernel_args_join(&args, plan);
    const char *argv[] = {"grubby", "--update-kernel=ALL", args.data, NULL};
    if (plan->n_kernel_args)
        vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to every boot entry", argv, triggers);
    vp_strbuf_free(&args);
    return 0;
}
