/* SPDX-License-Identifier: MIT */
/*
 * rules-host.c: the rules on the host: a distribution whose tools vfioplan
 * can tell, extra kernel arguments that do not undo passthrough, a CPU
 * vendor that says which IOMMU, the ACS override's cost, the IOMMU off.
 */
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

void
vp_rule_unknown_distro(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_plan *p = r->plan;
    /* the tools pass leaves auto where the family does not tell (the boot files' verdict is VP3021's) */
    if ((p->bootloader != VP_BOOTLOADER_AUTO || p->boot.conflict) && p->initramfs != VP_INITRAMFS_AUTO)
        return;
    vp_rule_report(r, code, &r->spec->host_pos,
                   "cannot tell the bootloader and initramfs tool of host '%s' (os-release ID '%s')",
                   r->spec->host.name ? r->spec->host.name : "", r->host->os.id ? r->host->os.id : "none");
    vp_hint(
        r->d,
        "set host.bootloader (grub, grubby, systemd-boot) and host.initramfs (initramfs-tools, dracut, mkinitcpio)");
}

/* Kernel arguments that would undo what vfioplan sets up. */
void
vp_rule_kernel_arg_conflict(struct vp_resolver *r, enum vp_code code)
{
    static const struct {
        const char *arg;
        const char *why;
    } conflicts[] = {
        {"intel_iommu=off", "turns the Intel IOMMU off"},
        {"amd_iommu=off", "turns the AMD IOMMU off"},
        {"iommu=off", "turns the IOMMU off"},
        {"vfio-pci.ids", "is set by vfioplan from the devices"},
        {"vfio_pci.ids", "is set by vfioplan from the devices"},
        {"pcie_acs_override", "is set by host.acs_override"},
        {"module_blacklist", "can remove drivers the host's own devices need; vfioplan uses softdeps instead"},
        {"modprobe.blacklist", "can remove drivers the host's own devices need; vfioplan uses softdeps instead"},
    };
    const struct vp_host_spec *h = &r->spec->host;
    for (size_t i = 0; i < h->n_kernel_args; i++) {
        const struct vp_kernel_arg *k = &h->kernel_args[i];
        for (size_t c = 0; c < VP_ARRAY_SIZE(conflicts); c++) {
            const char *a = conflicts[c].arg;
            size_t n = strlen(a);
            bool hit = strchr(a, '=') ? strcmp(k->value, a) == 0
                                      : (strncmp(k->value, a, n) == 0 && (k->value[n] == '=' || !k->value[n]));
            if (hit) {
                vp_rule_report(r, code, &k->pos, "kernel argument '%s' %s", k->value, conflicts[c].why);
                vp_hint(r->d, "remove it from host.kernel_args");
            }
        }
        /* vfioplan reserves what the VMs' huge pages need; a second reservation would replace or add to it */
        static const char *const hugepage_args[] = {"hugepages=", "hugepagesz=", "default_hugepagesz="};
        for (size_t c = 0; r->plan->memory.hugepages && c < VP_ARRAY_SIZE(hugepage_args); c++) {
            if (vp_startswith(k->value, hugepage_args[c])) {
                vp_rule_report(r, code, &k->pos, "kernel argument '%s' is set by vfioplan from vms[].hugepages",
                               k->value);
                vp_hint(r->d, "remove it from host.kernel_args: vfioplan reserves the pages every VM with hugepages "
                              "needs");
            }
        }
    }
}

void
vp_rule_kernel_arg_twice(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host_spec *h = &r->spec->host;
    for (size_t i = 0; i < h->n_kernel_args; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(h->kernel_args[j].value, h->kernel_args[i].value) == 0) {
                vp_rule_report(r, code, &h->kernel_args[i].pos, "kernel argument '%s' is listed twice",
                               h->kernel_args[i].value);
                vp_hint(r->d, "remove one of them");
            }
        }
    }
}

void
vp_rule_unknown_cpu(struct vp_resolver *r, enum vp_code code)
{
    if (vp_resolver_iommu_mode(r) != VP_IOMMU_AUTO)
        return;
    vp_rule_report(r, code, &r->spec->host_pos,
                   "the CPU vendor of host %s is unknown (neither Intel nor AMD): no IOMMU argument is added",
                   r->spec->host.name);
    vp_hint(r->d, "set host.iommu.mode to intel or amd");
}

void
vp_rule_acs_override(struct vp_resolver *r, enum vp_code code)
{
    if (!r->spec->host.acs_override)
        return;
    vp_rule_report(r, code, &r->spec->host.acs_override_pos,
                   "pcie_acs_override splits IOMMU groups the hardware does not isolate");
    vp_note(
        r->d,
        "devices in a split group can still reach each other by peer-to-peer DMA; a VM could read or write host memory through them");
    const struct vp_host *h = r->host;
    if (r->plan->acs_override_planned) {
        size_t split = 0;
        for (size_t i = 0; i < h->n_groups; i++)
            split += h->groups[i].split;
        vp_note(r->d,
                "the plan is checked against the groups the override gives (downstream ports and multifunction "
                "devices isolated, as the patch does): %zu function%s get%s a group of %s own",
                split, split == 1 ? "" : "s", split == 1 ? "s" : "", split == 1 ? "its" : "their");
    } else if (strstr(h->cmdline, "pcie_acs_override=")) {
        vp_note(r->d, "the override is on the running command line: the plan is checked against today's groups");
        /* a patched kernel would have split them: this one does not have the patch */
        for (size_t gi = 0; gi < h->n_groups; gi++) {
            const struct vp_group *g = &h->groups[gi];
            size_t k = 0;
            while (g->n_members > 1 && k < g->n_members && !vp_acs_override_isolates(h, g->members[k]))
                k++;
            if (g->n_members > 1 && k < g->n_members) {
                vp_note(r->d,
                        "yet IOMMU group %ld still holds %s with others: the running kernel does not have the ACS "
                        "override patch",
                        g->id, h->devices[g->members[k]].addr_str);
                break;
            }
        }
    }
    vp_hint(
        r->d,
        "it needs a kernel with the ACS override patch (stock Debian, Ubuntu and RHEL kernels do not have it); prefer a slot with real ACS");
}

/* The IOMMU must be on after the reboot; say so now if it is off today. */
void
vp_rule_iommu_off(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    if (h->n_groups > 0)
        return;
    bool off = vp_has_word(h->cmdline, "intel_iommu=off") || vp_has_word(h->cmdline, "amd_iommu=off") ||
               vp_has_word(h->cmdline, "iommu=off");
    vp_rule_report(r, code, &r->spec->host_pos, "the IOMMU is off on host %s today (no IOMMU groups%s)",
                   r->spec->host.name ? r->spec->host.name : "", off ? "; the kernel command line turns it off" : "");
    vp_note(r->d, "IOMMU-group closure cannot be checked until the host runs with the IOMMU on");
    vp_hint(
        r->d,
        "apply, reboot, then run 'vfioplan check' again; if groups are still missing, turn on VT-d / AMD-Vi (IOMMU) in the firmware setup");
}
