/* SPDX-License-Identifier: MIT */
/* rules-guest.c: the rules on what a VM's guest needs: UEFI for large BARs, an NVIDIA GPU for the guest script. */
#include "resolve-internal.h"

void
vp_rule_large_bar_bios(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (pvm->mmio64_mib && v->firmware.type == VP_FIRMWARE_BIOS) {
            vp_rule_report(
                r, code, &v->pos,
                "VM '%s' needs a %llu MiB 64-bit MMIO window for its devices' BARs, which SeaBIOS cannot map", v->name,
                (unsigned long long)pvm->mmio64_mib);
            vp_hint(r->d, "use firmware: {type: uefi}");
        }
    }
}

void
vp_rule_guest_no_gpu(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (v->has_guest && pvm->nvidia_gpus == 0) {
            vp_rule_report(r, code, &v->pos,
                           "VM '%s' has a guest section but no NVIDIA GPU; no guest setup script is written", v->name);
            vp_hint(r->d, "remove guest:, or assign the GPU");
        }
    }
}

void
vp_rule_secure_boot_nvidia(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (v->has_guest && pvm->nvidia_gpus > 0 && v->firmware.secure_boot) {
            vp_rule_report(
                r, code, &v->pos,
                "VM '%s' boots with Secure Boot on; the NVIDIA module the guest script builds is unsigned and will not load",
                v->name);
            vp_hint(r->d, "set firmware: {secure_boot: false}, or enroll a MOK and sign the module in the guest");
        }
    }
}
