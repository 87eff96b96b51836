/* SPDX-License-Identifier: MIT */
/*
 * libvirt-numa.c: the domain's side of topology: auto. vcpupin and
 * emulatorpin, a memnode (strict) per cell, <cpu><numa> cells, and the
 * PCIe tree that mirrors the host's: a pcie-expander-bus per cell with
 * <target><node>, root ports and emulated switches below it at explicit
 * slots, so that guest addresses do not move when libvirt fills in the rest.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/cpulist.h"
#include "base/util.h"
#include "libvirt-numa.h"

static xmlNodePtr
child(xmlNodePtr parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static void
setu(xmlNodePtr node, const char *name, uint64_t value)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, value);
    xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

static void
set(xmlNodePtr node, const char *name, const char *value)
{
    xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

static void
set_cpus(xmlNodePtr node, const char *name, const unsigned *ids, size_t n)
{
    struct vp_strbuf sb = {0};
    vp_cpulist_format(&sb, ids, n);
    set(node, name, sb.data ? sb.data : "");
    vp_strbuf_free(&sb);
}

static void
comment(xmlNodePtr parent, const char *text)
{
    xmlAddChild(parent, xmlNewDocComment(parent->doc, BAD_CAST text));
}

/* The distinct host nodes of the cells, ascending. */
static size_t
cell_nodes(const struct vp_plan_vm *pvm, unsigned *nodes)
{
    size_t n = 0;
    for (size_t c = 0; c < pvm->numa.n_cells; c++) {
        unsigned node = pvm->numa.cells[c].host_node;
        size_t at = 0;
        while (at < n && nodes[at] < node)
            at++;
        if (at < n && nodes[at] == node)
            continue;
        for (size_t k = n; k > at; k--)
            nodes[k] = nodes[k - 1];
        nodes[at] = node;
        n++;
    }
    return n;
}

void
vp_libvirt_numa_tune(xmlNodePtr dom, const struct vp_plan_vm *pvm)
{
    const struct vp_plan_vm_numa *nm = &pvm->numa;
    if (!nm->pinned)
        return;
    comment(dom, nm->explicit_cpus ? " Each vCPU on the host CPU host_cpus lists; the emulator threads on the "
                                     "host's housekeeping CPUs. "
                                   : " topology: auto: each vCPU on its own host CPU of the node its cell mirrors, "
                                     "whole cores; the emulator threads on the host's housekeeping CPUs. ");
    xmlNodePtr tune = child(dom, "cputune");
    for (unsigned v = 0; v < pvm->spec->vcpus; v++) {
        xmlNodePtr pin = child(tune, "vcpupin");
        setu(pin, "vcpu", v);
        setu(pin, "cpuset", nm->vcpu_pins[v]);
    }
    set_cpus(child(tune, "emulatorpin"), "cpuset", nm->emulator.ids, nm->emulator.n);

    /* memory of each cell from its node only: a guest told "this memory is near that GPU" must get it there */
    xmlNodePtr numatune = child(dom, "numatune");
    unsigned *nodes = vp_xcalloc(nm->n_cells + 1, sizeof(*nodes));
    size_t n_nodes = cell_nodes(pvm, nodes);
    xmlNodePtr mem = child(numatune, "memory");
    set(mem, "mode", "strict");
    set_cpus(mem, "nodeset", nodes, n_nodes);
    free(nodes);
    for (size_t c = 0; c < nm->n_cells; c++) {
        xmlNodePtr mn = child(numatune, "memnode");
        setu(mn, "cellid", c);
        set(mn, "mode", "strict");
        setu(mn, "nodeset", nm->cells[c].host_node);
    }
}

void
vp_libvirt_numa_cells(xmlNodePtr cpu, const struct vp_plan_vm *pvm)
{
    const struct vp_plan_vm_numa *nm = &pvm->numa;
    if (!nm->pinned)
        return;
    xmlNodePtr numa = child(cpu, "numa");
    for (size_t c = 0; c < nm->n_cells; c++) {
        const struct vp_plan_cell *cell = &nm->cells[c];
        char note[64];
        snprintf(note, sizeof(note), " cell %zu: host NUMA node %u ", c, cell->host_node);
        comment(numa, note);
        xmlNodePtr x = child(numa, "cell");
        setu(x, "id", c);
        if (cell->vcpus.n) /* a cell of memory and devices only, when the VM has fewer cores than cells */
            set_cpus(x, "cpus", cell->vcpus.ids, cell->vcpus.n);
        setu(x, "memory", cell->memory >> 10);
        set(x, "unit", "KiB");
    }
}

static void
address(xmlNodePtr ctl, unsigned bus, unsigned slot)
{
    char buf[16];
    xmlNodePtr a = child(ctl, "address");
    set(a, "type", "pci");
    set(a, "domain", "0x0000");
    snprintf(buf, sizeof(buf), "0x%02x", bus);
    set(a, "bus", buf);
    snprintf(buf, sizeof(buf), "0x%02x", slot);
    set(a, "slot", buf);
    set(a, "function", "0x0");
}

bool
vp_libvirt_numa_controllers(xmlNodePtr devs, const struct vp_plan_vm *pvm)
{
    const struct vp_plan_vm_numa *nm = &pvm->numa;
    if (!nm->n_controllers)
        return false;
    comment(devs, " One PCIe expander bus per guest NUMA cell; each device's root port under the expander of its "
                  "host node, devices behind one host switch behind one emulated switch. ");
    for (size_t i = 0; i < nm->n_controllers; i++) {
        const struct vp_guest_controller *c = &nm->controllers[i];
        xmlNodePtr x = child(devs, "controller");
        set(x, "type", "pci");
        setu(x, "index", c->index);
        set(x, "model", vp_guest_port_name(c->model));
        if (c->model == VP_GPORT_EXPANDER) {
            xmlNodePtr t = child(x, "target");
            setu(t, "busNr", c->bus_nr);
            char node[16];
            snprintf(node, sizeof(node), "%u", c->cell);
            xmlNewTextChild(t, NULL, BAD_CAST "node", BAD_CAST node);
            continue;
        }
        if (c->parent == 0)
            continue; /* on pcie-root: libvirt picks the slot */
        /* the slot: how many controllers before it plug into the same parent */
        unsigned slot = 0;
        for (size_t k = 0; k < i; k++)
            slot += nm->controllers[k].parent == c->parent;
        address(x, c->parent, slot);
    }
    return true;
}
