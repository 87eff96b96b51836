/* SPDX-License-Identifier: MIT */
/*
 * initramfs.c: getting vfio-pci, its config and the bind script into the
 * initramfs, one function per generator: initramfs-tools (a hook, and an
 * init-top script when binding by address), dracut and mkinitcpio (drop-ins
 * in their conf.d). Each registers the command that rebuilds the images of
 * every installed kernel.
 */
#include "emit-internal.h"

void
vp_emit_initramfs_rebuild(const struct vp_plan *plan, struct vp_artifact_set *set, const char *const *triggers)
{
    static const char *const itools[] = {"update-initramfs", "-u", "-k", "all", NULL};
    static const char *const dracut[] = {"dracut", "--regenerate-all", "--force", NULL};
    static const char *const mkinitcpio[] = {"mkinitcpio", "-P", NULL};
    /* an ostree host's /boot is the deployments': rpm-ostree builds the initramfs on the host, with dracut's drop-in */
    static const char *const ostree[] = {"rpm-ostree", "initramfs", "--enable", NULL};
    /* a unified kernel image carries /etc/kernel/cmdline: it is rebuilt when the arguments change too */
    static const char *const uki_triggers[] = {VP_PATH_KERNEL_ARGS, VP_PATH_GRUB_DROPIN, NULL};
    switch (plan->initramfs) {
    case VP_INITRAMFS_TOOLS:
        vp_action_add(set, VP_STAGE_INITRAMFS, "rebuild the initramfs of every installed kernel", itools, triggers);
        break;
    case VP_INITRAMFS_DRACUT:
        if (plan->bootloader == VP_BOOTLOADER_RPM_OSTREE)
            vp_action_add(set, VP_STAGE_INITRAMFS,
                          "build the initramfs on the host, with the vfio modules, for the new deployment", ostree,
                          triggers);
        else
            vp_action_add(set, VP_STAGE_INITRAMFS, "rebuild the initramfs of every installed kernel", dracut, triggers);
        break;
    case VP_INITRAMFS_MKINITCPIO:
        if (plan->boot.uki) {
            vp_action_add(
                set, VP_STAGE_INITRAMFS,
                "rebuild the initramfs of every preset, and the unified kernel images with the new command line",
                mkinitcpio, triggers);
            vp_action_add(set, VP_STAGE_INITRAMFS, "", mkinitcpio, uki_triggers); /* the same action: its triggers */
        } else {
            vp_action_add(set, VP_STAGE_INITRAMFS, "rebuild the initramfs of every preset", mkinitcpio, triggers);
        }
        break;
    default: /* auto is resolved before anything is emitted */
        break;
    }
}

/* The head every initramfs-tools script needs: the prereqs protocol of hook-functions(8). */
static void
itools_script_head(struct vp_strbuf *sb, const struct vp_plan *plan, const char *purpose)
{
    vp_strbuf_puts(sb, "#!/bin/sh\n");
    vp_emit_hash_header(sb, plan);
    vp_strbuf_puts(sb, "#\n");
    vp_strbuf_puts(sb, purpose);
    vp_strbuf_puts(sb, "PREREQ=\"\"\n"
                       "prereqs() { echo \"$PREREQ\"; }\n"
                       "case \"$1\" in\n"
                       "prereqs)\n"
                       "    prereqs\n"
                       "    exit 0\n"
                       "    ;;\n"
                       "esac\n\n");
}

int
vp_emit_initramfs_tools(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                        struct vp_diags *d)
{
    (void)previous;
    (void)d;
    bool by_address = vp_plan_binds_by_address(plan);
    static const char *const triggers[] = {VP_PATH_MODPROBE, VP_PATH_ITOOLS_HOOK, VP_PATH_ITOOLS_INIT_TOP,
                                           VP_PATH_BIND_SCRIPT, NULL};
    vp_emit_initramfs_rebuild(plan, set, triggers);

    struct vp_strbuf sb = {0};
    itools_script_head(&sb, plan,
                       "# initramfs-tools hook: puts vfio-pci and its configuration into the initramfs\n"
                       "# and loads it there, so it claims the assigned functions before their own\n"
                       "# drivers can.\n");
    vp_strbuf_puts(&sb, "# shellcheck source=/dev/null\n"
                        ". /usr/share/initramfs-tools/hook-functions\n\n"
                        "# vfio_virqfd exists only before Linux 6.2; manual_add_modules skips what is missing.\n"
                        "manual_add_modules vfio vfio_iommu_type1 vfio_virqfd\n"
                        "force_load vfio_pci\n"
                        "# copy_file returns 1 when the file is already there (the kmod hook copies\n"
                        "# /etc/modprobe.d): a hook that fails aborts the whole build.\n"
                        "copy_file config /" VP_PATH_MODPROBE " /" VP_PATH_MODPROBE " || true\n");
    if (vp_plan_has_binding(plan)) /* modprobe's install hook runs it whenever vfio-pci loads */
        vp_strbuf_puts(&sb, "copy_exec /" VP_PATH_BIND_SCRIPT " /" VP_PATH_BIND_SCRIPT " || true\n");
    vp_strbuf_puts(&sb, "exit 0\n");
    vp_artifact_add_buf(set, VP_PATH_ITOOLS_HOOK, 0755, &sb);

    if (by_address) {
        itools_script_head(&sb, plan,
                           "# initramfs-tools init-top script: binds functions to vfio-pci by address\n"
                           "# before udev starts loading drivers (init-top scripts run in name order,\n"
                           "# and 00-vfioplan sorts before udev).\n");
        vp_strbuf_puts(&sb, "/" VP_PATH_BIND_SCRIPT "\n"
                            "exit 0\n");
        vp_artifact_add_buf(set, VP_PATH_ITOOLS_INIT_TOP, 0755, &sb);
    }
    return 0;
}

int
vp_emit_dracut(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
               struct vp_diags *d)
{
    (void)previous;
    (void)d;
    static const char *const triggers[] = {VP_PATH_MODPROBE, VP_PATH_DRACUT, VP_PATH_BIND_SCRIPT, NULL};
    vp_emit_initramfs_rebuild(plan, set, triggers);
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# dracut: put vfio-pci and its configuration into the initramfs and load it\n"
                        "# before udev probes other drivers (force_drivers), so it claims the\n"
                        "# assigned functions first. The file name must end in .conf.\n"
                        "force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"\n"
                        "install_items+=\" /" VP_PATH_MODPROBE);
    if (vp_plan_has_binding(plan))
        vp_strbuf_puts(&sb, " /" VP_PATH_BIND_SCRIPT);
    vp_strbuf_puts(&sb, " \"\n");
    vp_artifact_add_buf(set, VP_PATH_DRACUT, 0644, &sb);
    return 0;
}

int
vp_emit_mkinitcpio(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                   struct vp_diags *d)
{
    (void)previous;
    (void)d;
    static const char *const triggers[] = {VP_PATH_MODPROBE, VP_PATH_MKINITCPIO, VP_PATH_BIND_SCRIPT, NULL};
    vp_emit_initramfs_rebuild(plan, set, triggers);
    struct vp_strbuf sb = {0};
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# mkinitcpio: load vfio-pci early from the initramfs (MODULES load before the\n"
                        "# udev hook), with its configuration, so it claims the assigned functions\n"
                        "# before their own drivers.\n"
                        "MODULES+=(vfio_pci vfio vfio_iommu_type1)\n"
                        "FILES+=(/" VP_PATH_MODPROBE);
    if (vp_plan_has_binding(plan))
        vp_strbuf_puts(&sb, " /" VP_PATH_BIND_SCRIPT);
    vp_strbuf_puts(&sb, ")\n");
    vp_artifact_add_buf(set, VP_PATH_MKINITCPIO, 0644, &sb);
    return 0;
}
