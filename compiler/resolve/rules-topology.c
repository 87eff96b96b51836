/* SPDX-License-Identifier: MIT */
/*
 * rules-topology.c: the rules on what topology: auto and host_cpus pin: CPU
 * lists that fit the host and the VM and never share a CPU, nodes with
 * cores and memory enough for the cells bound to them, and a warning for a
 * VM left unpinned although its devices span nodes. Each is skipped when
 * the host's CPUs are unknown (a snapshot-v1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/cpulist.h"
#include "base/units.h"
#include "base/util.h"
#include "resolve-internal.h"

/* Whose pin a host CPU is, before VM `upto`: "host.housekeeping", a VM's name, or NULL. */
static const char *
pinned_by(const struct vp_resolver *r, unsigned cpu, size_t upto)
{
    const struct vp_cpu_set *hk = &r->plan->housekeeping;
    for (size_t i = 0; i < hk->n; i++)
        if (hk->ids[i] == cpu)
            return r->spec->host.has_housekeeping ? "host.housekeeping" : "the host's housekeeping CPUs";
    for (size_t vm = 0; vm < upto; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        for (size_t i = 0; pvm->numa.pinned && i < pvm->spec->vcpus; i++)
            if (pvm->numa.vcpu_pins[i] == cpu)
                return pvm->spec->name;
        const struct vp_cpu_set *want = &pvm->spec->host_cpus;
        for (size_t i = 0; !pvm->numa.pinned && i < want->n; i++)
            if (want->ids[i] == cpu)
                return pvm->spec->name;
    }
    return NULL;
}

static void
hint_free_cpus(struct vp_resolver *r)
{
    struct vp_strbuf sb = {0};
    unsigned *ids = vp_xcalloc(r->host->cpus.n + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < r->host->cpus.n; i++)
        if (!pinned_by(r, r->host->cpus.cpus[i].id, r->plan->n_vms))
            ids[n++] = r->host->cpus.cpus[i].id;
    vp_cpulist_format(&sb, ids, n);
    vp_hint(r->d, "list as many online CPUs as vcpus, none that another VM or the housekeeping CPUs have; free: %s",
            n ? sb.data : "none");
    vp_strbuf_free(&sb);
    free(ids);
}

void
vp_rule_cpu_pin_overlap(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    if (!h->cpus.known)
        return;
    const struct vp_host_spec *hs = &r->spec->host;
    for (size_t i = 0; hs->has_housekeeping && i < hs->housekeeping.n; i++) {
        if (vp_host_cpu(h, hs->housekeeping.ids[i]))
            continue;
        vp_rule_report(r, code, &hs->housekeeping_pos, "host.housekeeping names CPU %u; host %s has no such CPU online",
                       hs->housekeeping.ids[i], hs->name);
        vp_hint(r->d, "name online CPUs ('%s' lists them)", vp_resolver_scan_command(r));
        break;
    }
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_vm *v = r->plan->vms[vm].spec;
        const struct vp_cpu_set *want = &v->host_cpus;
        if (!want->n)
            continue;
        if (want->n != v->vcpus) {
            vp_rule_report(r, code, &v->host_cpus_pos, "host_cpus of VM '%s' lists %zu CPU%s for its %u vCPUs", v->name,
                           want->n, want->n == 1 ? "" : "s", v->vcpus);
            vp_hint(r->d, "list one host CPU per vCPU: vCPU i runs on the i-th CPU of the list");
            continue;
        }
        for (size_t i = 0; i < want->n; i++) {
            const char *other = pinned_by(r, want->ids[i], vm);
            if (vp_host_cpu(h, want->ids[i]) && !other)
                continue;
            if (!vp_host_cpu(h, want->ids[i]))
                vp_rule_report(r, code, &v->host_cpus_pos,
                               "host_cpus of VM '%s' names CPU %u; host %s has no such CPU online", v->name,
                               want->ids[i], hs->name);
            else
                vp_rule_report(r, code, &v->host_cpus_pos, "VM '%s' is pinned to CPU %u, which %s has too", v->name,
                               want->ids[i], other);
            vp_note(r->d, "two guests on one CPU take turns and stall each other; the host's own work runs on the "
                          "housekeeping CPUs");
            hint_free_cpus(r);
            break;
        }
    }
}

void
vp_rule_node_cpus_short(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_numa_short *s = &r->numa_short[vm];
        if (!s->is_short)
            continue;
        const struct vp_vm *v = r->plan->vms[vm].spec;
        vp_rule_report(r, code, &v->vcpus_pos,
                       "VM '%s' needs %u free core%s%s on NUMA node %u, where its devices are; the node has %u",
                       v->name, s->want, s->want == 1 ? "" : "s", s->threads > 1 ? " of 2 threads" : "", s->node,
                       s->have);
        vp_note(r->d, "topology: auto pins each vCPU to a CPU of its device's node, whole cores, none that the "
                      "housekeeping CPUs or an earlier VM have");
        vp_hint(r->d, "give it fewer vcpus, list its CPUs in host_cpus, or set topology: none (unpinned: its vCPUs "
                      "and memory may then sit on another node than its devices)");
    }
}

void
vp_rule_node_memory_short(struct vp_resolver *r, enum vp_code code)
{
    const struct vp_host *h = r->host;
    if (!h->cpus.known || !h->memory.known)
        return;
    uint64_t whole = h->memory.total > r->plan->memory.reserve ? h->memory.total - r->plan->memory.reserve : 0;
    for (size_t n = 0; n < h->cpus.n_nodes; n++) {
        const struct vp_numa_node *node = &h->cpus.nodes[n];
        if (!node->mem_total)
            continue;
        /* the host's reserve comes from every node alike */
        uint64_t share = r->plan->memory.reserve / h->cpus.n_nodes;
        uint64_t can = node->mem_total > share ? node->mem_total - share : 0, used = 0;
        bool reported = false;
        for (size_t vm = 0; vm < r->plan->n_vms && !reported; vm++) {
            const struct vp_plan_vm *pvm = &r->plan->vms[vm];
            if (pvm->spec->memory_bytes > whole) /* more than the host can give at all: VP4041 says so */
                continue;
            for (size_t c = 0; pvm->numa.pinned && c < pvm->numa.n_cells && !reported; c++) {
                const struct vp_plan_cell *cell = &pvm->numa.cells[c];
                if (cell->host_node != node->id)
                    continue;
                used += cell->memory;
                if (used <= can)
                    continue;
                char cell_s[32], can_s[32], before[32];
                vp_rule_report(r, code, &pvm->spec->memory_pos,
                               "VM '%s' binds %s of memory to NUMA node %u; the node can give %s%s%s%s",
                               pvm->spec->name, vp_format_size(cell->memory, cell_s, sizeof(cell_s)), node->id,
                               vp_format_size(can, can_s, sizeof(can_s)), used > cell->memory ? ", " : "",
                               used > cell->memory ? vp_format_size(used - cell->memory, before, sizeof(before)) : "",
                               used > cell->memory ? " of it to the VMs before" : "");
                vp_note(r->d, "topology: auto binds each guest cell's memory to its node (strict): the guest would "
                              "fail to start, or the kernel kill it, when the node runs out");
                vp_hint(r->d, "lower the VM's memory, or set topology: none to take memory from any node");
                reported = true;
            }
        }
    }
}

void
vp_rule_topology_unpinned_span(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &r->plan->vms[vm];
        const struct vp_vm *v = pvm->spec;
        if (v->topology != VP_TOPOLOGY_NONE || !vp_numa_spans_nodes(r, pvm))
            continue;
        vp_rule_report(r, code, &v->topology_pos,
                       "the devices of VM '%s' sit on several NUMA nodes, and topology: none leaves its vCPUs and "
                       "memory unpinned",
                       v->name);
        vp_note(r->d, "the guest sees one node: its drivers cannot keep work near each device, and DMA crosses the "
                      "link between the sockets");
        vp_hint(r->d, "remove topology: none (auto mirrors the nodes), or pass through devices of one node only");
    }
}
