/* SPDX-License-Identifier: MIT */
/* mem-host.h: a host built in memory for the unit tests, and specs resolved against it (include after cmocka.h). */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "vfioplan/host.h"
#include "vfioplan/plan.h"

enum { MAX_DEV = 32 };
static struct vp_device devices[MAX_DEV];
static struct vp_group groups[MAX_DEV];
static size_t members[MAX_DEV];
static struct vp_host host;

/* n NVIDIA GPU functions, one per slot on bus 0x10+i, each in its own group; BAR1 and BAR3 64-bit prefetchable. */
static void
make_host(unsigned n, uint16_t device, uint64_t bar1, uint64_t bar3)
{
    memset(devices, 0, sizeof(devices));
    memset(&host, 0, sizeof(host));
    for (unsigned i = 0; i < n; i++) {
        struct vp_device *d = &devices[i];
        d->addr = (struct vp_pci_addr){0, (uint8_t)(0x10 + i), 0, 0};
        vp_pci_addr_format(&d->addr, d->addr_str);
        d->vendor = 0x10de;
        d->device = device;
        d->class_code = 0x030200;
        d->iommu_group = i;
        d->numa_node = -1;
        d->place.parent = -1;
        d->bars[0] = (struct vp_bar){16u << 20, 0};
        d->bars[1] = (struct vp_bar){bar1, VP_BAR_MEM64 | VP_BAR_PREFETCH};
        d->bars[3] = (struct vp_bar){bar3, VP_BAR_MEM64 | VP_BAR_PREFETCH};
        members[i] = i;
        groups[i] = (struct vp_group){.id = i, .members = &members[i], .n_members = 1, .today = -1};
    }
    host.source = "/test";
    host.devices = devices;
    host.n_devices = n;
    host.groups = groups;
    host.n_groups = n;
    host.cpu_vendor = VP_CPU_INTEL;
    host.os = (struct vp_os_release){"debian", NULL, "12", "Debian 12"};
    host.cmdline = "";
    /* a Debian host's GRUB: its grub-mkconfig reads /etc/default/grub.d */
    host.boot =
        (struct vp_boot_facts){true, VP_BOOT_BIT(VP_BOOT_GRUB_CFG) | VP_BOOT_BIT(VP_BOOT_GRUB_DEFAULT) |
                                         VP_BOOT_BIT(VP_BOOT_GRUB_MKCONFIG) | VP_BOOT_BIT(VP_BOOT_GRUB_DROPINS)};
    host.cpu_pdpe1gb = -1;
    for (unsigned i = 0; i < n; i++)
        devices[i].hw.parent = devices[i].hw.pf = devices[i].hw.vf_index = -1;
}

/* A NIC PF with an SR-IOV capability of total VFs (offset 2, stride 1) at 0000:20:00.0, alone in its group. */
static VP_UNUSED void
add_sriov_pf(unsigned total)
{
    struct vp_device *d = &devices[host.n_devices];
    memset(d, 0, sizeof(*d));
    d->addr = (struct vp_pci_addr){0, 0x20, 0, 0};
    vp_pci_addr_format(&d->addr, d->addr_str);
    d->vendor = 0x15b3;
    d->device = 0x101d;
    d->class_code = 0x020000;
    d->iommu_group = (long)host.n_devices;
    d->numa_node = -1;
    d->driver = "mlx5_core";
    d->hw = (struct vp_device_hw){.caps_read = true,
                                  .ext_caps_read = true,
                                  .pcie = VP_PCIE_ENDPOINT,
                                  .flr = true,
                                  .sriov = {total, 0, 2, 1, 0x101e},
                                  .parent = -1,
                                  .pf = -1,
                                  .vf_index = -1};
    members[host.n_devices] = host.n_devices;
    groups[host.n_devices] =
        (struct vp_group){.id = (long)host.n_devices, .members = &members[host.n_devices], .n_members = 1, .today = -1};
    host.n_devices++;
    host.n_groups++;
}

/* The host's CPUs: cores of threads each, numbered as Linux does (first threads, then siblings); memory in GiB
 * (0: unknown). */
enum { MAX_CPU = 64 };
static struct vp_cpu cpus[MAX_CPU];
static unsigned siblings[MAX_CPU][2];

static VP_UNUSED void
make_cpus(unsigned cores, unsigned threads, unsigned mem_gib)
{
    for (unsigned t = 0; t < threads; t++) {
        for (unsigned c = 0; c < cores; c++) {
            unsigned id = t * cores + c;
            siblings[id][0] = c;
            siblings[id][1] = cores + c;
            cpus[id] = (struct vp_cpu){id, 0, c, 0, siblings[id], threads};
        }
    }
    host.cpus = (struct vp_host_cpus){true, cpus, cores * threads, NULL, 0};
    host.memory = (struct vp_host_memory){mem_gib > 0, (uint64_t)mem_gib << 30, 2u << 20, 0, 0};
}

/* A spec of one VM 'a' (2 vCPUs, 4 GiB) on host 'h': host_yaml inside host: {name: h, ...}, then vm_yaml under
 * the VM; resolved against the host above (the plan may be NULL: the diagnostics say why). */
static struct vp_plan *
resolve_vm(const char *host_yaml, const char *vm_yaml, struct vp_spec **spec, struct vp_diags *d)
{
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "apiVersion: vfioplan/v1\nhost: {name: h%s%s}\nvms:\n  - name: a\n    vcpus: 2\n    memory: 4GiB\n%s",
             *host_yaml ? ", " : "", host_yaml, vm_yaml);
    *spec = vp_spec_parse("t.yaml", buf, strlen(buf), d);
    assert_non_null(*spec);
    return vp_plan_resolve(*spec, &host, d);
}
