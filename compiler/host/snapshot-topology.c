/* SPDX-License-Identifier: MIT */
/*
 * snapshot-topology.c: reading a snapshot's memory, CPUs, NUMA nodes and
 * root block devices (v2) into host facts, with the same checks a tree's
 * sysfs would pass: CPU lists in the kernel's format, each CPU once, a CPU
 * in its own sibling list, each node and page size once, no CPU in two
 * nodes. Every problem is VP3007 (the reader's uniform report).
 */
#include <stdlib.h>
#include <string.h>

#include "base/cpulist.h"
#include "base/util.h"
#include "snapshot-topology.h"

#define F(type, k, fn, member, a, ...)                                                                                 \
    {                                                                                                                  \
        .key = k, .parse = fn, .offset = offsetof(type, member), .arg = a, __VA_ARGS__                                 \
    }

/* A KiB count whose bytes fit 64 bits, and at most an exbibyte. */
static const struct vp_uint_arg kib_arg = {0, 1ull << 50, "a size in KiB"};
static const struct vp_uint_arg pages_arg = {0, 1ull << 40, "a number of pages"};
static const struct vp_uint_arg cpu_id_arg = {0, VP_MAX_CPUS - 1, "a CPU id"};
static const struct vp_uint_arg package_arg = {0, 65535, "a package id"};
static const struct vp_uint_arg core_arg = {0, 1u << 30, "a core id"};
static const struct vp_uint_arg node_id_arg = {0, VP_SNAPSHOT_MAX_NODE, "a node id"};
static const struct vp_string_arg cpulist_arg = {NULL, VP_SNAPSHOT_INVALID, "a CPU list", NULL};
static const struct vp_string_arg dev_path_arg = {NULL, VP_SNAPSHOT_INVALID, "a /dev path", NULL};

static const struct vp_field memory_fields[] = {
    F(struct vp_snap_memory, "total_kib", vp_field_u64, total_kib, &kib_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_memory, "hugepage_size_kib", vp_field_u64, hugepage_size_kib, &kib_arg),
    F(struct vp_snap_memory, "hugepages_total", vp_field_u64, hugepages_total, &pages_arg),
    F(struct vp_snap_memory, "hugepages_free", vp_field_u64, hugepages_free, &pages_arg),
    {0},
};
const struct vp_map_arg vp_snap_memory_map = {memory_fields, "memory", 0};

static const struct vp_field cpu_fields[] = {
    F(struct vp_snap_cpu, "id", vp_field_uint, id, &cpu_id_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_cpu, "package", vp_field_uint, package, &package_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_cpu, "core", vp_field_uint, core, &core_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_cpu, "siblings", vp_field_string, siblings, &cpulist_arg, .flags = VP_FIELD_REQUIRED),
    {0},
};
static const struct vp_map_arg cpu_map = {cpu_fields, "a CPU", VP_AT(struct vp_snap_cpu, pos)};
const struct vp_list_arg vp_snap_cpu_list = {
    sizeof(struct vp_snap_cpu), vp_field_map, &cpu_map,
    offsetof(struct vp_snap_topology, n_cpus) - offsetof(struct vp_snap_topology, cpus), VP_MAX_CPUS};

static const struct vp_field pool_fields[] = {
    F(struct vp_snap_pool, "size", vp_field_enum, size, &vp_hugepage_size_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_pool, "total", vp_field_u64, total, &pages_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_pool, "free", vp_field_u64, free, &pages_arg, .flags = VP_FIELD_REQUIRED),
    {0},
};
static const struct vp_map_arg pool_map = {pool_fields, "a huge page pool", VP_AT(struct vp_snap_pool, pos)};
static const struct vp_list_arg pool_list = {
    sizeof(struct vp_snap_pool), vp_field_map, &pool_map,
    offsetof(struct vp_snap_node, n_hugepages) - offsetof(struct vp_snap_node, hugepages), VP_HUGEPAGE__COUNT};

static const struct vp_field node_fields[] = {
    F(struct vp_snap_node, "id", vp_field_uint, id, &node_id_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_node, "cpus", vp_field_string, cpus, &cpulist_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_node, "mem_total_kib", vp_field_u64, mem_total_kib, &kib_arg, .flags = VP_FIELD_REQUIRED),
    F(struct vp_snap_node, "hugepages", vp_field_list, hugepages, &pool_list),
    {0},
};
static const struct vp_map_arg node_map = {node_fields, "a NUMA node", VP_AT(struct vp_snap_node, pos)};
const struct vp_list_arg vp_snap_node_list = {
    sizeof(struct vp_snap_node), vp_field_map, &node_map,
    offsetof(struct vp_snap_topology, n_nodes) - offsetof(struct vp_snap_topology, nodes), VP_SNAPSHOT_MAX_NODE + 1};

const struct vp_list_arg vp_snap_root_device_list = {
    sizeof(char *), vp_field_string, &dev_path_arg,
    offsetof(struct vp_snap_topology, n_root_devices) - offsetof(struct vp_snap_topology, root_devices), 64};

const char *const vp_snap_v2_keys[] = {"memory", "cpus", "nodes", "root_devices", NULL};

/* A CPU list of the snapshot into the host's arena; -1 (reported) if malformed. */
static int
cpulist(struct vp_fparser *p, const char *text, const struct vp_pos *pos, unsigned **out, size_t *n)
{
    unsigned *ids;
    if (!vp_cpulist_parse(text, VP_MAX_CPUS, &ids, n))
        return vp_field_error(p, VP_SNAPSHOT_INVALID, pos, "'%s' is not a CPU list", text);
    *out = vp_arena_memdup(p->arena, ids, *n * sizeof(*ids));
    free(ids);
    return 0;
}

static int
cpu_cmp(const void *a, const void *b)
{
    unsigned x = ((const struct vp_cpu *)a)->id, y = ((const struct vp_cpu *)b)->id;
    return x < y ? -1 : x > y;
}

static int
node_cmp(const void *a, const void *b)
{
    unsigned x = ((const struct vp_numa_node *)a)->id, y = ((const struct vp_numa_node *)b)->id;
    return x < y ? -1 : x > y;
}

static int
finish_cpus(struct vp_fparser *p, struct vp_snap_topology *t, struct vp_host *host)
{
    struct vp_cpu *cpus = vp_arena_alloc(p->arena, (t->n_cpus + 1) * sizeof(*cpus));
    int rc = 0;
    for (size_t i = 0; i < t->n_cpus; i++) {
        const struct vp_snap_cpu *sc = &t->cpus[i];
        struct vp_cpu *c = &cpus[i];
        *c = (struct vp_cpu){.id = sc->id, .package = sc->package, .core = sc->core, .node = -1};
        if (cpulist(p, sc->siblings, &sc->pos, &c->siblings, &c->n_siblings) < 0) {
            rc = -1;
            continue;
        }
        bool self = false;
        for (size_t k = 0; k < c->n_siblings; k++)
            self |= c->siblings[k] == c->id;
        if (!self)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &sc->pos, "CPU %u is not among its own siblings '%s'", c->id,
                                sc->siblings);
    }
    vp_sort(cpus, t->n_cpus, sizeof(*cpus), cpu_cmp);
    for (size_t i = 1; i < t->n_cpus; i++)
        if (cpus[i].id == cpus[i - 1].id)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &t->cpus_pos, "CPU %u is listed twice", cpus[i].id);
    host->cpus.cpus = cpus;
    host->cpus.n = t->n_cpus;
    return rc;
}

static int
finish_nodes(struct vp_fparser *p, struct vp_snap_topology *t, struct vp_host *host)
{
    struct vp_numa_node *nodes = vp_arena_alloc(p->arena, (t->n_nodes + 1) * sizeof(*nodes));
    int rc = 0;
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct vp_snap_node *sn = &t->nodes[i];
        struct vp_numa_node *node = &nodes[i];
        node->id = sn->id;
        node->mem_total = sn->mem_total_kib << 10;
        if (cpulist(p, sn->cpus, &sn->pos, &node->cpus, &node->n_cpus) < 0)
            rc = -1;
        bool seen[VP_HUGEPAGE__COUNT] = {false};
        for (size_t k = 0; k < sn->n_hugepages; k++) {
            const struct vp_snap_pool *pool = &sn->hugepages[k];
            if (seen[pool->size]) {
                rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &pool->pos, "huge page size %s is given twice",
                                    vp_hugepage_size_name(pool->size));
                continue;
            }
            seen[pool->size] = true;
            if (pool->free > pool->total)
                rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &pool->pos, "%llu free huge pages of %llu",
                                    (unsigned long long)pool->free, (unsigned long long)pool->total);
            node->hugepages[pool->size] = (struct vp_hugepage_pool){pool->total, pool->free};
        }
    }
    vp_sort(nodes, t->n_nodes, sizeof(*nodes), node_cmp);
    for (size_t i = 1; i < t->n_nodes; i++)
        if (nodes[i].id == nodes[i - 1].id)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &t->nodes_pos, "NUMA node %u is listed twice", nodes[i].id);
    host->cpus.nodes = nodes;
    host->cpus.n_nodes = t->n_nodes;
    return rc;
}

int
vp_snap_topology_finish(struct vp_fparser *p, struct vp_snap_topology *t, struct vp_host *host)
{
    int rc = 0;
    if (t->has_memory) {
        struct vp_host_memory *m = &host->memory;
        m->total = t->memory.total_kib << 10;
        m->hugepage_size = t->memory.hugepage_size_kib << 10;
        m->hugepages_total = t->memory.hugepages_total;
        m->hugepages_free = t->memory.hugepages_free;
        m->known = m->total > 0;
    }
    if (t->has_nodes && !t->has_cpus)
        rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &t->nodes_pos, "the snapshot has nodes but no cpus");
    if (t->has_cpus) {
        if (finish_cpus(p, t, host) < 0)
            rc = -1;
        if (t->has_nodes && finish_nodes(p, t, host) < 0)
            rc = -1;
        host->cpus.known = t->n_cpus > 0;
        if (rc == 0 && vp_host_finish_topology(host) < 0)
            rc = vp_field_error(p, VP_SNAPSHOT_INVALID, &t->nodes_pos, "a CPU is in two NUMA nodes");
    }
    if (t->has_root_devices) {
        struct vp_name_set set = {0};
        for (size_t i = 0; i < t->n_root_devices; i++)
            vp_root_devices_note_path(&set, t->root_devices[i]);
        vp_root_devices_finish(host, &set);
    }
    return rc;
}
