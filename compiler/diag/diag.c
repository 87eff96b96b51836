/* SPDX-License-Identifier: MIT */
/* diag.c: the diagnostics list and the table of codes. */
#include "vfioplan/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const struct {
    const char *id;
    const char *summary;
    enum vp_severity severity;
} codes[VP_CODE_COUNT] = {
#define VP_CODE(name, number, sev, summary) [VP_##name] = {"VP" #number, summary, VP_SEV_##sev},
#include "vfioplan/diag-codes.def"
#undef VP_CODE
};

const char *
vp_code_id(enum vp_code code)
{
    return code < VP_CODE_COUNT ? codes[code].id : "VP0000";
}

const char *
vp_code_summary(enum vp_code code)
{
    return code < VP_CODE_COUNT ? codes[code].summary : "";
}

enum vp_severity
vp_code_severity(enum vp_code code)
{
    return code < VP_CODE_COUNT ? codes[code].severity : VP_SEV_ERROR;
}

const char *
vp_severity_name(enum vp_severity sev)
{
    static const char *const vp_severity_names[VP_SEV__COUNT] = {
        [VP_SEV_ERROR] = "error", [VP_SEV_WARNING] = "warning", [VP_SEV_NOTE] = "note"};
    return (unsigned)sev < VP_SEV__COUNT ? vp_severity_names[sev] : "error";
}

/* A message quotes input values; one of a megabyte must not become a megabyte of stderr. */
enum { TEXT_MAX = 1024 };

static char *__attribute__((format(printf, 1, 0))) diag_text(const char *fmt, va_list ap)
{
    char *s = vp_xvasprintf(fmt, ap);
    size_t len = strlen(s);
    if (len <= TEXT_MAX)
        return s;
    size_t cut = TEXT_MAX - 64;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80) /* not inside a UTF-8 character */
        cut--;
    char tail[64];
    snprintf(tail, sizeof(tail), "[... %zu more bytes]", len - cut);
    memcpy(s + cut, tail, strlen(tail) + 1);
    return s;
}

static struct vp_diag *__attribute__((format(printf, 5, 0)))
diag_add(struct vp_diags *d, enum vp_severity sev, enum vp_code code, const struct vp_pos *pos, const char *fmt,
         va_list ap)
{
    if (sev == VP_SEV_ERROR)
        d->n_errors++;
    else if (sev == VP_SEV_WARNING)
        d->n_warnings++;
    if (d->n >= VP_DIAG_CAP) {
        d->dropped++;
        return NULL;
    }
    void *items = d->items;
    vp_xgrow(&items, &d->cap, d->n + 1, sizeof(*d->items));
    d->items = items;
    struct vp_diag *g = &d->items[d->n++];
    memset(g, 0, sizeof(*g));
    g->code = code;
    g->severity = sev;
    if (pos) {
        g->pos = *pos;
        g->file = pos->file ? vp_xstrdup(pos->file) : NULL;
        g->pos.file = g->file;
    }
    g->message = diag_text(fmt, ap);
    return g;
}

int
vp_error(struct vp_diags *d, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, VP_SEV_ERROR, code, pos, fmt, ap);
    va_end(ap);
    return -1;
}

void
vp_warning(struct vp_diags *d, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, VP_SEV_WARNING, code, pos, fmt, ap);
    va_end(ap);
}

int
vp_vreport(struct vp_diags *d, enum vp_code code, const struct vp_pos *pos, const char *fmt, va_list ap)
{
    enum vp_severity sev = vp_code_severity(code);
    diag_add(d, sev, code, pos, fmt, ap);
    return sev == VP_SEV_ERROR ? -1 : 0;
}

/* The diagnostic that hint/note attach to: the last one added, if it was kept. */
static struct vp_diag *
diag_last(struct vp_diags *d)
{
    if (d->dropped || d->n == 0)
        return NULL;
    return &d->items[d->n - 1];
}

void
vp_hint(struct vp_diags *d, const char *fmt, ...)
{
    struct vp_diag *g = diag_last(d);
    if (!g)
        return;
    va_list ap;
    va_start(ap, fmt);
    free(g->hint);
    g->hint = diag_text(fmt, ap);
    va_end(ap);
}

void
vp_note(struct vp_diags *d, const char *fmt, ...)
{
    struct vp_diag *g = diag_last(d);
    if (!g)
        return;
    if (g->n_notes >= VP_NOTE_CAP || d->n_notes_kept >= VP_NOTES_TOTAL_CAP) {
        g->notes_omitted++; /* before formatting: a million of these must cost next to nothing */
        return;
    }
    d->n_notes_kept++;
    va_list ap;
    va_start(ap, fmt);
    g->notes = vp_xrealloc(g->notes, (g->n_notes + 1) * sizeof(*g->notes));
    g->notes[g->n_notes++] = diag_text(fmt, ap);
    va_end(ap);
}

size_t
vp_note_room(const struct vp_diags *d)
{
    if (d->dropped || d->n == 0)
        return 0;
    const struct vp_diag *g = &d->items[d->n - 1];
    size_t mine = g->n_notes < VP_NOTE_CAP ? VP_NOTE_CAP - g->n_notes : 0;
    size_t all = d->n_notes_kept < VP_NOTES_TOTAL_CAP ? VP_NOTES_TOTAL_CAP - d->n_notes_kept : 0;
    return mine < all ? mine : all;
}

void
vp_note_omit(struct vp_diags *d, size_t n)
{
    struct vp_diag *g = diag_last(d);
    if (g)
        g->notes_omitted += n;
}

const char *
vp_diags_add_source(struct vp_diags *d, const char *name, const char *text, size_t len)
{
    void *items = d->sources;
    vp_xgrow(&items, &d->cap_sources, d->n_sources + 1, sizeof(*d->sources));
    d->sources = items;
    struct vp_source *s = &d->sources[d->n_sources++];
    s->name = vp_xstrdup(name);
    s->text = vp_xmalloc(len + 1);
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    return s->name;
}

const char *
vp_diags_intern(struct vp_diags *d, const char *name)
{
    for (size_t i = 0; i < d->n_sources; i++)
        if (strcmp(d->sources[i].name, name) == 0)
            return d->sources[i].name;
    return vp_diags_add_source(d, name, "", 0);
}

bool
vp_diags_has_errors(const struct vp_diags *d)
{
    return d->n_errors > 0;
}

static int
diag_cmp(const void *pa, const void *pb)
{
    const struct vp_diag *a = pa, *b = pb;
    /* Diagnostics without a file (host facts) come first, then by place. */
    const char *fa = a->pos.file ? a->pos.file : "", *fb = b->pos.file ? b->pos.file : "";
    int c = strcmp(fa, fb);
    if (c)
        return c;
    if (a->pos.line != b->pos.line)
        return a->pos.line < b->pos.line ? -1 : 1;
    if (a->pos.col != b->pos.col)
        return a->pos.col < b->pos.col ? -1 : 1;
    return 0;
}

void
vp_diags_sort(struct vp_diags *d)
{
    /* Insertion sort keeps equal elements in the order they were added (stable). */
    for (size_t i = 1; i < d->n; i++) {
        struct vp_diag key = d->items[i];
        size_t j = i;
        while (j > 0 && diag_cmp(&d->items[j - 1], &key) > 0) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = key;
    }
}

void
vp_diags_free(struct vp_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct vp_diag *g = &d->items[i];
        free(g->file);
        free(g->message);
        free(g->hint);
        for (size_t k = 0; k < g->n_notes; k++)
            free(g->notes[k]);
        free(g->notes);
    }
    free(d->items);
    for (size_t i = 0; i < d->n_sources; i++) {
        free(d->sources[i].name);
        free(d->sources[i].text);
    }
    free(d->sources);
    memset(d, 0, sizeof(*d));
}
