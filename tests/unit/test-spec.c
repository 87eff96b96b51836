/* SPDX-License-Identifier: MIT */
/* test-spec.c: spec parsing from buffers: defaults, limits, and the reader's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vfioplan/spec.h"

static const char good[] = "apiVersion: vfioplan/v1\n"
                           "host: {name: h}\n"
                           "vms:\n"
                           "  - name: a\n"
                           "    vcpus: 2\n"
                           "    memory: 1GiB\n"
                           "    devices:\n"
                           "      - address: \"0000:01:00\"\n"
                           "    guest: {os: rhel9}\n";

/* Parses buf; returns the code of the first diagnostic, or -1 when there is none. */
static int
first_code(const char *buf, size_t len, struct vp_spec **out)
{
    struct vp_diags d = {0};
    struct vp_spec *s = vp_spec_parse("t.yaml", buf, len, &d);
    int code = d.n ? (int)d.items[0].code : -1;
    if (out)
        *out = s;
    else
        vp_spec_free(&s);
    vp_diags_free(&d);
    return code;
}

static void
test_defaults(void **state)
{
    (void)state;
    struct vp_spec *s = NULL;
    assert_int_equal(first_code(good, strlen(good), &s), -1);
    assert_non_null(s);
    const struct vp_vm *vm = &s->vms[0];
    assert_int_equal(vm->firmware.type, VP_FIRMWARE_UEFI);
    assert_false(vm->firmware.secure_boot);
    assert_true(vm->guest.nvidia.cuda);
    assert_false(vm->guest.nvidia.has_fabric_manager);
    assert_true(vm->devices[0].whole_slot);
    assert_int_equal(s->host.bootloader, VP_BOOTLOADER_AUTO);
    assert_true(vm->memory_bytes == 1ull << 30);
    vp_spec_free(&s);
    assert_null(s);
}

static void
test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        enum vp_code code;
    } cases[] = {
        {"", VP_YAML_EMPTY},
        {"# only a comment\n", VP_YAML_EMPTY},
        {"a: [\n", VP_YAML_SYNTAX},
        {"a: &x 1\nb: *x\n", VP_YAML_ALIAS},
        {"a: !!str 1\n", VP_YAML_TAG},
        {"a: 1\n---\nb: 2\n", VP_YAML_MULTI_DOC},
        {"a:\n\t- 1\n", VP_YAML_TAB},
        {"a: 1\na: 2\n", VP_DUPLICATE_KEY},
        {"[1, 2]\n", VP_WRONG_TYPE},
        {"apiVersion: v2\n", VP_BAD_API_VERSION},
        {"? [a]\n: 1\n", VP_WRONG_TYPE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int code = first_code(cases[i].yaml, strlen(cases[i].yaml), NULL);
        if (code != (int)cases[i].code)
            fail_msg("case %zu (%s): code %s, expected %s", i, cases[i].yaml,
                     code < 0 ? "none" : vp_code_id((enum vp_code)code), vp_code_id(cases[i].code));
    }
}

static void
test_depth_limit(void **state)
{
    (void)state;
    char buf[400];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        buf[n++] = '[';
    for (int i = 0; i < 100; i++)
        buf[n++] = ']';
    buf[n] = '\0';
    assert_int_equal(first_code(buf, n, NULL), VP_YAML_TOO_DEEP);
}

static void
test_not_utf8(void **state)
{
    (void)state;
    const char bad[] = "apiVersion: vfioplan/v1\nhost: {name: \"\xff\"}\n";
    assert_int_equal(first_code(bad, sizeof(bad) - 1, NULL), VP_NOT_UTF8);
    const char nul[] = "a: 1\0b: 2\n";
    assert_int_equal(first_code(nul, sizeof(nul) - 1, NULL), VP_NOT_UTF8);
    const char esc[] = "a: \"x\\0y\"\n"; /* a NUL made by an escape */
    assert_int_equal(first_code(esc, sizeof(esc) - 1, NULL), VP_NOT_UTF8);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_not_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
