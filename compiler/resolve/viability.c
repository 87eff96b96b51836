/* SPDX-License-Identifier: MIT */
/*
 * viability.c: whether a function that no VM gets keeps its IOMMU group
 * from going to a VM. vfio lets a VM have a group once every other member
 * is bound to vfio-pci or pci-stub, or to no driver at all (bridges to
 * pcieport). The question is asked for the state after the reboot: a
 * function blocks if a driver holds it today, or if any installed kernel
 * has a driver whose alias matches its modalias (udev loads it, or it is
 * built in, and it claims the function at boot). A function no driver
 * matches (AMD's "PCIe Dummy Host Bridge" functions, class 0600, in a GPU's
 * group) stays unbound and the group can go to a VM. Where the host facts
 * cannot tell (no kernel, or a kernel whose modules.alias was not read),
 * the function blocks, as it did before.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>

#include "base/util.h"
#include "resolve-internal.h"

/* why is NULL when only the answer counts: a group of 45,000 asked once per VM formats nothing. */
static VP_PRINTF(3, 4) void say(char *why, size_t size, const char *fmt, ...)
{
    if (!why)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
}

bool
vp_member_blocks(const struct vp_host *h, size_t idx, char *why, size_t size)
{
    const struct vp_device *dev = &h->devices[idx];
    if (dev->driver) {
        say(why, size, "%s holds it today", dev->driver);
        return true;
    }
    if (dev->hw.vf_planned) {
        say(why, size, "a VF host.sriov creates: it gets its own driver at boot");
        return true;
    }
    if (h->n_kernels == 0) {
        say(why, size, "no driver today; the host facts list no installed kernel to tell which would claim it");
        return true;
    }
    char modalias[80];
    vp_device_modalias(dev, modalias, sizeof(modalias));
    for (size_t k = 0; k < h->n_kernels; k++) {
        const struct vp_kernel *kernel = &h->kernels[k];
        if (!kernel->drivers.known) {
            say(why, size,
                "no driver today; cannot tell which driver Linux %s would bind (its modules.alias was not read)",
                kernel->version);
            return true;
        }
        for (size_t a = 0; a < kernel->drivers.n_aliases; a++) {
            const struct vp_module_alias *al = &kernel->drivers.aliases[a];
            if (fnmatch(al->pattern, modalias, 0) == 0) {
                say(why, size, "no driver today, but %s (%s of Linux %s) claims it after the reboot", al->module,
                    al->builtin ? "built in" : "modules.alias", kernel->version);
                return true;
            }
        }
    }
    say(why, size, "no driver today, and no installed kernel has one for it: it stays unbound");
    return false;
}
