/* SPDX-License-Identifier: MIT */
/* host-summary.c: one line on the host's CPUs and memory, for check and scan. */
#include <inttypes.h>
#include <stdlib.h>

#include "base/units.h"
#include "base/util.h"
#include "cli.h"

/* Distinct (package, core) pairs: the host's cores. */
static size_t
count_cores(const struct vp_host_cpus *c)
{
    size_t cores = 0;
    for (size_t i = 0; i < c->n; i++) {
        /* a core counts at its first thread (siblings are ascending) */
        if (c->cpus[i].n_siblings == 0 || c->cpus[i].siblings[0] == c->cpus[i].id)
            cores++;
    }
    return cores;
}

void
vp_cli_host_summary(FILE *out, const struct vp_host *h)
{
    if (h->snapshot_lacks && !h->cpus.known && !h->memory.known) {
        fprintf(out, "  host CPUs and memory: unknown (the snapshot has no %s)\n", h->snapshot_lacks);
        return;
    }
    fprintf(out, "  host CPUs and memory:");
    if (h->cpus.known) {
        size_t cores = count_cores(&h->cpus);
        fprintf(out, " %zu CPUs (%zu cores%s)", h->cpus.n, cores, vp_host_smt(h) ? ", SMT on" : "");
        if (h->cpus.n_nodes)
            fprintf(out, " on %zu NUMA node%s", h->cpus.n_nodes, h->cpus.n_nodes == 1 ? "" : "s");
    } else {
        fprintf(out, " CPUs unknown");
    }
    if (h->memory.known) {
        char total[32], page[32];
        fprintf(out, ", %s of memory", vp_format_size(h->memory.total, total, sizeof(total)));
        if (h->memory.hugepages_total)
            fprintf(out, ", %" PRIu64 " huge pages of %s (%" PRIu64 " free)", h->memory.hugepages_total,
                    vp_format_size(h->memory.hugepage_size, page, sizeof(page)), h->memory.hugepages_free);
    } else {
        fprintf(out, ", memory unknown");
    }
    if (h->cpu_pdpe1gb >= 0)
        fprintf(out, "; 1G pages: %s", h->cpu_pdpe1gb ? "yes" : "no");
    fputc('\n', out);
}
