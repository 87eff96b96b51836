/* SPDX-License-Identifier: MIT */
/* cpulist.c: reading and writing the kernel's CPU list format (bitmap_parselist without strides). */
#include "cpulist.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/util.h"

static bool
read_id(const char **s, unsigned max, unsigned *out)
{
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return false;
    unsigned long v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v >= max)
            return false;
        p++;
    }
    *s = p;
    *out = (unsigned)v;
    return true;
}

bool
vp_cpulist_parse(const char *s, unsigned max, unsigned **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    if (max == 0)
        return false;
    uint8_t *seen = vp_xcalloc(max / 8 + 1, 1);
    const char *p = s;
    bool ok = true;
    unsigned top = 0; /* the highest id seen: the scans below stop there */
    while (ok && *p && *p != '\n') {
        unsigned a, b;
        ok = read_id(&p, max, &a);
        b = a;
        if (ok && *p == '-') {
            p++;
            ok = read_id(&p, max, &b) && b >= a;
        }
        for (unsigned i = a; ok && i <= b; i++)
            seen[i / 8] |= (uint8_t)(1u << (i % 8));
        if (ok && b + 1 > top)
            top = b + 1;
        if (ok && *p == ',')
            ok = *++p != '\0' && *p != '\n'; /* no trailing comma */
        else if (ok)
            ok = *p == '\0' || *p == '\n';
    }
    if (ok && *p == '\n')
        ok = p[1] == '\0';
    size_t count = 0;
    for (unsigned i = 0; ok && i < top; i++)
        count += (seen[i / 8] >> (i % 8)) & 1;
    if (ok && count) {
        *ids = vp_xmalloc(count * sizeof(**ids));
        for (unsigned i = 0; i < top; i++)
            if ((seen[i / 8] >> (i % 8)) & 1)
                (*ids)[(*n)++] = i;
    }
    free(seen);
    return ok;
}

void
vp_cpulist_format(struct vp_strbuf *sb, const unsigned *ids, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && ids[j + 1] == ids[j] + 1)
            j++;
        if (j == i)
            vp_strbuf_printf(sb, "%s%u", i ? "," : "", ids[i]);
        else
            vp_strbuf_printf(sb, "%s%u-%u", i ? "," : "", ids[i], ids[j]);
        i = j + 1;
    }
    if (n == 0)
        vp_strbuf_puts(sb, ""); /* an empty list is "", never a NULL buffer */
}
