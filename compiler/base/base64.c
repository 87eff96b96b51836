/* SPDX-License-Identifier: MIT */
/* base64.c: RFC 4648 base64 with padding. */
#include "base64.h"

void
vp_base64_append(struct vp_strbuf *sb, const unsigned char *data, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        char out[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63], i + 1 < len ? alphabet[v >> 6 & 63] : '=',
                       i + 2 < len ? alphabet[v & 63] : '='};
        vp_strbuf_add(sb, out, 4);
    }
}
