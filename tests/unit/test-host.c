/* SPDX-License-Identifier: MIT */
/* test-host.c: host facts every source shares: the PCIe tree above each function, and each CPU's NUMA node. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "host/host-internal.h"

enum { N = 7 };
static struct vp_device devs[N];
static struct vp_host h;

/* A root port, a switch (upstream port, two downstream ports) with a GPU and a NIC below it, and an endpoint on
 * the root bus; parents by address, as a snapshot names them. */
static void
make_tree(void)
{
    static const struct {
        const char *addr, *parent;
        uint32_t class_code;
    } rows[N] = {
        {"0000:00:01.0", NULL, 0x060400},           {"0000:00:02.0", NULL, 0x010802},
        {"0000:01:00.0", "0000:00:01.0", 0x060400}, {"0000:02:00.0", "0000:01:00.0", 0x060400},
        {"0000:02:01.0", "0000:01:00.0", 0x060400}, {"0000:03:00.0", "0000:02:00.0", 0x030200},
        {"0000:04:00.0", "0000:02:01.0", 0x020700},
    };
    memset(devs, 0, sizeof(devs));
    memset(&h, 0, sizeof(h));
    for (int i = 0; i < N; i++) {
        assert_true(vp_pci_addr_parse(rows[i].addr, &devs[i].addr, NULL));
        vp_pci_addr_format(&devs[i].addr, devs[i].addr_str);
        devs[i].class_code = rows[i].class_code;
        if (rows[i].parent) {
            devs[i].place.has_parent = true;
            assert_true(vp_pci_addr_parse(rows[i].parent, &devs[i].place.parent_addr, NULL));
        }
    }
    h.devices = devs;
    h.n_devices = N;
}

static void
test_pcie_tree(void **state)
{
    (void)state;
    make_tree();
    size_t bad;
    assert_int_equal(vp_host_link_places(&h, &bad), 0);
    assert_int_equal(devs[0].place.port, VP_PORT_ROOT);
    assert_int_equal(devs[1].place.port, VP_PORT_NONE);
    assert_int_equal(devs[2].place.port, VP_PORT_SWITCH_UPSTREAM);
    assert_int_equal(devs[3].place.port, VP_PORT_SWITCH_DOWNSTREAM);
    assert_int_equal(devs[4].place.port, VP_PORT_SWITCH_DOWNSTREAM);
    size_t chain[8];
    assert_int_equal(vp_host_upstream(&h, 5, chain, 8), 3);
    assert_int_equal(chain[0], 3); /* nearest first: the downstream port, the upstream port, the root port */
    assert_int_equal(chain[1], 2);
    assert_int_equal(chain[2], 0);
    assert_int_equal(vp_host_upstream(&h, 5, chain, 1), 3); /* the count even when the chain is cut short */
    /* the GPU and the NIC share a switch (as a GPU and its GPUDirect NIC do); the NVMe on the root bus has none */
    assert_int_equal(vp_host_switch_of(&h, 5), 2);
    assert_int_equal(vp_host_switch_of(&h, 6), 2);
    assert_int_equal(vp_host_switch_of(&h, 1), -1);
    assert_int_equal(vp_host_upstream(&h, 1, chain, 8), 0);
    assert_string_equal(vp_pcie_port_name(devs[2].place.port), "switch_upstream");
}

/* Parents that loop (a forged tree or snapshot) are refused, and no walk up the tree is left to run forever. */
static void
test_pcie_tree_loop(void **state)
{
    (void)state;
    make_tree();
    devs[0].place.has_parent = true;
    devs[0].place.parent_addr = devs[4].addr; /* the root port below the downstream port below it */
    size_t bad = N;
    assert_int_equal(vp_host_link_places(&h, &bad), -1);
    assert_true(bad < N);
    size_t chain[8];
    assert_int_equal(vp_host_upstream(&h, 5, chain, 8), 0);
}

/* Each CPU's node comes from the nodes' CPU lists; a CPU in two nodes is refused. */
static void
test_cpu_nodes(void **state)
{
    (void)state;
    static unsigned sib[4][2] = {{0, 2}, {1, 3}, {0, 2}, {1, 3}};
    static unsigned node0[] = {0, 2}, node1[] = {1, 3}, both[] = {0, 1, 2, 3};
    static struct vp_cpu cpus[4];
    for (unsigned i = 0; i < 4; i++)
        cpus[i] = (struct vp_cpu){i, i % 2, 0, -1, sib[i], 2};
    static struct vp_numa_node nodes[2];
    nodes[0] = (struct vp_numa_node){.id = 0, .cpus = node0, .n_cpus = 2};
    nodes[1] = (struct vp_numa_node){.id = 1, .cpus = node1, .n_cpus = 2};
    memset(&h, 0, sizeof(h));
    h.cpus = (struct vp_host_cpus){true, cpus, 4, nodes, 2};
    assert_int_equal(vp_host_finish_topology(&h), 0);
    assert_int_equal(vp_host_cpu(&h, 3)->node, 1);
    assert_int_equal(vp_host_cpu(&h, 2)->node, 0);
    assert_null(vp_host_cpu(&h, 4));
    assert_int_equal(vp_host_node(&h, 1)->n_cpus, 2);
    assert_true(vp_host_smt(&h));
    nodes[1].cpus = both;
    nodes[1].n_cpus = 4;
    assert_int_equal(vp_host_finish_topology(&h), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcie_tree),
        cmocka_unit_test(test_pcie_tree_loop),
        cmocka_unit_test(test_cpu_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
