/* SPDX-License-Identifier: MIT */
/* fields.c: the generic handlers behind the spec's field tables. */
#include "fields.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "base/util.h"

int
vp_field_error(struct vp_fparser *p, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vp_vreport(p->d, p->uniform ? p->uniform->code : code, pos, fmt, ap);
    va_end(ap);
    if (p->uniform)
        vp_hint(p->d, "%s", p->uniform->hint);
    return -1;
}

void
vp_field_hint(struct vp_fparser *p, const char *fmt, ...)
{
    if (p->uniform) /* the error carries the uniform hint already */
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vp_xvasprintf(fmt, ap);
    va_end(ap);
    vp_hint(p->d, "%s", msg);
    free(msg);
}

int
vp_expect_kind(struct vp_fparser *p, const struct vp_ynode *n, enum vp_ykind kind, const char *what)
{
    if (n->kind == kind)
        return 0;
    static const char *const names[] = {[VP_Y_SCALAR] = "a value", [VP_Y_MAP] = "a mapping", [VP_Y_SEQ] = "a list"};
    vp_field_error(p, VP_WRONG_TYPE, &n->pos, "%s must be %s, not %s", what, names[kind], vp_ynode_describe(n));
    if (kind == VP_Y_SEQ)
        vp_field_hint(p, "write each entry on its own line starting with '- '");
    else if (kind == VP_Y_MAP)
        vp_field_hint(p, "write 'key: value' pairs, indented under %s", what);
    return -1;
}

int
vp_expect_string(struct vp_fparser *p, const struct vp_ynode *n, const char *what)
{
    if (n->kind == VP_Y_SCALAR && n->type == VP_YT_STR)
        return 0;
    vp_field_error(p, VP_WRONG_TYPE, &n->pos, "%s must be a string, not %s", what, vp_ynode_describe(n));
    if (n->kind == VP_Y_SCALAR && n->type != VP_YT_NULL)
        vp_field_hint(p, "put it in quotes: \"%s\"", n->value);
    else if (n->kind == VP_Y_SCALAR)
        vp_field_hint(p, "write the value after the colon, in quotes");
    else
        vp_field_hint(p, "write one value in quotes here, not %s", vp_ynode_describe(n));
    return -1;
}

static const char *
field_keys_hint(const struct vp_field *fields, const char *word)
{
    const char *keys[64];
    size_t n = 0;
    for (const struct vp_field *f = fields; f->key && n < VP_ARRAY_SIZE(keys); f++)
        keys[n++] = f->key;
    return vp_nearest(word, keys, n);
}

int
vp_fields_parse_map(struct vp_fparser *p, const struct vp_ynode *n, void *obj, const struct vp_field *fields,
                    const char *what)
{
    if (vp_expect_kind(p, n, VP_Y_MAP, what) < 0)
        return -1;
    int rc = 0;
    size_t nfields = 0;
    while (fields[nfields].key)
        nfields++;
    bool seen[64] = {false};
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const struct vp_ynode *k = n->items[i], *v = n->items[i + 1];
        const struct vp_field *f = NULL;
        for (size_t j = 0; j < nfields; j++) {
            if (strcmp(fields[j].key, k->value) == 0) {
                f = &fields[j];
                seen[j] = true;
                break;
            }
        }
        if (!f) {
            struct vp_pos pos = k->pos;
            rc = vp_field_error(p, VP_UNKNOWN_KEY, &pos, "unknown key '%s' in %s", k->value, what);
            const char *near = field_keys_hint(fields, k->value);
            if (near) {
                vp_field_hint(p, "did you mean '%s'?", near);
            } else {
                char list[512];
                size_t len = 0;
                for (size_t j = 0; j < nfields && len < sizeof(list); j++)
                    len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", j ? ", " : "", fields[j].key);
                vp_field_hint(p, "the keys of %s are: %s", what, list);
            }
            continue;
        }
        if (f->parse(p, v, (char *)obj + f->offset, f->arg) < 0)
            rc = -1;
        /* Present even if its value was wrong: checks across fields must not
         * report a second, made-up problem ("needs one of address and match"). */
        if (f->has_at)
            *(bool *)((char *)obj + f->has_at - 1) = true;
        if (f->pos_at)
            *(struct vp_pos *)((char *)obj + f->pos_at - 1) = v->pos;
    }
    for (size_t j = 0; j < nfields; j++) {
        if ((fields[j].flags & VP_FIELD_REQUIRED) && !seen[j]) {
            rc = vp_field_error(p, VP_MISSING_KEY, &n->pos, "%s has no '%s'", what, fields[j].key);
            if (fields[j].doc)
                vp_field_hint(p, "add '%s:' (%s)", fields[j].key, fields[j].doc);
        }
    }
    return rc;
}

int
vp_field_string(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct vp_string_arg *a = arg;
    if (vp_expect_string(p, n, a->what) < 0)
        return -1;
    if (a->valid && !a->valid(n->value)) {
        struct vp_pos pos = n->pos;
        vp_field_error(p, a->code, &pos, "'%s' is not %s", n->value, a->what);
        if (a->hint)
            vp_field_hint(p, "%s", a->hint);
        return -1;
    }
    *(char **)dst = vp_arena_strdup(p->arena, n->value);
    return 0;
}

static int
read_uint(struct vp_fparser *p, const struct vp_ynode *n, const struct vp_uint_arg *a, unsigned long long *out)
{
    if (n->kind != VP_Y_SCALAR || n->type != VP_YT_INT) {
        vp_field_error(p, VP_WRONG_TYPE, &n->pos, "%s must be an integer, not %s", a->what, vp_ynode_describe(n));
        if (n->kind == VP_Y_SCALAR && n->type == VP_YT_STR)
            vp_field_hint(p, "write the number without quotes");
        else
            vp_field_hint(p, "write a whole number from %llu to %llu", a->min, a->max);
        return -1;
    }
    const char *s = n->value;
    errno = 0;
    char *end = NULL;
    bool negative = s[0] == '-';
    unsigned long long v = 0;
    if (!negative) {
        int base = vp_startswith(s, "0x") ? 16 : vp_startswith(s, "0o") ? 8 : 10;
        v = strtoull(s + (base == 10 ? 0 : 2), &end, base);
    }
    if (negative || errno == ERANGE || v < a->min || v > a->max) {
        vp_field_error(p, VP_OUT_OF_RANGE, &n->pos, "%s %s is out of range", a->what, s);
        vp_field_hint(p, "use a whole number from %llu to %llu", a->min, a->max);
        return -1;
    }
    *out = v;
    return 0;
}

int
vp_field_uint(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    unsigned long long v;
    if (read_uint(p, n, arg, &v) < 0)
        return -1;
    *(unsigned *)dst = (unsigned)v;
    return 0;
}

int
vp_field_u64(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    unsigned long long v;
    if (read_uint(p, n, arg, &v) < 0)
        return -1;
    *(uint64_t *)dst = (uint64_t)v;
    return 0;
}

int
vp_field_bool(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const char *what = arg;
    if (n->kind == VP_Y_SCALAR && n->type == VP_YT_BOOL) {
        *(bool *)dst = n->value[0] == 't' || n->value[0] == 'T';
        return 0;
    }
    vp_field_error(p, VP_WRONG_TYPE, &n->pos, "%s must be true or false, not %s", what, vp_ynode_describe(n));
    static const char *const yaml11[] = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off"};
    for (size_t i = 0; n->kind == VP_Y_SCALAR && i < VP_ARRAY_SIZE(yaml11); i++)
        if (strcmp(n->value, yaml11[i]) == 0)
            vp_field_hint(p, "YAML 1.2 reads '%s' as a string; write true or false", n->value);
    return -1;
}

const char *
vp_enum_name(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n && names[v] ? names[v] : "?";
}

int
vp_field_enum(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct vp_enum_arg *a = arg;
    if (vp_expect_string(p, n, a->what) < 0)
        return -1;
    for (size_t i = 0; i < a->n; i++) {
        if (a->names[i] && strcmp(n->value, a->names[i]) == 0) {
            *(int *)dst = (int)i;
            return 0;
        }
    }
    vp_field_error(p, VP_BAD_ENUM, &n->pos, "'%s' is not a valid %s", n->value, a->what);
    const char *near = vp_nearest(n->value, a->names, a->n);
    char list[256];
    size_t len = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->names[i])
            len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", a->names[i]);
    if (near)
        vp_field_hint(p, "did you mean '%s'? (one of: %s)", near, list);
    else
        vp_field_hint(p, "use one of: %s", list);
    return -1;
}

int
vp_field_size(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct vp_uint_arg *a = arg;
    if (n->kind != VP_Y_SCALAR || (n->type != VP_YT_STR && n->type != VP_YT_INT)) {
        vp_field_error(p, VP_WRONG_TYPE, &n->pos, "%s must be a size such as 64GiB, not %s", a->what,
                       vp_ynode_describe(n));
        return -1;
    }
    uint64_t bytes = 0;
    enum vp_size_error err = vp_parse_size(n->value, &bytes);
    if (err == VP_SIZE_NO_UNIT) {
        vp_field_error(p, VP_BAD_SIZE, &n->pos, "%s '%s' has no unit", a->what, n->value);
        vp_field_hint(p, "write it with a binary unit: %sGiB (or KiB, MiB, TiB)", n->value);
        return -1;
    }
    if (err == VP_SIZE_MALFORMED) {
        vp_field_error(p, VP_BAD_SIZE, &n->pos, "%s '%s' is not a size", a->what, n->value);
        vp_field_hint(p, "write a whole number and a binary unit, like 512GiB or 4096MiB");
        return -1;
    }
    if (err == VP_SIZE_OVERFLOW || bytes < a->min || bytes > a->max) {
        vp_field_error(p, VP_OUT_OF_RANGE, &n->pos, "%s '%s' is out of range", a->what, n->value);
        vp_field_hint(p, "use a size from %llu MiB to %llu TiB", a->min >> 20, a->max >> 40);
        return -1;
    }
    *(uint64_t *)dst = bytes;
    return 0;
}

int
vp_field_list(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct vp_list_arg *a = arg;
    if (vp_expect_kind(p, n, VP_Y_SEQ, "this key") < 0)
        return -1;
    if (n->n > a->max) {
        vp_field_error(p, VP_LIST_TOO_LONG, &n->pos, "the list has %zu entries; the limit is %zu", (size_t)n->n,
                       a->max);
        vp_field_hint(p, "keep at most %zu entries in this list", a->max);
        return -1;
    }
    char *items = vp_arena_alloc(p->arena, n->n * a->elem_size);
    int rc = 0;
    for (size_t i = 0; i < n->n; i++)
        if (a->parse_elem(p, n->items[i], items + i * a->elem_size, a->elem_arg) < 0)
            rc = -1;
    *(void **)dst = items;
    *(size_t *)((char *)dst + a->count_delta) = n->n;
    return rc;
}

int
vp_field_map(struct vp_fparser *p, const struct vp_ynode *n, void *dst, const void *arg)
{
    const struct vp_map_arg *a = arg;
    if (a->pos_at)
        *(struct vp_pos *)((char *)dst + a->pos_at - 1) = n->pos;
    return vp_fields_parse_map(p, n, dst, a->fields, a->what);
}

void
vp_fields_walk(const struct vp_field *fields, const char *prefix,
               void (*visit)(const char *path, const struct vp_field *f, void *ctx), void *ctx)
{
    for (const struct vp_field *f = fields; f->key; f++) {
        char path[256];
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f->key);
        visit(path, f, ctx);
        if (f->parse == vp_field_map) {
            const struct vp_map_arg *m = f->arg;
            vp_fields_walk(m->fields, path, visit, ctx);
        } else if (f->parse == vp_field_list) {
            const struct vp_list_arg *l = f->arg;
            if (l->parse_elem == vp_field_map) {
                const struct vp_map_arg *m = l->elem_arg;
                char lpath[260];
                snprintf(lpath, sizeof(lpath), "%s[]", path);
                vp_fields_walk(m->fields, lpath, visit, ctx);
            }
        }
    }
}
