/* SPDX-License-Identifier: MIT */
/* validators.c: whitelists for free-text spec values (see validators.h for the patterns). */
#include "validators.h"

#include <string.h>

#include "vfioplan/spec.h"

static bool
in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static bool
name_like(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !in_set(s[0], ALNUM))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!in_set(s[i], ALNUM "._-"))
            return false;
    return true;
}

bool
vp_valid_name(const char *s)
{
    return name_like(s, 64);
}

bool
vp_valid_ifname(const char *s)
{
    return name_like(s, 15);
}

bool
vp_valid_abs_path(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 1024 || s[0] != '/' || s[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!in_set(s[i], ALNUM "._+-/"))
            return false;
    /* Each component must be a real name: no empty, "." or ".." components. */
    const char *p = s;
    while (*p == '/') {
        const char *start = ++p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0 || (len == 1 && start[0] == '.') || (len == 2 && start[0] == '.' && start[1] == '.'))
            return false;
    }
    return true;
}

bool
vp_valid_mac(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (strlen(s) != 17)
        return false;
    for (size_t i = 0; i < 17; i++) {
        if (i % 3 == 2) {
            if (s[i] != ':')
                return false;
        } else if (!in_set(s[i], hex)) {
            return false;
        }
    }
    /* The first octet's low bit marks multicast; a NIC needs a unicast address. */
    unsigned first = (unsigned)(strchr(hex, s[1]) - hex);
    return (first & 1) == 0;
}

bool
vp_valid_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!in_set(s[i], "0123456789abcdef")) {
            return false;
        }
    }
    return true;
}

bool
vp_valid_driver_version(const char *s)
{
    /* 3 digits of branch, then up to two dot-separated groups of 1-3 digits. */
    size_t i = 0, groups = 0;
    for (;;) {
        size_t digits = 0;
        while (s[i] >= '0' && s[i] <= '9' && digits < 4)
            i++, digits++;
        if (digits == 0 || (groups == 0 && digits != 3) || digits > 3)
            return false;
        groups++;
        if (s[i] == '\0')
            return groups <= 3;
        if (s[i] != '.' || groups == 3)
            return false;
        i++;
    }
}

bool
vp_valid_kernel_arg(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 256 || !in_set(s[0], ALNUM "_"))
        return false;
    size_t i = 0;
    for (; i < n && s[i] != '='; i++)
        if (!in_set(s[i], ALNUM "_.-"))
            return false;
    if (i < n) /* the value after '=' */
        for (i++; i < n; i++)
            if (!in_set(s[i], ALNUM "_.,:/+@-"))
                return false;
    return true;
}

bool
vp_valid_module_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 55)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!in_set(s[i], "abcdefghijklmnopqrstuvwxyz0123456789_-"))
            return false;
    return true;
}

bool
vp_valid_api_version(const char *s)
{
    return strcmp(s, VP_API_VERSION) == 0;
}

const char *
vp_kernel_arg_boot_storage(const char *arg)
{
    /*
     * vfioplan puts its arguments on every kernel's command line and takes them
     * off when they leave the spec: one naming the root filesystem, the resume
     * device or the volumes under them would then break booting. They stay
     * where the installer put them.
     */
    static const struct {
        const char *name; /* exact name, or a prefix ending in '.' */
        const char *what;
    } names[] = {
        {"root", "the root filesystem"},
        {"rootflags", "the root filesystem's mount options"},
        {"rootfstype", "the root filesystem's type"},
        {"init", "the program the kernel starts from the root filesystem"},
        {"resume", "the resume (hibernation) device"},
        {"resume_offset", "the resume (hibernation) file"},
        {"noresume", "the resume (hibernation) device"},
        {"rd.lvm", "LVM volumes the initramfs activates"},
        {"rd.lvm.", "LVM volumes the initramfs activates"},
        {"rd.luks", "encrypted volumes the initramfs opens"},
        {"rd.luks.", "encrypted volumes the initramfs opens"},
        {"rd.md", "RAID arrays the initramfs assembles"},
        {"rd.md.", "RAID arrays the initramfs assembles"},
        {"rd.dm", "device-mapper volumes the initramfs sets up"},
        {"rd.dm.", "device-mapper volumes the initramfs sets up"},
        {"rd.root.", "the root filesystem"},
        {"cryptdevice", "the encrypted root device (mkinitcpio)"},
        {"cryptkey", "the encrypted root device's key (mkinitcpio)"},
    };
    size_t len = strcspn(arg, "=");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = strlen(names[i].name);
        bool prefix = names[i].name[n - 1] == '.';
        if (prefix ? strncmp(arg, names[i].name, n) == 0 : (len == n && strncmp(arg, names[i].name, n) == 0))
            return names[i].what;
    }
    return NULL;
}
