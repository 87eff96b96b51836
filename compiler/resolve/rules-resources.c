/* SPDX-License-Identifier: MIT */
/*
 * rules-resources.c: the rules on what VMs take of the host: memory it can
 * give beside its reserve, huge pages that fit and that the CPU has, vCPUs
 * it has CPUs for, and a 64-bit MMIO window a guest can address. Each is
 * skipped when the host facts it needs are unknown (a snapshot-v1).
 */
#include <inttypes.h>
#include <stdio.h>

#include "base/units.h"
#include "resolve-internal.h"

/* What the host can give its VMs: MemTotal less the reserve. */
static uint64_t
available(const struct vp_resolver *r)
{
    uint64_t total = r->host->memory.total, reserve = r->plan->memory.reserve;
    return total > reserve ? total - reserve : 0;
}

static void
note_reserve(struct vp_resolver *r)
{
    char total[32], reserve[32];
    vp_note(r->d, "host %s has %s of memory (MemTotal) and keeps %s for itself (%s)", r->spec->host.name,
            vp_format_size(r->host->memory.total, total, sizeof(total)),
            vp_format_size(r->plan->memory.reserve, reserve, sizeof(reserve)),
            r->spec->host.has_memory_reserve ? "host.memory_reserve" : "an eighth, at least 512 MiB, at most 16 GiB");
}

void
vp_rule_hugepages_no_room(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_plan_memory *m = &r->plan->memory;
    if (!r->host->memory.known || !m->hugepages)
        return;
    uint64_t page = vp_hugepage_bytes(m->hugepage_size), need;
    if (__builtin_mul_overflow(m->n_hugepages, page, &need))
        need = UINT64_MAX;
    if (need <= available(r))
        return;
    const struct vp_vm *first = NULL;
    for (size_t vm = 0; vm < r->plan->n_vms && !first; vm++)
        if (r->plan->vms[vm].res.hugepages)
            first = r->plan->vms[vm].spec;
    char need_s[32], avail_s[32];
    vp_rule_report(r, code, &first->hugepages_pos,
                   "the VMs' huge pages take %s (%" PRIu64 " pages of %s), more than the %s host %s can give",
                   vp_format_size(need, need_s, sizeof(need_s)), m->n_hugepages,
                   vp_hugepage_size_name(m->hugepage_size), vp_format_size(available(r), avail_s, sizeof(avail_s)),
                   r->spec->host.name);
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        if (pvm->res.hugepages)
            vp_note(r->d, "VM '%s' (line %u): %" PRIu64 " pages", pvm->spec->name, pvm->spec->pos.line,
                    pvm->res.n_hugepages);
    }
    note_reserve(r);
    vp_hint(r->d, "huge pages are reserved at boot and the host cannot use them: lower the VMs' memory, turn "
                  "hugepages off for some of them, or set host.memory_reserve lower");
}

void
vp_rule_vm_memory_too_large(struct vp_resolver *r, enum vp_code code)
{
    if (!r->host->memory.known)
        return;
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_vm *v = r->plan->vms[vm].spec;
        if (v->memory_bytes <= available(r))
            continue;
        char want[32], can[32];
        vp_rule_report(r, code, &v->memory_pos, "VM '%s' asks for %s of memory; host %s can give %s", v->name,
                       vp_format_size(v->memory_bytes, want, sizeof(want)), r->spec->host.name,
                       vp_format_size(available(r), can, sizeof(can)));
        note_reserve(r);
        uint64_t can_have = available(r);
        vp_hint(r->d,
                "give it at most %" PRIu64 "%s; passed-through devices pin all guest memory, so the host cannot swap "
                "it out or share it",
                can_have >= (1ull << 30) ? can_have >> 30 : can_have >> 20, can_have >= (1ull << 30) ? "GiB" : "MiB");
    }
}

void
vp_rule_vcpu_overcommit(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host_cpus *c = &r->host->cpus;
    if (!c->known)
        return;
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_vm *v = r->plan->vms[vm].spec;
        if (v->vcpus <= c->n || v->allow_overcommit)
            continue;
        vp_rule_report(r, code, &v->vcpus_pos, "VM '%s' has %u vCPUs; host %s has %zu CPUs online", v->name, v->vcpus,
                       r->spec->host.name, c->n);
        vp_hint(r->d,
                "give it at most vcpus: %zu, or set allow_overcommit: true on the VM (its vCPUs then take turns on the "
                "host's CPUs and run slower)",
                c->n);
    }
}

void
vp_rule_hugepage_size(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_plan_memory *m = &r->plan->memory;
    const struct vp_vm *first = NULL; /* the first VM whose size the host has: the plan reserves that size */
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (!pvm->res.hugepages)
            continue;
        const char *size = vp_hugepage_size_name(pvm->res.hugepage_size);
        uint64_t page = vp_hugepage_bytes(pvm->res.hugepage_size);
        char page_s[32], mem_s[32];
        if (pvm->res.hugepage_size == VP_HUGEPAGE_1G && r->host->cpu_pdpe1gb == 0) {
            vp_rule_report(r, code, &v->hugepages_pos,
                           "VM '%s' asks for 1G huge pages; the CPU of host %s has none (no pdpe1gb flag)", v->name,
                           r->spec->host.name);
            vp_hint(r->d, "use hugepages: 2M, or true (it picks 2M on this CPU)");
            continue;
        } else if (first && pvm->res.hugepage_size != m->hugepage_size) {
            vp_rule_report(r, code, &v->hugepages_pos, "VM '%s' asks for %s huge pages, VM '%s' for %s", v->name, size,
                           first->name, vp_hugepage_size_name(m->hugepage_size));
            vp_note(r->d, "a host mounts one huge page size at /dev/hugepages (default_hugepagesz), where libvirt "
                          "backs guest memory");
            vp_hint(r->d, "give every VM the same size");
        } else if (v->memory_bytes % page) {
            vp_rule_report(r, code, &v->hugepages_pos, "the memory of VM '%s', %s, is not a whole number of %s pages",
                           v->name, vp_format_size(v->memory_bytes, mem_s, sizeof(mem_s)),
                           vp_format_size(page, page_s, sizeof(page_s)));
            vp_hint(r->d, "make memory a multiple of %s, or use smaller pages (hugepages: 2M)", page_s);
        }
        if (!first)
            first = v;
    }
}

void
vp_rule_mmio_too_large(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        if (pvm->mmio64_bytes <= VP_GUEST_PHYS_LIMIT)
            continue;
        vp_rule_report(r, code, &pvm->spec->pos,
                       "the devices of VM '%s' have 64-bit BARs that need more than the 4 PiB of address space "
                       "x86-64 has",
                       pvm->spec->name);
        vp_hint(r->d, "no real device has BARs this large: check the host facts (take the snapshot again with "
                      "'vfioplan snapshot')");
    }
}
