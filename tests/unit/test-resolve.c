/* SPDX-License-Identifier: MIT */
/*
 * test-resolve.c: the resolver on hosts built in memory: the 64-bit MMIO
 * window for large-BAR GPUs (and its overflow), ids= versus binding by
 * address, guest slots, CPU topology, huge pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mem-host.h"
#include "resolve/resolve-internal.h"
#include "vfioplan/plan.h"

static struct vp_plan *
resolve(const char *devices_yaml, struct vp_spec **spec, struct vp_diags *d)
{
    char vm[512];
    snprintf(vm, sizeof(vm), "    devices:\n%s", devices_yaml);
    return resolve_vm("", vm, spec, d);
}

static uint64_t
window_mib(unsigned gpus, uint64_t bar1, uint64_t bar3, unsigned assigned)
{
    make_host(gpus, 0x2330, bar1, bar3);
    char yaml[128];
    snprintf(yaml, sizeof(yaml), "      - match: {vendor: \"10de\"}\n        count: %u\n", assigned);
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve(yaml, &spec, &d);
    assert_non_null(plan);
    uint64_t mib = plan->vms[0].mmio64_mib;
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
    return mib;
}

static void
test_mmio_window(void **state)
{
    (void)state;
    /* H100: 128 GiB BAR1 + 32 MiB BAR3; each root port window aligned to 128 GiB */
    assert_true(window_mib(1, 128ull << 30, 32ull << 20, 1) == 262144);  /* the usual 256 GiB for one */
    assert_true(window_mib(8, 128ull << 30, 32ull << 20, 8) == 2097152); /* 2 TiB for eight */
    /* RTX 4090 with resizable BAR: 32 GiB */
    assert_true(window_mib(1, 32ull << 30, 32ull << 20, 1) == 65536);
    /* a 256 MiB BAR fits OVMF's default window: nothing to emit */
    assert_true(window_mib(2, 256ull << 20, 32ull << 20, 2) == 0);
}

static void
test_binding(void **state)
{
    (void)state;
    make_host(2, 0x24b0, 256ull << 20, 32ull << 20);
    struct vp_diags d = {0};
    struct vp_spec *spec;
    /* one of two identical GPUs: by address */
    struct vp_plan *plan = resolve("      - address: \"0000:11:00.0\"\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->n_vfio_ids, 0);
    assert_int_equal(plan->n_bind_addresses, 1);
    assert_string_equal(plan->bind_addresses[0], "0000:11:00.0");
    assert_int_equal(plan->vms[0].assigned[0].binding, VP_BIND_ADDRESS);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    /* both: ids= */
    plan = resolve("      - match: {vendor: \"10de\", device: \"24b0\"}\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->n_vfio_ids, 1);
    assert_string_equal(plan->vfio_ids[0], "10de:24b0");
    assert_int_equal(plan->n_bind_addresses, 0);
    /* softdeps for an NVIDIA GPU, never a blacklist */
    assert_int_equal(plan->n_softdep_drivers, 2);
    assert_string_equal(plan->softdep_drivers[0], "nouveau");
    assert_string_equal(plan->softdep_drivers[1], "nvidia");
    /* one guest slot per host slot */
    assert_int_equal(plan->vms[0].n_guest_slots, 2);
    assert_int_equal(plan->vms[0].assigned[1].guest_bus, 2);
    /* Intel CPU: intel_iommu=on; then the boot token of this binding, last */
    assert_int_equal(plan->n_kernel_args, 2);
    assert_string_equal(plan->kernel_args[0].value, "intel_iommu=on");
    assert_ptr_equal(plan->kernel_args[1].value, plan->boot_token);
    assert_int_equal(strlen(plan->boot_token), strlen("vfioplan.gen=") + 12);
    assert_true(strncmp(plan->boot_token, "vfioplan.gen=", 13) == 0);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

static void
test_group_closure(void **state)
{
    (void)state;
    make_host(2, 0x2330, 128ull << 30, 32ull << 20);
    /* put both GPUs in one group, as behind a switch without ACS */
    devices[1].iommu_group = 0;
    groups[0] = (struct vp_group){.id = 0, .members = members, .n_members = 2, .today = -1};
    host.n_groups = 1;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve("      - address: \"0000:10:00.0\"\n", &spec, &d);
    assert_null(plan);
    assert_int_equal(d.n_errors, 1);
    assert_int_equal(d.items[0].code, VP_GROUP_NOT_WHOLE);
    assert_int_equal(d.items[0].n_notes, 2);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* Two GPUs in one group; the second has no driver today: it blocks unless no kernel has a driver for it. */
static void
viability(struct vp_kernel *k, size_t n_kernels, bool want_error)
{
    make_host(2, 0x2330, 128ull << 30, 32ull << 20);
    devices[1].iommu_group = 0;
    groups[0] = (struct vp_group){.id = 0, .members = members, .n_members = 2, .today = -1};
    host.n_groups = 1;
    host.kernels = k;
    host.n_kernels = n_kernels;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve("      - address: \"0000:10:00.0\"\n", &spec, &d);
    if (want_error) {
        assert_null(plan);
        assert_int_equal(d.items[0].code, VP_GROUP_NOT_WHOLE);
    } else {
        assert_non_null(plan);
        assert_int_equal(d.items[0].code, VP_DRIVERLESS_MEMBER);
    }
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

static void
test_viability_after_reboot(void **state)
{
    (void)state;
    char modalias[80];
    make_host(2, 0x2330, 0, 0);
    vp_device_modalias(&devices[1], modalias, sizeof(modalias));
    assert_string_equal(modalias, "pci:v000010DEd00002330sv00000000sd00000000bc03sc02i00");
    struct vp_module_alias nvidia = {"pci:v000010DEd*sv*sd*bc03sc02i00*", "nvidia", false};
    struct vp_module_alias builtin = {"pci:v*d*sv*sd*bc03sc*i*", "simpledrm_alike", true};
    struct vp_module_alias other = {"pci:v00008086d*sv*sd*bc03sc*i*", "i915", false};
    struct vp_kernel k[2] = {{.version = "6.1.0", .drivers = {true, &other, 1}},
                             {.version = "6.8.0", .drivers = {true, &other, 1}}};
    viability(NULL, 0, true);   /* no kernel: cannot tell, blocks as before */
    viability(k, 2, false);     /* no driver for it in any kernel: allowed, with a note */
    k[1].drivers.known = false; /* one kernel's modules.alias not read: cannot tell */
    viability(k, 2, true);
    k[1] = (struct vp_kernel){.version = "6.8.0", .drivers = {true, &nvidia, 1}};
    viability(k, 2, true); /* a module of the newer kernel claims it */
    k[1] = (struct vp_kernel){.version = "6.8.0", .drivers = {true, &builtin, 1}};
    viability(k, 2, true); /* a built-in driver claims it */
    devices[1].driver = "nouveau";
}

/* pcie_acs_override=downstream,multifunction as the patch answers: ports without ACS isolate, ports with it do not. */
static void
test_acs_override_groups(void **state)
{
    (void)state;
    for (int port_acs = 0; port_acs < 2; port_acs++) {
        make_host(2, 0x2330, 128ull << 30, 32ull << 20);
        /* a root port at 0000:00:01.0 above both GPUs, all three in group 0 */
        memmove(&devices[1], &devices[0], 2 * sizeof(devices[0]));
        devices[0] = (struct vp_device){.addr = {0, 0, 1, 0},
                                        .vendor = 0x8086,
                                        .device = 0x460d,
                                        .class_code = 0x060400,
                                        .iommu_group = 0,
                                        .driver = "pcieport"};
        vp_pci_addr_format(&devices[0].addr, devices[0].addr_str);
        devices[0].hw = (struct vp_device_hw){.caps_read = true,
                                              .ext_caps_read = true,
                                              .pcie = VP_PCIE_ROOT_PORT,
                                              .acs = port_acs,
                                              .secondary_bus = 0x10,
                                              .subordinate_bus = 0x11};
        for (size_t i = 0; i < 3; i++) {
            devices[i].iommu_group = 0;
            members[i] = i;
        }
        devices[1].hw = devices[2].hw =
            (struct vp_device_hw){.caps_read = true, .ext_caps_read = true, .pcie = VP_PCIE_ENDPOINT};
        devices[1].hw.parent = devices[2].hw.parent = 0;
        devices[2].addr = (struct vp_pci_addr){0, 0x10, 1, 0}; /* both behind the port, in two slots */
        vp_pci_addr_format(&devices[2].addr, devices[2].addr_str);
        devices[1].driver = devices[2].driver = "nouveau";
        host.n_devices = 3;
        groups[0] = (struct vp_group){.id = 0, .members = members, .n_members = 3, .today = -1};
        host.n_groups = 1;
        struct vp_diags d = {0};
        struct vp_spec *spec;
        struct vp_plan *plan =
            resolve_vm("acs_override: true", "    devices:\n      - address: \"0000:10:00.0\"\n", &spec, &d);
        if (port_acs) { /* the port's own ACS decides, as today: the functions stay together */
            assert_null(plan);
        } else {
            assert_non_null(plan);
            assert_true(plan->acs_override_planned);
            const struct vp_device *gpu = &plan->host->devices[plan->vms[0].assigned[0].device];
            const struct vp_group *g = vp_host_group(plan->host, gpu->iommu_group);
            assert_int_equal(g->n_members, 1);
            assert_true(g->split);
            assert_int_equal(g->today, 0);
            char text[160];
            vp_group_describe(g, text, sizeof(text));
            assert_string_equal(text, "IOMMU group 2 (group 0 split by the ACS override)");
        }
        vp_plan_free(&plan);
        vp_spec_free(&spec);
        vp_diags_free(&d);
    }
}

/* host.sriov: VFs at the addresses the PF's capability gives, selectable and bound by address before they exist. */
static void
test_sriov_vfs(void **state)
{
    (void)state;
    make_host(1, 0x2330, 128ull << 30, 32ull << 20);
    add_sriov_pf(4);
    struct vp_pci_addr a;
    assert_true(vp_sriov_vf_address(&host, 1, 3, &a));
    assert_int_equal(a.bus, 0x20);
    assert_int_equal(a.fn, 5);                          /* 0x2000 + 2 + 3 */
    assert_false(vp_sriov_vf_address(&host, 1, 4, &a)); /* past TotalVFs */
    devices[1].hw.sriov.offset = 0x180;                 /* on another bus, which no bridge routes to a root-bus PF */
    assert_false(vp_sriov_vf_address(&host, 1, 0, &a));
    devices[1].hw.sriov.offset = 2;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve_vm("sriov: [{pf: \"0000:20:00.0\", num_vfs: 2}]",
                                      "    devices:\n      - vf: {pf: \"0000:20:00.0\", index: 1}\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->host->n_devices, 4);
    const struct vp_device *vf = &plan->host->devices[plan->vms[0].assigned[0].device];
    assert_string_equal(vf->addr_str, "0000:20:00.3");
    assert_int_equal(vf->device, 0x101e);
    assert_true(vf->hw.vf_planned);
    assert_int_equal(vf->hw.vf_index, 1);
    assert_int_equal(plan->vms[0].assigned[0].binding, VP_BIND_ADDRESS);
    /* the PF is alone in its group: the VF gets one of its own */
    assert_int_equal(vp_host_group(plan->host, vf->iommu_group)->n_members, 1);
    assert_int_equal(d.items[0].code, VP_VF_GROUP_PREDICTED);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* The bootloader from the host's boot files: decisive tools first, GRUB and systemd-boot never both. */
static void
test_bootloader_evidence(void **state)
{
    (void)state;
    static const struct {
        unsigned found;
        enum vp_bootloader want;
    } cases[] = {
        {VP_BOOT_BIT(VP_BOOT_GRUB_CFG), VP_BOOTLOADER_GRUB},
        {VP_BOOT_BIT(VP_BOOT_GRUB2_CFG) | VP_BOOT_BIT(VP_BOOT_GRUBBY) | VP_BOOT_BIT(VP_BOOT_BLS_ENTRIES),
         VP_BOOTLOADER_GRUBBY},
        {VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT) | VP_BOOT_BIT(VP_BOOT_LOADER_ENTRIES), VP_BOOTLOADER_SYSTEMD_BOOT},
        {VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT) | VP_BOOT_BIT(VP_BOOT_UKI), VP_BOOTLOADER_AUTO}, /* no /etc/kernel/cmdline */
        {VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT) | VP_BOOT_BIT(VP_BOOT_UKI) | VP_BOOT_BIT(VP_BOOT_KERNEL_CMDLINE),
         VP_BOOTLOADER_SYSTEMD_BOOT},
        {VP_BOOT_BIT(VP_BOOT_GRUB_CFG) | VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT), VP_BOOTLOADER_AUTO},
        {VP_BOOT_BIT(VP_BOOT_OSTREE) | VP_BOOT_BIT(VP_BOOT_RPM_OSTREE) | VP_BOOT_BIT(VP_BOOT_GRUB2_CFG),
         VP_BOOTLOADER_RPM_OSTREE},
        {VP_BOOT_BIT(VP_BOOT_OSTREE), VP_BOOTLOADER_AUTO},
        {VP_BOOT_BIT(VP_BOOT_PROXMOX) | VP_BOOT_BIT(VP_BOOT_GRUB_CFG), VP_BOOTLOADER_PROXMOX},
        {VP_BOOT_BIT(VP_BOOT_KERNELSTUB) | VP_BOOT_BIT(VP_BOOT_SYSTEMD_BOOT), VP_BOOTLOADER_KERNELSTUB},
        {0, VP_BOOTLOADER_AUTO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make_host(1, 0x2330, 128ull << 30, 32ull << 20);
        host.boot.found = cases[i].found;
        struct vp_diags d = {0};
        struct vp_spec *spec;
        struct vp_plan *plan = resolve("      - address: \"0000:10:00.0\"\n", &spec, &d);
        if (cases[i].want == VP_BOOTLOADER_AUTO) {
            assert_null(plan);
            assert_int_equal(d.items[0].code, VP_BOOT_EVIDENCE);
        } else {
            assert_non_null(plan);
            assert_int_equal(plan->bootloader, cases[i].want);
        }
        vp_plan_free(&plan);
        vp_spec_free(&spec);
        vp_diags_free(&d);
    }
}

/* <cpu><topology>: one socket; two threads per core where the host has SMT and the vCPUs are even. */
static void
test_cpu_topology(void **state)
{
    (void)state;
    static const struct {
        unsigned cores, threads, vcpus; /* host cores and threads, the VM's vCPUs */
        unsigned want_cores, want_threads;
    } cases[] = {
        {12, 2, 16, 8, 2}, /* a 16-vCPU gaming VM: 8 cores of 2 threads, one socket (Windows uses two at most) */
        {12, 2, 7, 7, 1},  /* odd: one thread per core */
        {8, 1, 8, 8, 1},   /* no SMT on the host */
        {12, 2, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make_host(1, 0x2330, 256ull << 20, 32ull << 20);
        make_cpus(cases[i].cores, cases[i].threads, 64);
        char vm[128];
        snprintf(vm, sizeof(vm), "    vcpus: %u\n    allow_no_devices: true\n", cases[i].vcpus);
        struct vp_diags d = {0};
        struct vp_spec *spec;
        char yaml[512];
        snprintf(yaml, sizeof(yaml),
                 "apiVersion: vfioplan/v1\nhost: {name: h}\nvms:\n  - name: a\n    memory: 4GiB\n%s", vm);
        spec = vp_spec_parse("t.yaml", yaml, strlen(yaml), &d);
        assert_non_null(spec);
        struct vp_plan *plan = vp_plan_resolve(spec, &host, &d);
        assert_non_null(plan);
        const struct vp_plan_vm_resources *res = &plan->vms[0].res;
        assert_int_equal(res->sockets, 1);
        assert_int_equal(res->dies, 1);
        assert_int_equal(res->cores, cases[i].want_cores);
        assert_int_equal(res->threads, cases[i].want_threads);
        assert_int_equal(res->sockets * res->dies * res->cores * res->threads, cases[i].vcpus);
        vp_plan_free(&plan);
        vp_spec_free(&spec);
        vp_diags_free(&d);
    }
}

/*
 * topology: auto on two nodes of 4 cores x 2 threads: each vCPU on a CPU of its cell's node, whole cores (an odd VM
 * leaves the sibling idle rather than share the core), never a housekeeping CPU (the first core of each node) nor
 * one that host_cpus gave another VM (those are placed first, whatever their order in the spec).
 */
static void
test_numa_pinning(void **state)
{
    (void)state;
    make_host(2, 0x2330, 256ull << 20, 32ull << 20);
    make_cpus(8, 2, 64);
    static unsigned node_cpus[2][8] = {{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}};
    static struct vp_numa_node nodes[2];
    for (unsigned n = 0; n < 2; n++)
        nodes[n] = (struct vp_numa_node){n, node_cpus[n], 8, 32ull << 30, {{0, 0}, {0, 0}}};
    for (unsigned id = 0; id < 16; id++)
        cpus[id].node = (int)((id % 8) / 4);
    host.cpus.nodes = nodes;
    host.cpus.n_nodes = 2;
    devices[0].numa_node = 0;
    devices[1].numa_node = 1;
    const char *yaml = "apiVersion: vfioplan/v1\nhost: {name: h}\nvms:\n"
                       "  - {name: a, vcpus: 5, memory: 4GiB, devices: [{address: \"0000:10:00.0\"}, "
                       "{address: \"0000:11:00.0\"}]}\n"
                       "  - {name: b, vcpus: 1, memory: 1GiB, allow_no_devices: true, host_cpus: \"7\"}\n";
    struct vp_diags d = {0};
    struct vp_spec *spec = vp_spec_parse("t.yaml", yaml, strlen(yaml), &d);
    assert_non_null(spec);
    struct vp_plan *plan = vp_plan_resolve(spec, &host, &d);
    assert_non_null(plan);
    assert_int_equal(d.n_errors, 0);
    const struct vp_plan_vm *a = &plan->vms[0], *b = &plan->vms[1];
    assert_true(a->numa.pinned && b->numa.pinned && b->numa.explicit_cpus);
    assert_int_equal(a->numa.n_cells, 2);
    assert_int_equal(a->res.threads, 1);
    assert_int_equal(a->res.sockets, 1); /* 5 cores do not split evenly over 2 cells */
    assert_int_equal(a->numa.cells[0].vcpus.n, 3);
    assert_int_equal(a->numa.cells[1].vcpus.n, 2);
    assert_int_equal(a->numa.cells[0].memory + a->numa.cells[1].memory, 4ull << 30);
    unsigned want[5] = {1, 2, 3, 5, 6}; /* cores 0 and 4 keep house; core 7 is b's */
    bool used[16] = {false};
    for (unsigned c = 0; c < 2; c++) {
        for (size_t i = 0; i < a->numa.cells[c].vcpus.n; i++) {
            unsigned v = a->numa.cells[c].vcpus.ids[i], cpu = a->numa.vcpu_pins[v];
            assert_int_equal(cpu, want[v]);
            assert_int_equal(cpus[cpu].node, (int)a->numa.cells[c].host_node);
            assert_false(used[cpu]);
            used[cpu] = used[cpu + 8] = true; /* the whole core */
        }
    }
    assert_int_equal(b->numa.vcpu_pins[0], 7);
    assert_false(used[7]);
    /* each device behind the expander of its cell */
    assert_int_equal(a->assigned[0].guest_cell, 0);
    assert_int_equal(a->assigned[1].guest_cell, 1);
    assert_int_equal(a->numa.n_controllers, 4);
    assert_int_equal(a->numa.controllers[0].model, VP_GPORT_EXPANDER);
    assert_int_equal(a->assigned[0].guest_port, 2);
    assert_int_equal(a->assigned[1].guest_port, 4);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* hugepages: true is 1G where the CPU has pdpe1gb, else 2M; the pages are reserved on the kernel command line. */
static void
test_hugepages(void **state)
{
    (void)state;
    make_host(1, 0x2330, 256ull << 20, 32ull << 20);
    make_cpus(12, 2, 64);
    struct vp_diags d = {0};
    struct vp_spec *spec;
    host.cpu_pdpe1gb = 1;
    struct vp_plan *plan = resolve_vm("", "    hugepages: true\n    allow_no_devices: true\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->vms[0].res.hugepage_size, VP_HUGEPAGE_1G);
    assert_int_equal(plan->memory.n_hugepages, 4);
    assert_int_equal(plan->n_kernel_args, 4);
    assert_string_equal(plan->kernel_args[1].value, "default_hugepagesz=1G");
    assert_string_equal(plan->kernel_args[2].value, "hugepagesz=1G");
    assert_string_equal(plan->kernel_args[3].value, "hugepages=4");
    assert_non_null(strstr(plan->kernel_args[3].why, "a: 4"));
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    host.cpu_pdpe1gb = 0;
    plan = resolve_vm("", "    hugepages: true\n    allow_no_devices: true\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->vms[0].res.hugepage_size, VP_HUGEPAGE_2M);
    assert_int_equal(plan->memory.n_hugepages, 2048);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    /* 1G on a CPU without them: VP4043 */
    plan = resolve_vm("", "    hugepages: 1G\n    allow_no_devices: true\n", &spec, &d);
    assert_null(plan);
    bool wrong_size = false; /* among the others (a VM without a disk is VP4050) */
    for (size_t i = 0; i < d.n; i++)
        wrong_size |= d.items[i].code == VP_HUGEPAGE_SIZE;
    assert_true(wrong_size);
    vp_spec_free(&spec);
    vp_diags_free(&d);
    /* 4 GiB of pages and the reserve (an eighth of 32 GiB) exceed a 8 GiB host... */
    host.cpu_pdpe1gb = 1;
    make_cpus(2, 2, 8);
    plan = resolve_vm("memory_reserve: 5GiB", "    hugepages: 1G\n    allow_no_devices: true\n", &spec, &d);
    assert_null(plan);
    bool no_room = false;
    for (size_t i = 0; i < d.n; i++)
        no_room |= d.items[i].code == VP_HUGEPAGES_NO_ROOM;
    assert_true(no_room);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* BARs the size a snapshot allows (2^62) overflow 64 bits when summed: the window saturates and VP4044 says so. */
static void
test_mmio_overflow(void **state)
{
    (void)state;
    make_host(4, 0x2330, 1ull << 62, 1ull << 62);
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve("      - match: {vendor: \"10de\"}\n", &spec, &d);
    assert_null(plan);
    assert_int_equal(d.n_errors, 1);
    assert_int_equal(d.items[0].code, VP_MMIO_TOO_LARGE);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* Every passthrough rule (4xxx) is one row of the rules table; no code is in two rows. */
static void
test_rules_table(void **state)
{
    (void)state;
    size_t n;
    const struct vp_rule *rules = vp_rules(&n);
    for (int code = 0; code < VP_CODE_COUNT; code++) {
        size_t rows = 0;
        for (size_t i = 0; i < n; i++)
            rows += rules[i].code == (enum vp_code)code;
        bool passthrough_rule = vp_code_id((enum vp_code)code)[2] == '4';
        if (rows > 1 || (passthrough_rule && rows != 1))
            fail_msg("%s is in %zu rows of the rules table", vp_code_id((enum vp_code)code), rows);
    }
    for (size_t i = 0; i < n; i++)
        assert_non_null(rules[i].judge);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmio_window),
        cmocka_unit_test(test_binding),
        cmocka_unit_test(test_group_closure),
        cmocka_unit_test(test_rules_table),
        cmocka_unit_test(test_viability_after_reboot),
        cmocka_unit_test(test_acs_override_groups),
        cmocka_unit_test(test_sriov_vfs),
        cmocka_unit_test(test_bootloader_evidence),
        cmocka_unit_test(test_cpu_topology),
        cmocka_unit_test(test_hugepages),
        cmocka_unit_test(test_mmio_overflow),
        cmocka_unit_test(test_numa_pinning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
