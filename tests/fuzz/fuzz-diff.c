/* SPDX-License-Identifier: MIT */
/*
 * fuzz-diff: the unified diff plan prints, between an old file under the
 * target root (anything a user or attacker left there, up to 16 MiB) and a
 * new artifact. The input is split at its first NUL byte: old, then new.
 * The diff must come back in bounded time and memory whatever the texts.
 */
#include <stdint.h>

#include "fuzz-common.h"
#include "apply/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t alen = nul ? (size_t)(nul - data) : size / 2;
    const char *a = (const char *)data, *b = (const char *)data + alen + (nul ? 1 : 0);
    size_t blen = size - alen - (nul ? 1 : 0);
    struct vp_strbuf sb = {0};
    vp_unified_diff(&sb, a, alen, b, blen);
    /* equal texts give no hunks; different ones give at least one */
    bool same = alen == blen && memcmp(a, b, alen) == 0;
    fuzz_expect(same == (sb.len == 0), "the diff of two texts is empty exactly when they are equal");
    vp_strbuf_free(&sb);
    return 0;
}
