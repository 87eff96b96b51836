/* SPDX-License-Identifier: MIT */
/*
 * host-topology.c: memory, CPUs and NUMA nodes from a host tree:
 * proc/meminfo, sys/devices/system/cpu (online CPUs, each one's package,
 * core and SMT siblings) and sys/devices/system/node (each node's CPUs,
 * memory and huge pages per size). What is missing stays unknown
 * (memory.known, cpus.known false) and the checks that need it are skipped;
 * what is malformed is a VP3003 warning, never a guess.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpulist.h"
#include "base/util.h"
#include "host-internal.h"

/* The kernel's MAX_NUMNODES is at most 1024. */
enum { MAX_NODES = 1024 };

static void
warn(struct vp_host *host, struct vp_diags *d, const char *what)
{
    vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = host->source}, "%s", what);
}

/* A "Key:   123 kB" or "Key:   123" line of a meminfo file; *value in the unit given (kB as bytes). */
static bool
meminfo_value(const char *text, const char *key, uint64_t *value)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ':')
            continue;
        const char *p = line + klen + 1;
        while (*p == ' ')
            p++;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p)
            return false;
        if (strncmp(end, " kB", 3) == 0) {
            if (v > UINT64_MAX / 1024)
                return false;
            v *= 1024;
        }
        *value = v;
        return true;
    }
    return false;
}

static void
read_meminfo(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    char buf[8192];
    if (vp_root_read(root, "proc/meminfo", buf, sizeof(buf)) < 0)
        return; /* unknown: the memory checks are skipped */
    struct vp_host_memory *m = &host->memory;
    if (!meminfo_value(buf, "MemTotal", &m->total) || m->total == 0) {
        warn(host, d, "proc/meminfo has no MemTotal: the checks on memory and huge pages are skipped");
        return;
    }
    /* A kernel without hugetlbfs has none of these: no huge pages. */
    meminfo_value(buf, "Hugepagesize", &m->hugepage_size);
    meminfo_value(buf, "HugePages_Total", &m->hugepages_total);
    meminfo_value(buf, "HugePages_Free", &m->hugepages_free);
    m->known = true;
}

/* Reads a cpulist file; false when missing or malformed. */
static bool
read_cpulist(const struct vp_root *root, const char *rel, unsigned **ids, size_t *n)
{
    char buf[65536];
    if (vp_root_read(root, rel, buf, sizeof(buf)) < 0)
        return false;
    return vp_cpulist_parse(buf, VP_MAX_CPUS, ids, n);
}

static bool
read_uint(const struct vp_root *root, const char *rel, unsigned max, unsigned *out)
{
    char buf[32];
    if (vp_root_read(root, rel, buf, sizeof(buf)) <= 0 || strspn(buf, "0123456789") != strlen(buf) || strlen(buf) > 9)
        return false;
    unsigned long v = strtoul(buf, NULL, 10);
    if (v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool
read_u64(const struct vp_root *root, const char *rel, uint64_t *out)
{
    char buf[32];
    if (vp_root_read(root, rel, buf, sizeof(buf)) <= 0 || strspn(buf, "0123456789") != strlen(buf) || strlen(buf) > 19)
        return false;
    *out = strtoull(buf, NULL, 10);
    return true;
}

static unsigned *
arena_ids(struct vp_host *host, unsigned *ids, size_t n)
{
    unsigned *out = vp_arena_memdup(vp_host_arena(host), ids, n * sizeof(*ids));
    free(ids);
    return out;
}

static bool
read_cpu(struct vp_host *host, const struct vp_root *root, unsigned id, struct vp_cpu *cpu)
{
    char rel[128];
    cpu->id = id;
    cpu->node = -1;
    snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/topology/physical_package_id", id);
    if (!read_uint(root, rel, 65535, &cpu->package))
        return false;
    snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/topology/core_id", id);
    if (!read_uint(root, rel, 1u << 30, &cpu->core))
        return false;
    /* core_cpus_list since Linux 5.7; thread_siblings_list before (the same list) */
    unsigned *ids;
    size_t n;
    snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/topology/core_cpus_list", id);
    if (!read_cpulist(root, rel, &ids, &n)) {
        snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", id);
        if (!read_cpulist(root, rel, &ids, &n))
            return false;
    }
    bool self = false;
    for (size_t i = 0; i < n; i++)
        self |= ids[i] == id;
    if (!self) {
        free(ids);
        return false;
    }
    cpu->siblings = arena_ids(host, ids, n);
    cpu->n_siblings = n;
    return true;
}

static void
read_cpus(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    unsigned *online;
    size_t n;
    if (!vp_root_exists(root, "sys/devices/system/cpu/online"))
        return; /* unknown: the checks on vCPUs are skipped */
    if (!read_cpulist(root, "sys/devices/system/cpu/online", &online, &n) || n == 0) {
        warn(host, d, "sys/devices/system/cpu/online is not a CPU list: the checks on vCPUs are skipped");
        return;
    }
    struct vp_cpu *cpus = vp_arena_alloc(vp_host_arena(host), n * sizeof(*cpus));
    for (size_t i = 0; i < n; i++) {
        if (!read_cpu(host, root, online[i], &cpus[i])) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "the topology of CPU %u cannot be read (sys/devices/system/cpu/cpu%u/topology): the checks on "
                     "vCPUs are skipped",
                     online[i], online[i]);
            warn(host, d, msg);
            free(online);
            return;
        }
    }
    free(online);
    host->cpus.cpus = cpus;
    host->cpus.n = n;
    host->cpus.known = true;
}

static int
node_cmp(const void *a, const void *b)
{
    unsigned x = ((const struct vp_numa_node *)a)->id, y = ((const struct vp_numa_node *)b)->id;
    return x < y ? -1 : x > y;
}

static bool
read_node(struct vp_host *host, const struct vp_root *root, unsigned id, struct vp_numa_node *node)
{
    static const char *const pool_dir[VP_HUGEPAGE__COUNT] = {
        [VP_HUGEPAGE_2M] = "hugepages-2048kB",
        [VP_HUGEPAGE_1G] = "hugepages-1048576kB",
    };
    char rel[160], buf[8192];
    node->id = id;
    unsigned *ids;
    snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/cpulist", id);
    if (!read_cpulist(root, rel, &ids, &node->n_cpus))
        return false;
    node->cpus = arena_ids(host, ids, node->n_cpus);
    snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/meminfo", id);
    char key[40];
    snprintf(key, sizeof(key), "Node %u MemTotal", id);
    if (vp_root_read(root, rel, buf, sizeof(buf)) < 0 || !meminfo_value(buf, key, &node->mem_total))
        return false;
    for (int s = 0; s < VP_HUGEPAGE__COUNT; s++) {
        /* a size the CPU lacks has no directory: no pages of it */
        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/hugepages/%s/nr_hugepages", id, pool_dir[s]);
        if (!vp_root_exists(root, rel))
            continue;
        if (!read_u64(root, rel, &node->hugepages[s].total))
            return false;
        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/hugepages/%s/free_hugepages", id, pool_dir[s]);
        if (!read_u64(root, rel, &node->hugepages[s].free))
            return false;
    }
    return true;
}

static void
read_nodes(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    DIR *dir = vp_root_opendir(root, "sys/devices/system/node");
    if (!dir)
        return; /* a kernel without NUMA: no nodes */
    struct vp_numa_node *nodes = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(dir))) {
        const char *digits = e->d_name + 4;
        if (!vp_startswith(e->d_name, "node") || !*digits || strspn(digits, "0123456789") != strlen(digits) ||
            strlen(digits) > 4)
            continue;
        unsigned id = (unsigned)strtoul(digits, NULL, 10);
        if (id >= MAX_NODES || n >= MAX_NODES)
            continue;
        void *items = nodes;
        vp_xgrow(&items, &cap, n + 1, sizeof(*nodes));
        nodes = items;
        memset(&nodes[n], 0, sizeof(*nodes));
        ok = read_node(host, root, id, &nodes[n]);
        if (!ok) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "NUMA node %u cannot be read (sys/devices/system/node/node%u): the host's nodes are left out", id,
                     id);
            warn(host, d, msg);
        }
        n++;
    }
    closedir(dir);
    if (ok) {
        vp_sort(nodes, n, sizeof(*nodes), node_cmp);
        host->cpus.nodes = vp_arena_memdup(vp_host_arena(host), nodes, n * sizeof(*nodes));
        host->cpus.n_nodes = n;
    }
    free(nodes);
}

void
vp_host_read_topology(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    read_meminfo(host, root, d);
    read_cpus(host, root, d);
    if (host->cpus.known) /* nodes are read for their CPUs: without those, neither */
        read_nodes(host, root, d);
    if (vp_host_finish_topology(host) < 0) {
        warn(host, d, "the NUMA nodes' CPU lists overlap: the host's nodes are left out");
        host->cpus.nodes = NULL;
        host->cpus.n_nodes = 0;
        vp_host_finish_topology(host);
    }
}
