/* SPDX-License-Identifier: MIT */
/*
 * systemd-boot.c: the kernel command line for systemd-boot. Its entries
 * (loader/entries/NAME.conf) and /etc/kernel/cmdline belong to the admin,
 * kernel-install and the UKI builders (mkinitcpio, ukify, which build
 * /etc/kernel/cmdline into each unified kernel image), so vfioplan writes a
 * small script that adds each argument once to their "options" lines and to
 * /etc/kernel/cmdline, and apply runs it before the initramfs action that
 * rebuilds the images. With --remove it takes off the arguments vfioplan
 * added that the spec dropped (etc/vfioplan/kernel-args tells which); the
 * distribution's are never touched. Proxmox's /etc/kernel/cmdline is
 * written by the same script (proxmox.c).
 */
#include <stdlib.h>

#include "base/util.h"
#include "emit-internal.h"
#include "kernel-args-doc.h"

void
vp_emit_cmdline_script(const struct vp_plan *plan, const struct vp_kargs_change *change, struct vp_artifact_set *set,
                       const char *why)
{
    static const char *const triggers[] = {VP_PATH_KERNEL_ARGS, VP_PATH_SDBOOT_SCRIPT, NULL};
    if (change->n_removed) {
        const char **argv = vp_xcalloc(change->n_removed + 3, sizeof(*argv));
        argv[0] = "/" VP_PATH_SDBOOT_SCRIPT;
        argv[1] = "--remove";
        for (size_t i = 0; i < change->n_removed; i++)
            argv[i + 2] = change->removed[i];
        vp_action_add(set, VP_STAGE_BOOTLOADER_REMOVE,
                      "remove the kernel arguments vfioplan added that the spec no longer wants", argv, triggers);
        free(argv);
    }
    if (plan->n_kernel_args == 0 && change->n_removed == 0)
        return;
    static const char *const argv[] = {"/" VP_PATH_SDBOOT_SCRIPT, NULL};
    if (plan->n_kernel_args)
        vp_action_add(set, VP_STAGE_BOOTLOADER, why, argv, triggers);
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, "#!/bin/sh\n");
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb, "#\n"
                        "# Adds the kernel arguments below, each once, to the \"options\" line of every\n"
                        "# systemd-boot entry and to /etc/kernel/cmdline (which kernel-install,\n"
                        "# mkinitcpio and ukify build into new entries and unified kernel images).\n"
                        "# With --remove ARG..., takes those arguments off instead. Run by\n"
                        "# 'vfioplan apply'; safe to run again.\n");
    vp_kernel_args_comment(&sb, plan);
    vp_strbuf_puts(&sb, "set -eu\n\nargs='");
    vp_kernel_args_join(&sb, plan);
    vp_strbuf_puts(
        &sb,
        "'\n"
        "mode=add\n"
        "if [ \"${1:-}\" = --remove ]; then\n"
        "    shift\n"
        "    mode=remove\n"
        "    args=\"$*\"\n"
        "fi\n\n"
        "# edit FILE PREFIX: add the missing arguments to, or remove them from, lines starting with PREFIX\n"
        "edit() {\n"
        "    tmp=\"$1.vfioplan-new\"\n"
        "    awk -v args=\"$args\" -v prefix=\"$2\" -v mode=\"$mode\" '\n"
        "        function edit(line,    n, i, j, k, a, w, out, drop) {\n"
        "            n = split(args, a, \" \")\n"
        "            if (mode == \"add\") {\n"
        "                for (i = 1; i <= n; i++)\n"
        "                    if (index(\" \" line \" \", \" \" a[i] \" \") == 0)\n"
        "                        line = line \" \" a[i]\n"
        "                return line\n"
        "            }\n"
        "            k = split(line, w, \" \")\n"
        "            out = \"\"\n"
        "            for (j = 1; j <= k; j++) {\n"
        "                drop = 0\n"
        "                for (i = 1; i <= n; i++)\n"
        "                    if (w[j] == a[i])\n"
        "                        drop = 1\n"
        "                if (!drop)\n"
        "                    out = out (out == \"\" ? \"\" : \" \") w[j]\n"
        "            }\n"
        "            return out\n"
        "        }\n"
        "        prefix == \"\" || index($0, prefix) == 1 { print prefix edit(substr($0, length(prefix) + 1)); next }\n"
        "        { print }\n"
        "    ' \"$1\" > \"$tmp\"\n"
        "    if cmp -s \"$1\" \"$tmp\"; then\n"
        "        rm -f \"$tmp\"\n"
        "    else\n"
        "        chmod --reference=\"$1\" \"$tmp\" 2>/dev/null || true\n"
        "        mv \"$tmp\" \"$1\"\n"
        "        if [ \"$mode\" = add ]; then\n"
        "            echo \"vfioplan: kernel arguments added to $1\"\n"
        "        else\n"
        "            echo \"vfioplan: kernel arguments removed from $1\"\n"
        "        fi\n"
        "    fi\n"
        "}\n\n"
        "boot=$(bootctl --print-boot-path 2>/dev/null || true)\n"
        "for dir in \"$boot\" /boot /efi /boot/efi; do\n"
        "    if [ -z \"$dir\" ] || [ ! -d \"$dir/loader/entries\" ]; then\n"
        "        continue\n"
        "    fi\n"
        "    for entry in \"$dir\"/loader/entries/*.conf; do\n"
        "        [ -f \"$entry\" ] && edit \"$entry\" 'options '\n"
        "    done\n"
        "done\n"
        "if [ -f /etc/kernel/cmdline ]; then\n"
        "    edit /etc/kernel/cmdline ''\n"
        "fi\n"
        "exit 0\n");
    vp_artifact_add_buf(set, VP_PATH_SDBOOT_SCRIPT, 0755, &sb);
}

int
vp_emit_systemd_boot(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                     struct vp_diags *d)
{
    (void)d;
    struct vp_kargs_change change;
    vp_emit_kernel_args_record(plan, previous, set, "systemd-boot", &change);
    vp_emit_cmdline_script(plan, &change, set,
                           "add the kernel arguments to the systemd-boot entries and /etc/kernel/cmdline");
    vp_kargs_change_free(&change);
    return 0;
}
