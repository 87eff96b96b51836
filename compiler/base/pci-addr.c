/* SPDX-License-Identifier: MIT */
/* pci-addr.c: strict parsing and canonical formatting of PCI addresses and ids. */
#include <stdio.h>
#include <string.h>

#include "vfioplan/pci.h"

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads exactly min..max hex digits from *s; advances *s. */
static bool
read_hex(const char **s, unsigned min, unsigned max, unsigned long *out)
{
    unsigned long v = 0;
    unsigned n = 0;
    while (n < max && hexval((*s)[n]) >= 0) {
        v = v * 16 + (unsigned long)hexval((*s)[n]);
        n++;
    }
    if (n < min || hexval((*s)[n]) >= 0)
        return false;
    *s += n;
    *out = v;
    return true;
}

void
vp_pci_addr_format(const struct vp_pci_addr *a, char out[VP_PCI_ADDR_LEN])
{
    snprintf(out, VP_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->fn);
}

bool
vp_pci_addr_parse(const char *s, struct vp_pci_addr *a, bool *whole_slot)
{
    unsigned long dom, bus, dev, fn = 0;
    if (!read_hex(&s, 4, 8, &dom) || *s++ != ':')
        return false;
    if (!read_hex(&s, 2, 2, &bus) || *s++ != ':')
        return false;
    if (!read_hex(&s, 2, 2, &dev) || dev > 0x1f)
        return false;
    bool slot = false;
    if (*s == '.') {
        s++;
        if (!read_hex(&s, 1, 1, &fn) || fn > 7)
            return false;
    } else {
        slot = true;
    }
    if (*s != '\0' || (slot && !whole_slot))
        return false;
    a->domain = (uint32_t)dom;
    a->bus = (uint8_t)bus;
    a->dev = (uint8_t)dev;
    a->fn = (uint8_t)fn;
    if (whole_slot)
        *whole_slot = slot;
    return true;
}

int
vp_pci_addr_cmp(const struct vp_pci_addr *a, const struct vp_pci_addr *b)
{
    if (a->domain != b->domain)
        return a->domain < b->domain ? -1 : 1;
    if (a->bus != b->bus)
        return a->bus < b->bus ? -1 : 1;
    if (a->dev != b->dev)
        return a->dev < b->dev ? -1 : 1;
    if (a->fn != b->fn)
        return a->fn < b->fn ? -1 : 1;
    return 0;
}

bool
vp_pci_id_parse(const char *s, uint16_t *id)
{
    unsigned long v;
    if (strlen(s) != 4 || !read_hex(&s, 4, 4, &v))
        return false;
    *id = (uint16_t)v;
    return true;
}
