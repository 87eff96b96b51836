/* SPDX-License-Identifier: MIT */
/*
 * host-config.c: the existing passthrough configuration of a host tree: the
 * lines of modprobe.d, GRUB's defaults, BootLoaderSpec entries,
 * /etc/kernel/cmdline and the initramfs tools' module lists that configure
 * vfio-pci, blacklist or softdep a driver, or give the kernel arguments
 * (config-syntax.c says which). Read inside ROOT only, files in the order
 * their tools read them; kmod's rule for modprobe.d: a file name in an
 * earlier directory hides the same name in a later one.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "config-syntax.h"
#include "host-internal.h"

/* Bounds for a hostile tree: these files are small on any real host. */
enum { MAX_CONFIG_FILE = 1 << 20, MAX_DIR_ENTRIES = 1024, MAX_CONFIG_LINES = 8192, MAX_JOINED_LINES = 64 };

struct config_reader {
    struct vp_host *host;
    const struct vp_root *root;
    struct vp_config_line *lines;
    size_t n, cap;
};

/* The whole file rel, if it is a regular file within the bounds; NULL otherwise. */
static char *
read_small_file(const struct vp_root *root, const char *rel, size_t *len)
{
    int fd = vp_root_openat(root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG_FILE) {
        close(fd);
        return NULL;
    }
    char *buf = vp_read_fd(fd, (size_t)st.st_size, len);
    close(fd);
    *len = strlen(buf); /* a NUL byte ends the text: no tool reads past it either */
    return buf;
}

/* A value still open at the end of the line: a quote or a bash array not closed on it. */
static bool
value_open(enum vp_config_kind kind, const char *text)
{
    if (kind != VP_CONFIG_GRUB && kind != VP_CONFIG_DRACUT && kind != VP_CONFIG_MKINITCPIO)
        return false;
    const char *eq = strchr(text, '=');
    if (!eq || text[strspn(text, " \t")] == '#')
        return false;
    char open = eq[1], close = open == '(' ? ')' : open;
    if (open != '"' && open != '\'' && open != '(')
        return false;
    return !strchr(eq + 2, close);
}

static void
keep(struct config_reader *cr, const char *file, unsigned line, const char *text, enum vp_config_kind kind)
{
    if (cr->n == MAX_CONFIG_LINES || !vp_config_line_kept(kind, text))
        return;
    void *items = cr->lines;
    vp_xgrow(&items, &cr->cap, cr->n + 1, sizeof(*cr->lines));
    cr->lines = items;
    struct vp_arena *a = vp_host_arena(cr->host);
    cr->lines[cr->n++] = (struct vp_config_line){file, line, vp_arena_strdup(a, text), kind};
}

/* The file's logical lines (kmod's '\' continuations; sh values open across lines), each kept if it counts. */
static void
read_config_file(struct config_reader *cr, const char *rel, enum vp_config_kind kind)
{
    size_t len;
    char *text = read_small_file(cr->root, rel, &len);
    if (!text)
        return;
    const char *file = vp_arena_strdup(vp_host_arena(cr->host), rel);
    struct vp_strbuf logical = {0};
    unsigned line = 1, first = 1, joined = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!logical.len)
            first = line;
        vp_strbuf_add(&logical, p, n);
        bool more = nl && joined < MAX_JOINED_LINES &&
                    ((kind == VP_CONFIG_MODPROBE && n && p[n - 1] == '\\') || value_open(kind, logical.data));
        if (more) {
            vp_strbuf_putc(&logical, '\n');
            joined++;
        } else {
            keep(cr, file, first, logical.data ? logical.data : "", kind);
            logical.len = 0;
            if (logical.data)
                logical.data[0] = '\0';
            joined = 0;
        }
        line++;
        p += n + (nl ? 1 : 0);
    }
    if (logical.len)
        keep(cr, file, first, logical.data, kind);
    vp_strbuf_free(&logical);
    free(text);
}

/* The names in a directory that its tool reads (plain names ending in suffix), sorted. */
static size_t
list_dir(const struct vp_root *root, const char *dir, char ***names)
{
    *names = NULL;
    DIR *d = vp_root_opendir(root, dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_DIR_ENTRIES) {
        char rel[512];
        if (snprintf(rel, sizeof(rel), "%s%s", dir, e->d_name) >= (int)sizeof(rel) ||
            vp_config_kind_of(rel) == VP_CONFIG__COUNT)
            continue;
        void *items = *names;
        vp_xgrow(&items, &cap, n + 1, sizeof(**names));
        *names = items;
        (*names)[n++] = vp_xstrdup(e->d_name);
    }
    closedir(d);
    vp_sort(*names, n, sizeof(**names), vp_strcmp_ptr);
    return n;
}

static void
free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A modprobe.d file name and the directory that wins it. */
struct modprobe_file {
    char *name;
    const char *dir;
};

static int
modprobe_file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct modprobe_file *)a)->name, ((const struct modprobe_file *)b)->name);
}

/* kmod reads every directory's *.conf as one list sorted by name; the first directory to have a name wins it. */
static void
read_modprobe(struct config_reader *cr, const struct vp_config_place *places, size_t n_places)
{
    struct modprobe_file *files = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < n_places; i++) {
        if (places[i].kind != VP_CONFIG_MODPROBE)
            continue;
        char **names;
        size_t k = list_dir(cr->root, places[i].path, &names);
        for (size_t j = 0; j < k; j++) {
            bool hidden = false;
            for (size_t m = 0; m < n && !hidden; m++)
                hidden = strcmp(files[m].name, names[j]) == 0;
            if (hidden)
                continue;
            void *items = files;
            vp_xgrow(&items, &cap, n + 1, sizeof(*files));
            files = items;
            files[n++] = (struct modprobe_file){vp_xstrdup(names[j]), places[i].path};
        }
        free_names(names, k);
    }
    vp_sort(files, n, sizeof(*files), modprobe_file_cmp);
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof(rel), "%s%s", files[i].dir, files[i].name);
        read_config_file(cr, rel, VP_CONFIG_MODPROBE);
        free(files[i].name);
    }
    free(files);
}

void
vp_host_read_config(struct vp_host *host, const struct vp_root *root)
{
    struct config_reader cr = {.host = host, .root = root};
    size_t n_places;
    const struct vp_config_place *places = vp_config_places(&n_places);
    read_modprobe(&cr, places, n_places);
    for (size_t i = 0; i < n_places; i++) {
        const struct vp_config_place *p = &places[i];
        if (p->kind == VP_CONFIG_MODPROBE)
            continue;
        if (!p->suffix) {
            read_config_file(&cr, p->path, p->kind);
            continue;
        }
        char **names;
        size_t k = list_dir(root, p->path, &names);
        for (size_t j = 0; j < k; j++) {
            char rel[512];
            snprintf(rel, sizeof(rel), "%s%s", p->path, names[j]);
            read_config_file(&cr, rel, p->kind);
        }
        free_names(names, k);
    }
    host->config = vp_arena_memdup(vp_host_arena(host), cr.lines, cr.n * sizeof(*cr.lines));
    host->n_config = cr.n;
    free(cr.lines);
}
