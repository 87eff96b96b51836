/* SPDX-License-Identifier: MIT */
/*
 * rules-identity.c: the rules on what must be one VM's own: its disks (no
 * image written by two VMs, never the host's root disk), its UUID, its MAC
 * addresses. Lists are sorted, not compared pairwise: 256 VMs of 64 disks
 * each stay fast.
 */
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "resolve-internal.h"

struct owned {
    const char *key;
    const struct vp_vm *vm;
    const struct vp_pos *pos;
    bool shareable; /* a CD-ROM: read-only, many VMs may read one ISO */
};

static int
owned_cmp(const void *a, const void *b)
{
    const struct owned *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->pos->line != y->pos->line)
        return x->pos->line < y->pos->line ? -1 : 1;
    return x->pos->col < y->pos->col ? -1 : x->pos->col > y->pos->col;
}

/* Reports each entry whose key an earlier one (in file order) has, unless both are shareable. */
static void
report_twice(struct vp_resolver *r, enum vp_code code, struct owned *v, size_t n, const char *what, const char *hint)
{
    vp_sort(v, n, sizeof(*v), owned_cmp);
    for (size_t i = 1; i < n; i++) {
        size_t first = i - 1;
        while (first > 0 && strcmp(v[first - 1].key, v[i].key) == 0)
            first--;
        if (strcmp(v[first].key, v[i].key) != 0)
            continue;
        /* the first entry of the run that is not shareable with this one */
        size_t k = first;
        while (k < i && v[k].shareable && v[i].shareable)
            k++;
        if (k == i)
            continue;
        if (v[k].vm == v[i].vm)
            vp_rule_report(r, code, v[i].pos, "%s %s is given to VM '%s' twice (first at line %u)", what, v[i].key,
                           v[i].vm->name, v[k].pos->line);
        else
            vp_rule_report(r, code, v[i].pos, "%s %s of VM '%s' is also given to VM '%s' (line %u)", what, v[i].key,
                           v[i].vm->name, v[k].vm->name, v[k].pos->line);
        vp_hint(r->d, "%s", hint);
    }
}

void
vp_rule_disk_shared(struct vp_resolver *r, enum vp_code code)
{
    size_t n = 0;
    for (size_t vm = 0; vm < r->spec->n_vms; vm++)
        n += r->spec->vms[vm].n_disks;
    struct owned *v = vp_xcalloc(n + 1, sizeof(*v));
    n = 0;
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *spec = &r->spec->vms[vm];
        for (size_t i = 0; i < spec->n_disks; i++)
            v[n++] = (struct owned){spec->disks[i].path, spec, &spec->disks[i].pos,
                                    spec->disks[i].device == VP_DEVICE_CDROM};
    }
    report_twice(r, code, v, n, "disk",
                 "give each VM its own image (qemu-img create -b BASE -F qcow2 -f qcow2 NEW makes a copy-on-write "
                 "one); only CD-ROMs, which are read-only, may be shared");
    free(v);
}

void
vp_rule_root_disk(struct vp_resolver *r, enum vp_code code)
{
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *v = &r->spec->vms[vm];
        for (size_t i = 0; i < v->n_disks; i++) {
            const struct vp_disk *disk = &v->disks[i];
            if (!vp_host_is_root_device(r->host, disk->path))
                continue;
            vp_rule_report(r, code, &disk->pos, "disk %s of VM '%s' is a block device the host's root filesystem is on",
                           disk->path, v->name);
            struct vp_strbuf on = {0};
            for (size_t k = 0; k < r->host->n_root_devices; k++)
                vp_strbuf_printf(&on, "%s%s", k ? ", " : "", r->host->root_devices[k]);
            vp_note(r->d, "the root filesystem sits on %s", on.data);
            vp_strbuf_free(&on);
            vp_hint(r->d, "a guest writing to it would destroy the host's filesystem: give the VM another disk, a "
                          "logical volume of its own or an image file");
        }
    }
}

void
vp_rule_duplicate_uuid(struct vp_resolver *r, enum vp_code code)
{
    struct owned *v = vp_xcalloc(r->plan->n_vms + 1, sizeof(*v));
    for (size_t vm = 0; vm < r->plan->n_vms; vm++) {
        const struct vp_vm *spec = r->plan->vms[vm].spec;
        v[vm] = (struct owned){r->plan->vms[vm].uuid, spec, spec->uuid ? &spec->uuid_pos : &spec->pos, false};
    }
    report_twice(r, code, v, r->plan->n_vms, "UUID",
                 "libvirt knows a domain by its UUID: give each VM its own, or leave uuid out to derive one from the "
                 "host and VM names");
    free(v);
}

void
vp_rule_duplicate_mac(struct vp_resolver *r, enum vp_code code)
{
    size_t n = 0;
    for (size_t vm = 0; vm < r->spec->n_vms; vm++)
        n += r->spec->vms[vm].n_networks;
    struct owned *v = vp_xcalloc(n + 1, sizeof(*v));
    n = 0;
    for (size_t vm = 0; vm < r->spec->n_vms; vm++) {
        const struct vp_vm *spec = &r->spec->vms[vm];
        for (size_t i = 0; i < spec->n_networks; i++)
            if (spec->networks[i].mac)
                v[n++] = (struct owned){spec->networks[i].mac, spec, &spec->networks[i].pos, false};
    }
    report_twice(r, code, v, n, "MAC address",
                 "two interfaces with one MAC address break each other's traffic: give each its own, or leave mac out "
                 "and libvirt picks one");
    free(v);
}
