/* SPDX-License-Identifier: MIT */
/*
 * systemd-boot.c: the kernel command line for systemd-boot. Its entries
 * (loader/entries/NAME.conf) and /etc/kernel/cmdline belong to the admin and
 * kernel-install, so vfioplan writes a small script that adds each argument
 * once to their "options" lines, and apply runs it.
 */
#include "emit-internal.h"
#include "kernel-args-doc.h"

int
vp_emit_systemd_boot(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                     struct vp_diags *d)
{
    (void)previous;
    (void)d;
    vp_emit_kernel_args_record(plan, set, "systemd-boot");
    static const char *const argv[] = {"/" VP_PATH_SDBOOT_SCRIPT, NULL};
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, VP_PATH_SDBOOT_SCRIPT, NULL};
    if (plan->n_kernel_args == 0)
        return 0;
    vp_action_add(set, VP_STAGE_BOOTLOADER, "add the kernel arguments to the systemd-boot entries", argv, triggers);
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, "#!/bin/sh\n");
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# Adds the kernel arguments below, each once, to the \"options\" line of every\n"
                        "# systemd-boot entry and to /etc/kernel/cmdline (which kernel-install uses for\n"
                        "# new kernels). Run by 'vfioplan apply'; safe to run again.\n");
    vp_kernel_args_comment(&sb, plan);
    vp_strbuf_puts(&sb, "set -eu\n\nargs='");
    vp_kernel_args_join(&sb, plan);
    vp_strbuf_puts(
        &sb,
        "'\n\n"
        "# add_args FILE PREFIX: append the missing arguments to lines starting with PREFIX\n"
        "add_args() {\n"
        "    tmp=\"$1.vfioplan-new\"\n"
        "    awk -v args=\"$args\" -v prefix=\"$2\" '\n"
        "        function add(line,    n, i, a) {\n"
        "            n = split(args, a, \" \")\n"
        "            for (i = 1; i <= n; i++)\n"
        "                if (index(\" \" line \" \", \" \" a[i] \" \") == 0)\n"
        "                    line = line \" \" a[i]\n"
        "            return line\n"
        "        }\n"
        "        prefix == \"\" || index($0, prefix) == 1 { print prefix add(substr($0, length(prefix) + 1)); next }\n"
        "        { print }\n"
        "    ' \"$1\" > \"$tmp\"\n"
        "    if cmp -s \"$1\" \"$tmp\"; then\n"
        "        rm -f \"$tmp\"\n"
        "    else\n"
        "        chmod --reference=\"$1\" \"$tmp\" 2>/dev/null || true\n"
        "        mv \"$tmp\" \"$1\"\n"
        "        echo \"vfioplan: kernel arguments added to $1\"\n"
        "    fi\n"
        "}\n\n"
        "boot=$(bootctl --print-boot-path 2>/dev/null || true)\n"
        "for dir in \"$boot\" /boot /efi /boot/efi; do\n"
        "    if [ -z \"$dir\" ] || [ ! -d \"$dir/loader/entries\" ]; then\n"
        "        continue\n"
        "    fi\n"
        "    for entry in \"$dir\"/loader/entries/*.conf; do\n"
        "        [ -f \"$entry\" ] && add_args \"$entry\" 'options '\n"
        "    done\n"
        "done\n"
        "if [ -f /etc/kernel/cmdline ]; then\n"
        "    add_args /etc/kernel/cmdline ''\n"
        "fi\n"
        "exit 0\n");
    vp_artifact_add_buf(set, VP_PATH_SDBOOT_SCRIPT, 0755, &sb);
    return 0;
}
