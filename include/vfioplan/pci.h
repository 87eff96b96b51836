/* SPDX-License-Identifier: MIT */
/* pci.h: PCI addresses and ids as vfioplan writes and reads them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* domain:bus:device.function; domains past 0xffff exist (Intel VMD uses 10000). */
struct vp_pci_addr {
    uint32_t domain;
    uint8_t bus;
    uint8_t dev;
    uint8_t fn;
};

/* Longest "dddddddd:bb:dd.f" plus NUL. */
#define VP_PCI_ADDR_LEN 18

/* Canonical text: at least 4 domain digits, lower-case hex ("0000:41:00.0", "10000:00:05.0"). */
void vp_pci_addr_format(const struct vp_pci_addr *a, char out[VP_PCI_ADDR_LEN]);
/* Parses "DDDD:BB:DD.F" (slot_only: also "DDDD:BB:DD", setting *whole_slot). Strict: no spaces, no short forms. */
bool vp_pci_addr_parse(const char *s, struct vp_pci_addr *a, bool *whole_slot);
int vp_pci_addr_cmp(const struct vp_pci_addr *a, const struct vp_pci_addr *b);
static inline bool
vp_pci_same_slot(const struct vp_pci_addr *a, const struct vp_pci_addr *b)
{
    return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}
/* Exactly four hex digits ("10de"); case-insensitive. */
bool vp_pci_id_parse(const char *s, uint16_t *id);

/* PCI classes vfioplan treats specially (base class << 8 | subclass). */
enum {
    VP_CLASS_VGA = 0x0300,
    VP_CLASS_AUDIO_HDA = 0x0403,
    VP_CLASS_BRIDGE_HOST = 0x0600,
    VP_CLASS_BRIDGE_PCI = 0x0604,
    VP_CLASS_BRIDGE_OTHER = 0x0680,
};
