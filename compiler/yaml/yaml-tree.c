/* SPDX-License-Identifier: MIT */
/* yaml-tree.c: libyaml events to a positioned node tree, with input limits. */
#include "yaml-tree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/util.h"

struct open_node {
    struct vp_ynode *node;
    struct vp_ynode **items; /* heap vector until the collection ends */
    size_t n, cap;
};

struct builder {
    struct vp_ydoc *doc;
    const char *file;
    const char *buf;
    size_t len;
    const struct vp_ylimits *limits;
    struct vp_diags *d;
    struct open_node *stack;
    size_t depth, cap;
    size_t nodes;
};

static struct vp_pos
mark_pos(const struct builder *b, yaml_mark_t m)
{
    struct vp_pos p = {.file = b->file, .line = (unsigned)m.line + 1, .col = (unsigned)m.column + 1};
    return p;
}

static bool
all_in(const char *s, const char *set)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? , the core schema's float */
static bool
is_core_float(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    size_t before = strspn(s, "0123456789");
    s += before;
    size_t after = 0;
    if (*s == '.') {
        s++;
        after = strspn(s, "0123456789");
        s += after;
    }
    if (before == 0 && after == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        size_t exp = strspn(s, "0123456789");
        if (exp == 0)
            return false;
        s += exp;
    }
    return *s == '\0';
}

/* YAML 1.2 core schema resolution of a plain scalar. */
static enum vp_ytype
resolve_plain(const char *s)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    static const char *const floats[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF",
                                         "-.inf", "-.Inf", "-.INF", ".nan",  ".NaN",  ".NAN"};
    for (size_t i = 0; i < VP_ARRAY_SIZE(nulls); i++)
        if (strcmp(s, nulls[i]) == 0)
            return VP_YT_NULL;
    for (size_t i = 0; i < VP_ARRAY_SIZE(bools); i++)
        if (strcmp(s, bools[i]) == 0)
            return VP_YT_BOOL;
    for (size_t i = 0; i < VP_ARRAY_SIZE(floats); i++)
        if (strcmp(s, floats[i]) == 0)
            return VP_YT_FLOAT;
    const char *digits = (s[0] == '-' || s[0] == '+') ? s + 1 : s;
    if (all_in(digits, "0123456789"))
        return VP_YT_INT;
    if (vp_startswith(s, "0o") && all_in(s + 2, "01234567"))
        return VP_YT_INT;
    if (vp_startswith(s, "0x") && all_in(s + 2, "0123456789abcdefABCDEF"))
        return VP_YT_INT;
    if (is_core_float(s))
        return VP_YT_FLOAT;
    return VP_YT_STR;
}

static int
builder_push_child(struct builder *b, struct vp_ynode *n)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return 0;
    }
    struct open_node *top = &b->stack[b->depth - 1];
    void *items = top->items;
    vp_xgrow(&items, &top->cap, top->n + 1, sizeof(*top->items));
    top->items = items;
    top->items[top->n++] = n;
    return 0;
}

static struct vp_ynode *
builder_new(struct builder *b, enum vp_ykind kind, yaml_mark_t start)
{
    struct vp_ynode *n = vp_arena_alloc(&b->doc->arena, sizeof(*n));
    n->kind = kind;
    n->pos = mark_pos(b, start);
    return n;
}

static int
keycmp(const void *pa, const void *pb)
{
    const struct vp_ynode *a = *(struct vp_ynode *const *)pa, *b = *(struct vp_ynode *const *)pb;
    int c = strcmp(a->value, b->value);
    if (c)
        return c;
    /* Equal keys: keep file order so the later one is reported. */
    if (a->pos.line != b->pos.line)
        return a->pos.line < b->pos.line ? -1 : 1;
    return a->pos.col < b->pos.col ? -1 : (a->pos.col > b->pos.col);
}

/* A mapping's keys must be scalars and unique; sorting keeps this O(n log n) for hostile input. */
static int
check_map_keys(struct builder *b, struct vp_ynode *map)
{
    int rc = 0;
    size_t pairs = map->n / 2;
    for (size_t i = 0; i < pairs; i++) {
        struct vp_ynode *k = map->items[2 * i];
        if (k->kind != VP_Y_SCALAR) {
            rc = vp_error(b->d, VP_WRONG_TYPE, &k->pos, "a mapping key must be a plain string, not %s",
                          vp_ynode_describe(k));
            vp_hint(b->d, "write 'key: value' with a plain word as the key; complex keys ('? ...') are not used");
        }
    }
    if (rc || pairs < 2)
        return rc;
    struct vp_ynode **keys = vp_xmalloc(pairs * sizeof(*keys));
    for (size_t i = 0; i < pairs; i++)
        keys[i] = map->items[2 * i];
    vp_sort(keys, pairs, sizeof(*keys), keycmp);
    for (size_t i = 1; i < pairs; i++) {
        if (strcmp(keys[i]->value, keys[i - 1]->value) == 0) {
            rc = vp_error(b->d, VP_DUPLICATE_KEY, &keys[i]->pos, "duplicate key '%s'", keys[i]->value);
            vp_note(b->d, "first given at line %u, column %u", keys[i - 1]->pos.line, keys[i - 1]->pos.col);
            vp_hint(b->d, "keep one of them; YAML readers differ on which one wins");
        }
    }
    free(keys);
    return rc;
}

static int
on_collection_start(struct builder *b, enum vp_ykind kind, yaml_event_t *ev)
{
    if (b->depth >= b->limits->max_depth) {
        vp_error(b->d, VP_YAML_TOO_DEEP,
                 &(struct vp_pos){.file = b->file,
                                  .line = (unsigned)ev->start_mark.line + 1,
                                  .col = (unsigned)ev->start_mark.column + 1},
                 "nesting is deeper than %u levels", b->limits->max_depth);
        vp_hint(b->d, "a vfioplan file is a few levels deep; check for runaway brackets");
        return -1;
    }
    struct vp_ynode *n = builder_new(b, kind, ev->start_mark);
    builder_push_child(b, n);
    void *stack = b->stack;
    vp_xgrow(&stack, &b->cap, b->depth + 1, sizeof(*b->stack));
    b->stack = stack;
    b->stack[b->depth++] = (struct open_node){.node = n};
    return 0;
}

static int
on_collection_end(struct builder *b)
{
    struct open_node *top = &b->stack[--b->depth];
    struct vp_ynode *n = top->node;
    n->n = top->n;
    n->items = vp_arena_memdup(&b->doc->arena, top->items, top->n * sizeof(*top->items));
    free(top->items);
    if (n->kind == VP_Y_MAP)
        return check_map_keys(b, n);
    return 0;
}

static void
report_parser_error(struct builder *b, yaml_parser_t *p)
{
    struct vp_pos pos = mark_pos(b, p->problem_mark);
    size_t off = p->problem_mark.index;
    /* libyaml's message for a tab is cryptic; say what it is. */
    if (off < b->len && b->buf[off] == '\t') {
        vp_error(b->d, VP_YAML_TAB, &pos, "a tab character is used where YAML needs spaces");
        vp_hint(b->d, "indent with spaces; YAML does not allow tabs for indentation");
        return;
    }
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->context) {
        vp_error(b->d, VP_YAML_SYNTAX, &pos, "invalid YAML: %s %s", p->context, problem);
        vp_note(b->d, "the construct started at line %zu, column %zu", p->context_mark.line + 1,
                p->context_mark.column + 1);
    } else {
        vp_error(b->d, VP_YAML_SYNTAX, &pos, "invalid YAML: %s", problem);
    }
    vp_hint(b->d, "check indentation, colons and quotes near this place");
}

static void
builder_free_stack(struct builder *b)
{
    for (size_t i = 0; i < b->depth; i++)
        free(b->stack[i].items);
    free(b->stack);
}

int
vp_ydoc_parse(struct vp_ydoc *doc, const char *file, const char *buf, size_t len, const struct vp_ylimits *limits,
              struct vp_diags *d)
{
    memset(doc, 0, sizeof(*doc));
    /*
     * A UTF-8 byte order mark (editors on Windows write one) starts the stream,
     * as YAML allows; with the encoding set, libyaml would read it as content
     * and fail at line 2. Lines and columns stay right: it is on line 1, and
     * shows as nothing.
     */
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        buf += 3, len -= 3;
    struct builder b = {.doc = doc, .file = file, .buf = buf, .len = len, .limits = limits, .d = d};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return vp_error(d, VP_YAML_SYNTAX, &(struct vp_pos){.file = file}, "cannot start the YAML reader");
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    int rc = 0, docs = 0;
    bool done = false;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parser_error(&b, &parser);
            rc = -1;
            break;
        }
        const char *anchor = NULL, *tag = NULL;
        bool implicit_tag = true;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT: {
            /*
             * "%YAML 1.1" asks for YAML 1.1's types (yes is true, 010 is 8): vfioplan
             * reads 1.2's core schema only, and would read such a file otherwise than
             * its author meant. Refused; "%YAML 1.2" is what vfioplan does anyway.
             */
            const yaml_version_directive_t *v = ev.data.document_start.version_directive;
            if (v && !(v->major == 1 && v->minor == 2)) {
                rc = vp_error(d, VP_YAML_VERSION,
                              &(struct vp_pos){.file = file,
                                               .line = (unsigned)ev.start_mark.line + 1,
                                               .col = (unsigned)ev.start_mark.column + 1},
                              "the file asks for YAML %d.%d; vfioplan reads YAML 1.2", v->major, v->minor);
                vp_hint(d, "remove the %%YAML line: vfioplan reads YAML 1.2 (yes and no are strings, 010 is ten); "
                           "quote values whose type must not depend on the YAML version");
                done = true;
                break;
            }
            if (++docs > 1) {
                rc = vp_error(d, VP_YAML_MULTI_DOC,
                              &(struct vp_pos){.file = file,
                                               .line = (unsigned)ev.start_mark.line + 1,
                                               .col = (unsigned)ev.start_mark.column + 1},
                              "a second YAML document starts here");
                vp_hint(d, "put one spec in one file; remove the second '---'");
                done = true;
            }
            break;
        }
        case YAML_ALIAS_EVENT:
            rc = vp_error(d, VP_YAML_ALIAS,
                          &(struct vp_pos){.file = file,
                                           .line = (unsigned)ev.start_mark.line + 1,
                                           .col = (unsigned)ev.start_mark.column + 1},
                          "YAML alias '*%s' is not accepted", (const char *)ev.data.alias.anchor);
            vp_hint(d, "write the value out in full; vfioplan files do not use anchors or aliases");
            done = true;
            break;
        case YAML_SCALAR_EVENT:
            anchor = (const char *)ev.data.scalar.anchor;
            tag = (const char *)ev.data.scalar.tag;
            implicit_tag = ev.data.scalar.plain_implicit || ev.data.scalar.quoted_implicit;
            break;
        case YAML_MAPPING_START_EVENT:
            anchor = (const char *)ev.data.mapping_start.anchor;
            tag = (const char *)ev.data.mapping_start.tag;
            implicit_tag = ev.data.mapping_start.implicit;
            break;
        case YAML_SEQUENCE_START_EVENT:
            anchor = (const char *)ev.data.sequence_start.anchor;
            tag = (const char *)ev.data.sequence_start.tag;
            implicit_tag = ev.data.sequence_start.implicit;
            break;
        default:
            break;
        }
        struct vp_pos evpos = {
            .file = file, .line = (unsigned)ev.start_mark.line + 1, .col = (unsigned)ev.start_mark.column + 1};
        if (!done && anchor) {
            rc = vp_error(d, VP_YAML_ALIAS, &evpos, "YAML anchor '&%s' is not accepted", anchor);
            vp_hint(d, "write each value out in full; vfioplan files do not use anchors or aliases");
            done = true;
        } else if (!done && tag && !implicit_tag) {
            rc = vp_error(d, VP_YAML_TAG, &evpos, "explicit YAML tag '%s' is not accepted", tag);
            vp_hint(d, "remove the tag; quote the value if it must be a string");
            done = true;
        }
        if (!done && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
                      ev.type == YAML_SEQUENCE_START_EVENT)) {
            if (++b.nodes > limits->max_nodes) {
                rc = vp_error(d, VP_YAML_TOO_MANY_NODES, &evpos, "the document has more than %zu YAML nodes",
                              limits->max_nodes);
                vp_hint(d, "check that the right file is given");
                done = true;
            }
        }
        if (!done) {
            if (ev.type == YAML_SCALAR_EVENT) {
                struct vp_ynode *n = builder_new(&b, VP_Y_SCALAR, ev.start_mark);
                n->value = vp_arena_strndup(&doc->arena, (const char *)ev.data.scalar.value, ev.data.scalar.length);
                n->len = ev.data.scalar.length;
                n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
                /* a NUL inside a quoted scalar ("\0") would cut strings short later */
                if (strlen(n->value) != n->len) {
                    rc = vp_error(d, VP_NOT_UTF8, &n->pos, "a string holds a NUL character");
                    vp_hint(d, "remove the \\0 (or \\x00, \\u0000) escape; no value may hold a NUL character");
                    done = true;
                }
                n->type = n->quoted ? VP_YT_STR : resolve_plain(n->value);
                if (ev.end_mark.line == ev.start_mark.line)
                    n->pos.len = (unsigned)(ev.end_mark.column - ev.start_mark.column);
                builder_push_child(&b, n);
            } else if (ev.type == YAML_MAPPING_START_EVENT) {
                if (on_collection_start(&b, VP_Y_MAP, &ev) < 0)
                    rc = -1, done = true;
            } else if (ev.type == YAML_SEQUENCE_START_EVENT) {
                if (on_collection_start(&b, VP_Y_SEQ, &ev) < 0)
                    rc = -1, done = true;
            } else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
                if (on_collection_end(&b) < 0)
                    rc = -1;
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    builder_free_stack(&b);
    if (rc == 0 && (!doc->root || (doc->root->kind == VP_Y_SCALAR && doc->root->type == VP_YT_NULL))) {
        doc->root = NULL;
        rc = vp_error(d, VP_YAML_EMPTY, &(struct vp_pos){.file = file}, "the file holds no YAML document");
        vp_hint(d, "start from one of the files in examples/");
    }
    return rc;
}

void
vp_ydoc_free(struct vp_ydoc *doc)
{
    vp_arena_free(&doc->arena);
    doc->root = NULL;
}

const char *
vp_ynode_describe(const struct vp_ynode *n)
{
    switch (n->kind) {
    case VP_Y_MAP:
        return "a mapping";
    case VP_Y_SEQ:
        return "a list";
    case VP_Y_SCALAR:
        break;
    }
    switch (n->type) {
    case VP_YT_NULL:
        return "an empty value";
    case VP_YT_BOOL:
        return "a boolean";
    case VP_YT_INT:
        return "an integer";
    case VP_YT_FLOAT:
        return "a number";
    case VP_YT_STR:
        break;
    }
    return "a string";
}

const struct vp_ynode *
vp_ymap_get(const struct vp_ynode *map, const char *key)
{
    if (!map || map->kind != VP_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (strcmp(map->items[i]->value, key) == 0)
            return map->items[i + 1];
    return NULL;
}
