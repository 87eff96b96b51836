/* SPDX-License-Identifier: MIT */
/* cmd-check.c: `vfioplan check`: diagnostics, and a summary of what the plan does. */
#include <inttypes.h>
#include <stdio.h>

#include "base/cpulist.h"
#include "base/units.h"
#include "cli.h"
#include "json-out.h"

/* Where the kernel arguments go, who said so, and the commands that do by hand what apply runs. */
static void
print_boot(FILE *out, const struct vp_plan *p)
{
    const char *where = "";
    switch (p->bootloader) {
    case VP_BOOTLOADER_GRUB:
        where = p->boot.grub_dropins ? "a drop-in in /etc/default/grub.d" : "a block in /etc/default/grub";
        break;
    case VP_BOOTLOADER_GRUBBY:
        where = "every boot entry, with grubby";
        break;
    case VP_BOOTLOADER_SYSTEMD_BOOT:
        where = p->boot.uki ? "the entries and /etc/kernel/cmdline, built into the unified kernel images"
                            : "the systemd-boot entries and /etc/kernel/cmdline";
        break;
    case VP_BOOTLOADER_RPM_OSTREE:
        where = "the next deployment, with rpm-ostree kargs";
        break;
    case VP_BOOTLOADER_PROXMOX:
        where = "/etc/kernel/cmdline and a GRUB drop-in, copied to the ESPs by proxmox-boot-tool";
        break;
    case VP_BOOTLOADER_KERNELSTUB:
        where = "kernelstub's options";
        break;
    case VP_BOOTLOADER_AUTO:
    case VP_BOOTLOADER__COUNT:
        break;
    }
    fprintf(out, "  boot: %s (%s): the kernel arguments go to %s; by hand: %s, then %s\n",
            vp_bootloader_name(p->bootloader),
            p->boot.from_evidence ? "from the host's boot files"
            : p->boot.from_family ? "from the distribution"
                                  : "host.bootloader",
            where, vp_plan_advice(p, VP_ADVICE_INITRAMFS_REBUILD), vp_plan_advice(p, VP_ADVICE_BOOT_UPDATE));
}

static void
print_summary(FILE *out, const struct vp_plan *p)
{
    const struct vp_host *h = p->host;
    /* PRETTY_NAME is the host's os-release, as it wrote it */
    vp_print_safe(out, "host %s: %s, %s CPU; %s, %s\n", p->spec->host.name,
                  h->os.pretty_name ? h->os.pretty_name : (h->os.id ? h->os.id : "unknown OS"),
                  vp_cpu_vendor_title(h->cpu_vendor), vp_bootloader_name(p->bootloader),
                  vp_initramfs_name(p->initramfs));
    print_boot(out, p);
    vp_cli_host_summary(out, h);
    fprintf(out, "  kernel arguments:");
    for (size_t i = 0; i < p->n_kernel_args; i++)
        fprintf(out, " %s", p->kernel_args[i].value);
    fprintf(out, "%s\n", p->n_kernel_args ? "" : " none");
    fprintf(out, "  vfio-pci ids:");
    for (size_t i = 0; i < p->n_vfio_ids; i++)
        fprintf(out, " %s", p->vfio_ids[i]);
    fprintf(out, "%s\n  vfio-pci by address:", p->n_vfio_ids ? "" : " none");
    for (size_t i = 0; i < p->n_bind_addresses; i++)
        fprintf(out, " %s", p->bind_addresses[i]);
    fprintf(out, "%s\n", p->n_bind_addresses ? "" : " none");
    if (p->memory.hugepages) {
        fprintf(out, "  huge pages reserved at boot: %" PRIu64 " of %s", p->memory.n_hugepages,
                vp_hugepage_size_name(p->memory.hugepage_size));
        for (size_t i = 0; i < p->memory.n_node_hugepages && h->cpus.n_nodes > 1; i++)
            fprintf(out, "%snode %u: %" PRIu64, i ? ", " : " (", h->cpus.nodes[i].id, p->memory.node_hugepages[i]);
        fprintf(out, "%s%s\n", p->memory.n_node_hugepages && h->cpus.n_nodes > 1 ? ")" : "",
                p->memory.per_node ? ", reserved per node" : "");
    }
    if (p->housekeeping.n) {
        struct vp_strbuf hk = {0};
        vp_cpulist_format(&hk, p->housekeeping.ids, p->housekeeping.n);
        fprintf(out, "  housekeeping CPUs (no VM pinned there): %s\n", hk.data);
        vp_strbuf_free(&hk);
    }
    /* the lines of a manual setup the plan takes over (the VP7xxx warnings say why), each line once */
    if (p->n_migrations) {
        fprintf(out, "  manual setup taken over:");
        for (size_t i = 0; i < p->n_migrations; i++)
            if (i == 0 || p->migrations[i].line != p->migrations[i - 1].line)
                fprintf(out, " /%s:%u", p->migrations[i].line->file, p->migrations[i].line->line);
        fputc('\n', out);
    }
    for (size_t v = 0; v < p->n_vms; v++) {
        const struct vp_plan_vm *vm = &p->vms[v];
        fprintf(out, "vm %s: %zu function%s on %u guest slot%s", vm->spec->name, vm->n_assigned,
                vm->n_assigned == 1 ? "" : "s", vm->n_guest_slots, vm->n_guest_slots == 1 ? "" : "s");
        if (vm->mmio64_mib)
            fprintf(out, ", 64-bit MMIO window %" PRIu64 " MiB", vm->mmio64_mib);
        if (vm->fabric_manager)
            fprintf(out, ", Fabric Manager");
        fputc('\n', out);
        char mem[32];
        fprintf(out, "  %u vCPU%s (%u socket%s, %u core%s, %u thread%s each), %s of memory", vm->spec->vcpus,
                vm->spec->vcpus == 1 ? "" : "s", vm->res.sockets, vm->res.sockets == 1 ? "" : "s", vm->res.cores,
                vm->res.cores == 1 ? "" : "s", vm->res.threads, vm->res.threads == 1 ? "" : "s",
                vp_format_size(vm->spec->memory_bytes, mem, sizeof(mem)));
        if (vm->res.hugepages)
            fprintf(out, " in %" PRIu64 " huge pages of %s", vm->res.n_hugepages,
                    vp_hugepage_size_name(vm->res.hugepage_size));
        fputc('\n', out);
        vp_cli_topology_map(out, vm);
        for (size_t i = 0; i < vm->n_assigned; i++) {
            const struct vp_assignment *a = &vm->assigned[i];
            const struct vp_device *dev = &h->devices[a->device];
            char group[32] = "no group";
            if (dev->iommu_group >= 0)
                snprintf(group, sizeof(group), "group %ld", dev->iommu_group);
            fprintf(out, "  %s [%04x:%04x] %-9s -> guest 0000:%02x:00.%u%s", dev->addr_str, dev->vendor, dev->device,
                    group, a->guest_port ? a->guest_port : a->guest_bus, a->guest_fn,
                    a->binding == VP_BIND_ADDRESS ? " (by address)" : "");
            if (vm->numa.pinned)
                vp_cli_device_place(out, vm, a);
            fputc('\n', out);
        }
    }
}

int
vp_cmd_check(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("check"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_compile c = {0};
    vp_compile_run(&c, &opt, 0);
    int rc = vp_cli_report(&c, &opt);
    if (opt.format == VP_FORMAT_JSON) {
        struct json_object *doc = vp_json_begin("check");
        if (rc == VP_EXIT_OK)
            json_object_object_add(doc, "plan", vp_json_plan(c.plan));
        vp_json_finish(doc, &c.diags, rc);
    } else if (rc == VP_EXIT_OK) {
        print_summary(stdout, c.plan);
    }
    vp_compile_free(&c);
    return rc;
}
