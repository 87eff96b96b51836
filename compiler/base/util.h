/* SPDX-License-Identifier: MIT */
/* util.h: allocation that cannot fail, cleanup attributes, small string helpers. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define VP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VP_UNUSED __attribute__((unused))

/*
 * Allocation failure ends the process with a message (exit 2): inputs are
 * bounded (see README "Reliability"), so running out of memory means the
 * machine is out of memory, not that a spec was hostile.
 */
void *vp_xmalloc(size_t size);
void *vp_xcalloc(size_t n, size_t size);
void *vp_xrealloc(void *p, size_t size);
/* Grows *items (of *cap elements of elem_size) so that need elements fit. */
void vp_xgrow(void **items, size_t *cap, size_t need, size_t elem_size);
char *vp_xstrdup(const char *s);
char *vp_xstrndup(const char *s, size_t n);
char *vp_xasprintf(const char *fmt, ...) VP_PRINTF(1, 2);
char *vp_xvasprintf(const char *fmt, va_list ap) VP_PRINTF(1, 0);

static inline bool
vp_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static inline bool
vp_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* True if word is one of the space-separated words of list ("quiet intel_iommu=on"); NULL list: false. */
bool vp_has_word(const char *list, const char *word);

/* Edit distance, capped: used to suggest the nearest valid key or value. */
size_t vp_edit_distance(const char *a, const char *b);
/* The candidate nearest to word (NULL if none is close enough to be a useful hint). */
const char *vp_nearest(const char *word, const char *const *candidates, size_t n);

/* True if buf[0..len) is valid UTF-8 without NUL bytes; *bad_offset gets the first bad byte. */
bool vp_utf8_valid(const char *buf, size_t len, size_t *bad_offset);

/* qsort that accepts an empty (NULL) array: qsort(NULL, 0, ...) is undefined behaviour. */
static inline void
vp_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

/* qsort comparator for arrays of C strings. */
int vp_strcmp_ptr(const void *a, const void *b);
