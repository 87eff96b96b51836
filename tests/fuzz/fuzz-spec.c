/* SPDX-License-Identifier: MIT */
/* fuzz-spec: the spec reader (UTF-8 check, YAML tree with limits, v1 schema) on any bytes. */
#include <stdint.h>

#include "fuzz-common.h"
#include "vfioplan/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > VP_SPEC_MAX_BYTES) /* vp_spec_load refuses these before parsing */
        return 0;
    char *buf = fuzz_cstr(data, size);
    struct vp_diags d = {0};
    struct vp_spec *spec = vp_spec_parse("fuzz.yaml", buf, size, &d);
    fuzz_expect(spec ? !vp_diags_has_errors(&d) : vp_diags_has_errors(&d),
                "vp_spec_parse's result and its diagnostics disagree");
    fuzz_render(&d);
    vp_spec_free(&spec);
    vp_diags_free(&d);
    free(buf);
    return 0;
}
