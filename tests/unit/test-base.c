/* SPDX-License-Identifier: MIT */
/* test-base.c: PCI addresses and ids, sizes, nearest-key hints, UTF-8, CPU lists, diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpulist.h"
#include "base/units.h"
#include "base/util.h"
#include "vfioplan/diag.h"
#include "vfioplan/pci.h"

static void
test_pci_addr(void **state)
{
    (void)state;
    struct vp_pci_addr a;
    bool slot;
    char buf[VP_PCI_ADDR_LEN];
    assert_true(vp_pci_addr_parse("0000:41:00.0", &a, &slot));
    assert_false(slot);
    assert_int_equal(a.bus, 0x41);
    vp_pci_addr_format(&a, buf);
    assert_string_equal(buf, "0000:41:00.0");
    /* Intel VMD domains have five digits */
    assert_true(vp_pci_addr_parse("10000:00:05.0", &a, &slot));
    assert_int_equal(a.domain, 0x10000);
    vp_pci_addr_format(&a, buf);
    assert_string_equal(buf, "10000:00:05.0");
    assert_true(vp_pci_addr_parse("0000:01:00", &a, &slot));
    assert_true(slot);
    assert_false(vp_pci_addr_parse("0000:01:00", &a, NULL)); /* slot only where allowed */
    const char *bad[] = {"",
                         "41:00.0",
                         "0000:41:00.8",
                         "0000:41:20.0",
                         "0000:4:00.0",
                         "0000:41:00.0 ",
                         "0000:41:00.00",
                         "000g:41:00.0",
                         "123456789:00:00.0",
                         "0000:41:00.",
                         "+000:41:00.0"};
    for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++)
        assert_false(vp_pci_addr_parse(bad[i], &a, &slot));
}

static void
test_pci_id(void **state)
{
    (void)state;
    uint16_t id;
    assert_true(vp_pci_id_parse("10de", &id));
    assert_int_equal(id, 0x10de);
    assert_true(vp_pci_id_parse("10DE", &id));
    assert_false(vp_pci_id_parse("10d", &id));
    assert_false(vp_pci_id_parse("10dee", &id));
    assert_false(vp_pci_id_parse("0x10", &id));
}

static void
test_sizes(void **state)
{
    (void)state;
    uint64_t b;
    assert_int_equal(vp_parse_size("512GiB", &b), VP_SIZE_OK);
    assert_true(b == 512ull << 30);
    assert_int_equal(vp_parse_size("4096 MiB", &b), VP_SIZE_OK);
    assert_true(b == 4096ull << 20);
    assert_int_equal(vp_parse_size("16", &b), VP_SIZE_NO_UNIT);
    assert_int_equal(vp_parse_size("8GB", &b), VP_SIZE_MALFORMED);
    assert_int_equal(vp_parse_size("-1GiB", &b), VP_SIZE_MALFORMED);
    assert_int_equal(vp_parse_size("99999999999TiB", &b), VP_SIZE_OVERFLOW);
    assert_int_equal(vp_parse_size("18446744073709551616KiB", &b), VP_SIZE_OVERFLOW);
    assert_int_equal(vp_parse_size("16777215TiB", &b), VP_SIZE_OK);
    assert_int_equal(vp_parse_size("16777216TiB", &b), VP_SIZE_OVERFLOW);
    /* leading zeros are decimal, however many (once "out of range" past 21 digits) */
    assert_int_equal(vp_parse_size("0000000000000000000000000000048GiB", &b), VP_SIZE_OK);
    assert_true(b == 48ull << 30);
    assert_int_equal(vp_parse_size("000000000000000000000000000018446744073709551616KiB", &b), VP_SIZE_OVERFLOW);
}

static void
test_nearest(void **state)
{
    (void)state;
    const char *keys[] = {"name", "vcpus", "memory", "devices", "disks"};
    assert_string_equal(vp_nearest("devcies", keys, 5), "devices");
    assert_string_equal(vp_nearest("memroy", keys, 5), "memory");
    assert_null(vp_nearest("zzzzzzzz", keys, 5));
    assert_null(vp_nearest("name", keys, 5)); /* an exact key is not a typo */
}

static void
test_utf8(void **state)
{
    (void)state;
    size_t bad;
    assert_true(vp_utf8_valid("h\xc3\xa9llo", 6, &bad));
    assert_false(vp_utf8_valid("a\xff", 2, &bad));
    assert_int_equal(bad, 1);
    assert_false(vp_utf8_valid("a\0b", 3, &bad));         /* NUL */
    assert_false(vp_utf8_valid("\xc0\xaf", 2, &bad));     /* overlong '/' */
    assert_false(vp_utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
    assert_false(vp_utf8_valid("\xe2\x82", 2, &bad));     /* cut short */
    assert_true(vp_utf8_valid("\xf0\x9f\x98\x80", 4, &bad));
}

/* The kernel's cpulist format, as sysfs writes it and snapshots carry it. */
static void
test_cpulist(void **state)
{
    (void)state;
    unsigned *ids;
    size_t n;
    assert_true(vp_cpulist_parse("0-3,8,10-11\n", 16, &ids, &n));
    assert_int_equal(n, 7);
    assert_int_equal(ids[4], 8);
    assert_int_equal(ids[6], 11);
    struct vp_strbuf sb = {0};
    vp_cpulist_format(&sb, ids, n);
    assert_string_equal(sb.data, "0-3,8,10-11");
    free(ids);
    vp_strbuf_free(&sb);
    /* duplicates and unordered ranges come out ascending and once */
    assert_true(vp_cpulist_parse("5,1-2,2", 16, &ids, &n));
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[2], 5);
    free(ids);
    assert_true(vp_cpulist_parse("", 16, &ids, &n));
    assert_int_equal(n, 0);
    assert_null(ids);
    vp_cpulist_format(&sb, NULL, 0);
    assert_string_equal(sb.data, "");
    vp_strbuf_free(&sb);
    /* a hostile range stops at the bound; malformed lists are refused whole */
    const char *bad[] = {"0-4294967295", "16", "3-1", "1,", ",1", "1-", "a", "1 2", "1\n2", "-1", "1,,2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (vp_cpulist_parse(bad[i], 16, &ids, &n))
            fail_msg("'%s' was accepted", bad[i]);
        assert_null(ids);
    }
}

static void
test_format_size(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(vp_format_size(512ull << 30, buf, sizeof(buf)), "512 GiB");
    assert_string_equal(vp_format_size(2113728512ull << 10, buf, sizeof(buf)), "2.0 TiB");
    assert_string_equal(vp_format_size(1536ull << 20, buf, sizeof(buf)), "1.5 GiB");
    assert_string_equal(vp_format_size(0, buf, sizeof(buf)), "0 bytes");
}

/* A diagnostic outlives the caller's buffer that named its file (generations.c reported with a stack buffer
 * the renderer read after it was gone: valgrind's faultinject run saw it). */
static void
test_diag_keeps_file_name(void **state)
{
    (void)state;
    struct vp_diags d = {0};
    char name[64];
    snprintf(name, sizeof(name), "root/var/lib/vfioplan/generations/.new-1-42");
    vp_error(&d, VP_WRITE_FAILED, &(struct vp_pos){.file = name}, "cannot write it");
    memset(name, 'x', sizeof(name) - 1);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    vp_diags_render(&d, out, false);
    fclose(out);
    assert_non_null(strstr(text, "root/var/lib/vfioplan/generations/.new-1-42: error[VP5001]: cannot write it"));
    free(text);
    vp_diags_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pci_addr),    cmocka_unit_test(test_pci_id),
        cmocka_unit_test(test_sizes),       cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_utf8),        cmocka_unit_test(test_cpulist),
        cmocka_unit_test(test_format_size), cmocka_unit_test(test_diag_keeps_file_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
