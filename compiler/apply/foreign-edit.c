/* SPDX-License-Identifier: MIT */
/* foreign-edit.c: applying an edit to the current text of a file vfioplan does not own (see foreign-edit.h). */
#include "foreign-edit.h"

#include <string.h>

#include "base/util.h"

/* A text as physical lines (without their newlines). */
struct lines {
    const char **at;
    size_t *len;
    size_t n;
};

static void
split(const char *text, size_t len, struct lines *out)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    out->at = vp_xcalloc(cap, sizeof(*out->at));
    out->len = vp_xcalloc(cap, sizeof(*out->len));
    out->n = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        out->at[out->n] = text + i;
        out->len[out->n++] = n;
        i += n + 1;
    }
}

static void
lines_free(struct lines *l)
{
    free(l->at);
    free(l->len);
}

static bool
line_is(const struct lines *l, size_t i, const char *s, size_t n)
{
    return l->len[i] == n && memcmp(l->at[i], s, n) == 0;
}

/* Whether want (k physical lines) is at line i of have, none of it taken by another operation. */
static bool
window_matches(const struct lines *have, size_t i, const struct lines *want, const bool *taken)
{
    if (i + want->n > have->n)
        return false;
    for (size_t k = 0; k < want->n; k++)
        if (taken[i + k] || !line_is(have, i + k, want->at[k], want->len[k]))
            return false;
    return true;
}

/* The match of want nearest to line (1-based); have->n if there is none. */
static size_t
find_nearest(const struct lines *have, const struct lines *want, unsigned line, const bool *taken)
{
    size_t near = line > 0 ? line - 1 : 0;
    for (size_t d = 0; d <= have->n; d++) {
        if (near >= d && window_matches(have, near - d, want, taken))
            return near - d;
        if (d && near + d < have->n && window_matches(have, near + d, want, taken))
            return near + d;
    }
    return have->n;
}

/* The first physical line of want, disabled: what a done operation left in the file. */
static bool
already_disabled(const struct lines *have, const struct vp_edit_op *op, const struct lines *want)
{
    struct vp_strbuf sb = {0};
    vp_strbuf_printf(&sb, VP_EDIT_DISABLED_MARKER "%s: ", op->code);
    vp_strbuf_add(&sb, want->at[0], want->len[0]);
    bool found = false;
    for (size_t i = 0; i < have->n && !found; i++)
        found = line_is(have, i, sb.data, sb.len);
    vp_strbuf_free(&sb);
    return found;
}

void
vp_foreign_edit_apply(const struct vp_foreign_edit *edit, const char *text, size_t len, struct vp_strbuf *out,
                      struct vp_edit_result *res)
{
    memset(res, 0, sizeof(*res));
    struct lines have;
    split(text, len, &have);
    bool *taken = vp_xcalloc(have.n + 1, sizeof(*taken));
    /* per line of the file: the operation that starts there, or NULL */
    const struct vp_edit_op **starts = vp_xcalloc(have.n + 1, sizeof(*starts));
    size_t *spans = vp_xcalloc(have.n + 1, sizeof(*spans));
    for (size_t i = 0; i < edit->n_ops; i++) {
        const struct vp_edit_op *op = &edit->ops[i];
        struct lines want;
        split(op->text, strlen(op->text), &want);
        size_t at = want.n ? find_nearest(&have, &want, op->line, taken) : have.n;
        if (at < have.n) {
            starts[at] = op;
            spans[at] = want.n;
            for (size_t k = 0; k < want.n; k++)
                taken[at + k] = true;
            res->applied++;
        } else if (want.n && already_disabled(&have, op, &want)) {
            res->done++;
        } else {
            res->not_found++;
        }
        lines_free(&want);
    }
    for (size_t i = 0; i < have.n;) {
        const struct vp_edit_op *op = starts[i];
        if (!op) {
            vp_strbuf_add(out, have.at[i], have.len[i]);
            /* the last line keeps its missing newline */
            if (have.at[i] + have.len[i] < text + len)
                vp_strbuf_putc(out, '\n');
            i++;
            continue;
        }
        for (size_t k = 0; k < spans[i]; k++) {
            vp_strbuf_printf(out, VP_EDIT_DISABLED_MARKER "%s: ", op->code);
            vp_strbuf_add(out, have.at[i + k], have.len[i + k]);
            vp_strbuf_putc(out, '\n');
        }
        if (op->kind == VP_EDIT_REPLACE_LINE && op->replacement)
            vp_strbuf_printf(out, VP_EDIT_REPLACES_MARKER "\n%s\n", op->replacement);
        i += spans[i];
    }
    if (!out->data)
        vp_strbuf_puts(out, "");
    free(spans);
    free(starts);
    free(taken);
    lines_free(&have);
}
