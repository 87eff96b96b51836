/* SPDX-License-Identifier: MIT */
/*
 * resources.c: what each VM takes of the host's CPUs and memory: its
 * <cpu><topology> (one socket, so that Windows, which uses at most two
 * sockets, sees every vCPU; SMT threads where the host has them), its huge
 * pages, and what the host keeps for itself. The rules (rules-resources.c)
 * judge whether it fits.
 */
#include "resolve-internal.h"

/* The host keeps an eighth of its memory, within these bounds, unless host.memory_reserve says otherwise: the
 * kernel, page cache, libvirt, and QEMU's own memory beside each guest's. */
#define RESERVE_MIN (512ull << 20)
#define RESERVE_MAX (16ull << 30)

static void
topology(const struct vp_host *h, const struct vp_vm *v, struct vp_plan_vm_resources *res)
{
    res->sockets = 1;
    res->dies = 1;
    res->threads = vp_host_smt(h) && v->vcpus % 2 == 0 ? 2 : 1;
    res->cores = v->vcpus / res->threads;
}

static void
hugepages(const struct vp_host *h, const struct vp_vm *v, struct vp_plan_vm_resources *res)
{
    static const enum vp_hugepage_size of_spec[VP_HUGEPAGES__COUNT] = {
        [VP_HUGEPAGES_2M] = VP_HUGEPAGE_2M,
        [VP_HUGEPAGES_1G] = VP_HUGEPAGE_1G,
    };
    if (v->hugepages == VP_HUGEPAGES_NONE || (unsigned)v->hugepages >= VP_HUGEPAGES__COUNT)
        return;
    res->hugepages = true;
    if (v->hugepages == VP_HUGEPAGES_AUTO)
        res->hugepage_size = h->cpu_pdpe1gb == 1 ? VP_HUGEPAGE_1G : VP_HUGEPAGE_2M;
    else
        res->hugepage_size = of_spec[v->hugepages];
    uint64_t page = vp_hugepage_bytes(res->hugepage_size);
    res->n_hugepages = (v->memory_bytes + page - 1) / page;
}

void
vp_resolve_resources(struct vp_resolver *r)
{
    const struct vp_host *h = r->host;
    struct vp_plan_memory *m = &r->plan->memory;
    if (r->spec->host.has_memory_reserve) {
        m->reserve = r->spec->host.memory_reserve;
    } else if (h->memory.known) {
        m->reserve = h->memory.total / 8;
        m->reserve = m->reserve < RESERVE_MIN ? RESERVE_MIN : m->reserve > RESERVE_MAX ? RESERVE_MAX : m->reserve;
    }
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        struct vp_plan_vm *pvm = &r->plan->vms[vm];
        topology(h, pvm->spec, &pvm->res);
        hugepages(h, pvm->spec, &pvm->res);
        /* a size the CPU lacks is refused (VP4043) and reserves nothing */
        if (!pvm->res.hugepages || (pvm->res.hugepage_size == VP_HUGEPAGE_1G && h->cpu_pdpe1gb == 0))
            continue;
        if (!m->hugepages) {
            m->hugepages = true;
            m->hugepage_size = pvm->res.hugepage_size;
        }
        if (pvm->res.hugepage_size == m->hugepage_size)
            m->n_hugepages += pvm->res.n_hugepages;
    }
}
