/* SPDX-License-Identifier: MIT */
/*
 * libvirt-resources.c: what a domain says of the host's memory and CPUs.
 * The huge page size is always explicit (<page size=.../>): libvirt would
 * otherwise take the host's default size, whatever the plan reserved. The
 * CPU topology is explicit too: without it QEMU makes every vCPU a socket
 * of its own, and Windows, which uses at most two sockets, would run a
 * 16-vCPU VM on two CPUs.
 */
#include <inttypes.h>
#include <stdio.h>

#include "libvirt-resources.h"

static void
set(xmlNodePtr node, const char *name, uint64_t value)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, value);
    xmlNewProp(node, BAD_CAST name, BAD_CAST buf);
}

void
vp_libvirt_memory_backing(xmlNodePtr dom, const struct vp_plan_vm *pvm)
{
    if (!pvm->res.hugepages)
        return;
    char note[200];
    snprintf(note, sizeof(note),
             " %" PRIu64 " huge pages of %s, reserved at boot by the kernel command line (hugepages=); the guest "
             "cannot start without them ",
             pvm->res.n_hugepages, vp_hugepage_size_name(pvm->res.hugepage_size));
    xmlAddChild(dom, xmlNewDocComment(dom->doc, BAD_CAST note));
    xmlNodePtr backing = xmlNewChild(dom, NULL, BAD_CAST "memoryBacking", NULL);
    xmlNodePtr pages = xmlNewChild(backing, NULL, BAD_CAST "hugepages", NULL);
    xmlNodePtr page = xmlNewChild(pages, NULL, BAD_CAST "page", NULL);
    set(page, "size", vp_hugepage_bytes(pvm->res.hugepage_size) >> 10);
    xmlNewProp(page, BAD_CAST "unit", BAD_CAST "KiB");
}

void
vp_libvirt_cpu_topology(xmlNodePtr cpu, const struct vp_plan_vm *pvm)
{
    xmlNodePtr t = xmlNewChild(cpu, NULL, BAD_CAST "topology", NULL);
    set(t, "sockets", pvm->res.sockets);
    set(t, "dies", pvm->res.dies);
    set(t, "cores", pvm->res.cores);
    set(t, "threads", pvm->res.threads);
}
