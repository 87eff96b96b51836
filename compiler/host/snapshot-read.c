/* SPDX-License-Identifier: MIT */
/*
 * snapshot-read.c: a host snapshot file back into host facts. Snapshots come
 * from git repositories too, so the reader is as strict as the spec's:
 * limits, known keys only, every value checked, positions in every error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/util.h"
#include "host-internal.h"
#include "vfioplan/snapshot.h"
#include "yaml/yaml-tree.h"

/* A 20,000-function host is about 400,000 nodes; a hostile file stops at 1,000,000 (about 130 MB, 1.5 s). */
static const struct vp_ylimits snapshot_limits = {.max_depth = 8, .max_nodes = 1000 * 1000};

struct reader {
    struct vp_host *host;
    struct vp_arena *arena;
    struct vp_diags *d;
    int errors;
};

static void __attribute__((format(printf, 3, 4))) bad(struct reader *r, const struct vp_ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vp_xvasprintf(fmt, ap);
    va_end(ap);
    vp_error(r->d, VP_SNAPSHOT_INVALID, &n->pos, "%s", msg);
    free(msg);
    vp_hint(r->d, "write the snapshot again with 'vfioplan snapshot' on the host; do not edit it by hand");
    r->errors++;
}

/* Checks that map n has only these keys. */
static bool
known_keys(struct reader *r, const struct vp_ynode *n, const char *what, const char *const *keys)
{
    if (n->kind != VP_Y_MAP) {
        bad(r, n, "%s must be a mapping", what);
        return false;
    }
    for (size_t i = 0; i < n->n; i += 2) {
        bool ok = false;
        for (const char *const *k = keys; *k && !ok; k++)
            ok = strcmp(*k, n->items[i]->value) == 0;
        if (!ok) {
            vp_error(r->d, VP_SNAPSHOT_INVALID, &n->items[i]->pos, "unknown key '%s' in %s", n->items[i]->value, what);
            size_t nkeys = 0;
            while (keys[nkeys])
                nkeys++;
            const char *near = vp_nearest(n->items[i]->value, keys, nkeys);
            if (near)
                vp_hint(r->d, "did you mean '%s'? snapshots hold only the keys 'vfioplan snapshot' writes", near);
            else
                vp_hint(r->d, "remove it; snapshots hold only the keys 'vfioplan snapshot' writes");
            r->errors++;
        }
    }
    return true;
}

static const char *
str(struct reader *r, const struct vp_ynode *map, const char *key, bool required)
{
    const struct vp_ynode *n = vp_ymap_get(map, key);
    if (!n) {
        if (required)
            bad(r, map, "missing '%s'", key);
        return NULL;
    }
    if (n->kind != VP_Y_SCALAR || n->type != VP_YT_STR) {
        bad(r, n, "'%s' must be a string", key);
        return NULL;
    }
    return vp_arena_strdup(r->arena, n->value);
}

static bool
boolean(struct reader *r, const struct vp_ynode *map, const char *key, bool *out)
{
    const struct vp_ynode *n = vp_ymap_get(map, key);
    if (!n)
        return false;
    if (n->kind != VP_Y_SCALAR || n->type != VP_YT_BOOL) {
        bad(r, n, "'%s' must be true or false", key);
        return false;
    }
    *out = n->value[0] == 't' || n->value[0] == 'T';
    return true;
}

static bool
integer(struct reader *r, const struct vp_ynode *map, const char *key, long long min, long long max, long long *out)
{
    const struct vp_ynode *n = vp_ymap_get(map, key);
    if (!n)
        return false;
    errno = 0;
    char *end = NULL;
    long long v = n->kind == VP_Y_SCALAR && n->type == VP_YT_INT ? strtoll(n->value, &end, 10) : 0;
    if (n->kind != VP_Y_SCALAR || n->type != VP_YT_INT || errno || !end || *end || v < min || v > max) {
        bad(r, n, "'%s' must be a whole number in range", key);
        return false;
    }
    *out = v;
    return true;
}

static bool
hex_field(const char *s, size_t digits, unsigned long *out)
{
    if (!s || strlen(s) != digits || strspn(s, "0123456789abcdef") != digits)
        return false;
    *out = strtoul(s, NULL, 16);
    return true;
}

static bool
id_pair(const char *s, uint16_t *a, uint16_t *b)
{
    unsigned long x, y;
    char first[5];
    if (!s || strlen(s) != 9 || s[4] != ':')
        return false;
    memcpy(first, s, 4);
    first[4] = '\0';
    if (!hex_field(first, 4, &x) || !hex_field(s + 5, 4, &y))
        return false;
    *a = (uint16_t)x;
    *b = (uint16_t)y;
    return true;
}

/* Driver and module names reach messages and (as modules) modprobe config. */
static bool
plain_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void
read_bars(struct reader *r, const struct vp_ynode *seq, struct vp_device *dev)
{
    if (seq->kind != VP_Y_SEQ) {
        bad(r, seq, "%s must be a list", "bars");
        return;
    }
    static const char *const keys[] = {"index", "size", "type", NULL};
    static const struct {
        const char *name;
        unsigned flags;
    } types[] = {{"io", VP_BAR_IO},
                 {"mem32", 0},
                 {"mem32-prefetch", VP_BAR_PREFETCH},
                 {"mem64", VP_BAR_MEM64},
                 {"mem64-prefetch", VP_BAR_MEM64 | VP_BAR_PREFETCH}};
    for (size_t i = 0; i < seq->n; i++) {
        const struct vp_ynode *b = seq->items[i];
        if (!known_keys(r, b, "a BAR", keys))
            continue;
        long long index = 0, size = 0;
        const char *type = str(r, b, "type", true);
        if (!integer(r, b, "index", 0, VP_BAR_COUNT - 1, &index) || !integer(r, b, "size", 1, INT64_MAX, &size)) {
            bad(r, b, "%s needs an index 0-5 and a size", "a BAR");
            continue;
        }
        if (dev->bars[index].size) {
            bad(r, b, "BAR %lld is given twice", index);
            continue;
        }
        bool found = false;
        for (size_t t = 0; type && t < VP_ARRAY_SIZE(types); t++) {
            if (strcmp(type, types[t].name) == 0) {
                dev->bars[index] = (struct vp_bar){(uint64_t)size, types[t].flags};
                found = true;
            }
        }
        if (!found)
            bad(r, b, "%s type must be io, mem32, mem32-prefetch, mem64 or mem64-prefetch", "a BAR");
    }
}

static void
read_device(struct reader *r, const struct vp_ynode *n, struct vp_device_list *list)
{
    static const char *const keys[] = {"address",       "id",        "subsystem",   "class",  "revision",
                                       "multifunction", "numa_node", "iommu_group", "driver", "driver_module",
                                       "name",          "roles",     "role_detail", "bars",   NULL};
    if (!known_keys(r, n, "a device", keys))
        return;
    struct vp_device *dev = vp_device_list_add(list);
    const char *addr = str(r, n, "address", true);
    if (addr && !vp_pci_addr_parse(addr, &dev->addr, NULL))
        bad(r, vp_ymap_get(n, "address"), "'%s' is not a PCI address", addr);
    vp_pci_addr_format(&dev->addr, dev->addr_str);
    const char *id = str(r, n, "id", true);
    if (id && !id_pair(id, &dev->vendor, &dev->device))
        bad(r, vp_ymap_get(n, "id"), "'%s' is not vendor:device", id);
    const char *sub = str(r, n, "subsystem", false);
    if (sub && !id_pair(sub, &dev->subsystem_vendor, &dev->subsystem_device))
        bad(r, vp_ymap_get(n, "subsystem"), "'%s' is not vendor:device", sub);
    unsigned long v;
    const char *cls = str(r, n, "class", true);
    if (cls && !hex_field(cls, 6, &v))
        bad(r, vp_ymap_get(n, "class"), "'%s' is not a 6-digit class", cls);
    else if (cls)
        dev->class_code = (uint32_t)v;
    const char *rev = str(r, n, "revision", false);
    if (rev && !hex_field(rev, 2, &v))
        bad(r, vp_ymap_get(n, "revision"), "'%s' is not a 2-digit revision", rev);
    else if (rev)
        dev->revision = (uint8_t)v;
    boolean(r, n, "multifunction", &dev->multifunction);
    long long num;
    dev->numa_node = integer(r, n, "numa_node", 0, 4095, &num) ? (int)num : -1;
    dev->iommu_group = integer(r, n, "iommu_group", 0, 999999999, &num) ? (long)num : -1;
    dev->driver = str(r, n, "driver", false);
    if (dev->driver && !plain_name(dev->driver))
        bad(r, vp_ymap_get(n, "driver"), "driver '%s' is not a plain name", dev->driver);
    dev->driver_module = str(r, n, "driver_module", false);
    if (dev->driver_module && !plain_name(dev->driver_module))
        bad(r, vp_ymap_get(n, "driver_module"), "module '%s' is not a plain name", dev->driver_module);
    dev->name = str(r, n, "name", false);
    dev->role_detail = str(r, n, "role_detail", false);
    const struct vp_ynode *roles = vp_ymap_get(n, "roles");
    for (size_t i = 0; roles && roles->kind == VP_Y_SEQ && i < roles->n; i++) {
        const char *role = roles->items[i]->kind == VP_Y_SCALAR ? roles->items[i]->value : "";
        if (strcmp(role, "boot_vga") == 0)
            dev->roles |= VP_ROLE_BOOT_VGA;
        else if (strcmp(role, "root_storage") == 0)
            dev->roles |= VP_ROLE_ROOT_STORAGE;
        else if (strcmp(role, "default_route") == 0)
            dev->roles |= VP_ROLE_DEFAULT_ROUTE;
        else
            bad(r, roles->items[i], "unknown role '%s'", role);
    }
    if (roles && roles->kind != VP_Y_SEQ)
        bad(r, roles, "%s must be a list", "roles");
    const struct vp_ynode *bars = vp_ymap_get(n, "bars");
    if (bars)
        read_bars(r, bars, dev);
}

struct addr_at {
    struct vp_pci_addr addr;
    const struct vp_ynode *node;
};

static int
addr_at_cmp(const void *a, const void *b)
{
    const struct addr_at *x = a, *y = b;
    int c = vp_pci_addr_cmp(&x->addr, &y->addr);
    if (c)
        return c;
    return x->node->pos.line < y->node->pos.line ? -1 : x->node->pos.line > y->node->pos.line;
}

/* Two devices with one address: said where the second one is (sorting keeps this O(n log n)). */
static void
check_duplicates(struct reader *r, const struct vp_ynode *devices, const struct vp_device_list *list)
{
    if (list->n != devices->n || list->n < 2)
        return; /* some were refused already: their errors come first */
    struct addr_at *v = vp_xmalloc(list->n * sizeof(*v));
    for (size_t i = 0; i < list->n; i++)
        v[i] = (struct addr_at){list->items[i].addr, vp_ymap_get(devices->items[i], "address")};
    vp_sort(v, list->n, sizeof(*v), addr_at_cmp);
    for (size_t i = 1; i < list->n; i++) {
        if (vp_pci_addr_cmp(&v[i - 1].addr, &v[i].addr) == 0) {
            bad(r, v[i].node, "PCI address %s appears twice", v[i].node->value);
            vp_note(r->d, "first at line %u", v[i - 1].node->pos.line);
        }
    }
    free(v);
}

static void
read_kernels(struct reader *r, const struct vp_ynode *seq)
{
    if (seq->kind != VP_Y_SEQ) {
        bad(r, seq, "%s must be a list", "kernels");
        return;
    }
    static const char *const keys[] = {"version", "running", "vfio_pci_builtin", NULL};
    struct vp_host *h = r->host;
    h->kernels = vp_arena_alloc(r->arena, (seq->n + 1) * sizeof(*h->kernels));
    for (size_t i = 0; i < seq->n; i++) {
        const struct vp_ynode *k = seq->items[i];
        if (!known_keys(r, k, "a kernel", keys))
            continue;
        struct vp_kernel *kern = &h->kernels[h->n_kernels++];
        kern->version = str(r, k, "version", true);
        boolean(r, k, "running", &kern->running);
        boolean(r, k, "vfio_pci_builtin", &kern->vfio_pci_builtin);
    }
}

int
vp_host_snapshot_load(struct vp_host *host, const char *path, unsigned flags, struct vp_diags *d)
{
    (void)flags;
    char *buf = NULL;
    size_t len = 0;
    if (vp_read_file(path, host->source, VP_SNAPSHOT_MAX_BYTES, &buf, &len, d) < 0)
        return -1;
    size_t bad_at;
    if (!vp_utf8_valid(buf, len, &bad_at)) {
        struct vp_pos pos = {.file = vp_diags_add_source(d, host->source, buf, len), .line = 1, .col = 1};
        for (size_t i = 0; i < bad_at; i++) {
            if (buf[i] == '\n')
                pos.line++, pos.col = 1;
            else
                pos.col++;
        }
        vp_error(d, VP_NOT_UTF8, &pos, "byte 0x%02x at offset %zu is not UTF-8 text", (unsigned char)buf[bad_at],
                 bad_at);
        vp_hint(d, "a snapshot is UTF-8 text as 'vfioplan snapshot' writes it; check that the right file is given");
        free(buf);
        return -1;
    }
    const char *file = vp_diags_add_source(d, host->source, buf, len);
    struct vp_ydoc doc;
    int rc = vp_ydoc_parse(&doc, file, buf, len, &snapshot_limits, d);
    free(buf);
    if (rc < 0) {
        vp_ydoc_free(&doc);
        return -1;
    }
    struct reader r = {.host = host, .arena = vp_host_arena(host), .d = d};
    host->from_snapshot = true;
    const struct vp_ynode *root = doc.root;
    static const char *const keys[] = {"apiVersion", "kind",    "os",      "cpu", "cmdline",
                                       "firmware",   "kernels", "devices", NULL};
    if (known_keys(&r, root, "the snapshot", keys)) {
        const char *api = str(&r, root, "apiVersion", true);
        if (api && strcmp(api, VP_SNAPSHOT_API_VERSION) != 0) {
            vp_error(d, VP_SNAPSHOT_VERSION, &vp_ymap_get(root, "apiVersion")->pos,
                     "snapshot apiVersion '%s' is not one this vfioplan reads", api);
            vp_hint(d, "this vfioplan reads %s; take the snapshot again with this version", VP_SNAPSHOT_API_VERSION);
            r.errors++;
        }
        const struct vp_ynode *os = vp_ymap_get(root, "os");
        static const char *const os_keys[] = {"id", "id_like", "version_id", "pretty_name", NULL};
        if (os && known_keys(&r, os, "os", os_keys)) {
            host->os.id = str(&r, os, "id", false);
            host->os.id_like = str(&r, os, "id_like", false);
            host->os.version_id = str(&r, os, "version_id", false);
            host->os.pretty_name = str(&r, os, "pretty_name", false);
        }
        const struct vp_ynode *cpu = vp_ymap_get(root, "cpu");
        static const char *const cpu_keys[] = {"vendor", "model", NULL};
        if (cpu && known_keys(&r, cpu, "cpu", cpu_keys)) {
            const char *vendor = str(&r, cpu, "vendor", true);
            host->cpu_vendor = vp_streq(vendor, "intel") ? VP_CPU_INTEL
                               : vp_streq(vendor, "amd") ? VP_CPU_AMD
                                                         : VP_CPU_UNKNOWN;
            host->cpu_model = str(&r, cpu, "model", false);
        }
        const char *cmdline = str(&r, root, "cmdline", false);
        host->cmdline = cmdline ? cmdline : "";
        const struct vp_ynode *fw = vp_ymap_get(root, "firmware");
        static const char *const fw_keys[] = {"efi", "secure_boot", NULL};
        if (fw && known_keys(&r, fw, "firmware", fw_keys)) {
            boolean(&r, fw, "efi", &host->efi);
            bool sb;
            host->secure_boot = boolean(&r, fw, "secure_boot", &sb) ? sb : -1;
        }
        const struct vp_ynode *kernels = vp_ymap_get(root, "kernels");
        if (kernels)
            read_kernels(&r, kernels);
        struct vp_device_list list = {0};
        const struct vp_ynode *devices = vp_ymap_get(root, "devices");
        if (!devices || devices->kind != VP_Y_SEQ)
            bad(&r, devices ? devices : root, "%s must be a list of PCI functions", "devices");
        for (size_t i = 0; devices && devices->kind == VP_Y_SEQ && i < devices->n; i++)
            read_device(&r, devices->items[i], &list);
        if (r.errors == 0 && devices)
            check_duplicates(&r, devices, &list);
        if (r.errors == 0 && vp_host_finish(host, &list, d) == 0)
            vp_host_finish_groups(host);
        else
            free(list.items), r.errors++;
    }
    vp_ydoc_free(&doc);
    if (r.errors && !vp_diags_has_errors(d))
        vp_error(d, VP_SNAPSHOT_INVALID, &(struct vp_pos){.file = file}, "the snapshot is malformed");
    return r.errors ? -1 : 0;
}
