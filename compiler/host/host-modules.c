/* SPDX-License-Identifier: MIT */
/*
 * host-modules.c: which kernel module each bound driver lives in, read once
 * per driver from sys/bus/pci/drivers/NAME/module (a built-in driver has
 * the link only if it has parameters). softdep lines name modules, and
 * drivers are often named otherwise (xhci_hcd is in xhci_pci, nvidia-gpu in
 * i2c_nvidia_gpu); a softdep on a built-in module is harmless.
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

void
vp_host_read_driver_modules(struct vp_host *host, const struct vp_root *root)
{
    const char *seen[256];
    const char *module_of[256];
    size_t n = 0;
    for (size_t i = 0; i < host->n_devices; i++) {
        struct vp_device *dev = &host->devices[i];
        if (!dev->driver || strchr(dev->driver, '/'))
            continue;
        size_t k = 0;
        while (k < n && strcmp(seen[k], dev->driver) != 0)
            k++;
        if (k == n) {
            char rel[300], target[512];
            snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", dev->driver);
            const char *module = NULL;
            if (vp_root_readlink(root, rel, target, sizeof(target)) > 0) {
                const char *base = strrchr(target, '/');
                module = vp_arena_strdup(vp_host_arena(host), base ? base + 1 : target);
            }
            if (n == VP_ARRAY_SIZE(seen)) { /* more drivers than any host has: no cache */
                dev->driver_module = module;
                continue;
            }
            seen[n] = dev->driver;
            module_of[n++] = module;
        }
        dev->driver_module = module_of[k];
    }
}
