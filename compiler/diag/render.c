/* SPDX-License-Identifier: MIT */
/* render.c: diagnostics as text, GCC's layout with netplan's caret line. */
#include <string.h>

#include "vfioplan/diag.h"

static const struct vp_source *
find_source(const struct vp_diags *d, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < d->n_sources; i++)
        if (strcmp(d->sources[i].name, name) == 0)
            return &d->sources[i];
    return NULL;
}

/* Prints the quoted source line and the caret under pos. */
static void
render_excerpt(const struct vp_source *src, const struct vp_pos *pos, FILE *out, bool color)
{
    const char *p = src->text, *end = src->text + src->len;
    for (unsigned line = 1; line < pos->line && p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    if (n > 200)    /* a huge line is quoted in part only */
        n = 200;
    fprintf(out, " %5u | %.*s\n", pos->line, (int)n, p);
    fprintf(out, "       | ");
    for (unsigned c = 1; c < pos->col && c <= n; c++)
        fputc(p[c - 1] == '\t' ? '\t' : ' ', out);
    if (color)
        fputs("\033[1;32m", out);
    fputc('^', out);
    for (unsigned k = 1; k < pos->len && pos->col + k <= n; k++)
        fputc('~', out);
    if (color)
        fputs("\033[0m", out);
    fputc('\n', out);
}

void
vp_diags_render(const struct vp_diags *d, FILE *out, bool color)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct vp_diag *g = &d->items[i];
        const char *sev = vp_severity_name(g->severity);
        if (g->pos.file && g->pos.line)
            fprintf(out, "%s:%u:%u: ", g->pos.file, g->pos.line, g->pos.col);
        else if (g->pos.file)
            fprintf(out, "%s: ", g->pos.file);
        if (color)
            fprintf(out, "%s%s[%s]\033[0m: ",
                    g->severity == VP_SEV_ERROR ? "\033[1;31m" : "\033[1;35m", sev,
                    vp_code_id(g->code));
        else
            fprintf(out, "%s[%s]: ", sev, vp_code_id(g->code));
        fprintf(out, "%s\n", g->message);
        const struct vp_source *src = find_source(d, g->pos.file);
        if (src && src->len && g->pos.line)
            render_excerpt(src, &g->pos, out, color);
        for (size_t k = 0; k < g->n_notes; k++)
            fprintf(out, "note: %s\n", g->notes[k]);
        if (g->hint)
            fprintf(out, "hint: %s\n", g->hint);
    }
    if (d->dropped)
        fprintf(out, "vfioplan: %zu more diagnostics not shown\n", d->dropped);
}
