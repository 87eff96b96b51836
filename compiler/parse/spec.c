/* SPDX-License-Identifier: MIT */
/* spec.c: loading a spec file: bytes, then UTF-8, then YAML, then the v1 schema. */
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/util.h"
#include "spec-internal.h"
#include "vfioplan/spec.h"

/* Limits for spec files; README "Reliability" lists them. */
static const struct vp_ylimits spec_limits = {.max_depth = 32, .max_nodes = 100000};

struct spec_priv {
    struct vp_arena arena;
};

struct vp_spec *
vp_spec_parse(const char *display, const char *buf, size_t len, struct vp_diags *d)
{
    /* diagnostics name the file by the list's own copy: they outlive the spec */
    display = vp_diags_add_source(d, display, buf, len);
    size_t bad = 0;
    if (!vp_utf8_valid(buf, len, &bad)) {
        /* the position of the first bad byte, so the user can find it */
        unsigned line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            if (buf[i] == '\n')
                line++, col = 1;
            else
                col++;
        }
        vp_error(d, VP_NOT_UTF8, &(struct vp_pos){.file = display, .line = line, .col = col},
                 "byte 0x%02x at offset %zu is not UTF-8 text", (unsigned char)buf[bad], bad);
        vp_hint(d, "save the file as UTF-8 (iconv -t UTF-8), without NUL bytes");
        return NULL;
    }
    struct spec_priv *priv = vp_xcalloc(1, sizeof(*priv));
    struct vp_spec *spec = vp_arena_alloc(&priv->arena, sizeof(*spec));
    spec->priv = priv;
    spec->file = vp_arena_strdup(&priv->arena, display);

    struct vp_ydoc doc;
    if (vp_ydoc_parse(&doc, display, buf, len, &spec_limits, d) < 0) {
        vp_ydoc_free(&doc);
        vp_spec_free(&spec);
        return NULL;
    }
    int rc = vp_spec_v1_read(spec, doc.root, &priv->arena, d);
    vp_ydoc_free(&doc);
    if (rc < 0)
        vp_spec_free(&spec);
    return spec;
}

struct vp_spec *
vp_spec_load(const char *path, struct vp_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    const char *display = strcmp(path, "-") == 0 ? "<stdin>" : path;
    if (vp_read_file(path, display, VP_SPEC_MAX_BYTES, &buf, &len, d) < 0)
        return NULL;
    struct vp_spec *spec = vp_spec_parse(display, buf, len, d);
    free(buf);
    return spec;
}

void
vp_spec_free(struct vp_spec **spec)
{
    if (!spec || !*spec)
        return;
    struct spec_priv *priv = (*spec)->priv;
    vp_arena_free(&priv->arena);
    free(priv);
    *spec = NULL;
}

struct key_collect {
    const char **keys;
    size_t n, cap;
};

static void
collect_key(const char *path, const struct vp_field *f, void *ctx)
{
    (void)f;
    struct key_collect *c = ctx;
    void *items = c->keys;
    vp_xgrow(&items, &c->cap, c->n + 1, sizeof(*c->keys));
    c->keys = items;
    c->keys[c->n++] = vp_xstrdup(path);
}

size_t
vp_spec_schema_keys(const char ***keys)
{
    struct key_collect c = {0};
    vp_fields_walk(vp_spec_v1_fields(), "", collect_key, &c);
    *keys = c.keys;
    return c.n;
}
