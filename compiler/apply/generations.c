/* SPDX-License-Identifier: MIT */
/* generations.c: the generation store under a root (see generations.h). */
#include "generations.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "action-record.h"
#include "base/root.h"
#include "base/sha256.h"
#include "base/util.h"
#include "emit/emit-internal.h"
#include "state.h"
#include "write.h"

/* Like the owned files the diff reads (changes.c): a file vfioplan wrote is at most 4 MiB, all of them 16 MiB. */
enum { MAX_FILE = 4 * 1024 * 1024, MAX_TOTAL = 16 * 1024 * 1024, MAX_FILES = 4096 };

static const char *const vp_gen_origin_names[VP_GEN__COUNT] = {
    [VP_GEN_APPLY] = "apply",
    [VP_GEN_FOUND] = "found",
    [VP_GEN_TRY] = "try",
};

const char *
vp_gen_origin_name(enum vp_gen_origin o)
{
    return (unsigned)o < VP_GEN__COUNT ? vp_gen_origin_names[o] : "?";
}

void
vp_generation_free(struct vp_generation *g)
{
    free(g->status);
    free(g->vfioplan);
    free(g->spec);
    free(g->spec_sha256);
    free(g->host);
    free(g->boot_token);
    for (size_t i = 0; i < g->n_kernel_args; i++)
        free(g->kernel_args[i]);
    free(g->kernel_args);
    for (size_t i = 0; i < g->n_files; i++)
        free(g->files[i].path);
    free(g->files);
    vp_artifact_set_free(&g->actions);
    memset(g, 0, sizeof(*g));
}

/* "12" -> 12; false for anything else (a hidden directory being written, "current", a stray file). */
static bool
parse_number(const char *s, unsigned long *n)
{
    if (!*s || strlen(s) > 9 || strspn(s, "0123456789") != strlen(s) || (s[0] == '0' && s[1]))
        return false;
    *n = strtoul(s, NULL, 10);
    return true;
}

static int
cmp_ulong(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

int
vp_gen_store_open(struct vp_gen_store *s, const char *root, struct vp_diags *d)
{
    memset(s, 0, sizeof(*s));
    struct vp_root r;
    if (vp_root_open(&r, root) < 0)
        return errno == ENOENT ? 0
                               : vp_error(d, VP_READ_TARGET_FAILED, &(struct vp_pos){.file = root},
                                          "cannot open target root %s: %s", root, strerror(errno));
    DIR *dir = vp_root_opendir(&r, VP_DIR_GENERATIONS);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)) && s->n < 100000) {
            unsigned long n;
            if (!parse_number(e->d_name, &n))
                continue;
            s->numbers = vp_xrealloc(s->numbers, (s->n + 1) * sizeof(*s->numbers));
            s->numbers[s->n++] = n;
        }
        closedir(dir);
    }
    vp_sort(s->numbers, s->n, sizeof(*s->numbers), cmp_ulong);
    char buf[32];
    if (vp_root_read(&r, VP_DIR_GENERATIONS "/current", buf, sizeof(buf)) > 0 && parse_number(buf, &s->current) &&
        vp_gen_store_has(s, s->current))
        s->has_current = true;
    vp_root_close(&r);
    return 0;
}

void
vp_gen_store_free(struct vp_gen_store *s)
{
    free(s->numbers);
    memset(s, 0, sizeof(*s));
}

bool
vp_gen_store_has(const struct vp_gen_store *s, unsigned long n)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->numbers[i] == n)
            return true;
    return false;
}

unsigned long
vp_gen_store_next(const struct vp_gen_store *s)
{
    return s->n ? s->numbers[s->n - 1] + 1 : 0;
}

/* ---- reading ---- */

static int
damaged(struct vp_diags *d, const char *root, unsigned long n, const char *what)
{
    vp_error(d, VP_GENERATION_DAMAGED, &(struct vp_pos){.file = root}, "generation %lu under %s/%s is damaged: %s", n,
             root, VP_DIR_GENERATIONS, what);
    vp_hint(d, "'vfioplan history --root %s' lists the generations; roll back to another one, or apply the spec", root);
    return -1;
}

static char *
dup_or_null(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return vp_xstrdup(json_object_get_string(v));
}

/* No empty, "." or ".." component, printable, no space: a path vfioplan could have written. */
static bool
plain_path(const char *path)
{
    if (!vp_artifact_path_known(path) || strlen(path) > 512 || !vp_path_plain_components(path))
        return false;
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            return false;
    return true;
}

static bool
hex64(const char *s)
{
    return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int
vp_generation_load(const char *root, unsigned long n, struct vp_generation *g, struct vp_diags *d)
{
    memset(g, 0, sizeof(*g));
    g->number = n;
    char rel[128];
    snprintf(rel, sizeof(rel), VP_DIR_GENERATIONS "/%lu/generation.json", n);
    char *text = NULL;
    size_t len = 0;
    int r = vp_state_read(root, rel, VP_STATE_MAX_BYTES, &text, &len, d);
    if (r < 0)
        return -1;
    if (r == 0)
        return damaged(d, root, n, "it has no generation.json (or there is no such generation)");
    struct json_object *doc = json_tokener_parse(text);
    free(text);
    int rc = 0;
    struct json_object *v, *files, *actions, *kargs;
    if (!doc || !json_object_is_type(doc, json_type_object) || !json_object_object_get_ex(doc, "origin", &v) ||
        !json_object_is_type(v, json_type_string)) {
        rc = damaged(d, root, n, "generation.json is not a record vfioplan wrote");
        goto out;
    }
    g->origin = VP_GEN__COUNT;
    for (int i = 0; i < VP_GEN__COUNT; i++)
        if (strcmp(json_object_get_string(v), vp_gen_origin_names[i]) == 0)
            g->origin = (enum vp_gen_origin)i;
    if (g->origin == VP_GEN__COUNT) {
        rc = damaged(d, root, n, "generation.json names an unknown origin");
        goto out;
    }
    if (json_object_object_get_ex(doc, "time", &v) && json_object_is_type(v, json_type_int))
        g->time = json_object_get_int64(v);
    g->status = dup_or_null(doc, "status");
    g->vfioplan = dup_or_null(doc, "vfioplan");
    g->spec = dup_or_null(doc, "spec");
    g->spec_sha256 = dup_or_null(doc, "spec_sha256");
    g->host = dup_or_null(doc, "host");
    g->boot_token = dup_or_null(doc, "boot_token");
    if (json_object_object_get_ex(doc, "kernel_args", &kargs) && json_object_is_type(kargs, json_type_array)) {
        size_t k = json_object_array_length(kargs);
        g->kernel_args = vp_xcalloc(k + 1, sizeof(*g->kernel_args));
        for (size_t i = 0; i < k && i < 256; i++) {
            struct json_object *a = json_object_array_get_idx(kargs, i);
            if (json_object_is_type(a, json_type_string))
                g->kernel_args[g->n_kernel_args++] = vp_xstrdup(json_object_get_string(a));
        }
    }
    if (!json_object_object_get_ex(doc, "files", &files) || !json_object_is_type(files, json_type_array) ||
        json_object_array_length(files) > MAX_FILES) {
        rc = damaged(d, root, n, "generation.json has no list of files");
        goto out;
    }
    g->files = vp_xcalloc(json_object_array_length(files) + 1, sizeof(*g->files));
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        struct json_object *f = json_object_array_get_idx(files, i), *path, *mode, *sum;
        if (!json_object_object_get_ex(f, "path", &path) || !json_object_object_get_ex(f, "mode", &mode) ||
            !json_object_object_get_ex(f, "sha256", &sum) || !json_object_is_type(path, json_type_string) ||
            !json_object_is_type(mode, json_type_string) || !plain_path(json_object_get_string(path)) ||
            !hex64(json_object_get_string(sum)) ||
            (strcmp(json_object_get_string(mode), "0644") != 0 && strcmp(json_object_get_string(mode), "0755") != 0)) {
            rc = damaged(d, root, n, "generation.json lists a file that is not one vfioplan writes");
            goto out;
        }
        struct vp_gen_file *gf = &g->files[g->n_files++];
        gf->path = vp_xstrdup(json_object_get_string(path));
        gf->mode = strcmp(json_object_get_string(mode), "0755") == 0 ? 0755 : 0644;
        snprintf(gf->sha256, sizeof(gf->sha256), "%s", json_object_get_string(sum));
    }
    if (json_object_object_get_ex(doc, "actions", &actions) && json_object_is_type(actions, json_type_array))
        for (size_t i = 0; i < json_object_array_length(actions); i++)
            if (!vp_action_from_json(json_object_array_get_idx(actions, i), &g->actions)) {
                rc = damaged(d, root, n, "generation.json holds an action vfioplan did not write");
                goto out;
            }
out:
    json_object_put(doc);
    if (rc < 0)
        vp_generation_free(g);
    return rc;
}

int
vp_generation_load_files(const char *root, const struct vp_generation *g, struct vp_artifact_set *set,
                         struct vp_diags *d)
{
    size_t total = 0;
    for (size_t i = 0; i < g->n_files; i++) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof(rel), VP_DIR_GENERATIONS "/%lu/files/%s", g->number, g->files[i].path);
        char *data = NULL;
        size_t len = 0;
        int r = vp_state_read(root, rel, MAX_FILE, &data, &len, d);
        if (r < 0)
            return -1;
        char what[700];
        if (r == 0) {
            snprintf(what, sizeof(what), "its copy of %s is missing", g->files[i].path);
            return damaged(d, root, g->number, what);
        }
        total += len;
        char sum[VP_SHA256_HEX];
        vp_sha256_of(data, len, sum);
        if (strcmp(sum, g->files[i].sha256) != 0 || total > MAX_TOTAL) {
            free(data);
            snprintf(what, sizeof(what), "its copy of %s is not the file it recorded (sha256 %s, recorded %s)",
                     g->files[i].path, sum, g->files[i].sha256);
            return damaged(d, root, g->number, what);
        }
        vp_artifact_add(set, g->files[i].path, g->files[i].mode, data, len);
    }
    return 0;
}

char *
vp_generation_load_spec(const char *root, const struct vp_generation *g, size_t *len, struct vp_diags *d)
{
    char rel[128];
    snprintf(rel, sizeof(rel), VP_DIR_GENERATIONS "/%lu/spec.yaml", g->number);
    char *text = NULL;
    if (vp_state_read(root, rel, VP_STATE_MAX_BYTES, &text, len, d) != 1)
        return NULL;
    return text;
}

bool
vp_generation_same_files(const struct vp_generation *g, const struct vp_artifact *const *files, size_t n)
{
    if (g->n_files != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct vp_gen_file *match = NULL;
        for (size_t k = 0; k < g->n_files && !match; k++)
            if (strcmp(g->files[k].path, files[i]->path) == 0)
                match = &g->files[k];
        char sum[VP_SHA256_HEX];
        vp_sha256_of(files[i]->data, files[i]->len, sum);
        if (!match || match->mode != files[i]->mode || strcmp(match->sha256, sum) != 0)
            return false;
    }
    return true;
}

/* ---- writing ---- */

static int
open_root(const char *root, struct vp_diags *d)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        vp_error(d, VP_OUTPUT_NOT_DIR, &(struct vp_pos){.file = root}, "cannot open target root %s: %s", root,
                 strerror(errno));
    return fd;
}

/* The generations directory under root, created if missing, opened without following a link on the way. */
static int
open_store(const char *root, struct vp_diags *d)
{
    int rootfd = open_root(root, d);
    if (rootfd < 0)
        return -1;
    char *last = NULL;
    int fd = vp_write_open_parent(rootfd, VP_DIR_GENERATIONS "/x", true, &last, d, root);
    free(last);
    close(rootfd);
    return fd;
}

/* Removes the directory name in dirfd and everything under it, never following a link (depth-limited). */
static int
remove_tree(int parent, const char *name, int depth)
{
    if (depth > 32)
        return errno = ELOOP, -1;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : unlinkat(parent, name, 0); /* not a directory: a file or a link */
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (remove_tree(dirfd(dir), e->d_name, depth + 1) < 0)
            rc = -1;
    }
    closedir(dir);
    if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

/* Writes rel under dirfd (directories created), fsyncing the file and its directory. */
static int
put_file(int dirfd, const char *rel, const char *data, size_t len, unsigned mode, struct vp_diags *d, const char *where)
{
    char *name = NULL;
    int fd = vp_write_open_parent(dirfd, rel, true, &name, d, where);
    if (fd < 0) {
        free(name);
        return -1;
    }
    int rc = vp_write_replace(fd, name, data, len, mode);
    if (rc < 0)
        vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = where}, "cannot write %s/%s: %s", where, rel,
                 strerror(errno));
    close(fd);
    free(name);
    return rc;
}

static struct json_object *
str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static char *
record_json(unsigned long n, const struct vp_gen_input *in, size_t *len)
{
    struct json_object *doc = json_object_new_object();
    json_object_object_add(doc, "generation", json_object_new_int64((int64_t)n));
    json_object_object_add(doc, "origin", json_object_new_string(vp_gen_origin_name(in->origin)));
    json_object_object_add(doc, "status", str_or_null(in->status));
    json_object_object_add(doc, "time", json_object_new_int64((int64_t)time(NULL)));
    json_object_object_add(doc, "vfioplan", str_or_null(in->vfioplan));
    json_object_object_add(doc, "spec", str_or_null(in->spec));
    char sum[VP_SHA256_HEX];
    if (in->spec_text)
        vp_sha256_of(in->spec_text, in->spec_len, sum);
    json_object_object_add(doc, "spec_sha256", in->spec_text ? json_object_new_string(sum) : NULL);
    json_object_object_add(doc, "host", str_or_null(in->host));
    json_object_object_add(doc, "boot_token", str_or_null(in->boot_token));
    struct json_object *kargs = json_object_new_array();
    for (size_t i = 0; i < in->n_kernel_args; i++)
        json_object_array_add(kargs, json_object_new_string(in->kernel_args[i]));
    json_object_object_add(doc, "kernel_args", kargs);
    struct json_object *files = json_object_new_array();
    for (size_t i = 0; i < in->n_files; i++) {
        const struct vp_artifact *a = in->files[i];
        struct json_object *f = json_object_new_object();
        char mode[8];
        snprintf(mode, sizeof(mode), "%04o", a->mode);
        vp_sha256_of(a->data, a->len, sum);
        json_object_object_add(f, "path", json_object_new_string(a->path));
        json_object_object_add(f, "mode", json_object_new_string(mode));
        json_object_object_add(f, "sha256", json_object_new_string(sum));
        json_object_array_add(files, f);
    }
    json_object_object_add(doc, "files", files);
    struct json_object *actions = json_object_new_array();
    for (size_t i = 0; in->actions && i < in->actions->n_actions; i++)
        json_object_array_add(actions, vp_action_to_json(&in->actions->actions[i]));
    json_object_object_add(doc, "actions", actions);
    const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = vp_xasprintf("%s\n", text);
    *len = strlen(out);
    json_object_put(doc);
    return out;
}

int
vp_generation_record(const char *root, unsigned long n, const struct vp_gen_input *in, struct vp_diags *d)
{
    int store = open_store(root, d);
    if (store < 0)
        return -1;
    char hidden[64], final[32], where[PATH_MAX];
    snprintf(hidden, sizeof(hidden), ".new-%lu-%ld", n, (long)getpid());
    snprintf(final, sizeof(final), "%lu", n);
    snprintf(where, sizeof(where), "%s/" VP_DIR_GENERATIONS "/%s", root, hidden);
    /* a directory an earlier run was killed while writing: the lock says no one else is writing it now */
    DIR *dir = fdopendir(dup(store));
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)))
            if (strncmp(e->d_name, ".new-", 5) == 0)
                remove_tree(store, e->d_name, 0);
        closedir(dir);
    }
    int rc = 0;
    if (mkdirat(store, hidden, 0755) < 0) {
        rc = vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot create %s: %s", where,
                      strerror(errno));
        close(store);
        return rc;
    }
    int gen = openat(store, hidden, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (gen < 0)
        rc = vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot open %s: %s", where, strerror(errno));
    for (size_t i = 0; rc == 0 && i < in->n_files; i++) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof(rel), "files/%s", in->files[i]->path);
        rc = put_file(gen, rel, in->files[i]->data, in->files[i]->len, in->files[i]->mode, d, where);
    }
    if (rc == 0 && in->spec_text)
        rc = put_file(gen, "spec.yaml", in->spec_text, in->spec_len, 0644, d, where);
    if (rc == 0) {
        size_t len;
        char *json = record_json(n, in, &len);
        rc = put_file(gen, "generation.json", json, len, 0644, d, where);
        free(json);
    }
    if (gen >= 0 && rc == 0 && fsync(gen) < 0)
        rc =
            vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot fsync %s: %s", where, strerror(errno));
    if (gen >= 0)
        close(gen);
    /* whole or not at all: the directory takes its number only once everything in it is on disk */
    if (rc == 0 && renameat(store, hidden, store, final) < 0)
        rc = vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot put %s in place as %s/%s/%s: %s",
                      where, root, VP_DIR_GENERATIONS, final, strerror(errno));
    if (rc == 0 && fsync(store) < 0)
        rc = vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot fsync %s/%s: %s", root,
                      VP_DIR_GENERATIONS, strerror(errno));
    if (rc < 0)
        remove_tree(store, hidden, 0);
    close(store);
    return rc;
}

int
vp_generation_set_status(const char *root, unsigned long n, const char *status, struct vp_diags *d)
{
    char rel[128];
    snprintf(rel, sizeof(rel), VP_DIR_GENERATIONS "/%lu/generation.json", n);
    char *text = NULL;
    size_t len = 0;
    if (vp_state_read(root, rel, VP_STATE_MAX_BYTES, &text, &len, d) != 1)
        return damaged(d, root, n, "it has no generation.json");
    struct json_object *doc = json_tokener_parse(text);
    free(text);
    if (!doc || !json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        return damaged(d, root, n, "generation.json is not a record vfioplan wrote");
    }
    json_object_object_add(doc, "status", str_or_null(status));
    char *out =
        vp_xasprintf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    int rc = vp_state_write(root, rel, out, strlen(out), 0644, d);
    free(out);
    return rc;
}

int
vp_gen_set_current(const char *root, unsigned long n, struct vp_diags *d)
{
    char text[32];
    snprintf(text, sizeof(text), "%lu\n", n);
    return vp_state_write(root, VP_DIR_GENERATIONS "/current", text, strlen(text), 0644, d);
}

int
vp_gen_prune(const char *root, const struct vp_gen_store *s, unsigned keep, const unsigned long *protect,
             size_t n_protect, struct vp_diags *d)
{
    if (s->n <= keep)
        return 0;
    int store = open_store(root, d);
    if (store < 0)
        return -1;
    int rc = 0;
    size_t kept = 0;
    /* the newest first: keep keep of them, and every protected one */
    for (size_t i = s->n; i-- > 0;) {
        unsigned long n = s->numbers[i];
        bool keep_it = kept < keep || (s->has_current && n == s->current);
        for (size_t k = 0; k < n_protect && !keep_it; k++)
            keep_it = protect[k] == n;
        if (keep_it) {
            kept++;
            continue;
        }
        char name[32];
        snprintf(name, sizeof(name), "%lu", n);
        if (remove_tree(store, name, 0) < 0 && rc == 0)
            rc = vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot remove generation %s/%s/%s: %s",
                          root, VP_DIR_GENERATIONS, name, strerror(errno));
    }
    if (rc == 0 && fsync(store) < 0)
        rc = vp_error(d, VP_WRITE_FAILED, &(struct vp_pos){.file = root}, "cannot fsync %s/%s: %s", root,
                      VP_DIR_GENERATIONS, strerror(errno));
    close(store);
    return rc;
}
