/* SPDX-License-Identifier: MIT */
/*
 * migrate.c: taking over a manual setup. The rules recorded which words or
 * lines of the host's existing configuration conflict with the plan
 * (plan->migrations, VP7001-VP7004); here each such line becomes an
 * operation of a foreign edit (apply/foreign-edit.h): disabled whole, or
 * disabled and followed by its replacement without the words the plan takes
 * over. The edited file's tool then runs again: the initramfs is rebuilt
 * for modprobe.d and the initramfs lists, GRUB's menu for its defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"
#include "host/config-syntax.h"

/* The edit of one line: every migration the rules recorded for it. */
static void
edit_line(struct vp_foreign_edit *edit, const struct vp_migration *m, size_t n)
{
    const struct vp_config_line *l = m[0].line;
    enum vp_code code = m[0].code;
    bool whole = false;
    for (size_t i = 0; i < n; i++) {
        whole |= m[i].word < 0;
        if (m[i].code < code)
            code = m[i].code;
    }
    if (whole) {
        vp_foreign_edit_op(edit, VP_EDIT_DISABLE_LINE, l->text, l->line, vp_code_id(code), NULL);
        return;
    }
    struct vp_config_parse p;
    vp_config_parse(l->kind, l->text, &p);
    const char **subst = vp_xcalloc(p.n_words + 1, sizeof(*subst));
    for (size_t i = 0; i < n; i++)
        if ((size_t)m[i].word < p.n_words)
            subst[m[i].word] = m[i].replacement ? m[i].replacement : "";
    char *replacement = vp_config_rewrite(l->text, &p, subst);
    vp_foreign_edit_op(edit, VP_EDIT_REPLACE_LINE, l->text, l->line, vp_code_id(code), replacement);
    free(replacement);
    free(subst);
}

int
vp_emit_migrate(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                struct vp_diags *d)
{
    (void)previous;
    (void)d;
    /* the rules record a line's words together, lines in the host's order; a line may come back under another
     * code (an ids word and a duplicate argument): gather each line's migrations wherever they are */
    bool *done = vp_xcalloc(plan->n_migrations + 1, sizeof(*done));
    struct vp_migration *same = vp_xcalloc(plan->n_migrations + 1, sizeof(*same));
    for (size_t i = 0; i < plan->n_migrations; i++) {
        if (done[i])
            continue;
        size_t n = 0;
        for (size_t k = i; k < plan->n_migrations; k++) {
            if (!done[k] && plan->migrations[k].line == plan->migrations[i].line) {
                same[n++] = plan->migrations[k];
                done[k] = true;
            }
        }
        const struct vp_config_line *l = plan->migrations[i].line;
        edit_line(vp_foreign_edit_add(set, l->file), same, n);
        const char *const triggers[] = {l->file, NULL};
        switch (l->kind) {
        case VP_CONFIG_MODPROBE: /* the initramfs carries modprobe.d */
        case VP_CONFIG_ITOOLS_MODULES:
        case VP_CONFIG_DRACUT:
        case VP_CONFIG_MKINITCPIO:
            vp_emit_initramfs_rebuild(plan, set, triggers);
            break;
        case VP_CONFIG_GRUB:
            vp_emit_grub_update(plan, set, triggers);
            break;
        case VP_CONFIG_BLS:            /* read by the bootloader at every boot */
        case VP_CONFIG_KERNEL_CMDLINE: /* never edited: it takes no comments */
        case VP_CONFIG__COUNT:
            break;
        }
    }
    free(same);
    free(done);
    return 0;
}
