/* SPDX-License-Identifier: MIT */
/* test-base.c: PCI addresses and ids, sizes, nearest-key hints, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/units.h"
#include "base/util.h"
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pci_addr), cmocka_unit_test(test_pci_id), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_nearest),  cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
