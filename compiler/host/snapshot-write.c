/* SPDX-License-Identifier: MIT */
/*
 * snapshot-write.c: host facts to a versioned YAML file, with libyaml's
 * emitter. A snapshot holds every fact the compiler uses (and the device
 * names, for scan), so that compiling from it on a machine without the
 * hardware gives the same bytes as compiling on the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/cpulist.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "host-internal.h"
#include "vfioplan/snapshot.h"

struct emit {
    yaml_emitter_t e;
    bool failed;
};

static int
on_write(void *data, unsigned char *buffer, size_t size)
{
    vp_strbuf_add(data, (const char *)buffer, size);
    return 1;
}

static void
ev(struct emit *m, yaml_event_t *event)
{
    if (!m->failed && !yaml_emitter_emit(&m->e, event))
        m->failed = true;
}

/*
 * Host facts are bytes from the host's files (os-release, cpuinfo, sysfs
 * names), and libyaml takes only UTF-8: a byte that is not becomes '?'.
 * (The event is never emitted uninitialized: libyaml would free the last
 * event's value a second time.)
 */
static void
scalar(struct emit *m, const char *v, bool quoted)
{
    char *fixed = NULL;
    size_t len = strlen(v), bad;
    if (!vp_utf8_valid(v, len, &bad)) {
        fixed = vp_xstrdup(v);
        while (!vp_utf8_valid(fixed, len, &bad))
            fixed[bad] = '?';
        v = fixed;
    }
    yaml_event_t event;
    if (yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)v, (int)len, !quoted, quoted,
                                     quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE))
        ev(m, &event);
    else
        m->failed = true;
    free(fixed);
}

static void
map_start(struct emit *m, bool flow)
{
    yaml_event_t event;
    yaml_mapping_start_event_initialize(&event, NULL, NULL, 1,
                                        flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
    ev(m, &event);
}

static void
map_end(struct emit *m)
{
    yaml_event_t event;
    yaml_mapping_end_event_initialize(&event);
    ev(m, &event);
}

static void
seq_start(struct emit *m, bool flow)
{
    yaml_event_t event;
    yaml_sequence_start_event_initialize(&event, NULL, NULL, 1,
                                         flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
    ev(m, &event);
}

static void
seq_end(struct emit *m)
{
    yaml_event_t event;
    yaml_sequence_end_event_initialize(&event);
    ev(m, &event);
}

/* key: "value" (strings quoted, so that "22.04" or "on" stay strings for any reader) */
static void
kv_str(struct emit *m, const char *k, const char *v)
{
    if (!v)
        return;
    scalar(m, k, false);
    scalar(m, v, true);
}

static void
kv_num(struct emit *m, const char *k, long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", v);
    scalar(m, k, false);
    scalar(m, buf, false);
}

static void
kv_bool(struct emit *m, const char *k, bool v)
{
    scalar(m, k, false);
    scalar(m, v ? "true" : "false", false);
}

/* What config space and sysfs tell beyond the ids (struct vp_device_hw); false facts are left out. */
static void
emit_device_hw(struct emit *m, const struct vp_device *d)
{
    const struct vp_device_hw *hw = &d->hw;
    char buf[32];
    if (hw->secondary_bus) {
        kv_num(m, "secondary_bus", hw->secondary_bus);
        kv_num(m, "subordinate_bus", hw->subordinate_bus);
    }
    if (hw->caps_read) {
        scalar(m, "config", false);
        map_start(m, true);
        scalar(m, "pcie", false);
        scalar(m, vp_pcie_type_name(hw->pcie), false);
        const struct {
            const char *key;
            bool v;
        } flags[] = {{"extended", hw->ext_caps_read},
                     {"acs", hw->acs},
                     {"flr", hw->flr},
                     {"pm", hw->pm},
                     {"pm_no_soft_reset", hw->pm_no_soft_reset}};
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
            if (flags[i].v)
                kv_bool(m, flags[i].key, true);
        map_end(m);
    }
    if (hw->sriov.total_vfs) {
        scalar(m, "sriov", false);
        map_start(m, true);
        kv_num(m, "total_vfs", hw->sriov.total_vfs);
        kv_num(m, "num_vfs", hw->sriov.num_vfs);
        kv_num(m, "offset", hw->sriov.offset);
        kv_num(m, "stride", hw->sriov.stride);
        snprintf(buf, sizeof(buf), "%04x", hw->sriov.vf_device);
        kv_str(m, "vf_device", buf);
        map_end(m);
    }
    if (hw->is_vf) {
        char addr[VP_PCI_ADDR_LEN];
        vp_pci_addr_format(&hw->physfn, addr);
        kv_str(m, "physfn", addr);
    }
    kv_str(m, "reset_method", hw->reset_method);
    kv_str(m, "modalias", hw->modalias);
}

static void
emit_kernel(struct emit *m, const struct vp_kernel *k)
{
    map_start(m, false);
    kv_str(m, "version", k->version);
    kv_bool(m, "running", k->running);
    kv_bool(m, "vfio_pci_builtin", k->vfio_pci_builtin);
    /* only the aliases that match a function no driver holds: what the group rule needs, a few lines */
    kv_bool(m, "aliases_read", k->drivers.known);
    if (k->drivers.n_aliases) {
        scalar(m, "aliases", false);
        seq_start(m, false);
        for (size_t i = 0; i < k->drivers.n_aliases; i++) {
            const struct vp_module_alias *a = &k->drivers.aliases[i];
            map_start(m, true);
            kv_str(m, "pattern", a->pattern);
            kv_str(m, "module", a->module);
            if (a->builtin)
                kv_bool(m, "builtin", true);
            map_end(m);
        }
        seq_end(m);
    }
    map_end(m);
}

static void
emit_device(struct emit *m, const struct vp_device *d, bool names)
{
    char buf[32];
    map_start(m, false);
    kv_str(m, "address", d->addr_str);
    snprintf(buf, sizeof(buf), "%04x:%04x", d->vendor, d->device);
    kv_str(m, "id", buf);
    snprintf(buf, sizeof(buf), "%04x:%04x", d->subsystem_vendor, d->subsystem_device);
    kv_str(m, "subsystem", buf);
    snprintf(buf, sizeof(buf), "%06x", d->class_code);
    kv_str(m, "class", buf);
    snprintf(buf, sizeof(buf), "%02x", d->revision);
    kv_str(m, "revision", buf);
    if (d->place.has_parent) {
        char parent[VP_PCI_ADDR_LEN];
        vp_pci_addr_format(&d->place.parent_addr, parent);
        kv_str(m, "parent", parent);
    }
    if (d->multifunction)
        kv_bool(m, "multifunction", true);
    if (d->numa_node >= 0)
        kv_num(m, "numa_node", d->numa_node);
    if (d->iommu_group >= 0)
        kv_num(m, "iommu_group", d->iommu_group);
    kv_str(m, "driver", d->driver);
    kv_str(m, "driver_module", d->driver_module);
    if (names)
        kv_str(m, "name", d->name);
    if (d->roles) {
        scalar(m, "roles", false);
        seq_start(m, true);
        for (int role = 0; role < VP_ROLE__COUNT; role++)
            if (d->roles & VP_ROLE_BIT(role))
                scalar(m, vp_host_role_name((enum vp_host_role)role), false);
        seq_end(m);
        kv_str(m, "role_detail", d->role_detail);
    }
    bool any = false;
    for (int b = 0; b < VP_BAR_COUNT; b++)
        any |= d->bars[b].size != 0;
    if (any) {
        scalar(m, "bars", false);
        seq_start(m, false);
        for (int b = 0; b < VP_BAR_COUNT; b++) {
            if (!d->bars[b].size)
                continue;
            map_start(m, true);
            kv_num(m, "index", b);
            kv_num(m, "size", (long long)d->bars[b].size);
            kv_str(m, "type", vp_bar_type_name(vp_bar_type_of(d->bars[b].flags)));
            map_end(m);
        }
        seq_end(m);
    }
    emit_device_hw(m, d);
    map_end(m);
}

static void
kv_cpulist(struct emit *m, const char *k, const unsigned *ids, size_t n)
{
    struct vp_strbuf sb = {0};
    vp_cpulist_format(&sb, ids, n);
    kv_str(m, k, sb.data);
    vp_strbuf_free(&sb);
}

/* Sizes as the kernel counts them, in KiB: meminfo's kB are exact. */
static void
emit_memory(struct emit *m, const struct vp_host_memory *mem)
{
    scalar(m, "memory", false);
    map_start(m, false);
    kv_num(m, "total_kib", (long long)(mem->total >> 10));
    kv_num(m, "hugepage_size_kib", (long long)(mem->hugepage_size >> 10));
    kv_num(m, "hugepages_total", (long long)mem->hugepages_total);
    kv_num(m, "hugepages_free", (long long)mem->hugepages_free);
    map_end(m);
}

static void
emit_cpus(struct emit *m, const struct vp_host_cpus *c)
{
    scalar(m, "cpus", false);
    seq_start(m, false);
    for (size_t i = 0; i < c->n; i++) {
        map_start(m, true);
        kv_num(m, "id", c->cpus[i].id);
        kv_num(m, "package", c->cpus[i].package);
        kv_num(m, "core", c->cpus[i].core);
        kv_cpulist(m, "siblings", c->cpus[i].siblings, c->cpus[i].n_siblings);
        map_end(m);
    }
    seq_end(m);
    scalar(m, "nodes", false);
    seq_start(m, false);
    for (size_t i = 0; i < c->n_nodes; i++) {
        const struct vp_numa_node *node = &c->nodes[i];
        map_start(m, false);
        kv_num(m, "id", node->id);
        kv_cpulist(m, "cpus", node->cpus, node->n_cpus);
        kv_num(m, "mem_total_kib", (long long)(node->mem_total >> 10));
        scalar(m, "hugepages", false);
        seq_start(m, false);
        for (int s = 0; s < VP_HUGEPAGE__COUNT; s++) {
            map_start(m, true);
            kv_str(m, "size", vp_hugepage_size_name((enum vp_hugepage_size)s));
            kv_num(m, "total", (long long)node->hugepages[s].total);
            kv_num(m, "free", (long long)node->hugepages[s].free);
            map_end(m);
        }
        seq_end(m);
        map_end(m);
    }
    seq_end(m);
}

/*
 * What the reader would refuse must not be written: a snapshot that cannot
 * be read back is worse than none. Such values come only from a damaged or
 * forged host tree (a driver link named "a;b"), so the snapshot is refused.
 */
static int
check_writable(const struct vp_host *h, struct vp_diags *d)
{
    struct vp_pos pos = {.file = h->source};
    int rc = 0;
    for (size_t i = 0; i < h->n_devices; i++) {
        const struct vp_device *dev = &h->devices[i];
        const char *bad = dev->driver && !vp_snapshot_plain_name(dev->driver)                 ? dev->driver
                          : dev->driver_module && !vp_snapshot_plain_name(dev->driver_module) ? dev->driver_module
                                                                                              : NULL;
        if (bad) {
            rc = vp_error(d, VP_SNAPSHOT_INVALID, &pos,
                          "cannot write a snapshot: the driver of %s is named '%s', which a snapshot cannot hold",
                          dev->addr_str, bad);
            vp_hint(d,
                    "kernel driver and module names are letters, digits, '_', '.' and '-' (64 at most); the host "
                    "tree is damaged: check sys/bus/pci/devices/%s/driver",
                    dev->addr_str);
        }
        if (dev->numa_node > VP_SNAPSHOT_MAX_NODE)
            rc = vp_error(d, VP_SNAPSHOT_INVALID, &pos,
                          "cannot write a snapshot: %s is on NUMA node %d, beyond the %d a snapshot can hold",
                          dev->addr_str, dev->numa_node, VP_SNAPSHOT_MAX_NODE);
        for (int b = 0; b < VP_BAR_COUNT; b++)
            if (dev->bars[b].size & (dev->bars[b].size - 1))
                rc = vp_error(d, VP_SNAPSHOT_INVALID, &pos,
                              "cannot write a snapshot: BAR %d of %s has a size that is not a power of two", b,
                              dev->addr_str);
    }
    return rc;
}

int
vp_snapshot_write(const struct vp_host *h, bool names, char **out, size_t *len, struct vp_diags *d)
{
    if (check_writable(h, d) < 0)
        return -1;
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, "# vfioplan host snapshot: the facts vfioplan compiles against, written by\n"
                        "# 'vfioplan snapshot'. Use it with --host FILE to compile off the host.\n");
    struct emit m = {0};
    yaml_emitter_initialize(&m.e);
    yaml_emitter_set_output(&m.e, on_write, &sb);
    yaml_emitter_set_unicode(&m.e, 1);
    yaml_emitter_set_width(&m.e, 120);
    yaml_event_t event;
    yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING);
    ev(&m, &event);
    yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1);
    ev(&m, &event);
    map_start(&m, false);
    kv_str(&m, "apiVersion", VP_SNAPSHOT_API_VERSION);
    kv_str(&m, "kind", "HostSnapshot");

    scalar(&m, "os", false);
    map_start(&m, false);
    kv_str(&m, "id", h->os.id);
    kv_str(&m, "id_like", h->os.id_like);
    kv_str(&m, "version_id", h->os.version_id);
    kv_str(&m, "pretty_name", h->os.pretty_name);
    map_end(&m);

    scalar(&m, "cpu", false);
    map_start(&m, false);
    kv_str(&m, "vendor", vp_cpu_vendor_name(h->cpu_vendor));
    kv_str(&m, "model", h->cpu_model);
    if (h->cpu_pdpe1gb >= 0)
        kv_bool(&m, "pdpe1gb", h->cpu_pdpe1gb == 1);
    map_end(&m);
    if (h->memory.known)
        emit_memory(&m, &h->memory);
    if (h->cpus.known)
        emit_cpus(&m, &h->cpus);
    if (h->root_devices_known) {
        scalar(&m, "root_devices", false);
        seq_start(&m, true);
        for (size_t i = 0; i < h->n_root_devices; i++)
            scalar(&m, h->root_devices[i], true);
        seq_end(&m);
    }

    kv_str(&m, "cmdline", h->cmdline);
    scalar(&m, "firmware", false);
    map_start(&m, false);
    kv_bool(&m, "efi", h->efi);
    if (h->secure_boot >= 0)
        kv_bool(&m, "secure_boot", h->secure_boot == 1);
    map_end(&m);

    scalar(&m, "kernels", false);
    seq_start(&m, false);
    for (size_t i = 0; i < h->n_kernels; i++)
        emit_kernel(&m, &h->kernels[i]);
    seq_end(&m);

    if (h->boot.known) {
        scalar(&m, "boot", false);
        seq_start(&m, true);
        for (int e = 0; e < VP_BOOT__COUNT; e++)
            if (h->boot.found & VP_BOOT_BIT(e))
                scalar(&m, vp_boot_evidence_name((enum vp_boot_evidence)e), false);
        seq_end(&m);
    }

    scalar(&m, "devices", false);
    seq_start(&m, false);
    for (size_t i = 0; i < h->n_devices; i++)
        emit_device(&m, &h->devices[i], names);
    seq_end(&m);

    /* the existing passthrough configuration; none (the key left out) on a host set up by vfioplan alone */
    if (h->n_config) {
        scalar(&m, "config", false);
        seq_start(&m, false);
        for (size_t i = 0; i < h->n_config; i++) {
            map_start(&m, false);
            kv_str(&m, "file", h->config[i].file);
            kv_num(&m, "line", h->config[i].line);
            kv_str(&m, "text", h->config[i].text);
            map_end(&m);
        }
        seq_end(&m);
    }
    map_end(&m);
    yaml_document_end_event_initialize(&event, 1);
    ev(&m, &event);
    yaml_stream_end_event_initialize(&event);
    ev(&m, &event);
    bool failed = m.failed;
    const char *problem = m.e.problem;
    yaml_emitter_delete(&m.e);
    if (failed) {
        vp_strbuf_free(&sb);
        return vp_error(d, VP_SNAPSHOT_INVALID, &(struct vp_pos){.file = h->source}, "cannot write the snapshot: %s",
                        problem ? problem : "emitter error");
    }
    *out = vp_strbuf_steal(&sb, len);
    return 0;
}
