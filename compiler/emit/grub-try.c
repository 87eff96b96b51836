/* SPDX-License-Identifier: MIT */
/*
 * grub-try.c: the boot entry of `vfioplan try` for Debian's GRUB, a
 * /etc/grub.d script that grub-mkconfig (update-grub) runs after 10_linux.
 * It adds one menuentry, --id vfioplan-try, which grub-reboot selects for
 * one boot: GRUB's 00_header takes next_entry as the default for that boot
 * and clears it before the kernel loads, whatever GRUB_DEFAULT says, so a
 * hang, a panic or a power cycle boots the default entry again. The
 * default entry keeps the current generation's command line (vfioplan's
 * drop-in is not changed by a try); this entry's is the distribution's,
 * read again from /etc/default/grub and its drop-ins without vfioplan's,
 * plus the kernel arguments tried, the boot token among them. It boots the
 * newest kernel with its own initrd, the one the default entry also uses:
 * the binding in it acts only on a boot with the token.
 */
#include "emit-internal.h"

void
vp_emit_grub_try(const struct vp_plan *plan, const char *const *extra, struct vp_artifact_set *set)
{
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, "#!/bin/sh\n");
    vp_emit_hash_header(&sb, plan);
    vp_strbuf_puts(&sb,
                   "#\n"
                   "# The boot entry of 'vfioplan try' (--id " VP_GRUB_TRY_ID "): 'grub-reboot " VP_GRUB_TRY_ID "'\n"
                   "# boots it once; GRUB clears that before the kernel loads, so any later boot\n"
                   "# is the default entry's again. 'vfioplan try --confirm' or '--cancel' (or the\n"
                   "# boot unit's 'vfioplan try --finish') removes this file.\n"
                   "# Its command line: the distribution's (/etc/default/grub and its grub.d\n"
                   "# drop-ins other than vfioplan's), then the kernel arguments tried.\n"
                   "# VFIOPLAN_ROOT: a test's stand-in root; empty on a host.\n"
                   "set -e\n"
                   "# shellcheck source=/dev/null\n"
                   ". \"${pkgdatadir:-/usr/share/grub}/grub-mkconfig_lib\"\n"
                   "root=\"${VFIOPLAN_ROOT:-}\"\n"
                   "\n");
    vp_strbuf_puts(&sb, "tried='");
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        vp_strbuf_printf(&sb, "%s%s", i ? " " : "", plan->kernel_args[i].value); /* validated: no quote in them */
    for (size_t i = 0; extra && extra[i]; i++)
        vp_strbuf_printf(&sb, "%s%s", plan->n_kernel_args || i ? " " : "", extra[i]);
    vp_strbuf_puts(
        &sb,
        "'\n"
        "\n"
        "kernels=\n"
        "for k in \"$root\"/boot/vmlinuz-*; do\n"
        "    if [ -f \"$k\" ]; then kernels=\"$kernels ${k#\"$root\"}\"; fi\n"
        "done\n"
        "if [ -z \"$kernels\" ]; then\n"
        "    echo \"vfioplan try: no /boot/vmlinuz-* to boot the tried configuration with\" >&2\n"
        "    exit 1\n"
        "fi\n"
        "# shellcheck disable=SC2086 # a list of paths without spaces\n"
        "kernel=$(version_find_latest $kernels)\n"
        "version=${kernel#/boot/vmlinuz-}\n"
        "\n"
        "# the command line without vfioplan's drop-in, whose arguments are the current generation's\n"
        "cmdline=$(\n"
        "    GRUB_CMDLINE_LINUX=\n"
        "    GRUB_CMDLINE_LINUX_DEFAULT=\n"
        "    # shellcheck source=/dev/null\n"
        "    if [ -f \"$root/etc/default/grub\" ]; then . \"$root/etc/default/grub\"; fi\n"
        "    for cfg in \"$root\"/etc/default/grub.d/*.cfg; do\n"
        "        # shellcheck source=/dev/null\n"
        "        if [ -f \"$cfg\" ] && [ \"${cfg##*/}\" != vfioplan.cfg ]; then . \"$cfg\"; fi\n"
        "    done\n"
        "    echo \"$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT\"\n"
        ")\n"
        "if [ -n \"$GRUB_DEVICE_UUID\" ] && [ \"$GRUB_DISABLE_LINUX_UUID\" != true ]; then\n"
        "    linux_root=\"UUID=$GRUB_DEVICE_UUID\"\n"
        "else\n"
        "    linux_root=\"$GRUB_DEVICE\"\n"
        "fi\n"
        "boot_dir=$(make_system_path_relative_to_its_root /boot)\n"
        "title=$(echo \"${GRUB_DISTRIBUTOR:-GNU/Linux}, with Linux $version (vfioplan try)\" | grub_quote)\n"
        "\n"
        "echo \"Found the entry of vfioplan try: /boot/vmlinuz-$version\" >&2\n"
        "echo \"menuentry '$title' --class gnu-linux --class os --id " VP_GRUB_TRY_ID " {\"\n"
        "prepare_grub_to_access_device \"$GRUB_DEVICE_BOOT\" | sed 's/^/\\t/'\n"
        "set -f\n"
        "# shellcheck disable=SC2086 # the words of both, one space between them\n"
        "set -- $cmdline $tried\n"
        "args=\"$*\"\n"
        "set +f\n"
        "printf '\\tlinux\\t%s/vmlinuz-%s root=%s ro %s\\n' \"${boot_dir%/}\" \"$version\" \"$linux_root\" \"$args\"\n"
        "if [ -f \"$root/boot/initrd.img-$version\" ]; then\n"
        "    printf '\\tinitrd\\t%s/initrd.img-%s\\n' \"${boot_dir%/}\" \"$version\"\n"
        "fi\n"
        "echo '}'\n");
    vp_artifact_add_buf(set, VP_PATH_GRUB_TRY, 0755, &sb);
}
