/* SPDX-License-Identifier: MIT */
/* host-cpus.c: what every source shares about CPUs and NUMA nodes: each CPU's node, and lookups. */
#include "host-internal.h"

const struct vp_cpu *
vp_host_cpu(const struct vp_host *host, unsigned id)
{
    size_t lo = 0, hi = host->cpus.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (host->cpus.cpus[mid].id == id)
            return &host->cpus.cpus[mid];
        if (host->cpus.cpus[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct vp_numa_node *
vp_host_node(const struct vp_host *host, unsigned id)
{
    for (size_t i = 0; i < host->cpus.n_nodes; i++)
        if (host->cpus.nodes[i].id == id)
            return &host->cpus.nodes[i];
    return NULL;
}

bool
vp_host_smt(const struct vp_host *host)
{
    for (size_t i = 0; i < host->cpus.n; i++)
        if (host->cpus.cpus[i].n_siblings > 1)
            return true;
    return false;
}

int
vp_host_finish_topology(struct vp_host *host)
{
    struct vp_host_cpus *c = &host->cpus;
    for (size_t i = 0; i < c->n; i++)
        c->cpus[i].node = -1;
    int rc = 0;
    for (size_t k = 0; k < c->n_nodes; k++) {
        for (size_t j = 0; j < c->nodes[k].n_cpus; j++) {
            struct vp_cpu *cpu = (struct vp_cpu *)vp_host_cpu(host, c->nodes[k].cpus[j]);
            if (!cpu)
                continue; /* an offline CPU of the node */
            if (cpu->node >= 0)
                rc = -1;
            cpu->node = (int)c->nodes[k].id;
        }
    }
    return rc;
}
