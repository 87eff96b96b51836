/* SPDX-License-Identifier: MIT */
/*
 * fields-doc.c: the spec's field tables as documentation: each key's path,
 * type, default and meaning, read from the same tables the parser uses, so
 * that vfioplan.yaml(5) cannot drift from what is accepted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "fields.h"

struct doc_collect {
    struct vp_field_doc *items;
    size_t n, cap;
};

/* "128 MiB", "64 TiB": sizes as the spec writes them. */
static void
put_size(struct vp_strbuf *sb, unsigned long long bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (u + 1 < VP_ARRAY_SIZE(units) && bytes >= 1024 && bytes % 1024 == 0)
        bytes /= 1024, u++;
    vp_strbuf_printf(sb, "%llu %s", bytes, units[u]);
}

/* "a, b or c" of the names an input can give (a value without a name is skipped). */
static void
put_enum(struct vp_strbuf *sb, const struct vp_enum_arg *e)
{
    size_t left = 0;
    for (size_t i = 0; i < e->n; i++)
        left += e->names[i] != NULL;
    bool first = true;
    for (size_t i = 0; i < e->n; i++) {
        if (!e->names[i])
            continue;
        left--;
        vp_strbuf_printf(sb, "%s%s", first ? "" : left == 0 ? " or " : ", ", e->names[i]);
        first = false;
    }
}

/* The type of a value read by parse with arg; false if the handler is not a generic one. */
static bool
put_type(struct vp_strbuf *sb, vp_field_fn parse, const void *arg)
{
    if (parse == vp_field_string) {
        vp_strbuf_puts(sb, "string");
    } else if (parse == vp_field_bool) {
        vp_strbuf_puts(sb, "boolean");
    } else if (parse == vp_field_uint) {
        const struct vp_uint_arg *a = arg;
        vp_strbuf_printf(sb, "integer, %llu to %llu", a->min, a->max);
    } else if (parse == vp_field_size) {
        const struct vp_uint_arg *a = arg;
        vp_strbuf_puts(sb, "size with a binary unit (KiB, MiB, GiB, TiB), ");
        put_size(sb, a->min);
        vp_strbuf_puts(sb, " to ");
        put_size(sb, a->max);
    } else if (parse == vp_field_enum) {
        put_enum(sb, arg);
    } else if (parse == vp_field_map) {
        vp_strbuf_puts(sb, "mapping");
    } else if (parse == vp_field_list) {
        const struct vp_list_arg *l = arg;
        vp_strbuf_puts(sb, "list of ");
        if (l->parse_elem == vp_field_map)
            vp_strbuf_puts(sb, "mappings");
        else if (!put_type(sb, l->parse_elem, l->elem_arg))
            vp_strbuf_puts(sb, "strings");
        vp_strbuf_printf(sb, ", %zu at most", l->max);
    } else {
        return false;
    }
    return true;
}

static void
collect(const char *path, const struct vp_field *f, void *ctx)
{
    struct doc_collect *c = ctx;
    void *items = c->items;
    vp_xgrow(&items, &c->cap, c->n + 1, sizeof(*c->items));
    c->items = items;
    struct vp_field_doc *d = &c->items[c->n++];
    memset(d, 0, sizeof(*d));
    d->path = vp_xstrdup(path);
    d->doc = f->doc;
    struct vp_strbuf type = {0};
    if (f->type)
        vp_strbuf_puts(&type, f->type);
    else if (!put_type(&type, f->parse, f->arg))
        vp_strbuf_puts(&type, "string");
    d->type = vp_strbuf_steal(&type, NULL);
    if (f->flags & VP_FIELD_REQUIRED) {
        d->def = vp_xstrdup("required");
    } else if (f->def) {
        d->def = vp_xstrdup(f->def);
    } else if (f->parse == vp_field_bool) {
        d->def = vp_xstrdup("false");
    } else if (f->parse == vp_field_enum) {
        /* an absent key leaves the struct's zero: the name of value 0, if it has one */
        const struct vp_enum_arg *e = f->arg;
        if (e->n && e->names[0])
            d->def = vp_xstrdup(e->names[0]);
    }
    if (f->parse == vp_field_string && f->arg) {
        const struct vp_string_arg *s = f->arg;
        d->accepts = s->hint ? vp_xstrdup(s->hint) : NULL;
    }
}

size_t
vp_field_docs(const struct vp_field *fields, struct vp_field_doc **docs)
{
    struct doc_collect c = {0};
    vp_fields_walk(fields, "", collect, &c);
    *docs = c.items;
    return c.n;
}

void
vp_field_docs_free(struct vp_field_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(docs[i].path);
        free(docs[i].type);
        free(docs[i].def);
        free(docs[i].accepts);
    }
    free(docs);
}
