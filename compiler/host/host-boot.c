/* SPDX-License-Identifier: MIT */
/*
 * host-boot.c: the evidence of how the host boots, read from its tree:
 * GRUB's configuration and whether its grub-mkconfig reads
 * /etc/default/grub.d (Debian carries a patch for it; upstream GRUB, as on
 * Arch, does not), BootLoaderSpec entries and grubby, systemd-boot and its
 * entries or unified kernel images on an EFI system partition,
 * /etc/kernel/cmdline, ostree deployments, proxmox-boot-tool and
 * kernelstub. The resolver decides from these (resolve/boot.c); nothing here
 * guesses.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "host-internal.h"

/* Where EFI system partitions are mounted. */
static const char *const esp_dirs[] = {"boot", "efi", "boot/efi"};

/* True if dir holds an entry whose name starts with prefix and ends with suffix. */
static bool
dir_has(const struct vp_root *root, const char *dir, const char *prefix, const char *suffix)
{
    DIR *d = vp_root_opendir(root, dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        size_t n = strlen(e->d_name), s = strlen(suffix);
        found =
            e->d_name[0] != '.' && vp_startswith(e->d_name, prefix) && n >= s && strcmp(e->d_name + n - s, suffix) == 0;
    }
    closedir(d);
    return found;
}

static bool
any_exists(const struct vp_root *root, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (vp_root_exists(root, paths[i]))
            return true;
    return false;
}

/* The host's grub-mkconfig: 1 if it reads /etc/default/grub.d, 0 if not, -1 if there is none. */
static int
grub_mkconfig_reads_dropins(const struct vp_root *root)
{
    static const char *const scripts[] = {"usr/sbin/grub-mkconfig", "usr/bin/grub-mkconfig", "sbin/grub-mkconfig",
                                          "usr/sbin/grub2-mkconfig", "usr/bin/grub2-mkconfig"};
    for (size_t i = 0; i < VP_ARRAY_SIZE(scripts); i++) {
        int fd = vp_root_openat(root, scripts[i], O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
            continue;
        /* the script is about 10 KiB; the line that sources the drop-ins comes early */
        char buf[65536];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
            continue;
        buf[n] = '\0';
        return strstr(buf, "/default/grub.d/") != NULL;
    }
    return -1;
}

void
vp_host_read_boot(struct vp_host *host, const struct vp_root *root)
{
    unsigned f = 0;
#define FOUND(e) (f |= VP_BOOT_BIT(e))
    if (vp_root_exists(root, "boot/grub/grub.cfg"))
        FOUND(VP_BOOT_GRUB_CFG);
    if (vp_root_exists(root, "boot/grub2/grub.cfg"))
        FOUND(VP_BOOT_GRUB2_CFG);
    if (vp_root_exists(root, "etc/default/grub"))
        FOUND(VP_BOOT_GRUB_DEFAULT);
    int dropins = grub_mkconfig_reads_dropins(root);
    if (dropins >= 0)
        FOUND(VP_BOOT_GRUB_MKCONFIG);
    if (dropins > 0)
        FOUND(VP_BOOT_GRUB_DROPINS);
    static const char *const grubby[] = {"usr/sbin/grubby", "usr/bin/grubby", "sbin/grubby"};
    if (any_exists(root, grubby, VP_ARRAY_SIZE(grubby)))
        FOUND(VP_BOOT_GRUBBY);
    bool esp_entries = false, boot_entries = dir_has(root, "boot/loader/entries", "", ".conf");
    for (size_t i = 0; i < VP_ARRAY_SIZE(esp_dirs); i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "%s/EFI/systemd", esp_dirs[i]);
        bool sdboot = dir_has(root, rel, "systemd-boot", ".efi");
        snprintf(rel, sizeof(rel), "%s/loader/loader.conf", esp_dirs[i]);
        sdboot |= vp_root_exists(root, rel);
        if (sdboot)
            FOUND(VP_BOOT_SYSTEMD_BOOT);
        snprintf(rel, sizeof(rel), "%s/loader/entries", esp_dirs[i]);
        if (sdboot && dir_has(root, rel, "", ".conf"))
            esp_entries = true;
        snprintf(rel, sizeof(rel), "%s/EFI/Linux", esp_dirs[i]);
        if (dir_has(root, rel, "", ".efi"))
            FOUND(VP_BOOT_UKI);
    }
    if (esp_entries)
        FOUND(VP_BOOT_LOADER_ENTRIES);
    /* /boot/loader/entries without systemd-boot: BootLoaderSpec entries that GRUB reads (Fedora, RHEL) */
    if (boot_entries && !(f & VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT)))
        FOUND(VP_BOOT_BLS_ENTRIES);
    if (vp_root_exists(root, "etc/kernel/cmdline"))
        FOUND(VP_BOOT_KERNEL_CMDLINE);
    static const char *const ostree[] = {"run/ostree-booted", "ostree/deploy", "sysroot/ostree/deploy"};
    if (any_exists(root, ostree, VP_ARRAY_SIZE(ostree)))
        FOUND(VP_BOOT_OSTREE);
    if (vp_root_exists(root, "usr/bin/rpm-ostree"))
        FOUND(VP_BOOT_RPM_OSTREE);
    /* proxmox-boot-tool is installed on every Proxmox host; it manages the boot only once it has ESPs to keep */
    if (vp_root_exists(root, "usr/sbin/proxmox-boot-tool") && vp_root_exists(root, "etc/kernel/proxmox-boot-uuids"))
        FOUND(VP_BOOT_PROXMOX);
    if (vp_root_exists(root, "usr/bin/kernelstub") && vp_root_exists(root, "etc/kernelstub/configuration"))
        FOUND(VP_BOOT_KERNELSTUB);
#undef FOUND
    host->boot.known = true;
    host->boot.found = f;
}
