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
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
    struct vp_diags *d;
    struct vp_config_line *lines;
    size_t n, cap;
    bool lines_cut; /* MAX_CONFIG_LINES reached, and said so */
};

/* A file or directory the bounds or its type kept unread: the setup in it would stay, unseen, beside vfioplan's,
 * so say so (a missing file is no news: most hosts have few of them). */
static void
unread(struct config_reader *cr, const char *rel, const char *why)
{
    vp_warning(cr->d, VP_HOST_FACT, &(struct vp_pos){.file = cr->host->source},
               "cannot read the host's %s: %s; a manual passthrough setup in it is not seen, nor taken over", rel, why);
}

/* The whole file rel, if it is a regular file within the bounds; NULL otherwise (and a warning unless missing). */
static char *
read_small_file(struct config_reader *cr, const char *rel)
{
    char *buf = NULL;
    size_t len;
    if (vp_root_read_all(cr->root, rel, MAX_CONFIG_FILE, &buf, &len) < 0) {
        char why[128];
        if (errno != ENOENT && errno != ENOTDIR)
            unread(cr, rel, vp_host_why_unread(errno, MAX_CONFIG_FILE, why, sizeof(why)));
        return NULL;
    }
    return buf; /* a NUL byte ends the text: no tool reads past it either */
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
    if (!vp_config_line_kept(kind, text))
        return;
    if (cr->n == MAX_CONFIG_LINES) {
        if (!cr->lines_cut)
            vp_warning(cr->d, VP_HOST_FACT, &(struct vp_pos){.file = cr->host->source},
                       "the host's configuration has more than %d lines about passthrough; those from /%s:%u on are "
                       "not seen, nor taken over",
                       MAX_CONFIG_LINES, file, line);
        cr->lines_cut = true;
        return;
    }
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
    char *text = read_small_file(cr, rel);
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
list_dir(struct config_reader *cr, const char *dir, char ***names)
{
    *names = NULL;
    DIR *d = vp_root_opendir(cr->root, dir);
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char rel[512];
        if (snprintf(rel, sizeof(rel), "%s%s", dir, e->d_name) >= (int)sizeof(rel) ||
            vp_config_kind_of(rel) == VP_CONFIG__COUNT)
            continue;
        if (n == MAX_DIR_ENTRIES) {
            vp_warning(cr->d, VP_HOST_FACT, &(struct vp_pos){.file = cr->host->source},
                       "the host's %s holds more than %d files its tool reads: the rest are not seen, and a manual "
                       "passthrough setup in them is not taken over",
                       dir, MAX_DIR_ENTRIES);
            break;
        }
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
        size_t k = list_dir(cr, places[i].path, &names);
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
vp_host_read_config(struct vp_host *host, const struct vp_root *root, struct vp_diags *d)
{
    struct config_reader cr = {.host = host, .root = root, .d = d};
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
        size_t k = list_dir(&cr, p->path, &names);
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
