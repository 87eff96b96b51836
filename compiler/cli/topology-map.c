/* SPDX-License-Identifier: MIT */
/*
 * topology-map.c: `check`'s map of what topology: auto made of a VM: each
 * guest cell with its host node, vCPUs, host CPUs, memory and huge pages,
 * and where the emulator threads run. The devices' lines (cmd-check.c) add
 * each device's host node and guest cell.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "base/cpulist.h"
#include "base/units.h"
#include "base/util.h"
#include "cli.h"

static int
uint_cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

void
vp_cli_cell_host_cpus(const struct vp_plan_vm *pvm, size_t cell, struct vp_strbuf *sb)
{
    const struct vp_cpu_set *v = &pvm->numa.cells[cell].vcpus;
    unsigned *ids = vp_xcalloc(v->n + 1, sizeof(*ids));
    for (size_t i = 0; i < v->n; i++)
        ids[i] = pvm->numa.vcpu_pins[v->ids[i]];
    vp_sort(ids, v->n, sizeof(*ids), uint_cmp);
    vp_cpulist_format(sb, ids, v->n);
    free(ids);
}

void
vp_cli_topology_map(FILE *out, const struct vp_plan_vm *pvm)
{
    const struct vp_plan_vm_numa *nm = &pvm->numa;
    if (!nm->pinned) {
        fprintf(out, "  topology: none (one guest node, vCPUs and memory unpinned)\n");
        return;
    }
    fprintf(out, "  topology: %s, %zu guest cell%s\n", nm->explicit_cpus ? "host_cpus" : "auto", nm->n_cells,
            nm->n_cells == 1 ? "" : "s");
    for (size_t c = 0; c < nm->n_cells; c++) {
        const struct vp_plan_cell *cell = &nm->cells[c];
        struct vp_strbuf vcpus = {0}, host = {0};
        vp_cpulist_format(&vcpus, cell->vcpus.ids, cell->vcpus.n);
        vp_cli_cell_host_cpus(pvm, c, &host);
        char mem[32];
        fprintf(out, "    cell %zu <- host node %u: vCPUs %s -> host CPUs %s; %s", c, cell->host_node,
                vcpus.data ? vcpus.data : "none", host.data ? host.data : "none",
                vp_format_size(cell->memory, mem, sizeof(mem)));
        if (cell->n_hugepages)
            fprintf(out, " in %" PRIu64 " huge pages of %s", cell->n_hugepages,
                    vp_hugepage_size_name(pvm->res.hugepage_size));
        fputc('\n', out);
        vp_strbuf_free(&vcpus);
        vp_strbuf_free(&host);
    }
    struct vp_strbuf emu = {0};
    vp_cpulist_format(&emu, nm->emulator.ids, nm->emulator.n);
    fprintf(out, "    emulator threads -> host CPUs %s\n", emu.data ? emu.data : "none");
    vp_strbuf_free(&emu);
}

static const struct vp_guest_controller *
controller(const struct vp_plan_vm_numa *nm, unsigned index)
{
    for (size_t i = 0; i < nm->n_controllers; i++)
        if (nm->controllers[i].index == index)
            return &nm->controllers[i];
    return NULL;
}

void
vp_cli_device_place(FILE *out, const struct vp_plan_vm *pvm, const struct vp_assignment *a)
{
    if (a->guest_cell < 0) {
        fprintf(out, ", host node unknown -> pcie-root");
        return;
    }
    fprintf(out, ", host node %u -> cell %d", pvm->numa.cells[a->guest_cell].host_node, a->guest_cell);
    const struct vp_guest_controller *port = controller(&pvm->numa, a->guest_port), *c = port;
    while (c && c->model != VP_GPORT_EXPANDER)
        c = controller(&pvm->numa, c->parent);
    if (c)
        fprintf(out, " (expander %u%s)", c->index, port->model == VP_GPORT_SWITCH_DOWN ? ", switch" : "");
}
