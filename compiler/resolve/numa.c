/* SPDX-License-Identifier: MIT */
/*
 * numa.c: topology: auto. Each VM with devices gets one guest NUMA cell per
 * host node its devices sit on, its vCPUs split over the cells and pinned
 * 1:1 to whole free cores of the matching node (SMT siblings together, so
 * that no two VMs share a core's caches and execution units), its memory
 * split evenly and bound to the cells' nodes, its emulator threads on the
 * host's housekeeping CPUs, and, on hosts with more than one node, each
 * device behind a PCIe expander bus of its cell (devices that share a host
 * switch behind one emulated switch). Explicit host_cpus are taken first,
 * so that the automatic choice avoids them. It computes and reports
 * nothing: rules-topology.c judges what it could not do.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "resolve-internal.h"

const char *
vp_guest_port_name(enum vp_guest_port p)
{
    static const char *const names[VP_GPORT__COUNT] = {
        [VP_GPORT_EXPANDER] = "pcie-expander-bus",
        [VP_GPORT_ROOT] = "pcie-root-port",
        [VP_GPORT_SWITCH_UP] = "pcie-switch-upstream-port",
        [VP_GPORT_SWITCH_DOWN] = "pcie-switch-downstream-port",
    };
    return (unsigned)p < VP_GPORT__COUNT ? names[p] : "?";
}

enum { OWNER_FREE = -1, OWNER_HOUSEKEEPING = -2 };

struct numa_state {
    struct vp_resolver *r;
    long *owner; /* per CPU id: the VM pinned there, OWNER_HOUSEKEEPING, or OWNER_FREE */
    unsigned n_ids;
};

static long
owner_of(const struct numa_state *s, unsigned cpu)
{
    return cpu < s->n_ids ? s->owner[cpu] : OWNER_FREE;
}

static void
set_owner(struct numa_state *s, unsigned cpu, long who)
{
    if (cpu < s->n_ids)
        s->owner[cpu] = who;
}

static long
node_index(const struct vp_host *h, unsigned node)
{
    for (size_t i = 0; i < h->cpus.n_nodes; i++)
        if (h->cpus.nodes[i].id == node)
            return (long)i;
    return -1;
}

static int
uint_cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* The default reserve: the first core of each node, all its threads (the kernel's own per-node work, and the CPU
 * an unpinned interrupt most often lands on). */
static void
housekeeping(struct numa_state *s)
{
    struct vp_resolver *r = s->r;
    const struct vp_host *h = r->host;
    struct vp_cpu_set *hk = &r->plan->housekeeping;
    if (r->spec->host.has_housekeeping) {
        hk->n = 0;
        hk->ids = vp_arena_alloc(r->arena, (r->spec->host.housekeeping.n + 1) * sizeof(*hk->ids));
        for (size_t i = 0; i < r->spec->host.housekeeping.n; i++)
            if (vp_host_cpu(h, r->spec->host.housekeeping.ids[i])) /* one not online is refused (VP4062) */
                hk->ids[hk->n++] = r->spec->host.housekeeping.ids[i];
    } else {
        size_t max = 0;
        for (size_t i = 0; i < h->cpus.n_nodes; i++) {
            const struct vp_cpu *c = h->cpus.nodes[i].n_cpus ? vp_host_cpu(h, h->cpus.nodes[i].cpus[0]) : NULL;
            max += c ? c->n_siblings : 0;
        }
        hk->ids = vp_arena_alloc(r->arena, (max + 1) * sizeof(*hk->ids));
        hk->n = 0;
        for (size_t i = 0; i < h->cpus.n_nodes; i++) {
            const struct vp_cpu *c = h->cpus.nodes[i].n_cpus ? vp_host_cpu(h, h->cpus.nodes[i].cpus[0]) : NULL;
            for (size_t k = 0; c && k < c->n_siblings; k++)
                hk->ids[hk->n++] = c->siblings[k];
        }
        vp_sort(hk->ids, hk->n, sizeof(*hk->ids), uint_cmp);
    }
    for (size_t i = 0; i < hk->n; i++)
        set_owner(s, hk->ids[i], OWNER_HOUSEKEEPING);
}

/* The housekeeping CPUs of the VM's cells' nodes, else all of them: where its emulator threads run. */
static void
emulator_cpus(struct numa_state *s, struct vp_plan_vm *pvm)
{
    struct vp_resolver *r = s->r;
    const struct vp_cpu_set *hk = &r->plan->housekeeping;
    struct vp_cpu_set *e = &pvm->numa.emulator;
    e->ids = vp_arena_alloc(r->arena, (hk->n + 1) * sizeof(*e->ids));
    for (size_t i = 0; i < hk->n; i++) {
        const struct vp_cpu *c = vp_host_cpu(r->host, hk->ids[i]);
        for (size_t k = 0; c && k < pvm->numa.n_cells; k++)
            if (c->node >= 0 && (unsigned)c->node == pvm->numa.cells[k].host_node) {
                e->ids[e->n++] = hk->ids[i];
                break;
            }
    }
    if (e->n == 0) {
        memcpy(e->ids, hk->ids, hk->n * sizeof(*e->ids));
        e->n = hk->n;
    }
}

/* The node a device sits on: its numa_node, or on a host of one node that node (a one-node kernel often says -1);
 * -1 unknown. */
static int
device_node(const struct vp_host *h, const struct vp_device *dev)
{
    if (dev->numa_node >= 0 && vp_host_node(h, (unsigned)dev->numa_node))
        return dev->numa_node;
    return h->cpus.n_nodes == 1 ? (int)h->cpus.nodes[0].id : -1;
}

/* The distinct host nodes of the VM's devices, ascending (devices whose node is unknown add none). */
static size_t
device_nodes(const struct vp_resolver *r, const struct vp_plan_vm *pvm, unsigned *nodes)
{
    size_t n = 0;
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        int node = device_node(r->host, &r->host->devices[pvm->assigned[i].device]);
        if (node < 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = nodes[k] == (unsigned)node;
        if (!seen)
            nodes[n++] = (unsigned)node;
    }
    vp_sort(nodes, n, sizeof(*nodes), uint_cmp);
    return n;
}

bool
vp_numa_spans_nodes(const struct vp_resolver *r, const struct vp_plan_vm *pvm)
{
    unsigned *nodes = vp_xcalloc(pvm->n_assigned + 1, sizeof(*nodes));
    size_t n = device_nodes(r, pvm, nodes);
    free(nodes);
    return n > 1;
}

/* Memory split evenly over the cells, in whole pages (huge pages, else 1 MiB); the last cell takes the rest. */
static void
split_memory(struct vp_plan_vm *pvm)
{
    uint64_t total = pvm->spec->memory_bytes, grain = 1ull << 20;
    if (pvm->res.hugepages)
        grain = vp_hugepage_bytes(pvm->res.hugepage_size);
    size_t k = pvm->numa.n_cells;
    uint64_t each = total / k / grain * grain, given = 0;
    for (size_t c = 0; c < k; c++) {
        struct vp_plan_cell *cell = &pvm->numa.cells[c];
        cell->memory = c + 1 < k ? each : total - given;
        given += cell->memory;
        if (pvm->res.hugepages)
            cell->n_hugepages = (cell->memory + grain - 1) / grain;
    }
}

static struct vp_cpu_set
vcpu_range(struct vp_arena *a, unsigned first, unsigned n)
{
    struct vp_cpu_set set = {vp_arena_alloc(a, (n + 1) * sizeof(unsigned)), n};
    for (unsigned i = 0; i < n; i++)
        set.ids[i] = first + i;
    return set;
}

/* The free cores of a node with at least `threads` threads, by their first CPU; returns how many, into cores[]. */
static size_t
free_cores(const struct numa_state *s, const struct vp_numa_node *node, unsigned threads, const struct vp_cpu **cores)
{
    size_t n = 0;
    for (size_t i = 0; i < node->n_cpus; i++) {
        const struct vp_cpu *c = vp_host_cpu(s->r->host, node->cpus[i]);
        if (!c || c->n_siblings == 0 || c->siblings[0] != c->id || c->n_siblings < threads)
            continue;
        bool all_free = true;
        for (size_t k = 0; k < c->n_siblings && all_free; k++)
            all_free = owner_of(s, c->siblings[k]) == OWNER_FREE;
        if (all_free)
            cores[n++] = c;
    }
    return n;
}

/* topology: auto. False (nothing pinned, the shortage recorded) when a node lacks free cores. */
static bool
pin_auto(struct numa_state *s, size_t vm)
{
    struct vp_resolver *r = s->r;
    const struct vp_host *h = r->host;
    struct vp_plan_vm *pvm = &r->plan->vms[vm];
    unsigned *nodes = vp_xcalloc(h->cpus.n_nodes + pvm->n_assigned + 1, sizeof(*nodes));
    size_t k = device_nodes(r, pvm, nodes);
    if (k == 0) /* no device says where it is: the first node */
        nodes[k++] = h->cpus.nodes[0].id;
    unsigned threads = pvm->res.threads, cores_total = pvm->spec->vcpus / threads;
    const struct vp_cpu **cores = vp_xcalloc(h->cpus.n + 1, sizeof(*cores));
    /* check every node before taking any */
    for (size_t c = 0; c < k; c++) {
        unsigned want = cores_total / k + (c < cores_total % k);
        size_t have = free_cores(s, vp_host_node(h, nodes[c]), threads, cores);
        if (have < want) {
            r->numa_short[vm] = (struct vp_numa_short){true, nodes[c], want, (unsigned)have, threads};
            free(cores);
            free(nodes);
            return false;
        }
    }
    struct vp_plan_vm_numa *nm = &pvm->numa;
    nm->n_cells = k;
    nm->cells = vp_arena_alloc(r->arena, k * sizeof(*nm->cells));
    nm->vcpu_pins = vp_arena_alloc(r->arena, (pvm->spec->vcpus + 1) * sizeof(*nm->vcpu_pins));
    unsigned vcpu = 0;
    for (size_t c = 0; c < k; c++) {
        unsigned want = cores_total / k + (c < cores_total % k);
        free_cores(s, vp_host_node(h, nodes[c]), threads, cores);
        nm->cells[c].host_node = nodes[c];
        nm->cells[c].vcpus = vcpu_range(r->arena, vcpu, want * threads);
        for (unsigned j = 0; j < want; j++) {
            for (unsigned t = 0; t < threads; t++)
                nm->vcpu_pins[vcpu++] = cores[j]->siblings[t];
            /* the whole core is the VM's, also a thread it leaves idle (threads 1 on an SMT host) */
            for (size_t t = 0; t < cores[j]->n_siblings; t++)
                set_owner(s, cores[j]->siblings[t], (long)vm);
        }
    }
    /* QEMU numbers vCPUs socket by socket: one socket per cell when the cores split evenly; Windows 10 and 11
     * use two sockets at most, so more cells stay one socket there */
    bool windows = pvm->spec->has_guest && vp_guest_os_is_windows(pvm->spec->guest.os);
    if (cores_total % k == 0 && !(windows && k > 2)) {
        pvm->res.sockets = (unsigned)k;
        pvm->res.cores = cores_total / (unsigned)k;
    }
    free(cores);
    free(nodes);
    return true;
}

/* host_cpus: vCPU i on the i-th CPU, one cell per node those CPUs are on. False when the list does not fit (its
 * rule says why). */
static bool
pin_explicit(struct numa_state *s, size_t vm)
{
    struct vp_resolver *r = s->r;
    const struct vp_host *h = r->host;
    struct vp_plan_vm *pvm = &r->plan->vms[vm];
    const struct vp_cpu_set *want = &pvm->spec->host_cpus;
    if (want->n != pvm->spec->vcpus)
        return false;
    for (size_t i = 0; i < want->n; i++) {
        const struct vp_cpu *c = vp_host_cpu(h, want->ids[i]);
        if (!c || c->node < 0 || owner_of(s, want->ids[i]) != OWNER_FREE)
            return false;
    }
    struct vp_plan_vm_numa *nm = &pvm->numa;
    nm->explicit_cpus = true;
    nm->vcpu_pins = vp_arena_alloc(r->arena, (want->n + 1) * sizeof(*nm->vcpu_pins));
    memcpy(nm->vcpu_pins, want->ids, want->n * sizeof(*want->ids));
    nm->cells = vp_arena_alloc(r->arena, (h->cpus.n_nodes + 1) * sizeof(*nm->cells));
    for (size_t n = 0; n < h->cpus.n_nodes; n++) {
        unsigned node = h->cpus.nodes[n].id, count = 0;
        for (size_t i = 0; i < want->n; i++)
            count += (unsigned)vp_host_cpu(h, want->ids[i])->node == node;
        if (!count)
            continue;
        struct vp_plan_cell *cell = &nm->cells[nm->n_cells++];
        cell->host_node = node;
        cell->vcpus.ids = vp_arena_alloc(r->arena, count * sizeof(unsigned));
        for (unsigned i = 0; i < want->n; i++)
            if ((unsigned)vp_host_cpu(h, want->ids[i])->node == node)
                cell->vcpus.ids[cell->vcpus.n++] = i;
    }
    for (size_t i = 0; i < want->n; i++)
        set_owner(s, want->ids[i], (long)vm);
    return true;
}

/* A guest slot (its functions share guest_bus) and where it goes. */
struct slot {
    size_t first; /* its first assignment */
    int cell;
    long sw; /* the host switch it sits behind; -1 none */
};

static struct vp_guest_controller *
add_controller(struct vp_plan_vm_numa *nm, enum vp_guest_port model, unsigned parent)
{
    struct vp_guest_controller *c = &nm->controllers[nm->n_controllers++];
    c->index = (unsigned)nm->n_controllers;
    c->model = model;
    c->parent = parent;
    return c;
}

static void
set_port(struct vp_plan_vm *pvm, const struct slot *sl, unsigned port)
{
    unsigned bus = pvm->assigned[sl->first].guest_bus;
    for (size_t i = sl->first; i < pvm->n_assigned && pvm->assigned[i].guest_bus == bus; i++)
        pvm->assigned[i].guest_port = port;
}

/*
 * One pcie-expander-bus per cell, each slot's root port under the expander
 * of its device's node. Slots whose devices share a host switch sit behind
 * one emulated switch (a root port, its upstream port, a downstream port
 * each), so that the guest sees the same PIX relation as the host (NCCL
 * uses GPUDirect RDMA between a GPU and a NIC only when they are that close).
 * Slots whose node is unknown stay on pcie-root.
 */
static void
place_devices(struct vp_resolver *r, struct vp_plan_vm *pvm)
{
    struct vp_plan_vm_numa *nm = &pvm->numa;
    struct slot *slots = vp_xcalloc(pvm->n_guest_slots + 1, sizeof(*slots));
    size_t n_slots = 0;
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        struct vp_assignment *a = &pvm->assigned[i];
        int node = device_node(r->host, &r->host->devices[a->device]);
        a->guest_cell = -1;
        for (size_t c = 0; c < nm->n_cells; c++)
            if (node >= 0 && nm->cells[c].host_node == (unsigned)node)
                a->guest_cell = (int)c;
        if (i == 0 || a->guest_bus != pvm->assigned[i - 1].guest_bus)
            slots[n_slots++] = (struct slot){i, a->guest_cell, vp_host_switch_of(r->host, a->device)};
    }
    if (r->host->cpus.n_nodes < 2) {
        free(slots);
        return;
    }
    /* at most: an expander per cell, and per slot a root port, an upstream and a downstream port */
    nm->controllers = vp_arena_alloc(r->arena, (nm->n_cells + 3 * n_slots + 1) * sizeof(*nm->controllers));
    unsigned top = 255; /* expanders take bus numbers from 254 down (libvirt's limit), clear of pcie-root's */
    for (size_t c = 0; c < nm->n_cells; c++) {
        bool used = false; /* a cell of CPUs and memory only needs no expander */
        for (size_t s = 0; s < n_slots && !used; s++)
            used = slots[s].cell == (int)c;
        if (!used)
            continue;
        struct vp_guest_controller *pxb = add_controller(nm, VP_GPORT_EXPANDER, 0);
        pxb->cell = (unsigned)c;
        size_t below_from = nm->n_controllers;
        for (size_t s = 0; s < n_slots; s++) {
            if (slots[s].cell != (int)c || slots[s].first == SIZE_MAX)
                continue;
            size_t mates = 0;
            for (size_t t = s + 1; t < n_slots && slots[s].sw >= 0; t++)
                mates += slots[t].cell == (int)c && slots[t].sw == slots[s].sw && slots[t].first != SIZE_MAX;
            unsigned rp = add_controller(nm, VP_GPORT_ROOT, pxb->index)->index;
            if (!mates) {
                set_port(pvm, &slots[s], rp);
                slots[s].first = SIZE_MAX;
                continue;
            }
            unsigned up = add_controller(nm, VP_GPORT_SWITCH_UP, rp)->index;
            long sw = slots[s].sw;
            for (size_t t = s; t < n_slots; t++) {
                if (slots[t].cell != (int)c || slots[t].sw != sw || slots[t].first == SIZE_MAX)
                    continue;
                set_port(pvm, &slots[t], add_controller(nm, VP_GPORT_SWITCH_DOWN, up)->index);
                slots[t].first = SIZE_MAX;
            }
        }
        /* its buses: its own, then one per port below it */
        pxb->bus_nr = top - 1 - (unsigned)(nm->n_controllers - below_from);
        top = pxb->bus_nr;
    }
    for (size_t s = 0; s < n_slots; s++)
        if (slots[s].first != SIZE_MAX)
            set_port(pvm, &slots[s], add_controller(nm, VP_GPORT_ROOT, 0)->index);
    free(slots);
}

/* The huge pages each node needs; per node only where the kernel's even spread of hugepages=N falls short. */
static void
node_hugepages(struct vp_resolver *r)
{
    const struct vp_host *h = r->host;
    struct vp_plan_memory *m = &r->plan->memory;
    if (!m->hugepages || h->cpus.n_nodes == 0)
        return;
    m->n_node_hugepages = h->cpus.n_nodes;
    m->node_hugepages = vp_arena_alloc(r->arena, h->cpus.n_nodes * sizeof(*m->node_hugepages));
    uint64_t pinned = 0;
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        if (!pvm->numa.pinned || !pvm->res.hugepages || pvm->res.hugepage_size != m->hugepage_size)
            continue;
        for (size_t c = 0; c < pvm->numa.n_cells; c++) {
            long idx = node_index(h, pvm->numa.cells[c].host_node);
            if (idx >= 0) {
                m->node_hugepages[idx] += pvm->numa.cells[c].n_hugepages;
                pinned += pvm->numa.cells[c].n_hugepages;
            }
        }
    }
    uint64_t n = h->cpus.n_nodes, unpinned = m->n_hugepages > pinned ? m->n_hugepages - pinned : 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t even = m->n_hugepages / n + (i < m->n_hugepages % n);
        m->per_node |= m->node_hugepages[i] > even;
    }
    /* the unpinned VMs take theirs from any node: spread as the kernel would */
    for (size_t i = 0; i < n; i++)
        m->node_hugepages[i] += unpinned / n + (i < unpinned % n);
}

void
vp_resolve_numa(struct vp_resolver *r)
{
    const struct vp_host *h = r->host;
    r->numa_short = vp_xcalloc(r->plan->n_vms + 1, sizeof(*r->numa_short));
    for (size_t vm = 0; vm < r->plan->n_vms; vm++)
        for (size_t i = 0; i < r->plan->vms[vm].n_assigned; i++)
            r->plan->vms[vm].assigned[i].guest_cell = -1;
    if (!h->cpus.known || h->cpus.n_nodes == 0)
        return;
    unsigned max_id = 0;
    for (size_t i = 0; i < h->cpus.n; i++)
        max_id = h->cpus.cpus[i].id > max_id ? h->cpus.cpus[i].id : max_id;
    struct numa_state s = {.r = r, .n_ids = max_id + 1};
    s.owner = vp_xmalloc(s.n_ids * sizeof(*s.owner));
    for (unsigned i = 0; i < s.n_ids; i++)
        s.owner[i] = OWNER_FREE;
    housekeeping(&s);
    /* explicit lists first: the automatic choice then avoids their CPUs */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
            struct vp_plan_vm *pvm = &r->plan->vms[vm];
            const struct vp_vm *v = pvm->spec;
            bool explicit_cpus = v->host_cpus.n > 0;
            if (explicit_cpus != (pass == 0))
                continue;
            if (!explicit_cpus && (v->topology == VP_TOPOLOGY_NONE || pvm->n_assigned == 0 || v->allow_overcommit ||
                                   v->vcpus > h->cpus.n))
                continue;
            if (!(explicit_cpus ? pin_explicit(&s, vm) : pin_auto(&s, vm)))
                continue;
            pvm->numa.pinned = true;
            split_memory(pvm);
            emulator_cpus(&s, pvm);
            place_devices(r, pvm);
        }
    }
    free(s.owner);
    node_hugepages(r);
}
