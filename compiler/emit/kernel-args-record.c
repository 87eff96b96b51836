/* SPDX-License-Identifier: MIT */
/*
 * kernel-args-record.c: etc/vfioplan/kernel-args, what vfioplan added to the
 * command line of tools that only add (grubby, systemd-boot's entries and
 * /etc/kernel/cmdline, rpm-ostree, kernelstub): the planned arguments the
 * command line did not have before vfioplan, and those an earlier record
 * lists. Only these come off when the spec drops them; arguments the
 * distribution had (rhgb, quiet, root=...) are never vfioplan's to remove,
 * and those that name the root, resume or initramfs devices are never
 * removed even if a record lists them (a record written by hand, or by a
 * vfioplan that recorded everything it asked for).
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/validators.h"
#include "emit-internal.h"
#include "kernel-args-doc.h"

/* Arguments a distribution sets to boot at all; vfioplan never takes them off. */
static bool
protected_arg(const char *arg)
{
    static const char *const names[] = {"root",          "ro",     "rw",         "rootflags", "rootfstype",  "resume",
                                        "resume_offset", "boot",   "BOOT_IMAGE", "initrd",    "crashkernel", "rhgb",
                                        "quiet",         "splash", "ostree"};
    size_t n = strcspn(arg, "=");
    if (vp_startswith(arg, "rd."))
        return true;
    for (size_t i = 0; i < VP_ARRAY_SIZE(names); i++)
        if (strlen(names[i]) == n && strncmp(arg, names[i], n) == 0)
            return true;
    return false;
}

static bool
planned(const struct vp_plan *plan, const char *arg)
{
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        if (strcmp(plan->kernel_args[i].value, arg) == 0)
            return true;
    return false;
}

/* The previous record's arguments (comments and lines that are not plain arguments skipped); *n of them. */
static char **
previous_args(const struct vp_previous *previous, size_t *n)
{
    *n = 0;
    if (!previous || !previous->kernel_args)
        return NULL;
    char *text = vp_xstrndup(previous->kernel_args, previous->kernel_args_len);
    char **out = NULL;
    size_t cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !vp_valid_kernel_arg(line))
            continue;
        void *items = out;
        vp_xgrow(&items, &cap, *n + 1, sizeof(*out));
        out = items;
        out[(*n)++] = vp_xstrdup(line);
    }
    free(text);
    return out;
}

static bool
listed(char *const *list, size_t n, const char *arg)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], arg) == 0)
            return true;
    return false;
}

void
vp_kargs_change(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_kargs_change *out)
{
    memset(out, 0, sizeof(*out));
    size_t n_prev;
    char **prev = previous_args(previous, &n_prev);
    out->own = vp_xcalloc(plan->n_kernel_args + 1, sizeof(*out->own));
    out->removed = vp_xcalloc(n_prev + 1, sizeof(*out->removed));
    for (size_t i = 0; i < plan->n_kernel_args; i++) {
        const char *v = plan->kernel_args[i].value;
        if (listed(prev, n_prev, v) || !vp_has_word(plan->host->cmdline, v))
            out->own[out->n_own++] = v;
    }
    for (size_t i = 0; i < n_prev; i++) {
        if (!planned(plan, prev[i]) && !protected_arg(prev[i]) && !listed(out->removed, out->n_removed, prev[i]))
            out->removed[out->n_removed++] = prev[i];
        else
            free(prev[i]);
    }
    free(prev);
}

void
vp_kargs_change_free(struct vp_kargs_change *c)
{
    free(c->own);
    for (size_t i = 0; i < c->n_removed; i++)
        free(c->removed[i]);
    free(c->removed);
    memset(c, 0, sizeof(*c));
}

char *
vp_kargs_removed_joined(const struct vp_kargs_change *change, const char *prefix)
{
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, prefix);
    for (size_t i = 0; i < change->n_removed; i++)
        vp_strbuf_printf(&sb, "%s%s", i ? " " : "", change->removed[i]);
    return vp_strbuf_steal(&sb, NULL);
}

void
vp_emit_kernel_args_record(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                           const char *tool, struct vp_kargs_change *change)
{
    vp_kargs_change(plan, previous, change);
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_printf(&sb,
                     "#\n# Kernel arguments vfioplan added with %s, one per line: those it asked for\n"
                     "# that the command line did not have before. apply removes these, and only\n"
                     "# these, when the spec no longer asks for them. All it asks for:\n",
                     tool);
    vp_kernel_args_comment(&sb, plan);
    for (size_t i = 0; i < change->n_own; i++)
        vp_strbuf_printf(&sb, "%s\n", change->own[i]);
    vp_artifact_add_buf(set, VP_PATH_KERNEL_ARGS, 0644, &sb);
}
