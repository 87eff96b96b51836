/* SPDX-License-Identifier: MIT */
/*
 * cmd-scan.c: `vfioplan scan`: what the field guide's shell loop prints (one
 * lspci per device in /sys/kernel/iommu_groups), from one pass over the PCI
 * tree, with drivers and a verdict per group: can it go to a VM whole?
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-out.h"

/* Why a group cannot be passed through, or NULL if it can. */
static const char *
group_verdict(const struct vp_host *h, const struct vp_group *g, char *buf, size_t size)
{
    size_t endpoints = 0, unclaimed = 0;
    for (size_t k = 0; k < g->n_members; k++) {
        const struct vp_device *dev = &h->devices[g->members[k]];
        if (vp_device_is_bridge(dev))
            continue;
        if (dev->roles & VP_ROLE_BIT(VP_ROLE_BOOT_VGA))
            return snprintf(buf, size, "%s is the host's boot VGA", dev->addr_str), buf;
        if (dev->roles & VP_ROLE_BIT(VP_ROLE_ROOT_STORAGE))
            return snprintf(buf, size, "%s holds the host's root filesystem", dev->addr_str), buf;
        if (dev->roles & VP_ROLE_BIT(VP_ROLE_DEFAULT_ROUTE))
            return snprintf(buf, size, "%s carries the host's default route", dev->addr_str), buf;
        unsigned base = dev->class_code >> 16, cls = vp_device_class16(dev);
        /* Host, ISA and other chipset bridges, memory controllers and system
         * peripherals (IOMMU, RAS, uncore) are the platform itself; one that no
         * driver holds or will (AMD's dummy host bridges) stays unbound beside
         * whatever the group gives a VM. */
        if ((base == 0x06 && cls != VP_CLASS_BRIDGE_OTHER) || base == 0x05 || base == 0x08) {
            char why[200];
            if (vp_member_blocks(h, g->members[k], why, sizeof(why)))
                return snprintf(buf, size, "%s [%04x] is part of the platform", dev->addr_str, cls), buf;
            unclaimed++;
            continue;
        }
        endpoints++;
    }
    if (endpoints == 0)
        return snprintf(buf, size, "%s, nothing to pass through",
                        unclaimed ? "only bridges and platform functions no driver claims" : "only bridges"),
               buf;
    return NULL;
}

static void
print_device(const struct vp_device *dev)
{
    /* driver and name come from the host: a driver link named with escapes must not reach the terminal */
    vp_print_safe(stdout, "  %s [%04x] %04x:%04x %-14s %s%s\n", dev->addr_str, vp_device_class16(dev), dev->vendor,
                  dev->device, dev->driver ? dev->driver : "-", dev->name ? dev->name : "",
                  vp_device_is_bridge(dev) ? " (bridge: stays with the host)" : "");
}

static void
scan_text(const struct vp_host *h)
{
    for (size_t i = 0; i < h->n_groups; i++) {
        const struct vp_group *g = &h->groups[i];
        char why[160];
        const char *no = group_verdict(h, g, why, sizeof(why));
        vp_print_safe(stdout, "IOMMU group %ld: %s%s\n", g->id, no ? "no: " : "can be passed through whole",
                      no ? no : "");
        for (size_t k = 0; k < g->n_members; k++)
            print_device(&h->devices[g->members[k]]);
    }
    size_t ungrouped = 0;
    for (size_t i = 0; i < h->n_devices; i++)
        ungrouped += h->devices[i].iommu_group < 0;
    if (ungrouped) {
        printf("No IOMMU group (%zu function%s)%s\n", ungrouped, ungrouped == 1 ? "" : "s",
               h->n_groups ? "" : ": the IOMMU is off; nothing can be passed through until it is on");
        for (size_t i = 0; i < h->n_devices; i++)
            if (h->devices[i].iommu_group < 0)
                print_device(&h->devices[i]);
    }
}

static void
scan_json(struct json_object *doc, const struct vp_host *h)
{
    struct json_object *groups = json_object_new_array();
    for (size_t i = 0; i < h->n_groups; i++) {
        const struct vp_group *g = &h->groups[i];
        char why[160];
        const char *no = group_verdict(h, g, why, sizeof(why));
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int64(g->id));
        json_object_object_add(o, "viable", json_object_new_boolean(no == NULL));
        json_object_object_add(o, "reason", no ? vp_json_string(no, strlen(no), NULL) : NULL);
        struct json_object *devs = json_object_new_array();
        for (size_t k = 0; k < g->n_members; k++)
            json_object_array_add(devs, vp_json_device(&h->devices[g->members[k]]));
        json_object_object_add(o, "devices", devs);
        json_object_array_add(groups, o);
    }
    json_object_object_add(doc, "groups", groups);
    struct json_object *ungrouped = json_object_new_array();
    for (size_t i = 0; i < h->n_devices; i++)
        if (h->devices[i].iommu_group < 0)
            json_object_array_add(ungrouped, vp_json_device(&h->devices[i]));
    json_object_object_add(doc, "ungrouped", ungrouped);
}

int
vp_cmd_scan(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("scan"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_compile c = {0};
    c.host = vp_host_load(opt.host, VP_HOST_NAMES, &c.diags);
    int rc = vp_cli_report(&c, &opt);
    if (opt.format == VP_FORMAT_JSON) {
        struct json_object *doc = vp_json_begin("scan");
        if (c.host)
            scan_json(doc, c.host);
        vp_json_finish(doc, &c.diags, rc);
    } else if (c.host) {
        scan_text(c.host);
    }
    vp_compile_free(&c);
    return rc;
}
