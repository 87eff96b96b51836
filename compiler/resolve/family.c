/* SPDX-License-Identifier: MIT */
/* family.c: the host's distribution family, and the bootloader and initramfs tool it implies. */
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

enum vp_family
vp_family_of(const struct vp_os_release *os)
{
    static const struct {
        const char *id;
        enum vp_family family;
    } ids[] = {
        {"debian", VP_FAMILY_DEBIAN},  {"ubuntu", VP_FAMILY_DEBIAN}, {"rhel", VP_FAMILY_RHEL},
        {"fedora", VP_FAMILY_RHEL},    {"centos", VP_FAMILY_RHEL},   {"rocky", VP_FAMILY_RHEL},
        {"almalinux", VP_FAMILY_RHEL}, {"ol", VP_FAMILY_RHEL},       {"arch", VP_FAMILY_ARCH},
    };
    for (size_t i = 0; i < VP_ARRAY_SIZE(ids); i++)
        if (vp_streq(os->id, ids[i].id))
            return ids[i].family;
    for (size_t i = 0; i < VP_ARRAY_SIZE(ids); i++)
        if (vp_has_word(os->id_like, ids[i].id))
            return ids[i].family;
    return VP_FAMILY_UNKNOWN;
}

const char *
vp_family_name(enum vp_family f)
{
    static const char *const vp_family_names[VP_FAMILY__COUNT] = {
        [VP_FAMILY_UNKNOWN] = "unknown",
        [VP_FAMILY_DEBIAN] = "Debian/Ubuntu",
        [VP_FAMILY_RHEL] = "RHEL/Fedora",
        [VP_FAMILY_ARCH] = "Arch",
    };
    return (unsigned)f < VP_FAMILY__COUNT ? vp_family_names[f] : "unknown";
}

/* The bootloader and initramfs tool: the spec's, or what the host shows (boot.c) and its family implies. */
void
vp_resolve_tools(struct vp_resolver *r)
{
    struct vp_plan *p = r->plan;
    const struct vp_spec *s = r->spec;
    p->family = vp_family_of(&r->host->os);
    p->initramfs = s->host.initramfs;
    static const enum vp_initramfs initramfs_of[VP_FAMILY__COUNT] = {
        [VP_FAMILY_UNKNOWN] = VP_INITRAMFS_AUTO,
        [VP_FAMILY_DEBIAN] = VP_INITRAMFS_TOOLS,
        [VP_FAMILY_RHEL] = VP_INITRAMFS_DRACUT,
        [VP_FAMILY_ARCH] = VP_INITRAMFS_MKINITCPIO,
    };
    vp_resolve_bootloader(r);
    if (p->initramfs == VP_INITRAMFS_AUTO)
        p->initramfs = p->bootloader == VP_BOOTLOADER_RPM_OSTREE ? VP_INITRAMFS_DRACUT : initramfs_of[p->family];
}
