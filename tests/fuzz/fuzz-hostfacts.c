/* SPDX-License-Identifier: MIT */
/*
 * fuzz-hostfacts: the readers of a host tree's text files (what --host ROOT
 * and the live system give): the input is split at NUL bytes into
 * etc/os-release, proc/cpuinfo, proc/cmdline, proc/mounts, proc/net/route,
 * the running kernel's modules.builtin, proc/sys/kernel/osrelease,
 * proc/meminfo, the online CPUs, CPU 0's siblings, node 0's CPUs and its
 * meminfo (those five last, so older inputs still split the same), which
 * replace those of a copy of tests/hosts/tiny.table's tree (VP_FUZZ_TREE,
 * else the one the build made). The tree is loaded as vfioplan loads it; its
 * snapshot must load back and give the same text again, and compiling two
 * fixed specs against it must keep fuzz_check_artifacts' promises.
 */
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "vfioplan/host.h"
#include "vfioplan/plan.h"
#include "vfioplan/snapshot.h"
#include "vfioplan/spec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
    "etc/os-release",
    "proc/cpuinfo",
    "proc/cmdline",
    "proc/mounts",
    "proc/net/route",
    "lib/modules/6.1.0-18-amd64/modules.builtin",
    "proc/sys/kernel/osrelease",
    "proc/meminfo",
    "sys/devices/system/cpu/online",
    "sys/devices/system/cpu/cpu0/topology/core_cpus_list",
    "sys/devices/system/node/node0/cpulist",
    "sys/devices/system/node/node0/meminfo",
};
enum { N_FILES = sizeof(files) / sizeof(files[0]) };

static char tree[256];

static void
remove_tree(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.snapshot'", tree, tree);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz-hostfacts: cannot remove %s\n", tree);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *src = getenv("VP_FUZZ_TREE");
#ifdef VP_FUZZ_TREE_DEFAULT
    if (!src || !*src)
        src = VP_FUZZ_TREE_DEFAULT;
#endif
    if (!src) {
        fprintf(stderr, "fuzz-hostfacts: set VP_FUZZ_TREE to a host tree (tests/tools/mkhost.py)\n");
        exit(2);
    }
    snprintf(tree, sizeof(tree), "/tmp/vp-fuzz-hostfacts-%ld", (long)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", tree, src, tree);
    if (system(cmd) != 0) {
        fprintf(stderr, "fuzz-hostfacts: cannot copy %s\n", src);
        exit(2);
    }
    atexit(remove_tree);
    return 0;
}

static void
put(const char *rel, const uint8_t *data, size_t size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
}

static const char *const specs[] = {
    "apiVersion: vfioplan/v1\nhost: {name: fuzz, iommu: {passthrough: true}}\n"
    "vms:\n  - {name: gpu, vcpus: 4, memory: 8GiB, devices: [{address: \"0000:01:00\"}], guest: {os: rhel9}}\n",
    "apiVersion: vfioplan/v1\nhost: {name: fuzz}\n"
    "vms:\n  - {name: nic, vcpus: 4, memory: 8GiB, devices: [{address: \"0000:03:00.0\", allow_host_critical: true}]}\n",
};

static void
compile(const struct vp_host *host)
{
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct vp_diags d = {0};
        struct vp_spec *spec = vp_spec_parse("spec.yaml", specs[i], strlen(specs[i]), &d);
        fuzz_expect(spec != NULL, "a fixed spec of fuzz-hostfacts does not parse");
        struct vp_plan *plan = vp_plan_resolve(spec, host, &d);
        if (plan) {
            struct vp_artifact_set set = {0};
            if (vp_plan_emit(plan, NULL, &set, &d) == 0) {
                fuzz_check_artifacts(&set);
            }
            vp_artifact_set_free(&set);
        }
        fuzz_render(&d);
        vp_plan_free(&plan);
        vp_spec_free(&spec);
        vp_diags_free(&d);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    const uint8_t *p = data, *end = data + size;
    for (size_t i = 0; i < N_FILES; i++) {
        const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
        const uint8_t *stop = nul ? nul : end;
        put(files[i], p, (size_t)(stop - p));
        p = nul ? nul + 1 : end;
    }
    struct vp_diags d = {0};
    struct vp_host *host = vp_host_load(tree, 0, &d);
    fuzz_expect(host ? !vp_diags_has_errors(&d) : vp_diags_has_errors(&d),
                "vp_host_load's result and its diagnostics disagree");
    fuzz_render(&d);
    if (host) {
        compile(host);
        char *text1 = NULL, *text2 = NULL;
        size_t len1 = 0, len2 = 0;
        struct vp_diags d2 = {0};
        fuzz_expect(vp_snapshot_write(host, true, &text1, &len1, &d2) == 0, "a host tree's snapshot cannot be written");
        char snap[300];
        snprintf(snap, sizeof(snap), "%s.snapshot", tree);
        FILE *f = fopen(snap, "wb");
        if (!f || fwrite(text1, 1, len1, f) != len1)
            abort();
        fclose(f);
        struct vp_host *again = vp_host_load(snap, 0, &d2);
        if (!again) {
            vp_diags_render(&d2, stderr, false);
            fprintf(stderr, "--- written:\n%.*s\n", (int)len1, text1);
        }
        fuzz_expect(again != NULL, "the snapshot of a host tree does not load");
        fuzz_expect(vp_snapshot_write(again, true, &text2, &len2, &d2) == 0, "a reloaded snapshot cannot be written");
        fuzz_expect(len1 == len2 && memcmp(text1, text2, len1) == 0, "a host tree's snapshot changes on a round trip");
        free(text1);
        free(text2);
        vp_host_free(&again);
        vp_diags_free(&d2);
    }
    vp_host_free(&host);
    vp_diags_free(&d);
    return 0;
}
