/* SPDX-License-Identifier: MIT */
/*
 * test-resolve.c: the resolver on hosts built in memory: the 64-bit MMIO
 * window for large-BAR GPUs, ids= versus binding by address, guest slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mem-host.h"
#include "resolve/resolve-internal.h"
#include "vfioplan/plan.h"

static struct vp_plan *
resolve(const char *devices_yaml, struct vp_spec **spec, struct vp_diags *d)
{
    char vm[512];
    snprintf(vm, sizeof(vm), "    devices:\n%s", devices_yaml);
    return resolve_vm("", vm, spec, d);
}

static uint64_t
window_mib(unsigned gpus, uint64_t bar1, uint64_t bar3, unsigned assigned)
{
    make_host(gpus, 0x2330, bar1, bar3);
    char yaml[128];
    snprintf(yaml, sizeof(yaml), "      - match: {vendor: \"10de\"}\n        count: %u\n", assigned);
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve(yaml, &spec, &d);
    assert_non_null(plan);
    uint64_t mib = plan->vms[0].mmio64_mib;
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
    return mib;
}

static void
test_mmio_window(void **state)
{
    (void)state;
    /* H100: 128 GiB BAR1 + 32 MiB BAR3; each root port window aligned to 128 GiB */
    assert_true(window_mib(1, 128ull << 30, 32ull << 20, 1) == 262144);  /* the usual 256 GiB for one */
    assert_true(window_mib(8, 128ull << 30, 32ull << 20, 8) == 2097152); /* 2 TiB for eight */
    /* RTX 4090 with resizable BAR: 32 GiB */
    assert_true(window_mib(1, 32ull << 30, 32ull << 20, 1) == 65536);
    /* a 256 MiB BAR fits OVMF's default window: nothing to emit */
    assert_true(window_mib(2, 256ull << 20, 32ull << 20, 2) == 0);
}

static void
test_binding(void **state)
{
    (void)state;
    make_host(2, 0x24b0, 256ull << 20, 32ull << 20);
    struct vp_diags d = {0};
    struct vp_spec *spec;
    /* one of two identical GPUs: by address */
    struct vp_plan *plan = resolve("      - address: \"0000:11:00.0\"\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->n_vfio_ids, 0);
    assert_int_equal(plan->n_bind_addresses, 1);
    assert_string_equal(plan->bind_addresses[0], "0000:11:00.0");
    assert_int_equal(plan->vms[0].assigned[0].binding, VP_BIND_ADDRESS);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    /* both: ids= */
    plan = resolve("      - match: {vendor: \"10de\", device: \"24b0\"}\n", &spec, &d);
    assert_non_null(plan);
    assert_int_equal(plan->n_vfio_ids, 1);
    assert_string_equal(plan->vfio_ids[0], "10de:24b0");
    assert_int_equal(plan->n_bind_addresses, 0);
    /* softdeps for an NVIDIA GPU, never a blacklist */
    assert_int_equal(plan->n_softdep_drivers, 2);
    assert_string_equal(plan->softdep_drivers[0], "nouveau");
    assert_string_equal(plan->softdep_drivers[1], "nvidia");
    /* one guest slot per host slot */
    assert_int_equal(plan->vms[0].n_guest_slots, 2);
    assert_int_equal(plan->vms[0].assigned[1].guest_bus, 2);
    /* Intel CPU: intel_iommu=on */
    assert_int_equal(plan->n_kernel_args, 1);
    assert_string_equal(plan->kernel_args[0].value, "intel_iommu=on");
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

static void
test_group_closure(void **state)
{
    (void)state;
    make_host(2, 0x2330, 128ull << 30, 32ull << 20);
    /* put both GPUs in one group, as behind a switch without ACS */
    devices[1].iommu_group = 0;
    groups[0] = (struct vp_group){.id = 0, .members = members, .n_members = 2, .today = -1};
    host.n_groups = 1;
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve("      - address: \"0000:10:00.0\"\n", &spec, &d);
    assert_null(plan);
    assert_int_equal(d.n_errors, 1);
    assert_int_equal(d.items[0].code, VP_GROUP_NOT_WHOLE);
    assert_int_equal(d.items[0].n_notes, 2);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

/* Every passthrough rule (4xxx) is one row of the rules table; no code is in two rows. */
static void
test_rules_table(void **state)
{
    (void)state;
    size_t n;
    const struct vp_rule *rules = vp_rules(&n);
    for (int code = 0; code < VP_CODE_COUNT; code++) {
        size_t rows = 0;
        for (size_t i = 0; i < n; i++)
            rows += rules[i].code == (enum vp_code)code;
        bool passthrough_rule = vp_code_id((enum vp_code)code)[2] == '4';
        if (rows > 1 || (passthrough_rule && rows != 1))
            fail_msg("%s is in %zu rows of the rules table", vp_code_id((enum vp_code)code), rows);
    }
    for (size_t i = 0; i < n; i++)
        assert_non_null(rules[i].judge);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmio_window),
        cmocka_unit_test(test_binding),
        cmocka_unit_test(test_group_closure),
        cmocka_unit_test(test_rules_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
