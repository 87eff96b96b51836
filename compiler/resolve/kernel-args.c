/* SPDX-License-Identifier: MIT */
/*
 * kernel-args.c: the kernel command line passthrough needs, from the host
 * facts: intel_iommu=on on Intel (AMD's IOMMU is on by default), iommu=pt
 * when asked, vfio-pci.ids= where vfio-pci is built into a kernel (modprobe
 * options never reach a built-in module), what keeps a framebuffer off the
 * boot VGA when a VM gets it, the ACS override when asked, the huge pages
 * the VMs need, then the spec's own arguments. Each carries why it is
 * there, for the comments of the boot artifacts.
 */
#include <inttypes.h>
#include <stdio.h>

#include "base/sha256.h"
#include "base/strbuf.h"
#include "resolve-internal.h"

/*
 * The firmware's framebuffer sits in the boot VGA's BAR, and whatever drives
 * it keeps that memory: vfio-pci then cannot reserve the BAR ("BAR 0: can't
 * reserve") and the guest gets a GPU it cannot use. Before Linux 5.15 that
 * is efifb (UEFI) or vesafb (BIOS), which video=efifb:off / video=vesafb:off
 * turn off. From 5.15, drivers/firmware/sysfb.c's sysfb_init registers the
 * framebuffer as a device (a simple-framebuffer for simpledrm where the mode
 * allows, else efi-framebuffer or vesa-framebuffer), and video=efifb:off no
 * longer stops simpledrm; initcall_blacklist=sysfb_init keeps it from
 * registering any. The arguments are chosen for every installed kernel.
 */
static void
boot_vga_args(struct vp_resolver *r, struct vp_kernel_param *args, size_t *n)
{
    const struct vp_host *h = r->host;
    long vga = -1;
    for (size_t i = 0; i < h->n_devices && vga < 0; i++)
        if ((h->devices[i].roles & VP_ROLE_BIT(VP_ROLE_BOOT_VGA)) && r->owner_vm[i] >= 0)
            vga = (long)i;
    if (vga < 0)
        return;
    bool old = h->n_kernels == 0, sysfb = h->n_kernels == 0;
    for (size_t k = 0; k < h->n_kernels; k++) {
        unsigned major = 0, minor = 0;
        sscanf(h->kernels[k].version, "%u.%u", &major, &minor);
        if (major > 5 || (major == 5 && minor >= 15))
            sysfb = true;
        else
            old = true;
    }
    const char *addr = h->devices[vga].addr_str;
    if (old)
        args[(*n)++] = (struct vp_kernel_param){
            h->efi ? "video=efifb:off" : "video=vesafb:off",
            vp_arena_printf(r->arena, "the boot VGA %s goes to a VM: %s must not hold its BAR (Linux before 5.15)",
                            addr, h->efi ? "efifb" : "vesafb")};
    if (sysfb)
        args[(*n)++] = (struct vp_kernel_param){
            "initcall_blacklist=sysfb_init",
            vp_arena_printf(r->arena,
                            "the boot VGA %s goes to a VM: no framebuffer (simpledrm, efifb) may hold its BAR (Linux "
                            "5.15 and later)",
                            addr)};
}

bool
vp_plan_has_binding(const struct vp_plan *plan)
{
    return plan->n_vfio_ids > 0 || plan->n_bind_addresses > 0;
}

/*
 * The boot token names the binding (what vfio-pci claims, by id and by
 * address): the bind script binds only on a boot whose command line carries
 * it, so that one initramfs serves a boot entry of this configuration and
 * one of an earlier one (vfioplan try's fallback), and verify can tell a
 * boot that predates the configuration. 48 bits of SHA-256: a name, not a
 * secret.
 */
static const char *
boot_token(struct vp_resolver *r)
{
    const struct vp_plan *p = r->plan;
    struct vp_sha256 h;
    vp_sha256_init(&h);
    vp_sha256_add_str(&h, "vfioplan-binding-1");
    for (size_t i = 0; i < p->n_vfio_ids; i++)
        vp_sha256_add_str(&h, p->vfio_ids[i]);
    vp_sha256_add_str(&h, "|");
    for (size_t i = 0; i < p->n_bind_addresses; i++)
        vp_sha256_add_str(&h, p->bind_addresses[i]);
    char hex[VP_SHA256_HEX];
    vp_sha256_hex(&h, hex);
    return vp_arena_printf(r->arena, VP_BOOT_TOKEN_PREFIX "%.12s", hex);
}

enum vp_iommu_mode
vp_resolver_iommu_mode(const struct vp_resolver *r)
{
    static const enum vp_iommu_mode of_vendor[VP_CPU__COUNT] = {
        [VP_CPU_UNKNOWN] = VP_IOMMU_AUTO, [VP_CPU_INTEL] = VP_IOMMU_INTEL, [VP_CPU_AMD] = VP_IOMMU_AMD};
    enum vp_iommu_mode mode = r->spec->host.iommu.mode;
    if (mode == VP_IOMMU_AUTO && (unsigned)r->host->cpu_vendor < VP_CPU__COUNT)
        mode = of_vendor[r->host->cpu_vendor];
    return mode;
}

/*
 * Huge pages are reserved on the kernel command line, not later from sysfs:
 * at boot, before memory fragments, every page can still be had (1 GiB pages
 * reliably only then), on every distribution and on OpenShift, with nothing
 * more to install. The kernel spreads hugepages=N evenly over the NUMA nodes
 * that have memory. default_hugepagesz makes it the size /dev/hugepages (the
 * hugetlbfs libvirt uses) is mounted with.
 */
static size_t
hugepage_args(struct vp_resolver *r, struct vp_kernel_param *args)
{
    const struct vp_plan_memory *m = &r->plan->memory;
    if (!m->hugepages)
        return 0;
    const char *size = vp_hugepage_size_name(m->hugepage_size);
    struct vp_strbuf who = {0};
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        if (pvm->res.hugepages && pvm->res.hugepage_size == m->hugepage_size)
            vp_strbuf_printf(&who, "%s%s: %" PRIu64, who.len ? ", " : "", pvm->spec->name, pvm->res.n_hugepages);
    }
    args[0] = (struct vp_kernel_param){
        vp_arena_printf(r->arena, "default_hugepagesz=%s", size),
        "the huge page size of /dev/hugepages, where libvirt backs the VMs' memory (vms[].hugepages)"};
    args[1] = (struct vp_kernel_param){vp_arena_printf(r->arena, "hugepagesz=%s", size),
                                       "the size of the pages reserved next"};
    if (m->per_node) {
        /* The VMs' cells are bound to their nodes (strict): the even spread would leave some node short. */
        struct vp_strbuf nodes = {0};
        for (size_t i = 0; i < m->n_node_hugepages; i++)
            vp_strbuf_printf(&nodes, "%s%u:%" PRIu64, i ? "," : "", r->host->cpus.nodes[i].id, m->node_hugepages[i]);
        args[2] = (struct vp_kernel_param){
            vp_arena_printf(r->arena, "hugepages=%s", nodes.data),
            vp_arena_printf(r->arena,
                            "reserve them at boot, before memory fragments (%s), node:count on each NUMA node the "
                            "VMs' cells are bound to (Linux 5.16 and later)",
                            who.data)};
        vp_strbuf_free(&nodes);
        vp_strbuf_free(&who);
        return 3;
    }
    args[2] = (struct vp_kernel_param){
        vp_arena_printf(r->arena, "hugepages=%" PRIu64, m->n_hugepages),
        vp_arena_printf(r->arena,
                        "reserve them at boot, before memory fragments (%s); the kernel spreads them evenly over "
                        "the NUMA nodes",
                        who.data)};
    vp_strbuf_free(&who);
    return 3;
}

void
vp_resolve_kernel_args(struct vp_resolver *r)
{
    const struct vp_spec *s = r->spec;
    /* 3 fixed, 2 for the boot VGA, the ACS override, 3 for huge pages, the boot token, then the spec's */
    size_t max = 10 + s->host.n_kernel_args;
    struct vp_kernel_param *args = vp_arena_alloc(r->arena, max * sizeof(*args));
    size_t n = 0;
    if (vp_resolver_iommu_mode(r) == VP_IOMMU_INTEL)
        args[n++] = (struct vp_kernel_param){"intel_iommu=on", "turn on the Intel IOMMU (VT-d), which vfio needs"};
    if (s->host.iommu.passthrough)
        args[n++] =
            (struct vp_kernel_param){"iommu=pt", "host devices bypass IOMMU translation (host.iommu.passthrough)"};
    if (r->plan->vfio_pci_builtin && r->plan->n_vfio_ids > 0) {
        struct vp_strbuf sb = {0};
        vp_strbuf_puts(&sb, "vfio-pci.ids=");
        for (size_t i = 0; i < r->plan->n_vfio_ids; i++)
            vp_strbuf_printf(&sb, "%s%s", i ? "," : "", r->plan->vfio_ids[i]);
        args[n++] =
            (struct vp_kernel_param){vp_arena_strdup(r->arena, sb.data),
                                     "vfio-pci is built into a kernel here: modprobe.d options cannot reach it"};
        vp_strbuf_free(&sb);
    }
    boot_vga_args(r, args, &n);
    if (s->host.acs_override)
        args[n++] = (struct vp_kernel_param){"pcie_acs_override=downstream,multifunction",
                                             "split IOMMU groups the hardware does not isolate (host.acs_override)"};
    n += hugepage_args(r, args + n);
    for (size_t i = 0; i < s->host.n_kernel_args; i++)
        args[n++] = (struct vp_kernel_param){s->host.kernel_args[i].value, "from the spec (host.kernel_args)"};
    if (vp_plan_has_binding(r->plan)) {
        r->plan->boot_token = boot_token(r);
        args[n++] = (struct vp_kernel_param){
            r->plan->boot_token, "the binding acts only on a boot with this token (vfioplan verify checks it)"};
    }
    r->plan->kernel_args = args;
    r->plan->n_kernel_args = n;
}
