/* SPDX-License-Identifier: MIT */
/* host-facts.c: CPU vendor and flags, distribution, kernel command line, firmware and installed kernels. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "host-internal.h"

/* os-release values are shell words: "quoted", 'quoted' or bare. */
static char *
os_release_value(struct vp_arena *a, const char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        char *out = vp_arena_alloc(a, n);
        size_t k = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            if (v[0] == '"' && v[i] == '\\' && i + 2 < n)
                i++;
            out[k++] = v[i];
        }
        out[k] = '\0';
        return out;
    }
    return vp_arena_strdup(a, v);
}

/* Larger than any real os-release (a few hundred bytes); more is not one. */
enum { MAX_OS_RELEASE = 64 * 1024, MAX_MODULES_BUILTIN = 16 * 1024 * 1024 };

/* Why a fact file was not read, for a warning. */
const char *
vp_host_why_unread(int err, size_t limit, char *buf, size_t size)
{
    if (err == EFBIG)
        snprintf(buf, size, "it is larger than %zu %s, more than the real file ever is",
                 limit >= 1048576 ? limit >> 20 : limit >> 10, limit >= 1048576 ? "MiB" : "KiB");
    else
        snprintf(buf, size, "%s", err == EINVAL ? "it is not a regular file" : strerror(err));
    return buf;
}

static void
read_os_release(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    struct vp_pos pos = {.file = host->source};
    /* os-release(5): /etc/os-release, or /usr/lib/os-release where the first does not exist */
    const char *rel = "etc/os-release";
    char *buf = NULL;
    size_t len = 0;
    char why[128];
    int rc = vp_root_read_all(root, rel, MAX_OS_RELEASE, &buf, &len);
    if (rc < 0 && errno == ENOENT)
        rc = vp_root_read_all(root, rel = "usr/lib/os-release", MAX_OS_RELEASE, &buf, &len);
    if (rc < 0) {
        if (errno == ENOENT)
            vp_warning(d, VP_HOST_FACT, &pos, "the host has no etc/os-release");
        else
            vp_warning(d, VP_HOST_FACT, &pos, "cannot read the host's %s: %s", rel,
                       vp_host_why_unread(errno, MAX_OS_RELEASE, why, sizeof(why)));
        return;
    }
    struct vp_arena *a = vp_host_arena(host);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(line, "ID") == 0)
            host->os.id = os_release_value(a, v);
        else if (strcmp(line, "ID_LIKE") == 0)
            host->os.id_like = os_release_value(a, v);
        else if (strcmp(line, "VERSION_ID") == 0)
            host->os.version_id = os_release_value(a, v);
        else if (strcmp(line, "PRETTY_NAME") == 0)
            host->os.pretty_name = os_release_value(a, v);
    }
    free(buf);
    if (!host->os.id)
        vp_warning(d, VP_HOST_FACT, &pos, "the host's %s has no ID", rel);
}

static void
read_cpuinfo(struct vp_host *host, const struct vp_root *root)
{
    /* The first processor stanza says it all; cpuinfo of a big host is large, read the head. */
    char buf[16384];
    if (vp_root_read(root, "proc/cpuinfo", buf, sizeof(buf)) < 0)
        return;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (vp_startswith(line, "vendor_id") && host->cpu_vendor == VP_CPU_UNKNOWN) {
            if (strcmp(v, "GenuineIntel") == 0)
                host->cpu_vendor = VP_CPU_INTEL;
            else if (strcmp(v, "AuthenticAMD") == 0 || strcmp(v, "HygonGenuine") == 0)
                host->cpu_vendor = VP_CPU_AMD;
        } else if (vp_startswith(line, "model name") && !host->cpu_model) {
            host->cpu_model = vp_arena_strdup(vp_host_arena(host), v);
        } else if (vp_startswith(line, "flags") && host->cpu_pdpe1gb < 0) {
            host->cpu_pdpe1gb = vp_has_word(v, "pdpe1gb"); /* 1 GiB pages */
        }
    }
}

static int
kernel_cmp(const void *a, const void *b)
{
    return strverscmp(((const struct vp_kernel *)a)->version, ((const struct vp_kernel *)b)->version);
}

static bool
builtin_has_vfio_pci(const struct vp_root *root, const char *base, const char *version, const char *source,
                     struct vp_diags *d)
{
    char rel[300];
    snprintf(rel, sizeof(rel), "%s/%s/modules.builtin", base, version);
    char *text = NULL;
    size_t len = 0;
    char why[128];
    if (vp_root_read_all(root, rel, MAX_MODULES_BUILTIN, &text, &len) < 0) {
        if (errno != ENOENT)
            vp_warning(d, VP_HOST_FACT, &(struct vp_pos){.file = source}, "cannot read the host's %s: %s", rel,
                       vp_host_why_unread(errno, MAX_MODULES_BUILTIN, why, sizeof(why)));
        return false;
    }
    static const char line[] = "kernel/drivers/vfio/pci/vfio-pci.ko\n";
    bool found = false;
    for (const char *p = text; p && !found; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        found = strncmp(p, line, sizeof(line) - 1) == 0;
    free(text);
    return found;
}

static void
read_kernels(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    struct vp_arena *a = vp_host_arena(host);
    char running[256] = "";
    if (vp_root_read(root, "proc/sys/kernel/osrelease", running, sizeof(running)) < 0)
        running[0] = '\0';
    const char *base = "lib/modules";
    DIR *dir = vp_root_opendir(root, base);
    if (!dir)
        dir = vp_root_opendir(root, base = "usr/lib/modules");
    if (!dir)
        return;
    struct vp_kernel *items = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.' || strlen(e->d_name) > 200)
            continue;
        char rel[300];
        snprintf(rel, sizeof(rel), "%s/%s", base, e->d_name);
        if (!vp_root_is_dir(root, rel))
            continue;
        void *v = items;
        vp_xgrow(&v, &cap, n + 1, sizeof(*items));
        items = v;
        items[n].version = vp_arena_strdup(a, e->d_name);
        items[n].running = strcmp(e->d_name, running) == 0;
        items[n].vfio_pci_builtin = builtin_has_vfio_pci(root, base, e->d_name, host->source, d);
        n++;
    }
    closedir(dir);
    vp_sort(items, n, sizeof(*items), kernel_cmp);
    host->kernels = vp_arena_memdup(a, items, n * sizeof(*items));
    host->n_kernels = n;
    free(items);
}

static void
read_firmware(struct vp_host *host, const struct vp_root *root)
{
    host->efi = vp_root_is_dir(root, "sys/firmware/efi");
    host->secure_boot = -1;
    if (!host->efi)
        return;
    /* efivarfs: 4 attribute bytes, then the variable's one byte. */
    int fd = vp_root_openat(root, "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
                            O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return;
    unsigned char b[5];
    if (read(fd, b, sizeof(b)) == (ssize_t)sizeof(b))
        host->secure_boot = b[4] == 1;
    close(fd);
}

void
vp_host_read_facts(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    read_os_release(host, root, d);
    read_cpuinfo(host, root);
    char cmdline[4096];
    if (vp_root_read(root, "proc/cmdline", cmdline, sizeof(cmdline)) >= 0)
        host->cmdline = vp_arena_strdup(vp_host_arena(host), cmdline);
    read_firmware(host, root);
    read_kernels(host, root, d);
}
