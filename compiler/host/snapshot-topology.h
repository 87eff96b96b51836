/* SPDX-License-Identifier: MIT */
/* snapshot-topology.h: the memory, CPU, node and root-device sections of a snapshot (v2), as the reader parses them. */
#pragma once

#include "host-internal.h"

struct vp_snap_memory {
    uint64_t total_kib, hugepage_size_kib, hugepages_total, hugepages_free;
};

struct vp_snap_cpu {
    struct vp_pos pos;
    unsigned id, package, core;
    char *siblings;
};

struct vp_snap_pool {
    struct vp_pos pos;
    enum vp_hugepage_size size;
    uint64_t total, free;
};

struct vp_snap_node {
    struct vp_pos pos;
    unsigned id;
    char *cpus;
    uint64_t mem_total_kib;
    struct vp_snap_pool *hugepages;
    size_t n_hugepages;
};

struct vp_snap_topology {
    bool has_memory, has_cpus, has_nodes, has_root_devices;
    struct vp_pos cpus_pos, nodes_pos;
    struct vp_snap_memory memory;
    struct vp_snap_cpu *cpus;
    size_t n_cpus;
    struct vp_snap_node *nodes;
    size_t n_nodes;
    char **root_devices;
    size_t n_root_devices;
};

/* The field arguments of the top-level keys memory, cpus, nodes and root_devices. */
extern const struct vp_map_arg vp_snap_memory_map;
extern const struct vp_list_arg vp_snap_cpu_list, vp_snap_node_list, vp_snap_root_device_list;
/* The keys a snapshot-v1 does not have, NULL-terminated. */
extern const char *const vp_snap_v2_keys[];

/* Checks what one entry cannot (CPU lists, duplicates, nodes that overlap) and fills host; -1 with diagnostics. */
int vp_snap_topology_finish(struct vp_fparser *p, struct vp_snap_topology *t, struct vp_host *host);
