/* SPDX-License-Identifier: MIT */
/* json-out.c: the JSON document of --format json (see json-out.h). */
#include "json-out.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/cpulist.h"
#include "base/strbuf.h"
#include "base/util.h"

struct json_object *
vp_json_string(const char *s, size_t len, bool *was_utf8)
{
    /* json-c copies bytes as they are: one that is not UTF-8 would make the whole document invalid */
    size_t bad;
    if (vp_utf8_valid(s, len, &bad)) {
        if (was_utf8)
            *was_utf8 = true;
        return json_object_new_string_len(s, (int)len);
    }
    /* vp_utf8_valid stops at a NUL too: that one is UTF-8, and json-c writes it as \u0000 */
    bool utf8 = true;
    struct vp_strbuf sb = {0};
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t off;
        if (vp_utf8_valid((const char *)p, (size_t)(end - p), &off)) {
            vp_strbuf_add(&sb, (const char *)p, (size_t)(end - p));
            break;
        }
        vp_strbuf_add(&sb, (const char *)p, off);
        if (p[off] == 0) {
            vp_strbuf_putc(&sb, '\0');
        } else {
            vp_strbuf_puts(&sb, "\xef\xbf\xbd"); /* U+FFFD, the replacement character, for the one bad byte */
            utf8 = false;
        }
        p += off + 1;
    }
    if (was_utf8)
        *was_utf8 = utf8;
    struct json_object *o = json_object_new_string_len(sb.data ? sb.data : "", (int)sb.len);
    vp_strbuf_free(&sb);
    return o;
}

static void
put_str(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v ? vp_json_string(v, strlen(v), NULL) : NULL);
}

static void
put_int(struct json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void
put_bool(struct json_object *o, const char *k, bool v)
{
    json_object_object_add(o, k, json_object_new_boolean(v));
}

static struct json_object *
str_array(const char *const *items, size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, vp_json_string(items[i], strlen(items[i]), NULL));
    return a;
}

struct json_object *
vp_json_begin(const char *command)
{
    struct json_object *doc = json_object_new_object();
    put_str(doc, "vfioplan", VFIOPLAN_VERSION);
    put_int(doc, "format", VP_JSON_FORMAT);
    put_str(doc, "command", command);
    return doc;
}

static struct json_object *
diagnostics(const struct vp_diags *d)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < d->n; i++) {
        const struct vp_diag *g = &d->items[i];
        struct json_object *o = json_object_new_object();
        put_str(o, "code", vp_code_id(g->code));
        put_str(o, "severity", vp_severity_name(g->severity));
        put_str(o, "message", g->message);
        put_str(o, "file", g->pos.file);
        if (g->pos.line) {
            put_int(o, "line", g->pos.line);
            put_int(o, "column", g->pos.col);
        }
        struct json_object *notes = json_object_new_array();
        for (size_t k = 0; k < g->n_notes; k++)
            json_object_array_add(notes, vp_json_string(g->notes[k], strlen(g->notes[k]), NULL));
        json_object_object_add(o, "notes", notes);
        if (g->notes_omitted)
            put_int(o, "notes_omitted", (int64_t)g->notes_omitted);
        put_str(o, "hint", g->hint);
        json_object_array_add(a, o);
    }
    return a;
}

/*
 * Writes json-c's text with DEL, the C1 controls, line and paragraph
 * separators and the bidi controls as \uXXXX escapes, as diagnostics print
 * them as '?': valid JSON either way, but one that cannot drive a terminal
 * it is shown on, nor break a JavaScript reader (U+2028). These can only be
 * inside strings: the document's own syntax is ASCII.
 */
static void
put_json(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        unsigned cp = 0;
        size_t len = 0;
        if (p[0] == 0x7f)
            cp = 0x7f, len = 1;
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            cp = p[1], len = 2;
        else if (p[0] == 0xd8 && p[1] == 0x9c)
            cp = 0x061c, len = 2;
        else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae)))
            cp = 0x2000 | (p[2] & 0x3f), len = 3;
        else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
            cp = 0x2040 | (p[2] & 0x3f), len = 3;
        if (len) {
            fprintf(out, "\\u%04x", cp);
            p += len;
        } else {
            fputc(*p++, out);
        }
    }
}

void
vp_json_finish(struct json_object *doc, const struct vp_diags *d, int exit_code)
{
    put_int(doc, "exit", exit_code);
    put_bool(doc, "ok", !vp_diags_has_errors(d));
    json_object_object_add(doc, "diagnostics", diagnostics(d));
    if (d->dropped)
        put_int(doc, "diagnostics_omitted", (int64_t)d->dropped);
    const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    put_json(stdout, text);
    putchar('\n');
    json_object_put(doc);
}

struct json_object *
vp_json_device(const struct vp_device *dev)
{
    struct json_object *o = json_object_new_object();
    char buf[16];
    put_str(o, "address", dev->addr_str);
    snprintf(buf, sizeof(buf), "%04x:%04x", dev->vendor, dev->device);
    put_str(o, "id", buf);
    snprintf(buf, sizeof(buf), "%04x:%04x", dev->subsystem_vendor, dev->subsystem_device);
    put_str(o, "subsystem", buf);
    snprintf(buf, sizeof(buf), "%06x", dev->class_code);
    put_str(o, "class", buf);
    json_object_object_add(o, "iommu_group", dev->iommu_group >= 0 ? json_object_new_int64(dev->iommu_group) : NULL);
    put_str(o, "driver", dev->driver);
    put_str(o, "name", dev->name);
    return o;
}

/* {"size": "1G", "pages": 512}, or null */
static struct json_object *
hugepages(bool on, enum vp_hugepage_size size, uint64_t pages)
{
    if (!on)
        return NULL;
    struct json_object *o = json_object_new_object();
    put_str(o, "size", vp_hugepage_size_name(size));
    put_int(o, "pages", (int64_t)pages);
    return o;
}

static struct json_object *
cpu_list(const unsigned *ids, size_t n)
{
    struct vp_strbuf sb = {0};
    vp_cpulist_format(&sb, ids, n);
    struct json_object *o = json_object_new_string(sb.data ? sb.data : "");
    vp_strbuf_free(&sb);
    return o;
}

/* What topology: auto made of the VM: {"mode", "pinned", "cells": [...], "emulator_cpus"} */
static struct json_object *
topology(const struct vp_plan_vm *pvm)
{
    const struct vp_plan_vm_numa *nm = &pvm->numa;
    struct json_object *o = json_object_new_object();
    put_str(o, "mode", nm->explicit_cpus ? "host_cpus" : vp_topology_name(pvm->spec->topology));
    put_bool(o, "pinned", nm->pinned);
    struct json_object *cells = json_object_new_array();
    for (size_t c = 0; c < nm->n_cells; c++) {
        const struct vp_plan_cell *cell = &nm->cells[c];
        struct json_object *x = json_object_new_object();
        put_int(x, "id", (int64_t)c);
        put_int(x, "host_node", cell->host_node);
        json_object_object_add(x, "vcpus", cpu_list(cell->vcpus.ids, cell->vcpus.n));
        struct vp_strbuf host = {0};
        vp_cli_cell_host_cpus(pvm, c, &host);
        put_str(x, "host_cpus", host.data ? host.data : "");
        vp_strbuf_free(&host);
        put_int(x, "memory_bytes", (int64_t)cell->memory);
        put_int(x, "hugepages", (int64_t)cell->n_hugepages);
        json_object_array_add(cells, x);
    }
    json_object_object_add(o, "cells", cells);
    json_object_object_add(o, "emulator_cpus", nm->pinned ? cpu_list(nm->emulator.ids, nm->emulator.n) : NULL);
    return o;
}

struct json_object *
vp_json_plan(const struct vp_plan *p)
{
    struct json_object *o = json_object_new_object();
    put_str(o, "host", p->spec->host.name);
    put_str(o, "family", vp_family_name(p->family));
    put_str(o, "bootloader", vp_bootloader_name(p->bootloader));
    put_str(o, "initramfs", vp_initramfs_name(p->initramfs));
    struct json_object *kargs = json_object_new_array();
    for (size_t i = 0; i < p->n_kernel_args; i++)
        json_object_array_add(kargs, json_object_new_string(p->kernel_args[i].value));
    json_object_object_add(o, "kernel_args", kargs);
    json_object_object_add(o, "vfio_ids", str_array(p->vfio_ids, p->n_vfio_ids));
    json_object_object_add(o, "bind_addresses", str_array(p->bind_addresses, p->n_bind_addresses));
    json_object_object_add(o, "softdep_drivers", str_array(p->softdep_drivers, p->n_softdep_drivers));
    struct json_object *hp = hugepages(p->memory.hugepages, p->memory.hugepage_size, p->memory.n_hugepages);
    if (hp && p->memory.n_node_hugepages) {
        struct json_object *nodes = json_object_new_array();
        for (size_t i = 0; i < p->memory.n_node_hugepages; i++) {
            struct json_object *n = json_object_new_object();
            put_int(n, "node", p->host->cpus.nodes[i].id);
            put_int(n, "pages", (int64_t)p->memory.node_hugepages[i]);
            json_object_array_add(nodes, n);
        }
        json_object_object_add(hp, "nodes", nodes);
        put_bool(hp, "per_node", p->memory.per_node);
    }
    json_object_object_add(o, "hugepages", hp);
    json_object_object_add(o, "housekeeping_cpus",
                           p->housekeeping.n ? cpu_list(p->housekeeping.ids, p->housekeeping.n) : NULL);
    struct json_object *vms = json_object_new_array();
    for (size_t v = 0; v < p->n_vms; v++) {
        const struct vp_plan_vm *pvm = &p->vms[v];
        struct json_object *vm = json_object_new_object();
        put_str(vm, "name", pvm->spec->name);
        put_str(vm, "uuid", pvm->uuid);
        put_int(vm, "mmio64_mib", (int64_t)pvm->mmio64_mib);
        put_bool(vm, "fabric_manager", pvm->fabric_manager);
        struct json_object *topo = json_object_new_object();
        put_int(topo, "sockets", pvm->res.sockets);
        put_int(topo, "dies", pvm->res.dies);
        put_int(topo, "cores", pvm->res.cores);
        put_int(topo, "threads", pvm->res.threads);
        json_object_object_add(vm, "cpu_topology", topo);
        json_object_object_add(vm, "hugepages",
                               hugepages(pvm->res.hugepages, pvm->res.hugepage_size, pvm->res.n_hugepages));
        json_object_object_add(vm, "topology", topology(pvm));
        struct json_object *devs = json_object_new_array();
        for (size_t i = 0; i < pvm->n_assigned; i++) {
            const struct vp_assignment *a = &pvm->assigned[i];
            struct json_object *d = vp_json_device(&p->host->devices[a->device]);
            char guest[16];
            snprintf(guest, sizeof(guest), "0000:%02x:00.%u", a->guest_port ? a->guest_port : a->guest_bus,
                     a->guest_fn);
            put_str(d, "guest_address", guest);
            const struct vp_device *dev = &p->host->devices[a->device];
            json_object_object_add(d, "host_node", dev->numa_node >= 0 ? json_object_new_int(dev->numa_node) : NULL);
            json_object_object_add(d, "guest_cell", a->guest_cell >= 0 ? json_object_new_int(a->guest_cell) : NULL);
            put_str(d, "binding", vp_binding_name(a->binding));
            json_object_array_add(devs, d);
        }
        json_object_object_add(vm, "devices", devs);
        json_object_array_add(vms, vm);
    }
    json_object_object_add(o, "vms", vms);
    return o;
}

struct json_object *
vp_json_files(struct vp_changes *c)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < c->n; i++) {
        struct vp_change *ch = &c->items[i];
        struct json_object *o = json_object_new_object();
        char mode[8];
        put_str(o, "path", ch->path);
        put_str(o, "change", vp_change_kind_name(ch->kind));
        if (ch->artifact) {
            snprintf(mode, sizeof(mode), "%04o", ch->artifact->mode);
            put_str(o, "mode", mode);
        }
        struct vp_strbuf sb = {0};
        vp_change_render_diff(&sb, ch);
        /* by length: a NUL in an old file is "\u0000", not the end of the diff */
        bool utf8;
        json_object_object_add(o, "diff", vp_json_string(sb.data ? sb.data : "", sb.len, &utf8));
        if (!utf8) {
            /* "diff" shows the bytes that are not UTF-8 as U+FFFD; the exact patch is here */
            struct vp_strbuf b64 = {0};
            vp_base64_append(&b64, (const unsigned char *)sb.data, sb.len);
            put_bool(o, "diff_is_utf8", false);
            json_object_object_add(o, "diff_base64", json_object_new_string_len(b64.data, (int)b64.len));
            vp_strbuf_free(&b64);
        }
        vp_strbuf_free(&sb);
        vp_change_drop_old(ch); /* its diff is in the document */
        json_object_array_add(a, o);
    }
    return a;
}

struct json_object *
vp_json_actions(const struct vp_artifact_set *set, const struct vp_changes *changes)
{
    const char **paths = vp_changes_paths(changes);
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < set->n_actions; i++) {
        const struct vp_action *act = &set->actions[i];
        if (!vp_action_triggered(act, paths, changes->n))
            continue;
        struct json_object *o = json_object_new_object();
        put_str(o, "command", act->command);
        size_t n = 0;
        while (act->argv[n])
            n++;
        json_object_object_add(o, "argv", str_array((const char *const *)act->argv, n));
        put_str(o, "why", act->why);
        json_object_array_add(a, o);
    }
    free(paths);
    return a;
}
