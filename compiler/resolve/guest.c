/* SPDX-License-Identifier: MIT */
/*
 * guest.c: what a VM's guest OS decides: the NVIDIA kernel modules that bind
 * to its GPUs (open from Turing on, proprietary before). What Windows setup
 * needs of the VM, and open modules asked for an older GPU, are rules
 * (rules-guest.c).
 */
#include "gpu-generation.h"
#include "resolve-internal.h"

long
vp_resolver_first_pre_turing_gpu(const struct vp_resolver *r, const struct vp_plan_vm *pvm)
{
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &r->host->devices[pvm->assigned[i].device];
        if (vp_device_is_nvidia_gpu(dev) && !vp_gpu_generation_of(dev->device)->open_modules)
            return (long)pvm->assigned[i].device;
    }
    return -1;
}

void
vp_resolve_guest(struct vp_resolver *r)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_nvidia *nv = &pvm->spec->guest.nvidia;
        if (nv->has_flavor)
            pvm->nvidia_flavor = nv->flavor;
        else
            pvm->nvidia_flavor = vp_resolver_first_pre_turing_gpu(r, pvm) >= 0 ? VP_NVIDIA_PROPRIETARY : VP_NVIDIA_OPEN;
    }
}
