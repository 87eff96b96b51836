/* SPDX-License-Identifier: MIT */
/* json-out.c: the JSON document of --format json (see json-out.h). */
#include "json-out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"

static void
put_str(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
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
        json_object_array_add(a, json_object_new_string(items[i]));
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
            json_object_array_add(notes, json_object_new_string(g->notes[k]));
        json_object_object_add(o, "notes", notes);
        if (g->notes_omitted)
            put_int(o, "notes_omitted", (int64_t)g->notes_omitted);
        put_str(o, "hint", g->hint);
        json_object_array_add(a, o);
    }
    return a;
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
    printf("%s\n", text);
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

struct json_object *
vp_json_plan(const struct vp_plan *p)
{
    struct json_object *o = json_object_new_object();
    put_str(o, "host", p->spec->host.name);
    put_str(o, "family", vp_family_name(p->family));
    put_str(o, "bootloader", vp_bootloader_name(p->bootloader));
    put_str(o, "initramfs", vp_initramfs_name(p->initramfs));
    json_object_object_add(o, "kernel_args", str_array(p->kernel_args, p->n_kernel_args));
    json_object_object_add(o, "vfio_ids", str_array(p->vfio_ids, p->n_vfio_ids));
    json_object_object_add(o, "bind_addresses", str_array(p->bind_addresses, p->n_bind_addresses));
    json_object_object_add(o, "softdep_drivers", str_array(p->softdep_drivers, p->n_softdep_drivers));
    struct json_object *vms = json_object_new_array();
    for (size_t v = 0; v < p->n_vms; v++) {
        const struct vp_plan_vm *pvm = &p->vms[v];
        struct json_object *vm = json_object_new_object();
        put_str(vm, "name", pvm->spec->name);
        put_str(vm, "uuid", pvm->uuid);
        put_int(vm, "mmio64_mib", (int64_t)pvm->mmio64_mib);
        put_bool(vm, "fabric_manager", pvm->fabric_manager);
        struct json_object *devs = json_object_new_array();
        for (size_t i = 0; i < pvm->n_assigned; i++) {
            const struct vp_assignment *a = &pvm->assigned[i];
            struct json_object *d = vp_json_device(&p->host->devices[a->device]);
            char guest[16];
            snprintf(guest, sizeof(guest), "0000:%02x:00.%u", a->guest_bus, a->guest_fn);
            put_str(d, "guest_address", guest);
            put_str(d, "binding", a->bind_by_address ? "address" : "ids");
            json_object_array_add(devs, d);
        }
        json_object_object_add(vm, "devices", devs);
        json_object_array_add(vms, vm);
    }
    json_object_object_add(o, "vms", vms);
    return o;
}

struct json_object *
vp_json_files(const struct vp_changes *c)
{
    static const char *const kinds[] = {
        [VP_CHANGE_CREATE] = "create", [VP_CHANGE_MODIFY] = "modify", [VP_CHANGE_DELETE] = "delete"};
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < c->n; i++) {
        const struct vp_change *ch = &c->items[i];
        struct json_object *o = json_object_new_object();
        char mode[8];
        put_str(o, "path", ch->path);
        put_str(o, "change", kinds[ch->kind]);
        if (ch->artifact) {
            snprintf(mode, sizeof(mode), "%04o", ch->artifact->mode);
            put_str(o, "mode", mode);
        }
        struct vp_changes one = {.items = (struct vp_change *)ch, .n = 1};
        struct vp_strbuf sb = {0};
        vp_changes_render_diff(&sb, &one);
        put_str(o, "diff", sb.data ? sb.data : "");
        vp_strbuf_free(&sb);
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
