/* SPDX-License-Identifier: MIT */
/*
 * grub.c: the kernel command line for GRUB. Debian's grub-mkconfig sources
 * the .cfg files of /etc/default/grub.d after /etc/default/grub (a Debian patch), so
 * there vfioplan writes a drop-in of its own and /etc/default/grub stays the
 * admin's; "vfioplan.cfg" sorts after numbered drop-ins such as cloud
 * images' 50-cloudimg-settings.cfg, which assign GRUB_CMDLINE_LINUX_DEFAULT
 * outright. Upstream grub-mkconfig (Arch, and GRUB built from source) reads
 * /etc/default/grub only: there vfioplan keeps the same lines in a marked
 * block at the end of /etc/default/grub (edit-block.c), and takes the block
 * out when it is no longer needed. Either way grub-mkconfig then writes
 * grub.cfg, after the initramfs it lists is rebuilt.
 */
#include "emit-internal.h"
#include "kernel-args-doc.h"

void
vp_grub_cmdline_lines(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    vp_kernel_args_comment(sb, plan);
    vp_strbuf_puts(
        sb, "vfioplan_add() {\n"
            "    case \" $GRUB_CMDLINE_LINUX_DEFAULT \" in\n"
            "    *\" $1 \"*) ;;\n"
            "    *) GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }$1\" ;;\n"
            "    esac\n"
            "}\n");
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(sb, "vfioplan_add %s\n", plan->kernel_args[i].value);
    vp_strbuf_puts(sb, "unset -f vfioplan_add\n");
}

/*
 * What writes grub.cfg on this host: Debian's wrapper, or grub-mkconfig itself (grub2-mkconfig on Fedora). Also
 * run when a manual setup's line in /etc/default/grub was edited (migrate.c, a foreign edit). That file is edited
 * two ways: vfioplan's own marked block (upstream GRUB, edit-block.c) and the foreign edits that disable an admin's
 * line; the block could become a foreign-edit operation later (HACKING.md).
 */
void
vp_emit_grub_update(const struct vp_plan *plan, struct vp_artifact_set *set, const char *const *triggers)
{
    if (plan->bootloader != VP_BOOTLOADER_GRUB)
        return;
    if (plan->boot.grub_dropins) {
        static const char *const argv[] = {"update-grub", NULL};
        vp_action_add(set, VP_STAGE_BOOT_MENU, "write the kernel command line into /boot/grub/grub.cfg", argv,
                      triggers);
    } else if (plan->boot.grub2) {
        static const char *const argv[] = {"grub2-mkconfig", "-o", "/boot/grub2/grub.cfg", NULL};
        vp_action_add(set, VP_STAGE_BOOT_MENU, "write the kernel command line into /boot/grub2/grub.cfg", argv,
                      triggers);
    } else {
        static const char *const argv[] = {"grub-mkconfig", "-o", "/boot/grub/grub.cfg", NULL};
        vp_action_add(set, VP_STAGE_BOOT_MENU, "write the kernel command line into /boot/grub/grub.cfg", argv,
                      triggers);
    }
}

/* either file's change: a block taken out of /etc/default/grub changes the command line too */
static const char *const grub_triggers[] = {VP_PATH_GRUB_DROPIN, VP_PATH_GRUB_DEFAULT, NULL};

int
vp_emit_grub(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
             struct vp_diags *d)
{
    (void)previous;
    (void)d;
    vp_emit_grub_update(plan, set, grub_triggers);
    vp_emit_grub_dropin(plan, set);
    return 0;
}

void
vp_emit_grub_dropin(const struct vp_plan *plan, struct vp_artifact_set *set)
{
    if (plan->n_kernel_args == 0)
        return;
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# Kernel arguments for PCI passthrough. grub-mkconfig (update-grub) sources\n"
                        "# this file after /etc/default/grub and adds each argument once to\n"
                        "# GRUB_CMDLINE_LINUX_DEFAULT.\n");
    vp_grub_cmdline_lines(&sb, plan);
    vp_artifact_add_buf(set, VP_PATH_GRUB_DROPIN, 0644, &sb);
}

int
vp_emit_grub_default(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                     struct vp_diags *d)
{
    vp_emit_grub_update(plan, set, grub_triggers);
    if (plan->n_kernel_args == 0)
        return vp_emit_edit(previous, set, VP_PATH_GRUB_DEFAULT, NULL, d);
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "# Kernel arguments for PCI passthrough. This grub-mkconfig reads no\n"
                        "# /etc/default/grub.d, so they are here; each is added once to\n"
                        "# GRUB_CMDLINE_LINUX_DEFAULT. Keep this block last in the file.\n");
    vp_grub_cmdline_lines(&sb, plan);
    int rc = vp_emit_edit(previous, set, VP_PATH_GRUB_DEFAULT, sb.data, d);
    vp_strbuf_free(&sb);
    return rc;
}
