/* SPDX-License-Identifier: MIT */
/*
 * host-drivers.c: which driver each installed kernel would bind to a
 * function that has none today. After the reboot, udev loads every module
 * whose alias matches a function's modalias, and a built-in driver probes
 * it anyway: such a function keeps its IOMMU group from being viable. The
 * aliases come from lib/modules/KVER/modules.alias and modules.builtin.alias
 * (or, from older kmod, modules.builtin.modinfo), matched as kmod matches
 * them: fnmatch(3) with no flags (libkmod/libkmod-index.c,
 * index_searchwild_all). Only the aliases that match a function of this
 * host that no driver of its own holds (none, vfio-pci or pci-stub) are
 * kept: that is all the rules need (group viability; a blacklist that
 * keeps a driver from a device the host keeps), and all a snapshot
 * carries.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "host-internal.h"

/* The modaliases that matter: those of functions no driver of their own holds today (none, or vfio-pci and
 * pci-stub, which a manual setup gave them), distinct and sorted. */
struct modaliases {
    char (*items)[64];
    size_t n;
};

static int
alias_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void
collect(const struct vp_host *host, struct modaliases *m)
{
    m->items = vp_xcalloc(host->n_devices + 1, sizeof(*m->items));
    for (size_t i = 0; i < host->n_devices; i++)
        if (!vp_device_has_own_driver(&host->devices[i]) && !vp_device_is_bridge(&host->devices[i]))
            vp_device_modalias(&host->devices[i], m->items[m->n++], sizeof(*m->items));
    qsort(m->items, m->n, sizeof(*m->items), alias_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < m->n; i++)
        if (i == 0 || strcmp(m->items[i], m->items[distinct - 1]) != 0)
            memmove(m->items[distinct++], m->items[i], sizeof(*m->items));
    m->n = distinct;
}

struct found {
    struct vp_module_alias *items;
    size_t n, cap;
};

/* Keeps pattern -> module if it matches one of the modaliases (each pattern and module once). */
static void
consider(struct vp_host *host, const struct modaliases *m, struct found *f, const char *pattern, const char *module,
         bool builtin)
{
    if (!vp_startswith(pattern, "pci:") || strlen(module) > 64 || !*module)
        return;
    bool hit = false;
    for (size_t i = 0; i < m->n && !hit; i++)
        hit = fnmatch(pattern, m->items[i], 0) == 0;
    if (!hit)
        return;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i].pattern, pattern) == 0 && strcmp(f->items[i].module, module) == 0)
            return;
    void *items = f->items;
    vp_xgrow(&items, &f->cap, f->n + 1, sizeof(*f->items));
    f->items = items;
    struct vp_arena *a = vp_host_arena(host);
    f->items[f->n++] = (struct vp_module_alias){vp_arena_strdup(a, pattern), vp_arena_strdup(a, module), builtin};
}

/* A file of the host tree as a stream, never blocking on a special file; NULL if it cannot be read. */
static FILE *
open_stream(const struct vp_root *root, const char *rel)
{
    int fd = vp_root_openat(root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return NULL;
    FILE *in = fdopen(fd, "r");
    if (!in)
        close(fd);
    return in;
}

/* "alias PATTERN MODULE" lines (modules.alias, modules.builtin.alias); false if the file cannot be read. */
static bool
read_alias_file(struct vp_host *host, const struct vp_root *root, const char *rel, const struct modaliases *m,
                struct found *f, bool builtin)
{
    FILE *in = open_stream(root, rel);
    if (!in)
        return false;
    char line[1024];
    while (fgets(line, sizeof(line), in)) {
        if (!strchr(line, '\n') && !feof(in)) { /* longer than any real alias: skip the rest of it */
            int c;
            while ((c = fgetc(in)) != EOF && c != '\n')
                ;
            continue;
        }
        char *save = NULL;
        const char *kw = strtok_r(line, " \t\n", &save);
        const char *pattern = strtok_r(NULL, " \t\n", &save);
        const char *module = strtok_r(NULL, " \t\n", &save);
        if (kw && pattern && module && strcmp(kw, "alias") == 0)
            consider(host, m, f, pattern, module, builtin);
    }
    fclose(in);
    return true;
}

/* modules.builtin.modinfo: NUL-separated "module.key=value" records; the alias ones are what .alias would say. */
static bool
read_builtin_modinfo(struct vp_host *host, const struct vp_root *root, const char *rel, const struct modaliases *m,
                     struct found *f)
{
    FILE *in = open_stream(root, rel);
    if (!in)
        return false;
    char rec[1024];
    size_t n = 0;
    int c;
    while ((c = fgetc(in)) != EOF) {
        if (c != '\0') {
            if (n + 1 < sizeof(rec))
                rec[n++] = (char)c;
            continue;
        }
        rec[n] = '\0';
        n = 0;
        char *dot = strchr(rec, '.');
        if (dot && vp_startswith(dot + 1, "alias=")) {
            *dot = '\0';
            consider(host, m, f, dot + 7, rec, true);
        }
    }
    fclose(in);
    return true;
}

void
vp_host_read_drivers(struct vp_host *host, const struct vp_root *root)
{
    struct modaliases m = {0};
    collect(host, &m);
    const char *base = vp_root_is_dir(root, "lib/modules") ? "lib/modules" : "usr/lib/modules";
    for (size_t k = 0; k < host->n_kernels; k++) {
        struct vp_kernel *kernel = &host->kernels[k];
        struct found f = {0};
        char rel[512];
        snprintf(rel, sizeof(rel), "%s/%s/modules.alias", base, kernel->version);
        bool modules = read_alias_file(host, root, rel, &m, &f, false);
        snprintf(rel, sizeof(rel), "%s/%s/modules.builtin.alias", base, kernel->version);
        bool builtin = read_alias_file(host, root, rel, &m, &f, true);
        if (!builtin) {
            snprintf(rel, sizeof(rel), "%s/%s/modules.builtin.modinfo", base, kernel->version);
            builtin = read_builtin_modinfo(host, root, rel, &m, &f);
        }
        kernel->drivers.known = modules && builtin;
        kernel->drivers.aliases = vp_arena_memdup(vp_host_arena(host), f.items, f.n * sizeof(*f.items));
        kernel->drivers.n_aliases = f.n;
        free(f.items);
    }
    free(m.items);
}
