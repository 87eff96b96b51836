/* SPDX-License-Identifier: MIT */
/* units.c: binary size units; decimal ones (GB) are refused, as libvirt's KiB-based XML would round them. */
#include "units.h"

#include <stdio.h>
#include <string.h>

enum vp_size_error
vp_parse_size(const char *s, uint64_t *bytes)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
    uint64_t v = 0;
    size_t i = 0;
    if (s[0] < '0' || s[0] > '9')
        return VP_SIZE_MALFORMED;
    /* leading zeros are decimal, as YAML 1.2 reads integers (0048GiB is 48 GiB); the check below is the overflow */
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return VP_SIZE_OVERFLOW;
        v = v * 10 + digit;
    }
    const char *rest = s + i;
    if (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return VP_SIZE_NO_UNIT;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        if (strcmp(rest, units[u].suffix) == 0) {
            if (v > (UINT64_MAX >> units[u].shift))
                return VP_SIZE_OVERFLOW;
            *bytes = v << units[u].shift;
            return VP_SIZE_OK;
        }
    }
    return VP_SIZE_MALFORMED;
}

const char *
vp_format_size(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >> (10 * (u + 1)) > 0)
        u++;
    uint64_t unit = 1ull << (10 * u);
    if (bytes % unit == 0)
        snprintf(buf, size, "%llu %s", (unsigned long long)(bytes / unit), units[u]);
    else
        snprintf(buf, size, "%.1f %s", (double)bytes / (double)unit, units[u]);
    return buf;
}
