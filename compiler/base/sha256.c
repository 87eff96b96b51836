/* SPDX-License-Identifier: MIT */
/* sha256.c: SHA-256 through nettle (libnettle8, which apt itself needs on Debian). */
#include "sha256.h"

#include <string.h>

void
vp_sha256_init(struct vp_sha256 *h)
{
    sha256_init(&h->ctx);
}

void
vp_sha256_add(struct vp_sha256 *h, const void *data, size_t len)
{
    if (len)
        sha256_update(&h->ctx, len, data);
}

void
vp_sha256_add_str(struct vp_sha256 *h, const char *s)
{
    vp_sha256_add(h, s, strlen(s) + 1);
}

void
vp_sha256_hex(struct vp_sha256 *h, char out[VP_SHA256_HEX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SHA256_DIGEST_SIZE];
    sha256_digest(&h->ctx, sizeof(digest), digest);
    for (size_t i = 0; i < sizeof(digest); i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * SHA256_DIGEST_SIZE] = '\0';
}

void
vp_sha256_of(const void *data, size_t len, char out[VP_SHA256_HEX])
{
    struct vp_sha256 h;
    vp_sha256_init(&h);
    vp_sha256_add(&h, data, len);
    vp_sha256_hex(&h, out);
}
