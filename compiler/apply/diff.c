/* SPDX-License-Identifier: MIT */
/*
 * diff.c: unified diff hunks, as `diff -u` and git print them. The edit
 * script comes from Myers' O(ND) algorithm over hashed lines; inputs past
 * a size where that could get slow are shown as one replacing hunk.
 */
#include "diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

enum { CONTEXT = 3, MAX_LINES_FOR_MYERS = 20000, MAX_EDIT_DISTANCE = 2000 };

struct line {
    const char *text;
    size_t len;   /* without the newline */
    bool newline; /* ends with '\n' */
    uint64_t hash;
};

static size_t
split_lines(const char *s, size_t len, struct line **out)
{
    size_t n = 0, cap = 0;
    struct line *lines = NULL;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - s) : len;
        void *v = lines;
        vp_xgrow(&v, &cap, n + 1, sizeof(*lines));
        lines = v;
        struct line *l = &lines[n++];
        l->text = s + i;
        l->len = end - i;
        l->newline = nl != NULL;
        uint64_t h = 1469598103934665603ull; /* FNV-1a */
        for (size_t k = 0; k < l->len; k++)
            h = (h ^ (unsigned char)l->text[k]) * 1099511628211ull;
        l->hash = h ^ l->newline;
        i = end + (nl ? 1 : 0);
    }
    *out = lines;
    return n;
}

static bool
line_eq(const struct line *a, const struct line *b)
{
    return a->hash == b->hash && a->len == b->len && a->newline == b->newline && memcmp(a->text, b->text, a->len) == 0;
}

/* Every line of a deleted, then every line of b inserted: the script when Myers would cost too much. */
static size_t
replace_all(size_t n, size_t m, char *ops)
{
    size_t nops = 0;
    for (size_t i = 0; i < n; i++)
        ops[nops++] = '-';
    for (size_t j = 0; j < m; j++)
        ops[nops++] = '+';
    return nops;
}

/*
 * ops: '=' keep, '-' delete from a, '+' insert from b; returns the count.
 * Round d keeps only the 2d+1 diagonals it can reach, and the search stops
 * at MAX_EDIT_DISTANCE: memory stays under MAX_EDIT_DISTANCE^2 longs and
 * time under (n + m) * MAX_EDIT_DISTANCE, whatever an old file holds.
 */
static size_t
edit_script(const struct line *a, size_t n, const struct line *b, size_t m, char **ops_out)
{
    char *ops = vp_xmalloc(n + m + 1);
    *ops_out = ops;
    if (n + m == 0)
        return 0;
    if (n + m > MAX_LINES_FOR_MYERS)
        return replace_all(n, m, ops);
    size_t max = n + m;
    size_t dmax = max < MAX_EDIT_DISTANCE ? max : MAX_EDIT_DISTANCE;
    size_t width = 2 * max + 1;
    long *v = vp_xcalloc(width, sizeof(*v));
    long **trace = vp_xcalloc(dmax + 1, sizeof(*trace)); /* trace[d][k + d]: v[k] after round d */
    size_t dfinal = 0;
    bool done = false;
    for (size_t d = 0; d <= dmax && !done; d++) {
        for (long k = -(long)d; k <= (long)d; k += 2) {
            long x;
            if (k == -(long)d || (k != (long)d && v[max + k - 1] < v[max + k + 1]))
                x = d == 0 ? 0 : v[max + k + 1];
            else
                x = v[max + k - 1] + 1;
            long y = x - k;
            while ((size_t)x < n && (size_t)y < m && line_eq(&a[x], &b[y]))
                x++, y++;
            v[max + k] = x;
            if ((size_t)x >= n && (size_t)y >= m) {
                done = true;
                break;
            }
        }
        trace[d] = vp_xmalloc((2 * d + 1) * sizeof(long));
        memcpy(trace[d], v + max - d, (2 * d + 1) * sizeof(long));
        dfinal = d;
    }
    if (!done) {
        for (size_t d = 0; d <= dfinal; d++)
            free(trace[d]);
        free(trace);
        free(v);
        return replace_all(n, m, ops);
    }
    /* Walk back from the end to recover the script, then reverse it. */
    char *rev = vp_xmalloc(n + m + 1);
    size_t nrev = 0;
    long x = (long)n, y = (long)m;
    for (size_t d = dfinal; d > 0; d--) {
        const long *pv = trace[d - 1] + (d - 1); /* pv[k] for k in -(d-1)..d-1 */
        long k = x - y;
        long pk = (k == -(long)d || (k != (long)d && pv[k - 1] < pv[k + 1])) ? k + 1 : k - 1;
        long px = pv[pk], py = px - pk;
        while (x > px && y > py)
            rev[nrev++] = '=', x--, y--;
        if (x == px)
            rev[nrev++] = '+', y--;
        else
            rev[nrev++] = '-', x--;
    }
    while (x > 0 && y > 0)
        rev[nrev++] = '=', x--, y--;
    size_t nops = 0;
    for (size_t i = 0; i < nrev; i++)
        ops[nops++] = rev[nrev - 1 - i];
    free(rev);
    for (size_t d = 0; d <= dfinal; d++)
        free(trace[d]);
    free(trace);
    free(v);
    return nops;
}

static void
put_line(struct vp_strbuf *out, char tag, const struct line *l)
{
    vp_strbuf_putc(out, tag);
    vp_strbuf_add(out, l->text, l->len);
    vp_strbuf_putc(out, '\n');
    if (!l->newline)
        vp_strbuf_puts(out, "\\ No newline at end of file\n");
}

static void
range(struct vp_strbuf *out, char sign, size_t start, size_t count)
{
    /* diff -u: an empty range names the line before it; a one-line range has no count */
    if (count == 1)
        vp_strbuf_printf(out, "%c%zu", sign, start + 1);
    else
        vp_strbuf_printf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

void
vp_unified_diff(struct vp_strbuf *out, const char *as, size_t alen, const char *bs, size_t blen)
{
    struct line *a, *b;
    size_t n = split_lines(as, alen, &a), m = split_lines(bs, blen, &b);
    char *ops;
    size_t nops = edit_script(a, n, b, m, &ops);
    /* Within each block of changes, deletions first, as diff -u prints them. */
    for (size_t r = 0; r < nops;) {
        if (ops[r] == '=') {
            r++;
            continue;
        }
        size_t e = r, dels = 0;
        while (e < nops && ops[e] != '=')
            dels += ops[e++] == '-';
        for (size_t k = r; k < e; k++)
            ops[k] = k - r < dels ? '-' : '+';
        r = e;
    }
    /* a[] and b[] positions of each op */
    size_t *ai = vp_xmalloc((nops + 1) * sizeof(*ai)), *bi = vp_xmalloc((nops + 1) * sizeof(*bi));
    size_t x = 0, y = 0;
    for (size_t i = 0; i < nops; i++) {
        ai[i] = x;
        bi[i] = y;
        if (ops[i] != '+')
            x++;
        if (ops[i] != '-')
            y++;
    }
    ai[nops] = x;
    bi[nops] = y;
    size_t i = 0;
    while (i < nops) {
        while (i < nops && ops[i] == '=')
            i++;
        if (i == nops)
            break;
        /* a hunk: from CONTEXT before the change to CONTEXT after the last change that is
         * closer than 2*CONTEXT to the next one */
        size_t start = i > CONTEXT ? i - CONTEXT : 0;
        size_t end = i;
        for (;;) {
            while (end < nops && ops[end] != '=')
                end++;
            size_t run = end;
            while (run < nops && ops[run] == '=')
                run++;
            if (run < nops && run - end <= 2 * CONTEXT) {
                end = run;
                continue;
            }
            end = end + CONTEXT < nops ? end + CONTEXT : nops;
            if (end > run)
                end = run;
            break;
        }
        size_t acount = ai[end] - ai[start], bcount = bi[end] - bi[start];
        vp_strbuf_puts(out, "@@ ");
        range(out, '-', ai[start], acount);
        vp_strbuf_putc(out, ' ');
        range(out, '+', bi[start], bcount);
        vp_strbuf_puts(out, " @@\n");
        for (size_t k = start; k < end; k++) {
            if (ops[k] == '=')
                put_line(out, ' ', &a[ai[k]]);
            else if (ops[k] == '-')
                put_line(out, '-', &a[ai[k]]);
            else
                put_line(out, '+', &b[bi[k]]);
        }
        i = end;
    }
    free(ai);
    free(bi);
    free(ops);
    free(a);
    free(b);
}
