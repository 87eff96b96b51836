/* SPDX-License-Identifier: MIT */
/*
 * rpm-ostree.c: the kernel command line of an ostree host (Fedora
 * Silverblue and CoreOS, RHEL image mode): its boot entries belong to the
 * deployments, and `rpm-ostree kargs` stages a new deployment with the
 * arguments changed. --append-if-missing and --delete-if-present make it
 * safe to run again; it takes off only what etc/vfioplan/kernel-args says
 * vfioplan added. The initramfs is rebuilt on the host by rpm-ostree, with
 * the dracut drop-in (initramfs.c).
 */
#include <stdlib.h>

#include "base/util.h"
#include "emit-internal.h"

int
vp_emit_rpm_ostree(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                   struct vp_diags *d)
{
    (void)d;
    struct vp_kargs_change change;
    vp_emit_kernel_args_record(plan, previous, set, "rpm-ostree kargs", &change);
    size_t n = 2 + change.n_removed + plan->n_kernel_args;
    const char **argv = vp_xcalloc(n + 1, sizeof(*argv));
    char **words = vp_xcalloc(n + 1, sizeof(*words));
    size_t k = 0;
    argv[k++] = "rpm-ostree";
    argv[k++] = "kargs";
    for (size_t i = 0; i < change.n_removed; i++, k++)
        argv[k] = words[k] = vp_xasprintf("--delete-if-present=%s", change.removed[i]);
    for (size_t i = 0; i < plan->n_kernel_args; i++, k++)
        argv[k] = words[k] = vp_xasprintf("--append-if-missing=%s", plan->kernel_args[i].value);
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, NULL};
    if (k > 2)
        vp_action_add(set, VP_STAGE_BOOTLOADER,
                      "stage a deployment with the kernel arguments (and without those the spec dropped)", argv,
                      triggers);
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
    free(argv);
    vp_kargs_change_free(&change);
    return 0;
}
